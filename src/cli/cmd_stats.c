/* cmd_stats.c: `cashark stats KIND`: the table of kinds, and `stats tcp` (one row per TCP
 * connection, filtered with --where, ordered by conn or --sort, cut by --first). */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_stats_mptcp.h"
#include "pipeline.h"

#include "cashark/status.h"
#include "cashark/tcpstats.h"
#include "cashark/where.h"

/* ---- aligned tables ---- */

static void
put_value(struct cs_out *o, const struct cs_field *f, const struct cs_fval *v)
{
    switch (f->type) {
        case CS_FT_UINT:
        case CS_FT_BIGUINT:
            cs_out_u64(o, v->v.u);
            break;
        case CS_FT_INT:
        case CS_FT_BIGINT:
            cs_out_i64(o, v->v.i);
            break;
        case CS_FT_TIME:
            cs_out_fixed(o, v->v.t.ns, v->v.t.digits);
            break;
        default: /* text kinds: the getter wrote the value */
            break;
    }
}

/* The cell of record r in column f into o ("-" when absent). */
static void
cell(struct cs_out *o, const struct cs_field *f, const struct cs_record *r)
{
    struct cs_fieldctx ctx = {o, 0, 0};
    struct cs_fval v;
    size_t before;
    cs_out_data(o, &before);
    if (!f || !f->get(&ctx, r, &v)) {
        size_t after;
        cs_out_data(o, &after);
        if (after == before)
            cs_out_char(o, '-');
        return;
    }
    put_value(o, f, &v);
}

void
cs_table_print(struct cs_out *o, const struct cs_field *const *cols, size_t ncols,
               const struct cs_record *recs, size_t nrec, size_t *w, int header)
{
    struct cs_out *s = cs_out_new_mem(256);
    if (!s)
        return;
    if (ncols && !w[0]) {
        for (size_t c = 0; c < ncols; c++)
            w[c] = strlen(cols[c]->name);
        for (size_t i = 0; i < nrec; i++)
            for (size_t c = 0; c < ncols; c++) {
                size_t n;
                cs_out_reset(s);
                cell(s, cols[c], &recs[i]);
                cs_out_data(s, &n);
                if (n > w[c])
                    w[c] = n;
            }
    }
    for (size_t c = 0; header && c < ncols; c++) {
        size_t n = strlen(cols[c]->name);
        int right = cols[c]->type != CS_FT_TEXT;
        if (c)
            cs_out_str(o, "  ");
        if (right)
            cs_out_pad(o, w[c] - n);
        cs_out_str(o, cols[c]->name);
        if (!right && c + 1 < ncols)
            cs_out_pad(o, w[c] - n);
    }
    if (header)
        cs_out_end_record(o);
    for (size_t i = 0; i < nrec && !cs_out_failed(o); i++) {
        for (size_t c = 0; c < ncols; c++) {
            size_t n;
            cs_out_reset(s);
            cell(s, cols[c], &recs[i]);
            const char *t = cs_out_data(s, &n);
            int right = cols[c]->type != CS_FT_TEXT;
            if (c)
                cs_out_str(o, "  ");
            if (right && w[c] > n)
                cs_out_pad(o, w[c] - n);
            cs_out_mem(o, t, n);
            if (!right && c + 1 < ncols && w[c] > n)
                cs_out_pad(o, w[c] - n);
        }
        cs_out_end_record(o);
    }
    cs_out_free(s);
}

size_t
cs_table_columns(const char *tpl, enum cs_record_kind kind, const struct cs_field ***cols,
                 char *err, size_t errlen)
{
    size_t cap = 1;
    for (const char *p = tpl; *p; p++)
        cap += *p == '<';
    *cols = calloc(cap, sizeof **cols);
    if (!*cols) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    size_t n = 0;
    for (const char *p = strchr(tpl, '<'); p; p = strchr(p, '<')) {
        const char *e = strchr(++p, '>');
        if (!e)
            break;
        const struct cs_field *f = cs_field_find(p, (size_t)(e - p), kind);
        if (!f) {
            snprintf(err, errlen, "unknown field '%.*s'", (int)(e - p), p);
            free(*cols);
            *cols = NULL;
            return 0;
        }
        (*cols)[n++] = f;
        p = e + 1;
    }
    return n;
}

/* ---- stats tcp ---- */

/* Rows wait in batches of CHUNK_ROWS (all of them with --sort): each batch is ordered by conn,
 * gets its open_at_rst figures and is printed, so memory stays bounded on endless input. */
#define CHUNK_ROWS 65536
/* --by: at most this many rows (then one "other" row) and time values kept for the quantiles
 * (beyond, a regular sample): about 40 MiB at most. */
#define TCP_BY_MAX_ROWS    65536
#define TCP_BY_MAX_SAMPLES (4u << 20)

struct tcp_run {
    const struct cs_cli *cli;
    struct cs_out *out;
    struct cs_where *where;
    struct cs_tcpstats *st;
    struct cs_tcpgroups *groups; /* --by: rows summed per server or client */
    struct cs_tcpconn *rows;
    size_t n, cap;
    struct cs_formatter *fmt;     /* csv/tsv/json or --format */
    const struct cs_field **cols; /* text table columns */
    size_t ncols;
    size_t *widths; /* text table: fixed by the first batch */
    int header_done;
    uint64_t printed;
    int oom;
    int rc;
};

static int tcp_output(struct tcp_run *run);

static int
tcp_packet(void *ctx, const struct cs_frame *f, const struct cs_packet *p,
           const struct cs_flow_view *fv)
{
    (void)f;
    struct tcp_run *run = ctx;
    cs_tcpstats_packet(run->st, p, fv);
    return 0;
}

static void
tcp_evict(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    (void)why;
    struct tcp_run *run = ctx;
    struct cs_tcpconn row;
    if (!cs_tcpstats_end(run->st, fl, &row))
        return;
    if (run->groups) {
        if (cs_tcpgroups_add(run->groups, &row) != 0)
            run->oom = 1;
        return;
    }
    if (run->n == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 256;
        struct cs_tcpconn *r = realloc(run->rows, cap * sizeof *r);
        if (!r) {
            run->oom = 1;
            return;
        }
        run->rows = r;
        run->cap = cap;
    }
    run->rows[run->n++] = row;
    if (!run->cli->sort && run->n >= CHUNK_ROWS && run->rc == 0)
        run->rc = tcp_output(run);
}

/* Sort keys: each record's value of the --sort field, computed once; ties keep input order. */
struct sort_key {
    struct cs_record rec;
    size_t index;
    int present;
    long double num;
    char *text;
    size_t tlen;
    int desc;
};

static int
key_cmp(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    int c = 0;
    if (x->present != y->present)
        return x->present ? -1 : 1; /* absent values last, either direction */
    if (x->present) {
        if (x->text || y->text) {
            size_t m = x->tlen < y->tlen ? x->tlen : y->tlen;
            c = m ? memcmp(x->text, y->text, m) : 0;
            if (!c)
                c = (x->tlen > y->tlen) - (x->tlen < y->tlen);
        } else {
            c = (x->num > y->num) - (x->num < y->num);
        }
        if (x->desc)
            c = -c;
    }
    if (!c)
        c = (x->index > y->index) - (x->index < y->index);
    return c;
}

static int
conn_cmp(const void *a, const void *b)
{
    const struct cs_tcpconn *x = a, *y = b;
    return (x->conn > y->conn) - (x->conn < y->conn);
}

static struct cs_record
conn_record(const struct cs_tcpconn *row, struct cs_frame *fr)
{
    memset(fr, 0, sizeof *fr);
    fr->ordinal = row->first_ordinal;
    fr->ts_ns = row->first_t;
    fr->ts_digits = row->ts_digits;
    struct cs_record r = {CS_REC_TCPCONN, fr, NULL, NULL, row, 0};
    return r;
}

/* The --sort field for records of kind, or NULL after a usage message. */
static const struct cs_field *
sort_field(const char *spec, enum cs_record_kind kind)
{
    static const struct {
        enum cs_record_kind kind;
        const char *what;
    } whats[] = {
        {CS_REC_TCPCONN, "stats tcp"},
        {CS_REC_TCPGROUP, "stats tcp --by"},
        {CS_REC_CASTAT, "stats ca"},
    };
    const char *what = "these rows";
    for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++) {
        if (whats[i].kind == kind)
            what = whats[i].what;
    }
    const char *name = spec + (spec[0] == '-');
    const struct cs_field *f = cs_field_find(name, strlen(name), kind);
    if (!f)
        fprintf(stderr,
                "cashark: --sort: unknown field '%s' for %s\n"
                "Try 'cashark fields' for the list of fields.\n",
                name, what);
    return f;
}

/* Orders recs[0..n) by the --sort field (a leading '-' for descending), stable. */
static int
sort_records(const char *spec, struct cs_record *recs, size_t n)
{
    if (!n)
        return 0;
    const struct cs_field *f = sort_field(spec, recs[0].kind);
    if (!f)
        return CS_EXIT_USAGE;
    struct sort_key *k = calloc(n, sizeof *k);
    struct cs_out *s = cs_out_new_mem(64);
    if (!k || !s) {
        free(k);
        cs_out_free(s);
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct cs_fieldctx ctx = {s, 0, 0};
        struct cs_fval v;
        cs_out_reset(s);
        k[i].rec = recs[i];
        k[i].index = i;
        k[i].desc = spec[0] == '-';
        k[i].present = f->get(&ctx, &recs[i], &v);
        if (!k[i].present)
            continue;
        if (f->type != CS_FT_TIME && f->type != CS_FT_UINT && f->type != CS_FT_BIGUINT &&
            f->type != CS_FT_INT && f->type != CS_FT_BIGINT) {
            size_t len;
            const char *t = cs_out_data(s, &len);
            k[i].text = malloc(len + 1);
            if (!k[i].text) {
                rc = CS_EXIT_INPUT;
                break;
            }
            memcpy(k[i].text, t, len);
            k[i].tlen = len;
        } else if (f->type == CS_FT_TIME) {
            k[i].num = (long double)v.v.t.ns;
        } else if (f->type == CS_FT_INT || f->type == CS_FT_BIGINT) {
            k[i].num = (long double)v.v.i;
        } else {
            k[i].num = (long double)v.v.u;
        }
    }
    if (rc == 0) {
        qsort(k, n, sizeof *k, key_cmp);
        for (size_t i = 0; i < n; i++)
            recs[i] = k[i].rec;
    } else {
        fputs("cashark: out of memory\n", stderr);
    }
    for (size_t i = 0; i < n; i++)
        free(k[i].text);
    free(k);
    cs_out_free(s);
    return rc;
}

/* --sort, then --where and --first over recs[0..n); prints what is left as a table or through
 * the formatter. */
static int
print_records(struct tcp_run *run, struct cs_record *recs, size_t n)
{
    const struct cs_cli *cli = run->cli;
    if (cli->sort) {
        int rc = sort_records(cli->sort, recs, n);
        if (rc)
            return rc;
    }
    size_t nrec = 0;
    for (size_t i = 0; i < n; i++) {
        if (cli->first && run->printed + nrec >= cli->first)
            break;
        if (run->where && !cs_where_match(run->where, &recs[i]))
            continue;
        recs[nrec++] = recs[i];
    }
    if (run->fmt) {
        for (size_t i = 0; i < nrec && !cs_out_failed(run->out); i++)
            cs_fmt_record(run->fmt, &recs[i]);
    } else if (nrec || !run->header_done) {
        cs_table_print(run->out, run->cols, run->ncols, recs, nrec, run->widths, !run->header_done);
        run->header_done = 1;
    }
    run->printed += nrec;
    return 0;
}

/* Where-filter, order and cut the rows waiting, print them and forget them. */
static int
tcp_output(struct tcp_run *run)
{
    size_t n = run->n;
    run->n = 0;
    if (n)
        qsort(run->rows, n, sizeof *run->rows, conn_cmp);
    if (cs_tcpstats_open_at_rst(run->rows, n) != 0)
        return CS_EXIT_INPUT;
    struct cs_frame *frames = calloc(n ? n : 1, sizeof *frames);
    struct cs_record *recs = calloc(n ? n : 1, sizeof *recs);
    int rc = CS_EXIT_INPUT;
    if (frames && recs) {
        for (size_t i = 0; i < n; i++)
            recs[i] = conn_record(&run->rows[i], &frames[i]);
        rc = print_records(run, recs, n);
    }
    free(frames);
    free(recs);
    return rc;
}

/* --by: the summary rows, once the input has ended. */
static int
group_output(struct tcp_run *run)
{
    size_t n = 0;
    const struct cs_tcpgroup *const *rows = cs_tcpgroups_finish(run->groups, &n);
    struct cs_frame *frames = calloc(n ? n : 1, sizeof *frames);
    struct cs_record *recs = calloc(n ? n : 1, sizeof *recs);
    int rc = CS_EXIT_INPUT;
    if (rows && frames && recs) {
        for (size_t i = 0; i < n; i++) {
            frames[i].ts_ns = rows[i]->first_t;
            frames[i].ts_digits = rows[i]->ts_digits;
            recs[i] = (struct cs_record){CS_REC_TCPGROUP, &frames[i], NULL, NULL, rows[i], 0};
        }
        rc = print_records(run, recs, n);
        if (n && rows[0]->sampled)
            fputs("cashark: stats tcp --by: too many connections to keep every time: quantiles "
                  "are over a regular sample of them\n",
                  stderr);
    }
    free(frames);
    free(recs);
    return rc;
}

/* --by GROUP: a table of names to kinds of summary. */
static const struct {
    const char *name;
    enum cs_tcpby by;
} tcp_by_names[] = {
    {"server", CS_TCPBY_SERVER},
    {"client", CS_TCPBY_CLIENT},
};

/* 0 and *by, or a usage message and CS_EXIT_USAGE. */
static int
tcp_by(const char *name, enum cs_tcpby *by)
{
    for (size_t i = 0; i < sizeof tcp_by_names / sizeof tcp_by_names[0]; i++)
        if (strcmp(name, tcp_by_names[i].name) == 0) {
            *by = tcp_by_names[i].by;
            return 0;
        }
    fprintf(stderr, "cashark: --by: stats tcp sums rows by server or client, not '%s'\n", name);
    return CS_EXIT_USAGE;
}

/* Checks --by, --format and --sort before reading anything, so usage errors come first. */
static int
tcp_check_usage(const struct cs_cli *cli)
{
    char err[512];
    enum cs_tcpby by;
    if (cli->by && tcp_by(cli->by, &by) != 0)
        return CS_EXIT_USAGE;
    if (cli->fmt.template_text) {
        struct cs_out *o = cs_out_new_mem(64);
        struct cs_formatter *f = o ? cs_fmt_new(&cli->fmt, o, err, sizeof err) : NULL;
        cs_fmt_free(f);
        cs_out_free(o);
        if (!f) {
            fprintf(stderr, "cashark: %s\nTry 'cashark fields' for the list of fields.\n", err);
            return CS_EXIT_USAGE;
        }
    }
    if (cli->sort && !sort_field(cli->sort, cli->by ? CS_REC_TCPGROUP : CS_REC_TCPCONN))
        return CS_EXIT_USAGE;
    return 0;
}

int
cs_stats_check_sort(const char *spec, enum cs_record_kind kind)
{
    return sort_field(spec, kind) ? 0 : CS_EXIT_USAGE;
}

int
cs_stats_select(const struct cs_cli *cli, struct cs_where *where, struct cs_record *recs, size_t *n)
{
    if (cli->sort && *n) {
        int rc = sort_records(cli->sort, recs, *n);
        if (rc)
            return rc;
    }
    size_t kept = 0;
    for (size_t i = 0; i < *n; i++) {
        if (cli->first && kept >= cli->first)
            break;
        if (where && !cs_where_match(where, &recs[i]))
            continue;
        recs[kept++] = recs[i];
    }
    *n = kept;
    return 0;
}

/* Compiles --where; prints the usage error with a caret under the column. */
int
cs_stats_compile_where(const char *text, struct cs_where **w)
{
    *w = NULL;
    if (!text)
        return 0;
    char err[256];
    size_t col = 0;
    *w = cs_where_compile(text, err, sizeof err, &col);
    if (*w)
        return 0;
    fprintf(stderr, "cashark: --where: %s (column %zu)\n  %s\n  %*s^\n", err, col, text,
            (int)(col ? col - 1 : 0), "");
    return CS_EXIT_USAGE;
}

static int
stats_tcp(struct cs_cli *cli, struct cs_out *out)
{
    struct cs_where *where = NULL;
    int rc = cs_stats_compile_where(cli->where, &where);
    if (rc == 0)
        rc = tcp_check_usage(cli);
    if (rc)
        return rc;
    struct tcp_run run = {0};
    run.cli = cli;
    run.out = out;
    run.where = where;
    run.st = cs_tcpstats_new(cli->flows.capacity ? cli->flows.capacity : 65536);
    const char *text_cols = cs_tcpstats_columns, *all_cols = cs_tcpstats_columns;
    enum cs_record_kind kind = CS_REC_TCPCONN;
    enum cs_tcpby by = CS_TCPBY_SERVER;
    if (cli->by && tcp_by(cli->by, &by) == 0) {
        run.groups = cs_tcpgroups_new(by, TCP_BY_MAX_ROWS, TCP_BY_MAX_SAMPLES);
        text_cols = cs_tcpstats_group_columns(by, 0);
        all_cols = cs_tcpstats_group_columns(by, 1);
        kind = CS_REC_TCPGROUP;
    }
    char err[512];
    if (cli->fmt.outfmt == CS_OUTFMT_TEXT && !cli->fmt.template_text) {
        run.ncols = cs_table_columns(text_cols, kind, &run.cols, err, sizeof err);
        run.widths = calloc(run.ncols + 1, sizeof *run.widths);
    } else {
        struct cs_fmt_config cfg = cli->fmt;
        cfg.hexdump = 0;
        if (!cfg.template_text)
            cfg.template_text = all_cols;
        run.fmt = cs_fmt_new(&cfg, out, err, sizeof err);
    }
    if (!run.st || (cli->by && !run.groups) || (!run.fmt && (!run.ncols || !run.widths))) {
        cs_where_free(where);
        cs_tcpgroups_free(run.groups);
        cs_tcpstats_free(run.st);
        cs_fmt_free(run.fmt);
        free(run.cols);
        free(run.widths);
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    if (run.fmt)
        cs_fmt_begin(run.fmt);
    struct cs_pipeline pl;
    rc = cs_pipeline_init(&pl, cli, out, tcp_packet, &run);
    if (rc == 0) {
        cs_flowtab_on_evict(pl.flows, tcp_evict, &run);
        cs_pipeline_run(&pl);
        if (run.oom) {
            fputs("cashark: out of memory: some connections are missing\n", stderr);
            pl.exit_code = CS_EXIT_INPUT;
        }
        if (run.rc == 0)
            run.rc = run.groups ? group_output(&run) : tcp_output(&run);
        cs_out_flush(out);
        rc = cs_pipeline_finish(&pl);
        if (run.rc)
            rc = run.rc;
    }
    cs_pipeline_free(&pl);
    cs_tcpgroups_free(run.groups);
    cs_tcpstats_free(run.st);
    cs_fmt_free(run.fmt);
    free(run.cols);
    free(run.widths);
    free(run.rows);
    cs_where_free(where);
    return rc;
}

/* ---- the kinds ---- */

/* The CA and MPTCP statistics add their rows here. */
static const struct {
    const char *kind;
    int (*run)(struct cs_cli *cli, struct cs_out *out);
} stats_kinds[] = {
    {"tcp", stats_tcp},
    {"ca", cs_cmd_stats_ca},
    {"mptcp", cs_cmd_stats_mptcp},
};

int
cs_cmd_stats(struct cs_cli *cli, struct cs_out *out)
{
    size_t nk = sizeof stats_kinds / sizeof stats_kinds[0];
    for (size_t i = 0; i < nk; i++)
        if (strcmp(cli->stats_kind, stats_kinds[i].kind) == 0)
            return stats_kinds[i].run(cli, out);
    fprintf(stderr, "cashark: stats: unknown kind '%s' (kinds:", cli->stats_kind);
    for (size_t i = 0; i < nk; i++)
        fprintf(stderr, " %s", stats_kinds[i].kind);
    fputs(")\nTry 'cashark --help' for more information.\n", stderr);
    return CS_EXIT_USAGE;
}

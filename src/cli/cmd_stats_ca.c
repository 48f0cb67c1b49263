/* cmd_stats_ca.c: `cashark stats ca [--table NAME] [--by ip|endpoint]`: the Channel Access
 * tables (channel creation latency, search, read/write, monitors, errors, disconnects, beacons)
 * fed by the CA dissector through the shared pipeline (EPICS Channel Access protocol, CA 4.13).
 */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#include "cashark/ca.h"
#include "cashark/where.h"
#include "cashark/status.h"

static void
ca_emit(void *ctx, const struct cs_record *r)
{
    cs_ca_stats_add(ctx, r);
}

/* TCP FIN and RST close circuits: the channels still open on them are disconnects. */
static int
ca_packet(void *ctx, const struct cs_frame *f, const struct cs_packet *p,
          const struct cs_flow_view *fv)
{
    if (p->l4 == CS_L4_TCP && (p->t.tcp.flags & (CS_TH_FIN | CS_TH_RST))) {
        struct cs_record r = {CS_REC_PACKET, f, p, fv, NULL, 0};
        cs_ca_stats_add(ctx, &r);
    }
    return 0;
}

/* The rows of table t as records (frames carry the row's time, for the formatter). */
static int
write_table(struct cs_ca_stats *st, int t, enum cs_ca_by by, const struct cs_cli *cli,
            struct cs_where *where, struct cs_out *out, int tagged)
{
    const struct cs_ca_row *rows;
    size_t n = cs_ca_stats_rows(st, t, by, &rows);
    struct cs_frame *frames = calloc(n ? n : 1, sizeof *frames);
    struct cs_record *recs = calloc(n ? n : 1, sizeof *recs);
    char tpl[512];
    char err[256];
    int rc = 0;
    if (!frames || !recs) {
        free(frames);
        free(recs);
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    for (size_t i = 0; i < n; i++) {
        frames[i].ts_ns = rows[i].has & CS_CA_HAS(CS_CA_COL_T) ? rows[i].t : rows[i].first;
        frames[i].ts_digits = rows[i].ts_digits;
        struct cs_record r = {CS_REC_CASTAT, &frames[i], NULL, NULL, &rows[i], 0};
        recs[i] = r;
    }
    rc = cs_stats_select(cli, where, recs, &n); /* --sort, --where, --first: per table */
    snprintf(tpl, sizeof tpl, "%s%s", tagged ? "<table> " : "", cs_ca_stats_columns(t));
    if (cli->fmt.outfmt == CS_OUTFMT_TEXT && !cli->fmt.template_text) {
        cs_ca_stats_heading(st, t, by, out);
        const struct cs_field **cols = NULL;
        size_t ncols = cs_table_columns(tpl, CS_REC_CASTAT, &cols, err, sizeof err);
        size_t *w = calloc(ncols ? ncols : 1, sizeof *w);
        if (ncols && n && w)
            cs_table_print(out, cols, ncols, recs, n, w, 1);
        free(w);
        free(cols);
    } else {
        struct cs_fmt_config cfg = cli->fmt;
        cfg.hexdump = 0;
        if (!cfg.template_text)
            cfg.template_text = tpl;
        struct cs_formatter *f = cs_fmt_new(&cfg, out, err, sizeof err);
        if (f) {
            cs_fmt_begin(f);
            for (size_t i = 0; i < n && !cs_out_failed(out); i++)
                cs_fmt_record(f, &recs[i]);
            cs_fmt_free(f);
        } else {
            fprintf(stderr, "cashark: %s\nTry 'cashark fields' for the list of fields.\n", err);
            rc = CS_EXIT_USAGE;
        }
    }
    free(frames);
    free(recs);
    return rc;
}

/* --table, --by and --format are checked before anything is read. */
static int
check_usage(const struct cs_cli *cli, int *table, enum cs_ca_by *by)
{
    *table = -1;
    *by = CS_CA_BY_IP;
    if (cli->table && (*table = cs_ca_stats_table_find(cli->table)) < 0) {
        fprintf(stderr, "cashark: --table: unknown table '%s' (tables:", cli->table);
        for (int t = 0; t < CS_CA_T__COUNT; t++)
            fprintf(stderr, " %s", cs_ca_stats_table_name(t));
        fputs(")\nTry 'cashark --help' for more information.\n", stderr);
        return CS_EXIT_USAGE;
    }
    if (cli->by && strcmp(cli->by, "ip") != 0) {
        if (strcmp(cli->by, "endpoint") != 0) {
            fprintf(stderr,
                    "cashark: --by: unknown grouping '%s' for stats ca (ip, endpoint)\n"
                    "Try 'cashark --help' for more information.\n",
                    cli->by);
            return CS_EXIT_USAGE;
        }
        *by = CS_CA_BY_ENDPOINT;
    }
    if (cli->fmt.template_text) {
        char err[512];
        struct cs_out *o = cs_out_new_mem(64);
        struct cs_formatter *f = o ? cs_fmt_new(&cli->fmt, o, err, sizeof err) : NULL;
        cs_fmt_free(f);
        cs_out_free(o);
        if (!f) {
            fprintf(stderr, "cashark: %s\nTry 'cashark fields' for the list of fields.\n", err);
            return CS_EXIT_USAGE;
        }
    }
    /* one CSV or TSV holds one table: the latency table unless --table names another */
    if (*table < 0 && (cli->fmt.outfmt == CS_OUTFMT_CSV || cli->fmt.outfmt == CS_OUTFMT_TSV))
        *table = CS_CA_T_LATENCY;
    return 0;
}

static int
write_all(struct cs_ca_stats *st, const struct cs_cli *cli, struct cs_where *where,
          struct cs_out *out, int table, enum cs_ca_by by)
{
    int text = cli->fmt.outfmt == CS_OUTFMT_TEXT && !cli->fmt.template_text;
    int tagged = cli->fmt.outfmt == CS_OUTFMT_JSON;
    for (int t = 0; t < CS_CA_T__COUNT; t++) {
        if (table >= 0 && t != table)
            continue;
        if (text && t != (table >= 0 ? table : 0))
            cs_out_end_record(out); /* a blank line between tables */
        int rc = write_table(st, t, by, cli, where, out, tagged);
        if (rc)
            return rc;
    }
    return 0;
}

int
cs_cmd_stats_ca(struct cs_cli *cli, struct cs_out *out)
{
    int table;
    enum cs_ca_by by;
    int rc = check_usage(cli, &table, &by);
    if (!rc && cli->sort)
        rc = cs_stats_check_sort(cli->sort, CS_REC_CASTAT);
    struct cs_where *where = NULL;
    if (!rc)
        rc = cs_stats_compile_where(cli->where, &where);
    if (rc)
        return rc;
    struct cs_ca_stats *st = cs_ca_stats_new(NULL);
    if (!st) {
        fputs("cashark: out of memory\n", stderr);
        cs_where_free(where);
        return CS_EXIT_INPUT;
    }
    struct cs_pipeline pl;
    rc = cs_pipeline_init(&pl, cli, out, ca_packet, st);
    struct cs_dissect_opts dopts = {cli->ca_ports, cli->n_ca_ports, cli->ca_max_elements,
                                    cli->verbose};
    if (rc == 0)
        rc = cs_pipeline_dissect(&pl, &dopts, ca_emit, st);
    if (rc == 0) {
        cs_pipeline_run(&pl);
        int orc = write_all(st, cli, where, out, table, by);
        cs_out_flush(out);
        struct cs_out *m = cs_out_new_mem(128);
        if (m && cs_ca_stats_dropped(st, m)) {
            size_t len;
            const char *d = cs_out_data(m, &len);
            fprintf(stderr, "cashark: stats ca: %.*s", (int)len, d);
        }
        cs_out_free(m);
        rc = cs_pipeline_finish(&pl);
        if (orc)
            rc = orc;
    }
    cs_pipeline_free(&pl);
    cs_ca_stats_free(st);
    cs_where_free(where);
    return rc;
}

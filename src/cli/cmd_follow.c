/* cmd_follow.c: `cashark follow CONN`: the conversation view of one TCP connection, packet by
 * packet (arrow, packet number, time since the connection's first packet, flags, relative seq
 * and ack, payload length, scaled window, analysis labels), then its `stats tcp` row. */
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#include "cashark/cursor.h"
#include "cashark/status.h"
#include "cashark/tcpstats.h"
#include "cashark/where.h"

/* The packet columns: the text view, and the keys of -T csv/tsv/json. */
static const char follow_columns[] =
    "<dir> <tcp.pkt> <ordinal> <tcp.reltime> <tcp.flags> <tcp.seq> <tcp.ack> <tcp.len> <tcp.win> "
    "<tcp.analysis>";

/* Which connection: a conn number, or both endpoints (either order). */
struct target {
    int by_conn;
    int64_t conn;
    struct cs_addr a, b;
    uint16_t pa, pb;
};

struct follow_run {
    const struct cs_cli *cli;
    struct cs_out *out;
    struct target tg;
    struct cs_tcpstats *st;
    struct cs_where *where;
    struct cs_formatter *fmt;     /* packets with -T csv/tsv/json or --format */
    struct cs_formatter *sumfmt;  /* the summary row with -T json */
    const struct cs_field **cols; /* text view: packet columns */
    size_t ncols;
    const struct cs_field **scols; /* text view: summary columns */
    size_t nscols;
    struct cs_out *scratch;
    uint64_t packets;
    uint64_t conns;
};

/* ---- CONN ---- */

static int
parse_uint(const char *s, size_t n, uint64_t max, uint64_t *v)
{
    if (n == 0 || n > 19)
        return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    if (x > max)
        return 0;
    *v = x;
    return 1;
}

static int
parse_ipv4(const char *s, size_t n, struct cs_addr *a)
{
    memset(a, 0, sizeof *a);
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        size_t j = i;
        while (j < n && s[j] != '.')
            j++;
        uint64_t v;
        if (!parse_uint(s + i, j - i, 255, &v) || (k < 3 && j == n) || (k == 3 && j != n))
            return 0;
        a->a[k] = (uint8_t)v;
        i = j + 1;
    }
    a->family = 4;
    return 1;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 4291 text form (no embedded IPv4). */
static int
parse_ipv6(const char *s, size_t n, struct cs_addr *a)
{
    memset(a, 0, sizeof *a);
    uint16_t head[8], tail[8];
    int nh = 0, nt = 0, gap = 0;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 1;
        i = 2;
    }
    while (i < n) {
        int v = 0, d = 0;
        while (i < n && hexval(s[i]) >= 0 && d < 4) {
            v = v * 16 + hexval(s[i++]);
            d++;
        }
        if (!d || nh + nt == 8)
            return 0;
        if (gap)
            tail[nt++] = (uint16_t)v;
        else
            head[nh++] = (uint16_t)v;
        if (i == n)
            break;
        if (s[i] != ':')
            return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (gap)
                return 0;
            gap = 1;
            i++;
        } else if (i == n) {
            return 0;
        }
    }
    if (gap ? nh + nt > 7 : nh != 8)
        return 0;
    for (int k = 0; k < nh; k++) {
        a->a[2 * k] = (uint8_t)(head[k] >> 8);
        a->a[2 * k + 1] = (uint8_t)head[k];
    }
    for (int k = 0; k < nt; k++) {
        a->a[16 - 2 * (nt - k)] = (uint8_t)(tail[k] >> 8);
        a->a[17 - 2 * (nt - k)] = (uint8_t)tail[k];
    }
    a->family = 6;
    return 1;
}

/* "a.b.c.d:p" or "[v6]:p". */
static int
parse_endpoint(const char *s, size_t n, struct cs_addr *a, uint16_t *port)
{
    size_t colon = n;
    while (colon > 0 && s[colon - 1] != ':')
        colon--;
    if (colon == 0)
        return 0;
    uint64_t p;
    if (!parse_uint(s + colon, n - colon, 65535, &p))
        return 0;
    *port = (uint16_t)p;
    size_t an = colon - 1;
    if (an >= 2 && s[0] == '[' && s[an - 1] == ']')
        return parse_ipv6(s + 1, an - 2, a);
    return parse_ipv4(s, an, a);
}

static int
parse_target(const char *s, struct target *t)
{
    memset(t, 0, sizeof *t);
    uint64_t v;
    if (parse_uint(s, strlen(s), INT64_MAX, &v)) {
        t->by_conn = 1;
        t->conn = (int64_t)v;
        return 1;
    }
    /* the '-' between the endpoints: the first one after a port digit */
    const char *dash = NULL;
    for (const char *p = s; *p; p++)
        if (*p == '-' && p > s && p[-1] >= '0' && p[-1] <= '9') {
            dash = p;
            break;
        }
    if (!dash)
        return 0;
    return parse_endpoint(s, (size_t)(dash - s), &t->a, &t->pa) &&
           parse_endpoint(dash + 1, strlen(dash + 1), &t->b, &t->pb) && t->a.family == t->b.family;
}

static int
addr_eq(const struct cs_addr *x, const struct cs_addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, sizeof x->a) == 0;
}

static int
matches(const struct target *t, const struct cs_flow *f)
{
    if (f->proto != CS_FLOW_TCP)
        return 0;
    if (t->by_conn)
        return f->conn == t->conn;
    return (addr_eq(&f->cli, &t->a) && f->cport == t->pa && addr_eq(&f->srv, &t->b) &&
            f->sport == t->pb) ||
           (addr_eq(&f->cli, &t->b) && f->cport == t->pb && addr_eq(&f->srv, &t->a) &&
            f->sport == t->pa);
}

/* ---- the view ---- */

static void
payload_dump(struct cs_out *o, const struct cs_packet *p, int mode)
{
    static const char hx[17] = "0123456789abcdef";
    struct cs_cursor c = p->payload;
    size_t n = cs_cursor_remaining(&c);
    if (!n)
        return;
    if (mode == 'A') {
        /* tcpdump -A: printable ASCII as is, line breaks kept, the rest as '.' */
        int at_start = 1;
        while (cs_cursor_remaining(&c) > 0) {
            uint8_t b = cs_cursor_u8(&c);
            if (at_start) {
                cs_out_str(o, "        ");
                at_start = 0;
            }
            if (b == '\n') {
                cs_out_end_record(o);
                at_start = 1;
            } else if (b != '\r') {
                cs_out_char(o, b >= 0x20 && b < 0x7f ? (char)b : '.');
            }
        }
        if (!at_start)
            cs_out_end_record(o);
        return;
    }
    uint32_t off = 0;
    while (cs_cursor_remaining(&c) > 0) {
        uint8_t b[16];
        size_t k = cs_cursor_remaining(&c) < 16 ? cs_cursor_remaining(&c) : 16;
        cs_cursor_bytes(&c, b, k);
        char line[80];
        size_t m = 0;
        line[m++] = '\t';
        line[m++] = '0';
        line[m++] = 'x';
        for (int s = 12; s >= 0; s -= 4)
            line[m++] = hx[(off >> s) & 0xf];
        line[m++] = ':';
        for (size_t i = 0; i < 16; i++) {
            if (i % 2 == 0)
                line[m++] = ' ';
            line[m++] = i < k ? hx[b[i] >> 4] : ' ';
            line[m++] = i < k ? hx[b[i] & 0xf] : ' ';
        }
        if (mode == 'X') {
            line[m++] = ' ';
            line[m++] = ' ';
            for (size_t i = 0; i < k; i++)
                line[m++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
        } else {
            while (m > 0 && line[m - 1] == ' ')
                m--;
        }
        cs_out_mem(o, line, m);
        cs_out_end_record(o);
        off += (uint32_t)k;
    }
}

/* One text line: "-->" or "    <--" then the columns at fixed widths. */
static const int text_widths[] = {0, 5, 7, 12, 6, 11, 11, 6, 9, 0};

static void
text_header(struct follow_run *fr, const struct cs_flow *f)
{
    struct cs_out *o = fr->out;
    cs_out_str(o, "# conn ");
    cs_out_i64(o, f->conn);
    cs_out_str(o, "  client ");
    if (f->cli.family == 6)
        cs_out_char(o, '[');
    cs_out_addr(o, &f->cli);
    cs_out_str(o, f->cli.family == 6 ? "]:" : ":");
    cs_out_u64(o, f->cport);
    cs_out_str(o, "  server ");
    if (f->srv.family == 6)
        cs_out_char(o, '[');
    cs_out_addr(o, &f->srv);
    cs_out_str(o, f->srv.family == 6 ? "]:" : ":");
    cs_out_u64(o, f->sport);
    if (!f->client_known)
        cs_out_str(o, "  (client guessed: no SYN or SYN-ACK seen)");
    cs_out_end_record(o);
    static const char *const names[] = {"dir", "pkt", "frame", "t_rel", "flags",
                                        "seq", "ack", "len",   "win",   "analysis"};
    cs_out_str(o, "dir    ");
    for (size_t c = 1; c < sizeof names / sizeof names[0]; c++) {
        size_t n = strlen(names[c]), w = (size_t)text_widths[c];
        if (c == 4 || c + 1 == sizeof names / sizeof names[0]) {
            cs_out_str(o, "  ");
            cs_out_str(o, names[c]);
            if (c == 4)
                cs_out_pad(o, w > n ? w - n : 0);
        } else {
            cs_out_char(o, ' ');
            cs_out_pad(o, w > n ? w - n : 0);
            cs_out_str(o, names[c]);
        }
    }
    cs_out_end_record(o);
}

static void
text_line(struct follow_run *fr, const struct cs_record *r)
{
    struct cs_out *o = fr->out;
    cs_out_str(o, r->fv->dir ? "    <--" : "-->    ");
    for (size_t c = 1; c < fr->ncols; c++) {
        const struct cs_field *f = fr->cols[c];
        struct cs_fieldctx ctx = {fr->scratch, 0, 0};
        struct cs_fval v;
        cs_out_reset(fr->scratch);
        int have = f && f->get(&ctx, r, &v);
        if (have) {
            if (f->type == CS_FT_TIME)
                cs_out_fixed(fr->scratch, v.v.t.ns, v.v.t.digits);
            else if (f->type == CS_FT_UINT || f->type == CS_FT_BIGUINT)
                cs_out_u64(fr->scratch, v.v.u);
            else if (f->type == CS_FT_INT || f->type == CS_FT_BIGINT)
                cs_out_i64(fr->scratch, v.v.i);
        }
        size_t n;
        const char *t = cs_out_data(fr->scratch, &n);
        int w = c < sizeof text_widths / sizeof text_widths[0] ? text_widths[c] : 0;
        if (f && f->type == CS_FT_TEXT) {
            if (!n && c + 1 == fr->ncols)
                continue;
            cs_out_str(o, "  ");
            cs_out_mem(o, t, n);
            if (c + 1 < fr->ncols && (size_t)w > n)
                cs_out_pad(o, (size_t)w - n);
        } else {
            cs_out_char(o, ' ');
            if ((size_t)w > n)
                cs_out_pad(o, (size_t)w - n);
            cs_out_mem(o, t, n);
        }
    }
    cs_out_end_record(o);
}

static int
follow_packet(void *ctx, const struct cs_frame *f, const struct cs_packet *p,
              const struct cs_flow_view *fv)
{
    struct follow_run *fr = ctx;
    if (!fv->flow || !matches(&fr->tg, fv->flow))
        return 0;
    struct cs_tcpstats_pktinfo pi = {cs_tcpstats_packet(fr->st, p, fv)};
    struct cs_record r = {CS_REC_TCPPKT, f, p, fv, &pi, 0};
    if (fr->where && !cs_where_match(fr->where, &r))
        return cs_out_failed(fr->out);
    uint64_t in_conn = fv->flow->pkts[0] + fv->flow->pkts[1];
    if (fr->fmt) {
        cs_fmt_record(fr->fmt, &r);
    } else {
        if (in_conn == 1 || fr->packets == 0)
            text_header(fr, fv->flow);
        text_line(fr, &r);
        if (fr->cli->ascii_payload)
            payload_dump(fr->out, p, 'A');
        else if (fr->cli->fmt.hexdump)
            payload_dump(fr->out, p, fr->cli->fmt.hexdump);
    }
    fr->packets++;
    return cs_out_failed(fr->out);
}

static void
follow_evict(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    (void)why;
    struct follow_run *fr = ctx;
    struct cs_tcpconn row;
    if (!matches(&fr->tg, fl) || !cs_tcpstats_end(fr->st, fl, &row))
        return;
    fr->conns++;
    struct cs_frame frame = {0};
    frame.ordinal = row.first_ordinal;
    frame.ts_ns = row.first_t;
    frame.ts_digits = row.ts_digits;
    struct cs_record r = {CS_REC_TCPCONN, &frame, NULL, NULL, &row, 0};
    if (fr->sumfmt) {
        cs_fmt_record(fr->sumfmt, &r);
    } else if (!fr->fmt) {
        cs_out_end_record(fr->out);
        size_t *w = calloc(fr->nscols + 1, sizeof *w);
        if (w)
            cs_table_print(fr->out, fr->scols, fr->nscols, &r, 1, w, 1);
        free(w);
    }
}

int
cs_cmd_follow(struct cs_cli *cli, struct cs_out *out)
{
    struct follow_run fr = {0};
    fr.cli = cli;
    fr.out = out;
    if (!parse_target(cli->follow_conn, &fr.tg)) {
        fprintf(stderr,
                "cashark: follow: '%s' is neither a conn number nor a.b.c.d:p-e.f.g.h:q "
                "([v6]:p for IPv6)\n",
                cli->follow_conn);
        return CS_EXIT_USAGE;
    }
    char err[512];
    int rc = 0;
    if (cli->where) {
        size_t col = 0;
        fr.where = cs_where_compile(cli->where, err, sizeof err, &col);
        if (!fr.where) {
            fprintf(stderr, "cashark: --where: %s (column %zu)\n  %s\n  %*s^\n", err, col,
                    cli->where, (int)(col ? col - 1 : 0), "");
            return CS_EXIT_USAGE;
        }
    }
    if (cli->fmt.outfmt != CS_OUTFMT_TEXT || cli->fmt.template_text) {
        struct cs_fmt_config cfg = cli->fmt;
        cfg.hexdump = 0;
        if (!cfg.template_text)
            cfg.template_text = follow_columns;
        fr.fmt = cs_fmt_new(&cfg, out, err, sizeof err);
        if (fr.fmt && cli->fmt.outfmt == CS_OUTFMT_JSON) {
            cfg.template_text = cs_tcpstats_columns;
            fr.sumfmt = cs_fmt_new(&cfg, out, err, sizeof err);
            if (!fr.sumfmt)
                rc = CS_EXIT_INPUT;
        }
        if (!fr.fmt) {
            fprintf(stderr, "cashark: %s\nTry 'cashark fields' for the list of fields.\n", err);
            rc = CS_EXIT_USAGE;
        }
    } else {
        fr.ncols = cs_table_columns(follow_columns, CS_REC_TCPPKT, &fr.cols, err, sizeof err);
        fr.nscols =
            cs_table_columns(cs_tcpstats_columns, CS_REC_TCPCONN, &fr.scols, err, sizeof err);
        fr.scratch = cs_out_new_mem(64);
        if (!fr.ncols || !fr.nscols || !fr.scratch)
            rc = CS_EXIT_INPUT;
    }
    fr.st = cs_tcpstats_new(cli->flows.capacity ? cli->flows.capacity : 65536);
    if (!fr.st)
        rc = CS_EXIT_INPUT;
    struct cs_pipeline pl;
    memset(&pl, 0, sizeof pl);
    if (rc == 0)
        rc = cs_pipeline_init(&pl, cli, out, follow_packet, &fr);
    if (rc == 0) {
        cs_flowtab_on_evict(pl.flows, follow_evict, &fr);
        if (fr.fmt)
            cs_fmt_begin(fr.fmt);
        cs_pipeline_run(&pl);
        cs_out_flush(out);
        rc = cs_pipeline_finish(&pl);
        if (rc == 0 && fr.conns == 0) {
            fprintf(stderr, "cashark: follow: no TCP connection %s in the input\n",
                    cli->follow_conn);
            rc = CS_EXIT_INPUT;
        }
    }
    cs_pipeline_free(&pl);
    cs_fmt_free(fr.fmt);
    cs_fmt_free(fr.sumfmt);
    free(fr.cols);
    free(fr.scols);
    cs_out_free(fr.scratch);
    cs_tcpstats_free(fr.st);
    cs_where_free(fr.where);
    return rc;
}

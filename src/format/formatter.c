/* formatter.c: writes records as the default text line, a --format template, JSON Lines (RFC
 * 8259), CSV (RFC 4180) or TSV, with optional hex dumps; no allocation per record. */
#include "cashark/format.h"

#include <stdlib.h>
#include <string.h>

#include "cashark/cursor.h"
#include "fmt_impl.h"
#include "out_impl.h"

/* The columns of -T csv/tsv without --format. */
static const char default_columns[] =
    "<ordinal><timestamp><src><sport><dst><dport><proto><len><command>";

struct cs_formatter {
    struct cs_fmt_config cfg;
    struct cs_out *out;
    struct cs_out *scratch; /* text values that need a second pass (padding, quoting) */
    struct cs_template tpl;
    int have_tpl;
    struct cs_fieldctx ctx;
    int started;
    /* JSON/CSV/TSV with a template: the distinct field tokens, in template order */
    const struct cs_tok **cols;
    size_t ncols;
    /* JSON without a template: every field a kind can have, in catalogue order */
    const struct cs_field **all[CS_REC__COUNT];
    size_t n_all[CS_REC__COUNT];
    const struct cs_field *command[CS_REC__COUNT];
};

static int
set_columns(struct cs_formatter *f)
{
    f->cols = calloc(f->tpl.n + 1, sizeof *f->cols);
    if (!f->cols)
        return -1;
    for (size_t i = 0; i < f->tpl.n; i++) {
        const struct cs_tok *t = &f->tpl.toks[i];
        if (!t->name)
            continue;
        int dup = 0;
        for (size_t k = 0; k < f->ncols; k++)
            dup |= strcmp(f->cols[k]->name, t->name) == 0;
        if (!dup)
            f->cols[f->ncols++] = t;
    }
    return 0;
}

static int
set_all_fields(struct cs_formatter *f)
{
    size_t total = 0;
    for (const struct cs_field_table *const *t = cs_field_tables(); *t; t++)
        for (const struct cs_field *fl = (*t)->fields; fl->name; fl++)
            total++;
    for (int k = 0; k < CS_REC__COUNT; k++) {
        f->all[k] = calloc(total + 1, sizeof *f->all[k]);
        if (!f->all[k])
            return -1;
        for (const struct cs_field_table *const *t = cs_field_tables(); *t; t++)
            for (const struct cs_field *fl = (*t)->fields; fl->name; fl++)
                /* the field this kind resolves the name to, once */
                if (cs_field_find(fl->name, strlen(fl->name), (enum cs_record_kind)k) == fl)
                    f->all[k][f->n_all[k]++] = fl;
    }
    return 0;
}

struct cs_formatter *
cs_fmt_new(const struct cs_fmt_config *cfg, struct cs_out *out, char *err, size_t errlen)
{
    struct cs_formatter *f = calloc(1, sizeof *f);
    if (errlen)
        err[0] = '\0';
    if (!f)
        goto oom;
    f->cfg = *cfg;
    f->out = out;
    f->scratch = cs_out_new_mem(4096);
    if (!f->scratch)
        goto oom;
    const char *text = cfg->template_text;
    if (!text && (cfg->outfmt == CS_OUTFMT_CSV || cfg->outfmt == CS_OUTFMT_TSV))
        text = default_columns;
    if (text) {
        if (cs_fmt_compile(&f->tpl, text, err, errlen) != 0) {
            cs_fmt_free(f);
            return NULL;
        }
        f->have_tpl = 1;
        if (set_columns(f) != 0)
            goto oom;
    } else if (cfg->outfmt == CS_OUTFMT_JSON && set_all_fields(f) != 0) {
        goto oom;
    }
    for (int k = 0; k < CS_REC__COUNT; k++)
        f->command[k] = cs_field_find("command", 7, (enum cs_record_kind)k);
    return f;
oom:
    if (errlen) {
        size_t n = errlen - 1 < 13 ? errlen - 1 : 13;
        memcpy(err, "out of memory", n);
        err[n] = '\0';
    }
    cs_fmt_free(f);
    return NULL;
}

void
cs_fmt_free(struct cs_formatter *f)
{
    if (!f)
        return;
    cs_fmt_template_free(&f->tpl);
    free(f->cols);
    for (int k = 0; k < CS_REC__COUNT; k++)
        free(f->all[k]);
    cs_out_free(f->scratch);
    free(f);
}

void
cs_fmt_begin(struct cs_formatter *f)
{
    if (f->cfg.outfmt != CS_OUTFMT_CSV && f->cfg.outfmt != CS_OUTFMT_TSV)
        return;
    for (size_t i = 0; i < f->ncols; i++) {
        if (i)
            cs_out_putc_(f->out, f->cfg.outfmt == CS_OUTFMT_CSV ? ',' : '\t');
        if (f->cfg.outfmt == CS_OUTFMT_CSV)
            cs_out_csv_cell(f->out, f->cols[i]->name, f->cols[i]->name_len);
        else
            cs_out_tsv_cell(f->out, f->cols[i]->name, f->cols[i]->name_len);
    }
    cs_out_end_record(f->out);
}

/* Calls the getter with text going to sink. Returns 0 when the record lacks the field. */
static int
get_value(struct cs_formatter *f, const struct cs_field *fl, const struct cs_record *r,
          struct cs_out *sink, struct cs_fval *v)
{
    if (!fl)
        return 0;
    f->ctx.sink = sink;
    return fl->get(&f->ctx, r, v);
}

/* A non-text value as decimal text. */
static void
put_number(struct cs_out *o, enum cs_ftype type, const struct cs_fval *v)
{
    switch (type) {
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
        case CS_FT_TEXT:
        case CS_FT_JSON:
            break;
    }
}

/* The field as text into o; 0 when absent. */
static int
render(struct cs_formatter *f, const struct cs_field *fl, const struct cs_record *r,
       struct cs_out *o)
{
    struct cs_fval v;
    if (!get_value(f, fl, r, o, &v))
        return 0;
    put_number(o, fl->type, &v);
    return 1;
}

static void
text_template(struct cs_formatter *f, const struct cs_record *r)
{
    for (size_t i = 0; i < f->tpl.n; i++) {
        const struct cs_tok *t = &f->tpl.toks[i];
        if (!t->name) {
            if (t->lit_len == 1) /* the usual separator: no copy call */
                cs_out_putc_(f->out, t->lit[0]);
            else
                cs_out_put_(f->out, t->lit, t->lit_len);
            continue;
        }
        const struct cs_field *fl = t->by_kind[r->kind];
        if (!t->width) {
            render(f, fl, r, f->out);
            continue;
        }
        cs_out_reset(f->scratch);
        render(f, fl, r, f->scratch);
        size_t n;
        const char *s = cs_out_data(f->scratch, &n);
        size_t pad = n < (size_t)t->width ? (size_t)t->width - n : 0;
        if (!t->left)
            cs_out_pad(f->out, pad);
        cs_out_put_(f->out, s, n);
        if (t->left)
            cs_out_pad(f->out, pad);
    }
}

static void
time_column(struct cs_formatter *f, const struct cs_frame *fr)
{
    switch (f->cfg.time) {
        case CS_TIME_EPOCH:
            cs_out_fixed(f->out, fr->ts_ns, fr->ts_digits);
            break;
        case CS_TIME_ISO:
            cs_out_iso8601(f->out, fr->ts_ns, fr->ts_digits);
            break;
        case CS_TIME_REL:
            cs_out_fixed(f->out, (int64_t)((uint64_t)fr->ts_ns - (uint64_t)f->ctx.first_ts),
                         fr->ts_digits);
            break;
        case CS_TIME_DELTA:
            cs_out_fixed(f->out, (int64_t)((uint64_t)fr->ts_ns - (uint64_t)f->ctx.prev_ts),
                         fr->ts_digits);
            break;
        case CS_TIME_NONE:
            break;
    }
}

/* -e: "<src mac>-><dst mac> ethertype 0x0800 vlan 100,200 len 74". */
static void
link_column(struct cs_out *o, const struct cs_packet *p, const struct cs_frame *fr)
{
    const struct cs_l2 *l2 = &p->l2;
    if (l2->kind == CS_L2_ETH) {
        cs_out_mac(o, l2->eth_src);
        CS_OUT_LIT(o, "->");
        cs_out_mac(o, l2->eth_dst);
    } else {
        cs_out_str(o, cs_fmt_l2_name(l2->kind));
        if ((l2->kind == CS_L2_SLL || l2->kind == CS_L2_SLL2) && l2->sll_addr_len == 6) {
            cs_out_putc_(o, ' ');
            cs_out_mac(o, l2->eth_src);
        }
    }
    if (l2->kind == CS_L2_ETH || l2->kind == CS_L2_SLL || l2->kind == CS_L2_SLL2) {
        CS_OUT_LIT(o, " ethertype 0x");
        cs_out_hex(o, l2->ethertype, 4);
    }
    unsigned nv = l2->n_vlan <= CS_MAX_VLAN ? l2->n_vlan : CS_MAX_VLAN;
    for (unsigned i = 0; i < nv; i++) {
        cs_out_str(o, i ? "," : " vlan ");
        cs_out_u32_(o, l2->vlan_tci[i] & 0xfffu);
    }
    CS_OUT_LIT(o, " len ");
    cs_out_u32_(o, fr->len);
}

static void
text_default(struct cs_formatter *f, const struct cs_record *r)
{
    struct cs_out *o = f->out;
    const struct cs_packet *p = r->pkt;
    int sep = 0;
    if (f->cfg.time != CS_TIME_NONE) {
        time_column(f, r->frame);
        sep = 1;
    }
    if (f->cfg.link_fields && p) {
        if (sep)
            cs_out_putc_(o, ' ');
        link_column(o, p, r->frame);
        sep = 1;
    }
    if (p && p->ip.src.family && p->ip.dst.family) {
        if (sep)
            cs_out_putc_(o, ' ');
        int ports = cs_fmt_has_ports(p);
        unsigned sp = 0, dp = 0;
        if (ports) {
            sp = p->l4 == CS_L4_TCP ? p->t.tcp.sport : p->t.udp.sport;
            dp = p->l4 == CS_L4_TCP ? p->t.tcp.dport : p->t.udp.dport;
        }
        cs_fmt_endpoints(o, &p->ip.src, sp, &p->ip.dst, dp, ports);
        sep = 1;
    }
    const struct cs_field *cmd = f->command[r->kind];
    if (cmd) {
        /* the separator goes in only when the command turns out to be there */
        size_t mark = o->len;
        if (sep)
            cs_out_putc_(o, ' ');
        size_t after = o->len;
        if (!render(f, cmd, r, o) && o->len == after && after == mark + 1)
            o->len = mark;
    }
}

/* -x / -X: the captured frame, 16 bytes a line, as tcpdump -x prints it. */
static void
hexdump(struct cs_out *o, const struct cs_frame *fr, int ascii)
{
    static const char hx[17] = "0123456789abcdef";
    struct cs_cursor c = cs_cursor_make(fr->data, fr->caplen);
    uint32_t off = 0;
    while (cs_cursor_remaining(&c) > 0) {
        uint8_t b[16];
        size_t n = cs_cursor_remaining(&c) < 16 ? cs_cursor_remaining(&c) : 16;
        cs_cursor_bytes(&c, b, n);
        CS_OUT_LIT(o, "\n\t0x");
        cs_out_hex(o, off, 4);
        CS_OUT_LIT(o, ": ");
        char line[40 + 2 + 16];
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (i % 2 == 0)
                line[k++] = ' ';
            line[k++] = hx[b[i] >> 4];
            line[k++] = hx[b[i] & 0xf];
        }
        if (ascii) {
            while (k < 40)
                line[k++] = ' ';
            line[k++] = ' ';
            line[k++] = ' ';
            for (size_t i = 0; i < n; i++)
                line[k++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
        }
        cs_out_put_(o, line, k);
        off += (uint32_t)n;
    }
}

/* -A: the packet's transport payload as text, 64 bytes a line, '.' for bytes that are not
 * printable ASCII (so a record never writes control sequences). */
static void
asciidump(struct cs_out *o, const struct cs_packet *p)
{
    if (!p)
        return;
    struct cs_cursor c = p->payload;
    while (cs_cursor_remaining(&c) > 0) {
        uint8_t b[64];
        size_t n = cs_cursor_remaining(&c) < 64 ? cs_cursor_remaining(&c) : 64;
        cs_cursor_bytes(&c, b, n);
        char line[64];
        for (size_t i = 0; i < n; i++)
            line[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
        CS_OUT_LIT(o, "\n\t");
        cs_out_put_(o, line, n);
    }
}

static void
json_record(struct cs_formatter *f, const struct cs_record *r)
{
    struct cs_out *o = f->out;
    const struct cs_field *const *list;
    size_t n;
    if (f->have_tpl) {
        list = NULL;
        n = f->ncols;
    } else {
        list = f->all[r->kind];
        n = f->n_all[r->kind];
    }
    cs_out_putc_(o, '{');
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const struct cs_field *fl = list ? list[i] : f->cols[i]->by_kind[r->kind];
        struct cs_fval v;
        cs_out_reset(f->scratch);
        if (!get_value(f, fl, r, f->scratch, &v))
            continue;
        if (!first)
            cs_out_putc_(o, ',');
        first = 0;
        cs_out_putc_(o, '"');
        cs_out_json_text(o, fl->name, strlen(fl->name));
        CS_OUT_LIT(o, "\":");
        if (fl->type == CS_FT_TEXT) {
            size_t len;
            const char *s = cs_out_data(f->scratch, &len);
            cs_out_putc_(o, '"');
            cs_out_json_text(o, s, len);
            cs_out_putc_(o, '"');
        } else if (fl->type == CS_FT_JSON) {
            size_t len;
            const char *s = cs_out_data(f->scratch, &len);
            cs_out_put_(o, s, len);
        } else if (fl->type == CS_FT_BIGUINT || fl->type == CS_FT_BIGINT) {
            cs_out_putc_(o, '"');
            put_number(o, fl->type, &v);
            cs_out_putc_(o, '"');
        } else {
            put_number(o, fl->type, &v);
        }
    }
    cs_out_putc_(o, '}');
}

static void
cells_record(struct cs_formatter *f, const struct cs_record *r)
{
    struct cs_out *o = f->out;
    int csv = f->cfg.outfmt == CS_OUTFMT_CSV;
    for (size_t i = 0; i < f->ncols; i++) {
        if (i)
            cs_out_putc_(o, csv ? ',' : '\t');
        const struct cs_field *fl = f->cols[i]->by_kind[r->kind];
        struct cs_fval v;
        cs_out_reset(f->scratch);
        if (!get_value(f, fl, r, f->scratch, &v))
            continue;
        if (fl->type == CS_FT_TEXT || fl->type == CS_FT_JSON) {
            size_t len;
            const char *s = cs_out_data(f->scratch, &len);
            if (csv)
                cs_out_csv_cell(o, s, len);
            else
                cs_out_tsv_cell(o, s, len);
        } else {
            put_number(o, fl->type, &v);
        }
    }
}

void
cs_fmt_record(struct cs_formatter *f, const struct cs_record *r)
{
    if (!r->frame || (unsigned)r->kind >= CS_REC__COUNT)
        return;
    int64_t ts = r->frame->ts_ns;
    if (!f->started) {
        f->ctx.first_ts = ts;
        f->ctx.prev_ts = ts;
        f->started = 1;
    }
    switch (f->cfg.outfmt) {
        case CS_OUTFMT_TEXT:
            if (f->have_tpl)
                text_template(f, r);
            else
                text_default(f, r);
            if (f->cfg.hexdump == 'A')
                asciidump(f->out, r->pkt);
            else if (f->cfg.hexdump)
                hexdump(f->out, r->frame, f->cfg.hexdump == 'X');
            break;
        case CS_OUTFMT_JSON:
            json_record(f, r);
            break;
        case CS_OUTFMT_CSV:
        case CS_OUTFMT_TSV:
            cells_record(f, r);
            break;
    }
    cs_out_end_record(f->out);
    f->ctx.prev_ts = ts;
}

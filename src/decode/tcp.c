/* tcp.c: the TCP header and its options (RFC 9293; MSS RFC 9293 3.2, WS/TS RFC 7323, SACK RFC
 * 2018, TFO RFC 7413, MD5 RFC 2385, UTO RFC 5482, AO RFC 5925, MPTCP RFC 8684). */
#include "cashark/decode.h"

#include <stddef.h>
#include <string.h>

#include "decode_int.h"

/* Parses an option's body (the bytes after kind and length); returns 0 when the length does not
 * fit the option. */
typedef int opt_fn(struct cs_cursor *body, uint8_t len, struct cs_tcp *t);

static int
opt_mss(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    (void)len;
    t->mss = cs_cursor_be16(b);
    t->has_mss = 1;
    return 1;
}

static int
opt_ws(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    (void)len;
    t->ws = cs_cursor_u8(b);
    t->has_ws = 1;
    return 1;
}

static int
opt_sackok(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    (void)b, (void)len;
    t->sack_ok = 1;
    return 1;
}

static int
opt_sack(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    if ((len - 2) % 8 != 0)
        return 0;
    for (t->n_sack = 0; t->n_sack < (len - 2) / 8; t->n_sack++) {
        t->sack[t->n_sack][0] = cs_cursor_be32(b);
        t->sack[t->n_sack][1] = cs_cursor_be32(b);
    }
    return 1;
}

static int
opt_ts(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    (void)len;
    t->ts_val = cs_cursor_be32(b);
    t->ts_ecr = cs_cursor_be32(b);
    t->has_ts = 1;
    return 1;
}

/* A TFO option carries no cookie (a request) or a cookie of 4 to 16 bytes (RFC 7413 4.1.1). */
static int
tfo_cookie(uint8_t cookie_len, struct cs_tcp *t)
{
    if (cookie_len != 0 && (cookie_len < 4 || cookie_len > 16))
        return 0;
    t->has_tfo = 1;
    t->tfo_cookie_len = cookie_len;
    return 1;
}

static int
opt_tfo(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    (void)b;
    return tfo_cookie((uint8_t)(len - 2), t);
}

/* Experimental option (RFC 6994): magic 0xF989 is TFO before it had its own kind. */
static int
opt_exp(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    if (len >= 4 && cs_cursor_be16(b) == 0xf989)
        return tfo_cookie((uint8_t)(len - 4), t);
    return 1;
}

/* MPTCP (RFC 8684 3): the subtype is kept for the packet line; the option itself is decoded by
 * the MPTCP dissector. */
static int
opt_mptcp(struct cs_cursor *b, uint8_t len, struct cs_tcp *t)
{
    (void)len;
    t->n_mptcp++;
    t->opts[t->n_opts - 1].sub = (uint8_t)(cs_cursor_u8(b) >> 4);
    return 1;
}

struct opt_row {
    uint8_t kind;
    uint8_t min_len, max_len; /* total lengths allowed */
    opt_fn *fn;               /* NULL: listed only */
};

static const struct opt_row opt_rows[] = {
    {CS_TCPOPT_MSS, 4, 4, opt_mss},       {CS_TCPOPT_WS, 3, 3, opt_ws},
    {CS_TCPOPT_SACKOK, 2, 2, opt_sackok}, {CS_TCPOPT_SACK, 10, 34, opt_sack},
    {CS_TCPOPT_TS, 10, 10, opt_ts},       {CS_TCPOPT_MD5, 18, 18, NULL},
    {CS_TCPOPT_UTO, 4, 4, NULL},          {CS_TCPOPT_AO, 4, 40, NULL},
    {CS_TCPOPT_MPTCP, 3, 40, opt_mptcp},  {CS_TCPOPT_TFO, 2, 18, opt_tfo},
    {CS_TCPOPT_EXP, 2, 40, opt_exp},
};

/* opt_rows' index + 1 by kind (0: not a known option): one load per option, not a scan. */
static const uint8_t opt_index[256] = {
    [CS_TCPOPT_MSS] = 1,   [CS_TCPOPT_WS] = 2,   [CS_TCPOPT_SACKOK] = 3, [CS_TCPOPT_SACK] = 4,
    [CS_TCPOPT_TS] = 5,    [CS_TCPOPT_MD5] = 6,  [CS_TCPOPT_UTO] = 7,    [CS_TCPOPT_AO] = 8,
    [CS_TCPOPT_MPTCP] = 9, [CS_TCPOPT_TFO] = 10, [CS_TCPOPT_EXP] = 11,
};

static const struct opt_row *
opt_find(uint8_t kind)
{
    unsigned i = opt_index[kind];
    return i ? &opt_rows[i - 1] : NULL;
}

static void
opt_add(struct cs_tcp *t, uint8_t kind, uint8_t len, uint8_t off)
{
    struct cs_tcp_opt *o = &t->opts[t->n_opts++];
    o->kind = kind;
    o->len = len;
    o->off = off;
    o->sub = CS_TCPOPT_NO_SUB;
}

/* The one option walk: the area is `area` bytes long in the header, of which t->opt_raw holds
 * the t->opt_raw_len that were captured. Every length is validated here, before any option's
 * own parser sees a cursor of exactly its body. */
static void
tcp_options(struct cs_tcp *t, uint32_t area, struct cs_packet *p)
{
    struct cs_cursor o = cs_cursor_make(t->opt_raw, t->opt_raw_len);
    uint32_t off = 0;
    while (off < area) {
        int kind = cs_cursor_peek(&o, 0);
        if (kind < 0)
            return; /* cut by the snapshot: opts_truncated is set */
        if (kind == CS_TCPOPT_EOL || kind == CS_TCPOPT_NOP) {
            opt_add(t, (uint8_t)kind, 1, (uint8_t)off);
            if (kind == CS_TCPOPT_EOL)
                return;
            cs_cursor_skip(&o, 1);
            off++;
            continue;
        }
        if (area - off < 2) {
            cs_decode_anomaly(p, CS_ANOM_TCP_OPT_LEN);
            return;
        }
        int len = cs_cursor_peek(&o, 1);
        if (len < 0)
            return;
        if (len < 2 || (uint32_t)len > area - off) {
            cs_decode_anomaly(p, CS_ANOM_TCP_OPT_LEN);
            return;
        }
        if ((size_t)len > cs_cursor_remaining(&o))
            return;
        opt_add(t, (uint8_t)kind, (uint8_t)len, (uint8_t)off);
        struct cs_cursor body = cs_cursor_sub(&o, (size_t)len);
        cs_cursor_skip(&body, 2);
        const struct opt_row *r = opt_find((uint8_t)kind);
        if (r &&
            (len < r->min_len || len > r->max_len || (r->fn && !r->fn(&body, (uint8_t)len, t))))
            cs_decode_anomaly(p, CS_ANOM_TCP_OPT_SIZE);
        off += (uint32_t)len;
    }
}

void
cs_decode_tcp(struct cs_cursor *in, uint32_t claim, struct cs_packet *p)
{
    /* A local copy the compiler can keep in registers (see decode_int.h). */
    struct cs_cursor h = *in, *c = &h;
    struct cs_tcp *t = &p->t.tcp;
    p->l4 = CS_L4_TCP;
    /* Clear the fields not always written below; opt_raw and opts[] are valid only up to their
     * counts and are left as they are. */
    t->payload_len = 0;
    t->opt_raw_len = 0;
    t->n_opts = 0;
    memset((unsigned char *)t + offsetof(struct cs_tcp, opts_truncated), 0,
           sizeof *t - offsetof(struct cs_tcp, opts_truncated));
    size_t avail = cs_cursor_remaining(c);
    t->hdr_captured = (uint8_t)(avail < 20 ? avail : 20);
    t->sport = cs_cursor_be16(c);
    t->dport = cs_cursor_be16(c);
    t->seq = cs_cursor_be32(c);
    t->ack = cs_cursor_be32(c);
    uint16_t offflags = cs_cursor_be16(c);
    t->win = cs_cursor_be16(c);
    t->csum = cs_cursor_be16(c);
    t->urp = cs_cursor_be16(c);
    uint32_t hlen = (uint32_t)(offflags >> 12) * 4;
    t->hlen = (uint8_t)hlen;
    t->flags = offflags & 0x0fffu;
    if (cs_cursor_failed(c)) {
        cs_decode_trunc(p, CS_LAYER_TCP);
        return;
    }
    if (hlen < 20) {
        cs_decode_anomaly(p, CS_ANOM_TCP_HLEN_SHORT);
        return;
    }
    if (hlen > claim) {
        cs_decode_anomaly(p, CS_ANOM_TCP_HLEN_BEYOND);
        return;
    }
    int clipped;
    struct cs_cursor opts = cs_cursor_sub_clip(c, hlen - 20, &clipped);
    t->opt_raw_len = (uint8_t)cs_cursor_remaining(&opts);
    cs_cursor_bytes(&opts, t->opt_raw, t->opt_raw_len);
    t->opts_truncated = (uint8_t)clipped;
    tcp_options(t, hlen - 20, p);
    /* The segment's length comes from the IP length even when the snapshot cut the options. */
    t->payload_len = claim - hlen;
    p->payload_len = t->payload_len;
    if (clipped) {
        cs_decode_trunc(p, CS_LAYER_TCP);
        return;
    }
    p->payload = *c;
}

/* icmp.c: ICMP (RFC 792) and ICMPv6 (RFC 4443): type, code, echo identifiers and the addresses
 * and ports of the packet quoted by an error message. */
#include "cashark/decode.h"

#include <string.h>

#include "decode_int.h"

enum {
    Q_TCP = 6,
    Q_UDP = 17,
};

/* Reads the ports of a quoted TCP or UDP header, when captured. */
static void
quote_ports(struct cs_cursor *q, struct cs_icmp *ic)
{
    if (ic->q_proto != Q_TCP && ic->q_proto != Q_UDP)
        return;
    uint16_t sport = cs_cursor_be16(q);
    uint16_t dport = cs_cursor_be16(q);
    if (!cs_cursor_failed(q)) {
        ic->q_sport = sport;
        ic->q_dport = dport;
    }
}

static void
quote_ipv4(struct cs_cursor q, struct cs_icmp *ic)
{
    uint8_t vhl = cs_cursor_u8(&q);
    if (cs_cursor_failed(&q) || vhl >> 4 != 4 || (vhl & 0x0f) < 5)
        return;
    cs_cursor_skip(&q, 8);
    uint8_t proto = cs_cursor_u8(&q);
    cs_cursor_skip(&q, 2);
    struct cs_addr src = {0}, dst = {0};
    cs_decode_addr(&q, &src, 4, 4);
    cs_decode_addr(&q, &dst, 4, 4);
    if (cs_cursor_failed(&q))
        return;
    ic->has_quote = 1;
    ic->q_src = src;
    ic->q_dst = dst;
    ic->q_proto = proto;
    cs_cursor_skip(&q, (size_t)((vhl & 0x0f) * 4 - 20));
    quote_ports(&q, ic);
}

static void
quote_ipv6(struct cs_cursor q, struct cs_icmp *ic)
{
    int b = cs_cursor_peek(&q, 0);
    if (b < 0 || b >> 4 != 6)
        return;
    cs_cursor_skip(&q, 6);
    uint8_t nh = cs_cursor_u8(&q);
    cs_cursor_skip(&q, 1);
    struct cs_addr src = {0}, dst = {0};
    cs_decode_addr(&q, &src, 6, 16);
    cs_decode_addr(&q, &dst, 6, 16);
    if (cs_cursor_failed(&q))
        return;
    ic->has_quote = 1;
    ic->q_src = src;
    ic->q_dst = dst;
    ic->q_proto = nh;
    quote_ports(&q, ic);
}

struct icmp_kind {
    uint8_t type;
    uint8_t echo; /* 1: id/seq; 0: an error quoting a packet */
};

/* ICMP: echo reply 0, request 8, and the timestamp (13, 14) and information (15, 16) pairs,
 * which carry an identifier and sequence number too; errors unreachable 3, source quench 4,
 * redirect 5, time exceeded 11, parameter problem 12. */
static const struct icmp_kind icmp4_kinds[] = {
    {0, 1}, {8, 1}, {13, 1}, {14, 1}, {15, 1}, {16, 1}, {3, 0}, {4, 0}, {5, 0}, {11, 0}, {12, 0},
};

/* ICMPv6: errors unreachable 1, too big 2, time exceeded 3, parameter problem 4; echo request
 * 128, reply 129. */
static const struct icmp_kind icmp6_kinds[] = {
    {1, 0}, {2, 0}, {3, 0}, {4, 0}, {128, 1}, {129, 1},
};

static void
icmp_common(struct cs_cursor *c, uint32_t claim, struct cs_packet *p, int v6)
{
    struct cs_icmp *ic = &p->t.icmp;
    enum cs_layer layer = v6 ? CS_LAYER_ICMP6 : CS_LAYER_ICMP;
    p->l4 = v6 ? CS_L4_ICMP6 : CS_L4_ICMP;
    memset(ic, 0, sizeof *ic);
    ic->type = cs_cursor_u8(c);
    ic->code = cs_cursor_u8(c);
    cs_cursor_skip(c, 2); /* checksum */
    ic->rest = cs_cursor_be32(c);
    if (cs_cursor_failed(c)) {
        cs_decode_trunc(p, layer);
        return;
    }
    const struct icmp_kind *kinds = v6 ? icmp6_kinds : icmp4_kinds;
    size_t n = v6 ? sizeof icmp6_kinds / sizeof icmp6_kinds[0]
                  : sizeof icmp4_kinds / sizeof icmp4_kinds[0];
    for (size_t i = 0; i < n; i++) {
        if (kinds[i].type != ic->type)
            continue;
        if (kinds[i].echo) {
            ic->id = (uint16_t)(ic->rest >> 16);
            ic->seq = (uint16_t)ic->rest;
        } else if (v6) {
            quote_ipv6(*c, ic);
        } else {
            quote_ipv4(*c, ic);
        }
        break;
    }
    uint32_t body = claim >= 8 ? claim - 8 : 0;
    p->payload = *c;
    p->payload_len = body;
}

void
cs_decode_icmp(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    icmp_common(c, claim, p, 0);
}

void
cs_decode_icmp6(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    icmp_common(c, claim, p, 1);
}

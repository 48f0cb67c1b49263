/* ipv4.c: the IPv4 header, its options and fragments (RFC 791), and the dispatch on the IP
 * protocol number shared with IPv6. */
#include "cashark/decode.h"

#include "decode_int.h"

enum {
    IPPROTO_ICMP_ = 1,
    IPPROTO_TCP_ = 6,
    IPPROTO_UDP_ = 17,
    IPPROTO_ICMPV6_ = 58,
};

struct ipproto_row {
    uint8_t proto;
    cs_layer_fn *fn;
};

static const struct ipproto_row ipproto_rows[] = {
    {IPPROTO_TCP_, cs_decode_tcp},
    {IPPROTO_UDP_, cs_decode_udp},
    {IPPROTO_ICMP_, cs_decode_icmp},
    {IPPROTO_ICMPV6_, cs_decode_icmp6},
};

void
cs_decode_ipproto(struct cs_cursor *c, uint32_t claim, struct cs_packet *p, uint8_t proto)
{
    for (size_t i = 0; i < sizeof ipproto_rows / sizeof ipproto_rows[0]; i++) {
        if (ipproto_rows[i].proto == proto) {
            ipproto_rows[i].fn(c, claim, p);
            return;
        }
    }
    /* Not decoded: the IP payload is the payload. */
    p->l4 = CS_L4_OTHER;
    p->payload = *c;
    p->payload_len = claim;
}

/* Checks the option list (RFC 791 3.1): EOL ends it, NOP is one byte, every other option has a
 * length byte of at least 2 that stays inside the header. Returns 0 when one does not. */
static int
ipv4_options_valid(struct cs_cursor o)
{
    while (cs_cursor_remaining(&o) > 0) {
        uint8_t kind = cs_cursor_u8(&o);
        if (kind == 0)
            return 1;
        if (kind == 1)
            continue;
        uint8_t len = cs_cursor_u8(&o);
        if (cs_cursor_failed(&o) || len < 2 || (size_t)len - 2 > cs_cursor_remaining(&o))
            return 0;
        cs_cursor_skip(&o, (size_t)len - 2);
    }
    return 1;
}

void
cs_decode_ipv4(struct cs_cursor *in, uint32_t claim, struct cs_packet *p)
{
    /* A local copy the compiler can keep in registers (see decode_int.h). */
    struct cs_cursor h = *in, *c = &h;
    struct cs_ip *ip = &p->ip;
    p->l3 = CS_L3_IPV4;
    size_t captured = cs_cursor_remaining(c);

    uint8_t vhl = cs_cursor_u8(c);
    ip->version = vhl >> 4;
    if (!cs_cursor_failed(c) && ip->version != 4) {
        cs_decode_anomaly(p, CS_ANOM_IPV4_VERSION);
        return;
    }
    ip->tos = cs_cursor_u8(c);
    ip->total_len = cs_cursor_be16(c);
    ip->id = cs_cursor_be16(c);
    uint16_t frag = cs_cursor_be16(c);
    ip->ttl = cs_cursor_u8(c);
    ip->proto = cs_cursor_u8(c);
    cs_cursor_skip(c, 2); /* checksum */
    cs_decode_addr(c, &ip->src, 4, 4);
    cs_decode_addr(c, &ip->dst, 4, 4);
    ip->df = (frag >> 14) & 1;
    ip->mf = (frag >> 13) & 1;
    ip->frag_off = (uint16_t)((frag & 0x1fff) * 8);
    ip->is_fragment = ip->mf || ip->frag_off > 0;
    if (cs_cursor_failed(c)) {
        cs_decode_trunc(p, CS_LAYER_IPV4);
        return;
    }

    uint32_t hlen = (vhl & 0x0fu) * 4;
    ip->hlen = (uint8_t)hlen;
    if (hlen < 20) {
        cs_decode_anomaly(p, CS_ANOM_IPV4_HLEN_SHORT);
        return;
    }
    uint32_t len = ip->total_len;
    if (len == 0 && (ip->proto == IPPROTO_TCP_ || ip->proto == IPPROTO_UDP_)) {
        /* TCP segmentation offload: the length is filled in later by the NIC; trust what was
         * captured (tcpdump's presumed_offload). */
        cs_decode_anomaly(p, CS_ANOM_IP_TSO);
        len = (uint32_t)captured;
        if (len < hlen)
            len = hlen;
    } else if (len < hlen) {
        cs_decode_anomaly(p, CS_ANOM_IPV4_LEN_SHORT);
        return;
    } else if (len > claim) {
        cs_decode_anomaly(p, CS_ANOM_IPV4_LEN_BEYOND);
        len = claim;
        if (len < hlen)
            return;
    }

    ip->opt_len = (uint8_t)(hlen - 20);
    int clipped;
    struct cs_cursor opts = cs_cursor_sub_clip(c, hlen - 20, &clipped);
    if (clipped) {
        cs_decode_trunc(p, CS_LAYER_IPV4);
        return;
    }
    if (!ipv4_options_valid(opts))
        cs_decode_anomaly(p, CS_ANOM_IPV4_OPT_LEN);

    uint32_t body_claim = len - hlen;
    struct cs_cursor body = cs_cursor_sub_clip(c, body_claim, NULL);
    if (ip->frag_off > 0) {
        /* A later fragment: no transport header, the bytes are fragment data. */
        p->payload = body;
        p->payload_len = body_claim;
        return;
    }
    cs_decode_ipproto(&body, body_claim, p, ip->proto);
}

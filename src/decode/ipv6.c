/* ipv6.c: the IPv6 header and its extension-header chain (RFC 8200; AH RFC 4302, mobility RFC
 * 6275), walked up to CS_MAX_IPV6_EXT headers. */
#include "cashark/decode.h"

#include "decode_int.h"

enum {
    NH_HOPOPTS = 0,
    NH_TCP = 6,
    NH_UDP = 17,
    NH_ROUTING = 43,
    NH_FRAGMENT = 44,
    NH_AH = 51,
    NH_DSTOPTS = 60,
    NH_MOBILITY = 135,
};

enum ext_len_rule {
    EXT_LEN_8 = 0, /* (len + 1) * 8 bytes */
    EXT_LEN_AH,    /* (len + 2) * 4 bytes */
    EXT_LEN_FIXED, /* 8 bytes (fragment header) */
};

struct ext_row {
    uint8_t nh;
    uint8_t rule;
};

static const struct ext_row ext_rows[] = {
    {NH_HOPOPTS, EXT_LEN_8}, {NH_ROUTING, EXT_LEN_8}, {NH_FRAGMENT, EXT_LEN_FIXED},
    {NH_DSTOPTS, EXT_LEN_8}, {NH_AH, EXT_LEN_AH},     {NH_MOBILITY, EXT_LEN_8},
};

static const struct ext_row *
ext_find(uint8_t nh)
{
    for (size_t i = 0; i < sizeof ext_rows / sizeof ext_rows[0]; i++)
        if (ext_rows[i].nh == nh)
            return &ext_rows[i];
    return NULL;
}

void
cs_decode_ipv6(struct cs_cursor *in, uint32_t claim, struct cs_packet *p)
{
    /* A local copy the compiler can keep in registers (see decode_int.h). */
    struct cs_cursor h = *in, *c = &h;
    struct cs_ip *ip = &p->ip;
    p->l3 = CS_L3_IPV6;

    int b = cs_cursor_peek(c, 0);
    uint32_t vtf = cs_cursor_be32(c);
    if (cs_cursor_failed(c)) {
        /* Keep the version when its byte was captured. */
        ip->version = b >= 0 ? (uint8_t)(b >> 4) : 0;
        cs_decode_trunc(p, CS_LAYER_IPV6);
        return;
    }
    ip->version = (uint8_t)(vtf >> 28);
    if (ip->version != 6) {
        cs_decode_anomaly(p, CS_ANOM_IPV6_VERSION);
        return;
    }
    ip->tos = (uint8_t)(vtf >> 20);
    ip->flowlabel = vtf & 0xfffffu;
    uint16_t plen = cs_cursor_be16(c);
    uint8_t nh = cs_cursor_u8(c);
    ip->ttl = cs_cursor_u8(c);
    cs_decode_addr(c, &ip->src, 6, 16);
    cs_decode_addr(c, &ip->dst, 6, 16);
    ip->proto = nh;
    ip->hlen = 40;
    ip->total_len = (uint16_t)(plen > 65535 - 40 ? 65535 : plen + 40);
    if (cs_cursor_failed(c)) {
        cs_decode_trunc(p, CS_LAYER_IPV6);
        return;
    }

    uint32_t avail = claim >= 40 ? claim - 40 : 0;
    uint32_t len = plen;
    if (plen == 0 && (nh == NH_TCP || nh == NH_UDP)) {
        /* Segmentation offload (or a jumbogram): the length is what was captured. */
        cs_decode_anomaly(p, CS_ANOM_IP_TSO);
        len = (uint32_t)cs_cursor_remaining(c);
    } else if (len > avail) {
        cs_decode_anomaly(p, CS_ANOM_IPV6_LEN_BEYOND);
        len = avail;
    }
    struct cs_cursor body = cs_cursor_sub_clip(c, len, NULL);

    /* The extension-header chain. */
    uint32_t ext_bytes = 0;
    const struct ext_row *e;
    while ((e = ext_find(nh)) != NULL) {
        if (ip->n_ext == CS_MAX_IPV6_EXT) {
            cs_decode_anomaly(p, CS_ANOM_IPV6_EXT_DEPTH);
            return;
        }
        int b0 = cs_cursor_peek(&body, 0), b1 = cs_cursor_peek(&body, 1);
        if (b1 < 0) {
            if (len - ext_bytes < 2)
                cs_decode_anomaly(p, CS_ANOM_IPV6_EXT_LEN);
            else
                cs_decode_trunc(p, CS_LAYER_IPV6);
            return;
        }
        uint32_t elen = e->rule == EXT_LEN_8    ? ((uint32_t)b1 + 1) * 8
                        : e->rule == EXT_LEN_AH ? ((uint32_t)b1 + 2) * 4
                                                : 8;
        if (elen > len - ext_bytes) {
            cs_decode_anomaly(p, CS_ANOM_IPV6_EXT_LEN);
            return;
        }
        int clipped;
        struct cs_cursor ext = cs_cursor_sub_clip(&body, elen, &clipped);
        ip->ext[ip->n_ext++] = nh;
        ext_bytes += elen;
        ip->hlen = (uint8_t)(40 + ext_bytes > 255 ? 255 : 40 + ext_bytes);
        nh = (uint8_t)b0;
        ip->proto = nh;
        if (e->nh == NH_FRAGMENT) {
            cs_cursor_skip(&ext, 2);
            uint16_t offm = cs_cursor_be16(&ext);
            ip->frag_id = cs_cursor_be32(&ext);
            ip->frag_off = offm & 0xfff8u;
            ip->mf = offm & 1u;
            ip->is_fragment = ip->mf || ip->frag_off > 0;
        }
        if (clipped) {
            cs_decode_trunc(p, CS_LAYER_IPV6);
            return;
        }
        if (ip->frag_off > 0) {
            /* A later fragment: the rest is fragment data. */
            p->payload = body;
            p->payload_len = len - ext_bytes;
            return;
        }
    }
    cs_decode_ipproto(&body, len - ext_bytes, p, nh);
}

/* udp.c: the UDP header (RFC 768). */
#include "cashark/decode.h"

#include <stddef.h>

#include "decode_int.h"

void
cs_decode_udp(struct cs_cursor *in, uint32_t claim, struct cs_packet *p)
{
    /* A local copy the compiler can keep in registers (see decode_int.h). */
    struct cs_cursor h = *in, *c = &h;
    struct cs_udp *u = &p->t.udp;
    p->l4 = CS_L4_UDP;
    *u = (struct cs_udp){0};
    size_t avail = cs_cursor_remaining(c);
    u->hdr_captured = (uint8_t)(avail < 8 ? avail : 8);
    u->sport = cs_cursor_be16(c);
    u->dport = cs_cursor_be16(c);
    u->len = cs_cursor_be16(c);
    u->csum = cs_cursor_be16(c);
    if (cs_cursor_failed(c)) {
        cs_decode_trunc(p, CS_LAYER_UDP);
        return;
    }
    uint32_t len = u->len;
    if (len < 8) {
        cs_decode_anomaly(p, CS_ANOM_UDP_LEN_SHORT);
        return;
    }
    if (len > claim) {
        /* A first fragment carries only part of the datagram the length describes. */
        if (!p->ip.mf)
            cs_decode_anomaly(p, CS_ANOM_UDP_LEN_BEYOND);
        len = claim;
    }
    /* Clip to the UDP length: bytes after it (padding) are not payload. */
    p->payload = cs_cursor_sub_clip(c, len - 8, NULL);
    p->payload_len = len - 8;
}

/* arp.c: ARP for IPv4 over any hardware (RFC 826): operation and the protocol addresses. */
#include "cashark/decode.h"

#include "decode_int.h"

void
cs_decode_arp(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    (void)claim;
    struct cs_ip *ip = &p->ip;
    p->l3 = CS_L3_ARP;
    cs_cursor_skip(c, 2); /* hardware type */
    uint16_t ptype = cs_cursor_be16(c);
    uint8_t hln = cs_cursor_u8(c);
    uint8_t pln = cs_cursor_u8(c);
    ip->arp_op = cs_cursor_be16(c);
    if (cs_cursor_failed(c)) {
        cs_decode_trunc(p, CS_LAYER_ARP);
        return;
    }
    if (ptype != 0x0800 || pln != 4)
        return; /* not IPv4: the operation is all that is kept */
    cs_cursor_skip(c, hln);
    cs_decode_addr(c, &ip->src, 4, 4);
    cs_cursor_skip(c, hln);
    cs_decode_addr(c, &ip->dst, 4, 4);
    if (cs_cursor_failed(c))
        cs_decode_trunc(p, CS_LAYER_ARP);
}

/* sll.c: Linux "cooked" capture headers, LINUX_SLL (v1, 16 bytes) and LINUX_SLL2 (v2, 20 bytes)
 * (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html). */
#include "cashark/decode.h"

#include "decode_int.h"

/* Keeps up to 6 bytes of the 8-byte address field as the source address. */
static void
sll_addr(struct cs_cursor *c, struct cs_l2 *l2, uint16_t halen)
{
    cs_cursor_bytes(c, l2->eth_src, 6);
    cs_cursor_skip(c, 2);
    l2->sll_addr_len = (uint8_t)(halen > 8 ? 8 : halen);
}

void
cs_decode_sll(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    struct cs_l2 *l2 = &p->l2;
    l2->kind = CS_L2_SLL;
    l2->sll_pkttype = cs_cursor_be16(c);
    l2->sll_hatype = cs_cursor_be16(c);
    uint16_t halen = cs_cursor_be16(c);
    sll_addr(c, l2, halen);
    uint16_t proto = cs_cursor_be16(c);
    if (cs_cursor_failed(c)) {
        cs_decode_link_cut(p, claim, 16);
        return;
    }
    cs_decode_ethertype(c, claim - 16, p, proto);
}

void
cs_decode_sll2(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    struct cs_l2 *l2 = &p->l2;
    l2->kind = CS_L2_SLL2;
    uint16_t proto = cs_cursor_be16(c);
    cs_cursor_skip(c, 2); /* reserved */
    l2->sll_ifindex = cs_cursor_be32(c);
    l2->sll_hatype = cs_cursor_be16(c);
    l2->sll_pkttype = cs_cursor_u8(c);
    uint8_t halen = cs_cursor_u8(c);
    sll_addr(c, l2, halen);
    if (cs_cursor_failed(c)) {
        cs_decode_link_cut(p, claim, 20);
        return;
    }
    cs_decode_ethertype(c, claim - 20, p, proto);
}

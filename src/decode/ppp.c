/* ppp.c: PPP (RFC 1661) with or without HDLC-like address/control (RFC 1662), protocol field
 * compression, and Cisco HDLC frames seen on PPP_SERIAL links. */
#include "cashark/decode.h"

#include "decode_int.h"

struct ppp_row {
    uint16_t proto;
    uint16_t ethertype;
};

static const struct ppp_row ppp_rows[] = {
    {0x0021, 0x0800}, /* IPv4 */
    {0x0057, 0x86dd}, /* IPv6 */
};

static void
ppp_body(struct cs_cursor *c, uint32_t claim, struct cs_packet *p, uint32_t hdr)
{
    /* Protocol field compression (RFC 1661 6.5): an odd first byte is a one-byte protocol. */
    int first = cs_cursor_peek(c, 0);
    uint16_t proto = (first >= 0 && (first & 1)) ? cs_cursor_u8(c) : cs_cursor_be16(c);
    hdr += (first >= 0 && (first & 1)) ? 1 : 2;
    if (cs_cursor_failed(c)) {
        cs_decode_link_cut(p, claim, hdr);
        return;
    }
    p->l2.ppp_proto = proto;
    for (size_t i = 0; i < sizeof ppp_rows / sizeof ppp_rows[0]; i++) {
        if (ppp_rows[i].proto == proto) {
            cs_decode_ethertype(c, claim - hdr, p, ppp_rows[i].ethertype);
            return;
        }
    }
    p->l3 = CS_L3_OTHER;
}

void
cs_decode_ppp(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    p->l2.kind = CS_L2_PPP;
    uint32_t hdr = 0;
    if (cs_cursor_peek(c, 0) == 0xff) {
        /* The all-stations address (never a compressed protocol): control 0x03 follows. */
        int ctl = cs_cursor_peek(c, 1);
        if (ctl < 0) {
            cs_decode_link_cut(p, claim, 4);
            return;
        }
        if (ctl == 0x03) {
            cs_cursor_skip(c, 2);
            hdr = 2;
        }
    }
    ppp_body(c, claim, p, hdr);
}

void
cs_decode_ppp_serial(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    int addr = cs_cursor_peek(c, 0);
    if (addr == 0x0f || addr == 0x8f) {
        /* Cisco HDLC: address, control, then an ethertype. */
        p->l2.kind = CS_L2_PPP;
        cs_cursor_skip(c, 2);
        uint16_t type = cs_cursor_be16(c);
        if (cs_cursor_failed(c)) {
            cs_decode_link_cut(p, claim, 4);
            return;
        }
        cs_decode_ethertype(c, claim - 4, p, type);
        return;
    }
    cs_decode_ppp(c, claim, p);
}

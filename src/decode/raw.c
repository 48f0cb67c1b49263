/* raw.c: link types that carry a bare IP packet: RAW (101, and 12/14 on some BSDs) by the
 * version nibble, IPV4 (228) and IPV6 (229). */
#include "cashark/decode.h"

#include "decode_int.h"

void
cs_decode_raw(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    p->l2.kind = CS_L2_NONE;
    int b = cs_cursor_peek(c, 0);
    if (b < 0) {
        cs_decode_link_cut(p, claim, 1);
        return;
    }
    switch (b >> 4) {
        case 4:
            cs_decode_ethertype(c, claim, p, 0x0800);
            break;
        case 6:
            cs_decode_ethertype(c, claim, p, 0x86dd);
            break;
        default:
            p->l3 = CS_L3_OTHER;
            p->ip.version = (uint8_t)(b >> 4);
            cs_decode_anomaly(p, CS_ANOM_IPV4_VERSION);
            break;
    }
}

void
cs_decode_raw4(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    p->l2.kind = CS_L2_NONE;
    cs_decode_ethertype(c, claim, p, 0x0800);
}

void
cs_decode_raw6(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    p->l2.kind = CS_L2_NONE;
    cs_decode_ethertype(c, claim, p, 0x86dd);
}

/* null.c: BSD loopback encapsulations NULL (address family in the writer's byte order) and LOOP
 * (network byte order) (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html). */
#include "cashark/decode.h"

#include "decode_int.h"

struct family_row {
    uint32_t family;
    uint16_t ethertype;
};

/* AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30
 * (macOS). */
static const struct family_row family_rows[] = {
    {2, 0x0800}, {10, 0x86dd}, {24, 0x86dd}, {28, 0x86dd}, {30, 0x86dd},
};

static void
loopback(struct cs_cursor *c, uint32_t claim, struct cs_packet *p, uint32_t family)
{
    p->l2.null_family = family;
    for (size_t i = 0; i < sizeof family_rows / sizeof family_rows[0]; i++) {
        if (family_rows[i].family == family) {
            cs_decode_ethertype(c, claim - 4, p, family_rows[i].ethertype);
            return;
        }
    }
    p->l3 = CS_L3_OTHER;
}

static uint32_t
swap32(uint32_t v)
{
    return (v >> 24) | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | (v << 24);
}

void
cs_decode_null(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    p->l2.kind = CS_L2_NULL;
    uint32_t family = cs_cursor_be32(c);
    if (cs_cursor_failed(c)) {
        cs_decode_link_cut(p, claim, 4);
        return;
    }
    /* Written in the capturing host's order: family values are small, so a value with bits in
     * the upper half was written little-endian. */
    if (family & 0xffff0000u)
        family = swap32(family);
    loopback(c, claim, p, family);
}

void
cs_decode_loop(struct cs_cursor *c, uint32_t claim, struct cs_packet *p)
{
    p->l2.kind = CS_L2_NULL;
    uint32_t family = cs_cursor_be32(c);
    if (cs_cursor_failed(c)) {
        cs_decode_link_cut(p, claim, 4);
        return;
    }
    loopback(c, claim, p, family);
}

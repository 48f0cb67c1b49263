/* ether.c: Ethernet II / 802.3 headers, 802.1Q, 802.1ad and 0x9100 VLAN tags, and the dispatch
 * on the ethertype (IEEE 802.3, IEEE 802.1Q). */
#include "cashark/decode.h"

#include "decode_int.h"

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_ARP = 0x0806,
    ETHERTYPE_8021Q = 0x8100,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_8021AD = 0x88a8,
    ETHERTYPE_QINQ_OLD = 0x9100,
};

struct ethertype_row {
    uint16_t ethertype;
    cs_layer_fn *fn;
};

static const struct ethertype_row ethertype_rows[] = {
    {ETHERTYPE_IPV4, cs_decode_ipv4},
    {ETHERTYPE_IPV6, cs_decode_ipv6},
    {ETHERTYPE_ARP, cs_decode_arp},
};

static int
is_vlan_tpid(uint16_t t)
{
    return t == ETHERTYPE_8021Q || t == ETHERTYPE_8021AD || t == ETHERTYPE_QINQ_OLD;
}

/* Walks the VLAN tags at c, outermost first; returns the inner ethertype, or -1 to stop. */
static int
vlan_walk(struct cs_cursor *c, uint32_t *claim, struct cs_packet *p, uint16_t tpid)
{
    struct cs_l2 *l2 = &p->l2;
    while (is_vlan_tpid(tpid)) {
        if (l2->n_vlan == CS_MAX_VLAN) {
            cs_decode_anomaly(p, CS_ANOM_VLAN_DEPTH);
            return -1;
        }
        uint16_t tci = cs_cursor_be16(c);
        uint16_t inner = cs_cursor_be16(c);
        if (cs_cursor_failed(c)) {
            cs_decode_trunc(p, CS_LAYER_VLAN);
            return -1;
        }
        l2->vlan_tpid[l2->n_vlan] = tpid;
        l2->vlan_tci[l2->n_vlan] = tci;
        l2->n_vlan++;
        l2->ethertype = inner;
        *claim = *claim >= 4 ? *claim - 4 : 0;
        tpid = inner;
    }
    return tpid;
}

void
cs_decode_ethertype(struct cs_cursor *c, uint32_t claim, struct cs_packet *p, uint16_t ethertype)
{
    p->l2.ethertype = ethertype;
    if (is_vlan_tpid(ethertype)) {
        int inner = vlan_walk(c, &claim, p, ethertype);
        if (inner < 0)
            return;
        ethertype = (uint16_t)inner;
    }
    for (size_t i = 0; i < sizeof ethertype_rows / sizeof ethertype_rows[0]; i++) {
        if (ethertype_rows[i].ethertype == ethertype) {
            ethertype_rows[i].fn(c, claim, p);
            return;
        }
    }
    p->l3 = CS_L3_OTHER;
}

void
cs_decode_ether(struct cs_cursor *in, uint32_t claim, struct cs_packet *p)
{
    /* A local copy the compiler can keep in registers (see decode_int.h). */
    struct cs_cursor h = *in, *c = &h;
    p->l2.kind = CS_L2_ETH;
    cs_cursor_bytes(c, p->l2.eth_dst, 6);
    cs_cursor_bytes(c, p->l2.eth_src, 6);
    uint16_t type = cs_cursor_be16(c);
    if (cs_cursor_failed(c)) {
        cs_decode_link_cut(p, claim, 14);
        return;
    }
    claim -= 14;
    if (type <= 1500) {
        /* IEEE 802.3 length field: an LLC frame, not decoded further. */
        p->l2.ethertype = type;
        p->l3 = CS_L3_OTHER;
        return;
    }
    struct cs_cursor next = h;
    cs_decode_ethertype(&next, claim, p, type);
}

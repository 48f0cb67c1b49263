/* flow_fixture.h: hand-built decoded packets for the flow and reassembly tests. */
#ifndef CASHARK_TEST_FLOW_FIXTURE_H
#define CASHARK_TEST_FLOW_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "cashark/decode.h"
#include "cashark/flow.h"

#define MS  (INT64_C(1000000))
#define SEC (INT64_C(1000000000))

/* Flag shorthands. */
enum {
    S = CS_TH_SYN,
    SA = CS_TH_SYN | CS_TH_ACK,
    A = CS_TH_ACK,
    PA = CS_TH_PSH | CS_TH_ACK,
    FA = CS_TH_FIN | CS_TH_ACK,
    R = CS_TH_RST,
    RA = CS_TH_RST | CS_TH_ACK,
};

/* A frame and its decoded packet; the payload cursor points at data (which must outlive it). */
struct fx {
    struct cs_frame frame;
    struct cs_packet pkt;
};

/* Host h of the test network: 10.0.0.h, or fd00::h when v6. */
static inline struct cs_addr
fx_host(int v6, uint8_t h)
{
    struct cs_addr a;
    memset(&a, 0, sizeof(a));
    a.family = v6 ? 6 : 4;
    if (v6) {
        a.a[0] = 0xfd;
        a.a[15] = h;
    } else {
        a.a[0] = 10;
        a.a[3] = h;
    }
    return a;
}

static inline void
fx_ip(struct fx *x, int v6, uint8_t src, uint8_t dst, int64_t ts_ns, uint64_t ordinal)
{
    memset(x, 0, sizeof(*x));
    x->frame.ordinal = ordinal;
    x->frame.ts_ns = ts_ns;
    x->pkt.frame = &x->frame;
    x->pkt.l2.kind = CS_L2_ETH;
    x->pkt.l3 = v6 ? CS_L3_IPV6 : CS_L3_IPV4;
    x->pkt.ip.version = v6 ? 6 : 4;
    x->pkt.ip.src = fx_host(v6, src);
    x->pkt.ip.dst = fx_host(v6, dst);
}

/* A TCP segment; n payload bytes of which cap were captured (cap <= n). */
static inline void
fx_tcp(struct fx *x, int v6, uint8_t src, uint16_t sport, uint8_t dst, uint16_t dport,
       uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win, const void *data, uint32_t n,
       uint32_t cap, int64_t ts_ns, uint64_t ordinal)
{
    fx_ip(x, v6, src, dst, ts_ns, ordinal);
    x->pkt.ip.proto = 6;
    x->pkt.l4 = CS_L4_TCP;
    struct cs_tcp *t = &x->pkt.t.tcp;
    t->sport = sport;
    t->dport = dport;
    t->seq = seq;
    t->ack = ack;
    t->flags = flags;
    t->win = win;
    t->hlen = 20;
    t->payload_len = n;
    x->pkt.payload = cs_cursor_make((const uint8_t *)data, cap);
    x->pkt.payload_len = n;
}

static inline void
fx_tcp_ws(struct fx *x, int has_ws, uint8_t ws)
{
    x->pkt.t.tcp.has_ws = (uint8_t)has_ws;
    x->pkt.t.tcp.ws = ws;
}

static inline void
fx_udp(struct fx *x, int v6, uint8_t src, uint16_t sport, uint8_t dst, uint16_t dport,
       int64_t ts_ns, uint64_t ordinal)
{
    fx_ip(x, v6, src, dst, ts_ns, ordinal);
    x->pkt.ip.proto = 17;
    x->pkt.l4 = CS_L4_UDP;
    x->pkt.t.udp.sport = sport;
    x->pkt.t.udp.dport = dport;
    x->pkt.t.udp.len = 8;
    x->pkt.payload = cs_cursor_make(NULL, 0);
}

static inline void
fx_vlan(struct fx *x, uint16_t vid)
{
    x->pkt.l2.n_vlan = 2;
    x->pkt.l2.vlan_tpid[0] = 0x88a8;
    x->pkt.l2.vlan_tci[0] = 0x0fff; /* the outer tag must not count */
    x->pkt.l2.vlan_tpid[1] = 0x8100;
    x->pkt.l2.vlan_tci[1] = (uint16_t)(0xe000 | vid); /* PCP 7 above the VID */
}

#endif

/* test_decode.c: table-driven tests of the layered frame decoder, with the truncation, corruption
 * and read-only sweeps run over every vector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/decode.h"

/* Building blocks, each a list of bytes. */

/* Ethernet: 00:11:22:33:44:55 <- 66:77:88:99:aa:bb, ethertype t */
#define ETH(t)                                                                                     \
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, (t) >> 8, (t)&0xff
/* One VLAN tag: TPID tp, TCI tci, then inner type t */
#define TAG(tci, t) (tci) >> 8, (tci)&0xff, (t) >> 8, (t)&0xff
/* IPv4, IHL 5, total length len, id 0x1234, DF, TTL 64, protocol pr, 10.0.0.1 -> 10.0.0.2 */
#define IP4(len, pr)                                                                               \
    0x45, 0x00, (len) >> 8, (len)&0xff, 0x12, 0x34, 0x40, 0x00, 64, (pr), 0x00, 0x00, 10, 0, 0, 1, \
        10, 0, 0, 2
/* IPv6, payload length plen, next header nh, hop limit 64, 2001:db8::1 -> 2001:db8::2 */
#define IP6(plen, nh)                                                                              \
    0x60, 0x00, 0x00, 0x00, (plen) >> 8, (plen)&0xff, (nh), 64, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,   \
        0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
/* TCP 40000 -> 5064, seq 1, ack 2, data offset doff words, flags fl, window 64240 */
#define TCP(doff, fl)                                                                              \
    0x9c, 0x40, 0x13, 0xc8, 0, 0, 0, 1, 0, 0, 0, 2, (doff) << 4, (fl), 0xfa, 0xf0, 0, 0, 0, 0
/* UDP 5065 -> 5064, length len */
#define UDP(len) 0x13, 0xc9, 0x13, 0xc8, (len) >> 8, (len)&0xff, 0, 0
/* The SYN option list of a Linux client: mss 1460, sackOK, TS val 1 ecr 0, nop, wscale 7 */
#define SYNOPTS                                                                                    \
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07

#define B(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
#define A(x)   (UINT64_C(1) << CS_ANOM_##x)

struct vec {
    const char *name;
    uint32_t linktype;
    const uint8_t *b;
    size_t n;
    uint32_t wire; /* length on the wire, 0: n */
    uint32_t pad;  /* trailing bytes no header claims (a prefix cut there is still complete) */
    enum cs_status status;
    enum cs_layer trunc;
    uint64_t anom;
    enum cs_l2_kind l2;
    enum cs_l3_kind l3;
    enum cs_l4_kind l4;
    void (*check)(const struct cs_packet *p);
};

static void
check_syn(const struct cs_packet *p)
{
    const struct cs_tcp *t = &p->t.tcp;
    static const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    assert_int_equal(p->ip.src.family, 4);
    assert_memory_equal(p->ip.src.a, src, 4);
    assert_memory_equal(p->ip.dst.a, dst, 4);
    assert_int_equal(p->ip.ttl, 64);
    assert_int_equal(p->ip.id, 0x1234);
    assert_int_equal(p->ip.df, 1);
    assert_int_equal(p->ip.is_fragment, 0);
    assert_int_equal(t->sport, 40000);
    assert_int_equal(t->dport, 5064);
    assert_int_equal(t->seq, 1);
    assert_int_equal(t->ack, 2);
    assert_int_equal(t->flags, CS_TH_SYN);
    assert_int_equal(t->win, 64240);
    assert_int_equal(t->hlen, 40);
    assert_int_equal(t->n_opts, 5);
    assert_int_equal(t->opts[4].kind, CS_TCPOPT_WS);
    assert_int_equal(t->opts[4].off, 17);
    assert_int_equal(t->opts[4].len, 3);
    assert_true(t->has_mss && t->mss == 1460);
    assert_true(t->has_ws && t->ws == 7);
    assert_true(t->sack_ok);
    assert_true(t->has_ts && t->ts_val == 1 && t->ts_ecr == 0);
    assert_int_equal(t->opt_raw_len, 20);
    assert_int_equal(p->payload_len, 0);
}

static void
check_eth_addrs(const struct cs_packet *p)
{
    static const uint8_t dst[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    static const uint8_t src[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    assert_memory_equal(p->l2.eth_dst, dst, 6);
    assert_memory_equal(p->l2.eth_src, src, 6);
    assert_int_equal(p->l2.ethertype, 0x0800);
    check_syn(p);
}

static void
check_padding(const struct cs_packet *p)
{
    assert_int_equal(p->payload_len, 0);
    assert_int_equal(cs_cursor_remaining(&p->payload), 0);
    assert_int_equal(p->t.tcp.payload_len, 0);
}

static void
check_payload_abcd(const struct cs_packet *p)
{
    assert_int_equal(p->payload_len, 4);
    size_t n;
    const uint8_t *d = cs_cursor_span(&p->payload, &n);
    assert_int_equal(n, 4);
    assert_memory_equal(d, "ABCD", 4);
    assert_int_equal(p->t.tcp.flags, CS_TH_PSH | CS_TH_ACK);
}

static void
check_udp_payload2(const struct cs_packet *p)
{
    assert_int_equal(p->t.udp.sport, 5065);
    assert_int_equal(p->t.udp.dport, 5064);
    assert_int_equal(p->t.udp.len, 10);
    assert_int_equal(p->payload_len, 2);
    assert_int_equal(cs_cursor_remaining(&p->payload), 2);
}

static void
check_vlan1(const struct cs_packet *p)
{
    assert_int_equal(p->l2.n_vlan, 1);
    assert_int_equal(p->l2.vlan_tpid[0], 0x8100);
    assert_int_equal(p->l2.vlan_tci[0], 0x2064);
    assert_int_equal(p->l2.ethertype, 0x0800);
    check_udp_payload2(p);
}

static void
check_qinq(const struct cs_packet *p)
{
    assert_int_equal(p->l2.n_vlan, 2);
    assert_int_equal(p->l2.vlan_tpid[0], 0x88a8);
    assert_int_equal(p->l2.vlan_tci[0], 100);
    assert_int_equal(p->l2.vlan_tpid[1], 0x8100);
    assert_int_equal(p->l2.vlan_tci[1], 200);
    check_udp_payload2(p);
}

static void
check_vlan9100(const struct cs_packet *p)
{
    assert_int_equal(p->l2.n_vlan, 1);
    assert_int_equal(p->l2.vlan_tpid[0], 0x9100);
    assert_int_equal(p->l2.vlan_tci[0], 5);
}

static void
check_vlan_deep(const struct cs_packet *p)
{
    assert_int_equal(p->l2.n_vlan, CS_MAX_VLAN);
    assert_int_equal(p->l3, CS_L3_NONE);
}

static void
check_sll(const struct cs_packet *p)
{
    static const uint8_t a[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
    assert_int_equal(p->l2.sll_pkttype, 4);
    assert_int_equal(p->l2.sll_hatype, 1);
    assert_int_equal(p->l2.sll_addr_len, 6);
    assert_memory_equal(p->l2.eth_src, a, 6);
    assert_int_equal(p->l2.ethertype, 0x0800);
    check_udp_payload2(p);
}

static void
check_ipv6_tcp(const struct cs_packet *p)
{
    static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    assert_int_equal(p->ip.version, 6);
    assert_int_equal(p->ip.src.family, 6);
    assert_memory_equal(p->ip.src.a, src, 16);
    assert_int_equal(p->ip.ttl, 64);
    assert_int_equal(p->ip.hlen, 40);
    assert_int_equal(p->ip.total_len, 80);
    assert_int_equal(p->t.tcp.flags, CS_TH_SYN);
    assert_true(p->t.tcp.has_mss && p->t.tcp.mss == 1460);
}

static void
check_sll2(const struct cs_packet *p)
{
    assert_int_equal(p->l2.sll_ifindex, 3);
    assert_int_equal(p->l2.sll_pkttype, 0);
    assert_int_equal(p->l2.sll_hatype, 772);
    assert_int_equal(p->l2.sll_addr_len, 6);
    assert_int_equal(p->l2.ethertype, 0x86dd);
    check_ipv6_tcp(p);
}

static void
check_null4(const struct cs_packet *p)
{
    assert_int_equal(p->l2.null_family, 2);
    check_syn(p);
}

static void
check_null6(const struct cs_packet *p)
{
    assert_int_equal(p->l2.null_family, 30);
    check_ipv6_tcp(p);
}

static void
check_ppp4(const struct cs_packet *p)
{
    assert_int_equal(p->l2.ppp_proto, 0x0021);
    check_syn(p);
}

static void
check_ppp6(const struct cs_packet *p)
{
    assert_int_equal(p->l2.ppp_proto, 0x0057);
    check_ipv6_tcp(p);
}

static void
check_ipopts(const struct cs_packet *p)
{
    assert_int_equal(p->ip.hlen, 24);
    assert_int_equal(p->ip.opt_len, 4);
    assert_int_equal(p->t.udp.sport, 5065);
    assert_int_equal(p->payload_len, 2);
}

static void
check_frag_first(const struct cs_packet *p)
{
    assert_int_equal(p->ip.is_fragment, 1);
    assert_int_equal(p->ip.mf, 1);
    assert_int_equal(p->ip.frag_off, 0);
    assert_int_equal(p->t.udp.len, 16);
    /* the IP length covers only this fragment: 2 of the 8 payload bytes the UDP length claims */
    assert_int_equal(p->payload_len, 2);
}

static void
check_frag_later(const struct cs_packet *p)
{
    assert_int_equal(p->ip.is_fragment, 1);
    assert_int_equal(p->ip.mf, 0);
    assert_int_equal(p->ip.frag_off, 8);
    assert_int_equal(p->ip.proto, 17);
    assert_int_equal(p->payload_len, 6);
    assert_int_equal(cs_cursor_remaining(&p->payload), 6);
}

static void
check_tso(const struct cs_packet *p)
{
    assert_int_equal(p->ip.total_len, 0);
    assert_int_equal(p->payload_len, 4);
    assert_int_equal(cs_cursor_remaining(&p->payload), 4);
}

static void
check_v6ext(const struct cs_packet *p)
{
    assert_int_equal(p->ip.n_ext, 2);
    assert_int_equal(p->ip.ext[0], 0);
    assert_int_equal(p->ip.ext[1], 60);
    assert_int_equal(p->ip.hlen, 56);
    assert_int_equal(p->ip.proto, 17);
    assert_int_equal(p->t.udp.len, 10);
    assert_int_equal(p->payload_len, 2);
}

static void
check_v6frag_first(const struct cs_packet *p)
{
    assert_int_equal(p->ip.n_ext, 1);
    assert_int_equal(p->ip.ext[0], 44);
    assert_int_equal(p->ip.is_fragment, 1);
    assert_int_equal(p->ip.mf, 1);
    assert_int_equal(p->ip.frag_off, 0);
    assert_int_equal(p->ip.frag_id, 0xdeadbeef);
    assert_int_equal(p->t.udp.len, 10);
}

static void
check_v6frag_later(const struct cs_packet *p)
{
    assert_int_equal(p->ip.frag_off, 16);
    assert_int_equal(p->ip.mf, 0);
    assert_int_equal(p->ip.frag_id, 7);
    assert_int_equal(p->ip.proto, 17);
    assert_int_equal(p->payload_len, 4);
}

static void
check_esp(const struct cs_packet *p)
{
    assert_int_equal(p->ip.proto, 50);
    assert_int_equal(p->payload_len, 8);
}

static void
check_opts_md5(const struct cs_packet *p)
{
    const struct cs_tcp *t = &p->t.tcp;
    assert_int_equal(t->n_opts, 6);
    assert_int_equal(t->opts[0].kind, CS_TCPOPT_MD5);
    assert_int_equal(t->opts[0].len, 18);
    assert_int_equal(t->opts[1].kind, CS_TCPOPT_UTO);
    assert_int_equal(t->opts[1].off, 18);
    assert_int_equal(t->opts[2].kind, CS_TCPOPT_AO);
    assert_int_equal(t->opts[2].len, 4);
    assert_int_equal(t->opts[5].kind, CS_TCPOPT_EOL);
    assert_int_equal(t->opt_raw[18], 28);
}

static void
check_opts_mptcp(const struct cs_packet *p)
{
    const struct cs_tcp *t = &p->t.tcp;
    assert_int_equal(t->n_mptcp, 1);
    assert_int_equal(t->opts[0].kind, CS_TCPOPT_MPTCP);
    assert_int_equal(t->opts[0].len, 12);
    assert_int_equal(t->opt_raw[2], 0x01); /* MP_CAPABLE v1, kept raw */
    assert_int_equal(t->opts[0].sub, 0);   /* subtype MP_CAPABLE, for the packet line */
    assert_int_equal(t->opts[1].sub, CS_TCPOPT_NO_SUB);
    assert_true(t->has_tfo);
    assert_int_equal(t->tfo_cookie_len, 8);
    assert_true(t->sack_ok);
}

static void
check_opts_mptcp_dss(const struct cs_packet *p)
{
    const struct cs_tcp *t = &p->t.tcp;
    assert_int_equal(t->n_mptcp, 2);
    assert_int_equal(t->opts[0].sub, 2);  /* DSS */
    assert_int_equal(t->opts[1].sub, 15); /* MP_EXPERIMENTAL */
    assert_int_equal(t->opts[2].sub, CS_TCPOPT_NO_SUB);
}

static void
check_opts_exp(const struct cs_packet *p)
{
    const struct cs_tcp *t = &p->t.tcp;
    assert_true(t->has_tfo);
    assert_int_equal(t->tfo_cookie_len, 0); /* the kind-34 request comes last and wins */
    assert_int_equal(t->opts[0].kind, CS_TCPOPT_EXP);
    assert_int_equal(t->opts[1].kind, CS_TCPOPT_TFO);
    assert_int_equal(t->opts[1].len, 2);
}

static void
check_exp_cookie(const struct cs_packet *p)
{
    assert_true(p->t.tcp.has_tfo);
    assert_int_equal(p->t.tcp.tfo_cookie_len, 4);
}

static void
check_sack(const struct cs_packet *p)
{
    const struct cs_tcp *t = &p->t.tcp;
    assert_int_equal(t->n_sack, 2);
    assert_int_equal(t->sack[0][0], 0x1000);
    assert_int_equal(t->sack[0][1], 0x2000);
    assert_int_equal(t->sack[1][0], 0x3000);
    assert_int_equal(t->sack[1][1], 0x4000);
}

static void
check_echo(const struct cs_packet *p)
{
    assert_int_equal(p->t.icmp.type, 8);
    assert_int_equal(p->t.icmp.code, 0);
    assert_int_equal(p->t.icmp.id, 7);
    assert_int_equal(p->t.icmp.seq, 1);
    assert_int_equal(p->t.icmp.has_quote, 0);
    assert_int_equal(p->payload_len, 4);
}

static void
check_unreach(const struct cs_packet *p)
{
    static const uint8_t q_src[4] = {10, 0, 0, 1};
    const struct cs_icmp *ic = &p->t.icmp;
    assert_int_equal(ic->type, 3);
    assert_int_equal(ic->code, 3);
    assert_int_equal(ic->has_quote, 1);
    assert_int_equal(ic->q_src.family, 4);
    assert_memory_equal(ic->q_src.a, q_src, 4);
    assert_int_equal(ic->q_proto, 17);
    assert_int_equal(ic->q_sport, 5065);
    assert_int_equal(ic->q_dport, 5064);
}

static void
check_echo6(const struct cs_packet *p)
{
    assert_int_equal(p->t.icmp.type, 128);
    assert_int_equal(p->t.icmp.id, 0x1234);
    assert_int_equal(p->t.icmp.seq, 9);
}

static void
check_unreach6(const struct cs_packet *p)
{
    const struct cs_icmp *ic = &p->t.icmp;
    assert_int_equal(ic->type, 1);
    assert_int_equal(ic->code, 4);
    assert_int_equal(ic->has_quote, 1);
    assert_int_equal(ic->q_src.family, 6);
    assert_int_equal(ic->q_proto, 6);
    assert_int_equal(ic->q_sport, 40000);
    assert_int_equal(ic->q_dport, 5064);
}

static void
check_arp(const struct cs_packet *p)
{
    static const uint8_t spa[4] = {10, 0, 0, 1}, tpa[4] = {10, 0, 0, 2};
    assert_int_equal(p->ip.arp_op, 1);
    assert_int_equal(p->ip.src.family, 4);
    assert_memory_equal(p->ip.src.a, spa, 4);
    assert_memory_equal(p->ip.dst.a, tpa, 4);
}

static void
check_trunc_syn(const struct cs_packet *p)
{
    /* the header before the cut is decoded; the options are partly there */
    assert_int_equal(p->t.tcp.sport, 40000);
    assert_int_equal(p->t.tcp.opts_truncated, 1);
    assert_int_equal(p->t.tcp.opt_raw_len, 6);
    assert_true(p->t.tcp.has_mss);
    assert_int_equal(p->t.tcp.n_opts, 2);
}

static void
check_snap_payload(const struct cs_packet *p)
{
    assert_int_equal(p->payload_len, 4);
    assert_int_equal(cs_cursor_remaining(&p->payload), 1);
}

static void
check_hlen_short(const struct cs_packet *p)
{
    /* the fixed header is still decoded */
    assert_int_equal(p->ip.src.family, 4);
    assert_int_equal(p->ip.proto, 6);
    assert_int_equal(p->l4, CS_L4_NONE);
}

static void
check_opt_len(const struct cs_packet *p)
{
    /* options before the bad one are kept */
    assert_true(p->t.tcp.has_mss);
    assert_int_equal(p->t.tcp.n_opts, 1);
    assert_int_equal(p->payload_len, 0);
}

static void
check_opt_size(const struct cs_packet *p)
{
    /* a bad MSS is listed but not parsed; the walk goes on to the timestamps */
    assert_false(p->t.tcp.has_mss);
    assert_int_equal(p->t.tcp.opts[0].len, 3);
    assert_true(p->t.tcp.has_ts);
}

static void
check_raw_v5(const struct cs_packet *p)
{
    assert_int_equal(p->ip.version, 5);
}

static void
check_llc(const struct cs_packet *p)
{
    assert_int_equal(p->l2.ethertype, 3);
}

static const struct vec vecs[] = {
    {"eth.ipv4.tcp.syn", CS_DLT_EN10MB,
     /* Ethernet, IPv4 (60 bytes), TCP SYN with the Linux option list */
     B(ETH(0x0800), IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_ETH, CS_L3_IPV4,
     CS_L4_TCP, check_eth_addrs},
    {"eth.ipv4.tcp.padding", CS_DLT_EN10MB,
     /* a 60-byte minimum frame: IPv4 says 40 bytes (bare ACK), then 6 bytes of Ethernet
        padding that must not become payload */
     B(ETH(0x0800), IP4(40, 6), TCP(5, 0x10), 0, 0, 0, 0, 0, 0), 0, 6, CS_OK, 0, 0, CS_L2_ETH,
     CS_L3_IPV4, CS_L4_TCP, check_padding},
    {"eth.ipv4.tcp.payload", CS_DLT_EN10MB,
     /* PSH|ACK with the 4 payload bytes "ABCD" (IPv4 length 20 + 20 + 4 = 44) */
     B(ETH(0x0800), IP4(44, 6), TCP(5, 0x18), 'A', 'B', 'C', 'D'), 0, 0, CS_OK, 0, 0, CS_L2_ETH,
     CS_L3_IPV4, CS_L4_TCP, check_payload_abcd},
    {"eth.vlan.8021q", CS_DLT_EN10MB,
     /* one 802.1Q tag (PCP 1, VID 100), IPv4 UDP with 2 payload bytes */
     B(ETH(0x8100), TAG(0x2064, 0x0800), IP4(30, 17), UDP(10), 0xca, 0xfe), 0, 0, CS_OK, 0, 0,
     CS_L2_ETH, CS_L3_IPV4, CS_L4_UDP, check_vlan1},
    {"eth.vlan.qinq", CS_DLT_EN10MB,
     /* 802.1ad outer tag VID 100, 802.1Q inner tag VID 200, IPv4 UDP */
     B(ETH(0x88a8), TAG(100, 0x8100), TAG(200, 0x0800), IP4(30, 17), UDP(10), 1, 2), 0, 0, CS_OK, 0,
     0, CS_L2_ETH, CS_L3_IPV4, CS_L4_UDP, check_qinq},
    {"eth.vlan.9100", CS_DLT_EN10MB,
     /* the old 0x9100 QinQ TPID, VID 5, IPv4 UDP */
     B(ETH(0x9100), TAG(5, 0x0800), IP4(30, 17), UDP(10), 1, 2), 0, 0, CS_OK, 0, 0, CS_L2_ETH,
     CS_L3_IPV4, CS_L4_UDP, check_vlan9100},
    {"eth.vlan.too_deep", CS_DLT_EN10MB,
     /* nine stacked 802.1Q tags: one more than CS_MAX_VLAN */
     B(ETH(0x8100), TAG(1, 0x8100), TAG(2, 0x8100), TAG(3, 0x8100), TAG(4, 0x8100), TAG(5, 0x8100),
       TAG(6, 0x8100), TAG(7, 0x8100), TAG(8, 0x8100), TAG(9, 0x0800)),
     0, 0, CS_MALFORMED, 0, A(VLAN_DEPTH), CS_L2_ETH, CS_L3_NONE, CS_L4_NONE, check_vlan_deep},
    {"eth.llc", CS_DLT_EN10MB,
     /* IEEE 802.3 length 3, LLC DSAP/SSAP 0x42 (STP), control 3: not decoded further */
     B(ETH(3), 0x42, 0x42, 0x03), 0, 3, CS_OK, 0, 0, CS_L2_ETH, CS_L3_OTHER, CS_L4_NONE, check_llc},
    {"eth.short", CS_DLT_EN10MB,
     /* a 10-byte frame on the wire: shorter than the Ethernet header */
     B(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99), 0, 0, CS_MALFORMED, 0,
     A(LINK_SHORT), CS_L2_ETH, CS_L3_NONE, CS_L4_NONE, NULL},
    {"eth.arp", CS_DLT_EN10MB,
     /* ARP request, Ethernet/IPv4: who-has 10.0.0.2 tell 10.0.0.1 */
     B(ETH(0x0806), 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
       10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2),
     0, 0, CS_OK, 0, 0, CS_L2_ETH, CS_L3_ARP, CS_L4_NONE, check_arp},
    {"sll.ipv4.udp", CS_DLT_LINUX_SLL,
     /* SLL: outgoing (4), ARPHRD_ETHER (1), 6-byte address 02:42:ac:11:00:02 + 2 pad, IPv4 */
     B(0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0x00, 0x00, 0x08,
       0x00, IP4(30, 17), UDP(10), 1, 2),
     0, 0, CS_OK, 0, 0, CS_L2_SLL, CS_L3_IPV4, CS_L4_UDP, check_sll},
    {"sll2.ipv6.tcp", CS_DLT_LINUX_SLL2,
     /* SLL2: protocol 0x86dd, reserved, ifindex 3, ARPHRD_LOOPBACK (772), host (0), address
        length 6, address, then IPv6 TCP SYN with the option list */
     B(0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 0x04, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0,
       0, IP6(40, 6), TCP(10, 0x02), SYNOPTS),
     0, 0, CS_OK, 0, 0, CS_L2_SLL2, CS_L3_IPV6, CS_L4_TCP, check_sll2},
    {"null.le.ipv4", CS_DLT_NULL,
     /* NULL, family 2 written little-endian, IPv4 TCP SYN */
     B(0x02, 0x00, 0x00, 0x00, IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_NULL,
     CS_L3_IPV4, CS_L4_TCP, check_null4},
    {"null.be.ipv6", CS_DLT_NULL,
     /* NULL, family 30 (macOS AF_INET6) written big-endian, IPv6 TCP SYN */
     B(0x00, 0x00, 0x00, 0x1e, IP6(40, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_NULL,
     CS_L3_IPV6, CS_L4_TCP, check_null6},
    {"loop.ipv4", CS_DLT_LOOP,
     /* LOOP, family 2 in network order */
     B(0x00, 0x00, 0x00, 0x02, IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_NULL,
     CS_L3_IPV4, CS_L4_TCP, check_null4},
    {"null.unknown_family", CS_DLT_NULL,
     /* NULL, family 7 (OSI): not decoded */
     B(0x07, 0x00, 0x00, 0x00, 0xfe, 0xfe), 0, 2, CS_OK, 0, 0, CS_L2_NULL, CS_L3_OTHER, CS_L4_NONE,
     NULL},
    {"ppp.ff03.ipv4", CS_DLT_PPP,
     /* PPP with address/control ff 03, protocol 0x0021 */
     B(0xff, 0x03, 0x00, 0x21, IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_PPP,
     CS_L3_IPV4, CS_L4_TCP, check_ppp4},
    {"ppp.ipv6", CS_DLT_PPP,
     /* PPP without address/control, protocol 0x0057 */
     B(0x00, 0x57, IP6(40, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_PPP, CS_L3_IPV6,
     CS_L4_TCP, check_ppp6},
    {"ppp.pfc.ipv4", CS_DLT_PPP,
     /* PPP with a compressed one-byte protocol 0x21 */
     B(0x21, IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_PPP, CS_L3_IPV4,
     CS_L4_TCP, check_ppp4},
    {"ppp_serial.ipv4", CS_DLT_PPP_SERIAL,
     /* PPP in HDLC-like framing: ff 03 00 21 */
     B(0xff, 0x03, 0x00, 0x21, IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_PPP,
     CS_L3_IPV4, CS_L4_TCP, check_ppp4},
    {"ppp_serial.chdlc", CS_DLT_PPP_SERIAL,
     /* Cisco HDLC: unicast address 0x0f, control 0, ethertype 0x0800 */
     B(0x0f, 0x00, 0x08, 0x00, IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_PPP,
     CS_L3_IPV4, CS_L4_TCP, check_syn},
    {"raw101.ipv4", CS_DLT_RAW,
     /* raw IP, version nibble 4 */
     B(IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP,
     check_syn},
    {"raw101.ipv6", CS_DLT_RAW,
     /* raw IP, version nibble 6 */
     B(IP6(40, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV6, CS_L4_TCP,
     check_ipv6_tcp},
    {"raw12.ipv4", CS_DLT_RAW_12, B(IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_syn},
    {"raw14.ipv6", CS_DLT_RAW_14, B(IP6(40, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV6, CS_L4_TCP, check_ipv6_tcp},
    {"ipv4lt.tcp", CS_DLT_IPV4, B(IP4(60, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_syn},
    {"ipv6lt.tcp", CS_DLT_IPV6, B(IP6(40, 6), TCP(10, 0x02), SYNOPTS), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV6, CS_L4_TCP, check_ipv6_tcp},
    {"raw101.version5", CS_DLT_RAW,
     /* raw IP whose version nibble is 5 */
     B(0x55, 0, 0, 20), 0, 0, CS_MALFORMED, 0, A(IPV4_VERSION), CS_L2_NONE, CS_L3_OTHER, CS_L4_NONE,
     check_raw_v5},
    {"linktype.unknown", 147,
     /* DLT_USER0: not decoded, shown raw */
     B(1, 2, 3, 4), 0, 4, CS_OK, 0, A(LINKTYPE_UNKNOWN), CS_L2_UNKNOWN, CS_L3_NONE, CS_L4_NONE,
     NULL},
    {"ipv4.options", CS_DLT_RAW,
     /* IHL 6: router alert option 94 04 00 00, then UDP with 2 payload bytes */
     B(0x46, 0x00, 0x00, 34, 0x12, 0x34, 0x00, 0x00, 1, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x94,
       0x04, 0x00, 0x00, UDP(10), 1, 2),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_UDP, check_ipopts},
    {"ipv4.options.nop_eol", CS_DLT_RAW,
     /* IHL 6: NOP NOP NOP EOL */
     B(0x46, 0x00, 0x00, 34, 0x12, 0x34, 0x00, 0x00, 1, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x01,
       0x01, 0x01, 0x00, UDP(10), 1, 2),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_UDP, check_ipopts},
    {"ipv4.options.bad_len", CS_DLT_RAW,
     /* IHL 6: option 7 (record route) with length 1: malformed, the UDP layer is still decoded */
     B(0x46, 0x00, 0x00, 34, 0x12, 0x34, 0x00, 0x00, 1, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x07,
       0x01, 0x00, 0x00, UDP(10), 1, 2),
     0, 0, CS_MALFORMED, 0, A(IPV4_OPT_LEN), CS_L2_NONE, CS_L3_IPV4, CS_L4_UDP, check_ipopts},
    {"ipv4.frag.first", CS_DLT_RAW,
     /* first fragment (MF, offset 0) of a UDP datagram of length 16: 2 of 8 payload bytes here */
     B(0x45, 0x00, 0x00, 30, 0x12, 0x34, 0x20, 0x00, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
       UDP(16), 1, 2),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_UDP, check_frag_first},
    {"ipv4.frag.later", CS_DLT_RAW,
     /* last fragment, offset 1 (8 bytes), 6 data bytes: no transport header */
     B(0x45, 0x00, 0x00, 26, 0x12, 0x34, 0x00, 0x01, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 3, 4,
       5, 6, 7, 8),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_NONE, check_frag_later},
    {"ipv4.hlen_short", CS_DLT_RAW,
     /* IHL 4 (< 5): malformed */
     B(0x44, 0x00, 0x00, 40, 0x12, 0x34, 0x40, 0x00, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
       TCP(5, 0x10)),
     0, 0, CS_MALFORMED, 0, A(IPV4_HLEN_SHORT), CS_L2_NONE, CS_L3_IPV4, CS_L4_NONE,
     check_hlen_short},
    {"ipv4.len_short", CS_DLT_RAW,
     /* total length 16 < header length 20 */
     B(IP4(16, 6), TCP(5, 0x10)), 0, 0, CS_MALFORMED, 0, A(IPV4_LEN_SHORT), CS_L2_NONE, CS_L3_IPV4,
     CS_L4_NONE, NULL},
    {"ipv4.len_beyond", CS_DLT_RAW,
     /* total length 256 but the frame on the wire has 40 bytes; TCP is decoded from what is
        there */
     B(IP4(256, 6), TCP(5, 0x10)), 0, 0, CS_MALFORMED, 0, A(IPV4_LEN_BEYOND), CS_L2_NONE,
     CS_L3_IPV4, CS_L4_TCP, NULL},
    {"ipv4.tso", CS_DLT_EN10MB,
     /* total length 0 with TCP inside (segmentation offload): the captured length is used */
     B(ETH(0x0800), IP4(0, 6), TCP(5, 0x18), 'A', 'B', 'C', 'D'), 0, 4, CS_OK, 0, A(IP_TSO),
     CS_L2_ETH, CS_L3_IPV4, CS_L4_TCP, check_tso},
    {"ipv6.ext_chain", CS_DLT_RAW,
     /* hop-by-hop (8 bytes: PadN) -> destination options (8 bytes) -> UDP */
     B(IP6(26, 0), 60, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0, UDP(10), 1, 2), 0, 0, CS_OK, 0,
     0, CS_L2_NONE, CS_L3_IPV6, CS_L4_UDP, check_v6ext},
    {"ipv6.frag.first", CS_DLT_RAW,
     /* fragment header (offset 0, M, id 0xdeadbeef) -> UDP */
     B(IP6(18, 44), 17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, UDP(10), 1, 2), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV6, CS_L4_UDP, check_v6frag_first},
    {"ipv6.frag.later", CS_DLT_RAW,
     /* fragment header (offset 2 units = 16 bytes, last, id 7), 4 data bytes */
     B(IP6(12, 44), 17, 0, 0x00, 0x10, 0, 0, 0, 7, 9, 9, 9, 9), 0, 0, CS_OK, 0, 0, CS_L2_NONE,
     CS_L3_IPV6, CS_L4_NONE, check_v6frag_later},
    {"ipv6.esp", CS_DLT_RAW,
     /* ESP (50): the walk stops, SPI and sequence are payload */
     B(IP6(8, 50), 0, 0, 1, 0, 0, 0, 0, 1), 0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV6, CS_L4_OTHER,
     check_esp},
    {"ipv6.ext_too_deep", CS_DLT_RAW,
     /* nine 8-byte destination-options headers: one more than CS_MAX_IPV6_EXT */
     B(IP6(72, 60), 60, 0, 1, 4, 0, 0, 0, 0, 60, 0, 1, 4, 0, 0, 0, 0, 60, 0, 1, 4, 0, 0, 0, 0, 60,
       0, 1, 4, 0, 0, 0, 0, 60, 0, 1, 4, 0, 0, 0, 0, 60, 0, 1, 4, 0, 0, 0, 0, 60, 0, 1, 4, 0, 0, 0,
       0, 60, 0, 1, 4, 0, 0, 0, 0, 59, 0, 1, 4, 0, 0, 0, 0),
     0, 0, CS_MALFORMED, 0, A(IPV6_EXT_DEPTH), CS_L2_NONE, CS_L3_IPV6, CS_L4_NONE, NULL},
    {"ipv6.ext_len", CS_DLT_RAW,
     /* a routing header claiming (2 + 1) * 8 = 24 bytes in an 8-byte payload */
     B(IP6(8, 43), 17, 2, 0, 0, 0, 0, 0, 0), 0, 0, CS_MALFORMED, 0, A(IPV6_EXT_LEN), CS_L2_NONE,
     CS_L3_IPV6, CS_L4_NONE, NULL},
    {"ipv6.len_beyond", CS_DLT_RAW,
     /* payload length 100, 10 bytes on the wire */
     B(IP6(100, 17), UDP(10), 1, 2), 0, 0, CS_MALFORMED, 0, A(IPV6_LEN_BEYOND), CS_L2_NONE,
     CS_L3_IPV6, CS_L4_UDP, NULL},
    {"ipv6.version", CS_DLT_IPV6,
     /* the IPV6 link type with a version-4 packet */
     B(IP4(40, 6), TCP(5, 0x10)), 0, 0, CS_MALFORMED, 0, A(IPV6_VERSION), CS_L2_NONE, CS_L3_IPV6,
     CS_L4_NONE, NULL},
    {"ipv4.version", CS_DLT_IPV4,
     /* the IPV4 link type with a version-6 packet */
     B(IP6(20, 6), TCP(5, 0x10)), 0, 0, CS_MALFORMED, 0, A(IPV4_VERSION), CS_L2_NONE, CS_L3_IPV4,
     CS_L4_NONE, NULL},
    {"tcp.hlen_short", CS_DLT_RAW,
     /* data offset 4 (< 5) */
     B(IP4(40, 6), TCP(4, 0x10)), 0, 0, CS_MALFORMED, 0, A(TCP_HLEN_SHORT), CS_L2_NONE, CS_L3_IPV4,
     CS_L4_TCP, NULL},
    {"tcp.hlen_beyond", CS_DLT_RAW,
     /* data offset 15 (60 bytes) in a 20-byte segment */
     B(IP4(40, 6), TCP(15, 0x10)), 0, 0, CS_MALFORMED, 0, A(TCP_HLEN_BEYOND), CS_L2_NONE,
     CS_L3_IPV4, CS_L4_TCP, NULL},
    {"tcp.opt.md5_uto_ao", CS_DLT_RAW,
     /* MD5 (18 bytes), UTO (4: 0x8010), AO (4: key 1, rnext 2), NOP, NOP, EOL + 3 pad = 32 */
     B(IP4(72, 6), TCP(13, 0x12), 19, 18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 28,
       4, 0x80, 0x10, 29, 4, 1, 2, 1, 1, 0, 0, 0, 0),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opts_md5},
    {"tcp.opt.mptcp_tfo", CS_DLT_RAW,
     /* MPTCP MP_CAPABLE v1 (12 bytes with the sender's key), TFO (kind 34) with an 8-byte
        cookie, sackOK: 24 option bytes */
     B(IP4(64, 6), TCP(11, 0x02), 30, 12, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8, 34, 10, 9, 9, 9, 9, 9,
       9, 9, 9, 4, 2),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opts_mptcp},
    {"tcp.opt.mptcp_dss", CS_DLT_RAW,
     /* DSS with a 4-byte DATA_ACK (8 bytes), subtype 15 (3 bytes), NOP: 12 option bytes */
     B(IP4(52, 6), TCP(8, 0x10), 30, 8, 0x20, 0x01, 0, 0, 0, 7, 30, 3, 0xf0, 1), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opts_mptcp_dss},
    {"tcp.opt.exp_tfo", CS_DLT_RAW,
     /* experimental 254 with magic 0xF989 and a 4-byte cookie, then a kind-34 cookie request,
        NOP, NOP: 12 option bytes */
     B(IP4(52, 6), TCP(8, 0x02), 254, 8, 0xf9, 0x89, 1, 2, 3, 4, 34, 2, 1, 1), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opts_exp},
    {"tcp.opt.exp_tfo_only", CS_DLT_RAW,
     /* experimental 254 with magic 0xF989 and a 4-byte cookie */
     B(IP4(48, 6), TCP(7, 0x02), 254, 8, 0xf9, 0x89, 1, 2, 3, 4), 0, 0, CS_OK, 0, 0, CS_L2_NONE,
     CS_L3_IPV4, CS_L4_TCP, check_exp_cookie},
    {"tcp.opt.sack", CS_DLT_RAW,
     /* NOP, NOP, SACK with two blocks 0x1000-0x2000 and 0x3000-0x4000: 20 option bytes */
     B(IP4(60, 6), TCP(10, 0x10), 1, 1, 5, 18, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0,
       0x40, 0),
     0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_sack},
    {"tcp.opt.len0", CS_DLT_RAW,
     /* MSS, then an option of kind 8 with length 0 */
     B(IP4(48, 6), TCP(7, 0x02), 2, 4, 5, 0xb4, 8, 0, 0, 0), 0, 0, CS_MALFORMED, 0, A(TCP_OPT_LEN),
     CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opt_len},
    {"tcp.opt.len1", CS_DLT_RAW,
     /* MSS, then an option of kind 8 with length 1 */
     B(IP4(48, 6), TCP(7, 0x02), 2, 4, 5, 0xb4, 8, 1, 0, 0), 0, 0, CS_MALFORMED, 0, A(TCP_OPT_LEN),
     CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opt_len},
    {"tcp.opt.past_header", CS_DLT_RAW,
     /* MSS, then timestamps claiming 10 bytes with 4 left in the header (and 10 in the frame) */
     B(IP4(54, 6), TCP(7, 0x02), 2, 4, 5, 0xb4, 8, 10, 0, 0, 1, 2, 3, 4, 5, 6), 0, 0, CS_MALFORMED,
     0, A(TCP_OPT_LEN), CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, NULL},
    {"tcp.opt.no_len_byte", CS_DLT_RAW,
     /* three NOPs, then kind 2 as the last header byte: no room for its length */
     B(IP4(44, 6), TCP(6, 0x02), 1, 1, 1, 2), 0, 0, CS_MALFORMED, 0, A(TCP_OPT_LEN), CS_L2_NONE,
     CS_L3_IPV4, CS_L4_TCP, NULL},
    {"tcp.opt.size", CS_DLT_RAW,
     /* MSS with length 3, then timestamps: 3 + 10 + 3 NOP = 16 option bytes */
     B(IP4(56, 6), TCP(9, 0x02), 2, 3, 5, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1), 0, 0,
     CS_MALFORMED, 0, A(TCP_OPT_SIZE), CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_opt_size},
    {"tcp.opt.sack_size", CS_DLT_RAW,
     /* SACK with length 12 (not 2 + 8n), NOP, NOP */
     B(IP4(56, 6), TCP(9, 0x10), 5, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 1, 1, 1), 0, 0,
     CS_MALFORMED, 0, A(TCP_OPT_SIZE), CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, NULL},
    {"tcp.snap.options", CS_DLT_RAW,
     /* the SYN cut by a 46-byte snapshot: 6 of the 20 option bytes captured */
     B(IP4(60, 6), TCP(10, 0x02), 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02), 60, 0, CS_TRUNCATED,
     CS_LAYER_TCP, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_TCP, check_trunc_syn},
    {"tcp.snap.payload", CS_DLT_RAW,
     /* PSH|ACK with 4 payload bytes of which the snapshot kept 1: the headers are whole, so not
        truncated; the payload cursor is shorter than payload_len */
     B(IP4(44, 6), TCP(5, 0x18), 'A'), 44, 0, CS_OK, CS_LAYER_NONE, 0, CS_L2_NONE, CS_L3_IPV4,
     CS_L4_TCP, check_snap_payload},
    {"udp.len_short", CS_DLT_RAW,
     /* UDP length 4 (< 8) */
     B(IP4(30, 17), UDP(4), 1, 2), 0, 0, CS_MALFORMED, 0, A(UDP_LEN_SHORT), CS_L2_NONE, CS_L3_IPV4,
     CS_L4_UDP, NULL},
    {"udp.len_beyond", CS_DLT_RAW,
     /* UDP length 100 in a 10-byte IP payload */
     B(IP4(30, 17), UDP(100), 1, 2), 0, 0, CS_MALFORMED, 0, A(UDP_LEN_BEYOND), CS_L2_NONE,
     CS_L3_IPV4, CS_L4_UDP, NULL},
    {"udp.padding", CS_DLT_EN10MB,
     /* UDP length 10 (2 payload bytes) while IPv4 says 32: 2 bytes after the datagram */
     B(ETH(0x0800), IP4(32, 17), UDP(10), 0xca, 0xfe, 0, 0), 0, 2, CS_OK, 0, 0, CS_L2_ETH,
     CS_L3_IPV4, CS_L4_UDP, check_udp_payload2},
    {"icmp.echo", CS_DLT_RAW,
     /* ICMP echo request id 7 seq 1 with 4 data bytes */
     B(IP4(32, 1), 8, 0, 0, 0, 0, 7, 0, 1, 1, 2, 3, 4), 0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4,
     CS_L4_ICMP, check_echo},
    {"icmp.unreach", CS_DLT_RAW,
     /* port unreachable quoting the IPv4 header and the first 8 bytes of a UDP datagram */
     B(IP4(56, 1), 3, 3, 0, 0, 0, 0, 0, 0, IP4(30, 17), UDP(10)), 0, 0, CS_OK, 0, 0, CS_L2_NONE,
     CS_L3_IPV4, CS_L4_ICMP, check_unreach},
    {"icmp6.echo", CS_DLT_RAW,
     /* ICMPv6 echo request id 0x1234 seq 9 */
     B(IP6(8, 58), 128, 0, 0, 0, 0x12, 0x34, 0, 9), 0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV6,
     CS_L4_ICMP6, check_echo6},
    {"icmp6.unreach", CS_DLT_RAW,
     /* ICMPv6 port unreachable quoting an IPv6 TCP header */
     B(IP6(68, 58), 1, 4, 0, 0, 0, 0, 0, 0, IP6(20, 6), TCP(5, 0x02)), 0, 0, CS_OK, 0, 0,
     CS_L2_NONE, CS_L3_IPV6, CS_L4_ICMP6, check_unreach6},
    {"ipv4.other_proto", CS_DLT_RAW,
     /* protocol 47 (GRE), not decoded: the IP payload is the payload */
     B(IP4(24, 47), 0, 0, 0x08, 0x00), 0, 0, CS_OK, 0, 0, CS_L2_NONE, CS_L3_IPV4, CS_L4_OTHER,
     NULL},
};

enum { NVEC = sizeof vecs / sizeof vecs[0] };

static void
decode_bytes(const struct vec *v, const uint8_t *b, uint32_t caplen, struct cs_packet *p)
{
    struct cs_frame f = {1, 0, 6, caplen, v->wire ? v->wire : (uint32_t)v->n, v->linktype, 0, b};
    cs_decode_frame(&f, p);
}

/* Every field a consumer may index or loop on stays in its domain, whatever the input. */
static void
check_domain(const struct cs_packet *p, const uint8_t *b, size_t n)
{
    assert_in_range(p->status, CS_OK, CS_MALFORMED);
    assert_in_range(p->trunc_layer, CS_LAYER_NONE, CS_LAYER_ARP);
    if (p->status == CS_OK)
        assert_int_equal(p->trunc_layer, CS_LAYER_NONE);
    if (p->status == CS_TRUNCATED)
        assert_int_not_equal(p->trunc_layer, CS_LAYER_NONE);
    assert_true(p->anomalies < (UINT64_C(1) << CS_ANOM__COUNT));
    for (int a = 0; a < CS_ANOM__COUNT; a++)
        assert_non_null(cs_anomaly_name((enum cs_anomaly)a));
    assert_in_range(p->l2.kind, CS_L2_NONE, CS_L2_UNKNOWN);
    assert_in_range(p->l3, CS_L3_NONE, CS_L3_OTHER);
    assert_in_range(p->l4, CS_L4_NONE, CS_L4_OTHER);
    assert_in_range(p->l2.n_vlan, 0, CS_MAX_VLAN);
    assert_in_range(p->l2.sll_addr_len, 0, 8);
    assert_in_range(p->ip.n_ext, 0, CS_MAX_IPV6_EXT);
    assert_true(p->ip.src.family == 0 || p->ip.src.family == 4 || p->ip.src.family == 6);
    assert_true(p->ip.dst.family == 0 || p->ip.dst.family == 4 || p->ip.dst.family == 6);
    if (p->l4 != CS_L4_NONE)
        assert_true(p->l3 == CS_L3_IPV4 || p->l3 == CS_L3_IPV6);
    if (p->l4 == CS_L4_TCP) {
        const struct cs_tcp *t = &p->t.tcp;
        assert_in_range(t->opt_raw_len, 0, 40);
        assert_in_range(t->n_opts, 0, CS_MAX_TCP_OPTS);
        for (int i = 0; i < t->n_opts; i++)
            assert_true((unsigned)t->opts[i].off + t->opts[i].len <= t->opt_raw_len);
        assert_in_range(t->n_sack, 0, CS_MAX_SACK);
        assert_in_range(t->tfo_cookie_len, 0, 16);
        assert_true(t->flags <= 0xfff);
        assert_true(t->hlen % 4 == 0);
    }
    /* The payload lies inside the frame and within what the headers claim. */
    size_t pn;
    const uint8_t *pd = cs_cursor_span(&p->payload, &pn);
    assert_true(pn <= p->payload_len);
    if (pn > 0) {
        assert_true((uintptr_t)pd >= (uintptr_t)b);
        assert_true((uintptr_t)pd + pn <= (uintptr_t)b + n);
    }
}

/* Decodes the vector as given and checks what it expects; the input is not written to. */
static void
test_vector(void **state)
{
    const struct vec *v = *state;
    uint8_t *b = malloc(v->n);
    assert_non_null(b);
    memcpy(b, v->b, v->n);
    struct cs_packet p;
    decode_bytes(v, b, (uint32_t)v->n, &p);
    assert_memory_equal(b, v->b, v->n);
    assert_int_equal(p.status, v->status);
    assert_int_equal(p.trunc_layer, v->trunc);
    assert_int_equal(p.anomalies, v->anom);
    assert_int_equal(p.l2.kind, v->l2);
    assert_int_equal(p.l3, v->l3);
    assert_int_equal(p.l4, v->l4);
    check_domain(&p, b, v->n);
    if (v->check)
        v->check(&p);
    free(b);
}

/* Every prefix of a complete vector, in a buffer of exactly that size (ASan sees any read past
 * it), is truncated, or complete when the cut only removed unclaimed padding or payload bytes,
 * and agrees with the full decode on what it did decode. */
static void
test_prefixes(void **state)
{
    const struct vec *v = *state;
    struct cs_packet full, p;
    decode_bytes(v, v->b, (uint32_t)v->n, &full);
    for (size_t k = 0; k < v->n; k++) {
        uint8_t *b = malloc(k ? k : 1);
        assert_non_null(b);
        memcpy(b, v->b, k);
        decode_bytes(v, b, (uint32_t)k, &p);
        check_domain(&p, b, k);
        assert_memory_equal(b, v->b, k);
        if (v->status == CS_OK) {
            /* complete only when the headers were all there: the same layers and lengths, and
               just fewer payload bytes */
            int payload_cut = p.l3 == full.l3 && p.l4 == full.l4 &&
                              p.payload_len == full.payload_len &&
                              cs_cursor_remaining(&p.payload) < cs_cursor_remaining(&full.payload);
            if ((k + v->pad >= v->n && v->pad > 0) || payload_cut)
                assert_true(p.status == CS_OK || p.status == CS_TRUNCATED);
            else
                assert_int_equal(p.status, CS_TRUNCATED);
            assert_int_equal(p.anomalies & ~full.anomalies, 0);
        }
        assert_int_equal(p.l2.kind, full.l2.kind);
        if (p.l3 != CS_L3_NONE)
            assert_int_equal(p.l3, full.l3);
        if (p.l4 != CS_L4_NONE)
            assert_int_equal(p.l4, full.l4);
        if (p.ip.src.family)
            assert_memory_equal(&p.ip.src, &full.ip.src, sizeof p.ip.src);
        if (p.ip.dst.family)
            assert_memory_equal(&p.ip.dst, &full.ip.dst, sizeof p.ip.dst);
        free(b);
    }
}

/* Overwrites each byte with 0x00 and 0xff and flips each of its bits: never a crash, never a
 * field out of its domain, never a write to the input. */
static void
test_corruption(void **state)
{
    const struct vec *v = *state;
    uint8_t *b = malloc(v->n);
    uint8_t *ref = malloc(v->n);
    assert_non_null(b);
    assert_non_null(ref);
    for (size_t i = 0; i < v->n; i++) {
        for (int m = 0; m < 10; m++) {
            memcpy(b, v->b, v->n);
            b[i] = m == 8 ? 0x00 : m == 9 ? 0xff : (uint8_t)(b[i] ^ (1u << m));
            memcpy(ref, b, v->n);
            struct cs_packet p;
            decode_bytes(v, b, (uint32_t)v->n, &p);
            check_domain(&p, b, v->n);
            assert_memory_equal(b, ref, v->n);
        }
    }
    free(b);
    free(ref);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(cs_anomaly_name(CS_ANOM_TCP_OPT_LEN), "tcp.opt_len_invalid");
    assert_string_equal(cs_anomaly_name(CS_ANOM_IPV4_HLEN_SHORT), "ipv4.hlen_short");
    assert_string_equal(cs_anomaly_name(CS_ANOM_IP_TSO), "ipv4.len_zero_tso");
    assert_null(cs_anomaly_name(CS_ANOM__COUNT));
    assert_true(cs_linktype_known(CS_DLT_EN10MB));
    assert_true(cs_linktype_known(CS_DLT_LINUX_SLL2));
    assert_false(cs_linktype_known(147));
    assert_string_equal(cs_linktype_name(CS_DLT_LINUX_SLL), "LINUX_SLL");
    assert_string_equal(cs_linktype_name(CS_DLT_NULL), "NULL");
    assert_null(cs_linktype_name(147));
}

/* An empty frame of each known link type is truncated at the link layer (or IP for raw types)
 * when the wire had bytes, and never reads anything. */
static void
test_empty(void **state)
{
    (void)state;
    static const uint32_t types[] = {0, 1, 9, 12, 14, 50, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct cs_frame f = {1, 0, 6, 0, 60, types[i], 0, NULL};
        struct cs_packet p;
        cs_decode_frame(&f, &p);
        assert_int_equal(p.status, CS_TRUNCATED);
        assert_int_equal(p.l4, CS_L4_NONE);
    }
}

int
main(void)
{
    static struct CMUnitTest tests[3 * NVEC + 2];
    static char names[3 * NVEC][96];
    size_t n = 0;
    static const struct {
        const char *suffix;
        CMUnitTestFunction fn;
    } kinds[] = {{"", test_vector}, {"/prefixes", test_prefixes}, {"/corruption", test_corruption}};
    for (size_t i = 0; i < NVEC; i++) {
        for (size_t k = 0; k < 3; k++) {
            snprintf(names[n], sizeof names[n], "%s%s", vecs[i].name, kinds[k].suffix);
            tests[n] =
                (struct CMUnitTest){names[n], kinds[k].fn, NULL, NULL, (void *)(uintptr_t)&vecs[i]};
            n++;
        }
    }
    tests[n++] = (struct CMUnitTest){"names", test_names, NULL, NULL, NULL};
    tests[n++] = (struct CMUnitTest){"empty", test_empty, NULL, NULL, NULL};
    return _cmocka_run_group_tests("decode", tests, n, NULL, NULL);
}

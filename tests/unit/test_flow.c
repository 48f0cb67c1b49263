/* test_flow.c: flow table, client rule, connection numbering, relative seq/ack, window scale,
 * eviction and seed independence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/flow.h"
#include "flow_fixture.h"

/* cs_flow_siphash is internal to src/flow; its declaration is repeated here. */
uint64_t cs_flow_siphash(const uint64_t k[2], const uint8_t *data, size_t n, int c_rounds,
                         int d_rounds);

/* ---- helpers ---- */

static struct cs_flowtab *
table(uint32_t capacity, int64_t idle_ns, int64_t linger_ns, uint64_t seed)
{
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    if (capacity)
        cfg.capacity = capacity;
    if (idle_ns)
        cfg.idle_timeout_ns = cfg.udp_idle_timeout_ns = idle_ns;
    if (linger_ns)
        cfg.closed_linger_ns = linger_ns;
    if (seed) {
        cfg.seed[0] = seed;
        cfg.seed[1] = seed * 0x9e3779b97f4a7c15ULL;
    }
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    assert_non_null(t);
    return t;
}

/* One TCP packet of a table-driven sequence: host/port pairs, flags, raw seq/ack, window. */
struct tpk {
    uint8_t src;
    uint16_t sport;
    uint8_t dst;
    uint16_t dport;
    uint16_t flags;
    uint32_t seq, ack;
    uint16_t win;
    uint32_t len;
    int ws; /* -1: no window-scale option; else the shift carried */
};

static void
track_tpk(struct cs_flowtab *t, const struct tpk *k, uint64_t ordinal, struct cs_flow_view *v)
{
    static const uint8_t zeros[64];
    struct fx x;
    fx_tcp(&x, 0, k->src, k->sport, k->dst, k->dport, k->flags, k->seq, k->ack, k->win, zeros,
           k->len, k->len < sizeof(zeros) ? k->len : sizeof(zeros), (int64_t)ordinal * MS, ordinal);
    if (k->ws >= 0)
        fx_tcp_ws(&x, 1, (uint8_t)k->ws);
    cs_flowtab_track(t, &x.pkt, v);
}

/* ---- SipHash ---- */

/* The paper's appendix A: key 00..0f; message 00..0e (15 bytes) -> a129ca6149be45e5. The empty
 * message gives 726fdb47dd0e0e31 (the first line of the reference vectors). */
static void
test_siphash_vectors(void **state)
{
    (void)state;
    const uint64_t k[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    uint8_t m[15];
    for (int i = 0; i < 15; i++)
        m[i] = (uint8_t)i;
    assert_true(cs_flow_siphash(k, m, 15, 2, 4) == 0xa129ca6149be45e5ULL);
    assert_true(cs_flow_siphash(k, m, 0, 2, 4) == 0x726fdb47dd0e0e31ULL);
    /* 1-3 differs from 2-4 and from another key. */
    const uint64_t k2[2] = {1, 2};
    assert_true(cs_flow_siphash(k, m, 15, 1, 3) != cs_flow_siphash(k, m, 15, 2, 4));
    assert_true(cs_flow_siphash(k, m, 15, 1, 3) != cs_flow_siphash(k2, m, 15, 1, 3));
}

/* ---- sizes ---- */

static void
test_entry_size(void **state)
{
    (void)state;
    assert_true(cs_flowtab_entry_size() <= 1024);
    assert_true(cs_flowtab_entry_size() >= sizeof(struct cs_flow));
}

/* ---- the client rule ---- */

struct client_vec {
    const char *name;
    int udp;
    struct tpk first; /* the packet that creates the flow */
    uint8_t cli;      /* expected client host */
    uint16_t cport;   /* expected client port */
    uint8_t known;    /* expected client_known */
    uint8_t dir;      /* expected dir of the first packet */
};

static const struct client_vec client_vecs[] = {
    /* SYN 10.0.0.1:40000 > 10.0.0.2:80: the SYN sender is the client. */
    {"syn sender", 0, {1, 40000, 2, 80, S, 100, 0, 1000, 0, -1}, 1, 40000, 1, 0},
    /* SYN to a high port from port 80 (active FTP data): still the SYN sender. */
    {"syn sender beats ports", 0, {2, 20, 1, 40000, S, 100, 0, 1000, 0, -1}, 2, 20, 1, 0},
    /* SYN-ACK 10.0.0.2:80 > 10.0.0.1:40000 seen first: its receiver is the client. */
    {"syn-ack receiver", 0, {2, 80, 1, 40000, SA, 500, 101, 1000, 0, -1}, 1, 40000, 1, 1},
    /* Data 10.0.0.2:5064 > 10.0.0.1:40000 mid-stream: 5064 is a service port, so the other
     * side (the receiver) is the guessed client. */
    {"service port src", 0, {2, 5064, 1, 40000, PA, 500, 101, 1000, 16, -1}, 1, 40000, 0, 1},
    /* Data 10.0.0.1:40000 > 10.0.0.2:443: the sender is the guessed client. */
    {"service port dst", 0, {1, 40000, 2, 443, PA, 100, 500, 1000, 16, -1}, 1, 40000, 0, 0},
    /* Both ports ephemeral: the first packet's source. */
    {"first source", 0, {2, 50000, 1, 40000, A, 100, 500, 1000, 0, -1}, 2, 50000, 0, 0},
    /* Both ports service ports (80 > 443): the first packet's source. */
    {"both service", 0, {2, 80, 1, 443, A, 100, 500, 1000, 0, -1}, 2, 80, 0, 0},
    /* UDP reply 10.0.0.2:53 > 10.0.0.1:33333 seen first: the client is 10.0.0.1. */
    {"udp service src", 1, {2, 53, 1, 33333, 0, 0, 0, 0, 0, -1}, 1, 33333, 0, 1},
    /* UDP CA search 10.0.0.1:40000 > 10.0.0.2:5064. */
    {"udp ca search", 1, {1, 40000, 2, 5064, 0, 0, 0, 0, 0, -1}, 1, 40000, 0, 0},
};

static void
test_client_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(client_vecs) / sizeof(client_vecs[0]); i++) {
        const struct client_vec *cv = &client_vecs[i];
        struct cs_flowtab *t = table(0, 0, 0, 0);
        struct cs_flow_view v;
        if (cv->udp) {
            struct fx x;
            fx_udp(&x, 0, cv->first.src, cv->first.sport, cv->first.dst, cv->first.dport, MS, 1);
            cs_flowtab_track(t, &x.pkt, &v);
        } else {
            track_tpk(t, &cv->first, 1, &v);
        }
        assert_non_null(v.flow);
        assert_int_equal(v.new_flow, 1);
        struct cs_addr cli = fx_host(0, cv->cli);
        if (memcmp(&v.flow->cli, &cli, sizeof(cli)) || v.flow->cport != cv->cport ||
            v.client_known != cv->known || v.flow->client_known != cv->known || v.dir != cv->dir)
            fail_msg("%s: client %u:%u known %u dir %u", cv->name, v.flow->cli.a[3], v.flow->cport,
                     v.client_known, v.dir);
        assert_int_equal(v.conn, cv->udp ? -1 : 0);
        /* The reverse direction maps to the same flow with the other dir. */
        struct tpk rev = cv->first;
        rev.src = cv->first.dst;
        rev.dst = cv->first.src;
        rev.sport = cv->first.dport;
        rev.dport = cv->first.sport;
        rev.flags = A;
        struct cs_flow_view v2;
        if (cv->udp) {
            struct fx x;
            fx_udp(&x, 0, rev.src, rev.sport, rev.dst, rev.dport, 2 * MS, 2);
            cs_flowtab_track(t, &x.pkt, &v2);
        } else {
            track_tpk(t, &rev, 2, &v2);
        }
        assert_ptr_equal(v2.flow, v.flow);
        assert_int_equal(v2.new_flow, 0);
        assert_int_equal(v2.dir, !cv->dir);
        cs_flowtab_free(t);
    }
}

/* A guessed client confirmed later by a reordered SYN: data 10.0.0.1:40000 > 10.0.0.2:50000
 * seq 1001 (base guessed 1000), then the SYN seq 1000: same connection, now known. */
static void
test_client_confirmed_by_late_syn(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(0, 0, 0, 0);
    struct cs_flow_view v;
    track_tpk(t, &(struct tpk){1, 40000, 2, 50000, PA, 1001, 0, 1000, 10, -1}, 1, &v);
    assert_int_equal(v.client_known, 0);
    assert_int_equal(v.rel_seq, 1);
    track_tpk(t, &(struct tpk){1, 40000, 2, 50000, S, 1000, 0, 1000, 0, -1}, 2, &v);
    assert_int_equal(v.new_flow, 0);
    assert_int_equal(v.conn, 0);
    assert_int_equal(v.client_known, 1);
    assert_int_equal(v.rel_seq, 0);
    assert_int_equal(v.flow->tcp[0].isn_known, 1);
    cs_flowtab_free(t);
}

/* ---- connection numbering and port reuse ---- */

struct evlog {
    uint64_t first_ordinal[64];
    int64_t conn[64];
    enum cs_evict_reason why[64];
    size_t n;
};

static void
on_evict(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    struct evlog *l = ctx;
    assert_true(l->n < 64);
    l->first_ordinal[l->n] = fl->first_ordinal;
    l->conn[l->n] = fl->conn;
    l->why[l->n] = why;
    l->n++;
}

struct conn_step {
    struct tpk p;
    int64_t conn; /* expected conn */
    uint8_t new_flow;
};

/* A = 10.0.0.1:1000, B = 10.0.0.2:80. */
static const struct conn_step conn_steps[] = {
    /* conn 0: handshake (client ISN 100, server ISN 900), FIN both ways, last ACK */
    {{1, 1000, 2, 80, S, 100, 0, 1000, 0, -1}, 0, 1},
    {{2, 80, 1, 1000, SA, 900, 101, 1000, 0, -1}, 0, 0},
    {{1, 1000, 2, 80, A, 101, 901, 1000, 0, -1}, 0, 0},
    {{1, 1000, 2, 80, FA, 101, 901, 1000, 0, -1}, 0, 0},
    {{2, 80, 1, 1000, FA, 901, 102, 1000, 0, -1}, 0, 0},
    {{1, 1000, 2, 80, A, 102, 902, 1000, 0, -1}, 0, 0},
    /* another connection from port 1001: conn 1 */
    {{1, 1001, 2, 80, S, 7000, 0, 1000, 0, -1}, 1, 1},
    /* same 4-tuple as conn 0, new ISN 5000, old one closed: port reuse, conn 2 */
    {{1, 1000, 2, 80, S, 5000, 0, 1000, 0, -1}, 2, 1},
    /* retransmitted SYN, same ISN: same connection */
    {{1, 1000, 2, 80, S, 5000, 0, 1000, 0, -1}, 2, 0},
    {{2, 80, 1, 1000, SA, 3000, 5001, 1000, 0, -1}, 2, 0},
    {{1, 1000, 2, 80, A, 5001, 3001, 1000, 0, -1}, 2, 0},
    /* open connection, a SYN with another ISN than its SYN's (5000), even inside the window:
     * a new connection (tshark's rule; the issue: "a new SYN with a different ISN"), conn 3 */
    {{1, 1000, 2, 80, S, 5011, 0, 1000, 0, -1}, 3, 1},
    /* open connection, SYN far outside the window: a new connection, conn 4 */
    {{1, 1000, 2, 80, S, 0x80000000u, 0, 1000, 0, -1}, 4, 1},
    /* a SYN-ACK with a new ISN is not a reuse by itself */
    {{2, 80, 1, 1000, SA, 12345, 0x80000001u, 1000, 0, -1}, 4, 0},
};

static void
test_conn_numbering_and_reuse(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(0, 0, 100 * SEC, 0);
    struct evlog log = {0};
    cs_flowtab_on_evict(t, on_evict, &log);
    /* A UDP flow in the middle is not numbered. */
    for (size_t i = 0; i < sizeof(conn_steps) / sizeof(conn_steps[0]); i++) {
        struct cs_flow_view v;
        track_tpk(t, &conn_steps[i].p, i + 1, &v);
        if (v.conn != conn_steps[i].conn || v.new_flow != conn_steps[i].new_flow)
            fail_msg("step %zu: conn %lld new %u", i, (long long)v.conn, v.new_flow);
        if (i == 6) {
            struct fx x;
            fx_udp(&x, 0, 1, 5000, 2, 53, 7 * MS, 100);
            cs_flowtab_track(t, &x.pkt, &v);
            assert_int_equal(v.conn, -1);
            assert_int_equal(v.new_flow, 1);
        }
    }
    assert_int_equal(log.n, 3);
    assert_int_equal(log.conn[0], 0);
    assert_int_equal(log.why[0], CS_EVICT_REUSE);
    assert_int_equal(log.conn[1], 2);
    assert_int_equal(log.why[1], CS_EVICT_REUSE);
    assert_int_equal(log.conn[2], 3);
    assert_int_equal(log.why[2], CS_EVICT_REUSE);
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    assert_int_equal(st.tcp_conns, 5);
    assert_int_equal(st.flows, 6);
    assert_int_equal(st.active, 3);
    assert_int_equal(st.evicted_reuse, 3);
    cs_flowtab_flush(t);
    /* end of run: first-seen order: conn 1 (ordinal 7), the UDP flow (100), conn 4 (13) */
    assert_int_equal(log.n, 6);
    assert_int_equal(log.conn[3], 1);
    assert_int_equal(log.conn[4], -1);
    assert_int_equal(log.conn[5], 4);
    for (size_t i = 3; i < 6; i++)
        assert_int_equal(log.why[i], CS_EVICT_END);
    cs_flowtab_free(t);
}

/* ---- relative sequence numbers ---- */

struct rel_step {
    struct tpk p;
    uint32_t rel_seq, rel_ack;
};

/* Client 10.0.0.1:40000 ISN 0xfffffff0 (wraps after 16 bytes), server 10.0.0.2:80 ISN
 * 0x7fffffff. */
static const struct rel_step rel_wrap[] = {
    {{1, 40000, 2, 80, S, 0xfffffff0u, 0, 1000, 0, -1}, 0, 0},
    {{2, 80, 1, 40000, SA, 0x7fffffffu, 0xfffffff1u, 1000, 0, -1}, 0, 1},
    {{1, 40000, 2, 80, A, 0xfffffff1u, 0x80000000u, 1000, 0, -1}, 1, 1},
    /* 20 bytes from rel 1: seq space 0xfffffff1..0x00000004 */
    {{1, 40000, 2, 80, PA, 0xfffffff1u, 0x80000000u, 1000, 20, -1}, 1, 1},
    /* the next 20 from 0x00000005 = rel 21 */
    {{1, 40000, 2, 80, PA, 0x00000005u, 0x80000000u, 1000, 20, -1}, 21, 1},
    /* server acknowledges 40 bytes: ack 0x00000019 = rel 41; sends 10 bytes crossing 2^31 */
    {{2, 80, 1, 40000, PA, 0x80000000u, 0x00000019u, 1000, 10, -1}, 1, 41},
    {{1, 40000, 2, 80, FA, 0x00000019u, 0x8000000au, 1000, 0, -1}, 41, 11},
};

/* A capture starting mid-stream (tshark: first seq shown as 1, the ack as 1 too). */
static const struct rel_step rel_mid[] = {
    {{1, 40000, 2, 80, PA, 1000, 5000, 1000, 5, -1}, 1, 1},
    {{2, 80, 1, 40000, A, 5000, 1005, 1000, 0, -1}, 1, 6},
    {{2, 80, 1, 40000, PA, 5000, 1005, 1000, 6, -1}, 1, 6},
    {{1, 40000, 2, 80, A, 1005, 5006, 1000, 0, -1}, 6, 7},
};

/* A SYN-ACK first: the client's base comes from its ack (ack - 1), which is exactly its ISN. */
static const struct rel_step rel_synack_first[] = {
    {{2, 80, 1, 40000, SA, 3000, 101, 1000, 0, -1}, 0, 1},
    {{1, 40000, 2, 80, A, 101, 3001, 1000, 0, -1}, 1, 1},
    /* RST without ACK: rel_ack reads 0 */
    {{1, 40000, 2, 80, R, 101, 0, 0, 0, -1}, 1, 0},
};

static void
run_rel(const struct rel_step *steps, size_t n, const char *name)
{
    struct cs_flowtab *t = table(0, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        struct cs_flow_view v;
        track_tpk(t, &steps[i].p, i + 1, &v);
        assert_int_equal(v.rel_ok, 1);
        if (v.rel_seq != steps[i].rel_seq || v.rel_ack != steps[i].rel_ack)
            fail_msg("%s step %zu: seq %u ack %u, want %u %u", name, i, v.rel_seq, v.rel_ack,
                     steps[i].rel_seq, steps[i].rel_ack);
    }
    cs_flowtab_free(t);
}

static void
test_relative_numbers(void **state)
{
    (void)state;
    run_rel(rel_wrap, sizeof(rel_wrap) / sizeof(rel_wrap[0]), "wrap");
    run_rel(rel_mid, sizeof(rel_mid) / sizeof(rel_mid[0]), "mid");
    run_rel(rel_synack_first, sizeof(rel_synack_first) / sizeof(rel_synack_first[0]), "synack");
}

/* The per-direction state after the wraparound handshake. */
static void
test_tcpdir_state(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(0, 0, 0, 0);
    struct cs_flow_view v;
    struct fx x;
    fx_tcp(&x, 0, 1, 40000, 2, 80, S, 0xfffffff0u, 0, 64240, NULL, 0, 0, MS, 1);
    x.pkt.t.tcp.has_mss = 1;
    x.pkt.t.tcp.mss = 1460;
    x.pkt.t.tcp.sack_ok = 1;
    x.pkt.t.tcp.has_ts = 1;
    fx_tcp_ws(&x, 1, 7);
    cs_flowtab_track(t, &x.pkt, &v);
    for (size_t i = 1; i < sizeof(rel_wrap) / sizeof(rel_wrap[0]); i++)
        track_tpk(t, &rel_wrap[i].p, i + 1, &v);
    const struct cs_tcpdir *c = &v.flow->tcp[0], *s = &v.flow->tcp[1];
    assert_int_equal(c->isn, 0xfffffff0u);
    assert_int_equal(c->isn_known, 1);
    assert_int_equal(c->mss, 1460);
    assert_int_equal(c->sack_ok, 1);
    assert_int_equal(c->ts_ok, 1);
    assert_int_equal(c->ws_offered, 1);
    assert_int_equal(c->ws, 7);
    assert_int_equal(c->fin, 1);
    assert_int_equal(c->next_seq, 0x0000001au); /* 40 bytes, SYN and FIN */
    assert_int_equal(c->last_ack, 0x8000000au);
    assert_int_equal(s->isn, 0x7fffffffu);
    assert_int_equal(s->next_seq, 0x8000000au);
    assert_int_equal(s->ws_offered, 0);
    assert_int_equal(v.flow->pkts[0], 5);
    assert_int_equal(v.flow->pkts[1], 2);
    cs_flowtab_free(t);
}

/* ---- window scale ---- */

struct ws_vec {
    const char *name;
    int ws_syn, ws_synack;                          /* -1: option absent */
    uint32_t syn_win, synack_win, cli_win, srv_win; /* expected views */
    uint8_t scaled;
};

/* Every packet carries the raw window 100. */
static const struct ws_vec ws_vecs[] = {
    {"both", 7, 8, 100, 100, 100 << 7, 100 << 8, 1},
    {"syn only", 7, -1, 100, 100, 100, 100, 0},
    {"syn-ack only", -1, 8, 100, 100, 100, 100, 0},
    {"none", -1, -1, 100, 100, 100, 100, 0},
    {"zero shift", 0, 0, 100, 100, 100, 100, 1},
    {"shift 15 taken as 14", 15, 2, 100, 100, 100 << 14, 100 << 2, 1},
};

static void
test_window_scale(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ws_vecs) / sizeof(ws_vecs[0]); i++) {
        const struct ws_vec *w = &ws_vecs[i];
        struct cs_flowtab *t = table(0, 0, 0, 0);
        struct cs_flow_view v[4];
        track_tpk(t, &(struct tpk){1, 40000, 2, 80, S, 10, 0, 100, 0, w->ws_syn}, 1, &v[0]);
        track_tpk(t, &(struct tpk){2, 80, 1, 40000, SA, 90, 11, 100, 0, w->ws_synack}, 2, &v[1]);
        track_tpk(t, &(struct tpk){1, 40000, 2, 80, A, 11, 91, 100, 0, -1}, 3, &v[2]);
        track_tpk(t, &(struct tpk){2, 80, 1, 40000, A, 91, 11, 100, 0, -1}, 4, &v[3]);
        if (v[0].win != w->syn_win || v[1].win != w->synack_win || v[2].win != w->cli_win ||
            v[3].win != w->srv_win || v[0].win_scaled || v[1].win_scaled ||
            v[2].win_scaled != w->scaled || v[3].win_scaled != w->scaled)
            fail_msg("%s: %u %u %u %u scaled %u", w->name, v[0].win, v[1].win, v[2].win, v[3].win,
                     v[2].win_scaled);
        cs_flowtab_free(t);
    }
    /* Mid-stream: no SYN seen, raw and unscaled. */
    struct cs_flowtab *t = table(0, 0, 0, 0);
    struct cs_flow_view v;
    track_tpk(t, &(struct tpk){1, 40000, 2, 80, A, 11, 91, 100, 0, -1}, 1, &v);
    assert_int_equal(v.win, 100);
    assert_int_equal(v.win_scaled, 0);
    cs_flowtab_free(t);
}

/* ---- eviction ---- */

static void
udp_at(struct cs_flowtab *t, uint16_t sport, int64_t ts, uint64_t ordinal, struct cs_flow_view *v)
{
    struct fx x;
    fx_udp(&x, 0, 1, sport, 2, 53, ts, ordinal);
    cs_flowtab_track(t, &x.pkt, v);
}

/* Capacity 4, idle timeout 100 s, closed linger 1 s. UDP flows U<port> 10.0.0.1:<port> >
 * 10.0.0.2:53 and one TCP flow T 10.0.0.1:40000 > 10.0.0.2:80. */
static void
test_eviction_pressure(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(4, 100 * SEC, 1 * SEC, 0);
    struct evlog log = {0};
    cs_flowtab_on_evict(t, on_evict, &log);
    struct cs_flow_view v;
    udp_at(t, 1, 1 * SEC, 1, &v); /* U1 */
    udp_at(t, 2, 2 * SEC, 2, &v); /* U2 */
    udp_at(t, 3, 3 * SEC, 3, &v); /* U3 */
    struct fx x;
    fx_tcp(&x, 0, 1, 40000, 2, 80, S, 10, 0, 100, NULL, 0, 0, 4 * SEC, 4); /* T */
    cs_flowtab_track(t, &x.pkt, &v);
    udp_at(t, 1, 5 * SEC, 5, &v); /* U1 again: U2 is now the least recently active */
    assert_int_equal(v.new_flow, 0);
    assert_int_equal(log.n, 0);
    udp_at(t, 5, 6 * SEC, 6, &v); /* full: U2 goes (pressure) */
    assert_int_equal(log.n, 1);
    assert_int_equal(log.first_ordinal[0], 2);
    assert_int_equal(log.why[0], CS_EVICT_PRESSURE);
    /* T closes at 7.5 s */
    fx_tcp(&x, 0, 1, 40000, 2, 80, FA, 11, 0, 100, NULL, 0, 0, 7 * SEC, 7);
    cs_flowtab_track(t, &x.pkt, &v);
    fx_tcp(&x, 0, 2, 80, 1, 40000, FA, 50, 12, 100, NULL, 0, 0, 7 * SEC + 500 * MS, 8);
    cs_flowtab_track(t, &x.pkt, &v);
    /* 8 s: T has not lingered 1 s yet, so U3 goes (pressure) */
    udp_at(t, 6, 8 * SEC, 9, &v);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.first_ordinal[1], 3);
    assert_int_equal(log.why[1], CS_EVICT_PRESSURE);
    /* 9 s: T has lingered: retired before U7 needs room */
    udp_at(t, 7, 9 * SEC, 10, &v);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.first_ordinal[2], 4);
    assert_int_equal(log.why[2], CS_EVICT_CLOSED);
    /* 200 s: U1 (last 5 s) and U5 (6 s) are idle: retired (two per packet) before U8 */
    udp_at(t, 8, 200 * SEC, 11, &v);
    assert_int_equal(log.n, 5);
    assert_int_equal(log.first_ordinal[3], 1);
    assert_int_equal(log.why[3], CS_EVICT_IDLE);
    assert_int_equal(log.first_ordinal[4], 6);
    assert_int_equal(log.why[4], CS_EVICT_IDLE);
    /* U2 comes back at 201 s: U6 and U7 are retired as idle, U2 is a new flow */
    udp_at(t, 2, 201 * SEC, 12, &v);
    assert_int_equal(v.new_flow, 1);
    assert_int_equal(log.n, 7);
    assert_int_equal(log.first_ordinal[5], 9);
    assert_int_equal(log.first_ordinal[6], 10);
    assert_int_equal(log.why[6], CS_EVICT_IDLE);
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    assert_int_equal(st.evicted_pressure, 2);
    assert_int_equal(st.evicted_closed, 1);
    assert_int_equal(st.evicted_idle, 4);
    assert_int_equal(st.active, 2);
    assert_int_equal(st.flows, 9);
    cs_flowtab_free(t); /* flush: U8, U2 in first-seen order */
    assert_int_equal(log.n, 9);
    static const uint64_t end_order[] = {11, 12};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(log.first_ordinal[7 + i], end_order[i]);
        assert_int_equal(log.why[7 + i], CS_EVICT_END);
    }
}

/* Several eviction callbacks (statistics and dissectors each keep one) run in the order added. */
struct evorder {
    char seen[8];
    size_t n;
};

static void
on_evict_a(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    struct evorder *o = ctx;
    (void)fl, (void)why;
    if (o->n < sizeof o->seen)
        o->seen[o->n++] = 'a';
}

static void
on_evict_b(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    struct evorder *o = ctx;
    (void)fl, (void)why;
    if (o->n < sizeof o->seen)
        o->seen[o->n++] = 'b';
}

static void
test_several_evict_callbacks(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(0, 0, 0, 0);
    struct evorder o = {{0}, 0};
    assert_int_equal(cs_flowtab_on_evict(t, on_evict_a, &o), 0);
    assert_int_equal(cs_flowtab_on_evict(t, on_evict_b, &o), 0);
    assert_int_equal(cs_flowtab_on_evict(t, on_evict_a, &o), 0);
    assert_int_equal(cs_flowtab_on_evict(t, on_evict_b, &o), 0);
    assert_int_equal(cs_flowtab_on_evict(t, on_evict_a, &o), -1); /* all 4 slots taken */
    struct cs_flow_view v;
    udp_at(t, 1, 1 * SEC, 1, &v);
    cs_flowtab_free(t); /* the one flow leaves: every callback once, in order */
    assert_int_equal(o.n, 4);
    assert_memory_equal(o.seen, "abab", 4);
}

/* UDP flows retire after the UDP idle timeout (30 s by default) while an idle TCP connection
 * stays until its own (300 s): memory stays flat on endless DNS-like traffic. */
static void
test_udp_idle_timeout(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(0, 0, 0, 0);
    struct evlog log = {0};
    cs_flowtab_on_evict(t, on_evict, &log);
    struct cs_flow_view v;
    struct fx x;
    fx_tcp(&x, 0, 1, 40000, 2, 80, S, 10, 0, 100, NULL, 0, 0, 1 * SEC, 1);
    cs_flowtab_track(t, &x.pkt, &v);
    udp_at(t, 1, 2 * SEC, 2, &v);
    udp_at(t, 2, 20 * SEC, 3, &v); /* neither is idle long enough yet */
    assert_int_equal(log.n, 0);
    udp_at(t, 3, 33 * SEC, 4, &v); /* U1 has been idle 31 s; the TCP flow (32 s) stays */
    assert_int_equal(log.n, 1);
    assert_int_equal(log.first_ordinal[0], 2);
    assert_int_equal(log.why[0], CS_EVICT_IDLE);
    /* 302 s: TCP idle 301 s, U2 idle 282 s and U3 idle 269 s: all retired, TCP first */
    udp_at(t, 4, 302 * SEC, 5, &v);
    assert_int_equal(log.n, 4);
    assert_int_equal(log.first_ordinal[1], 1);
    assert_int_equal(log.first_ordinal[2], 3);
    assert_int_equal(log.first_ordinal[3], 4);
    cs_flowtab_free(t);
}

/* Closed flows are retired as the capture goes on even when the table never fills. */
static void
test_closed_retired_opportunistically(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(1000, 0, 2 * SEC, 0);
    struct evlog log = {0};
    cs_flowtab_on_evict(t, on_evict, &log);
    struct cs_flow_view v;
    /* connection i at second i: SYN, then RST-ACK from the server */
    for (uint16_t i = 0; i < 20; i++) {
        struct fx x;
        fx_tcp(&x, 0, 1, (uint16_t)(2000 + i), 2, 80, S, 1, 0, 1, NULL, 0, 0, i * SEC, 2u * i + 1);
        cs_flowtab_track(t, &x.pkt, &v);
        fx_tcp(&x, 0, 2, 80, 1, (uint16_t)(2000 + i), RA, 0, 2, 0, NULL, 0, 0, i * SEC, 2u * i + 2);
        cs_flowtab_track(t, &x.pkt, &v);
    }
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    /* at 19 s, connections closed at 0..17 s have lingered 2 s */
    assert_int_equal(st.evicted_closed, 18);
    assert_int_equal(st.active, 2);
    cs_flowtab_free(t);
}

/* ---- table integrity under churn (backward-shift deletion) ---- */

struct churn {
    int64_t conn_of_port[4096];
};

static void
on_evict_churn(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    struct churn *c = ctx;
    (void)why;
    assert_int_equal(c->conn_of_port[fl->cport], fl->conn);
    c->conn_of_port[fl->cport] = -1;
}

static void
test_churn(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(300, 0, 0, 42);
    struct churn *c = malloc(sizeof(*c));
    assert_non_null(c);
    for (size_t i = 0; i < 4096; i++)
        c->conn_of_port[i] = -1;
    cs_flowtab_on_evict(t, on_evict_churn, c);
    uint64_t rng = 12345;
    for (uint64_t n = 1; n <= 200000; n++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        uint16_t port = (uint16_t)(1024 + (rng >> 33) % 1000); /* ports 1024..2023: clients */
        struct cs_flow_view v;
        struct fx x;
        fx_tcp(&x, (int)(port & 1), 1, port, 2, 5064, A, 1, 1, 1, NULL, 0, 0, (int64_t)n * MS, n);
        cs_flowtab_track(t, &x.pkt, &v);
        if (c->conn_of_port[port] < 0) {
            assert_int_equal(v.new_flow, 1);
            c->conn_of_port[port] = v.conn;
        } else if (v.new_flow || v.conn != c->conn_of_port[port]) {
            fail_msg("packet %llu port %u: conn %lld, want %lld", (unsigned long long)n, port,
                     (long long)v.conn, (long long)c->conn_of_port[port]);
        }
    }
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    assert_int_equal(st.active, 300);
    assert_int_equal(st.flows, st.active + st.evicted_pressure + st.evicted_idle);
    cs_flowtab_free(t);
    for (size_t i = 0; i < 4096; i++)
        assert_int_equal(c->conn_of_port[i], -1);
    free(c);
}

/* ---- keys: VLAN, family, protocol; untracked packets ---- */

static void
test_key_parts(void **state)
{
    (void)state;
    struct cs_flowtab *t = table(0, 0, 0, 0);
    struct cs_flow_view v;
    struct fx x;
    struct cs_flow *seen[6];
    int n = 0;
    /* the same addresses and ports: untagged, VLAN 10, VLAN 20, IPv6, UDP */
    fx_tcp(&x, 0, 1, 1000, 2, 80, A, 1, 1, 1, NULL, 0, 0, MS, 1);
    cs_flowtab_track(t, &x.pkt, &v);
    seen[n++] = v.flow;
    assert_int_equal(v.flow->vlan, 0);
    fx_vlan(&x, 10);
    cs_flowtab_track(t, &x.pkt, &v);
    seen[n++] = v.flow;
    assert_int_equal(v.flow->vlan, 10);
    fx_vlan(&x, 20);
    cs_flowtab_track(t, &x.pkt, &v);
    seen[n++] = v.flow;
    fx_tcp(&x, 1, 1, 1000, 2, 80, A, 1, 1, 1, NULL, 0, 0, MS, 2);
    cs_flowtab_track(t, &x.pkt, &v);
    seen[n++] = v.flow;
    assert_int_equal(v.flow->cli.family, 6);
    fx_udp(&x, 0, 1, 1000, 2, 80, MS, 3);
    cs_flowtab_track(t, &x.pkt, &v);
    seen[n++] = v.flow;
    for (int i = 0; i < n; i++) {
        assert_non_null(seen[i]);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(seen[i], seen[j]);
    }
    /* VLAN 10 again, reversed: the same flow as before, dir 1 */
    fx_tcp(&x, 0, 2, 80, 1, 1000, A, 1, 1, 1, NULL, 0, 0, MS, 4);
    fx_vlan(&x, 10);
    cs_flowtab_track(t, &x.pkt, &v);
    assert_ptr_equal(v.flow, seen[1]);
    assert_int_equal(v.dir, 1);
    /* not tracked: a later fragment, ICMP, ARP, a cut TCP header */
    fx_tcp(&x, 0, 1, 1000, 2, 80, A, 1, 1, 1, NULL, 0, 0, MS, 5);
    x.pkt.ip.is_fragment = 1;
    x.pkt.ip.frag_off = 1480;
    cs_flowtab_track(t, &x.pkt, &v);
    assert_null(v.flow);
    assert_int_equal(v.conn, -1);
    x.pkt.ip.is_fragment = 0;
    x.pkt.ip.frag_off = 0;
    x.pkt.trunc_layer = CS_LAYER_TCP;
    cs_flowtab_track(t, &x.pkt, &v);
    assert_null(v.flow);
    x.pkt.trunc_layer = CS_LAYER_NONE;
    x.pkt.l4 = CS_L4_ICMP;
    cs_flowtab_track(t, &x.pkt, &v);
    assert_null(v.flow);
    x.pkt.l3 = CS_L3_ARP;
    x.pkt.l4 = CS_L4_NONE;
    cs_flowtab_track(t, &x.pkt, &v);
    assert_null(v.flow);
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    assert_int_equal(st.flows, 5);
    cs_flowtab_free(t);
}

/* ---- the seed never shows ---- */

struct trace {
    uint64_t sum;
    uint64_t n;
};

static void
on_evict_trace(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    struct trace *tr = ctx;
    tr->sum = tr->sum * 1000003 + fl->first_ordinal * 7 + (uint64_t)why;
    tr->n++;
}

static void
run_trace(uint64_t seed, struct trace *tr)
{
    struct cs_flowtab *t = table(64, 50 * MS, 10 * MS, seed);
    cs_flowtab_on_evict(t, on_evict_trace, tr);
    uint64_t rng = 99;
    for (uint64_t n = 1; n <= 20000; n++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        uint16_t port = (uint16_t)(2000 + (rng >> 35) % 200);
        int rev = (rng >> 20) & 1;
        static const uint16_t flag_pick[] = {S, SA, A, PA, FA, RA, A, PA};
        uint16_t flags = flag_pick[(rng >> 24) & 7];
        uint32_t seq = (uint32_t)(rng >> 8);
        struct fx x;
        if (rev)
            fx_tcp(&x, 0, 2, 80, 1, port, flags, seq, seq ^ 0x5555, (uint16_t)n, NULL, 0, 0,
                   (int64_t)n * MS, n);
        else
            fx_tcp(&x, 0, 1, port, 2, 80, flags, seq, seq ^ 0x5555, (uint16_t)n, NULL, 0, 0,
                   (int64_t)n * MS, n);
        fx_tcp_ws(&x, (int)(rng >> 40) & 1, (uint8_t)((rng >> 41) & 15));
        struct cs_flow_view v;
        cs_flowtab_track(t, &x.pkt, &v);
        tr->sum = tr->sum * 31 + (uint64_t)v.conn * 3 + v.dir + 5u * v.new_flow +
                  7u * v.client_known + 11u * v.rel_seq + 13u * v.rel_ack + 17u * v.win;
    }
    cs_flowtab_free(t);
}

static void
test_seed_independent(void **state)
{
    (void)state;
    struct trace a = {0, 0}, b = {0, 0};
    run_trace(1, &a);
    run_trace(0xdeadbeefcafef00dULL, &b);
    assert_true(a.n > 100); /* evictions did happen */
    assert_int_equal(a.n, b.n);
    assert_true(a.sum == b.sum);
}

static void
test_service_ports(void **state)
{
    (void)state;
    static const struct {
        uint16_t port;
        int service;
    } v[] = {{0, 1},    {22, 1},   {1023, 1},  {1024, 0}, {5064, 1},
             {5065, 1}, {5066, 0}, {40000, 0}, {65535, 0}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_equal(cs_flow_is_service_port(v[i].port), v[i].service);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_entry_size),
        cmocka_unit_test(test_service_ports),
        cmocka_unit_test(test_client_rule),
        cmocka_unit_test(test_client_confirmed_by_late_syn),
        cmocka_unit_test(test_conn_numbering_and_reuse),
        cmocka_unit_test(test_relative_numbers),
        cmocka_unit_test(test_tcpdir_state),
        cmocka_unit_test(test_window_scale),
        cmocka_unit_test(test_eviction_pressure),
        cmocka_unit_test(test_udp_idle_timeout),
        cmocka_unit_test(test_several_evict_callbacks),
        cmocka_unit_test(test_closed_retired_opportunistically),
        cmocka_unit_test(test_churn),
        cmocka_unit_test(test_key_parts),
        cmocka_unit_test(test_seed_independent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

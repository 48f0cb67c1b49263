/* test_tcpstats.c: per-connection TCP statistics: tcptrace's retransmission and out-of-order
 * rules, tshark's dup-ACK and zero window, keep-alives and Linux zero-window probes, handshake
 * times, Zeek's state and history, sequence wraparound, and the concurrency at a RST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/tcpstats.h"
#include "flow_fixture.h"

#define C2S    0
#define S2C    1
#define MAXSEG 16

/* One segment: direction, flags, seq and ack relative to the ISNs of the scenario (the
 * receiver's ISN for ack), payload length, raw window, time in ms. */
struct seg {
    int dir;
    uint16_t flags;
    uint32_t seq, ack;
    uint32_t len;
    uint16_t win;
    int ms;
};

struct expect {
    uint64_t retrans_pkts[2], retrans_bytes[2], unique_bytes[2];
    uint32_t ooo[2], dupack[2], zero_win[2], zwp[2], keepalive[2];
    const char *state;
    const char *history;
    const char *rst_by; /* "-", "client", "server" */
};

struct scenario {
    const char *name;
    uint32_t isn_c, isn_s;
    struct seg segs[MAXSEG];
    size_t n;
    struct expect want;
};

/* ISNs near 2^32 in the last scenarios: every offset below crosses the wrap. */
static const struct scenario scenarios[] = {
    {"clean: handshake, one request and reply, FIN both ways",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, PA, 1, 1, 100, 502, 12},
      {S2C, A, 1, 101, 0, 509, 20},
      {S2C, PA, 1, 101, 300, 509, 21},
      {C2S, A, 101, 301, 0, 502, 22},
      {C2S, FA, 101, 301, 0, 502, 23},
      {S2C, FA, 301, 102, 0, 509, 30},
      {C2S, A, 102, 302, 0, 502, 31}},
     10,
     {{0, 0}, {0, 0}, {100, 300}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "SF", "ShADadFf", "-"}},
    {"data retransmitted: 100 bytes sent twice (tcptrace counts 1 packet, 100 bytes)",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, PA, 1, 1, 100, 502, 12},
      {C2S, PA, 1, 1, 100, 502, 250},
      {S2C, A, 1, 101, 0, 509, 260}},
     6,
     {{1, 0}, {100, 0}, {100, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "S1", "ShADTa", "-"}},
    {"partial overlap: bytes 51..150 after 1..100: 50 bytes retransmitted, 50 new",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, PA, 1, 1, 100, 502, 12},
      {C2S, PA, 51, 1, 100, 502, 13}},
     4,
     {{1, 0}, {50, 0}, {150, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "S1", "ShD", "-"}},
    {"out of order: 101..200 before 1..100 (a gap filled: new bytes below the highest)",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, PA, 101, 1, 100, 502, 12},
      {C2S, PA, 1, 1, 100, 502, 13}},
     5,
     {{0, 0}, {0, 0}, {200, 0}, {1, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "S1", "ShADGT", "-"}},
    {"SYN sent 4 times, no answer: 3 retransmissions of 1 byte each (refused.pcap conn 3)",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {C2S, S, 0, 0, 0, 64240, 1000},
      {C2S, S, 0, 0, 0, 64240, 2000},
      {C2S, S, 0, 0, 0, 64240, 3000}},
     4,
     {{3, 0}, {3, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "S0", "S", "-"}},
    {"refused: SYN answered by RST-ACK",
     1000,
     0,
     {{C2S, S, 0, 0, 0, 64240, 0}, {S2C, RA, 0, 1, 0, 0, 1}},
     2,
     {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "REJ", "Sr", "server"}},
    {"client abort: RST after data",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, PA, 1, 1, 10, 502, 12},
      {S2C, PA, 1, 11, 20, 509, 20},
      {C2S, RA, 11, 21, 0, 0, 30}},
     6,
     {{0, 0},
      {0, 0},
      {10, 20},
      {0, 0},
      {0, 0},
      {0, 0},
      {0, 0},
      {0, 0},
      "RSTO",
      "ShADdR",
      "client"}},
    {"zero window: the server's window closes, the client probes Linux-style (len 0 at next-1)",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 4096, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, A, 1, 1, 1000, 502, 12},
      {S2C, A, 1, 1001, 0, 0, 20},
      {C2S, A, 1000, 1, 0, 502, 220},
      {S2C, A, 1, 1001, 0, 0, 221},
      {S2C, A, 1, 1001, 0, 1000, 500},
      {C2S, A, 1001, 1, 500, 502, 501}},
     9,
     {{0, 0}, {0, 0}, {1500, 0}, {0, 0}, {0, 0}, {0, 2}, {1, 0}, {0, 0}, "S1", "ShADaw", "-"}},
    {"keep-alive: len 0 at next-1 while the window is open; then a duplicate ACK",
     1000,
     5000,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, A, 0, 1, 0, 502, 5000},
      {S2C, A, 1, 1, 0, 509, 5001},
      {S2C, A, 1, 1, 0, 509, 5002}},
     6,
     {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 1}, {0, 0}, {0, 0}, {1, 0}, "S1", "ShAa", "-"}},
    {"wraparound: client ISN 2^32 - 100, 300 bytes across the wrap, the second half resent",
     0xffffff9cu,
     0xfffffff0u,
     {{C2S, S, 0, 0, 0, 64240, 0},
      {S2C, SA, 0, 1, 0, 65160, 10},
      {C2S, A, 1, 1, 0, 502, 11},
      {C2S, PA, 1, 1, 150, 502, 12},
      {C2S, PA, 151, 1, 150, 502, 13},
      {C2S, PA, 151, 1, 150, 502, 300},
      {S2C, PA, 1, 301, 50, 509, 301},
      {S2C, PA, 1, 301, 50, 509, 302}},
     8,
     {{1, 1}, {150, 50}, {300, 50}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "S1", "ShADTdt", "-"}},
    {"midstream: no handshake, data both ways",
     77777,
     88888,
     {{C2S, PA, 1, 1, 100, 502, 0}, {S2C, PA, 1, 101, 100, 509, 1}, {C2S, A, 101, 101, 0, 502, 2}},
     3,
     {{0, 0}, {0, 0}, {100, 100}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "OTH", "DdA", "-"}},
};

struct capture {
    struct cs_tcpstats *st;
    struct cs_tcpconn rows[4];
    size_t n;
};

static void
on_evict(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    (void)why;
    struct capture *c = ctx;
    if (c->n < 4 && cs_tcpstats_end(c->st, fl, &c->rows[c->n]))
        c->n++;
}

/* Runs the segments of sc through a flow table and the tracker; returns the one row. */
static struct cs_tcpconn
run_scenario(const struct scenario *sc)
{
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = 8;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    struct capture cap;
    memset(&cap, 0, sizeof cap);
    cap.st = cs_tcpstats_new(8);
    assert_non_null(t);
    assert_non_null(cap.st);
    cs_flowtab_on_evict(t, on_evict, &cap);
    static uint8_t zeros[1500];
    for (size_t i = 0; i < sc->n; i++) {
        const struct seg *s = &sc->segs[i];
        struct fx x;
        uint32_t seq = (s->dir ? sc->isn_s : sc->isn_c) + s->seq;
        uint32_t ack = (s->dir ? sc->isn_c : sc->isn_s) + s->ack;
        if (s->dir == C2S)
            fx_tcp(&x, 0, 1, 40000, 2, 80, s->flags, seq, ack, s->win, zeros, s->len, s->len,
                   (int64_t)s->ms * MS, i + 1);
        else
            fx_tcp(&x, 0, 2, 80, 1, 40000, s->flags, seq, ack, s->win, zeros, s->len, s->len,
                   (int64_t)s->ms * MS, i + 1);
        x.frame.ts_digits = 6;
        struct cs_flow_view v;
        cs_flowtab_track(t, &x.pkt, &v);
        cs_tcpstats_packet(cap.st, &x.pkt, &v);
    }
    cs_flowtab_free(t); /* evicts the connection: its row */
    cs_tcpstats_free(cap.st);
    assert_int_equal(cap.n, 1);
    return cap.rows[0];
}

static void
test_scenarios(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++) {
        const struct scenario *sc = &scenarios[k];
        const struct expect *w = &sc->want;
        print_message("%s\n", sc->name);
        struct cs_tcpconn r = run_scenario(sc);
        for (int d = 0; d < 2; d++) {
            assert_int_equal(r.d[d].retrans_pkts, w->retrans_pkts[d]);
            assert_int_equal(r.d[d].retrans_bytes, w->retrans_bytes[d]);
            assert_int_equal(r.d[d].unique_bytes, w->unique_bytes[d]);
            assert_int_equal(r.d[d].ooo_pkts, w->ooo[d]);
            assert_int_equal(r.d[d].dupack, w->dupack[d]);
            assert_int_equal(r.d[d].zero_win, w->zero_win[d]);
            assert_int_equal(r.d[d].zwp, w->zwp[d]);
            assert_int_equal(r.d[d].keepalive, w->keepalive[d]);
        }
        assert_string_equal(r.state, w->state);
        assert_string_equal(r.history, w->history);
        static const char *const party[] = {"-", "client", "server", "both"};
        assert_string_equal(party[r.rst_by & 3], w->rst_by);
    }
}

static void
test_handshake_times(void **state)
{
    (void)state;
    /* SYN at 0, 1000, 2000 ms; SYN-ACK at 2004 ms; its ACK at 2005 ms */
    const struct scenario sc = {
        "",
        1,
        2,
        {{C2S, S, 0, 0, 0, 64240, 0},
         {C2S, S, 0, 0, 0, 64240, 1000},
         {C2S, S, 0, 0, 0, 64240, 2000},
         {S2C, SA, 0, 1, 0, 65160, 2004},
         {C2S, A, 1, 1, 0, 502, 2005}},
        5,
        {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, "", "", ""}};
    struct cs_tcpconn r = run_scenario(&sc);
    assert_int_equal(r.syn_n, 3);
    assert_true(r.has_syn && r.has_synack && r.has_hs_ack);
    assert_int_equal(r.synack_t - r.syn_t, 2004 * MS);   /* hs_first */
    assert_int_equal(r.synack_t - r.last_syn_t, 4 * MS); /* hs_last */
    assert_int_equal(r.hs_ack_t - r.synack_t, 1 * MS);   /* hs_ack */
    assert_int_equal(r.last_t - r.first_t, 2005 * MS);   /* duration */
    assert_int_equal(r.d[C2S].scale, -2); /* handshake seen, no window-scale options */
    assert_int_equal(r.d[C2S].retrans_pkts, 2);
}

/* open_at_rst: rows of one client address whose first_t <= t_rst <= last_t. */
static void
test_open_at_rst(void **state)
{
    (void)state;
    struct cs_tcpconn rows[5];
    memset(rows, 0, sizeof rows);
    for (int i = 0; i < 5; i++) {
        rows[i].conn = i;
        rows[i].cli = fx_host(0, 1);
        rows[i].srv = fx_host(0, (uint8_t)(i < 3 ? 2 : 3));
    }
    rows[4].cli = fx_host(0, 9); /* another client: never counted */
    /* conn: first..last (s) */
    int64_t span[5][2] = {{0, 10}, {2, 5}, {6, 20}, {5, 5}, {0, 100}};
    for (int i = 0; i < 5; i++) {
        rows[i].first_t = span[i][0] * SEC;
        rows[i].last_t = span[i][1] * SEC;
    }
    rows[0].has_rst = 1;
    rows[0].rst_t = 5 * SEC; /* open then: 1 (2..5) and 3 (5..5, server .3); not 2 (from 6) */
    assert_int_equal(cs_tcpstats_open_at_rst(rows, 5), 0);
    assert_true(rows[0].open_known);
    assert_int_equal(rows[0].open_at_rst, 2);
    assert_int_equal(rows[0].open_at_rst_other_servers, 1);
    assert_false(rows[1].open_known);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_handshake_times),
        cmocka_unit_test(test_open_at_rst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

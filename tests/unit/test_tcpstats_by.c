/* test_tcpstats_by.c: `stats tcp --by`: type-7 quantiles, rows summed per server and per client
 * from hand-built connection rows, the cap on rows, sampling past the cap on times, and the
 * data-packet counts (SYN retransmissions apart) the retransmission rate divides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/tcpstats.h"
#include "flow_fixture.h"

/* ---- quantiles ---- */

struct qcase {
    const char *what;
    int64_t v[8];
    size_t n;
    unsigned pct;
    int64_t want;
};

/* Expected values by hand: h = (n - 1) * pct / 100, v[floor h] + frac(h) * (v[floor h + 1] -
 * v[floor h]), as Python's statistics.quantiles(method="inclusive") and numpy give. */
static const struct qcase qcases[] = {
    {"empty: 0", {0}, 0, 50, 0},
    {"one value is every quantile", {7}, 1, 25, 7},
    {"odd n: the middle one", {1, 3, 100}, 3, 50, 3},
    {"even n: the mean of the middle two", {10, 20, 30, 40}, 4, 50, 25},
    {"even n, odd sum: rounded toward zero", {10, 11}, 2, 50, 10},
    {"q1 of 1..5: h = 1", {1, 2, 3, 4, 5}, 5, 25, 2},
    {"q3 of 4 values: h = 2.25", {0, 100, 200, 1000}, 4, 75, 400},
    {"q1 of 4 values: h = 0.75", {0, 100, 200, 1000}, 4, 25, 75},
    {"p90 of 1..8 (x100): h = 6.3", {100, 200, 300, 400, 500, 600, 700, 800}, 8, 90, 730},
    {"min", {5, 6, 9}, 3, 0, 5},
    {"max", {5, 6, 9}, 3, 100, 9},
    {"negative values (clock steps)", {-30, -10}, 2, 50, -20},
};

static void
test_quantile(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof qcases / sizeof qcases[0]; i++) {
        print_message("%s\n", qcases[i].what);
        assert_int_equal(cs_tcpstats_quantile(qcases[i].v, qcases[i].n, qcases[i].pct),
                         qcases[i].want);
    }
}

/* ---- rows ---- */

/* A connection row: client host c port cp to server host s port sp, handshake times in ms
 * (hs_ms < 0: no SYN-ACK), syn_n SYNs, duration in ms, data packets and retransmitted data
 * packets (all c2s), payload bytes, retransmitted bytes, rst_by. */
struct conn {
    uint8_t c, s;
    uint16_t cp, sp;
    int hs_ms, hs_last_ms;
    uint32_t syn_n;
    int dur_ms;
    uint64_t data, rexmt, bytes, rexmt_bytes;
    uint8_t rst_by;
};

static struct cs_tcpconn
make_row(const struct conn *k, int64_t conn)
{
    struct cs_tcpconn r;
    memset(&r, 0, sizeof r);
    r.conn = conn;
    r.cli = fx_host(0, k->c);
    r.srv = fx_host(0, k->s);
    r.cport = k->cp;
    r.sport = k->sp;
    r.ipv = 4;
    r.ts_digits = 6;
    r.first_t = 1000 * SEC + conn * SEC;
    r.last_t = r.first_t + k->dur_ms * MS;
    r.has_syn = k->syn_n > 0;
    r.syn_n = k->syn_n;
    r.syn_t = r.first_t;
    if (k->hs_ms >= 0) {
        r.has_synack = 1;
        r.synack_t = r.syn_t + k->hs_ms * MS;
        r.last_syn_t = r.synack_t - k->hs_last_ms * MS;
    }
    r.d[0].data_pkts = k->data;
    r.d[0].rexmt_data_pkts = k->rexmt;
    r.d[0].bytes = k->bytes;
    r.d[0].rexmt_data_bytes = k->rexmt_bytes;
    r.d[1].zero_win = 1;
    r.rst_by = k->rst_by;
    return r;
}

/* Server 10.0.0.9:80 is slow (four handshakes of 350 ms and more), 10.0.0.8:443 loses a SYN
 * (hs_first 1004 ms, hs_last 4 ms) and never answers one, 10.0.0.9:22 has one connection. */
static const struct conn conns[] = {
    {1, 9, 40000, 80, 350, 350, 1, 100, 10, 1, 1000, 100, CS_TCPCONN_NOBODY},
    {2, 8, 40001, 443, 4, 4, 1, 20, 10, 0, 1000, 0, CS_TCPCONN_CLIENT},
    {1, 9, 40002, 80, 360, 360, 1, 400, 10, 0, 1000, 0, CS_TCPCONN_SERVER},
    {2, 8, 40003, 443, 1004, 4, 2, 30, 4, 2, 100, 50, CS_TCPCONN_NOBODY},
    {1, 9, 40004, 80, 352, 352, 1, 300, 10, 0, 1000, 0, CS_TCPCONN_NOBODY},
    {2, 8, 40005, 443, -1, 0, 3, 2000, 0, 0, 0, 0, CS_TCPCONN_NOBODY},
    {1, 9, 40006, 22, 1, 1, 1, 5000, 0, 0, 0, 0, CS_TCPCONN_CLIENT},
    {2, 9, 40007, 80, 1000, 2, 2, 200, 10, 0, 1000, 0, CS_TCPCONN_NOBODY},
};

static const struct cs_tcpgroup *const *
feed(struct cs_tcpgroups *g, size_t *n)
{
    for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++) {
        struct cs_tcpconn r = make_row(&conns[i], (int64_t)i);
        assert_int_equal(cs_tcpgroups_add(g, &r), 0);
    }
    const struct cs_tcpgroup *const *rows = cs_tcpgroups_finish(g, n);
    assert_non_null(rows);
    return rows;
}

static void
test_by_server(void **state)
{
    (void)state;
    struct cs_tcpgroups *g = cs_tcpgroups_new(CS_TCPBY_SERVER, 16, 1024);
    assert_non_null(g);
    size_t n;
    const struct cs_tcpgroup *const *rows = feed(g, &n);
    assert_int_equal(n, 3);
    /* ordered by address, then port: 10.0.0.8:443, 10.0.0.9:22, 10.0.0.9:80 */
    const struct cs_tcpgroup *a = rows[0], *b = rows[1], *c = rows[2];
    assert_int_equal(a->addr.a[3], 8);
    assert_int_equal(a->port, 443);
    assert_int_equal(b->port, 22);
    assert_int_equal(c->port, 80);

    /* 10.0.0.8:443: handshakes 4 and 1004 ms, the third never answered */
    assert_int_equal(a->conns, 3);
    assert_int_equal(a->hs_n, 2);
    assert_int_equal(a->no_synack, 1);
    assert_int_equal(a->syn_retrans, 1 + 2);
    assert_int_equal(a->hs[0], 4 * MS);
    assert_int_equal(a->hs[2], 504 * MS); /* median of two: their mean */
    assert_int_equal(a->hs[5], 1004 * MS);
    assert_int_equal(a->hs_last[0], 4 * MS);
    assert_int_equal(a->data_pkts, 14);
    assert_int_equal(a->retrans_pkts, 2);
    assert_int_equal(a->bytes, 1100);
    assert_int_equal(a->retrans_bytes, 50);
    assert_int_equal(a->rst_client, 1);
    assert_int_equal(a->rst_server, 0);
    assert_int_equal(a->zero_win, 3);
    assert_int_equal(a->duration[0], 30 * MS); /* 20, 30, 2000 */
    assert_int_equal(a->duration[2], 2000 * MS);
    assert_int_equal(a->first_t, 1001 * SEC);
    assert_int_equal(a->last_t, 1005 * SEC + 2000 * MS);

    /* 10.0.0.9:80 from two clients: 350, 352, 360, 1000 ms */
    assert_int_equal(c->conns, 4);
    assert_int_equal(c->hs[0], 350 * MS);
    assert_int_equal(c->hs[1], 351500 * 1000); /* h = 0.75: 350 + 0.75 * 2 */
    assert_int_equal(c->hs[2], 356 * MS);
    assert_int_equal(c->hs[3], 520 * MS); /* h = 2.25: 360 + 0.25 * 640 */
    assert_int_equal(c->hs[4], 808 * MS); /* h = 2.7: 360 + 0.7 * 640 */
    assert_int_equal(c->hs[5], 1000 * MS);
    assert_int_equal(c->hs_last[0], 351 * MS); /* 2, 350, 352, 360 */
    assert_int_equal(c->syn_retrans, 1);
    assert_int_equal(c->rst_server, 1);
    assert_int_equal(c->sampled, 0);

    /* 10.0.0.9:22: one connection, every quantile is its value */
    assert_int_equal(b->conns, 1);
    assert_int_equal(b->hs[0], 1 * MS);
    assert_int_equal(b->hs[5], 1 * MS);
    assert_int_equal(b->duration[1], 5000 * MS);
    cs_tcpgroups_free(g);
}

static void
test_by_client(void **state)
{
    (void)state;
    struct cs_tcpgroups *g = cs_tcpgroups_new(CS_TCPBY_CLIENT, 16, 1024);
    assert_non_null(g);
    size_t n;
    const struct cs_tcpgroup *const *rows = feed(g, &n);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0]->addr.a[3], 1);
    assert_int_equal(rows[0]->port, 0);
    assert_int_equal(rows[0]->conns, 4);
    assert_int_equal(rows[0]->hs[2], 351 * MS); /* 1, 350, 352, 360 */
    assert_int_equal(rows[1]->conns, 4);
    assert_int_equal(rows[1]->hs_n, 3);
    assert_int_equal(rows[1]->hs[2], 1000 * MS); /* 4, 1000, 1004 */
    cs_tcpgroups_free(g);
}

static void
test_row_cap(void **state)
{
    (void)state;
    struct cs_tcpgroups *g = cs_tcpgroups_new(CS_TCPBY_SERVER, 2, 1024);
    assert_non_null(g);
    size_t n;
    const struct cs_tcpgroup *const *rows = feed(g, &n);
    /* the first two keys seen (10.0.0.9:80, 10.0.0.8:443) and "other" (10.0.0.9:22) last */
    assert_int_equal(n, 3);
    assert_int_equal(rows[0]->port, 443);
    assert_int_equal(rows[1]->port, 80);
    assert_int_equal(rows[2]->other, 1);
    assert_int_equal(rows[2]->conns, 1);
    assert_int_equal(rows[0]->conns + rows[1]->conns + rows[2]->conns, 8);
    cs_tcpgroups_free(g);
}

static void
test_sampling(void **state)
{
    (void)state;
    /* 1000 connections to one server, handshakes 1..1000 ms; at most 64 times kept in all
     * (three quantities per connection), so every 64th or so connection is kept */
    struct cs_tcpgroups *g = cs_tcpgroups_new(CS_TCPBY_SERVER, 4, 64);
    assert_non_null(g);
    for (int i = 0; i < 1000; i++) {
        struct conn k = {1, 9, (uint16_t)(1000 + i), 80, i + 1, i + 1, 1, 10, 0, 0, 0, 0, 0};
        struct cs_tcpconn r = make_row(&k, i);
        assert_int_equal(cs_tcpgroups_add(g, &r), 0);
    }
    size_t n;
    const struct cs_tcpgroup *const *rows = cs_tcpgroups_finish(g, &n);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0]->sampled, 1);
    assert_int_equal(rows[0]->conns, 1000);
    assert_int_equal(rows[0]->hs_n, 1000);
    assert_int_equal(rows[0]->hs[0], 1 * MS); /* the first connection is always kept */
    /* a regular sample: the median within 5 % of the true 500.5 ms */
    assert_true(rows[0]->hs[2] > 475 * MS && rows[0]->hs[2] < 526 * MS);
    cs_tcpgroups_free(g);
}

/* ---- data packets through the tracker ---- */

static struct cs_tcpconn
track(const uint16_t *flags, const uint32_t *seq, const uint32_t *len, const int *dir, size_t n)
{
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = 4;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    struct cs_tcpstats *st = cs_tcpstats_new(4);
    assert_non_null(t);
    assert_non_null(st);
    static const uint8_t zeros[256];
    struct cs_tcpconn row;
    memset(&row, 0, sizeof row);
    struct cs_flow *fl = NULL;
    for (size_t i = 0; i < n; i++) {
        struct fx x;
        if (dir[i] == 0)
            fx_tcp(&x, 0, 1, 40000, 2, 80, flags[i], 1000 + seq[i], 5001, 502, zeros, len[i],
                   len[i], (int64_t)i * MS, i + 1);
        else
            fx_tcp(&x, 0, 2, 80, 1, 40000, flags[i], 5000 + seq[i], 1001, 502, zeros, len[i],
                   len[i], (int64_t)i * MS, i + 1);
        x.frame.ts_digits = 6;
        struct cs_flow_view v;
        cs_flowtab_track(t, &x.pkt, &v);
        cs_tcpstats_packet(st, &x.pkt, &v);
        fl = v.flow;
    }
    assert_non_null(fl);
    assert_int_equal(cs_tcpstats_end(st, fl, &row), 1);
    cs_flowtab_free(t);
    cs_tcpstats_free(st);
    return row;
}

static void
test_data_pkts(void **state)
{
    (void)state;
    /* SYN twice (a retransmission for tcptrace, not a data one), SYN-ACK, 100 bytes, the same
     * 100 bytes again, 50 new and 50 old bytes in one segment, a reply of 10 bytes, FIN */
    static const uint16_t fl[] = {S, S, SA, A, PA, PA, PA, PA, FA};
    static const uint32_t seq[] = {0, 0, 0, 1, 1, 1, 51, 1, 201};
    static const uint32_t len[] = {0, 0, 0, 0, 100, 100, 150, 10, 0};
    static const int dir[] = {0, 0, 1, 0, 0, 0, 0, 1, 0};
    struct cs_tcpconn r = track(fl, seq, len, dir, sizeof fl / sizeof fl[0]);
    assert_int_equal(r.d[0].data_pkts, 3);
    assert_int_equal(r.d[0].retrans_pkts, 3); /* the SYN, the copy, the overlapping one */
    assert_int_equal(r.d[0].rexmt_data_pkts, 2);
    assert_int_equal(r.d[0].rexmt_data_bytes, 100 + 50);
    assert_int_equal(r.d[0].unique_bytes, 200);
    assert_int_equal(r.d[1].data_pkts, 1);
    assert_int_equal(r.d[1].rexmt_data_pkts, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantile),  cmocka_unit_test(test_by_server),
        cmocka_unit_test(test_by_client), cmocka_unit_test(test_row_cap),
        cmocka_unit_test(test_sampling),  cmocka_unit_test(test_data_pkts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

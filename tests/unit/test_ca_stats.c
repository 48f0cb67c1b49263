/* test_ca_stats.c: `stats ca` from hand-built CA records: describe()-style statistics (sample
 * std with ddof 1, linearly interpolated quartiles), channel creation matched per circuit and
 * not per cid, unanswered and CreateChFail requests, search retries and PVs never found,
 * read/write latency and failing ECA statuses, monitors, circuits closed with channels open,
 * beacon id restarts, and the pending-map cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/ca.h"

#define MS(x) ((int64_t)(x)*1000000)
#define US(x) ((int64_t)(x)*1000)
#define T0    ((int64_t)1700000000 * 1000000000)

/* Endpoints: the server 10.0.0.1:5064, clients 10.0.0.2:40000 (A) and 10.0.0.3:40000 (B): two
 * circuits whose clients both use cid 0, as caproto clients do. */
enum { CLI_A = 0, CLI_B = 1, SRV = 2, UDP_SRV = 3 };
static const struct {
    uint8_t ip[4];
    uint16_t port;
} eps[] = {
    {{10, 0, 0, 2}, 40000},
    {{10, 0, 0, 3}, 40000},
    {{10, 0, 0, 1}, 5064},
    {{10, 0, 0, 1}, 5064}, /* the server answering searches over UDP */
};

/* One message: time (ns after T0), command, direction, client endpoint, p1, p2, name. */
struct ev {
    int64_t t;
    uint16_t cmd;
    uint8_t response;
    int client;
    uint32_t p1, p2;
    const char *name;
    uint16_t dtype; /* SEARCH reply: server port; EVENT_ADD response: payload present (1) */
    uint32_t count; /* Beacon: the server port */
};

static void
set_addr(struct cs_addr *a, int ep)
{
    memset(a, 0, sizeof *a);
    a->family = 4;
    memcpy(a->a, eps[ep].ip, 4);
}

static void
feed(struct cs_ca_stats *s, const struct ev *e)
{
    struct cs_ca_msg m;
    memset(&m, 0, sizeof m);
    m.marker = CS_CA_MSG;
    m.h.cmd = e->cmd;
    m.h.p1 = e->p1;
    m.h.p2 = e->p2;
    m.h.dtype = e->dtype;
    m.h.count = e->count;
    m.h.psize = e->cmd == CS_CA_EVENT_ADD && e->response && !e->dtype ? 0 : 8;
    m.response = e->response;
    int srv = e->cmd == CS_CA_SEARCH || e->cmd == CS_CA_RSRV_IS_UP ? UDP_SRV : SRV;
    m.proto = srv == UDP_SRV ? CS_FLOW_UDP : CS_FLOW_TCP;
    int from = e->response ? srv : e->client, to = e->response ? e->client : srv;
    set_addr(&m.src, from);
    set_addr(&m.dst, to);
    m.sport = eps[from].port;
    m.dport = eps[to].port;
    if (e->name)
        m.name = cs_cursor_make((const uint8_t *)e->name, strlen(e->name));
    struct cs_frame f;
    memset(&f, 0, sizeof f);
    f.ts_ns = T0 + e->t;
    f.ts_digits = 9;
    struct cs_record r = {CS_REC_CA, &f, NULL, NULL, &m, 0};
    cs_ca_stats_add(s, &r);
}

/* A TCP segment with FIN (or RST) from the client of a circuit. */
static void
close_circuit(struct cs_ca_stats *s, int client, int64_t t, uint16_t flags)
{
    struct cs_packet p;
    memset(&p, 0, sizeof p);
    p.l4 = CS_L4_TCP;
    set_addr(&p.ip.src, client);
    set_addr(&p.ip.dst, SRV);
    p.t.tcp.sport = eps[client].port;
    p.t.tcp.dport = eps[SRV].port;
    p.t.tcp.flags = flags;
    struct cs_frame f;
    memset(&f, 0, sizeof f);
    f.ts_ns = T0 + t;
    f.ts_digits = 9;
    struct cs_record r = {CS_REC_PACKET, &f, &p, NULL, NULL, 0};
    cs_ca_stats_add(s, &r);
}

static struct cs_ca_stats *
run(const struct ev *evs, size_t n, size_t pending_cap)
{
    struct cs_ca_stats_limits lim = {pending_cap, 0};
    struct cs_ca_stats *s = cs_ca_stats_new(&lim);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        feed(s, &evs[i]);
    return s;
}

static int
pv_is(const struct cs_ca_row *w, const char *pv)
{
    return (w->has & CS_CA_HAS(CS_CA_COL_PV)) && w->pv_len == strlen(pv) &&
           memcmp(w->pv, pv, w->pv_len) == 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- describe(): pandas' values, computed by hand ---- */

/* Latencies (us) of answered creations on one server, and describe() of them in seconds. */
struct describe_case {
    const char *what;
    int64_t us[8];
    size_t n;
    double mean, std, min, p25, p50, p75, max; /* std < 0: NaN (one sample) */
};

static const struct describe_case describe_cases[] = {
    /* 1..4 ms: mean 2.5, std sqrt(5/3) = 1.2909944487358056 ms, quartiles at positions 0.75,
     * 1.5, 2.25 of the sorted values */
    {"four values, in reverse order",
     {4000, 3000, 2000, 1000},
     4,
     0.0025,
     0.0012909944487358056,
     0.001,
     0.00175,
     0.0025,
     0.00325,
     0.004},
    /* ca_large_mtu1500: the 75% quartile lies 3/4 of the way from 3909 to 4195 us: exactly
     * 4123.5 us (pandas on float64 differences of epoch seconds: 0.0041234493) */
    {"ca_large_mtu1500",
     {3909, 4195, 12058, 498, 301, 621},
     6,
     0.003597,
     0.004502609510050811,
     0.000301,
     0.00052875,
     0.002265,
     0.0041235,
     0.012058},
    {"one value: std is NaN",
     {2931},
     1,
     0.002931,
     -1,
     0.002931,
     0.002931,
     0.002931,
     0.002931,
     0.002931},
};

static void
test_describe(void **state)
{
    (void)state;
    for (size_t c = 0; c < N(describe_cases); c++) {
        const struct describe_case *d = &describe_cases[c];
        struct ev evs[16];
        size_t n = 0;
        /* each sample a cid of its own on circuit A */
        for (size_t i = 0; i < d->n; i++) {
            struct ev rq = {MS(10 * i), CS_CA_CREATE_CHAN, 0, CLI_A, (uint32_t)i, 13, "pv:x", 0, 0};
            struct ev rs = {MS(10 * i) + US(d->us[i]),
                            CS_CA_CREATE_CHAN,
                            1,
                            CLI_A,
                            (uint32_t)i,
                            100 + (uint32_t)i,
                            NULL,
                            0,
                            0};
            evs[n++] = rq;
            evs[n++] = rs;
        }
        struct cs_ca_stats *s = run(evs, n, 0);
        const struct cs_ca_row *rows;
        size_t nr = cs_ca_stats_rows(s, CS_CA_T_SERVERS, CS_CA_BY_IP, &rows);
        assert_int_equal(nr, 1);
        const struct cs_ca_row *w = &rows[0];
        assert_int_equal(w->count, d->n);
        assert_true(w->ip_only);
        assert_true(w->mean == d->mean);
        assert_true(w->min == d->min);
        assert_true(w->max == d->max);
        assert_true(w->p25 == d->p25);
        assert_true(w->p50 == d->p50);
        assert_true(w->p75 == d->p75);
        if (d->std < 0) {
            assert_false(w->has & CS_CA_HAS(CS_CA_COL_STD));
        } else {
            assert_true(w->has & CS_CA_HAS(CS_CA_COL_STD));
            double err = w->std - d->std;
            assert_true(err < 1e-18 && err > -1e-18);
        }
        cs_ca_stats_free(s);
    }
}

/* ---- channel creation: per circuit, unanswered, CreateChFail ---- */

static const struct ev creation[] = {
    /* both clients ask for a channel with cid 0; B's answer comes first */
    {MS(0), CS_CA_CREATE_CHAN, 0, CLI_A, 0, 13, "pv:a", 0, 0},
    {MS(1), CS_CA_CREATE_CHAN, 0, CLI_B, 0, 13, "pv:b", 0, 0},
    {US(1500), CS_CA_CREATE_CHAN, 1, CLI_B, 0, 7, NULL, 0, 0},
    {MS(3), CS_CA_CREATE_CHAN, 1, CLI_A, 0, 8, NULL, 0, 0},
    /* A: cid 1 never answered, cid 2 refused */
    {MS(4), CS_CA_CREATE_CHAN, 0, CLI_A, 1, 13, "pv:lost", 0, 0},
    {MS(5), CS_CA_CREATE_CHAN, 0, CLI_A, 2, 13, "pv:refused", 0, 0},
    {MS(6), CS_CA_CREATE_CH_FAIL, 1, CLI_A, 2, 0, NULL, 0, 0},
    /* a reply to a request the capture missed */
    {MS(7), CS_CA_CREATE_CHAN, 1, CLI_B, 9, 9, NULL, 0, 0},
};

static void
test_creation_per_circuit(void **state)
{
    (void)state;
    struct cs_ca_stats *s = run(creation, N(creation), 0);
    const struct cs_ca_row *rows;
    size_t n = cs_ca_stats_rows(s, CS_CA_T_LATENCY, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 2);
    /* in reply order: B then A; matched by cid alone, A's request would have paired with B's
     * reply (0.5 ms and 2 ms instead of 0.5 ms and 3 ms) */
    assert_true(pv_is(&rows[0], "pv:b"));
    assert_int_equal(rows[0].dt, US(500));
    assert_int_equal(rows[0].sid, 7);
    assert_true(pv_is(&rows[1], "pv:a"));
    assert_int_equal(rows[1].dt, MS(3));
    assert_int_equal(rows[1].t, T0);
    assert_int_equal(rows[1].client.port, 40000);
    assert_int_equal(rows[1].client.a.a[3], 2);

    n = cs_ca_stats_rows(s, CS_CA_T_UNANSWERED, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 2);
    assert_true(pv_is(&rows[0], "pv:lost"));
    assert_string_equal(rows[0].result, "unanswered");
    assert_false(rows[0].has & CS_CA_HAS(CS_CA_COL_DT));
    assert_true(pv_is(&rows[1], "pv:refused"));
    assert_string_equal(rows[1].result, "failed");
    assert_int_equal(rows[1].dt, MS(1));

    n = cs_ca_stats_rows(s, CS_CA_T_SERVERS, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].count, 2);
    assert_int_equal(rows[0].unanswered, 1);
    assert_int_equal(rows[0].failed, 1);
    n = cs_ca_stats_rows(s, CS_CA_T_SERVERS, CS_CA_BY_ENDPOINT, &rows);
    assert_int_equal(n, 1);
    assert_false(rows[0].ip_only);
    assert_int_equal(rows[0].server.port, 5064);
    cs_ca_stats_free(s);
}

/* ---- search: retries, the answering server, PVs never found ---- */

static const struct ev searches[] = {
    /* pv:slow searched three times (cid 5), answered after the third by 10.0.0.9:5070 (p1 is
     * the server's IPv4 address, data_type its port), then answered again by a second server */
    {MS(0), CS_CA_SEARCH, 0, CLI_A, 5, 5, "pv:slow", 0, 0},
    {MS(100), CS_CA_SEARCH, 0, CLI_A, 5, 5, "pv:slow", 0, 0},
    {MS(300), CS_CA_SEARCH, 0, CLI_A, 5, 5, "pv:slow", 0, 0},
    {MS(302), CS_CA_SEARCH, 1, CLI_A, 0x0a000009, 5, NULL, 5070, 0},
    {MS(303), CS_CA_SEARCH, 1, CLI_A, 0xffffffff, 5, NULL, 5064, 0},
    /* the same cid from another client is another search, answered at once (p1 INADDR_NONE:
     * the sender's address) */
    {MS(50), CS_CA_SEARCH, 0, CLI_B, 5, 5, "pv:slow", 0, 0},
    {MS(51), CS_CA_SEARCH, 1, CLI_B, 0xffffffff, 5, NULL, 5064, 0},
    /* pv:none: two tries, one NotFoundResponse */
    {MS(10), CS_CA_SEARCH, 0, CLI_A, 6, 6, "pv:none", 0, 0},
    {MS(20), CS_CA_NOT_FOUND, 1, CLI_A, 6, 6, NULL, 0, 0},
    {MS(110), CS_CA_SEARCH, 0, CLI_A, 6, 6, "pv:none", 0, 0},
};

static void
test_search(void **state)
{
    (void)state;
    struct cs_ca_stats *s = run(searches, N(searches), 0);
    const struct cs_ca_row *rows;
    size_t n = cs_ca_stats_rows(s, CS_CA_T_SEARCH, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 2);
    assert_true(pv_is(&rows[0], "pv:slow"));
    assert_int_equal(rows[0].requests, 3);
    assert_int_equal(rows[0].responses, 2);
    assert_int_equal(rows[0].dt, MS(302));
    assert_int_equal(rows[0].server.a.a[3], 9);
    assert_int_equal(rows[0].server.port, 5070);
    assert_int_equal(rows[1].client.a.a[3], 3);
    assert_int_equal(rows[1].dt, MS(1));
    assert_int_equal(rows[1].server.a.a[3], 1);
    n = cs_ca_stats_rows(s, CS_CA_T_NOTFOUND, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 1);
    assert_true(pv_is(&rows[0], "pv:none"));
    assert_int_equal(rows[0].requests, 2);
    assert_int_equal(rows[0].not_found, 1);
    assert_int_equal(rows[0].last, T0 + MS(110));
    cs_ca_stats_free(s);
}

/* ---- read/write latency, errors, monitors, disconnects ---- */

static const struct ev channel_life[] = {
    {MS(0), CS_CA_CREATE_CHAN, 0, CLI_A, 1, 13, "pv:io", 0, 0},
    {MS(1), CS_CA_CREATE_CHAN, 1, CLI_A, 1, 77, NULL, 0, 0},
    /* two reads (ioid 10, 11: 2 ms and 4 ms), one write refused with ECA_PUTFAIL (160) */
    {MS(10), CS_CA_READ_NOTIFY, 0, CLI_A, 77, 10, NULL, 0, 0},
    {MS(12), CS_CA_READ_NOTIFY, 1, CLI_A, 1, 10, NULL, 0, 0},
    {MS(20), CS_CA_READ_NOTIFY, 0, CLI_A, 77, 11, NULL, 0, 0},
    {MS(24), CS_CA_READ_NOTIFY, 1, CLI_A, 1, 11, NULL, 0, 0},
    {MS(30), CS_CA_WRITE_NOTIFY, 0, CLI_A, 77, 12, NULL, 0, 0},
    {MS(31), CS_CA_WRITE_NOTIFY, 1, CLI_A, 160, 12, NULL, 0, 0},
    /* a read never answered */
    {MS(35), CS_CA_READ_NOTIFY, 0, CLI_A, 77, 13, NULL, 0, 0},
    /* a monitor (subid 3) with updates at 40, 540, 1040 ms: 2 per second */
    {MS(39), CS_CA_EVENT_ADD, 0, CLI_A, 77, 3, NULL, 0, 0},
    {MS(40), CS_CA_EVENT_ADD, 1, CLI_A, 1, 3, NULL, 1, 0},
    {MS(540), CS_CA_EVENT_ADD, 1, CLI_A, 1, 3, NULL, 1, 0},
    {MS(1040), CS_CA_EVENT_ADD, 1, CLI_A, 1, 3, NULL, 1, 0},
};

static void
test_io_monitors_disconnects(void **state)
{
    (void)state;
    struct cs_ca_stats *s = run(channel_life, N(channel_life), 0);
    close_circuit(s, CLI_A, MS(2000), CS_TH_FIN | CS_TH_ACK);
    const struct cs_ca_row *rows;
    size_t n = cs_ca_stats_rows(s, CS_CA_T_IO, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 2);
    assert_true(pv_is(&rows[0], "pv:io"));
    assert_string_equal(rows[0].cmd, "ReadNotifyRequest");
    assert_int_equal(rows[0].requests, 3);
    assert_int_equal(rows[0].count, 2);
    assert_int_equal(rows[0].unanswered, 1);
    assert_true(rows[0].mean == 0.003);
    assert_true(rows[0].min == 0.002 && rows[0].max == 0.004);
    /* sample std of 2 and 4 ms: sqrt(2) ms */
    double err = rows[0].std - 0.001414213562373095;
    assert_true(err < 1e-18 && err > -1e-18);
    assert_string_equal(rows[1].cmd, "WriteNotifyRequest");
    assert_int_equal(rows[1].errors, 1);

    n = cs_ca_stats_rows(s, CS_CA_T_ERRORS, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].status, "ECA_PUTFAIL");
    assert_string_equal(rows[0].cmd, "WriteNotifyResponse");
    assert_int_equal(rows[0].ioid, 12);
    assert_true(pv_is(&rows[0], "pv:io"));

    n = cs_ca_stats_rows(s, CS_CA_T_MONITORS, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].updates, 3);
    assert_true(rows[0].rate == 2.0);
    assert_int_equal(rows[0].subid, 3);

    /* the channel was still open at the client's FIN */
    n = cs_ca_stats_rows(s, CS_CA_T_DISCONNECTS, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].kind, "FIN");
    assert_string_equal(rows[0].by, "client");
    assert_int_equal(rows[0].cid, 1);
    assert_int_equal(rows[0].sid, 77);
    assert_true(pv_is(&rows[0], "pv:io"));
    /* a second FIN finds nothing open */
    close_circuit(s, CLI_A, MS(2001), CS_TH_FIN | CS_TH_ACK);
    assert_int_equal(cs_ca_stats_rows(s, CS_CA_T_DISCONNECTS, CS_CA_BY_IP, &rows), 1);
    cs_ca_stats_free(s);
}

/* ---- beacons ---- */

static const struct ev beacons[] = {
    /* ids 7, 8, 8 (a copy), 10 (9 missed), then 0: the server restarted */
    {MS(0), CS_CA_RSRV_IS_UP, 1, CLI_A, 7, 0x0a000001, NULL, 13, 5064},
    {MS(100), CS_CA_RSRV_IS_UP, 1, CLI_A, 8, 0x0a000001, NULL, 13, 5064},
    {MS(101), CS_CA_RSRV_IS_UP, 1, CLI_A, 8, 0x0a000001, NULL, 13, 5064},
    {MS(300), CS_CA_RSRV_IS_UP, 1, CLI_A, 10, 0x0a000001, NULL, 13, 5064},
    {MS(5000), CS_CA_RSRV_IS_UP, 1, CLI_A, 0, 0x0a000001, NULL, 13, 5064},
};

static void
test_beacons(void **state)
{
    (void)state;
    struct cs_ca_stats *s = run(beacons, N(beacons), 0);
    const struct cs_ca_row *rows;
    size_t n = cs_ca_stats_rows(s, CS_CA_T_BEACONS, CS_CA_BY_IP, &rows);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].beacons, 5);
    assert_int_equal(rows[0].duplicates, 1);
    assert_int_equal(rows[0].missed, 1);
    assert_int_equal(rows[0].restarts, 1);
    assert_int_equal(rows[0].last_id, 0);
    assert_int_equal(rows[0].server.port, 5064);
    assert_true(rows[0].interval == 5.0 / 3); /* 5 s over 3 steps between 4 distinct beacons */
    cs_ca_stats_free(s);
}

/* ---- the pending cap: what does not fit is counted, not kept ---- */

static void
test_pending_cap(void **state)
{
    (void)state;
    /* cap 3 entries: requests take one each (names are capped at 3 too) */
    struct cs_ca_stats *s = run(creation, 2, 3);
    struct ev more[] = {
        {MS(8), CS_CA_CREATE_CHAN, 0, CLI_A, 20, 13, "pv:c", 0, 0},
        {MS(9), CS_CA_CREATE_CHAN, 0, CLI_A, 21, 13, "pv:d", 0, 0},
    };
    feed(s, &more[0]);
    feed(s, &more[1]);
    const struct cs_ca_row *rows;
    assert_int_equal(cs_ca_stats_rows(s, CS_CA_T_UNANSWERED, CS_CA_BY_IP, &rows), 3);
    struct cs_out *o = cs_out_new_mem(64);
    assert_int_equal(cs_ca_stats_dropped(s, o), 1);
    static const char want[] = "not tracked (caps reached): pending entries 1, rows 0, names 1\n";
    size_t len;
    const char *t = cs_out_data(o, &len);
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(t, want, len);
    cs_out_free(o);
    cs_ca_stats_free(s);
}

static void
test_tables(void **state)
{
    (void)state;
    static const char *const names[] = {"latency",     "servers", "unanswered", "search",
                                        "notfound",    "io",      "monitors",   "errors",
                                        "disconnects", "beacons"};
    for (int t = 0; t < CS_CA_T__COUNT; t++) {
        assert_int_equal(cs_ca_stats_table_find(names[t]), t);
        assert_string_equal(cs_ca_stats_table_name(t), names[t]);
        assert_non_null(cs_ca_stats_columns(t));
    }
    assert_int_equal(cs_ca_stats_table_find("latencies"), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe), cmocka_unit_test(test_creation_per_circuit),
        cmocka_unit_test(test_search),   cmocka_unit_test(test_io_monitors_disconnects),
        cmocka_unit_test(test_beacons),  cmocka_unit_test(test_pending_cap),
        cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_mptcp.c: MPTCP option decoding and text (tcpdump's words), token/IDSN derivation and
 * HMACs (RFC 8684, RFC 6824), with vectors from tcpdump's test captures and the shared ones;
 * connections retired when their last subflow leaves the flow table, and late joins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/flow.h"
#include "cashark/format.h"
#include "cashark/mptcp.h"

struct opt_case {
    const char *what;
    uint16_t tcp_flags;
    uint8_t bytes[40];
    size_t n;
    const char *text; /* cs_mptcp_opt_text */
    uint8_t bad;
};

static const struct opt_case opt_cases[] = {
    /* kind 30, len 4, subtype 0 version 1, flags H: the v1 SYN (mptcp-v1.pcap frame 1) */
    {"capable syn v1", CS_TH_SYN, {30, 4, 0x01, 0x01}, 4, "capable v1 flags [H]", 0},
    /* SYN/ACK: the server key */
    {"capable synack v1",
     CS_TH_SYN | CS_TH_ACK,
     {30, 12, 0x01, 0x01, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c},
     12,
     "capable v1 flags [H] {0x29a6c86981ad933c}",
     0},
    /* ACK with data: keys A, B and data-level length 8192 */
    {"capable data v1",
     CS_TH_ACK,
     {30,   22,   0x01, 0x01, 0x1f, 0xdb, 0x5d, 0xf3, 0x28, 0xbc, 0x3d,
      0xef, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c, 0x20, 0x00},
     22,
     "capable v1 flags [H] {0x1fdb5df328bc3def,0x29a6c86981ad933c,data_len=8192}",
     0},
    /* v0 SYN with checksum flag A and the client key */
    {"capable syn v0 csum",
     CS_TH_SYN,
     {30, 12, 0x00, 0x81, 0x9b, 0x59, 0xbe, 0x3d, 0x69, 0x5e, 0x66, 0xa7},
     12,
     "capable v0 flags [AH] csum {0x9b59be3d695e66a7}",
     0},
    /* a 12-byte MP_CAPABLE on a segment without SYN is not allowed */
    {"capable len on ack", CS_TH_ACK, {30, 12, 0x01, 0x01}, 12, "capable[bad opt]", 1},
    {"capable version 2", CS_TH_SYN, {30, 4, 0x02, 0x01}, 4, "capable Unknown Version (2)", 2},
    /* MP_JOIN SYN: backup, id 1, token, nonce */
    {"join syn",
     CS_TH_SYN,
     {30, 12, 0x11, 0x01, 0x36, 0x7e, 0x73, 0x79, 0x43, 0xac, 0xfe, 0x5f},
     12,
     "join backup id 1 token 0x367e7379 nonce 0x43acfe5f",
     0},
    {"join synack",
     CS_TH_SYN | CS_TH_ACK,
     {30, 16, 0x10, 0x01, 0x5a, 0xb6, 0x80, 0xc7, 0x88, 0x4a, 0xf0, 0x3d, 0x33, 0xab, 0xe9, 0xd5},
     16,
     "join id 1 hmac 0x5ab680c7884af03d nonce 0x33abe9d5",
     0},
    {"join bad len", CS_TH_SYN, {30, 13, 0x10, 0x01}, 13, "join[bad opt]", 3},
    /* DSS: A and a (8-byte DATA_ACK) */
    {"dss ack64",
     CS_TH_ACK,
     {30, 12, 0x20, 0x03, 0x12, 0xca, 0x06, 0xe2, 0x84, 0xfc, 0x82, 0x3e},
     12,
     "dss ack 1353902207941771838",
     0},
    /* DSS: 4-byte ack, 4-byte DSN, SSN 1, DLL 1, checksum 0x9e91 (mptcp-fclose frame 6) */
    {"dss map32 csum",
     CS_TH_ACK,
     {30,   20,   0x20, 0x05, 0xc9, 0xdc, 0x1c, 0x61, 0xb1, 0x71,
      0x2f, 0xb6, 0,    0,    0,    1,    0,    1,    0x9e, 0x91},
     20,
     "dss ack 3386645601 seq 2976985014 subseq 1 len 1 csum 0x9e91",
     0},
    /* DATA_FIN with a 64-bit DSN, SSN 0, DLL 1 */
    {"dss fin",
     CS_TH_ACK | CS_TH_FIN,
     {30, 20, 0x20, 0x1c, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 1, 0, 0},
     20,
     "dss fin seq 5 subseq 0 len 1 csum 0x0",
     0},
    /* CVE-2017-13040 shape: DSS of length 3 */
    {"dss len 3", CS_TH_SYN, {30, 3, 0x20}, 3, "dss[bad opt]", 4},
    /* flags say an 8-byte ack, the length leaves 4 */
    {"dss short ack", CS_TH_ACK, {30, 8, 0x20, 0x03, 1, 2, 3, 4}, 8, "dss[bad opt]", 4},
    /* v1 ADD_ADDR with truncated HMAC, and its echo with a port */
    {"add-addr v1",
     CS_TH_ACK,
     {30, 16, 0x30, 0x01, 10, 0, 2, 1, 0xf8, 0x29, 0x58, 0x62, 0xf6, 0x45, 0xdf, 0x19},
     16,
     "add-addr v1 id 1 10.0.2.1 hmac 0xf8295862f645df19",
     0},
    {"add-addr echo port",
     CS_TH_ACK,
     {30, 10, 0x31, 0x02, 10, 10, 2, 3, 0x14, 0x5a},
     10,
     "add-addr v1-echo id 2 10.10.2.3:5210",
     0},
    {"add-addr v0 ip6",
     CS_TH_ACK,
     {30, 20, 0x36, 0x01, 0xfd, 0, 0, 0x10, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
     20,
     "add-addr v0-ip6 id 1 fd00:10:2::2",
     0},
    {"add-addr bad len", CS_TH_ACK, {30, 9, 0x30, 0x01}, 9, "add-addr[bad opt]", 5},
    {"rem-addr", CS_TH_ACK, {30, 5, 0x40, 1, 7}, 5, "rem-addr id 1 7", 0},
    {"rem-addr empty", CS_TH_ACK, {30, 3, 0x40}, 3, "rem-addr[bad opt]", 6},
    {"prio v1", CS_TH_ACK, {30, 3, 0x51}, 3, "prio backup", 0},
    {"prio v0 id", CS_TH_ACK, {30, 4, 0x50, 3}, 4, "prio non-backup id 3", 0},
    {"fail",
     CS_TH_ACK | CS_TH_RST,
     {30, 12, 0x60, 0, 0x73, 0xce, 0x6a, 0x7b, 0x3f, 0x1c, 0xb4, 0x3a},
     12,
     "fail seq 8344724237136475194",
     0},
    {"fast-close",
     CS_TH_ACK,
     {30, 12, 0x70, 0, 0xd0, 0x05, 0xb1, 0xab, 0x34, 0xba, 0xd3, 0x44},
     12,
     "fast-close key 0xd005b1ab34bad344",
     0},
    {"tcprst", CS_TH_RST, {30, 4, 0x81, 1}, 4, "tcprst flags [T] reason MPTCP-specific error", 0},
    {"tcprst unknown reason",
     CS_TH_RST,
     {30, 4, 0x80, 9},
     4,
     "tcprst flags [none] reason unknown (0x09)",
     0},
    {"tcprst bad len", CS_TH_RST, {30, 5, 0x80, 1, 0}, 5, "tcprst[bad opt]", 10},
    {"experimental", CS_TH_ACK, {30, 4, 0xf0, 0}, 4, "unknown", 0},
    /* the length byte claims more than the bytes there */
    {"short", CS_TH_ACK, {30, 12, 0x20}, 3, "dss[bad opt]", 11},
};

static void
test_options(void **state)
{
    (void)state;
    struct cs_out *o = cs_out_new_mem(256);
    assert_non_null(o);
    for (size_t i = 0; i < sizeof opt_cases / sizeof opt_cases[0]; i++) {
        const struct opt_case *c = &opt_cases[i];
        struct cs_cursor cur = cs_cursor_make(c->bytes, c->n);
        struct cs_mptcp_opt m;
        cs_mptcp_parse(&cur, c->tcp_flags, &m);
        cs_out_reset(o);
        cs_mptcp_opt_text(o, &m);
        size_t n;
        const char *s = cs_out_data(o, &n);
        print_message("%s\n", c->what);
        assert_int_equal(n, strlen(c->text));
        assert_memory_equal(s, c->text, n);
        assert_int_equal(m.bad, c->bad);
        assert_non_null(cs_mptcp_anomaly_name((enum cs_mptcp_anomaly)m.bad));
    }
    cs_out_free(o);
}

/* DSS 22 is also the MP_CAPABLE-with-data length: the subtype decides. */
static void
test_dispatch_by_subtype(void **state)
{
    (void)state;
    uint8_t dss[22] = {30, 22, 0x20, 0x05, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1, 0, 100, 0xab, 0xcd};
    dss[1] = 20;
    struct cs_cursor c = cs_cursor_make(dss, 20);
    struct cs_mptcp_opt m;
    cs_mptcp_parse(&c, CS_TH_ACK, &m);
    assert_int_equal(m.subtype, CS_MPTCP_DSS);
    assert_int_equal(m.dack, 7);
    assert_int_equal(m.dsn, 9);
    assert_int_equal(m.dll, 100);
    assert_int_equal(m.csum, 0xabcd);
}

struct key_case {
    uint64_t key;
    int version;
    uint32_t token;
    uint64_t idsn;
};

/* basic.pcap (v1, kernel MPTCP_INFO agrees) and mptcp-v0.pcap (the join token names this key) */
static const struct key_case key_cases[] = {
    {0xe137387ba50440bbull, 1, 0x776f7da9, 0x12ca06e284fc823dull},
    {0xb0de0fdd7a42793eull, 1, 0xe6603bc7, 0x85e01f57e32e491aull},
    {0x967d2770b6960552ull, 0, 0xe47f0142, 0xe47ef57dd1b9748full},
};

static void
test_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof key_cases / sizeof key_cases[0]; i++) {
        uint32_t tok = 0;
        uint64_t idsn = 0;
        assert_int_equal(cs_mptcp_key_derive(key_cases[i].key, key_cases[i].version, &tok, &idsn),
                         0);
        assert_int_equal(tok, key_cases[i].token);
        assert_true(idsn == key_cases[i].idsn);
    }
}

/* RFC 2202 test case 2 shape is not applicable (16-byte keys); instead the SYN/ACK HMAC of
 * mptcp-v0.pcap frame 9: HMAC-SHA1(Kb||Ka, Rb||Ra), leftmost 64 bits. */
static void
test_join_hmac(void **state)
{
    (void)state;
    uint64_t ka = 0x9c9eabd1e46a33b2ull, kb = 0x967d2770b6960552ull;
    uint8_t msg[8] = {0x33, 0xab, 0xe9, 0xd5, 0x1b, 0x66, 0x5a, 0x18};
    uint8_t mac[8], want[8] = {0x5a, 0xb6, 0x80, 0xc7, 0x88, 0x4a, 0xf0, 0x3d};
    assert_int_equal(cs_mptcp_hmac(0, kb, ka, msg, sizeof msg, mac, sizeof mac), 0);
    assert_memory_equal(mac, want, sizeof want);
}

/* ---- retiring connections ---- */

struct seg {
    int64_t t_ms;   /* capture time */
    uint16_t cport; /* client port (the server is 10.0.0.2:5001) */
    int from_server;
    uint16_t flags;
    uint8_t opt[40]; /* TCP options, padded with zeros (EOL) to a multiple of 4 */
    size_t opt_len;
};

struct rig {
    struct cs_flowtab *ft;
    struct cs_mptcp *m;
    struct cs_out *o;
    uint64_t ordinal;
};

/* Decodes, tracks and hands one IPv4/TCP segment (no payload) to the tracker. */
static void
feed(struct rig *r, const struct seg *s)
{
    uint8_t pkt[80];
    size_t olen = (s->opt_len + 3) & ~(size_t)3, tot = 40 + olen;
    memset(pkt, 0, sizeof pkt);
    pkt[0] = 0x45;
    pkt[3] = (uint8_t)tot;
    pkt[8] = 64;
    pkt[9] = 6;
    uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(pkt + 12, s->from_server ? srv : cli, 4);
    memcpy(pkt + 16, s->from_server ? cli : srv, 4);
    uint8_t *t = pkt + 20;
    uint16_t sp = s->from_server ? 5001 : s->cport, dp = s->from_server ? s->cport : 5001;
    t[0] = (uint8_t)(sp >> 8);
    t[1] = (uint8_t)sp;
    t[2] = (uint8_t)(dp >> 8);
    t[3] = (uint8_t)dp;
    t[4] = s->from_server ? 0x80 : 0x10; /* seq: a different ISN per side */
    t[7] = (s->flags & CS_TH_SYN) ? 0 : 1;
    t[8] = s->from_server ? 0x10 : 0x80; /* ack */
    t[11] = (s->flags & CS_TH_ACK) ? 1 : 0;
    t[12] = (uint8_t)(((20 + olen) / 4) << 4);
    t[13] = (uint8_t)s->flags;
    t[14] = 0xff;
    memcpy(t + 20, s->opt, s->opt_len);
    struct cs_frame f = {++r->ordinal,  s->t_ms * 1000000, 6, (uint32_t)tot,
                         (uint32_t)tot, CS_DLT_RAW,        0, pkt};
    struct cs_packet p;
    struct cs_flow_view fv;
    cs_decode_frame(&f, &p);
    cs_flowtab_track(r->ft, &p, &fv);
    cs_mptcp_packet(r->m, &f, &p, &fv, NULL, NULL);
}

#define KEY8(k)                                                                                    \
    (uint8_t)((k) >> 56), (uint8_t)((k) >> 48), (uint8_t)((k) >> 40), (uint8_t)((k) >> 32),        \
        (uint8_t)((k) >> 24), (uint8_t)((k) >> 16), (uint8_t)((k) >> 8), (uint8_t)(k)

static const uint64_t key_a = 0x9c9eabd1e46a33b2ull, key_b = 0x967d2770b6960552ull;

/* A v0 connection on client port 40000 (handshake, FIN both ways at 1 s) is retired 10 s after
 * its close (the flow table's linger) when the next packet comes, not at the end of the run; a
 * join naming its token afterwards is an orphan marked late, not a new subflow of it. */
static void
test_retire(void **state)
{
    (void)state;
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    struct rig r = {cs_flowtab_new(&cfg), NULL, cs_out_new_mem(256), 0};
    struct cs_mptcp_config mc = {0, 0};
    r.m = cs_mptcp_new(&mc);
    assert_non_null(r.ft);
    assert_non_null(r.m);
    assert_non_null(r.o);
    assert_int_equal(cs_mptcp_attach(r.m, r.ft), 0);
    assert_int_equal(cs_mptcp_stats_start(r.m, r.o, CS_OUTFMT_TEXT, 0), 0);
    uint32_t tok_b;
    uint64_t idsn_b;
    assert_int_equal(cs_mptcp_key_derive(key_b, 0, &tok_b, &idsn_b), 0);
    const struct seg segs[] = {
        /* MP_CAPABLE v0: SYN with the client's key, SYN/ACK with the server's, ACK with both */
        {0, 40000, 0, CS_TH_SYN, {0x1e, 12, 0x00, 0x01, KEY8(key_a)}, 12},
        {1, 40000, 1, CS_TH_SYN | CS_TH_ACK, {0x1e, 12, 0x00, 0x01, KEY8(key_b)}, 12},
        {2, 40000, 0, CS_TH_ACK, {0x1e, 20, 0x00, 0x01, KEY8(key_a), KEY8(key_b)}, 20},
        /* an MP_JOIN SYN with the server's token while the connection is open: its subflow */
        {3, 40001, 0, CS_TH_SYN, {0x1e, 12, 0x10, 2, KEY8(((uint64_t)tok_b << 32) | 7)}, 12},
        {1000, 40000, 0, CS_TH_FIN | CS_TH_ACK, {0}, 0},
        {1001, 40000, 1, CS_TH_FIN | CS_TH_ACK, {0}, 0},
        {1002, 40001, 0, CS_TH_RST, {0}, 0},
    };
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++)
        feed(&r, &segs[i]);
    struct cs_mptcp_counts n;
    cs_mptcp_get_counts(r.m, &n);
    assert_int_equal(n.conns, 1);
    assert_int_equal(n.open_conns, 1);
    assert_int_equal(n.open_subflows, 2);
    /* 11 s later: both subflows lingered past 10 s and leave the table */
    const struct seg later = {12000, 50000, 0, CS_TH_SYN, {0}, 0};
    feed(&r, &later);
    cs_mptcp_get_counts(r.m, &n);
    assert_int_equal(n.open_conns, 0);
    assert_int_equal(n.open_subflows, 0);
    assert_int_equal(n.retired, 1);
    assert_int_equal(n.late_joins, 0);
    /* the token is forgotten: a join naming it is a late join, it does not reopen mptcp 0 */
    const struct seg late = {
        12001, 40002, 0, CS_TH_SYN, {0x1e, 12, 0x10, 2, KEY8(((uint64_t)tok_b << 32) | 9)}, 12};
    feed(&r, &late);
    cs_mptcp_get_counts(r.m, &n);
    assert_int_equal(n.late_joins, 1);
    assert_int_equal(n.conns, 1);
    assert_int_equal(n.open_subflows, 1);
    cs_flowtab_flush(r.ft);
    cs_mptcp_stats_end(r.m);
    size_t len;
    const char *text = cs_out_data(r.o, &len);
    const char *want = "MPTCP connections: 1\n"
                       "mptcp 0: v0 10.0.0.1:40000 -> 10.0.0.2:5001, 2 subflows\n";
    assert_true(len > strlen(want));
    assert_memory_equal(text, want, strlen(want));
    assert_non_null(strstr(text, "subflow 1 conn 1 10.0.0.1:40001 -> 10.0.0.2:5001 join token"));
    assert_non_null(strstr(text, "orphan join: conn 3 10.0.0.1:40002 -> 10.0.0.2:5001 token "
                                 "0xe47f0142 of mptcp 0, which had ended (late join), open\n"));
    cs_mptcp_get_counts(r.m, &n);
    assert_int_equal(n.open_subflows, 0);
    cs_flowtab_free(r.ft);
    cs_mptcp_free(r.m);
    cs_out_free(r.o);
}

/* More connections than one batch: the first CS_MPTCP_BATCH are printed as soon as they are
 * retired (in first-seen order), the rest at the end, and the count line comes last. */
static void
test_batches(void **state)
{
    (void)state;
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    struct rig r = {cs_flowtab_new(&cfg), NULL, cs_out_new_mem(256), 0};
    struct cs_mptcp_config mc = {0, 0};
    r.m = cs_mptcp_new(&mc);
    assert_non_null(r.ft);
    assert_non_null(r.m);
    assert_non_null(r.o);
    assert_int_equal(cs_mptcp_attach(r.m, r.ft), 0);
    assert_int_equal(cs_mptcp_stats_start(r.m, r.o, CS_OUTFMT_TEXT, 0), 0);
    const int total = CS_MPTCP_BATCH + 6;
    for (int i = 0; i < total; i++) {
        uint64_t ka = key_a + (uint64_t)i, kb = key_b + (uint64_t)i;
        uint16_t port = (uint16_t)(20000 + i);
        const struct seg hs[] = {
            {i, port, 0, CS_TH_SYN, {0x1e, 12, 0x00, 0x01, KEY8(ka)}, 12},
            {i, port, 1, CS_TH_SYN | CS_TH_ACK, {0x1e, 12, 0x00, 0x01, KEY8(kb)}, 12},
            {i, port, 0, CS_TH_ACK, {0x1e, 20, 0x00, 0x01, KEY8(ka), KEY8(kb)}, 20},
            {i, port, 0, CS_TH_RST, {0}, 0},
        };
        for (size_t k = 0; k < sizeof hs / sizeof hs[0]; k++)
            feed(&r, &hs[k]);
    }
    struct cs_mptcp_counts n;
    cs_mptcp_get_counts(r.m, &n);
    assert_int_equal(n.open_conns, total);
    size_t len;
    cs_out_data(r.o, &len);
    assert_int_equal(len, 0);
    const struct seg later = {60000, 50000, 0, CS_TH_SYN, {0}, 0};
    feed(&r, &later); /* the flow table retires a few lingered flows per packet */
    feed(&r, &later);
    cs_flowtab_flush(r.ft);
    const char *text = cs_out_data(r.o, &len);
    assert_true(len > 0);
    assert_memory_equal(text, "mptcp 0: v0 10.0.0.1:20000 -> ", 30);
    cs_mptcp_stats_end(r.m);
    text = cs_out_data(r.o, &len);
    const char *tail = "MPTCP connections: 1030\n";
    assert_true(len > strlen(tail));
    assert_string_equal(text + len - strlen(tail), tail);
    assert_non_null(strstr(text, "\nmptcp 1029: v0 10.0.0.1:21029 -> "));
    assert_null(strstr(text, "\nmptcp 1030:"));
    cs_mptcp_get_counts(r.m, &n);
    assert_int_equal(n.retired, total);
    assert_int_equal(n.open_subflows, 0);
    cs_flowtab_free(r.ft);
    cs_mptcp_free(r.m);
    cs_out_free(r.o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options), cmocka_unit_test(test_dispatch_by_subtype),
        cmocka_unit_test(test_keys),    cmocka_unit_test(test_join_hmac),
        cmocka_unit_test(test_retire),  cmocka_unit_test(test_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

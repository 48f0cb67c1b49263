/* test_bpf.c: BPF filters on file frames: validation, per-link-type compilation, matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "cashark/bpf.h"

/* Ethernet + IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:5064, no payload. */
static const uint8_t eth_tcp[] = {
    0,    1,    2,    3,    4,  5, 6,    7, 8,  9, 10, 11, 0x08, 0x00, /* dst, src, IPv4 */
    0x45, 0,    0,    40,   0,  1, 0x40, 0, 64, 6, 0,  0,              /* IPv4, len 40, TCP */
    10,   0,    0,    1,    10, 0, 0,    2,                            /* addresses */
    0x9c, 0x40, 0x13, 0xc8, 0,  0, 0,    1, 0,  0, 0,  0, /* ports 40000 -> 5064, seq 1 */
    0x50, 0x02, 0xff, 0xff, 0,  0, 0,    0,               /* doff 5, SYN */
};

/* The same IPv4 packet as raw IP (LINKTYPE_RAW 101, DLT_RAW on this platform). */
#define RAW_OFF 14

static const struct {
    const char *expr;
    uint32_t linktype;
    int want; /* CS_BPF_* */
} vecs[] = {
    {"tcp port 5064", 1, CS_BPF_MATCH},
    {"udp", 1, CS_BPF_NOMATCH},
    {"host 10.0.0.2 and tcp[tcpflags] & tcp-syn != 0", 1, CS_BPF_MATCH},
    {"tcp port 5064", 101, CS_BPF_MATCH}, /* LINKTYPE_RAW maps to DLT_RAW */
    {"tcp port 80", 101, CS_BPF_NOMATCH},
    {"ether host 00:01:02:03:04:05", 101, CS_BPF_UNSUPPORTED}, /* no MAC on raw IP */
    {"", 1, CS_BPF_MATCH},                                     /* empty: everything */
};

static void
test_match(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        char err[256] = "";
        struct cs_bpf *b = cs_bpf_new(vecs[i].expr, err, sizeof err);
        if (!b)
            fail_msg("%s: %s", vecs[i].expr, err);
        struct cs_frame f = {1, 0, 6, sizeof eth_tcp, sizeof eth_tcp, 1, 0, eth_tcp};
        if (vecs[i].linktype == 101) {
            f.linktype = 101;
            f.data = &eth_tcp[RAW_OFF];
            f.caplen = f.len = sizeof eth_tcp - RAW_OFF;
        }
        /* twice: the second comes from the cache */
        assert_int_equal(cs_bpf_match(b, &f), vecs[i].want);
        assert_int_equal(cs_bpf_match(b, &f), vecs[i].want);
        if (vecs[i].want == CS_BPF_UNSUPPORTED)
            assert_true(strlen(cs_bpf_link_error(b, f.linktype)) > 0);
        else
            assert_string_equal(cs_bpf_link_error(b, f.linktype), "");
        assert_string_equal(cs_bpf_expr(b), vecs[i].expr);
        cs_bpf_free(b);
    }
}

static void
test_bad_expression(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(cs_bpf_new("tcp port", err, sizeof err));
    assert_true(strlen(err) > 0);
    assert_null(cs_bpf_new("nonsense words", err, sizeof err));
    assert_true(strlen(err) > 0);
}

/* More link types than the cache holds: entries are replaced, results stay right. */
static void
test_cache_churn(void **state)
{
    (void)state;
    char err[256];
    struct cs_bpf *b = cs_bpf_new("ip", err, sizeof err);
    assert_non_null(b);
    struct cs_frame f = {1, 0, 6, sizeof eth_tcp, sizeof eth_tcp, 1, 0, eth_tcp};
    for (int round = 0; round < 3; round++) {
        for (uint32_t lt = 150; lt < 170; lt++) { /* user DLTs 147-162 and others */
            f.linktype = lt;
            assert_true(cs_bpf_match(b, &f) <= CS_BPF_MATCH);
        }
        f.linktype = 1;
        assert_int_equal(cs_bpf_match(b, &f), CS_BPF_MATCH);
    }
    cs_bpf_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_bad_expression),
        cmocka_unit_test(test_cache_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

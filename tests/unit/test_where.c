/* test_where.c: the --where language: parsing errors with their columns, comparisons on
 * numbers with units, times, text and addresses, &&, ||, !, parentheses, absent fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/tcpstats.h"
#include "cashark/where.h"

/* A connection row: client 10.77.0.2:40000, server 10.77.0.12:8080, handshake 354.574 ms,
 * 3 SYNs, 70000 bytes client to server, a client RST; microsecond capture. */
static struct cs_tcpconn
row(void)
{
    struct cs_tcpconn r;
    memset(&r, 0, sizeof r);
    r.conn = 7;
    r.cli.family = r.srv.family = 4;
    r.cli.a[0] = r.srv.a[0] = 10;
    r.cli.a[1] = r.srv.a[1] = 77;
    r.cli.a[3] = 2;
    r.srv.a[3] = 12;
    r.cport = 40000;
    r.sport = 8080;
    r.ipv = 4;
    r.ts_digits = 6;
    r.has_syn = r.has_synack = 1;
    r.syn_t = 1000000000;
    r.last_syn_t = r.syn_t;
    r.synack_t = r.syn_t + 354574000; /* hs_first = 0.354574 s */
    r.syn_n = 3;
    r.d[0].bytes = 70000;
    r.d[0].pkts = 50;
    r.has_rst = 1;
    r.rst_by = CS_TCPCONN_CLIENT;
    memcpy(r.state, "RSTO", 5);
    return r;
}

struct vec {
    const char *expr;
    int want; /* 1 match, 0 no match */
};

static const struct vec matches[] = {
    {"hs_first > 300ms", 1},
    {"hs_first > 0.36s", 0},
    {"hs_first >= 354574us", 1},
    {"hs_first < 354574us", 0},
    {"hs_first = 354.574ms", 1},
    {"c2s_bytes > 64Ki", 1}, /* 70000 > 65536 */
    {"c2s_bytes > 70k", 0},  /* 70000 is not > 70,000 */
    {"c2s_bytes >= 70k", 1},
    {"c2s_bytes != 70000", 0},
    {"syn_n == 3 && c2s_pkts < 51", 1},
    {"syn_n = 2 || state = \"RSTO\"", 1},
    {"syn_n = 2 || state = 'SF'", 0},
    {"!(syn_n = 2)", 1},
    {"!syn_n = 3", 0}, /* ! binds to the comparison */
    {"(syn_n = 2 || syn_n = 3) && rst_by = \"client\"", 1},
    {"syn_n = 2 || syn_n = 3 && rst_by = \"server\"", 0}, /* && before || */
    {"client = 10.77.0.2", 1},                            /* an address matches addr:port */
    {"client = 10.77.0.2:40000", 1},
    {"client = 10.77.0.22", 0},
    {"client = [10.77.0.2]", 1}, /* an address in brackets (IPv6 style) without a port too */
    {"client = [10.77.0.22]", 0},
    {"server != 10.77.0.12:8080", 0},
    {"hs_ack > 0", 0},      /* absent (no ACK of the SYN-ACK): false */
    {"!(hs_ack > 0)", 1},   /* ... and its negation true */
    {"vlan = 0", 0},        /* absent when untagged */
    {"state > \"REJ\"", 1}, /* text order */
    {"conn = 7", 1},
    {"conn > -1", 1},
    {"open_at_rst = 0", 0}, /* absent until computed */
    {"ordinal = 1", 0},     /* a packet field: connection rows lack it */
};

static void
test_match(void **state)
{
    (void)state;
    struct cs_tcpconn r = row();
    struct cs_frame fr;
    memset(&fr, 0, sizeof fr);
    struct cs_record rec = {CS_REC_TCPCONN, &fr, NULL, NULL, &r, 0};
    for (size_t i = 0; i < sizeof matches / sizeof matches[0]; i++) {
        char err[128];
        size_t col = 0;
        struct cs_where *w = cs_where_compile(matches[i].expr, err, sizeof err, &col);
        if (!w)
            fail_msg("%s: %s (column %zu)", matches[i].expr, err, col);
        if (cs_where_match(w, &rec) != matches[i].want)
            fail_msg("%s: expected %d", matches[i].expr, matches[i].want);
        cs_where_free(w);
    }
}

struct bad {
    const char *expr;
    size_t col; /* 1-based column of the error */
    const char *msg_start;
};

static const struct bad bads[] = {
    {"", 1, "empty expression"},
    {"hs_frist > 1", 1, "unknown field 'hs_frist'"},
    {"syn_n > 1 && hs_frist > 1", 14, "unknown field"},
    {"syn_n 3", 7, "expected a comparison"},
    {"syn_n >", 8, "expected a value"},
    {"(syn_n > 1", 11, "expected ')'"},
    {"syn_n > 1)", 10, "unexpected text"},
    {"syn_n > 1 & syn_n < 3", 11, "use && and ||"},
    {"state = \"SF", 9, "unterminated string"},
    {"> 3", 1, "expected a field name"},
    {"syn_n > 1 &&", 13, "expected a field name"},
};

static void
test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        char err[128];
        size_t col = 0;
        struct cs_where *w = cs_where_compile(bads[i].expr, err, sizeof err, &col);
        if (w)
            fail_msg("'%s' compiled", bads[i].expr);
        if (col != bads[i].col)
            fail_msg("'%s': column %zu, expected %zu (%s)", bads[i].expr, col, bads[i].col, err);
        if (strncmp(err, bads[i].msg_start, strlen(bads[i].msg_start)) != 0)
            fail_msg("'%s': message '%s'", bads[i].expr, err);
    }
}

/* Deep nesting is refused, not a stack overflow. */
static void
test_depth(void **state)
{
    (void)state;
    char expr[400];
    size_t n = 0;
    for (int i = 0; i < 150; i++)
        expr[n++] = '(';
    memcpy(expr + n, "syn_n = 1", 10);
    char err[128];
    size_t col;
    assert_null(cs_where_compile(expr, err, sizeof err, &col));
    assert_non_null(strstr(err, "nested too deeply"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_format_out.c: the output writer, number, time and address formatting, and escaping. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "cashark/format.h"

/* Runs fn on a fresh memory writer and compares what it wrote with want. */
#define CHECK_OUT(want, stmt)                                                                      \
    do {                                                                                           \
        struct cs_out *o_ = cs_out_new_mem(8);                                                     \
        assert_non_null(o_);                                                                       \
        struct cs_out *o = o_;                                                                     \
        stmt;                                                                                      \
        size_t n_;                                                                                 \
        const char *d_ = cs_out_data(o_, &n_);                                                     \
        char got_[512];                                                                            \
        assert_true(n_ < sizeof got_);                                                             \
        memcpy(got_, d_, n_);                                                                      \
        got_[n_] = '\0';                                                                           \
        assert_string_equal(got_, (want));                                                         \
        cs_out_free(o_);                                                                           \
    } while (0)

/* ---- integers ---- */

static const struct {
    uint64_t v;
    const char *want;
} u64_vectors[] = {
    {0, "0"},                                  /* single digit */
    {9, "9"},                                  /* largest single digit */
    {10, "10"},                                /* first pair */
    {100, "100"},                              /* odd digit count */
    {65535, "65535"},                          /* a port */
    {4294967295u, "4294967295"},               /* 2^32 - 1: largest raw seq */
    {UINT64_MAX, "18446744073709551615"},      /* widest */
    {9007199254740993ull, "9007199254740993"}, /* 2^53 + 1: why big ints are strings */
};

static void
test_u64(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof u64_vectors / sizeof u64_vectors[0]; i++)
        CHECK_OUT(u64_vectors[i].want, cs_out_u64(o, u64_vectors[i].v));
}

static const struct {
    int64_t v;
    const char *want;
} i64_vectors[] = {
    {0, "0"},
    {-1, "-1"},
    {-100, "-100"},
    {INT64_MAX, "9223372036854775807"},
    {INT64_MIN, "-9223372036854775808"}, /* magnitude does not fit int64 */
};

static void
test_i64(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof i64_vectors / sizeof i64_vectors[0]; i++)
        CHECK_OUT(i64_vectors[i].want, cs_out_i64(o, i64_vectors[i].v));
}

static const struct {
    uint64_t v;
    int min;
    const char *want;
} hex_vectors[] = {
    {0x800, 4, "0800"},                  /* ethertype IPv4 */
    {0, 0, "0"},                         /* zero still has a digit */
    {0xab, 2, "ab"},                     /* a byte */
    {0xdeadbeef, 1, "deadbeef"},         /* min below the width */
    {UINT64_MAX, 4, "ffffffffffffffff"}, /* widest */
};

static void
test_hex(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hex_vectors / sizeof hex_vectors[0]; i++)
        CHECK_OUT(hex_vectors[i].want, cs_out_hex(o, hex_vectors[i].v, hex_vectors[i].min));
}

/* ---- time ---- */

static const struct {
    int64_t ns;
    int digits;
    const char *fixed, *iso;
} time_vectors[] = {
    /* 2023-11-14T22:13:20 UTC plus 123456 us, microsecond capture */
    {1700000000123456000, 6, "1700000000.123456", "2023-11-14T22:13:20.123456Z"},
    /* the same with nanoseconds */
    {1700000000123456789, 9, "1700000000.123456789", "2023-11-14T22:13:20.123456789Z"},
    /* the epoch */
    {0, 6, "0.000000", "1970-01-01T00:00:00.000000Z"},
    /* leap day 2024-02-29 12:00:00.5 */
    {1709208000500000000, 6, "1709208000.500000", "2024-02-29T12:00:00.500000Z"},
    /* 2000-03-01: day after a 400-year leap day */
    {951868800000000000, 6, "951868800.000000", "2000-03-01T00:00:00.000000Z"},
    /* end of a year */
    {1704067199999999000, 6, "1704067199.999999", "2023-12-31T23:59:59.999999Z"},
    /* 100 us before the epoch: negative, floor for the calendar */
    {-100000, 6, "-0.000100", "1969-12-31T23:59:59.999900Z"},
    /* digits 0: no decimal point */
    {1500000000, 0, "1", "1970-01-01T00:00:01Z"},
    /* sub-microsecond part truncated with 6 digits */
    {1999, 6, "0.000001", "1970-01-01T00:00:00.000001Z"},
};

static void
test_time(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof time_vectors / sizeof time_vectors[0]; i++) {
        CHECK_OUT(time_vectors[i].fixed,
                  cs_out_fixed(o, time_vectors[i].ns, time_vectors[i].digits));
        CHECK_OUT(time_vectors[i].iso,
                  cs_out_iso8601(o, time_vectors[i].ns, time_vectors[i].digits));
    }
}

/* ---- addresses ---- */

static const struct {
    const char *in; /* parsed with inet_pton */
    const char *want;
} addr_vectors[] = {
    {"10.0.0.1", "10.0.0.1"},
    {"255.255.255.255", "255.255.255.255"},
    {"0.0.0.0", "0.0.0.0"},
    {"fd77::2", "fd77::2"},
    /* RFC 5952 4.1: no leading zeros */
    {"2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"},
    /* 4.2.1: shorten as much as possible */
    {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
    /* 4.2.2: a single zero group is not shortened */
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
    /* 4.2.3: the longest run is shortened */
    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
    /* 4.2.3: on a tie the first run is shortened */
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    /* 4.3: lower case */
    {"2001:DB8::ABCD", "2001:db8::abcd"},
    {"::", "::"},
    {"::1", "::1"},
    {"1::", "1::"},
    {"fe80::1:2:3:4", "fe80::1:2:3:4"},
    /* 5: IPv4-mapped in mixed notation */
    {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
    /* no zero groups at all */
    {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
    /* a run at the end */
    {"1:2:3:4:5:0:0:0", "1:2:3:4:5::"},
};

static void
test_addr(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof addr_vectors / sizeof addr_vectors[0]; i++) {
        struct cs_addr a;
        memset(&a, 0, sizeof a);
        if (inet_pton(AF_INET, addr_vectors[i].in, a.a) == 1) {
            a.family = 4;
        } else {
            assert_int_equal(inet_pton(AF_INET6, addr_vectors[i].in, a.a), 1);
            a.family = 6;
        }
        CHECK_OUT(addr_vectors[i].want, cs_out_addr(o, &a));
    }
}

static void
test_mac(void **state)
{
    (void)state;
    static const uint8_t mac[6] = {0x00, 0x1b, 0x21, 0xaa, 0xbc, 0xff};
    CHECK_OUT("00:1b:21:aa:bc:ff", cs_out_mac(o, mac));
}

/* ---- escaping ---- */

static const struct {
    const char *in;
    size_t n;
    const char *text, *json, *csv, *tsv;
} esc_vectors[] = {
    /* plain */
    {"abc", 3, "abc", "abc", "abc", "abc"},
    /* terminal escape: ESC [ 2 J */
    {"\x1b[2J", 4, "\\x1b[2J", "\\u001b[2J", "\x1b[2J", "\x1b[2J"},
    /* newline and carriage return */
    {"a\nb\r", 4, "a\\x0ab\\x0d", "a\\nb\\r", "\"a\nb\r\"", "a\\nb\\r"},
    /* tab */
    {"a\tb", 3, "a\\x09b", "a\\tb", "a\tb", "a\\tb"},
    /* quote and backslash */
    {"say \"hi\\\"", 9, "say \"hi\\\"", "say \\\"hi\\\\\\\"", "\"say \"\"hi\\\"\"\"",
     "say \"hi\\\\\""},
    /* comma */
    {"a,b", 3, "a,b", "a,b", "\"a,b\"", "a,b"},
    /* high bytes (UTF-8 for e-acute) and DEL */
    {"\xc3\xa9\x7f", 3, "\\xc3\\xa9\\x7f", "\\u00c3\\u00a9\\u007f", "\xc3\xa9\x7f", "\xc3\xa9\x7f"},
    /* NUL inside */
    {"a\0b", 3, "a\\x00b", "a\\u0000b", "a\0b", "a\0b"},
    /* backspace and form feed */
    {"\b\f", 2, "\\x08\\x0c", "\\b\\f", "\b\f", "\b\f"},
    /* empty */
    {"", 0, "", "", "", ""},
};

static void
test_escape(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof esc_vectors / sizeof esc_vectors[0]; i++) {
        const char *in = esc_vectors[i].in;
        size_t n = esc_vectors[i].n;
        CHECK_OUT(esc_vectors[i].text, cs_out_escaped(o, in, n));
        CHECK_OUT(esc_vectors[i].json, cs_out_json_text(o, in, n));
        if (!memchr(in, '\0', n)) { /* expected strings cannot hold a NUL */
            CHECK_OUT(esc_vectors[i].csv, cs_out_csv_cell(o, in, n));
            CHECK_OUT(esc_vectors[i].tsv, cs_out_tsv_cell(o, in, n));
        }
    }
}

/* No byte value ever comes out of the text escaper as a control character or high byte. */
static void
test_escape_all_bytes(void **state)
{
    (void)state;
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    struct cs_out *o = cs_out_new_mem(16);
    cs_out_escaped(o, all, sizeof all);
    size_t n;
    const char *d = cs_out_data(o, &n);
    assert_int_equal(n, 95 + 161 * 4);
    for (size_t i = 0; i < n; i++)
        assert_true((unsigned char)d[i] >= 0x20 && (unsigned char)d[i] < 0x7f);
    cs_out_reset(o);
    cs_out_json_text(o, all, sizeof all);
    d = cs_out_data(o, &n);
    for (size_t i = 0; i < n; i++)
        assert_true((unsigned char)d[i] >= 0x20 && (unsigned char)d[i] < 0x7f);
    cs_out_free(o);
}

/* ---- the writer ---- */

static size_t
drain(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, cap - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Buffered: nothing reaches the pipe until the buffer fills or flush. */
static void
test_out_buffered(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    struct cs_out *o = cs_out_new(p[1], 64, 0);
    char buf[4096];
    cs_out_str(o, "0123456789");
    cs_out_end_record(o);
    assert_int_equal(drain(p[0], buf, sizeof buf), 0); /* still buffered */
    for (int i = 0; i < 10; i++) {
        cs_out_str(o, "0123456789");
        cs_out_end_record(o);
    }
    /* 121 bytes through a 64-byte buffer: at least one full buffer went out */
    size_t first = drain(p[0], buf, sizeof buf);
    assert_true(first >= 64 && first < 121);
    assert_int_equal(cs_out_flush(o), 0);
    size_t rest = drain(p[0], buf + first, sizeof buf - first);
    assert_int_equal(first + rest, 121);
    assert_memory_equal(buf, "0123456789\n0123456789\n", 22);
    /* a piece larger than the buffer goes straight out, in order */
    char big[200];
    memset(big, 'x', sizeof big);
    cs_out_str(o, "ab");
    cs_out_mem(o, big, sizeof big);
    assert_int_equal(cs_out_flush(o), 0);
    assert_int_equal(drain(p[0], buf, sizeof buf), 202);
    assert_memory_equal(buf, "abxxx", 5);
    assert_int_equal(cs_out_failed(o), 0);
    cs_out_free(o);
    close(p[0]);
    close(p[1]);
}

/* Flush-each: every record is in the pipe as soon as it ends. */
static void
test_out_flush_each(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    struct cs_out *o = cs_out_new(p[1], 1 << 16, 1);
    char buf[64];
    cs_out_str(o, "rec");
    assert_int_equal(drain(p[0], buf, sizeof buf), 0);
    cs_out_end_record(o);
    assert_int_equal(drain(p[0], buf, sizeof buf), 4);
    assert_memory_equal(buf, "rec\n", 4);
    /* switched off: buffered again; switched on: what was buffered goes out at once */
    cs_out_set_flush_each(o, 0);
    cs_out_str(o, "a");
    cs_out_end_record(o);
    assert_int_equal(drain(p[0], buf, sizeof buf), 0);
    cs_out_set_flush_each(o, 1);
    assert_int_equal(drain(p[0], buf, sizeof buf), 2);
    assert_memory_equal(buf, "a\n", 2);
    cs_out_free(o);
    close(p[0]);
    close(p[1]);
}

/* EPIPE: the reader went away, SIGPIPE ignored: the writer fails quietly and stays failed. */
static void
test_out_epipe(void **state)
{
    (void)state;
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    struct cs_out *o = cs_out_new(p[1], 128, 1);
    assert_int_equal(cs_out_failed(o), 0);
    cs_out_str(o, "lost");
    cs_out_end_record(o);
    assert_int_equal(cs_out_failed(o), 1);
    cs_out_str(o, "more");
    cs_out_end_record(o);
    assert_int_equal(cs_out_flush(o), -1);
    cs_out_free(o);
    close(p[1]);
    signal(SIGPIPE, old);
}

/* A bad descriptor fails the same way in buffered mode, at the flush. */
static void
test_out_ebadf(void **state)
{
    (void)state;
    struct cs_out *o = cs_out_new(1000, 0, 0);
    cs_out_str(o, "x");
    assert_int_equal(cs_out_failed(o), 0);
    assert_int_equal(cs_out_flush(o), -1);
    assert_int_equal(cs_out_failed(o), 1);
    cs_out_free(o);
}

static void
test_out_mem_grow(void **state)
{
    (void)state;
    struct cs_out *o = cs_out_new_mem(1);
    for (int i = 0; i < 1000; i++)
        cs_out_u64(o, 1234567890);
    size_t n;
    const char *d = cs_out_data(o, &n);
    assert_int_equal(n, 10000);
    assert_memory_equal(d + 9990, "1234567890", 10);
    cs_out_pad(o, 40);
    d = cs_out_data(o, &n);
    assert_int_equal(n, 10040);
    assert_memory_equal(d + 10000, "                                        ", 40);
    cs_out_reset(o);
    cs_out_data(o, &n);
    assert_int_equal(n, 0);
    cs_out_free(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64),          cmocka_unit_test(test_i64),
        cmocka_unit_test(test_hex),          cmocka_unit_test(test_time),
        cmocka_unit_test(test_addr),         cmocka_unit_test(test_mac),
        cmocka_unit_test(test_escape),       cmocka_unit_test(test_escape_all_bytes),
        cmocka_unit_test(test_out_buffered), cmocka_unit_test(test_out_flush_each),
        cmocka_unit_test(test_out_epipe),    cmocka_unit_test(test_out_ebadf),
        cmocka_unit_test(test_out_mem_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

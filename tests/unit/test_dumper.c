/* test_dumper.c: pcap/pcapng writer, read back through cashark's reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cashark/dumper.h"
#include "cashark/reader.h"

/* A frame to write, and what must come back. */
struct vec {
    int64_t ts_ns;
    uint8_t ts_digits;
    uint32_t caplen, len, linktype;
    uint32_t snaplen; /* source interface's snaplen handed to cs_dumper_write_snap */
    int64_t back_ts;  /* timestamp read back */
    uint32_t back_iface;
};

static uint8_t payload[2000];

static void
fill_payload(void)
{
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
}

/* Writes vecs to a temporary file in fmt, returns its path in path (caller unlinks). */
static void
write_file(char *path, enum cs_capfmt fmt, uint32_t snaplen, const struct vec *v, size_t n)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256] = "";
    struct cs_dumper *d = cs_dumper_open(path, fmt, snaplen, err, sizeof err);
    if (!d)
        fail_msg("open: %s", err);
    for (size_t i = 0; i < n; i++) {
        struct cs_frame f = {0, v[i].ts_ns, v[i].ts_digits, v[i].caplen, v[i].len, v[i].linktype,
                             0, payload};
        if (cs_dumper_write_snap(d, &f, v[i].snaplen) < 0)
            fail_msg("write %zu: %s", i, cs_dumper_error(d));
    }
    assert_int_equal(cs_dumper_count(d), n);
    assert_int_equal(cs_dumper_close(d), 0);
}

static struct cs_reader *
read_back(const char *path, const struct vec *v, size_t n, uint32_t cut)
{
    char err[256] = "";
    struct cs_reader *r = cs_reader_open_path(path, err, sizeof err);
    if (!r)
        fail_msg("read back: %s", err);
    struct cs_frame f;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cs_reader_next(r, &f), 1);
        uint32_t caplen = cut && v[i].caplen > cut ? cut : v[i].caplen;
        assert_int_equal(f.ts_ns, v[i].back_ts);
        assert_int_equal(f.ts_digits, v[i].ts_digits);
        assert_int_equal(f.caplen, caplen);
        assert_int_equal(f.len, v[i].len);
        assert_int_equal(f.linktype, v[i].linktype);
        assert_int_equal(f.iface, v[i].back_iface);
        assert_memory_equal(f.data, payload, caplen);
    }
    assert_int_equal(cs_reader_next(r, &f), 0);
    return r;
}

static void
test_pcap_micro(void **state)
{
    (void)state;
    static const struct vec v[] = {
        /* 1.5 s, microsecond source: written and read back exactly */
        {1500000000, 6, 60, 60, 1, 0, 1500000000, 0},
        /* 1.000001999 s: a micro file keeps 1.000001 */
        {1000001999, 6, 1514, 1514, 1, 0, 1000001000, 0},
        /* empty frame */
        {2000000000, 6, 0, 0, 1, 0, 2000000000, 0},
    };
    char path[] = "/tmp/cashark-test-dumper-XXXXXX";
    write_file(path, CS_CAPFMT_PCAP, 0, v, 3);
    struct cs_reader *r = read_back(path, v, 3, 0);
    assert_int_equal(cs_reader_format(r), CS_CAPFMT_PCAP);
    assert_int_equal(cs_reader_iface(r, 0)->snaplen, 262144);
    cs_reader_close(r);
    unlink(path);
}

static void
test_pcap_nano_and_cut(void **state)
{
    (void)state;
    static const struct vec v[] = {
        /* nanosecond first frame: nanosecond magic, stamps kept to the ns */
        {1123456789, 9, 100, 100, 113, 0, 1123456789, 0},
        /* cut to the dumper's snaplen 64; len stays */
        {1999999999, 9, 200, 1500, 113, 0, 1999999999, 0},
    };
    char path[] = "/tmp/cashark-test-dumper-XXXXXX";
    write_file(path, CS_CAPFMT_PCAP, 64, v, 2);
    struct cs_reader *r = read_back(path, v, 2, 64);
    assert_int_equal(cs_reader_iface(r, 0)->snaplen, 64);
    assert_int_equal(cs_reader_iface(r, 0)->ts_digits, 9);
    cs_reader_close(r);
    unlink(path);
}

/* Mixed link types, snaplens and precisions in pcapng: one IDB per distinct triple. */
static void
test_pcapng_mixed(void **state)
{
    (void)state;
    static const struct vec v[] = {
        {1000000000, 6, 60, 60, 1, 65535, 1000000000, 0},   /* IDB 0: EN10MB/65535/us */
        {1100000001, 9, 70, 70, 113, 65535, 1100000001, 1}, /* IDB 1: SLL/65535/ns */
        {1200000000, 6, 33, 33, 1, 65535, 1200000000, 0},   /* IDB 0 again */
        {1300000000, 6, 20, 20, 101, 128, 1300000000, 2},   /* IDB 2: RAW/128/us */
        {1400000000, 6, 21, 21, 1, 1500, 1400000000, 3},    /* IDB 3: EN10MB/1500/us */
        {1500000002, 9, 22, 22, 113, 65535, 1500000002, 1}, /* IDB 1 again */
    };
    char path[] = "/tmp/cashark-test-dumper-XXXXXX";
    write_file(path, CS_CAPFMT_PCAPNG, 0, v, 6);
    struct cs_reader *r = read_back(path, v, 6, 0);
    assert_int_equal(cs_reader_format(r), CS_CAPFMT_PCAPNG);
    assert_int_equal(cs_reader_n_ifaces(r), 4);
    static const struct cs_iface ifs[] = {
        {1, 65535, 6},
        {113, 65535, 9},
        {101, 128, 6},
        {1, 1500, 6},
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cs_reader_iface(r, i)->linktype, ifs[i].linktype);
        assert_int_equal(cs_reader_iface(r, i)->snaplen, ifs[i].snaplen);
        assert_int_equal(cs_reader_iface(r, i)->ts_digits, ifs[i].ts_digits);
    }
    cs_reader_close(r);
    unlink(path);
}

/* pcap refuses a second link type but stays valid; nothing written gives a valid empty file. */
static void
test_pcap_refusals(void **state)
{
    (void)state;
    char path[] = "/tmp/cashark-test-dumper-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256] = "";
    struct cs_dumper *d = cs_dumper_open(path, CS_CAPFMT_PCAP, 0, err, sizeof err);
    assert_non_null(d);
    struct cs_frame f = {0, 1000000000, 6, 10, 10, 1, 0, payload};
    assert_int_equal(cs_dumper_write(d, &f), 0);
    f.linktype = 113;
    assert_int_equal(cs_dumper_write(d, &f), -1);
    assert_string_equal(cs_dumper_error(d), "frame with link type 113 cannot go into a pcap file "
                                            "of link type 1 (write pcapng instead)");
    f.linktype = 1;
    assert_int_equal(cs_dumper_write(d, &f), 0);
    assert_int_equal(cs_dumper_close(d), 0);
    struct cs_reader *r = cs_reader_open_path(path, err, sizeof err);
    assert_non_null(r);
    struct cs_frame g;
    assert_int_equal(cs_reader_next(r, &g), 1);
    assert_int_equal(cs_reader_next(r, &g), 1);
    assert_int_equal(cs_reader_next(r, &g), 0);
    cs_reader_close(r);

    /* Empty outputs declare the hinted link type. */
    static const enum cs_capfmt fmts[] = {CS_CAPFMT_PCAP, CS_CAPFMT_PCAPNG};
    for (size_t i = 0; i < 2; i++) {
        d = cs_dumper_open(path, fmts[i], 0, err, sizeof err);
        assert_non_null(d);
        cs_dumper_hint(d, 276, 9);
        assert_int_equal(cs_dumper_close(d), 0);
        r = cs_reader_open_path(path, err, sizeof err);
        if (!r)
            fail_msg("empty %zu: %s", i, err);
        assert_int_equal(cs_reader_next(r, &g), 0);
        assert_int_equal(cs_reader_n_ifaces(r), 1);
        assert_int_equal(cs_reader_iface(r, 0)->linktype, 276);
        assert_int_equal(cs_reader_iface(r, 0)->ts_digits, 9);
        cs_reader_close(r);
    }
    unlink(path);

    /* /dev/full: a character device, so flushed per packet, and every write fails */
    d = cs_dumper_open("/dev/full", CS_CAPFMT_PCAPNG, 0, err, sizeof err);
    assert_non_null(d);
    f.linktype = 1;
    assert_int_equal(cs_dumper_write(d, &f), -1);
    assert_string_equal(cs_dumper_error(d), "write error: No space left on device");
    assert_int_equal(cs_dumper_flush(d), -1);
    assert_int_equal(cs_dumper_close(d), -1);

    assert_null(cs_dumper_open("/nonexistent/dir/out.pcap", CS_CAPFMT_PCAP, 0, err, sizeof err));
    assert_string_equal(err, "No such file or directory");
}

int
main(void)
{
    fill_payload();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_micro),
        cmocka_unit_test(test_pcap_nano_and_cut),
        cmocka_unit_test(test_pcapng_mixed),
        cmocka_unit_test(test_pcap_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_reader.c: pcap/pcapng/gzip savefile reader: formats, damaged inputs, prefix sweeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cashark/reader.h"

/* --- a byte builder with the byte order of the file or section being written ------------ */

#define BB_MAX    (1u << 20)
#define MAX_MARKS 64

struct bb {
    uint8_t *d;
    size_t n;
    int be;
    /* the end offset of every block or record, and whether it was a packet */
    size_t mark[MAX_MARKS];
    int is_pkt[MAX_MARKS];
    size_t n_marks;
};

static void
bb_init(struct bb *b, int be)
{
    memset(b, 0, sizeof *b);
    b->d = calloc(1, BB_MAX);
    assert_non_null(b->d);
    b->be = be;
}

static void
bb_free(struct bb *b)
{
    free(b->d);
}

static void
put8(struct bb *b, unsigned v)
{
    assert_true(b->n < BB_MAX);
    b->d[b->n++] = (uint8_t)v;
}

static void
put16(struct bb *b, unsigned v)
{
    if (b->be) {
        put8(b, v >> 8);
        put8(b, v & 0xff);
    } else {
        put8(b, v & 0xff);
        put8(b, v >> 8);
    }
}

static void
put32(struct bb *b, uint32_t v)
{
    if (b->be) {
        put16(b, v >> 16);
        put16(b, v & 0xffff);
    } else {
        put16(b, v & 0xffff);
        put16(b, v >> 16);
    }
}

static void
put64(struct bb *b, uint64_t v)
{
    if (b->be) {
        put32(b, (uint32_t)(v >> 32));
        put32(b, (uint32_t)v);
    } else {
        put32(b, (uint32_t)v);
        put32(b, (uint32_t)(v >> 32));
    }
}

/* n bytes of payload: fill, fill+1, ... so that each packet's bytes are recognisable. */
static void
put_payload(struct bb *b, size_t n, unsigned fill)
{
    for (size_t i = 0; i < n; i++)
        put8(b, (fill + i) & 0xff);
}

static void
mark(struct bb *b, int is_pkt)
{
    assert_true(b->n_marks < MAX_MARKS);
    b->mark[b->n_marks] = b->n;
    b->is_pkt[b->n_marks++] = is_pkt;
}

/* pcap file header: magic as the writer's host order stores it. */
static void
pcap_header(struct bb *b, uint32_t magic, unsigned major, unsigned minor, uint32_t snaplen,
            uint32_t linktype)
{
    put32(b, magic);
    put16(b, major);
    put16(b, minor);
    put32(b, 0);
    put32(b, 0);
    put32(b, snaplen);
    put32(b, linktype);
    mark(b, 0);
}

static void
pcap_record(struct bb *b, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len, unsigned fill)
{
    put32(b, sec);
    put32(b, frac);
    put32(b, caplen);
    put32(b, len);
    put_payload(b, caplen, fill);
    mark(b, 1);
}

static void
ng_shb(struct bb *b, int be)
{
    b->be = be;
    put32(b, 0x0a0d0d0a);
    put32(b, 28);
    put32(b, 0x1a2b3c4d);
    put16(b, 1);
    put16(b, 0);
    put64(b, UINT64_MAX);
    put32(b, 28);
    mark(b, 0);
}

/* IDB with optional if_tsresol (tsresol >= 0) and if_tsoffset (tsoff != 0). */
static void
ng_idb(struct bb *b, unsigned linktype, uint32_t snaplen, int tsresol, int64_t tsoff)
{
    uint32_t total =
        20 + (tsresol >= 0 ? 8 : 0) + (tsoff ? 12 : 0) + (tsresol >= 0 || tsoff ? 4 : 0);
    put32(b, 1);
    put32(b, total);
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    if (tsresol >= 0) {
        put16(b, 9);
        put16(b, 1);
        put8(b, (unsigned)tsresol);
        put8(b, 0);
        put8(b, 0);
        put8(b, 0);
    }
    if (tsoff) {
        put16(b, 14);
        put16(b, 8);
        put64(b, (uint64_t)tsoff);
    }
    if (tsresol >= 0 || tsoff)
        put32(b, 0); /* opt_endofopt */
    put32(b, total);
    mark(b, 0);
}

static void
ng_epb(struct bb *b, uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t len, unsigned fill)
{
    uint32_t pad = (4 - caplen % 4) % 4;
    uint32_t total = 32 + caplen + pad;
    put32(b, 6);
    put32(b, total);
    put32(b, iface);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, len);
    put_payload(b, caplen, fill);
    for (uint32_t i = 0; i < pad; i++)
        put8(b, 0);
    put32(b, total);
    mark(b, 1);
}

/* SPB: original length len, room bytes of data in the block. */
static void
ng_spb(struct bb *b, uint32_t len, uint32_t room, unsigned fill)
{
    uint32_t total = 16 + room;
    put32(b, 3);
    put32(b, total);
    put32(b, len);
    put_payload(b, room, fill);
    put32(b, total);
    mark(b, 1);
}

/* Obsolete Packet Block (type 2). */
static void
ng_pb(struct bb *b, unsigned iface, uint64_t ts, uint32_t caplen, uint32_t len, unsigned fill)
{
    uint32_t pad = (4 - caplen % 4) % 4;
    uint32_t total = 32 + caplen + pad;
    put32(b, 2);
    put32(b, total);
    put16(b, iface);
    put16(b, 0);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, len);
    put_payload(b, caplen, fill);
    for (uint32_t i = 0; i < pad; i++)
        put8(b, 0);
    put32(b, total);
    mark(b, 1);
}

/* Any other block: type and body bytes of zeros. */
static void
ng_other(struct bb *b, uint32_t type, uint32_t body)
{
    put32(b, type);
    put32(b, 12 + body);
    for (uint32_t i = 0; i < body; i++)
        put8(b, 0);
    put32(b, 12 + body);
    mark(b, 0);
}

/* gzip-compresses src (gzip wrapper, so the input starts 1f 8b). */
static uint8_t *
gzip_bytes(const uint8_t *src, size_t n, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* --- expected frames ------------------------------------------------------------------- */

struct want {
    int64_t ts_ns;
    uint8_t ts_digits;
    uint32_t caplen, len, linktype, iface;
    unsigned fill; /* first payload byte; the rest count up */
};

static void
check_frame(const struct cs_frame *f, const struct want *w)
{
    assert_int_equal(f->ts_ns, w->ts_ns);
    assert_int_equal(f->ts_digits, w->ts_digits);
    assert_int_equal(f->caplen, w->caplen);
    assert_int_equal(f->len, w->len);
    assert_int_equal(f->linktype, w->linktype);
    assert_int_equal(f->iface, w->iface);
    for (uint32_t i = 0; i < f->caplen; i++)
        assert_int_equal(f->data[i], (w->fill + i) & 0xff);
}

/* Reads everything from r, checking the frames against want; returns the final status. */
static int
read_all(struct cs_reader *r, const struct want *w, size_t n_want)
{
    struct cs_frame f;
    size_t got = 0;
    int ret;
    while ((ret = cs_reader_next(r, &f)) == 1) {
        assert_true(got < n_want);
        check_frame(&f, &w[got]);
        got++;
    }
    assert_int_equal(got, n_want);
    assert_int_equal(cs_reader_records(r), n_want);
    assert_int_equal(cs_reader_next(r, &f), ret); /* the end or the error is sticky */
    return ret;
}

/* --- pcap in four magics --------------------------------------------------------------- */

static const struct pcap_vec {
    const char *name;
    uint32_t magic; /* as written by a host of byte order be */
    int be;
    uint8_t digits;
    uint32_t frac; /* fraction field of the first record */
    int64_t ts_ns; /* what it means */
} pcap_vecs[] = {
    /* a1b2c3d4 little-endian: microseconds; 1.5 s = 1 s + 500000 us */
    {"le-micro", 0xa1b2c3d4u, 0, 6, 500000, 1500000000},
    /* the same magic written big-endian reads d4c3b2a1 on a little-endian host */
    {"be-micro", 0xa1b2c3d4u, 1, 6, 500000, 1500000000},
    /* a1b23c4d: nanoseconds; 1 s + 123456789 ns */
    {"le-nano", 0xa1b23c4du, 0, 9, 123456789, 1123456789},
    {"be-nano", 0xa1b23c4du, 1, 9, 123456789, 1123456789},
};

static void
test_pcap_magics(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pcap_vecs / sizeof pcap_vecs[0]; i++) {
        const struct pcap_vec *v = &pcap_vecs[i];
        struct bb b;
        bb_init(&b, v->be);
        /* snaplen 65535, linktype 1 with FCS bits set above the low 16 (0x14000000) */
        pcap_header(&b, v->magic, 2, 4, 65535, 0x14000001u);
        pcap_record(&b, 1, v->frac, 60, 60, 0x10); /* 60-byte frame, complete */
        pcap_record(&b, 2, 0, 40, 1514, 0x80);     /* cut by the snapshot: 40 of 1514 */
        char err[256] = "";
        struct cs_reader *r = cs_reader_open_mem(b.d, b.n, v->name, err, sizeof err);
        assert_non_null(r);
        assert_int_equal(cs_reader_format(r), CS_CAPFMT_PCAP);
        assert_int_equal(cs_reader_n_ifaces(r), 1);
        assert_int_equal(cs_reader_iface(r, 0)->linktype, 1);
        assert_int_equal(cs_reader_iface(r, 0)->snaplen, 65535);
        assert_int_equal(cs_reader_iface(r, 0)->ts_digits, v->digits);
        assert_null(cs_reader_iface(r, 1));
        assert_int_equal(cs_reader_is_stream(r), 0);
        const struct want w[] = {
            {v->ts_ns, v->digits, 60, 60, 1, 0, 0x10},
            {2000000000, v->digits, 40, 1514, 1, 0, 0x80},
        };
        assert_int_equal(read_all(r, w, 2), 0);
        assert_int_equal(cs_reader_offset(r), b.n);
        cs_reader_close(r);
        bb_free(&b);
    }
}

/* Version 2.2 files have caplen and len swapped; 2.3 ones only when caplen > len. */
static void
test_pcap_old_versions(void **state)
{
    (void)state;
    static const struct {
        unsigned minor;
        uint32_t f_caplen, f_len; /* as in the file */
        uint32_t caplen, len;     /* as meant */
    } vecs[] = {
        {2, 100, 50, 50, 100}, /* 2.2: fields always swapped */
        {3, 100, 50, 50, 100}, /* 2.3: swapped because caplen > len */
        {3, 50, 100, 50, 100}, /* 2.3: plausible, kept */
        {4, 50, 100, 50, 100}, /* 2.4: as written */
    };
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        struct bb b;
        bb_init(&b, 0);
        pcap_header(&b, 0xa1b2c3d4u, 2, vecs[i].minor, 65535, 1);
        put32(&b, 7);
        put32(&b, 0);
        put32(&b, vecs[i].f_caplen);
        put32(&b, vecs[i].f_len);
        put_payload(&b, 50, 1); /* 50 bytes follow in every case */
        char err[256];
        struct cs_reader *r = cs_reader_open_mem(b.d, b.n, "old", err, sizeof err);
        assert_non_null(r);
        const struct want w[] = {{7000000000, 6, vecs[i].caplen, vecs[i].len, 1, 0, 1}};
        assert_int_equal(read_all(r, w, 1), 0);
        cs_reader_close(r);
        bb_free(&b);
    }
}

/* --- pcapng: two sections, three interfaces, every packet block type --------------------- */

/* Builds the reference pcapng file; want receives the frames it holds. */
static size_t
build_pcapng(struct bb *b, struct want *w)
{
    size_t n = 0;
    bb_init(b, 0);
    /* Section 1, little-endian. */
    ng_shb(b, 0);
    /* iface 0: Ethernet, snaplen 64, no if_tsresol: microseconds */
    ng_idb(b, 1, 64, -1, 0);
    /* iface 1: Linux SLL, snaplen 128, if_tsresol 9 (ns), if_tsoffset 10 s */
    ng_idb(b, 113, 128, 9, 10);
    ng_other(b, 0x0a, 8); /* a Decryption Secrets Block: skipped */
    /* EPB on iface 0: ts 1500000 us = 1.5 s */
    ng_epb(b, 0, 1500000, 42, 42, 0x20);
    w[n++] = (struct want){1500000000, 6, 42, 42, 1, 0, 0x20};
    /* EPB on iface 1: ts 2000000001 ns, plus the 10 s offset; 33 bytes (padded to 36) */
    ng_epb(b, 1, 2000000001, 33, 100, 0x30);
    w[n++] = (struct want){12000000001, 9, 33, 100, 113, 1, 0x30};
    ng_other(b, 4, 4);          /* Name Resolution Block: skipped */
    ng_other(b, 5, 16);         /* Interface Statistics Block: skipped */
    ng_other(b, 0x00000bad, 8); /* custom block: skipped */
    /* SPB: original length 100, 64 bytes of room; iface 0's snaplen 64 caps it at 64 */
    ng_spb(b, 100, 64, 0x40);
    w[n++] = (struct want){0, 6, 64, 100, 1, 0, 0x40};
    /* SPB: original length 20 with 24 bytes of room (padding): 20 captured */
    ng_spb(b, 20, 24, 0x44);
    w[n++] = (struct want){0, 6, 20, 20, 1, 0, 0x44};
    /* obsolete PB on iface 1: ts 5 ns + 10 s */
    ng_pb(b, 1, 5, 8, 8, 0x50);
    w[n++] = (struct want){10000000005, 9, 8, 8, 113, 1, 0x50};
    /* Section 2, big-endian: interface ids restart, cashark numbers this one 2. */
    ng_shb(b, 1);
    /* iface 2: RAW (101), snaplen 0 (no limit), if_tsresol 2^-10 (0x8a) */
    ng_idb(b, 101, 0, 0x8a, 0);
    /* ts 3 * 1024 + 512 units of 1/1024 s = 3.5 s */
    ng_epb(b, 0, 3 * 1024 + 512, 20, 20, 0x60);
    w[n++] = (struct want){3500000000, 6, 20, 20, 101, 2, 0x60};
    /* iface 3: EN10MB, if_tsresol 10^-3 (milliseconds), if_tsoffset -1 s */
    ng_idb(b, 1, 1500, 3, -1);
    ng_epb(b, 1, 2500, 4, 4, 0x70); /* 2.5 s - 1 s */
    w[n++] = (struct want){1500000000, 6, 4, 4, 1, 3, 0x70};
    return n;
}

static void
test_pcapng_sections(void **state)
{
    (void)state;
    struct bb b;
    struct want w[16];
    size_t n = build_pcapng(&b, w);
    char err[256] = "";
    /* named .pcap on purpose: the magic decides */
    struct cs_reader *r = cs_reader_open_mem(b.d, b.n, "file.pcap", err, sizeof err);
    assert_non_null(r);
    assert_int_equal(cs_reader_format(r), CS_CAPFMT_PCAPNG);
    assert_int_equal(read_all(r, w, n), 0);
    assert_int_equal(cs_reader_n_ifaces(r), 4);
    static const struct cs_iface ifs[] = {
        {1, 64, 6},
        {113, 128, 9},
        {101, 0, 6},
        {1, 1500, 6},
    };
    for (size_t i = 0; i < 4; i++) {
        const struct cs_iface *ifc = cs_reader_iface(r, i);
        assert_non_null(ifc);
        assert_int_equal(ifc->linktype, ifs[i].linktype);
        assert_int_equal(ifc->snaplen, ifs[i].snaplen);
        assert_int_equal(ifc->ts_digits, ifs[i].ts_digits);
    }
    cs_reader_close(r);
    bb_free(&b);
}

/* if_tsresol values: power of ten and power of two. */
static void
test_pcapng_tsresol(void **state)
{
    (void)state;
    static const struct {
        int tsresol;
        uint64_t ts;
        int64_t ts_ns;
        uint8_t digits;
    } vecs[] = {
        {6, 1234567, 1234567000, 6},                  /* 10^-6: 1.234567 s */
        {9, 1234567891, 1234567891, 9},               /* 10^-9 */
        {3, 1234, 1234000000, 6},                     /* 10^-3: 1.234 s */
        {12, 1234567891234, 1234567891, 9},           /* 10^-12: picoseconds, floored to ns */
        {0x80 | 20, 3u << 20, 3000000000, 9},         /* 2^-20: 3 s */
        {0x80 | 1, 5, 2500000000, 6},                 /* 2^-1: 2.5 s */
        {0x80 | 40, UINT64_C(1) << 39, 500000000, 9}, /* 2^-40: half a second */
        {0, 7, 7000000000, 6},                        /* 10^0: seconds */
    };
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
        struct bb b;
        bb_init(&b, 0);
        ng_shb(&b, 0);
        ng_idb(&b, 1, 0, vecs[i].tsresol, 0);
        ng_epb(&b, 0, vecs[i].ts, 1, 1, 9);
        char err[256];
        struct cs_reader *r = cs_reader_open_mem(b.d, b.n, "ts", err, sizeof err);
        assert_non_null(r);
        const struct want w[] = {{vecs[i].ts_ns, vecs[i].digits, 1, 1, 1, 0, 9}};
        assert_int_equal(read_all(r, w, 1), 0);
        cs_reader_close(r);
        bb_free(&b);
    }
}

/* --- errors -------------------------------------------------------------------------- */

struct err_vec {
    const char *name;
    void (*build)(struct bb *b);
    size_t good;     /* packets returned before the error */
    const char *err; /* exact message; from open when open_fails */
    int open_fails;
};

static void
b_empty(struct bb *b)
{
    (void)b; /* zero bytes */
}

static void
b_text(struct bb *b)
{
    static const char t[] = "hello, world\n"; /* a text file: magic "hell" */
    for (size_t i = 0; i < sizeof t - 1; i++)
        put8(b, (uint8_t)t[i]);
}

static void
b_three(struct bb *b)
{
    put8(b, 0xd4); /* three bytes of a pcap magic */
    put8(b, 0xc3);
    put8(b, 0xb2);
}

static void
b_pcap_short_hdr(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 2, 4, 65535, 1);
    b->n = 20; /* file header cut at 20 of 24 bytes */
}

static void
b_pcap_version(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 3, 0, 65535, 1); /* version 3.0 does not exist */
}

static void
b_pcap_cut_header(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 2, 4, 65535, 1);
    pcap_record(b, 1, 0, 60, 60, 0); /* record 1 ends at 24 + 16 + 60 = 100 */
    pcap_record(b, 2, 0, 60, 60, 0);
    b->n = 108; /* record 2's header cut at 8 of 16 bytes */
}

static void
b_pcap_cut_body(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 2, 4, 65535, 1);
    pcap_record(b, 1, 0, 60, 60, 0);
    pcap_record(b, 2, 0, 60, 60, 0);
    b->n = 126; /* record 2: header at 100..116, then 10 of its 60 bytes */
}

static void
b_pcap_caplen_absurd(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 2, 4, 0, 1); /* snaplen 0: no declared limit */
    put32(b, 1);
    put32(b, 0);
    put32(b, 300000); /* caplen 300000 > 262144, libpcap's maximum for Ethernet */
    put32(b, 300000);
}

static void
b_pcap_caplen_over_snap(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 2, 4, 96, 1); /* snaplen 96 */
    put32(b, 1);
    put32(b, 0);
    put32(b, 97); /* caplen 97: one byte beyond the declared snapshot length */
    put32(b, 1500);
}

static void
b_pcap_caplen_big_snap(struct bb *b)
{
    pcap_header(b, 0xa1b2c3d4u, 2, 4, 0x7fffffffu, 1); /* absurd snaplen: cap 256 MiB */
    put32(b, 1);
    put32(b, 0);
    put32(b, 0x20000000u); /* 512 MiB */
    put32(b, 0x20000000u);
}

static void
b_ng_len13(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0); /* SHB 0..28, IDB 28..48 */
    put32(b, 6);
    put32(b, 13); /* EPB with length 13: not a multiple of 4 */
    put32(b, 0);
}

static void
b_ng_len8(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    ng_epb(b, 0, 1, 4, 4, 0); /* a good packet at 48..84 */
    put32(b, 5);
    put32(b, 8); /* an ISB claiming 8 bytes, less than 12 */
    put32(b, 8);
}

static void
b_ng_trailer(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    ng_epb(b, 0, 1, 4, 4, 0);
    b->d[b->n - 4] = 40; /* trailing length 40, leading 36 */
}

static void
b_ng_no_idb(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    ng_epb(b, 1, 1, 4, 4, 0); /* interface 1 was never declared */
}

static void
b_ng_caplen_room(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    ng_epb(b, 0, 1, 8, 8, 0);
    b->d[48 + 20] = 9; /* caplen 9 in a block with 8 bytes of data */
}

static void
b_ng_version(struct bb *b)
{
    ng_shb(b, 0);
    b->d[12] = 2; /* major version 2 */
}

static void
b_ng_bom(struct bb *b)
{
    ng_shb(b, 0);
    b->d[8] = 0x99; /* byte-order magic 0x1a2b3c99 */
}

static void
b_ng_cut_block(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    ng_epb(b, 0, 1, 4, 4, 0); /* 48..84 */
    ng_epb(b, 0, 1, 40, 40, 0);
    b->n = 100; /* the second EPB (72 bytes) cut at 16 */
}

static void
b_ng_cut_blockhdr(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    put32(b, 6); /* 4 bytes of a block header */
}

static void
b_ng_short_epb(struct bb *b)
{
    ng_shb(b, 0);
    ng_idb(b, 1, 0, -1, 0);
    ng_other(b, 6, 4); /* an EPB of 16 bytes: too short for its 20 bytes of fields */
}

static void
b_ng_bad_option(struct bb *b)
{
    ng_shb(b, 0);
    put32(b, 1);
    put32(b, 28);
    put16(b, 1);
    put16(b, 0);
    put32(b, 0);
    put16(b, 9);
    put16(b, 40); /* if_tsresol claiming 40 bytes in a 4-byte space */
    put32(b, 0);
    put32(b, 28);
}

static const struct err_vec err_vecs[] = {
    {"empty", b_empty, 0, "empty file", 1},
    {"text", b_text, 0, "not a pcap or pcapng file (magic 0x68656c6c)", 1},
    {"three bytes", b_three, 0, "not a pcap or pcapng file (only 3 bytes)", 1},
    {"pcap short header", b_pcap_short_hdr, 0, "truncated pcap file header (20 of 24 bytes)", 1},
    {"pcap version", b_pcap_version, 0, "unsupported pcap version 3.0", 1},
    {"pcap cut header", b_pcap_cut_header, 1,
     "truncated record 2 at byte offset 100: header has 8 of 16 bytes", 0},
    {"pcap cut body", b_pcap_cut_body, 1,
     "truncated record 2 at byte offset 100: 60 captured bytes announced, 10 present", 0},
    {"pcap caplen absurd", b_pcap_caplen_absurd, 0,
     "record 1 at byte offset 24: capture length 300000 is larger than the maximum 262144", 0},
    {"pcap caplen over snaplen", b_pcap_caplen_over_snap, 0,
     "record 1 at byte offset 24: capture length 97 is larger than the snapshot length 96", 0},
    {"pcap caplen 512 MiB", b_pcap_caplen_big_snap, 0,
     "record 1 at byte offset 24: capture length 536870912 is larger than the maximum 268435456",
     0},
    {"pcapng length 13", b_ng_len13, 0,
     "record 1 at byte offset 48: enhanced packet block length 13 is not a multiple of 4", 0},
    {"pcapng length 8", b_ng_len8, 1, "record 2 at byte offset 84: block length 8 is less than 12",
     0},
    {"pcapng trailer", b_ng_trailer, 0,
     "record 1 at byte offset 48: enhanced packet block trailing length 40 does not match its "
     "length 36",
     0},
    {"pcapng no idb", b_ng_no_idb, 0,
     "record 1 at byte offset 48: enhanced packet block on interface 1, which no interface "
     "description block declared",
     0},
    {"pcapng caplen room", b_ng_caplen_room, 0,
     "record 1 at byte offset 48: capture length 9 exceeds the enhanced packet block (8 bytes of "
     "room)",
     0},
    {"pcapng version", b_ng_version, 0, "record 1 at byte offset 0: unsupported pcapng version 2.0",
     1},
    {"pcapng bom", b_ng_bom, 0, "record 1 at byte offset 0: bad pcapng byte-order magic 0x1a2b3c99",
     1},
    {"pcapng cut block", b_ng_cut_block, 1,
     "truncated record 2 at byte offset 84: enhanced packet block has 16 of 72 bytes", 0},
    {"pcapng cut block header", b_ng_cut_blockhdr, 0,
     "truncated record 1 at byte offset 48: block header has 4 of 8 bytes", 0},
    {"pcapng short epb", b_ng_short_epb, 0,
     "record 1 at byte offset 48: enhanced packet block length 16 is too short", 0},
    {"pcapng bad option", b_ng_bad_option, 0,
     "record 1 at byte offset 28: interface description block option 9 overruns the block", 0},
};

static void
test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof err_vecs / sizeof err_vecs[0]; i++) {
        const struct err_vec *v = &err_vecs[i];
        struct bb b;
        bb_init(&b, 0);
        v->build(&b);
        char err[256] = "";
        struct cs_reader *r = cs_reader_open_mem(b.d, b.n, v->name, err, sizeof err);
        if (v->open_fails) {
            if (r)
                fail_msg("%s: open succeeded", v->name);
            if (strcmp(err, v->err) != 0)
                fail_msg("%s: got \"%s\"", v->name, err);
        } else {
            if (!r)
                fail_msg("%s: open failed: %s", v->name, err);
            struct cs_frame f;
            size_t got = 0;
            int ret;
            while ((ret = cs_reader_next(r, &f)) == 1)
                got++;
            assert_int_equal(ret, -1);
            assert_int_equal(got, v->good);
            if (strcmp(cs_reader_error(r), v->err) != 0)
                fail_msg("%s: got \"%s\"", v->name, cs_reader_error(r));
            assert_int_equal(cs_reader_next(r, &f), -1);
            cs_reader_close(r);
        }
        bb_free(&b);
    }
}

static void
test_missing_file(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(cs_reader_open_path("/nonexistent/cashark.pcap", err, sizeof err));
    assert_string_equal(err, "No such file or directory");
    assert_null(cs_reader_open_path("/", err, sizeof err));
    assert_string_equal(err, "Is a directory");
}

/* --- prefix sweeps ------------------------------------------------------------------- */

/* Every prefix of a valid file: the packets wholly inside it, then a clean end exactly at a
 * block boundary and one error anywhere else; never a read outside the prefix (ASan). */
static void
sweep(const struct bb *b)
{
    for (size_t len = 0; len <= b->n; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size so ASan sees over-reads */
        assert_non_null(copy);
        memcpy(copy, b->d, len);
        size_t pkts = 0;
        int at_mark = 0;
        for (size_t m = 0; m < b->n_marks; m++) {
            if (b->mark[m] <= len)
                pkts += (size_t)b->is_pkt[m];
            if (b->mark[m] == len)
                at_mark = 1;
        }
        char err[256] = "";
        struct cs_reader *r = cs_reader_open_mem(copy, len, "prefix", err, sizeof err);
        if (!r) {
            assert_true(err[0] != '\0');
            assert_int_equal(pkts, 0);
            assert_true(len < b->mark[0]); /* only a cut file header fails at open */
        } else {
            struct cs_frame f;
            size_t got = 0;
            int ret;
            while ((ret = cs_reader_next(r, &f)) == 1) {
                uintptr_t lo = (uintptr_t)copy, p = (uintptr_t)f.data;
                assert_true(p >= lo && p + f.caplen <= lo + len);
                got++;
            }
            if (got != pkts || ret != (at_mark ? 0 : -1))
                fail_msg("prefix %zu: %zu packets (want %zu), status %d (%s)", len, got, pkts, ret,
                         cs_reader_error(r));
            if (ret < 0)
                assert_true(cs_reader_error(r)[0] != '\0');
            cs_reader_close(r);
        }
        free(copy);
    }
}

static void
test_sweep_pcap(void **state)
{
    (void)state;
    struct bb b;
    bb_init(&b, 1);
    pcap_header(&b, 0xa1b23c4du, 2, 4, 65535, 1);
    pcap_record(&b, 1, 2, 30, 30, 1);
    pcap_record(&b, 3, 4, 0, 0, 1); /* an empty record */
    pcap_record(&b, 5, 6, 17, 99, 1);
    sweep(&b);
    bb_free(&b);
}

static void
test_sweep_pcapng(void **state)
{
    (void)state;
    struct bb b;
    struct want w[16];
    build_pcapng(&b, w);
    sweep(&b);
    bb_free(&b);
}

/* Every prefix of a gzip'd capture: never a crash, never more packets than it holds. */
static void
test_sweep_gzip(void **state)
{
    (void)state;
    struct bb b;
    struct want w[16];
    size_t n = build_pcapng(&b, w);
    size_t glen;
    uint8_t *gz = gzip_bytes(b.d, b.n, &glen);
    for (size_t len = 0; len <= glen; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, gz, len);
        char err[256];
        struct cs_reader *r = cs_reader_open_mem(copy, len, "gz", err, sizeof err);
        if (r) {
            struct cs_frame f;
            size_t got = 0;
            int ret;
            while ((ret = cs_reader_next(r, &f)) == 1)
                got++;
            assert_true(got <= n);
            /* only the whole stream ends cleanly */
            assert_int_equal(ret, len == glen ? 0 : -1);
            cs_reader_close(r);
        }
        free(copy);
    }
    free(gz);
    bb_free(&b);
}

static void
test_gzip(void **state)
{
    (void)state;
    struct bb b;
    struct want w[16];
    size_t n = build_pcapng(&b, w);
    size_t glen;
    uint8_t *gz = gzip_bytes(b.d, b.n, &glen);
    char err[256];
    struct cs_reader *r = cs_reader_open_mem(gz, glen, "x.pcapng.gz", err, sizeof err);
    assert_non_null(r);
    assert_int_equal(cs_reader_is_gzip(r), 1);
    assert_int_equal(read_all(r, w, n), 0);
    cs_reader_close(r);
    /* The gzip trailer cut off (last 8 bytes): all packets, then the truncation. */
    r = cs_reader_open_mem(gz, glen - 8, "cut.gz", err, sizeof err);
    assert_non_null(r);
    assert_int_equal(read_all(r, w, n), -1);
    char want[64];
    snprintf(want, sizeof want, "truncated gzip stream at byte offset %zu", b.n);
    assert_string_equal(cs_reader_error(r), want);
    cs_reader_close(r);
    /* gzip of nothing: an empty file */
    uint8_t *gz0 = gzip_bytes(b.d, 0, &glen);
    assert_null(cs_reader_open_mem(gz0, glen, "empty.gz", err, sizeof err));
    assert_string_equal(err, "empty file");
    free(gz0);
    free(gz);
    bb_free(&b);
}

/* --- streams: a pipe written one byte at a time, and a record larger than the buffer ---- */

static void
write_slowly(int fd, const uint8_t *p, size_t n, size_t chunk)
{
    for (size_t i = 0; i < n; i += chunk) {
        size_t k = n - i < chunk ? n - i : chunk;
        assert_true(write(fd, &p[i], k) == (ssize_t)k);
    }
}

static int
read_pipe(const struct bb *b, size_t chunk, const struct want *w, size_t n_want)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        write_slowly(fds[1], b->d, b->n, chunk);
        _exit(0);
    }
    close(fds[1]);
    char err[256] = "";
    struct cs_reader *r = cs_reader_open_fd(fds[0], "pipe", err, sizeof err);
    if (!r)
        fail_msg("open: %s", err);
    assert_int_equal(cs_reader_is_stream(r), 1);
    int ret = read_all(r, w, n_want);
    cs_reader_close(r);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    return ret;
}

static void
test_pipe(void **state)
{
    (void)state;
    struct bb b;
    struct want w[16];
    size_t n = build_pcapng(&b, w);
    assert_int_equal(read_pipe(&b, 1, w, n), 0);
    assert_int_equal(read_pipe(&b, 7, w, n), 0);
    bb_free(&b);
    /* DBUS (231) allows 128 MiB records: one of 600000 bytes grows the 256 KiB buffer. */
    bb_init(&b, 0);
    pcap_header(&b, 0xa1b2c3d4u, 2, 4, 0, 231);
    pcap_record(&b, 1, 0, 600000, 600000, 3);
    pcap_record(&b, 2, 0, 10, 10, 4);
    const struct want big[] = {
        {1000000000, 6, 600000, 600000, 231, 0, 3},
        {2000000000, 6, 10, 10, 231, 0, 4},
    };
    assert_int_equal(read_pipe(&b, 65536, big, 2), 0);
    bb_free(&b);
}

/* A regular file through open_path (mmap'd) and through open_fd after a seek. */
static void
test_file(void **state)
{
    (void)state;
    struct bb b;
    struct want w[16];
    size_t n = build_pcapng(&b, w);
    char path[] = "/tmp/cashark-test-reader-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, "JUNK", 4) == 4);
    write_slowly(fd, b.d, b.n, b.n);
    char err[256];
    /* open_fd reads from the current offset: skip the 4 junk bytes */
    assert_int_equal(lseek(fd, 4, SEEK_SET), 4);
    struct cs_reader *r = cs_reader_open_fd(fd, path, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(cs_reader_is_stream(r), 0);
    assert_int_equal(read_all(r, w, n), 0);
    cs_reader_close(r);
    close(fd);
    /* through the path, "JUNK" is the magic */
    assert_null(cs_reader_open_path(path, err, sizeof err));
    assert_string_equal(err, "not a pcap or pcapng file (magic 0x4a554e4b)");
    unlink(path);
    bb_free(&b);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_magics),
        cmocka_unit_test(test_pcap_old_versions),
        cmocka_unit_test(test_pcapng_sections),
        cmocka_unit_test(test_pcapng_tsresol),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_sweep_pcap),
        cmocka_unit_test(test_sweep_pcapng),
        cmocka_unit_test(test_sweep_gzip),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

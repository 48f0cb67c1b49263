/* fuzz_ca_stream.c: a CA byte stream over one TCP connection (client 40000 -> server 5064), cut
 * into segments of random sizes in both directions, some dropped (gaps), through decoding, flow
 * tracking, reassembly, the CA dissector and the JSON formatter. Input: 4 bytes of PRNG seed,
 * then the stream bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cashark/ca.h"
#include "cashark/decode.h"
#include "cashark/dissect.h"
#include "cashark/flow.h"
#include "cashark/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
    struct cs_formatter *fmt;
    struct cs_out *out;
};

static void
on_record(void *ctx, const struct cs_record *r)
{
    struct sink *s = ctx;
    cs_fmt_record(s->fmt, r);
    cs_out_reset(s->out);
}

static uint32_t
next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void
put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* One raw IPv4 TCP segment (linktype RAW). */
static size_t
segment(uint8_t *b, int dir, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl, size_t n)
{
    memset(b, 0, 40);
    b[0] = 0x45;
    put16(b + 2, (unsigned)(40 + n));
    b[8] = 64;
    b[9] = 6;
    const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
    memcpy(b + 12, dir ? srv : cli, 4);
    memcpy(b + 16, dir ? cli : srv, 4);
    put16(b + 20, dir ? 5064 : 40000);
    put16(b + 22, dir ? 40000 : 5064);
    put32(b + 24, seq);
    put32(b + 28, ack);
    b[32] = 5 << 4;
    b[33] = flags;
    put16(b + 34, 65535);
    if (n)
        memcpy(b + 40, pl, n);
    return 40 + n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t rng =
        (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3] | 1u;
    data += 4;
    size -= 4;
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = 64;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    struct cs_out *out = cs_out_new_mem(1 << 16);
    struct cs_fmt_config fc = {CS_OUTFMT_JSON, NULL, CS_TIME_EPOCH, 0, 0};
    char err[128];
    struct sink s = {NULL, out};
    s.fmt = out ? cs_fmt_new(&fc, out, err, sizeof err) : NULL;
    struct cs_dissect_opts opts = {NULL, 0, 4, 0};
    struct cs_dissect *d = t && s.fmt ? cs_dissect_new(t, &opts, on_record, &s) : NULL;
    if (!d)
        goto done;
    static uint8_t buf[40 + 2048];
    uint32_t seq[2] = {1000, 5000};
    size_t off = 0;
    uint64_t ordinal = 0;
    for (int step = 0; off < size || step < 3; step++) {
        int dir = 0;
        uint8_t flags = 0x18; /* PSH ACK */
        size_t n = 0;
        if (step == 0) {
            flags = 0x02; /* SYN */
        } else if (step == 1) {
            dir = 1;
            flags = 0x12; /* SYN ACK */
        } else if (step == 2) {
            flags = 0x10;
        } else {
            uint32_t r = next(&rng);
            dir = (int)(r & 1);
            n = 1 + (r >> 8) % 1500;
            if (n > size - off)
                n = size - off;
        }
        size_t len = segment(buf, dir, seq[dir] - (step < 2), seq[!dir], flags, data + off, n);
        int drop = step > 2 && (next(&rng) % 23) == 0;
        off += n;
        seq[dir] += (uint32_t)n;
        if (drop)
            continue;
        struct cs_frame f = {
            ++ordinal, (int64_t)ordinal * 1000, 6, (uint32_t)len, (uint32_t)len, 101, 0, buf};
        struct cs_packet p;
        struct cs_flow_view v;
        cs_decode_frame(&f, &p);
        cs_dissect_begin_packet(d, &f, &p, &v);
        cs_flowtab_track(t, &p, &v);
        cs_dissect_packet(d);
    }
    cs_dissect_finish(d);
    cs_flowtab_flush(t);
done:
    cs_dissect_free(d);
    cs_flowtab_free(t);
    cs_fmt_free(s.fmt);
    cs_out_free(out);
    return 0;
}

/* fuzz_pipeline.c: libFuzzer target for decode -> flow tracking (with reassembly on every TCP
 * flow) -> formatting: a sequence of frames, each a 2-byte big-endian length and that many bytes;
 * the first input byte picks the link type, the second the output format. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cashark/decode.h"
#include "cashark/flow.h"
#include "cashark/format.h"
#include "cashark/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t linktypes[] = {CS_DLT_EN10MB, CS_DLT_RAW, CS_DLT_LINUX_SLL2, CS_DLT_NULL};

struct sink {
    uint64_t bytes, lost;
};

/* Checks what reassembly hands on: data and loss reports are exclusive, and data is readable. */
static void
on_stream(void *ctx, struct cs_flow *fl, int dir, const uint8_t *d, size_t n, uint64_t lost,
          int fin)
{
    struct sink *s = ctx;
    (void)fl, (void)fin;
    if ((dir != 0 && dir != 1) || (n && lost))
        abort();
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= d[i]; /* ASan catches a read past the buffer */
    s->bytes += n + x % 2;
    s->lost += lost;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_cursor in = cs_cursor_make(data, size);
    uint32_t linktype = linktypes[cs_cursor_u8(&in) % 4];
    uint8_t mode = cs_cursor_u8(&in);
    if (cs_cursor_failed(&in))
        return 0;

    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = 8; /* small, so eviction under pressure runs too */
    cfg.reasm_cap_dir = 4096;
    cfg.reasm_cap_total = 8192;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    struct cs_out *o = cs_out_new_mem(4096);
    struct cs_fmt_config fc = {(enum cs_outfmt)(mode % 4), NULL, (enum cs_timefmt)(mode / 4 % 5),
                               mode & 0x80 ? 'X' : 0, (mode >> 5) & 1};
    char err[256];
    struct cs_formatter *fmt = o ? cs_fmt_new(&fc, o, err, sizeof err) : NULL;
    if (!t || !o || !fmt)
        abort();
    cs_fmt_begin(fmt);
    struct sink s = {0, 0};
    uint64_t ordinal = 0;
    while (cs_cursor_remaining(&in) >= 2) {
        uint16_t n = cs_cursor_be16(&in);
        struct cs_cursor fr = cs_cursor_sub_clip(&in, n, NULL);
        size_t len;
        const uint8_t *bytes = cs_cursor_span(&fr, &len);
        ordinal++;
        struct cs_frame f = {
            ordinal, (int64_t)ordinal * 1000000, 6, (uint32_t)len, (uint32_t)len, linktype, 0,
            bytes};
        struct cs_packet p;
        struct cs_flow_view v;
        cs_decode_frame(&f, &p);
        cs_flowtab_track(t, &p, &v);
        if (v.new_flow && v.flow)
            cs_flow_stream_enable(t, v.flow, on_stream, &s);
        struct cs_record r = {CS_REC_PACKET, &f, &p, &v, NULL, 0};
        cs_fmt_record(fmt, &r);
        cs_out_reset(o);
    }
    cs_flowtab_free(t);
    cs_fmt_free(fmt);
    cs_out_free(o);
    return 0;
}

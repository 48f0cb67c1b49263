/* fuzz_ca_udp.c: one CA datagram (client 40000 -> server 5064, then the same bytes back) through
 * decoding, the CA dissector and the JSON and text formatters. Input: the UDP payload. */
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
    struct cs_formatter *fmt[2];
    struct cs_out *out;
};

static void
on_record(void *ctx, const struct cs_record *r)
{
    struct sink *s = ctx;
    cs_fmt_record(s->fmt[0], r);
    cs_fmt_record(s->fmt[1], r);
    cs_out_reset(s->out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65000)
        return 0;
    static uint8_t buf[28 + 65000];
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = 16;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    struct cs_out *out = cs_out_new_mem(1 << 16);
    struct cs_fmt_config json = {CS_OUTFMT_JSON, NULL, CS_TIME_EPOCH, 0, 0};
    struct cs_fmt_config text = {CS_OUTFMT_TEXT, NULL, CS_TIME_EPOCH, 0, 0};
    char err[128];
    struct sink s = {{NULL, NULL}, out};
    if (out) {
        s.fmt[0] = cs_fmt_new(&json, out, err, sizeof err);
        s.fmt[1] = cs_fmt_new(&text, out, err, sizeof err);
    }
    struct cs_dissect_opts opts = {NULL, 0, 3, 0};
    struct cs_dissect *d =
        t && s.fmt[0] && s.fmt[1] ? cs_dissect_new(t, &opts, on_record, &s) : NULL;
    for (int dir = 0; d && dir < 2; dir++) {
        size_t len = 28 + size;
        memset(buf, 0, 28);
        buf[0] = 0x45;
        buf[2] = (uint8_t)(len >> 8);
        buf[3] = (uint8_t)len;
        buf[8] = 64;
        buf[9] = 17;
        const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
        memcpy(buf + 12, dir ? srv : cli, 4);
        memcpy(buf + 16, dir ? cli : srv, 4);
        unsigned sp = dir ? 5064 : 40000, dp = dir ? 40000 : 5064;
        buf[20] = (uint8_t)(sp >> 8);
        buf[21] = (uint8_t)sp;
        buf[22] = (uint8_t)(dp >> 8);
        buf[23] = (uint8_t)dp;
        buf[24] = (uint8_t)((8 + size) >> 8);
        buf[25] = (uint8_t)(8 + size);
        if (size)
            memcpy(buf + 28, data, size);
        struct cs_frame f = {(uint64_t)dir + 1, 1000, 6, (uint32_t)len, (uint32_t)len, 101, 0, buf};
        struct cs_packet p;
        struct cs_flow_view v;
        cs_decode_frame(&f, &p);
        cs_dissect_begin_packet(d, &f, &p, &v);
        cs_flowtab_track(t, &p, &v);
        cs_dissect_packet(d);
    }
    if (d)
        cs_dissect_finish(d);
    cs_dissect_free(d);
    cs_flowtab_free(t);
    cs_fmt_free(s.fmt[0]);
    cs_fmt_free(s.fmt[1]);
    cs_out_free(out);
    return 0;
}

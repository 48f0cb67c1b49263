/* fuzz_mptcp.c: libFuzzer target for the TCP option walk with MPTCP options and the MPTCP
 * tracker: the input is a run of segments, each a control byte (bit 0 direction, bits 1-4 the
 * flags SYN/ACK/FIN/RST, bits 5-7 payload length / 16) and up to 40 option bytes (a length byte
 * first), made into IPv4/TCP packets between two fixed hosts, decoded, tracked and printed. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cashark/decode.h"
#include "cashark/flow.h"
#include "cashark/format.h"
#include "cashark/mptcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
to_text(void *ctx, const struct cs_record *r)
{
    const struct cs_mptcp_event *e = r->app;
    cs_mptcp_opt_text(ctx, e->opt);
    cs_out_reset(ctx);
}

/* One IPv4/TCP packet: 20 + 20 + opt_len + payload bytes. */
static size_t
build(uint8_t *pkt, uint8_t ctl, const uint8_t *opts, size_t opt_len, uint32_t seq[2])
{
    static const uint16_t flag_bits[4] = {CS_TH_SYN, CS_TH_ACK, CS_TH_FIN, CS_TH_RST};
    size_t olen = (opt_len + 3) & ~(size_t)3;
    size_t plen = (size_t)(ctl >> 5) * 16;
    size_t tot = 40 + olen + plen;
    int dir = ctl & 1;
    uint16_t flags = 0;
    for (int i = 0; i < 4; i++)
        if (ctl & (2u << i))
            flags |= flag_bits[i];
    memset(pkt, 0, tot);
    pkt[0] = 0x45;
    pkt[2] = (uint8_t)(tot >> 8);
    pkt[3] = (uint8_t)tot;
    pkt[8] = 64;
    pkt[9] = 6;
    uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    memcpy(pkt + 12, dir ? b : a, 4);
    memcpy(pkt + 16, dir ? a : b, 4);
    uint8_t *t = pkt + 20;
    t[0] = dir ? 0x13 : 0xc3; /* ports 5001 / 50000 */
    t[1] = dir ? 0x89 : 0x50;
    t[2] = dir ? 0xc3 : 0x13;
    t[3] = dir ? 0x50 : 0x89;
    for (int i = 0; i < 4; i++)
        t[4 + i] = (uint8_t)(seq[dir] >> (24 - 8 * i));
    t[12] = (uint8_t)(((20 + olen) / 4) << 4);
    t[13] = (uint8_t)flags;
    t[14] = 0xff;
    memcpy(t + 20, opts, opt_len);
    seq[dir] += (uint32_t)plen + ((flags & (CS_TH_SYN | CS_TH_FIN)) ? 1u : 0u);
    return tot;
}

/* One run over the input: the tracker retires connections as the small flow table evicts
 * their subflows and prints them as fmt (per subflow when subflows). */
static void
run(const uint8_t *data, size_t size, enum cs_outfmt fmt, int subflows)
{
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = 64;
    struct cs_flowtab *ft = cs_flowtab_new(&cfg);
    struct cs_mptcp_config mc = {1, 16};
    struct cs_mptcp *m = cs_mptcp_new(&mc);
    struct cs_out *o = cs_out_new_mem(256);
    if (!ft || !m || !o || cs_mptcp_attach(m, ft) != 0 ||
        cs_mptcp_stats_start(m, o, fmt, subflows) != 0)
        goto out;
    uint32_t seq[2] = {1000, 900000};
    uint8_t pkt[40 + 40 + 112];
    size_t i = 0;
    uint64_t ordinal = 0;
    while (i + 2 <= size) {
        uint8_t ctl = data[i];
        size_t ol = data[i + 1] % 41;
        i += 2;
        if (ol > size - i)
            ol = size - i;
        size_t n = build(pkt, ctl, data + i, ol, seq);
        i += ol;
        struct cs_frame f = {
            ++ordinal, (int64_t)ordinal * 1000, 6, (uint32_t)n, (uint32_t)n, CS_DLT_RAW, 0, pkt};
        struct cs_packet p;
        struct cs_flow_view fv;
        cs_decode_frame(&f, &p);
        cs_flowtab_track(ft, &p, &fv);
        cs_mptcp_packet(m, &f, &p, &fv, to_text, o); /* resets o: batches stay small */
    }
    cs_flowtab_flush(ft);
    cs_mptcp_stats_end(m);
out:
    cs_out_free(o);
    cs_flowtab_free(ft);
    cs_mptcp_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, CS_OUTFMT_TEXT, 0);
    run(data, size, CS_OUTFMT_JSON, 1);
    return 0;
}

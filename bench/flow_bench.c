/* flow_bench.c: per-packet cost of cs_flowtab_track with many concurrent flows.
 *
 * Not a test. Build and run from the repository root:
 *   cc -std=c11 -D_DEFAULT_SOURCE -O2 -Iinclude -o /tmp/flow_bench bench/flow_bench.c \
 *      src/flow/[a-z]*.c && /tmp/flow_bench [flows] [packets]
 * Prints nanoseconds per tracked packet for: flows that fit the table (packets of random flows,
 * then with every stream reassembled), flows twice the capacity (eviction on most packets), and
 * runs of 16 packets per flow as bulk transfers give.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cashark/flow.h"

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_bytes(void *ctx, struct cs_flow *fl, int dir, const uint8_t *data, size_t n, uint64_t lost,
         int fin)
{
    uint64_t *sum = ctx;
    (void)fl;
    (void)dir;
    (void)data;
    (void)fin;
    *sum += n + lost;
}

struct sim {
    uint32_t *seq; /* per flow: next client seq */
};

static double
run(uint32_t flows, uint64_t packets, uint32_t capacity, int streams, uint32_t burst)
{
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.capacity = capacity;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    uint32_t *seq = calloc(flows, sizeof(*seq));
    if (!t || !seq) {
        fprintf(stderr, "flow_bench: out of memory\n");
        exit(1);
    }
    static const uint8_t payload[100];
    struct cs_frame f;
    struct cs_packet p;
    memset(&f, 0, sizeof(f));
    memset(&p, 0, sizeof(p));
    p.frame = &f;
    p.l2.kind = CS_L2_ETH;
    p.l3 = CS_L3_IPV4;
    p.l4 = CS_L4_TCP;
    p.ip.src.family = p.ip.dst.family = 4;
    uint64_t sum = 0, rng = 1;
    uint32_t k = 0;
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < packets; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        if (i % burst == 0)
            k = (uint32_t)((rng >> 33) % flows);
        int rev = burst > 1 ? (i % 4 == 3) : (int)((rng >> 20) & 1);
        uint8_t h[4] = {10, (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k};
        uint8_t s[4] = {192, 168, 0, 1};
        memcpy(p.ip.src.a, rev ? s : h, 4);
        memcpy(p.ip.dst.a, rev ? h : s, 4);
        p.t.tcp.sport = rev ? 5064 : (uint16_t)(30000 + (k & 0x3fff));
        p.t.tcp.dport = rev ? (uint16_t)(30000 + (k & 0x3fff)) : 5064;
        p.t.tcp.flags = 0x18;
        p.t.tcp.seq = rev ? 1 : seq[k];
        p.t.tcp.ack = rev ? seq[k] : 1;
        p.t.tcp.win = 512;
        uint32_t n = rev ? 0 : 100;
        p.payload = cs_cursor_make(payload, n);
        p.payload_len = n;
        if (!rev)
            seq[k] += n;
        f.ordinal = i + 1;
        f.ts_ns = (int64_t)i * 1000;
        struct cs_flow_view v;
        cs_flowtab_track(t, &p, &v);
        if (streams && v.new_flow)
            cs_flow_stream_enable(t, v.flow, on_bytes, &sum);
    }
    uint64_t t1 = now_ns();
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    cs_flowtab_free(t);
    free(seq);
    printf("  %u flows, capacity %u, streams %s, runs of %u: %.1f ns/packet (%llu flows made, %llu "
           "evicted, "
           "%llu bytes in order)\n",
           flows, capacity, streams ? "on " : "off", burst, (double)(t1 - t0) / (double)packets,
           (unsigned long long)st.flows,
           (unsigned long long)(st.evicted_pressure + st.evicted_idle + st.evicted_closed),
           (unsigned long long)sum);
    return (double)(t1 - t0) / (double)packets;
}

int
main(int argc, char **argv)
{
    uint32_t flows = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    uint64_t packets = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    if (flows == 0 || flows > 0xffffff || packets == 0) {
        fprintf(stderr, "usage: flow_bench [flows (1..16777215)] [packets]\n");
        return 2;
    }
    printf("flow_bench: %llu packets, struct cs_flow %zu bytes, %zu bytes per tracked flow\n",
           (unsigned long long)packets, sizeof(struct cs_flow), cs_flowtab_entry_size());
    uint32_t fit = 1;
    while (fit < flows)
        fit *= 2;
    run(flows, packets, fit, 0, 1);
    run(flows, packets, fit, 1, 1);
    run(flows, packets, flows / 2 ? flows / 2 : 1, 0, 1);
    run(flows, packets, fit, 0, 16);
    return 0;
}

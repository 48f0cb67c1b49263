/* test_reasm.c: TCP stream reassembly: order, retransmission, overlap, holes, caps, FIN, RST,
 * sequence wraparound, TFO, and the byte-exact invariant under random segmentations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cashark/flow.h"
#include "flow_fixture.h"

/* The consumer writes what it is told as text: "d0:abc|" data, "l0:3|" lost, "f0|" fin. */
struct sink {
    char log[1024];
    size_t len;
    int fins[2];
};

static void
sink_put(struct sink *k, const char *s, size_t n)
{
    assert_true(k->len + n < sizeof(k->log));
    memcpy(k->log + k->len, s, n);
    k->len += n;
    k->log[k->len] = '\0';
}

static void
on_stream(void *ctx, struct cs_flow *fl, int dir, const uint8_t *data, size_t n, uint64_t lost,
          int fin)
{
    struct sink *k = ctx;
    char head[32];
    assert_non_null(fl);
    assert_true(dir == 0 || dir == 1);
    assert_true(k->fins[dir] == 0); /* nothing after the fin */
    /* exactly one of data, lost and fin */
    assert_int_equal((n > 0) + (lost > 0) + (fin != 0), 1);
    if (n) {
        int h = snprintf(head, sizeof(head), "d%d:", dir);
        sink_put(k, head, (size_t)h);
        sink_put(k, (const char *)data, n);
        sink_put(k, "|", 1);
    } else if (lost) {
        int h = snprintf(head, sizeof(head), "l%d:%llu|", dir, (unsigned long long)lost);
        sink_put(k, head, (size_t)h);
    } else {
        int h = snprintf(head, sizeof(head), "f%d|", dir);
        sink_put(k, head, (size_t)h);
        k->fins[dir] = 1;
    }
}

/* One segment: dir 0 is the client 10.0.0.1:40000, 1 the server 10.0.0.2:5064. seq and ack
 * are relative to the sender's and the receiver's ISN; the ACK flag is set when ack != 0. */
struct seg {
    int dir;
    uint16_t flags;
    uint32_t seq;
    const char *data;
    uint32_t ack;
    uint32_t len; /* 0: strlen(data); larger: only strlen(data) bytes were captured */
};

#define SEGS(...)                                                                                  \
    (const struct seg[]){__VA_ARGS__},                                                             \
        sizeof((const struct seg[]){__VA_ARGS__}) / sizeof(struct seg)

struct rvec {
    const char *name;
    uint32_t isn[2];
    size_t cap_dir, cap_total; /* 0: defaults */
    int no_handshake;
    size_t enable_at; /* index of the segment at which the stream is enabled */
    const struct seg *segs;
    size_t n;
    const char *expect; /* the log after the end of the run */
    uint64_t lost;      /* expected stats.reasm_lost */
};

/* The handshake every vector starts with unless no_handshake: SYN, SYN-ACK, ACK. */
static const struct seg handshake[] = {
    {0, S, 0, "", 0, 0},
    {1, SA, 0, "", 1, 0},
    {0, A, 1, "", 1, 0},
};

static const struct rvec rvecs[] = {
    {"in order",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 4, "def", 1, 0}, {1, PA, 1, "XY", 7, 0}),
     "d0:abc|d0:def|d1:XY|f0|f1|",
     0},
    /* the same 3 bytes twice: delivered once */
    {"retransmission",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 1, "abc", 1, 0}, {0, PA, 4, "def", 1, 0}),
     "d0:abc|d0:def|f0|f1|",
     0},
    /* "cdef" at 3 overlaps "abcd" at 1 by two bytes: only "ef" is new */
    {"overlap",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abcd", 1, 0}, {0, PA, 3, "cdef", 1, 0}, {0, PA, 2, "bcdefg", 1, 0}),
     "d0:abcd|d0:ef|d0:g|f0|f1|",
     0},
    {"out of order",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 4, "def", 1, 0}, {0, PA, 1, "abc", 1, 0}),
     "d0:abc|d0:def|f0|f1|",
     0},
    /* 7-9 and 4-6 wait for 1-3; then 5-8 overlapping two buffered segments is dropped */
    {"hole filled later",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 7, "ghi", 1, 0}, {0, PA, 4, "def", 1, 0}, {0, PA, 5, "efgh", 1, 0},
          {0, PA, 1, "abc", 1, 0}),
     "d0:abc|d0:def|d0:ghi|f0|f1|",
     0},
    /* buffered "efgh" at 5; "fg" inside it is dropped; "cdefghij" at 3 replaces it */
    {"buffered overlaps",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 5, "efgh", 1, 0}, {0, PA, 6, "fg", 1, 0}, {0, PA, 3, "cdefghij", 1, 0},
          {0, PA, 1, "ab", 1, 0}),
     "d0:ab|d0:cdefghij|f0|f1|",
     0},
    /* 4-6 never seen; the server acknowledges 10 (rel): the hole is given up */
    {"ack passes hole",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 7, "ghi", 1, 0}, {1, A, 1, "", 10, 0},
          {0, PA, 10, "jk", 1, 0}),
     "d0:abc|l0:3|d0:ghi|d0:jk|f0|f1|",
     3},
    /* nothing buffered: the ack says 4-6 went by unseen */
    {"ack passes unseen bytes",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {1, A, 1, "", 7, 0}, {0, PA, 7, "ghi", 1, 0},
          {1, A, 1, "", 5, 0}),
     "d0:abc|l0:3|d0:ghi|f0|f1|",
     3},
    /* per-direction cap 6: 10-12 and 13-15 fill it, 16-18 does not fit: 4-9 is given up */
    {"direction cap",
     {1000, 5000},
     6,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 10, "jkl", 1, 0}, {0, PA, 13, "mno", 1, 0},
          {0, PA, 16, "pqr", 1, 0}, {0, PA, 4, "def", 1, 0}),
     "d0:abc|l0:6|d0:jkl|d0:mno|d0:pqr|f0|f1|",
     6},
    /* a segment larger than the cap with nothing buffered: its hole goes at once */
    {"segment above cap",
     {1000, 5000},
     2,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 7, "ghi", 1, 0}),
     "d0:abc|l0:3|d0:ghi|f0|f1|",
     3},
    /* global cap 6: the client's 6 bytes fill it; the server's out-of-order bytes cannot wait */
    {"global cap",
     {1000, 5000},
     100,
     6,
     0,
     0,
     SEGS({0, PA, 5, "efgh", 1, 0}, {0, PA, 10, "jk", 1, 0}, {1, PA, 3, "ZZ", 1, 0},
          {0, PA, 1, "abcd", 1, 0}),
     "l1:2|d1:ZZ|d0:abcd|d0:efgh|l0:1|d0:jk|f0|f1|",
     3},
    /* FIN in order with the data */
    {"fin",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, FA, 4, "de", 1, 0}, {0, PA, 6, "zz", 1, 0},
          {1, FA, 1, "", 7, 0}),
     "d0:abc|d0:de|f0|f1|",
     0},
    /* FIN after a hole waits; the server's ACK of the FIN gives the hole up */
    {"fin behind hole, acked",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, FA, 7, "ghi", 1, 0}, {1, A, 1, "", 11, 0}),
     "d0:abc|l0:3|d0:ghi|f0|f1|",
     3},
    /* a bare FIN at 7 after unseen 4-6; the ACK of the FIN (8) loses 3 bytes, not 4 */
    {"bare fin after hole, acked",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, FA, 7, "", 1, 0}, {1, A, 1, "", 8, 0}),
     "d0:abc|l0:3|f0|f1|",
     3},
    /* ... and the hole filled before the ACK */
    {"fin behind hole, filled",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, FA, 7, "ghi", 1, 0}, {0, PA, 4, "def", 1, 0}),
     "d0:abc|d0:def|d0:ghi|f0|f1|",
     0},
    /* FIN behind a hole at the end of the run: buffered bytes, the hole, then the fin */
    {"fin with buffered data at end",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, FA, 10, "jkl", 1, 0}, {0, PA, 7, "ghi", 1, 0}),
     "d0:abc|l0:3|d0:ghi|d0:jkl|f0|f1|",
     3},
    /* buffered bytes at the end of the run with a hole after them too */
    {"buffered at end",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 4, "def", 1, 0}, {0, PA, 10, "jkl", 1, 0}),
     "l0:3|d0:def|l0:3|d0:jkl|f0|f1|",
     6},
    /* RST from the server: both directions end at once */
    {"rst",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 7, "ghi", 1, 0}, {1, R, 1, "", 0, 0},
          {0, PA, 4, "def", 1, 0}),
     "d0:abc|f1|l0:3|d0:ghi|f0|",
     3},
    /* client ISN 0xfffffffe: rel 1 is seq 0xffffffff, rel 4 is seq 2 */
    {"wraparound",
     {0xfffffffeu, 0xfffffff0u},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 4, "def", 1, 0}, {0, PA, 1, "abc", 1, 0}, {1, PA, 1, "0123456789abcdefXYZ", 7, 0},
          {0, PA, 7, "g", 20, 0}),
     "d0:abc|d0:def|d1:0123456789abcdefXYZ|d0:g|f0|f1|",
     0},
    /* TFO: data on the SYN is delivered; the client's next data starts at rel 4 */
    {"tfo",
     {1000, 5000},
     0,
     0,
     1,
     0,
     SEGS({0, S, 0, "hi!", 0, 0}, {1, SA, 0, "", 4, 0}, {0, PA, 4, "abc", 1, 0},
          {1, PA, 1, "ok", 7, 0}),
     "d0:hi!|d0:abc|d1:ok|f0|f1|",
     0},
    /* 6 bytes on the wire, 3 captured (snap length): the other 3 are lost */
    {"snap length",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 1, "abc", 1, 6}, {0, PA, 7, "ghi", 1, 0}),
     "d0:abc|l0:3|d0:ghi|f0|f1|",
     3},
    /* the same, buffered out of order first */
    {"snap length buffered",
     {1000, 5000},
     0,
     0,
     0,
     0,
     SEGS({0, PA, 4, "def", 1, 6}, {0, PA, 1, "abc", 1, 0}, {0, PA, 10, "jk", 1, 0}),
     "d0:abc|d0:def|l0:3|d0:jk|f0|f1|",
     3},
    /* enabled at the 3rd segment (after the handshake): starts at the next byte */
    {"enabled mid-connection",
     {1000, 5000},
     0,
     0,
     0,
     4,
     SEGS({0, PA, 1, "abc", 1, 0}, {0, PA, 4, "def", 1, 0}, {1, PA, 1, "XY", 7, 0}),
     "d0:def|d1:XY|f0|f1|",
     0},
    /* enabled on a capture that starts mid-stream, out of order from then on */
    {"mid-stream capture",
     {1000, 5000},
     0,
     0,
     1,
     0,
     SEGS({0, PA, 100, "abc", 50, 0}, {0, PA, 106, "ghi", 50, 0}, {0, PA, 103, "def", 50, 0}),
     "d0:abc|d0:def|d0:ghi|f0|f1|",
     0},
};

static uint32_t
seg_len(const struct seg *s)
{
    return s->len ? s->len : (uint32_t)strlen(s->data);
}

static void
run_vec(const struct rvec *v)
{
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    if (v->cap_dir)
        cfg.reasm_cap_dir = v->cap_dir;
    if (v->cap_total)
        cfg.reasm_cap_total = v->cap_total;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    assert_non_null(t);
    struct sink k;
    memset(&k, 0, sizeof(k));
    size_t n_hs = v->no_handshake ? 0 : sizeof(handshake) / sizeof(handshake[0]);
    size_t total = n_hs + v->n;
    for (size_t i = 0; i < total; i++) {
        const struct seg *s = i < n_hs ? &handshake[i] : &v->segs[i - n_hs];
        int d = s->dir;
        uint16_t flags = s->flags;
        if (s->ack)
            flags |= CS_TH_ACK;
        uint32_t n = seg_len(s);
        uint32_t cap = (uint32_t)strlen(s->data);
        struct fx x;
        fx_tcp(&x, 0, d ? 2 : 1, d ? 5064 : 40000, d ? 1 : 2, d ? 40000 : 5064, flags,
               v->isn[d] + s->seq, v->isn[!d] + s->ack, 1000, s->data, n, cap,
               (int64_t)(i + 1) * MS, i + 1);
        struct cs_flow_view fv;
        cs_flowtab_track(t, &x.pkt, &fv);
        assert_non_null(fv.flow);
        if (i == v->enable_at)
            cs_flow_stream_enable(t, fv.flow, on_stream, &k);
    }
    cs_flowtab_flush(t);
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    if (strcmp(k.log, v->expect) || st.reasm_lost != v->lost)
        fail_msg("%s:\n got  %s (lost %llu)\n want %s (lost %llu)", v->name, k.log,
                 (unsigned long long)st.reasm_lost, v->expect, (unsigned long long)v->lost);
    assert_int_equal(st.reasm_bytes, 0);
    cs_flowtab_free(t);
}

static void
test_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rvecs) / sizeof(rvecs[0]); i++)
        run_vec(&rvecs[i]);
}

/* Without an enabled stream nothing is delivered and nothing is buffered. */
static void
test_not_enabled(void **state)
{
    (void)state;
    struct cs_flowtab *t = cs_flowtab_new(NULL);
    struct fx x;
    struct cs_flow_view fv;
    fx_tcp(&x, 0, 1, 40000, 2, 80, PA, 10, 1, 1000, "abc", 3, 3, MS, 1);
    cs_flowtab_track(t, &x.pkt, &fv);
    fx_tcp(&x, 0, 1, 40000, 2, 80, PA, 100, 1, 1000, "abc", 3, 3, MS, 2);
    cs_flowtab_track(t, &x.pkt, &fv);
    struct cs_flowtab_stats st;
    cs_flowtab_get_stats(t, &st);
    assert_int_equal(st.reasm_peak, 0);
    /* UDP flows have no stream: enabling is a no-op */
    fx_udp(&x, 0, 1, 1000, 2, 53, MS, 3);
    cs_flowtab_track(t, &x.pkt, &fv);
    cs_flow_stream_enable(t, fv.flow, on_stream, NULL);
    cs_flowtab_free(t);
}

/* A consumer that only counts (for inputs whose log would be too long). */
static void
on_stream_count(void *ctx, struct cs_flow *fl, int dir, const uint8_t *data, size_t n,
                uint64_t lost, int fin)
{
    struct sink *k = ctx;
    (void)fl;
    (void)data;
    (void)lost;
    assert_int_equal(k->fins[dir], 0);
    if (fin)
        k->fins[dir] = 1;
    k->len += n;
}

/* ---- byte-exact invariant under random segmentation, order, duplicates and caps ---- */

struct check {
    const uint8_t *orig;
    size_t pos;   /* offset of the next byte in orig */
    size_t lost;  /* bytes reported lost */
    size_t given; /* bytes delivered */
    int fin;
};

static void
on_check(void *ctx, struct cs_flow *fl, int dir, const uint8_t *data, size_t n, uint64_t lost,
         int fin)
{
    struct check *c = ctx;
    (void)fl;
    if (dir == 1) { /* the server sends nothing: only its end */
        assert_true(fin && n == 0 && lost == 0);
        return;
    }
    assert_int_equal(c->fin, 0);
    if (n) {
        if (memcmp(c->orig + c->pos, data, n))
            fail_msg("bytes at %zu differ", c->pos);
        c->pos += n;
        c->given += n;
    }
    c->pos += lost;
    c->lost += lost;
    if (fin)
        c->fin = 1;
}

static uint64_t
rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* size bytes split into segments of 1..200 bytes, sent in a shuffled order with duplicates and
 * random overlapping re-cuts; ISN near 2^32 so the stream wraps. With enough buffer every byte
 * arrives; with a small one the bytes that arrive are the right ones at the right offsets, and
 * delivered + lost covers the stream exactly. */
static void
run_random(uint64_t seed, size_t cap_dir, int expect_all)
{
    enum { SIZE = 60000 };
    uint8_t *orig = malloc(SIZE);
    assert_non_null(orig);
    uint64_t r = seed;
    for (size_t i = 0; i < SIZE; i++)
        orig[i] = (uint8_t)('a' + rnd(&r) % 26);
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.reasm_cap_dir = cap_dir;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    const uint32_t isn = 0xffff0000u;
    struct check c = {orig, 0, 0, 0, 0};
    struct fx x;
    struct cs_flow_view fv;
    fx_tcp(&x, 0, 1, 40000, 2, 5064, S, isn, 0, 1000, NULL, 0, 0, MS, 1);
    cs_flowtab_track(t, &x.pkt, &fv);
    cs_flow_stream_enable(t, fv.flow, on_check, &c);
    /* segments: (offset, length) pairs, then shuffled within a window of 40 */
    enum { MAXSEG = 4000 };
    size_t *off = malloc(MAXSEG * sizeof(size_t)), *len = malloc(MAXSEG * sizeof(size_t));
    assert_non_null(off);
    assert_non_null(len);
    size_t n = 0;
    for (size_t p = 0; p < SIZE && n < MAXSEG - 1;) {
        size_t l = 1 + rnd(&r) % 200;
        if (p + l > SIZE)
            l = SIZE - p;
        off[n] = p;
        len[n] = l;
        n++;
        if (rnd(&r) % 8 == 0 && n < MAXSEG - 1) { /* a re-cut overlapping retransmission */
            off[n] = p > 50 ? p - 50 : 0;
            len[n] = l + 50 < SIZE - off[n] ? l + 50 : SIZE - off[n];
            n++;
        }
        p += l;
    }
    for (size_t i = 0; i < n; i++) {
        size_t j = i + rnd(&r) % 40;
        if (j >= n)
            j = n - 1;
        size_t to = off[i], tl = len[i];
        off[i] = off[j];
        len[i] = len[j];
        off[j] = to;
        len[j] = tl;
    }
    struct cs_flowtab_stats st;
    for (size_t i = 0; i < n; i++) {
        fx_tcp(&x, 0, 1, 40000, 2, 5064, PA, isn + 1 + (uint32_t)off[i], 1, 1000, orig + off[i],
               (uint32_t)len[i], (uint32_t)len[i], (int64_t)(i + 2) * MS, i + 2);
        cs_flowtab_track(t, &x.pkt, &fv);
        cs_flowtab_get_stats(t, &st);
        assert_true(st.reasm_bytes <= cap_dir);
    }
    /* the FIN: whatever is missing now is lost */
    fx_tcp(&x, 0, 1, 40000, 2, 5064, FA, isn + 1 + SIZE, 1, 1000, NULL, 0, 0, MS, n + 2);
    cs_flowtab_track(t, &x.pkt, &fv);
    cs_flowtab_flush(t);
    cs_flowtab_get_stats(t, &st);
    assert_int_equal(c.fin, 1);
    assert_int_equal(c.pos, SIZE);
    assert_int_equal(c.given + c.lost, SIZE);
    assert_int_equal(st.reasm_lost, c.lost);
    assert_true(st.reasm_peak <= cap_dir);
    assert_int_equal(st.reasm_bytes, 0);
    if (expect_all)
        assert_int_equal(c.lost, 0);
    else
        assert_true(c.lost > 0);
    cs_flowtab_free(t);
    free(off);
    free(len);
    free(orig);
}

static void
test_random_segmentation(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        run_random(seed, (size_t)1 << 20, 1);
        run_random(seed, 300, 0);
    }
}

/* Hostile sequence numbers: random seqs over the whole space and random acks never buffer
 * more than the caps, whatever happens to the bytes. */
static void
test_hostile_bounded(void **state)
{
    (void)state;
    struct cs_flowtab_config cfg;
    cs_flowtab_config_default(&cfg);
    cfg.reasm_cap_dir = 5000;
    cfg.reasm_cap_total = 8000;
    struct cs_flowtab *t = cs_flowtab_new(&cfg);
    static uint8_t junk[1500];
    struct sink k;
    uint64_t r = 7;
    struct cs_flowtab_stats st;
    for (int flow = 0; flow < 4; flow++) {
        memset(&k, 0, sizeof(k));
        for (int i = 0; i < 5000; i++) {
            int d = (int)(rnd(&r) & 1);
            uint16_t port = (uint16_t)(40000 + flow);
            uint32_t n = (uint32_t)(rnd(&r) % 1500);
            uint16_t flags = (rnd(&r) % 50 == 0) ? FA : PA;
            struct fx x;
            fx_tcp(&x, 0, d ? 2 : 1, d ? 80 : port, d ? 1 : 2, d ? port : 80, flags,
                   (uint32_t)(rnd(&r) << 1), (uint32_t)(rnd(&r) << 1), 1000, junk, n, n, MS,
                   (uint64_t)i + 1);
            struct cs_flow_view fv;
            cs_flowtab_track(t, &x.pkt, &fv);
            if (i == 0) /* the sink only counts here: reuse it with a tiny log */
                cs_flow_stream_enable(t, fv.flow, on_stream_count, &k);
            cs_flowtab_get_stats(t, &st);
            assert_true(st.reasm_bytes <= cfg.reasm_cap_total);
        }
    }
    cs_flowtab_get_stats(t, &st);
    assert_true(st.reasm_peak <= cfg.reasm_cap_total);
    cs_flowtab_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_not_enabled),
        cmocka_unit_test(test_random_segmentation),
        cmocka_unit_test(test_hostile_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

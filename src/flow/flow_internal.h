/* flow_internal.h: what the flow module's files share (keyed hash, stream reassembly). */
#ifndef CASHARK_FLOW_INTERNAL_H
#define CASHARK_FLOW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cashark/cursor.h"
#include "cashark/flow.h"

/* SipHash (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012), written from the
 * paper's description: four 64-bit lanes, c SipRounds per 8-byte word, d at the end. The
 * pieces are inline so that the flow table's fixed-size, fixed-round use unrolls. */
static inline uint64_t
cs_sip_rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

struct cs_sip {
    uint64_t v0, v1, v2, v3;
};

static inline void
cs_sip_round(struct cs_sip *s)
{
    s->v0 += s->v1;
    s->v1 = cs_sip_rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = cs_sip_rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = cs_sip_rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = cs_sip_rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = cs_sip_rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = cs_sip_rotl(s->v2, 32);
}

/* n (<= 8) bytes as a little-endian word. */
static inline uint64_t
cs_sip_load(const uint8_t *b, size_t n)
{
    uint64_t v = 0;
    if (n == 8) {
        memcpy(&v, b, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        return v;
    }
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static inline void
cs_sip_compress(struct cs_sip *s, uint64_t m, int rounds)
{
    s->v3 ^= m;
    for (int i = 0; i < rounds; i++)
        cs_sip_round(s);
    s->v0 ^= m;
}

static inline void
cs_sip_init(struct cs_sip *s, const uint64_t k[2])
{
    s->v0 = k[0] ^ 0x736f6d6570736575ULL;
    s->v1 = k[1] ^ 0x646f72616e646f6dULL;
    s->v2 = k[0] ^ 0x6c7967656e657261ULL;
    s->v3 = k[1] ^ 0x7465646279746573ULL;
}

static inline uint64_t
cs_sip_final(struct cs_sip *s, int d_rounds)
{
    s->v2 ^= 0xff;
    for (int i = 0; i < d_rounds; i++)
        cs_sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* SipHash-c-d (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012) of n bytes,
 * read as little-endian words, keyed with k[0] (bytes 0..7) and k[1] (bytes 8..15). */
uint64_t cs_flow_siphash(const uint64_t k[2], const uint8_t *data, size_t n, int c_rounds,
                         int d_rounds);

/* Sequence-number order modulo 2^32 (RFC 9293 section 3.4). */
static inline int
cs_seq_lt(uint32_t a, uint32_t b)
{
    return ((a - b) & 0x80000000u) != 0;
}

static inline int
cs_seq_le(uint32_t a, uint32_t b)
{
    return a == b || cs_seq_lt(a, b);
}

/* Reassembly-wide caps and counters: one per flow table. */
struct cs_reasm {
    size_t cap_dir, cap_total;  /* out-of-order payload bytes buffered */
    uint32_t seg_cap_dir;       /* out-of-order segments buffered per direction */
    uint64_t seg_cap_total;     /* ... and over all flows */
    uint64_t bytes, peak, lost; /* payload bytes buffered now, most at once, reported lost */
    uint64_t segs;              /* segments buffered now */
};

struct cs_stream;

void cs_reasm_init(struct cs_reasm *g, size_t cap_dir, size_t cap_total);

/* A stream for one flow; NULL when out of memory. */
struct cs_stream *cs_reasm_stream_new(cs_stream_fn fn, void *ctx);
void cs_reasm_stream_set(struct cs_stream *st, cs_stream_fn fn, void *ctx);

/* Starts direction dir at sequence number next (the next byte expected). */
void cs_reasm_start(struct cs_stream *st, int dir, uint32_t next);
/* Marks direction dir as already over: nothing more is delivered but its fin at the end. */
void cs_reasm_close(struct cs_stream *st, int dir);

/* One segment of direction dir: seq and flags as in the header, payload the captured bytes and
 * len the payload length the headers claim (>= captured). An unstarted direction starts at this
 * segment's first data byte. */
void cs_reasm_segment(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir,
                      uint32_t seq, uint16_t flags, struct cs_cursor payload, uint32_t len);

/* The peer acknowledged direction dir up to ack: a hole below ack never fills. */
void cs_reasm_ack(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir,
                  uint32_t ack);

/* Ends both directions (buffered bytes in order with their holes reported, then fin) and frees
 * the stream. */
void cs_reasm_end(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl);

#endif

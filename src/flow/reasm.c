/* reasm.c: TCP stream reassembly: each direction's bytes in order, each byte once.
 *
 * RFC 9293 (TCP) sections 3.4 and 3.10.7.4: sequence space modulo 2^32, SYN and FIN each take
 * one sequence number, data on a SYN (RFC 7413 TCP Fast Open) starts at ISN + 1. Out-of-order
 * segments are copied into a sorted, non-overlapping list per direction, bounded by a byte cap
 * per direction and over all flows and by a segment count (cap / 64) so that tiny segments
 * cannot blow the bound with list overhead. A hole is given up (reported to the consumer as
 * lost bytes) when a cap is hit, when the peer acknowledges past it, or at the end.
 */
#include "flow_internal.h"

#include <stdlib.h>
#include <string.h>

#include "cashark/decode.h"

#define SEG_BYTES_PER_SLOT 64 /* one buffered segment allowed per 64 bytes of cap */
#define SEG_MIN_DIR        8

struct seg {
    struct seg *next;
    uint32_t s, e; /* sequence space covered: [s, e) */
    uint32_t have; /* bytes of data stored (the rest of [s, e) was not captured) */
    uint8_t data[];
};

struct rdir {
    struct seg *head, *tail;
    uint32_t next;    /* next sequence number to deliver */
    uint32_t fin_seq; /* sequence number of the FIN, when fin_pending */
    uint32_t nseg;
    size_t bytes;
    uint8_t started, fin_pending, done, fin_told;
};

struct cs_stream {
    cs_stream_fn fn;
    void *ctx;
    struct rdir d[2];
};

void
cs_reasm_init(struct cs_reasm *g, size_t cap_dir, size_t cap_total)
{
    memset(g, 0, sizeof(*g));
    g->cap_dir = cap_dir;
    g->cap_total = cap_total;
    size_t per = cap_dir / SEG_BYTES_PER_SLOT;
    if (per < SEG_MIN_DIR)
        per = SEG_MIN_DIR;
    g->seg_cap_dir = per > UINT32_MAX ? UINT32_MAX : (uint32_t)per;
    g->seg_cap_total = cap_total / SEG_BYTES_PER_SLOT;
    if (g->seg_cap_total < SEG_MIN_DIR)
        g->seg_cap_total = SEG_MIN_DIR;
}

struct cs_stream *
cs_reasm_stream_new(cs_stream_fn fn, void *ctx)
{
    struct cs_stream *st = calloc(1, sizeof(*st));
    if (st) {
        st->fn = fn;
        st->ctx = ctx;
    }
    return st;
}

void
cs_reasm_stream_set(struct cs_stream *st, cs_stream_fn fn, void *ctx)
{
    st->fn = fn;
    st->ctx = ctx;
}

void
cs_reasm_start(struct cs_stream *st, int dir, uint32_t next)
{
    st->d[dir].next = next;
    st->d[dir].started = 1;
}

void
cs_reasm_close(struct cs_stream *st, int dir)
{
    st->d[dir].done = 1;
}

static void
deliver(struct cs_stream *st, struct cs_flow *fl, int dir, struct cs_cursor c)
{
    size_t n;
    const uint8_t *p = cs_cursor_span(&c, &n);
    if (n)
        st->fn(st->ctx, fl, dir, p, n, 0, 0);
}

static void
report_lost(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir, uint32_t n)
{
    if (n == 0)
        return;
    g->lost += n;
    st->fn(st->ctx, fl, dir, NULL, 0, n, 0);
}

static void
tell_fin(struct cs_stream *st, struct cs_flow *fl, int dir)
{
    struct rdir *d = &st->d[dir];
    if (d->fin_told)
        return;
    d->fin_told = 1;
    d->done = 1;
    st->fn(st->ctx, fl, dir, NULL, 0, 0, 1);
}

static void
seg_unlink_head(struct cs_reasm *g, struct rdir *d)
{
    struct seg *h = d->head;
    d->head = h->next;
    if (!d->head)
        d->tail = NULL;
    d->nseg--;
    d->bytes -= h->have;
    g->segs--;
    g->bytes -= h->have;
}

static void
free_all(struct cs_reasm *g, struct rdir *d)
{
    while (d->head) {
        struct seg *h = d->head;
        seg_unlink_head(g, d);
        free(h);
    }
}

/* The cursor without its first n bytes (empty when it has fewer). */
static struct cs_cursor
drop_front(struct cs_cursor c, uint32_t n)
{
    if ((size_t)n >= cs_cursor_remaining(&c))
        return cs_cursor_make(NULL, 0);
    cs_cursor_skip(&c, n);
    return c;
}

/* Delivers the bytes of [s, e) from d->next on: the captured ones, then the uncaptured rest as
 * lost. c holds the captured bytes from s (possibly more than e - s). */
static void
deliver_from(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir, uint32_t s,
             uint32_t e, struct cs_cursor c)
{
    struct rdir *d = &st->d[dir];
    uint32_t off = d->next - s;
    c = cs_cursor_sub_clip(&c, e - s, NULL);
    uint32_t got = (uint32_t)cs_cursor_remaining(&c);
    if (off < got)
        deliver(st, fl, dir, drop_front(c, off));
    d->next = e;
    report_lost(g, st, fl, dir, (e - s) - (off > got ? off : got));
}

/* Delivers the buffered segments that have become contiguous, then the FIN when reached. */
static void
drain(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir)
{
    struct rdir *d = &st->d[dir];
    while (d->head && cs_seq_le(d->head->s, d->next)) {
        struct seg *h = d->head;
        seg_unlink_head(g, d);
        uint32_t e = h->e;
        if (d->fin_pending && cs_seq_lt(d->fin_seq, e))
            e = d->fin_seq; /* nothing after the FIN */
        if (cs_seq_lt(d->next, e))
            deliver_from(g, st, fl, dir, h->s, e, cs_cursor_make(h->data, h->have));
        free(h);
    }
    if (d->fin_pending && cs_seq_le(d->fin_seq, d->next)) {
        free_all(g, d);
        tell_fin(st, fl, dir);
    }
}

/* Gives up the first hole: reports it lost and delivers what follows it. */
static void
skip_first_hole(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir)
{
    struct rdir *d = &st->d[dir];
    report_lost(g, st, fl, dir, d->head->s - d->next);
    d->next = d->head->s;
    drain(g, st, fl, dir);
}

static int
fits(const struct cs_reasm *g, const struct rdir *d, uint32_t n)
{
    return d->bytes + n <= g->cap_dir && g->bytes + n <= g->cap_total && d->nseg < g->seg_cap_dir &&
           g->segs < g->seg_cap_total;
}

/* Inserts [s, e) after prev (NULL: at the head) with the captured bytes in c. */
static void
insert_after(struct cs_reasm *g, struct rdir *d, struct seg *prev, uint32_t s, uint32_t e,
             struct cs_cursor c)
{
    size_t have = cs_cursor_remaining(&c);
    if (have > (size_t)(e - s))
        have = e - s;
    struct seg *n = malloc(sizeof(*n) + have);
    if (!n)
        return; /* out of memory: the bytes become a hole, reported later like any other */
    n->s = s;
    n->e = e;
    n->have = (uint32_t)have;
    cs_cursor_bytes(&c, n->data, have);
    n->next = prev ? prev->next : d->head;
    if (prev)
        prev->next = n;
    else
        d->head = n;
    if (!n->next)
        d->tail = n;
    d->nseg++;
    d->bytes += have;
    g->segs++;
    g->bytes += have;
    if (g->bytes > g->peak)
        g->peak = g->bytes;
}

/* Buffers the out-of-order [s, e) (s after d->next), trimmed against what is already buffered so
 * that the list stays sorted and free of overlaps. Returns 0 when it did not fit. */
static int
buffer_segment(struct cs_reasm *g, struct rdir *d, uint32_t s, uint32_t e, struct cs_cursor c)
{
    struct seg *prev = NULL, *cur = d->head;
    if (d->tail && cs_seq_le(d->tail->s, s)) { /* the usual case: after everything buffered */
        prev = d->tail;
        cur = NULL;
    } else {
        while (cur && cs_seq_le(cur->s, s)) {
            prev = cur;
            cur = cur->next;
        }
    }
    if (prev && cs_seq_lt(s, prev->e)) {
        if (cs_seq_le(e, prev->e))
            return 1; /* all of it is buffered already */
        c = drop_front(c, prev->e - s);
        s = prev->e;
    }
    /* Later segments wholly inside [s, e) are replaced by this one. */
    while (cur && cs_seq_le(cur->e, e)) {
        struct seg *dead = cur;
        cur = cur->next;
        if (prev)
            prev->next = cur;
        else
            d->head = cur;
        if (!cur)
            d->tail = prev;
        d->nseg--;
        d->bytes -= dead->have;
        g->segs--;
        g->bytes -= dead->have;
        free(dead);
    }
    if (cur && cs_seq_lt(cur->s, e))
        e = cur->s;
    if (cs_seq_le(e, s))
        return 1; /* the gap between two buffered segments is empty */
    size_t have = cs_cursor_remaining(&c);
    uint32_t need = have > (size_t)(e - s) ? e - s : (uint32_t)have;
    if (!fits(g, d, need))
        return 0;
    insert_after(g, d, prev, s, e, c);
    return 1;
}

/* The data [s, s + len) of one segment, c holding its captured bytes. */
static void
data_in(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir, uint32_t s,
        uint32_t len, struct cs_cursor c)
{
    struct rdir *d = &st->d[dir];
    uint32_t e = s + len;
    if (d->fin_pending && cs_seq_lt(d->fin_seq, e)) {
        if (cs_seq_le(d->fin_seq, s))
            return; /* nothing before the FIN */
        e = d->fin_seq;
    }
    for (;;) {
        if (cs_seq_le(e, d->next))
            return; /* retransmission: delivered already */
        if (cs_seq_lt(s, d->next)) {
            c = drop_front(c, d->next - s);
            s = d->next;
        }
        if (s == d->next) {
            deliver_from(g, st, fl, dir, s, e, c);
            drain(g, st, fl, dir);
            return;
        }
        if (buffer_segment(g, d, s, e, c))
            return;
        /* A cap is hit: give up the first hole (or the one before this segment) and retry. */
        if (d->head && cs_seq_lt(d->head->s, s)) {
            skip_first_hole(g, st, fl, dir);
        } else {
            report_lost(g, st, fl, dir, s - d->next);
            d->next = s;
        }
        if (d->done)
            return;
    }
}

/* Delivers everything buffered in order, reporting each hole, then the fin. */
static void
finish_dir(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir)
{
    struct rdir *d = &st->d[dir];
    if (!d->done) {
        while (d->head && !d->done)
            skip_first_hole(g, st, fl, dir);
        if (!d->done && d->started && d->fin_pending && cs_seq_lt(d->next, d->fin_seq)) {
            report_lost(g, st, fl, dir, d->fin_seq - d->next);
            d->next = d->fin_seq;
        }
    }
    free_all(g, d);
    tell_fin(st, fl, dir);
}

void
cs_reasm_segment(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir,
                 uint32_t seq, uint16_t flags, struct cs_cursor payload, uint32_t len)
{
    struct rdir *d = &st->d[dir];
    if (d->done)
        return;
    uint32_t s = seq + ((flags & CS_TH_SYN) ? 1u : 0u);
    if (!d->started) {
        if (flags & CS_TH_RST)
            goto rst;
        d->next = s;
        d->started = 1;
    }
    if (len)
        data_in(g, st, fl, dir, s, len, payload);
    if ((flags & CS_TH_FIN) && !d->fin_pending && !d->done) {
        d->fin_pending = 1;
        d->fin_seq = s + len;
        if (cs_seq_lt(d->fin_seq, d->next)) /* a FIN before bytes already delivered */
            d->fin_seq = d->next;
        drain(g, st, fl, dir);
    }
rst:
    if (flags & CS_TH_RST) {
        finish_dir(g, st, fl, dir);
        finish_dir(g, st, fl, !dir);
    }
}

void
cs_reasm_ack(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl, int dir, uint32_t ack)
{
    struct rdir *d = &st->d[dir];
    if (!d->started || d->done)
        return;
    uint32_t limit = ack;
    if (d->fin_pending && cs_seq_lt(d->fin_seq, limit))
        limit = d->fin_seq;
    while (!d->done && cs_seq_lt(d->next, limit)) {
        uint32_t upto = limit;
        if (d->head && cs_seq_lt(d->head->s, limit))
            upto = d->head->s;
        report_lost(g, st, fl, dir, upto - d->next);
        d->next = upto;
        drain(g, st, fl, dir);
    }
    if (!d->done)
        drain(g, st, fl, dir); /* the FIN itself may now be reached */
}

void
cs_reasm_end(struct cs_reasm *g, struct cs_stream *st, struct cs_flow *fl)
{
    finish_dir(g, st, fl, 0);
    finish_dir(g, st, fl, 1);
    free(st);
}

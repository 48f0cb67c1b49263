/* out_impl.h: the writer's layout and inline fast paths, private to src/format. */
#ifndef CASHARK_FORMAT_OUT_IMPL_H
#define CASHARK_FORMAT_OUT_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cashark/format.h"

#define CS_OUT_MEM_MAX ((size_t)16 << 20) /* a memory writer never grows past this */

struct cs_out {
    char *buf;
    size_t len, cap;
    int fd;         /* -1: memory writer */
    int flush_each; /* flush at every end of record */
    int failed;     /* a write failed; output is dropped from then on */
    int full;       /* memory writer hit CS_OUT_MEM_MAX: bytes were dropped */
    /* Timestamps of consecutive packets mostly share their second: its text is kept. */
    uint64_t sec_cached; /* whole seconds (magnitude) whose digits are in sec_text */
    uint8_t sec_len;     /* 0: nothing cached */
    char sec_text[20];
    int64_t iso_cached; /* second since the epoch whose ISO date and time are in iso_text */
    uint8_t iso_len;
    char iso_text[32];
};

/* Makes room for n more bytes; returns where to write them, or NULL when they must be dropped
 * (failed writer, or a memory writer at its maximum). Slow path in out.c. */
char *cs_out_reserve_slow_(struct cs_out *o, size_t n);

static inline char *
cs_out_reserve_(struct cs_out *o, size_t n)
{
    if (o->cap - o->len >= n)
        return o->buf + o->len;
    return cs_out_reserve_slow_(o, n);
}

static inline void
cs_out_put_(struct cs_out *o, const void *p, size_t n)
{
    char *d = cs_out_reserve_(o, n);
    if (d) {
        memcpy(d, p, n);
        o->len += n;
    }
}

static inline void
cs_out_putc_(struct cs_out *o, char c)
{
    char *d = cs_out_reserve_(o, 1);
    if (d) {
        *d = c;
        o->len++;
    }
}

#define CS_OUT_LIT(o, s) cs_out_put_((o), (s), sizeof(s) - 1)

extern const char cs_out_digit_pairs_[201]; /* "000102...99" */

/* Decimal digits of v, by a few comparisons. */
static inline unsigned
cs_out_dec_len32_(uint32_t v)
{
    if (v < 100000)
        return v < 100 ? (v < 10 ? 1u : 2u) : v < 1000 ? 3u : v < 10000 ? 4u : 5u;
    return v < 10000000 ? (v < 1000000 ? 6u : 7u) : v < 100000000 ? 8u : v < 1000000000 ? 9u : 10u;
}

/* Writes v as exactly n decimal digits (zero-padded) ending at end. */
static inline void
cs_out_digits32_(char *end, uint32_t v, unsigned n)
{
    char *p = end;
    while (n >= 2) {
        unsigned d = (v % 100) * 2;
        v /= 100;
        *--p = cs_out_digit_pairs_[d + 1];
        *--p = cs_out_digit_pairs_[d];
        n -= 2;
    }
    if (n)
        *--p = (char)('0' + v % 10);
}

/* v in decimal, written in place (the common case of every port, length and sequence number). */
static inline void
cs_out_u32_(struct cs_out *o, uint32_t v)
{
    char *d = cs_out_reserve_(o, 10);
    if (!d)
        return;
    unsigned n = cs_out_dec_len32_(v);
    cs_out_digits32_(d + n, v, n);
    o->len += n;
}

/* v as exactly width digits, zero-padded (v < 10^width, width <= 9). */
static inline void
cs_out_zpad32_(struct cs_out *o, uint32_t v, unsigned width)
{
    char *d = cs_out_reserve_(o, 10);
    if (!d)
        return;
    cs_out_digits32_(d + width, v, width);
    o->len += width;
}

#endif

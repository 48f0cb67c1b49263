/* cursor.h: the one bounded reader of packet bytes.
 *
 * Every byte of packet data is read through a struct cs_cursor. A read past the end returns 0
 * and sets the sticky error flag; decoders read a fixed header linearly and test the flag once
 * before any value read so far decides a length, a loop bound, an allocation or a dispatch.
 * This header is the only place allowed to do pointer arithmetic on packet data.
 */
#ifndef CASHARK_CURSOR_H
#define CASHARK_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cs_cursor {
    const uint8_t *p; /* next byte to read */
    size_t len;       /* bytes left */
    int err;          /* sticky: set by any read past the end */
};

static inline struct cs_cursor
cs_cursor_make(const uint8_t *data, size_t len)
{
    struct cs_cursor c = {data, data ? len : 0, 0};
    return c;
}

static inline size_t
cs_cursor_remaining(const struct cs_cursor *c)
{
    return c->len;
}

static inline int
cs_cursor_failed(const struct cs_cursor *c)
{
    return c->err;
}

/* Makes the cursor fail if fewer than n bytes are left; returns 1 when they are. */
static inline int
cs_cursor_need(struct cs_cursor *c, size_t n)
{
    if (c->err || c->len < n) {
        c->err = 1;
        return 0;
    }
    return 1;
}

static inline void
cs_cursor_advance_(struct cs_cursor *c, size_t n)
{
    c->p += n;
    c->len -= n;
}

static inline uint8_t
cs_cursor_u8(struct cs_cursor *c)
{
    if (!cs_cursor_need(c, 1))
        return 0;
    uint8_t v = c->p[0];
    cs_cursor_advance_(c, 1);
    return v;
}

static inline uint16_t
cs_cursor_be16(struct cs_cursor *c)
{
    if (!cs_cursor_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
    cs_cursor_advance_(c, 2);
    return v;
}

static inline uint32_t
cs_cursor_be32(struct cs_cursor *c)
{
    if (!cs_cursor_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 |
                 (uint32_t)c->p[3];
    cs_cursor_advance_(c, 4);
    return v;
}

static inline uint64_t
cs_cursor_be64(struct cs_cursor *c)
{
    uint64_t hi = cs_cursor_be32(c);
    uint64_t lo = cs_cursor_be32(c);
    return c->err ? 0 : hi << 32 | lo;
}

static inline uint16_t
cs_cursor_le16(struct cs_cursor *c)
{
    if (!cs_cursor_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
    cs_cursor_advance_(c, 2);
    return v;
}

static inline uint32_t
cs_cursor_le32(struct cs_cursor *c)
{
    if (!cs_cursor_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 |
                 (uint32_t)c->p[0];
    cs_cursor_advance_(c, 4);
    return v;
}

static inline uint64_t
cs_cursor_le64(struct cs_cursor *c)
{
    uint64_t lo = cs_cursor_le32(c);
    uint64_t hi = cs_cursor_le32(c);
    return c->err ? 0 : hi << 32 | lo;
}

/* Copies n bytes to out; on failure out is zeroed and nothing is consumed. */
static inline void
cs_cursor_bytes(struct cs_cursor *c, void *out, size_t n)
{
    if (!cs_cursor_need(c, n)) {
        memset(out, 0, n);
        return;
    }
    if (n)
        memcpy(out, c->p, n);
    cs_cursor_advance_(c, n);
}

static inline void
cs_cursor_skip(struct cs_cursor *c, size_t n)
{
    if (cs_cursor_need(c, n))
        cs_cursor_advance_(c, n);
}

/* A child cursor over exactly the next n bytes, which the parent skips. On failure the child is
 * empty and failed, and the parent is failed too. */
static inline struct cs_cursor
cs_cursor_sub(struct cs_cursor *c, size_t n)
{
    struct cs_cursor s = {NULL, 0, 1};
    if (cs_cursor_need(c, n)) {
        s.p = c->p;
        s.len = n;
        s.err = 0;
        cs_cursor_advance_(c, n);
    }
    return s;
}

/* A child cursor over at most n bytes (fewer when fewer are left), never failing; *clipped is set
 * to 1 when fewer than n bytes were there (the layer was cut by the snapshot length). */
static inline struct cs_cursor
cs_cursor_sub_clip(struct cs_cursor *c, size_t n, int *clipped)
{
    size_t take = n <= c->len ? n : c->len;
    if (clipped)
        *clipped = take < n;
    struct cs_cursor s = {c->p, take, c->err};
    if (!c->err)
        cs_cursor_advance_(c, take);
    return s;
}

/* Reads the byte at offset off without consuming; returns -1 when it is not there. */
static inline int
cs_cursor_peek(const struct cs_cursor *c, size_t off)
{
    if (c->err || off >= c->len)
        return -1;
    return c->p[off];
}

/* Looks at the remaining bytes as a read-only span for copying or hashing by whole-buffer
 * consumers (hex dumps, reassembly): *n receives the length. */
static inline const uint8_t *
cs_cursor_span(const struct cs_cursor *c, size_t *n)
{
    *n = c->err ? 0 : c->len;
    return c->err ? NULL : c->p;
}

#endif

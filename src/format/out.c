/* out.c: the buffered output writer, integer formatting and the per-format text escapers. */
#include "cashark/format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out_impl.h"

const char cs_out_digit_pairs_[201] = "00010203040506070809"
                                      "10111213141516171819"
                                      "20212223242526272829"
                                      "30313233343536373839"
                                      "40414243444546474849"
                                      "50515253545556575859"
                                      "60616263646566676869"
                                      "70717273747576777879"
                                      "80818283848586878889"
                                      "90919293949596979899";

static const char hex_digits[17] = "0123456789abcdef";

static struct cs_out *
out_alloc(int fd, size_t cap, int flush_each)
{
    struct cs_out *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    if (cap < 64)
        cap = 64;
    o->buf = malloc(cap);
    if (!o->buf) {
        free(o);
        return NULL;
    }
    o->cap = cap;
    o->fd = fd;
    o->flush_each = flush_each;
    return o;
}

struct cs_out *
cs_out_new(int fd, size_t bufsize, int flush_each_record)
{
    return out_alloc(fd, bufsize ? bufsize : (size_t)1 << 16, flush_each_record != 0);
}

struct cs_out *
cs_out_new_mem(size_t initial)
{
    return out_alloc(-1, initial ? initial : 256, 0);
}

void
cs_out_free(struct cs_out *o)
{
    if (!o)
        return;
    free(o->buf);
    free(o);
}

/* Writes n bytes at p to the descriptor, retrying short writes and EINTR; a failure sets the
 * sticky flag and everything after it is dropped. */
static void
write_all(struct cs_out *o, const char *p, size_t n)
{
    size_t done = 0;
    while (!o->failed && done < n) {
        ssize_t w = write(o->fd, p + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->failed = 1;
        } else if (w == 0) {
            o->failed = 1;
        } else {
            done += (size_t)w;
        }
    }
}

int
cs_out_flush(struct cs_out *o)
{
    if (o->fd >= 0) {
        if (o->len)
            write_all(o, o->buf, o->len);
        o->len = 0;
    }
    return o->failed ? -1 : 0;
}

void
cs_out_set_flush_each(struct cs_out *o, int on)
{
    o->flush_each = on != 0;
    if (o->flush_each)
        cs_out_flush(o);
}

int
cs_out_failed(const struct cs_out *o)
{
    return o->failed;
}

char *
cs_out_reserve_slow_(struct cs_out *o, size_t n)
{
    if (o->fd < 0) {
        if (o->len + n > CS_OUT_MEM_MAX || o->len + n < n) {
            o->full = 1;
            return NULL;
        }
        size_t cap = o->cap * 2;
        while (cap < o->len + n)
            cap *= 2;
        if (cap > CS_OUT_MEM_MAX)
            cap = CS_OUT_MEM_MAX;
        char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->full = 1;
            return NULL;
        }
        o->buf = nb;
        o->cap = cap;
        return o->buf + o->len;
    }
    cs_out_flush(o);
    if (n > o->cap) { /* only for a single piece larger than the buffer */
        char *nb = realloc(o->buf, n);
        if (!nb) {
            o->failed = 1;
            return NULL;
        }
        o->buf = nb;
        o->cap = n;
    }
    return o->buf;
}

void
cs_out_mem(struct cs_out *o, const void *p, size_t n)
{
    if (o->fd >= 0 && n > o->cap) {
        cs_out_flush(o);
        write_all(o, p, n);
        return;
    }
    cs_out_put_(o, p, n);
}

void
cs_out_str(struct cs_out *o, const char *s)
{
    cs_out_put_(o, s, strlen(s));
}

void
cs_out_char(struct cs_out *o, char c)
{
    cs_out_putc_(o, c);
}

void
cs_out_pad(struct cs_out *o, size_t n)
{
    static const char spaces[32] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces ? n : sizeof spaces;
        cs_out_put_(o, spaces, k);
        n -= k;
    }
}

void
cs_out_end_record(struct cs_out *o)
{
    cs_out_putc_(o, '\n');
    if (o->flush_each)
        cs_out_flush(o);
}

const char *
cs_out_data(const struct cs_out *o, size_t *len)
{
    *len = o->len;
    return o->buf;
}

void
cs_out_reset(struct cs_out *o)
{
    o->len = 0;
    o->full = 0;
}

/* Decimal digits of v written backwards ending at end; returns the first digit. */
static char *
u64_digits(char *end, uint64_t v)
{
    char *p = end;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = cs_out_digit_pairs_[d + 1];
        *--p = cs_out_digit_pairs_[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        *--p = cs_out_digit_pairs_[d + 1];
        *--p = cs_out_digit_pairs_[d];
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

void
cs_out_u64(struct cs_out *o, uint64_t v)
{
    if (v <= UINT32_MAX) {
        cs_out_u32_(o, (uint32_t)v);
        return;
    }
    char tmp[24];
    char *end = tmp + sizeof tmp;
    char *p = u64_digits(end, v);
    cs_out_put_(o, p, (size_t)(end - p));
}

void
cs_out_i64(struct cs_out *o, int64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = u64_digits(end, mag);
    if (v < 0)
        *--p = '-';
    cs_out_put_(o, p, (size_t)(end - p));
}

void
cs_out_hex(struct cs_out *o, uint64_t v, int min_digits)
{
    char tmp[16];
    int n = 0;
    do {
        tmp[15 - n++] = hex_digits[v & 0xf];
        v >>= 4;
    } while (v && n < 16);
    while (n < min_digits && n < 16)
        tmp[15 - n++] = '0';
    cs_out_put_(o, tmp + 16 - n, (size_t)n);
}

/* Locale-independent: printable ASCII is 0x20..0x7e. */
static inline int
printable(unsigned char c)
{
    return c >= 0x20 && c < 0x7f;
}

static void
out_xescape(struct cs_out *o, unsigned char c)
{
    char e[4] = {'\\', 'x', hex_digits[c >> 4], hex_digits[c & 0xf]};
    cs_out_put_(o, e, 4);
}

void
cs_out_escaped(struct cs_out *o, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && printable(s[run]))
            run++;
        if (run > i)
            cs_out_put_(o, s + i, run - i);
        if (run < n)
            out_xescape(o, s[run++]);
        i = run;
    }
}

/* JSON short escapes by control character, 0 where \u00NN is used. */
static const struct {
    unsigned char c;
    char esc;
} json_short[] = {
    {'\b', 'b'}, {'\f', 'f'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}, {'"', '"'}, {'\\', '\\'},
};

static void
json_escape_one(struct cs_out *o, unsigned char c)
{
    for (size_t k = 0; k < sizeof json_short / sizeof json_short[0]; k++) {
        if (json_short[k].c == c) {
            char e[2] = {'\\', json_short[k].esc};
            cs_out_put_(o, e, 2);
            return;
        }
    }
    char u[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xf]};
    cs_out_put_(o, u, 6);
}

void
cs_out_json_text(struct cs_out *o, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && printable(s[run]) && s[run] != '"' && s[run] != '\\')
            run++;
        if (run > i)
            cs_out_put_(o, s + i, run - i);
        if (run < n)
            json_escape_one(o, s[run++]);
        i = run;
    }
}

void
cs_out_csv_cell(struct cs_out *o, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            break;
    if (i == n) {
        cs_out_put_(o, s, n);
        return;
    }
    cs_out_putc_(o, '"');
    size_t start = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '"') {
            cs_out_put_(o, s + start, i + 1 - start); /* through the quote, then double it */
            cs_out_putc_(o, '"');
            start = i + 1;
        }
    }
    cs_out_put_(o, s + start, n - start);
    cs_out_putc_(o, '"');
}

static const struct {
    unsigned char c;
    char esc;
} tsv_escapes[] = {{'\t', 't'}, {'\n', 'n'}, {'\r', 'r'}, {'\\', '\\'}};

void
cs_out_tsv_cell(struct cs_out *o, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof tsv_escapes / sizeof tsv_escapes[0]; k++) {
            if (tsv_escapes[k].c == s[i]) {
                cs_out_put_(o, s + start, i - start);
                char e[2] = {'\\', tsv_escapes[k].esc};
                cs_out_put_(o, e, 2);
                start = i + 1;
                break;
            }
        }
    }
    cs_out_put_(o, s + start, n - start);
}

/* time.c: timestamps as fixed-point seconds and as ISO 8601 UTC, by arithmetic alone. */
#include "cashark/format.h"

#include <string.h>

#include "out_impl.h"

static const uint32_t pow10_u32[10] = {1,      10,      100,      1000,      10000,
                                       100000, 1000000, 10000000, 100000000, 1000000000};

/* v as exactly width decimal digits (v < 10^width). */
static void
out_zpad(struct cs_out *o, uint32_t v, int width)
{
    cs_out_zpad32_(o, v, (unsigned)width);
}

static int
clamp_digits(int digits)
{
    return digits < 0 ? 0 : digits > 9 ? 9 : digits;
}

void
cs_out_fixed(struct cs_out *o, int64_t value_ns, int digits)
{
    digits = clamp_digits(digits);
    uint64_t mag = value_ns < 0 ? (uint64_t)0 - (uint64_t)value_ns : (uint64_t)value_ns;
    if (value_ns < 0)
        cs_out_putc_(o, '-');
    uint64_t sec = mag / 1000000000u;
    if (!o->sec_len || sec != o->sec_cached) {
        char tmp[24];
        char *end = tmp + sizeof tmp, *p = end;
        uint64_t v = sec;
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        o->sec_len = (uint8_t)(end - p);
        memcpy(o->sec_text, p, o->sec_len);
        o->sec_cached = sec;
    }
    cs_out_put_(o, o->sec_text, o->sec_len);
    if (digits > 0) {
        cs_out_putc_(o, '.');
        out_zpad(o, (uint32_t)(mag % 1000000000u) / pow10_u32[9 - digits], digits);
    }
}

/* Floor division and modulo for a positive divisor. */
static int64_t
floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Proleptic Gregorian date of a day count since 1970-01-01 (the days-from-civil inverse: shift the
 * year to start in March so the leap day is last, then split into 400-year eras). */
static void
civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468; /* days from 0000-03-01 */
    int64_t era = floordiv(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DDTHH:MM:SS" of a second since the epoch into o's cache. */
static void
iso_prefix(struct cs_out *o, int64_t sec)
{
    int64_t days = floordiv(sec, 86400);
    uint32_t sod = (uint32_t)(sec - days * 86400);
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    char *p = o->iso_text;
    if (y < 0) {
        *p++ = '-';
        y = -y;
    }
    if (y >= 10000) { /* five digits or more: not zero-padded */
        char tmp[24];
        size_t n = 0;
        for (uint64_t v = (uint64_t)y; v && n < 12; v /= 10)
            tmp[n++] = (char)('0' + v % 10);
        while (n)
            *p++ = tmp[--n];
    } else {
        cs_out_digits32_(p + 4, (uint32_t)y, 4);
        p += 4;
    }
    const uint32_t parts[5] = {m, d, sod / 3600, sod / 60 % 60, sod % 60};
    static const char seps[5] = {'-', '-', 'T', ':', ':'};
    for (int i = 0; i < 5; i++) {
        *p++ = seps[i];
        cs_out_digits32_(p + 2, parts[i], 2);
        p += 2;
    }
    o->iso_len = (uint8_t)(p - o->iso_text);
    o->iso_cached = sec;
}

void
cs_out_iso8601(struct cs_out *o, int64_t ns, int digits)
{
    digits = clamp_digits(digits);
    int64_t sec = floordiv(ns, 1000000000);
    uint32_t frac = (uint32_t)(ns - sec * 1000000000);
    if (!o->iso_len || sec != o->iso_cached)
        iso_prefix(o, sec);
    cs_out_put_(o, o->iso_text, o->iso_len);
    if (digits > 0) {
        cs_out_putc_(o, '.');
        out_zpad(o, frac / pow10_u32[9 - digits], digits);
    }
    cs_out_putc_(o, 'Z');
}

/* ca_repr.c: Channel Access messages as text: caproto's repr for `command`, and the ca.* fields.
 *
 * The text follows caproto v1.3 Message.__repr__ (class names, argument names and order, enum
 * spellings) so greps written for caproto-shark keep working; values are numpy/Python reprs.
 * Differences on purpose: one line per message, long arrays summarised, correct EPICS layouts.
 */
#include "cashark/ca.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIT(o, s) cs_out_mem((o), (s), sizeof(s) - 1)

/* ---- numbers ---- */

/* Shortest decimal digits that read back as x (as a float32 when f32): digits without a point,
 * and the decimal exponent of the first digit. Returns the digit count. */
static int
shortest(double x, int f32, char *digits, int *exp10)
{
    char buf[40];
    double ax = fabs(x);
    /* Fast paths, no printf/strtod round trips: a whole number below 10^15 is its own shortest
     * form; a double with at most 6 decimals is r / 10^d for the smallest such d where the
     * division (correctly rounded, like strtod) gives x back exactly. */
    uint64_t whole = 0;
    int places = -1;
    if (ax < 1e15 && ax == floor(ax) && (!f32 || ax < 16777216.0)) {
        whole = (uint64_t)ax;
        places = 0;
    } else if (!f32 && ax >= 1e-6 && ax < 1e9) {
        double p = 1;
        for (int d = 1; d <= 6 && places < 0; d++) {
            p *= 10;
            double y = nearbyint(ax * p);
            if (y / p == ax) {
                whole = (uint64_t)y;
                places = d;
            }
        }
    }
    if (places >= 0) {
        char rev[20];
        int n = 0;
        do {
            rev[n++] = (char)('0' + whole % 10);
            whole /= 10;
        } while (whole);
        *exp10 = n - 1 - places;
        int k = 0;
        while (k < n) {
            digits[k] = rev[n - 1 - k];
            k++;
        }
        while (k > 1 && digits[k - 1] == '0')
            k--;
        digits[k] = '\0';
        return k;
    }
    int p0 = f32 ? 6 : 15, p1 = f32 ? 9 : 17;
    for (int p = p0; p <= p1; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        double back = strtod(buf, NULL);
        if (p == p1 || (f32 ? (float)back == (float)x : back == x))
            break;
    }
    /* buf: [-]d.ddde[+-]XX */
    const char *s = buf;
    if (*s == '-')
        s++;
    int n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[n++] = *s;
    *exp10 = *s == 'e' ? (int)strtol(s + 1, NULL, 10) : 0;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

/* Positional text of digits[0..n) with exponent e: "43.5", "1." (numpy) or "1.0" (Python). */
static size_t
positional(char *out, const char *digits, int n, int e, int neg, int python)
{
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    if (e < 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (int i = -1; i > e; i--)
            out[k++] = '0';
        for (int i = 0; i < n; i++)
            out[k++] = digits[i];
        return k;
    }
    for (int i = 0; i <= e; i++)
        out[k++] = i < n ? digits[i] : '0';
    out[k++] = '.';
    for (int i = e + 1; i < n; i++)
        out[k++] = digits[i];
    if (n <= e + 1 && python)
        out[k++] = '0';
    return k;
}

/* Scientific text: "1.5e+16", "1e-05"; frac_min pads the mantissa with zeros (numpy). */
static size_t
scientific(char *out, const char *digits, int n, int e, int neg, int frac_min)
{
    size_t k = 0;
    if (neg)
        out[k++] = '-';
    out[k++] = digits[0];
    int frac = n - 1 > frac_min ? n - 1 : frac_min;
    if (frac > 0) {
        out[k++] = '.';
        for (int i = 1; i <= frac; i++)
            out[k++] = i < n ? digits[i] : '0';
    }
    k += (size_t)snprintf(out + k, 12, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    return k;
}

static size_t
special(char *out, double x)
{
    if (isnan(x)) {
        memcpy(out, "nan", 3);
        return 3;
    }
    if (x < 0) {
        memcpy(out, "-inf", 4);
        return 4;
    }
    memcpy(out, "inf", 3);
    return 3;
}

/* Python repr(float). */
static void
put_pyfloat(struct cs_out *o, double x)
{
    char digits[24], out[48];
    size_t k;
    if (!isfinite(x)) {
        k = special(out, x);
    } else if (x == 0) {
        k = positional(out, "0", 1, 0, signbit(x) != 0, 1);
    } else {
        int e, n = shortest(x, 0, digits, &e);
        if (e < -4 || e >= 16)
            k = scientific(out, digits, n, e, x < 0, 0);
        else
            k = positional(out, digits, n, e, x < 0, 1);
    }
    cs_out_mem(o, out, k);
}

/* Python bytes repr: b'..' with the quote Python picks. */
static void
put_pybytes(struct cs_out *o, struct cs_cursor c, const char *prefix)
{
    static const char hx[] = "0123456789abcdef";
    size_t n;
    const uint8_t *p = cs_cursor_span(&c, &n);
    int sq = 0, dq = 0;
    for (size_t i = 0; i < n; i++) {
        struct cs_cursor k = cs_cursor_make(p, n);
        int b = cs_cursor_peek(&k, i);
        sq |= b == '\'';
        dq |= b == '"';
    }
    char q = sq && !dq ? '"' : '\'';
    cs_out_str(o, prefix);
    cs_out_char(o, q);
    struct cs_cursor k = cs_cursor_make(p, n);
    char buf[64];
    size_t bl = 0;
    while (cs_cursor_remaining(&k) > 0) {
        uint8_t b = cs_cursor_u8(&k);
        if (bl > sizeof buf - 5) {
            cs_out_mem(o, buf, bl);
            bl = 0;
        }
        if (b == '\\' || b == (uint8_t)q) {
            buf[bl++] = '\\';
            buf[bl++] = (char)b;
        } else if (b == '\t' || b == '\n' || b == '\r') {
            buf[bl++] = '\\';
            buf[bl++] = b == '\t' ? 't' : b == '\n' ? 'n' : 'r';
        } else if (b < 0x20 || b >= 0x7f) {
            buf[bl++] = '\\';
            buf[bl++] = 'x';
            buf[bl++] = hx[b >> 4];
            buf[bl++] = hx[b & 15];
        } else {
            buf[bl++] = (char)b;
        }
    }
    cs_out_mem(o, buf, bl);
    cs_out_char(o, q);
}

static void
put_bytes(struct cs_out *o, struct cs_cursor c)
{
    put_pybytes(o, c, "b");
}

/* Python str repr of latin-1 text (non-ASCII shown as \xNN so the line stays ASCII). */
static void
put_pystr(struct cs_out *o, struct cs_cursor c)
{
    put_pybytes(o, c, "");
}

/* A fixed-size char array up to its first NUL. */
static struct cs_cursor
fixed_str(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k])
        k++;
    return cs_cursor_make(p, k);
}

static void
put_ipv4(struct cs_out *o, uint32_t a)
{
    cs_out_char(o, '\'');
    for (int i = 3; i >= 0; i--) {
        cs_out_u64(o, (a >> (8 * i)) & 0xffu);
        if (i)
            cs_out_char(o, '.');
    }
    cs_out_char(o, '\'');
}

/* ---- enums ---- */

static void
put_chantype(struct cs_out *o, uint16_t t)
{
    const char *n = cs_ca_dbr_name(t);
    if (!n) {
        cs_out_u64(o, t);
        return;
    }
    LIT(o, "<ChannelType.");
    cs_out_str(o, n);
    LIT(o, ": ");
    cs_out_u64(o, t);
    cs_out_char(o, '>');
}

static void
put_status(struct cs_out *o, uint32_t cws)
{
    const struct cs_ca_eca *e = cs_ca_eca_find(cws);
    if (!e) {
        LIT(o, "(repr: ");
        cs_out_u64(o, cws);
        cs_out_char(o, ')');
        return;
    }
    LIT(o, "CAStatusCode(name='");
    cs_out_str(o, e->name);
    LIT(o, "', code=");
    cs_out_u64(o, e->code);
    LIT(o, ", code_with_severity=");
    cs_out_u64(o, e->code_with_severity);
    LIT(o, ", severity=<CASeverity.");
    cs_out_str(o, cs_ca_severity_name(e->severity));
    LIT(o, ": ");
    cs_out_u64(o, e->severity);
    LIT(o, ">, success=");
    cs_out_u64(o, e->success);
    cs_out_str(o, e->defunct ? ", defunct=True" : ", defunct=False");
    LIT(o, ", description='");
    cs_out_str(o, e->description);
    LIT(o, "')");
}

static void
put_alarm(struct cs_out *o, const char *cls, const char *name, int v)
{
    cs_out_char(o, '<');
    cs_out_str(o, cls);
    cs_out_char(o, '.');
    if (name)
        cs_out_str(o, name);
    else
        cs_out_i64(o, v);
    LIT(o, ": ");
    cs_out_i64(o, v);
    cs_out_char(o, '>');
}

static void
put_rights(struct cs_out *o, uint32_t v)
{
    LIT(o, "<AccessRights.");
    if (v == 0)
        LIT(o, "NO_ACCESS");
    int sep = 0;
    if (v & 1) {
        LIT(o, "READ");
        sep = 1;
    }
    if (v & 2) {
        if (sep)
            cs_out_char(o, '|');
        LIT(o, "WRITE");
        sep = 1;
    }
    if (v & ~3u) {
        if (sep)
            cs_out_char(o, '|');
        cs_out_u64(o, v & ~3u);
    }
    LIT(o, ": ");
    cs_out_u64(o, v);
    cs_out_char(o, '>');
}

/* ---- DBR data ---- */

static const char *const dtype_suffix[] = {
    [CS_CA_E_STRING] = "",
    [CS_CA_E_INT] = ", dtype=int16",
    [CS_CA_E_FLOAT] = ", dtype=float32",
    [CS_CA_E_ENUM] = ", dtype=uint16",
    [CS_CA_E_CHAR] = ", dtype=uint8",
    [CS_CA_E_LONG] = ", dtype=int32",
    [CS_CA_E_DOUBLE] = "",
    [CS_CA_E_ACK] = ", dtype=uint16",
    [CS_CA_E_NONE] = "",
};

/* Which elements are shown: all when n <= max (or max == 0), else the first and last max/2. */
static uint32_t
shown_index(uint32_t k, uint32_t n, uint32_t max, uint32_t *head)
{
    if (max == 0 || n <= max) {
        *head = n;
        return k;
    }
    *head = (max + 1) / 2;
    return k < *head ? k : n - (max - k);
}

struct elem_text {
    char s[48];
    uint8_t len, dot; /* dot: position of '.' (or len) */
};

static void
fmt_elem(struct elem_text *t, struct cs_ca_num v, int f32, int sci, int frac_min)
{
    size_t k;
    if (!v.is_float) {
        k = (size_t)snprintf(t->s, sizeof t->s, "%lld", (long long)v.i);
    } else if (!isfinite(v.d)) {
        k = special(t->s, v.d);
    } else if (v.d == 0) {
        k = sci ? scientific(t->s, "0", 1, 0, signbit(v.d) != 0, frac_min)
                : positional(t->s, "0", 1, 0, signbit(v.d) != 0, 0);
    } else {
        char digits[24];
        int e, n = shortest(v.d, f32, digits, &e);
        k = sci ? scientific(t->s, digits, n, e, v.d < 0, frac_min)
                : positional(t->s, digits, n, e, v.d < 0, 0);
    }
    t->len = (uint8_t)k;
    t->dot = t->len;
    for (uint8_t i = 0; i < t->len; i++)
        if (t->s[i] == '.' || t->s[i] == 'e') {
            t->dot = i;
            break;
        }
}

/* numpy's array repr for the shown elements, on one line. */
static void
put_numeric(struct cs_out *o, const struct cs_ca_dbr *d, uint32_t max)
{
    uint32_t n = d->n_elems, head;
    uint32_t shown = max == 0 || n <= max ? n : max;
    int f32 = d->etype == CS_CA_E_FLOAT;
    int isf = d->etype == CS_CA_E_FLOAT || d->etype == CS_CA_E_DOUBLE;
    int sci = 0, frac_min = 0;
    if (isf) {
        double lo = INFINITY, hi = 0;
        for (uint32_t k = 0; k < shown; k++) {
            struct cs_ca_num v = cs_ca_dbr_elem(d, shown_index(k, n, max, &head));
            double a = fabs(v.d);
            if (!isfinite(a) || a == 0)
                continue;
            lo = a < lo ? a : lo;
            hi = a > hi ? a : hi;
        }
        sci = hi >= 1e16 || (hi > 0 && (lo < 1e-4 || hi / lo > 1e3));
        if (sci)
            for (uint32_t k = 0; k < shown; k++) {
                struct cs_ca_num v = cs_ca_dbr_elem(d, shown_index(k, n, max, &head));
                char digits[24];
                int e;
                if (isfinite(v.d) && v.d != 0) {
                    int nd = shortest(v.d, f32, digits, &e);
                    frac_min = nd - 1 > frac_min ? nd - 1 : frac_min;
                }
            }
    }
    /* widths: integer part (or whole) and fraction part */
    size_t wl = 0, wr = 0;
    for (uint32_t k = 0; k < shown; k++) {
        struct elem_text t;
        fmt_elem(&t, cs_ca_dbr_elem(d, shown_index(k, n, max, &head)), f32, sci, frac_min);
        wl = t.dot > wl ? t.dot : wl;
        wr = (size_t)(t.len - t.dot) > wr ? (size_t)(t.len - t.dot) : wr;
    }
    LIT(o, "array([");
    for (uint32_t k = 0; k < shown; k++) {
        uint32_t i = shown_index(k, n, max, &head);
        if (k) {
            LIT(o, ", ");
            if (k == head)
                LIT(o, "..., ");
        }
        struct elem_text t;
        fmt_elem(&t, cs_ca_dbr_elem(d, i), f32, sci, frac_min);
        cs_out_pad(o, wl - t.dot);
        cs_out_mem(o, t.s, t.len);
        if (isf && k + 1 < shown)
            cs_out_pad(o, wr - (size_t)(t.len - t.dot));
    }
    cs_out_str(o, "]");
    if (n == 0 && d->etype == CS_CA_E_DOUBLE)
        LIT(o, ", dtype=float64");
    cs_out_str(o, dtype_suffix[d->etype]);
    if (shown < n) {
        LIT(o, ", count=");
        cs_out_u64(o, n);
    }
    cs_out_char(o, ')');
}

static void
put_strings(struct cs_out *o, const struct cs_ca_dbr *d, uint32_t max)
{
    uint32_t n = d->n_elems, head;
    uint32_t shown = max == 0 || n <= max ? n : max;
    cs_out_char(o, '[');
    for (uint32_t k = 0; k < shown; k++) {
        uint32_t i = shown_index(k, n, max, &head);
        if (k) {
            LIT(o, ", ");
            if (k == head)
                LIT(o, "..., ");
        }
        put_bytes(o, cs_ca_dbr_string(d, i));
    }
    cs_out_char(o, ']');
    if (shown < n) {
        LIT(o, " (count=");
        cs_out_u64(o, n);
        cs_out_char(o, ')');
    }
}

static void
put_data(struct cs_out *o, const struct cs_ca_msg *m)
{
    const struct cs_ca_dbr *d = &m->dbr;
    if (!d->known) {
        LIT(o, "(repr: unknown data type ");
        cs_out_u64(o, m->h.dtype);
        cs_out_char(o, ')');
    } else if (d->etype == CS_CA_E_STRING) {
        put_strings(o, d, m->max_elements);
    } else {
        put_numeric(o, d, m->max_elements);
    }
}

static const char *const limit_names[8] = {
    "upper_disp_limit",    "lower_disp_limit",  "upper_alarm_limit", "upper_warning_limit",
    "lower_warning_limit", "lower_alarm_limit", "upper_ctrl_limit",  "lower_ctrl_limit",
};

static void
put_limit(struct cs_out *o, const struct cs_ca_dbr *d, struct cs_ca_num v)
{
    if (d->etype == CS_CA_E_CHAR) {
        uint8_t b = (uint8_t)v.i;
        put_bytes(o, cs_cursor_make(&b, 1));
    } else if (v.is_float) {
        put_pyfloat(o, v.d);
    } else {
        cs_out_i64(o, v.i);
    }
}

/* EPICS TIME stamp as caproto shows it: POSIX seconds, microseconds, trailing zeros cut. */
static void
put_epics_time(struct cs_out *o, uint32_t sec, uint32_t nsec)
{
    uint64_t s = (uint64_t)sec + 631152000u + nsec / 1000000000u;
    uint32_t us = (nsec % 1000000000u) / 1000u;
    cs_out_u64(o, s);
    cs_out_char(o, '.');
    char b[6];
    int n = 6;
    for (int i = 5; i >= 0; i--, us /= 10)
        b[i] = (char)('0' + us % 10);
    while (n > 1 && b[n - 1] == '0')
        n--;
    cs_out_mem(o, b, (size_t)n);
}

static void
put_metadata(struct cs_out *o, const struct cs_ca_msg *m)
{
    const struct cs_ca_dbr *d = &m->dbr;
    if (!d->known || d->family == CS_CA_F_PLAIN || d->family == CS_CA_F_ACK) {
        LIT(o, "None");
        return;
    }
    LIT(o, "DBR_");
    cs_out_str(o, cs_ca_dbr_name(m->h.dtype));
    cs_out_char(o, '(');
    if (d->meta_cut) {
        LIT(o, "(repr: payload ends in the metadata))");
        return;
    }
    if (d->family == CS_CA_F_CLASS) {
        LIT(o, "value=");
        put_bytes(o, fixed_str(d->value40, sizeof d->value40));
        cs_out_char(o, ')');
        return;
    }
    LIT(o, "status=");
    put_alarm(o, "AlarmStatus", cs_ca_alarm_status_name(d->status), d->status);
    LIT(o, ", severity=");
    put_alarm(o, "AlarmSeverity", cs_ca_alarm_severity_name(d->severity), d->severity);
    if (d->has_time) {
        LIT(o, ", timestamp=");
        put_epics_time(o, d->ts_sec, d->ts_nsec);
    }
    if (d->family == CS_CA_F_STSACK) {
        LIT(o, ", ackt=");
        cs_out_u64(o, d->ackt);
        LIT(o, ", acks=");
        cs_out_u64(o, d->acks);
        LIT(o, ", value=");
        put_bytes(o, fixed_str(d->value40, sizeof d->value40));
    }
    if (d->has_enum) {
        LIT(o, ", enum_strings=(");
        unsigned ns = d->no_str <= 16 ? d->no_str : 16;
        for (unsigned i = 0; i < ns; i++) {
            if (i)
                LIT(o, ", ");
            put_bytes(o, fixed_str(d->enum_strs[i], 26));
        }
        if (ns == 1)
            cs_out_char(o, ',');
        cs_out_char(o, ')');
    }
    if (d->has_limits)
        for (unsigned i = 0; i < d->n_limits; i++) {
            LIT(o, ", ");
            cs_out_str(o, limit_names[i]);
            cs_out_char(o, '=');
            put_limit(o, d, d->limits[i]);
        }
    if (d->has_prec) {
        LIT(o, ", precision=");
        cs_out_i64(o, d->precision);
    }
    if (d->has_units) {
        LIT(o, ", units=");
        put_bytes(o, fixed_str(d->units, sizeof d->units));
    }
    cs_out_char(o, ')');
}

/* ---- messages ---- */

/* Arguments, in caproto's signature order. */
enum arg {
    A_END = 0,
    A_PRIORITY, /* dtype */
    A_VERSION_COUNT,
    A_VERSION_DTYPE,
    A_VERSION_P2,
    A_VERSION_PAYLOAD,
    A_DATA,
    A_DATA_TYPE,
    A_DATA_COUNT,
    A_SID_P1,
    A_SID_P2,
    A_SUBID,
    A_IOID,
    A_LOW_HIGH_TO_MASK,
    A_STATUS_P1,
    A_STATUS_P2,
    A_METADATA,
    A_NAME,
    A_CID_P1,
    A_CID_P2,
    A_REPLY,
    A_PORT_DTYPE,
    A_PORT_COUNT,
    A_IP_P1,
    A_ORIGINAL,
    A_ERRMSG,
    A_BEACON_ID,
    A_ADDRESS_P2,
    A_REPEATER_P2,
    A_CLIENT_P2,
    A_RIGHTS,
};

struct repr_row {
    uint16_t cmd;
    uint8_t response;
    const char *cls;
    uint8_t args[9];
};

static const struct repr_row repr_rows[] = {
    {0, 0, "VersionRequest", {A_PRIORITY, A_VERSION_COUNT}},
    {0, 1, "VersionResponse", {A_VERSION_COUNT}},
    {1, 0, "EventAddRequest", {A_DATA_TYPE, A_DATA_COUNT, A_SID_P1, A_SUBID, A_LOW_HIGH_TO_MASK}},
    {1,
     1,
     "EventAddResponse",
     {A_DATA, A_DATA_TYPE, A_DATA_COUNT, A_STATUS_P1, A_SUBID, A_METADATA}},
    {2, 0, "EventCancelRequest", {A_DATA_TYPE, A_SID_P1, A_SUBID}},
    {3, 0, "ReadRequest", {A_DATA_TYPE, A_DATA_COUNT, A_SID_P1, A_IOID}},
    {3, 1, "ReadResponse", {A_DATA, A_DATA_TYPE, A_DATA_COUNT, A_SID_P1, A_IOID, A_METADATA}},
    {4, 0, "WriteRequest", {A_DATA, A_DATA_TYPE, A_DATA_COUNT, A_SID_P1, A_IOID, A_METADATA}},
    {6, 0, "SearchRequest", {A_NAME, A_CID_P1, A_VERSION_COUNT, A_REPLY}},
    {6, 1, "SearchResponse", {A_PORT_DTYPE, A_IP_P1, A_CID_P2, A_VERSION_PAYLOAD}},
    {8, 0, "EventsOffRequest", {A_END}},
    {9, 0, "EventsOnRequest", {A_END}},
    {10, 0, "ReadSyncRequest", {A_END}},
    {11, 1, "ErrorResponse", {A_ORIGINAL, A_CID_P1, A_STATUS_P2, A_ERRMSG}},
    {12, 0, "ClearChannelRequest", {A_SID_P1, A_CID_P2}},
    {12, 1, "ClearChannelResponse", {A_SID_P1, A_CID_P2}},
    {13, 1, "Beacon", {A_VERSION_DTYPE, A_PORT_COUNT, A_BEACON_ID, A_ADDRESS_P2}},
    {14, 1, "NotFoundResponse", {A_VERSION_COUNT, A_CID_P1}},
    {15, 0, "ReadNotifyRequest", {A_DATA_TYPE, A_DATA_COUNT, A_SID_P1, A_IOID}},
    {15,
     1,
     "ReadNotifyResponse",
     {A_DATA, A_DATA_TYPE, A_DATA_COUNT, A_STATUS_P1, A_IOID, A_METADATA}},
    {17, 1, "RepeaterConfirmResponse", {A_REPEATER_P2}},
    {18, 0, "CreateChanRequest", {A_NAME, A_CID_P1, A_VERSION_P2}},
    {18, 1, "CreateChanResponse", {A_DATA_TYPE, A_DATA_COUNT, A_CID_P1, A_SID_P2}},
    {19,
     0,
     "WriteNotifyRequest",
     {A_DATA, A_DATA_TYPE, A_DATA_COUNT, A_SID_P1, A_IOID, A_METADATA}},
    {19, 1, "WriteNotifyResponse", {A_DATA_TYPE, A_DATA_COUNT, A_STATUS_P1, A_IOID}},
    {20, 0, "ClientNameRequest", {A_NAME}},
    {21, 0, "HostNameRequest", {A_NAME}},
    {22, 1, "AccessRightsResponse", {A_CID_P1, A_RIGHTS}},
    {23, 0, "EchoRequest", {A_END}},
    {23, 1, "EchoResponse", {A_END}},
    {24, 0, "RepeaterRegisterRequest", {A_CLIENT_P2}},
    {26, 1, "CreateChFailResponse", {A_CID_P1}},
    {27, 1, "ServerDisconnResponse", {A_CID_P1}},
};

/* EVENT_ADD from the server with no payload answers an EVENT_CANCEL (caproto's class). */
static const struct repr_row event_cancel_response = {
    1, 1, "EventCancelResponse", {A_DATA_TYPE, A_SID_P1, A_SUBID, A_DATA_COUNT}};

static const struct repr_row *
repr_row_of(const struct cs_ca_msg *m)
{
    if (m->h.cmd == CS_CA_EVENT_ADD && m->response && m->h.psize == 0)
        return &event_cancel_response;
    for (size_t i = 0; i < sizeof repr_rows / sizeof repr_rows[0]; i++)
        if (repr_rows[i].cmd == m->h.cmd && repr_rows[i].response == m->response)
            return &repr_rows[i];
    return NULL;
}

static void
put_hdr(struct cs_out *o, const struct cs_ca_hdr *h)
{
    LIT(o, "MessageHeader(command=");
    cs_out_u64(o, h->cmd);
    LIT(o, ", payload_size=");
    cs_out_u64(o, h->extended ? 0xffffu : h->psize);
    LIT(o, ", data_type=");
    cs_out_u64(o, h->dtype);
    LIT(o, ", data_count=");
    cs_out_u64(o, h->extended ? 0 : h->count);
    LIT(o, ", parameter1=");
    cs_out_u64(o, h->p1);
    LIT(o, ", parameter2=");
    cs_out_u64(o, h->p2);
    if (h->extended) {
        LIT(o, ", extended_payload_size=");
        cs_out_u64(o, h->psize);
        LIT(o, ", extended_data_count=");
        cs_out_u64(o, h->count);
    }
    cs_out_char(o, ')');
}

static void
put_arg(struct cs_out *o, const struct cs_ca_msg *m, enum arg a)
{
    const struct cs_ca_hdr *h = &m->h;
    static const char *const names[] = {
        [A_PRIORITY] = "priority",
        [A_VERSION_COUNT] = "version",
        [A_VERSION_DTYPE] = "version",
        [A_VERSION_P2] = "version",
        [A_VERSION_PAYLOAD] = "version",
        [A_DATA] = "data",
        [A_DATA_TYPE] = "data_type",
        [A_DATA_COUNT] = "data_count",
        [A_SID_P1] = "sid",
        [A_SID_P2] = "sid",
        [A_SUBID] = "subscriptionid",
        [A_IOID] = "ioid",
        [A_LOW_HIGH_TO_MASK] = "low",
        [A_STATUS_P1] = "status",
        [A_STATUS_P2] = "status",
        [A_METADATA] = "metadata",
        [A_NAME] = "name",
        [A_CID_P1] = "cid",
        [A_CID_P2] = "cid",
        [A_REPLY] = "reply",
        [A_PORT_DTYPE] = "port",
        [A_PORT_COUNT] = "server_port",
        [A_IP_P1] = "ip",
        [A_ORIGINAL] = "original_request",
        [A_ERRMSG] = "error_message",
        [A_BEACON_ID] = "beacon_id",
        [A_ADDRESS_P2] = "address",
        [A_REPEATER_P2] = "repeater_address",
        [A_CLIENT_P2] = "client_address",
        [A_RIGHTS] = "access_rights",
    };
    cs_out_str(o, names[a]);
    cs_out_char(o, '=');
    switch (a) {
        case A_PRIORITY:
        case A_VERSION_DTYPE:
        case A_REPLY:
        case A_PORT_DTYPE:
            cs_out_u64(o, h->dtype);
            break;
        case A_VERSION_COUNT:
        case A_DATA_COUNT:
        case A_PORT_COUNT:
            cs_out_u64(o, h->count);
            break;
        case A_VERSION_P2:
        case A_SID_P2:
        case A_CID_P2:
        case A_SUBID:
        case A_IOID:
            cs_out_u64(o, h->p2);
            break;
        case A_SID_P1:
        case A_CID_P1:
        case A_BEACON_ID:
            cs_out_u64(o, h->p1);
            break;
        case A_VERSION_PAYLOAD:
            cs_out_u64(o, m->version);
            break;
        case A_DATA:
            put_data(o, m);
            break;
        case A_DATA_TYPE:
            put_chantype(o, h->dtype);
            break;
        case A_LOW_HIGH_TO_MASK:
            if (!m->has_event) {
                LIT(o, "(repr: no payload)");
                break;
            }
            put_pyfloat(o, m->ev_low);
            LIT(o, ", high=");
            put_pyfloat(o, m->ev_high);
            LIT(o, ", to=");
            put_pyfloat(o, m->ev_to);
            LIT(o, ", mask=");
            cs_out_u64(o, m->ev_mask);
            break;
        case A_STATUS_P1:
            put_status(o, h->p1);
            break;
        case A_STATUS_P2:
            put_status(o, h->p2);
            break;
        case A_METADATA:
            put_metadata(o, m);
            break;
        case A_NAME:
            put_pystr(o, m->name);
            break;
        case A_IP_P1:
            put_ipv4(o, h->p1);
            break;
        case A_ADDRESS_P2:
        case A_REPEATER_P2:
        case A_CLIENT_P2:
            put_ipv4(o, h->p2);
            break;
        case A_ORIGINAL:
            if (m->has_orig)
                put_hdr(o, &m->orig);
            else
                LIT(o, "None");
            break;
        case A_ERRMSG:
            put_pybytes(o, m->err_text, "bytearray(b");
            cs_out_char(o, ')');
            break;
        case A_RIGHTS:
            put_rights(o, h->p2);
            break;
        case A_END:
            break;
    }
}

static void
put_marker(struct cs_out *o, const struct cs_ca_msg *m)
{
    switch (m->marker) {
        case CS_CA_GAP:
            LIT(o, "[gap ");
            cs_out_u64(o, m->marker_bytes);
            LIT(o, " bytes]");
            break;
        case CS_CA_SKIPPED:
            LIT(o, "[skipped ");
            cs_out_u64(o, m->marker_bytes);
            LIT(o, " bytes to the next CA header]");
            break;
        case CS_CA_INCOMPLETE:
            LIT(o, "[incomplete message: ");
            cs_out_u64(o, m->marker_bytes);
            LIT(o, " of ");
            cs_out_u64(o, m->marker_total);
            LIT(o, " bytes]");
            break;
        case CS_CA_TRAILING:
            LIT(o, "[trailing ");
            cs_out_u64(o, m->marker_bytes);
            LIT(o, " bytes]");
            break;
        case CS_CA_EMPTY:
            if (m->dport == 5065)
                LIT(o, "[empty datagram: repeater registration]");
            else
                LIT(o, "[empty datagram]");
            break;
        case CS_CA_CUT:
            LIT(o, "[message cut by the snapshot: ");
            cs_out_u64(o, m->marker_bytes);
            LIT(o, " of ");
            cs_out_u64(o, m->marker_total);
            LIT(o, " bytes]");
            break;
        case CS_CA_MSG:
            break;
    }
}

void
cs_ca_repr(struct cs_out *o, const struct cs_ca_msg *m)
{
    if (m->marker != CS_CA_MSG) {
        put_marker(o, m);
        return;
    }
    const struct repr_row *row = repr_row_of(m);
    if (!row) {
        /* a command without a caproto class in this direction: the raw header */
        LIT(o, "CAMessage(command=");
        cs_out_u64(o, m->h.cmd);
        const char *n = cs_ca_cmd_name(m->h.cmd);
        if (n) {
            LIT(o, ", name='");
            cs_out_str(o, n);
            cs_out_char(o, '\'');
        }
        cs_out_str(o, m->response ? ", direction='response'" : ", direction='request'");
        LIT(o, ", payload_size=");
        cs_out_u64(o, m->h.psize);
        LIT(o, ", data_type=");
        cs_out_u64(o, m->h.dtype);
        LIT(o, ", data_count=");
        cs_out_u64(o, m->h.count);
        LIT(o, ", parameter1=");
        cs_out_u64(o, m->h.p1);
        LIT(o, ", parameter2=");
        cs_out_u64(o, m->h.p2);
        cs_out_char(o, ')');
    } else {
        cs_out_str(o, row->cls);
        cs_out_char(o, '(');
        for (size_t i = 0; i < sizeof row->args && row->args[i] != A_END; i++) {
            if (i)
                LIT(o, ", ");
            put_arg(o, m, (enum arg)row->args[i]);
        }
        cs_out_char(o, ')');
    }
    if (m->payload_cut) {
        LIT(o, " [payload cut: ");
        cs_out_u64(o, cs_cursor_remaining(&m->payload));
        LIT(o, " of ");
        cs_out_u64(o, m->h.psize);
        LIT(o, " bytes decoded]");
    } else if (m->has_dbr && m->dbr.known && m->dbr.short_payload) {
        LIT(o, " [short payload: ");
        cs_out_u64(o, m->dbr.n_elems);
        LIT(o, " of ");
        cs_out_u64(o, m->h.count);
        LIT(o, " elements]");
    }
    if (m->has_dbr && !m->dbr.known) {
        LIT(o, " [unknown DBR type ");
        cs_out_u64(o, m->h.dtype);
        cs_out_char(o, ']');
    }
}

void
cs_ca_data_json(struct cs_out *o, const struct cs_ca_msg *m)
{
    const struct cs_ca_dbr *d = &m->dbr;
    cs_out_char(o, '[');
    for (uint32_t i = 0; i < d->n_elems; i++) {
        if (i)
            cs_out_char(o, ',');
        if (d->etype == CS_CA_E_STRING) {
            struct cs_cursor s = cs_ca_dbr_string(d, i);
            size_t n;
            const uint8_t *p = cs_cursor_span(&s, &n);
            cs_out_char(o, '"');
            cs_out_json_text(o, p, n);
            cs_out_char(o, '"');
            continue;
        }
        struct cs_ca_num v = cs_ca_dbr_elem(d, i);
        if (!v.is_float)
            cs_out_i64(o, v.i);
        else if (!isfinite(v.d))
            LIT(o, "null");
        else
            put_pyfloat(o, v.d);
    }
    cs_out_char(o, ']');
}

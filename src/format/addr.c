/* addr.c: IPv4 dotted quads, IPv6 text per RFC 5952, and MAC addresses. */
#include "cashark/format.h"

#include "out_impl.h"

static const char hex_lower[17] = "0123456789abcdef";

/* One byte as 1-3 decimal digits into d; returns the count. */
static inline size_t
dec_u8(char *d, unsigned v)
{
    if (v >= 100) {
        d[0] = (char)('0' + v / 100);
        d[1] = cs_out_digit_pairs_[(v % 100) * 2];
        d[2] = cs_out_digit_pairs_[(v % 100) * 2 + 1];
        return 3;
    }
    if (v >= 10) {
        d[0] = cs_out_digit_pairs_[v * 2];
        d[1] = cs_out_digit_pairs_[v * 2 + 1];
        return 2;
    }
    d[0] = (char)('0' + v);
    return 1;
}

static void
out_ipv4(struct cs_out *o, const uint8_t *a)
{
    char *d = cs_out_reserve_(o, 15);
    if (!d)
        return;
    size_t n = dec_u8(d, a[0]);
    for (int i = 1; i < 4; i++) {
        d[n++] = '.';
        n += dec_u8(d + n, a[i]);
    }
    o->len += n;
}

/* One 16-bit group in lower case hex without leading zeros (RFC 5952 4.1, 4.3). */
static size_t
hex_group(char *d, unsigned g)
{
    size_t n = 0;
    int started = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned nib = (g >> shift) & 0xf;
        if (nib || started || shift == 0) {
            d[n++] = hex_lower[nib];
            started = 1;
        }
    }
    return n;
}

static void
out_ipv6(struct cs_out *o, const uint8_t *a)
{
    unsigned g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];

    /* IPv4-mapped addresses in mixed notation (RFC 5952 5). */
    if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff) {
        CS_OUT_LIT(o, "::ffff:");
        out_ipv4(o, a + 12);
        return;
    }
    /* The longest run of two or more zero groups, the first one on a tie (RFC 5952 4.2). */
    int best = -1, best_len = 1;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    char tmp[48];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            tmp[n++] = ':';
            tmp[n++] = ':';
            i += best_len - 1;
            continue;
        }
        if (i && !(best >= 0 && i == best + best_len))
            tmp[n++] = ':';
        n += hex_group(tmp + n, g[i]);
    }
    cs_out_put_(o, tmp, n);
}

void
cs_out_addr(struct cs_out *o, const struct cs_addr *a)
{
    if (a->family == 4)
        out_ipv4(o, a->a);
    else if (a->family == 6)
        out_ipv6(o, a->a);
}

void
cs_out_mac(struct cs_out *o, const uint8_t mac[6])
{
    char tmp[17];
    for (int i = 0; i < 6; i++) {
        tmp[3 * i] = hex_lower[mac[i] >> 4];
        tmp[3 * i + 1] = hex_lower[mac[i] & 0xf];
        if (i < 5)
            tmp[3 * i + 2] = ':';
    }
    cs_out_put_(o, tmp, sizeof tmp);
}

/* siphash.c: SipHash-c-d keyed hash for the flow table.
 *
 * Aumasson and Bernstein, "SipHash: a fast short-input PRF" (INDOCRYPT 2012), written from the
 * paper's description: four 64-bit lanes, c SipRounds per 8-byte word, d at the end.
 */
#include "flow_internal.h"

uint64_t
cs_flow_siphash(const uint64_t k[2], const uint8_t *data, size_t n, int c_rounds, int d_rounds)
{
    struct cs_sip s;
    cs_sip_init(&s, k);
    size_t whole = n - n % 8;
    for (size_t i = 0; i < whole; i += 8)
        cs_sip_compress(&s, cs_sip_load(data + i, 8), c_rounds);
    /* The last word: the leftover bytes, and the length modulo 256 in the top byte. */
    uint64_t last = cs_sip_load(data + whole, n % 8) | (uint64_t)(n & 0xff) << 56;
    cs_sip_compress(&s, last, c_rounds);
    return cs_sip_final(&s, d_rounds);
}

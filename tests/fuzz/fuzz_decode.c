/* fuzz_decode.c: libFuzzer target for the frame decoder: the first byte picks the link type, the
 * rest is the frame. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cashark/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every link type the decoder knows, and one it does not (147, DLT_USER0). */
static const uint32_t fuzz_linktypes[] = {
    CS_DLT_EN10MB, CS_DLT_LINUX_SLL,  CS_DLT_LINUX_SLL2, CS_DLT_NULL,
    CS_DLT_LOOP,   CS_DLT_RAW,        CS_DLT_IPV4,       CS_DLT_IPV6,
    CS_DLT_PPP,    CS_DLT_PPP_SERIAL, CS_DLT_RAW_12,     CS_DLT_RAW_14,
    147,
};

/* The bounds consumers rely on: counts within their arrays, payload within the frame and the
 * claimed length. */
static void
check(const struct cs_packet *p, const uint8_t *frame, size_t n)
{
    int bad = p->l2.n_vlan > CS_MAX_VLAN || p->ip.n_ext > CS_MAX_IPV6_EXT ||
              (unsigned)p->status > CS_MALFORMED;
    if (p->l4 == CS_L4_TCP) {
        const struct cs_tcp *t = &p->t.tcp;
        bad |= t->n_opts > CS_MAX_TCP_OPTS || t->n_sack > CS_MAX_SACK || t->opt_raw_len > 40;
        for (unsigned i = 0; i < t->n_opts && i < CS_MAX_TCP_OPTS; i++)
            bad |= (unsigned)t->opts[i].off + t->opts[i].len > t->opt_raw_len;
    }
    size_t pn;
    const uint8_t *pd = cs_cursor_span(&p->payload, &pn);
    bad |= pn > p->payload_len;
    if (pn > 0)
        bad |= (uintptr_t)pd < (uintptr_t)frame || (uintptr_t)pd + pn > (uintptr_t)frame + n;
    if (bad)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum { N = sizeof fuzz_linktypes / sizeof fuzz_linktypes[0] };
    struct cs_cursor in = cs_cursor_make(data, size);
    uint32_t linktype = fuzz_linktypes[cs_cursor_u8(&in) % N];
    size_t n;
    const uint8_t *frame = cs_cursor_span(&in, &n);
    struct cs_frame f = {1, 0, 6, (uint32_t)n, (uint32_t)n, linktype, 0, frame};
    struct cs_packet p;
    cs_decode_frame(&f, &p);
    check(&p, frame, n);
    /* A second pass as if the snapshot had cut the frame in half, with the wire length kept. */
    f.caplen = (uint32_t)(n / 2);
    cs_decode_frame(&f, &p);
    check(&p, frame, n / 2);
    return 0;
}

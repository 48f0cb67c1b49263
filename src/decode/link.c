/* link.c: the link-type table and the frame decoder's entry point (one row per DLT, as in
 * tcpdump's printers[]; LINKTYPE_ values from https://www.tcpdump.org/linktypes.html). */
#include "cashark/decode.h"

#include <stddef.h>
#include <string.h>

#include "decode_int.h"

struct link_row {
    uint32_t linktype;
    const char *name;
    cs_layer_fn *fn;
};

static const struct link_row link_rows[] = {
    {CS_DLT_NULL, "NULL", cs_decode_null},
    {CS_DLT_EN10MB, "EN10MB", cs_decode_ether},
    {CS_DLT_PPP, "PPP", cs_decode_ppp},
    {CS_DLT_RAW_12, "RAW", cs_decode_raw},
    {CS_DLT_RAW_14, "RAW", cs_decode_raw},
    {CS_DLT_PPP_SERIAL, "PPP_HDLC", cs_decode_ppp_serial},
    {CS_DLT_RAW, "RAW", cs_decode_raw},
    {CS_DLT_LOOP, "LOOP", cs_decode_loop},
    {CS_DLT_LINUX_SLL, "LINUX_SLL", cs_decode_sll},
    {CS_DLT_IPV4, "IPV4", cs_decode_raw4},
    {CS_DLT_IPV6, "IPV6", cs_decode_raw6},
    {CS_DLT_LINUX_SLL2, "LINUX_SLL2", cs_decode_sll2},
};

static const struct link_row *
link_find(uint32_t linktype)
{
    for (size_t i = 0; i < sizeof link_rows / sizeof link_rows[0]; i++)
        if (link_rows[i].linktype == linktype)
            return &link_rows[i];
    return NULL;
}

int
cs_linktype_known(uint32_t linktype)
{
    return link_find(linktype) != NULL;
}

const char *
cs_linktype_name(uint32_t linktype)
{
    const struct link_row *r = link_find(linktype);
    return r ? r->name : NULL;
}

void
cs_decode_frame(const struct cs_frame *f, struct cs_packet *p)
{
    /* Clear what every packet uses; the transport decoders clear their own member of the union
     * (clearing the whole 450-byte packet was a third of the decode time). */
    p->frame = f;
    p->status = CS_OK;
    p->trunc_layer = CS_LAYER_NONE;
    p->anomalies = 0;
    memset(&p->l2, 0, sizeof p->l2);
    p->l3 = CS_L3_NONE;
    memset(&p->ip, 0, sizeof p->ip);
    p->l4 = CS_L4_NONE;
    p->payload = cs_cursor_make(NULL, 0);
    p->payload_len = 0;

    /* The link layer claims the whole frame as it was on the wire. */
    struct cs_cursor c = cs_cursor_make(f->data, f->caplen);
    uint32_t claim = f->len > f->caplen ? f->len : f->caplen;

    /* The common link types first, without a table walk. */
    cs_layer_fn *fn;
    if (f->linktype == CS_DLT_EN10MB) {
        fn = cs_decode_ether;
    } else {
        const struct link_row *r = link_find(f->linktype);
        if (!r) {
            p->l2.kind = CS_L2_UNKNOWN;
            cs_decode_anomaly(p, CS_ANOM_LINKTYPE_UNKNOWN);
            return;
        }
        fn = r->fn;
    }
    fn(&c, claim, p);
}

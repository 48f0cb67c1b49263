/* decode_int.h: private interface between the layer decoders of src/decode (not installed).
 *
 * Every layer function has the same shape: it gets a cursor over the bytes of its layer (already
 * clipped to what the enclosing layer claims and to what was captured), the number of bytes the
 * enclosing layer claims (claim >= cs_cursor_remaining(c)), and the packet it fills. The cursor
 * is the caller's to throw away. Hot layers read through a local copy whose address never leaves
 * the function: a cursor reached through a pointer has to be reloaded after every byte stored
 * into the packet (uint8_t stores may alias it), and passing it by value costs store-forwarding
 * stalls; both measured slower. It never
 * prints and never allocates; the outcome goes to p->status, p->trunc_layer and p->anomalies.
 */
#ifndef CASHARK_DECODE_INT_H
#define CASHARK_DECODE_INT_H

#include <stdint.h>

#include "cashark/cursor.h"
#include "cashark/decode.h"

typedef void cs_layer_fn(struct cs_cursor *c, uint32_t claim, struct cs_packet *p);

/* Link layers (one per DLT family). */
cs_layer_fn cs_decode_ether, cs_decode_sll, cs_decode_sll2, cs_decode_null, cs_decode_loop,
    cs_decode_ppp, cs_decode_ppp_serial, cs_decode_raw, cs_decode_raw4, cs_decode_raw6;

/* Network and transport layers. */
cs_layer_fn cs_decode_ipv4, cs_decode_ipv6, cs_decode_arp, cs_decode_tcp, cs_decode_udp,
    cs_decode_icmp, cs_decode_icmp6;

/* Dispatch on the ethertype (VLAN tags first), and on the IP protocol number. */
void cs_decode_ethertype(struct cs_cursor *c, uint32_t claim, struct cs_packet *p,
                         uint16_t ethertype);
void cs_decode_ipproto(struct cs_cursor *c, uint32_t claim, struct cs_packet *p, uint8_t proto);

/* Records an anomaly; malformed ones raise the status to CS_MALFORMED. */
void cs_decode_anomaly(struct cs_packet *p, enum cs_anomaly a);

/* Records that captured bytes ran out inside a header of layer l (the first such layer is kept).
 * A payload cut by the snapshot is not truncation: every header is whole, and consumers see
 * cs_cursor_remaining(&p->payload) < p->payload_len (tcpdump prints such packets in full too). */
static inline void
cs_decode_trunc(struct cs_packet *p, enum cs_layer l)
{
    if (p->status == CS_OK)
        p->status = CS_TRUNCATED;
    if (p->trunc_layer == CS_LAYER_NONE)
        p->trunc_layer = l;
}

/* A link header could not be read: malformed when the frame on the wire was shorter than the
 * header (link.short), truncated when the snapshot cut it. */
static inline void
cs_decode_link_cut(struct cs_packet *p, uint32_t claim, uint32_t need)
{
    if (claim < need)
        cs_decode_anomaly(p, CS_ANOM_LINK_SHORT);
    else
        cs_decode_trunc(p, CS_LAYER_LINK);
}

/* Reads an address of n (4 or 16) bytes; family stays 0 when the bytes were not there. */
static inline void
cs_decode_addr(struct cs_cursor *c, struct cs_addr *a, uint8_t family, size_t n)
{
    cs_cursor_bytes(c, a->a, n);
    if (!cs_cursor_failed(c))
        a->family = family;
}

#endif

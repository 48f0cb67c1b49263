/* anomaly.c: stable dotted names of decoder anomalies, and which of them make a packet malformed.
 */
#include "cashark/decode.h"

#include "decode_int.h"

struct anomaly_row {
    enum cs_anomaly a;
    const char *name;
    uint8_t malformed; /* 0: noted, but the packet decodes normally */
};

static const struct anomaly_row anomaly_rows[] = {
    {CS_ANOM_LINK_SHORT, "link.short", 1},
    {CS_ANOM_VLAN_DEPTH, "vlan.too_deep", 1},
    {CS_ANOM_LINKTYPE_UNKNOWN, "link.unknown_type", 0},
    {CS_ANOM_IPV4_VERSION, "ipv4.version", 1},
    {CS_ANOM_IPV4_HLEN_SHORT, "ipv4.hlen_short", 1},
    {CS_ANOM_IPV4_LEN_SHORT, "ipv4.len_short", 1},
    {CS_ANOM_IPV4_LEN_BEYOND, "ipv4.len_beyond", 1},
    {CS_ANOM_IPV4_OPT_LEN, "ipv4.opt_len_invalid", 1},
    {CS_ANOM_IPV6_VERSION, "ipv6.version", 1},
    {CS_ANOM_IPV6_LEN_BEYOND, "ipv6.len_beyond", 1},
    {CS_ANOM_IPV6_EXT_DEPTH, "ipv6.ext_too_deep", 1},
    {CS_ANOM_IPV6_EXT_LEN, "ipv6.ext_len_invalid", 1},
    {CS_ANOM_TCP_HLEN_SHORT, "tcp.hlen_short", 1},
    {CS_ANOM_TCP_HLEN_BEYOND, "tcp.hlen_beyond", 1},
    {CS_ANOM_TCP_OPT_LEN, "tcp.opt_len_invalid", 1},
    {CS_ANOM_TCP_OPT_SIZE, "tcp.opt_size_invalid", 1},
    {CS_ANOM_UDP_LEN_SHORT, "udp.len_short", 1},
    {CS_ANOM_UDP_LEN_BEYOND, "udp.len_beyond", 1},
    {CS_ANOM_IP_TSO, "ipv4.len_zero_tso", 0},
};

_Static_assert(sizeof anomaly_rows / sizeof anomaly_rows[0] == CS_ANOM__COUNT,
               "one row per anomaly");

const char *
cs_anomaly_name(enum cs_anomaly a)
{
    if ((unsigned)a >= CS_ANOM__COUNT)
        return NULL;
    return anomaly_rows[a].name;
}

void
cs_decode_anomaly(struct cs_packet *p, enum cs_anomaly a)
{
    p->anomalies |= UINT64_C(1) << a;
    if (anomaly_rows[a].malformed)
        p->status = CS_MALFORMED;
}

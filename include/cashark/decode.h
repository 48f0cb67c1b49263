/* decode.h: layered decoding of one frame into a typed, parsed packet (no printing, no state). */
#ifndef CASHARK_DECODE_H
#define CASHARK_DECODE_H

#include <stdint.h>

#include "cashark/cursor.h"
#include "cashark/frame.h"

enum cs_status {
    CS_OK = 0,
    CS_TRUNCATED = 1, /* the snapshot ended before a header or a length field said it would */
    CS_MALFORMED = 2, /* the header is internally inconsistent */
};

/* Where decoding stopped because the captured bytes ran out (tcpdump's [|tcp]). */
enum cs_layer {
    CS_LAYER_NONE = 0,
    CS_LAYER_LINK,
    CS_LAYER_VLAN,
    CS_LAYER_IPV4,
    CS_LAYER_IPV6,
    CS_LAYER_TCP,
    CS_LAYER_UDP,
    CS_LAYER_ICMP,
    CS_LAYER_ICMP6,
    CS_LAYER_ARP,
};

/* Anomalies: stable dotted names in cs_anomaly_name(); a packet keeps them as a bit set. */
enum cs_anomaly {
    CS_ANOM_LINK_SHORT = 0,   /* link.short: frame shorter than its link header */
    CS_ANOM_VLAN_DEPTH,       /* vlan.too_deep: more tags than CS_MAX_VLAN */
    CS_ANOM_LINKTYPE_UNKNOWN, /* link.unknown_type */
    CS_ANOM_IPV4_VERSION,     /* ipv4.version: version field is not 4 */
    CS_ANOM_IPV4_HLEN_SHORT,  /* ipv4.hlen_short: IHL < 5 */
    CS_ANOM_IPV4_LEN_SHORT,   /* ipv4.len_short: total length < header length */
    CS_ANOM_IPV4_LEN_BEYOND,  /* ipv4.len_beyond: total length beyond the frame length */
    CS_ANOM_IPV4_OPT_LEN,     /* ipv4.opt_len_invalid */
    CS_ANOM_IPV6_VERSION,     /* ipv6.version */
    CS_ANOM_IPV6_LEN_BEYOND,  /* ipv6.len_beyond */
    CS_ANOM_IPV6_EXT_DEPTH,   /* ipv6.ext_too_deep */
    CS_ANOM_IPV6_EXT_LEN,     /* ipv6.ext_len_invalid */
    CS_ANOM_TCP_HLEN_SHORT,   /* tcp.hlen_short: data offset < 5 */
    CS_ANOM_TCP_HLEN_BEYOND,  /* tcp.hlen_beyond: data offset beyond the segment */
    CS_ANOM_TCP_OPT_LEN,      /* tcp.opt_len_invalid: option length 0/1 or past the header */
    CS_ANOM_TCP_OPT_SIZE,     /* tcp.opt_size_invalid: known option with the wrong length */
    CS_ANOM_UDP_LEN_SHORT,    /* udp.len_short: length < 8 */
    CS_ANOM_UDP_LEN_BEYOND,   /* udp.len_beyond: length beyond the IP payload */
    CS_ANOM_IP_TSO,           /* ipv4.len_zero_tso: total length 0, presumed TSO */
    CS_ANOM__COUNT
};

const char *cs_anomaly_name(enum cs_anomaly a);

#define CS_MAX_VLAN     8  /* deepest VLAN stack decoded */
#define CS_MAX_IPV6_EXT 8  /* longest IPv6 extension-header chain walked */
#define CS_MAX_TCP_OPTS 40 /* at most 40 option bytes, so at most 40 options */
#define CS_MAX_SACK     4

enum cs_l2_kind {
    CS_L2_NONE = 0, /* raw IP link types */
    CS_L2_ETH,
    CS_L2_SLL,
    CS_L2_SLL2,
    CS_L2_NULL,
    CS_L2_PPP,
    CS_L2_UNKNOWN, /* link type cashark does not decode: shown raw */
};

struct cs_l2 {
    enum cs_l2_kind kind;
    uint8_t eth_src[6], eth_dst[6];  /* ETH; SLL/SLL2 keep the source address in eth_src */
    uint8_t sll_addr_len;            /* SLL/SLL2: link-layer address length */
    uint16_t sll_pkttype;            /* SLL/SLL2 packet type (0 host, 4 outgoing, ...) */
    uint16_t sll_hatype;             /* SLL/SLL2 ARPHRD_ type */
    uint32_t sll_ifindex;            /* SLL2 interface index */
    uint32_t null_family;            /* NULL/LOOP address family */
    uint16_t ppp_proto;              /* PPP protocol */
    uint16_t ethertype;              /* the innermost type: what the network layer is */
    uint8_t n_vlan;                  /* VLAN tags decoded, outermost first */
    uint16_t vlan_tpid[CS_MAX_VLAN]; /* 0x8100, 0x88a8, 0x9100 */
    uint16_t vlan_tci[CS_MAX_VLAN];  /* PCP(3) DEI(1) VID(12) */
};

enum cs_l3_kind {
    CS_L3_NONE = 0,
    CS_L3_IPV4,
    CS_L3_IPV6,
    CS_L3_ARP,
    CS_L3_OTHER, /* ethertype not decoded further: l2.ethertype says which */
};

struct cs_addr {
    uint8_t family; /* 4 or 6; 0 when absent */
    uint8_t a[16];  /* IPv4 uses the first 4 bytes; the rest are zero */
};

struct cs_ip {
    uint8_t version;
    struct cs_addr src, dst;
    uint8_t hlen;        /* IPv4 header bytes; IPv6 40 + extension headers walked */
    uint8_t tos;         /* IPv4 TOS / IPv6 traffic class */
    uint8_t ttl;         /* IPv4 TTL / IPv6 hop limit */
    uint8_t proto;       /* upper-layer protocol after the extension chain */
    uint16_t total_len;  /* IPv4 total length / IPv6 40 + payload length */
    uint16_t id;         /* IPv4 identification */
    uint32_t flowlabel;  /* IPv6 */
    uint8_t df, mf;      /* IPv4 flags; mf also for the IPv6 fragment header */
    uint8_t is_fragment; /* a fragment (offset > 0 or MF), so no transport header unless first */
    uint16_t frag_off;   /* fragment offset in bytes */
    uint32_t frag_id;    /* IPv6 fragment identification */
    uint8_t n_ext;       /* IPv6 extension headers walked */
    uint8_t ext[CS_MAX_IPV6_EXT]; /* their next-header values, in order */
    uint8_t opt_len;              /* IPv4 option bytes */
    uint16_t arp_op; /* ARP operation (1 request, 2 reply) when l3 is CS_L3_ARP; src/dst
                      * then hold the sender and target IPv4 addresses */
};

enum cs_l4_kind {
    CS_L4_NONE = 0,
    CS_L4_TCP,
    CS_L4_UDP,
    CS_L4_ICMP,
    CS_L4_ICMP6,
    CS_L4_OTHER, /* IP protocol not decoded: ip.proto says which */
};

/* TCP flag bits as in the header's 12 low bits of the doff/flags word. */
enum {
    CS_TH_FIN = 0x001,
    CS_TH_SYN = 0x002,
    CS_TH_RST = 0x004,
    CS_TH_PSH = 0x008,
    CS_TH_ACK = 0x010,
    CS_TH_URG = 0x020,
    CS_TH_ECE = 0x040,
    CS_TH_CWR = 0x080,
    CS_TH_AE = 0x100,
};

enum {
    CS_TCPOPT_EOL = 0,
    CS_TCPOPT_NOP = 1,
    CS_TCPOPT_MSS = 2,
    CS_TCPOPT_WS = 3,
    CS_TCPOPT_SACKOK = 4,
    CS_TCPOPT_SACK = 5,
    CS_TCPOPT_TS = 8,
    CS_TCPOPT_MD5 = 19,
    CS_TCPOPT_UTO = 28,
    CS_TCPOPT_AO = 29,
    CS_TCPOPT_MPTCP = 30,
    CS_TCPOPT_TFO = 34,
    CS_TCPOPT_EXP = 254, /* experimental; 0xF989 is TFO before RFC 7413 */
};

/* One option as it stood in the header: kind, total length and where its bytes start in
 * cs_tcp.opt_raw (a copy of the option area), so formatters can hex-print unknown ones. */
struct cs_tcp_opt {
    uint8_t kind;
    uint8_t len; /* total length including kind and length bytes; 1 for EOL/NOP */
    uint8_t off; /* offset of the kind byte in opt_raw */
    uint8_t sub; /* MPTCP (kind 30): the subtype (high nibble of byte 2), else CS_TCPOPT_NO_SUB */
};

#define CS_TCPOPT_NO_SUB 0xff

struct cs_tcp {
    uint8_t hdr_captured; /* bytes of the 20-byte fixed header captured (20 when all of it) */
    uint16_t sport, dport;
    uint32_t seq, ack; /* raw, as on the wire */
    uint8_t hlen;      /* data offset in bytes */
    uint16_t flags;    /* CS_TH_* */
    uint16_t win;      /* raw window field */
    uint16_t csum, urp;
    uint32_t payload_len; /* bytes of payload the IP length says there are */
    uint8_t opt_raw[40];  /* copy of the option bytes that were captured */
    uint8_t opt_raw_len;
    uint8_t n_opts;
    struct cs_tcp_opt opts[CS_MAX_TCP_OPTS];
    uint8_t opts_truncated; /* the option area was cut by the snapshot */
    /* parsed values of the known options */
    uint8_t has_mss, has_ws, sack_ok, has_ts, has_tfo;
    uint16_t mss;
    uint8_t ws;
    uint8_t n_sack;
    uint32_t sack[CS_MAX_SACK][2]; /* left, right edges (raw) */
    uint32_t ts_val, ts_ecr;
    uint8_t tfo_cookie_len; /* 0 with has_tfo = cookie request */
    uint8_t n_mptcp;        /* MPTCP options: see opts[] with kind 30; raw bytes in opt_raw */
};

struct cs_udp {
    uint8_t hdr_captured; /* bytes of the 8-byte header captured (8 when all of it) */
    uint16_t sport, dport;
    uint16_t len; /* UDP length field */
    uint16_t csum;
};

struct cs_icmp {
    uint8_t type, code;
    uint16_t id, seq; /* echo request/reply */
    uint32_t rest;    /* the 4 bytes after the checksum */
    /* for errors: the quoted packet's addresses and ports when present */
    uint8_t has_quote;
    struct cs_addr q_src, q_dst;
    uint8_t q_proto;
    uint16_t q_sport, q_dport;
};

struct cs_packet {
    const struct cs_frame *frame;
    enum cs_status status;     /* worst outcome over the layers */
    enum cs_layer trunc_layer; /* layer where captured bytes ran out, or CS_LAYER_NONE */
    uint64_t anomalies;        /* bit (1 << enum cs_anomaly) per anomaly seen */
    struct cs_l2 l2;
    enum cs_l3_kind l3;
    struct cs_ip ip;
    enum cs_l4_kind l4;
    union {
        struct cs_tcp tcp;
        struct cs_udp udp;
        struct cs_icmp icmp;
    } t;
    /* Application bytes: the transport payload, clipped to both the IP/UDP length (so Ethernet
     * padding never reaches a dissector) and the captured bytes. */
    struct cs_cursor payload;
    uint32_t payload_len; /* the length the headers claim (>= captured payload) */
    /* A payload cut by the snapshot is not truncation (status stays CS_OK, every header is
     * whole): cs_cursor_remaining(&payload) < payload_len tells it. */
};

/* Decodes every layer of the frame into p (which it clears first). Never fails: the outcome is
 * in p->status, p->trunc_layer and p->anomalies. */
void cs_decode_frame(const struct cs_frame *f, struct cs_packet *p);

/* Link-type table. */
int cs_linktype_known(uint32_t linktype);
const char *cs_linktype_name(uint32_t linktype); /* "EN10MB", ...; NULL when unknown */

static inline int
cs_packet_has_anomaly(const struct cs_packet *p, enum cs_anomaly a)
{
    return (int)((p->anomalies >> a) & 1u);
}

#endif

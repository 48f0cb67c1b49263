/* tcpstats.h: per-connection TCP statistics (`cashark stats tcp`) and the per-packet analysis
 * labels the conversation view (`cashark follow`) shows.
 *
 * RFC 9293 (TCP), RFC 7323 (window scale). Definitions follow the reference tools named field by
 * field in src/analysis/tcpstats.c: retransmissions and out-of-order segments by tcptrace's
 * byte-range rule, duplicate ACKs and zero windows by tshark's, state and history by Zeek's.
 *
 * The tracker keeps one entry per connection in the flow table (a side table keyed by the
 * connection number, so the flow's application slot stays free) and turns it into a summary row
 * when the flow table evicts the connection: memory grows with tracked connections only.
 */
#ifndef CASHARK_TCPSTATS_H
#define CASHARK_TCPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/decode.h"
#include "cashark/flow.h"
#include "cashark/format.h"

/* One direction of a summary row: c2s (index 0) or s2c (index 1). */
struct cs_tcpconn_dir {
    uint64_t pkts;             /* packets sent */
    uint64_t data_pkts;        /* packets with payload (tcptrace's actual data pkts) */
    uint64_t bytes;            /* payload bytes, retransmissions included */
    uint64_t unique_bytes;     /* payload bytes never seen before in this direction */
    uint64_t retrans_pkts;     /* segments carrying bytes already seen (SYN and FIN count 1) */
    uint64_t retrans_bytes;    /* the bytes already seen */
    uint64_t rexmt_data_pkts;  /* retransmissions with payload bytes already seen (no SYN/FIN) */
    uint64_t rexmt_data_bytes; /* those payload bytes */
    uint32_t ooo_pkts;         /* segments with new bytes below the highest seen */
    uint32_t dupack;           /* tshark's duplicate ACK rule */
    uint32_t zero_win;         /* window-0 advertisements (no SYN/FIN/RST) */
    uint32_t zwp;              /* zero-window probes, Linux style (len 0 at next - 1) included */
    uint32_t keepalive;        /* len 0 or 1 at next - 1 while the peer's window is open */
    uint32_t rst, fin;         /* packets with RST, with FIN */
    uint32_t win_min, win_max; /* window over non-SYN packets, scaled when the scale is known */
    int32_t scale;             /* window multiplier; -1 unknown (no handshake), -2 not used */
    uint16_t mss;              /* MSS option of the SYN, 0 when none */
    uint8_t win_seen;          /* win_min/win_max hold a value */
};

enum { CS_TCPCONN_NOBODY = 0, CS_TCPCONN_CLIENT = 1, CS_TCPCONN_SERVER = 2, CS_TCPCONN_BOTH = 3 };

/* Times are ns since the epoch; has_* says which exist. */
struct cs_tcpconn {
    int64_t conn;
    uint64_t first_ordinal;
    struct cs_addr cli, srv;
    uint16_t cport, sport;
    uint16_t vlan;
    uint8_t ipv;
    uint8_t client_known;
    uint8_t ts_digits; /* decimals of the capture's time stamps (6 or 9) */
    uint8_t has_syn, has_synack, has_hs_ack, has_rst;
    uint8_t rst_by, fin_by; /* CS_TCPCONN_* */
    uint8_t open_known;     /* open_at_rst* computed (the row has a RST and the run ended) */
    int64_t first_t, last_t;
    int64_t syn_t, last_syn_t, synack_t, hs_ack_t, rst_t;
    uint32_t syn_n;
    uint32_t open_at_rst, open_at_rst_other_servers;
    struct cs_tcpconn_dir d[2];
    char state[8];    /* Zeek conn_state */
    char history[24]; /* Zeek history letters */
};

/* Per-packet analysis labels (follow's tcp.analysis field). */
enum {
    CS_TCPA_RETRANS = 1u << 0,
    CS_TCPA_OOO = 1u << 1,
    CS_TCPA_DUPACK = 1u << 2,
    CS_TCPA_ZERO_WIN = 1u << 3,
    CS_TCPA_ZWP = 1u << 4,
    CS_TCPA_KEEPALIVE = 1u << 5,
    CS_TCPA_GAP = 1u << 6, /* previous segment not captured */
};

/* "retrans,zero_win": the label names in bit order, comma-separated. */
void cs_tcpstats_labels(struct cs_out *o, unsigned labels);

struct cs_tcpstats;

/* A tracker for at most max_conns connections at once (the flow table's capacity). */
struct cs_tcpstats *cs_tcpstats_new(uint32_t max_conns);
void cs_tcpstats_free(struct cs_tcpstats *s);

/* Accounts one tracked packet (after cs_flowtab_track). Returns its CS_TCPA_* labels; 0 for
 * packets that are not TCP in a tracked flow. */
unsigned cs_tcpstats_packet(struct cs_tcpstats *s, const struct cs_packet *p,
                            const struct cs_flow_view *fv);

/* The flow leaves the table: fills *row with its summary and forgets the connection. Returns 1,
 * or 0 when fl is not a TCP connection the tracker saw. */
int cs_tcpstats_end(struct cs_tcpstats *s, const struct cs_flow *fl, struct cs_tcpconn *row);

/* Fills open_at_rst and open_at_rst_other_servers of every row with a RST: the other rows of
 * the same client address whose first_t <= that row's rst_t <= last_t (and, for the second, a
 * different server address). rows may be reordered only by the caller; n rows. */
int cs_tcpstats_open_at_rst(struct cs_tcpconn *rows, size_t n);

/* Field tables of tcp.conn records (app = struct cs_tcpconn) and of follow's packet records
 * (CS_REC_TCPPKT: the packet fields plus tcp.reltime, tcp.pkt, tcp.analysis). */
extern const struct cs_field_table cs_tcpstats_conn_fields;
extern const struct cs_field_table cs_tcpstats_packet_fields;
/* The columns of `stats tcp` in order, as a template: "<conn> <client> ...". */
extern const char cs_tcpstats_columns[];

/* What a CS_REC_TCPPKT record's app points to (tcp.analysis reads it). */
struct cs_tcpstats_pktinfo {
    unsigned labels;
};

/* ---- summaries per server or per client (`stats tcp --by`) ---- */

enum cs_tcpby { CS_TCPBY_SERVER = 0, CS_TCPBY_CLIENT = 1 };

/* One summary row (record kind CS_REC_TCPGROUP). Times are ns; the quantiles are over the
 * connections that have the value (hs_*: a SYN and a SYN-ACK seen), by linear interpolation
 * between the closest ranks (Hyndman-Fan type 7, as numpy and Python's statistics.quantiles
 * method="inclusive"). */
struct cs_tcpgroup {
    struct cs_addr addr; /* server address (--by server) or client address (--by client) */
    uint16_t port;       /* server port; 0 with --by client */
    uint16_t vlan;
    uint8_t by;        /* CS_TCPBY_* */
    uint8_t other;     /* the row of every key past the cap on rows */
    uint8_t ts_digits; /* decimals of the capture's time stamps */
    uint8_t sampled;   /* quantiles from every Nth connection (more than the sample cap) */
    uint64_t conns;
    uint64_t hs_n;         /* connections with a handshake time */
    uint64_t syn_retrans;  /* SYNs sent again (syn_n - 1 summed) */
    uint64_t no_synack;    /* connections with a SYN and no SYN-ACK */
    uint64_t data_pkts;    /* packets with payload, both directions */
    uint64_t retrans_pkts; /* of them, retransmissions (payload already seen) */
    uint64_t bytes;        /* payload bytes, both directions, retransmissions included */
    uint64_t retrans_bytes;
    uint64_t rst_client, rst_server; /* connections whose first RST came from that side */
    uint64_t zero_win;               /* window-0 advertisements, both directions */
    int64_t first_t, last_t;
    int64_t hs[6];       /* hs_first: min, 25 %, median, 75 %, 90 %, max */
    int64_t hs_last[3];  /* hs_last: median, 90 %, max */
    int64_t duration[3]; /* median, 90 %, max */
};

/* The quantile pct (0..100) of n ascending values (type 7: v[h] + (h - floor h)(v[h+1] - v[h])
 * with h = (n - 1) pct / 100, rounded toward zero to the nanosecond). 0 when n is 0. */
int64_t cs_tcpstats_quantile(const int64_t *sorted, size_t n, unsigned pct);

struct cs_tcpgroups;

/* An aggregator of connection rows into at most max_rows rows (then one "other" row), keeping
 * at most max_samples time values in all (beyond, every 2nd, 4th, ... connection's). */
struct cs_tcpgroups *cs_tcpgroups_new(enum cs_tcpby by, size_t max_rows, size_t max_samples);
void cs_tcpgroups_free(struct cs_tcpgroups *g);
/* Accounts one finished connection. Returns 0, or -1 when out of memory. */
int cs_tcpgroups_add(struct cs_tcpgroups *g, const struct cs_tcpconn *row);
/* Computes the quantiles and returns the rows (*n of them), ordered by address, port and vlan
 * (the "other" row last), or NULL when out of memory. Valid until cs_tcpgroups_free. */
const struct cs_tcpgroup *const *cs_tcpgroups_finish(struct cs_tcpgroups *g, size_t *n);

extern const struct cs_field_table cs_tcpstats_group_fields;
/* The columns of a --by table as a template: the text table's (all = 0) or every field (all =
 * 1: CSV, TSV, JSON). */
const char *cs_tcpstats_group_columns(enum cs_tcpby by, int all);

#endif

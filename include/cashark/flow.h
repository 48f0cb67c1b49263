/* flow.h: bidirectional flow table, TCP per-direction state and stream reassembly.
 *
 * RFC 9293 (TCP). One table per run; capacity-capped open addressing with a keyed hash and
 * eviction (closed first, then idle, then least recently active). Output never depends on the
 * hash seed: callers order anything they print by first-seen ordinal.
 */
#ifndef CASHARK_FLOW_H
#define CASHARK_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/decode.h"

struct cs_flowtab_config {
    uint32_t capacity;           /* tracked flows (default 65536) */
    uint64_t seed[2];            /* hash key; fixed default unless the user gives --seed */
    size_t reasm_cap_dir;        /* out-of-order bytes buffered per direction (default 1 MiB) */
    size_t reasm_cap_total;      /* out-of-order bytes buffered over all flows (default 64 MiB) */
    int64_t idle_timeout_ns;     /* a TCP flow idle this long (capture time) is evicted (300 s) */
    int64_t udp_idle_timeout_ns; /* a UDP flow idle this long is evicted (30 s, as conntrack) */
    int64_t closed_linger_ns;    /* a closed (FIN both ways or RST) flow is evictable after this */
};

void cs_flowtab_config_default(struct cs_flowtab_config *cfg);

/* Per-direction TCP state. Direction 0 is client to server, 1 server to client. */
struct cs_tcpdir {
    uint32_t isn;          /* sequence number of the SYN (or the first seq seen) */
    uint8_t isn_known;     /* 1 when isn comes from a SYN */
    uint8_t seen;          /* any packet in this direction */
    uint8_t syn, fin, rst; /* flags seen in this direction */
    uint8_t ws;            /* window scale offered in the SYN */
    uint8_t ws_offered;    /* the SYN carried a window-scale option */
    uint8_t sack_ok, ts_ok;
    uint16_t mss;
    uint16_t last_win; /* raw window of the last segment */
    uint32_t last_ack; /* raw ack of the last segment with ACK set */
    uint32_t next_seq; /* highest seq + len (+ SYN/FIN) seen: the next expected byte */
};

enum cs_flow_proto {
    CS_FLOW_TCP = 6,
    CS_FLOW_UDP = 17,
};

struct cs_flow;

/* Called with each direction's bytes in order, each byte once. lost > 0 (with n == 0) reports a
 * gap that never filled: that many bytes are missing before the next delivery. fin = 1 (with
 * n == 0) reports the end of the direction (FIN, RST, eviction or end of input). */
typedef void (*cs_stream_fn)(void *ctx, struct cs_flow *fl, int dir, const uint8_t *data, size_t n,
                             uint64_t lost, int fin);

/* Called when a flow leaves the table (closed, idle, pressure, or the end of the run). */
enum cs_evict_reason {
    CS_EVICT_CLOSED,
    CS_EVICT_IDLE,
    CS_EVICT_PRESSURE,
    CS_EVICT_REUSE, /* a SYN with a new ISN started a new connection on the same 4-tuple */
    CS_EVICT_END,
};
typedef void (*cs_evict_fn)(void *ctx, struct cs_flow *fl, enum cs_evict_reason why);

struct cs_flow {
    uint8_t proto;           /* CS_FLOW_TCP or CS_FLOW_UDP */
    uint8_t client_known;    /* 0 when the client was guessed from ports or the first packet */
    uint16_t vlan;           /* innermost VLAN id, 0 when untagged */
    struct cs_addr cli, srv; /* client and server addresses */
    uint16_t cport, sport;   /* client and server ports */
    int64_t conn;            /* TCP connection number (0-based, first-packet order); -1 for UDP */
    uint64_t first_ordinal;  /* frame ordinal of the first packet */
    uint64_t last_ordinal;
    int64_t first_ts, last_ts;
    uint64_t pkts[2];        /* packets per direction */
    struct cs_tcpdir tcp[2]; /* TCP only */
    /* Application slot for one dissector pinned to the flow (CA, ...). */
    uint32_t app_id;
    void *app_state;
    void (*app_free)(void *app_state);
};

/* What tracking tells about one packet. */
struct cs_flow_view {
    struct cs_flow *flow; /* NULL when the packet is not TCP/UDP over IP */
    int64_t conn;         /* flow->conn, or -1 */
    uint8_t dir;          /* 0 client to server, 1 server to client */
    uint8_t client_known;
    uint8_t new_flow;   /* this packet created the flow */
    uint8_t rel_ok;     /* rel_seq/rel_ack are meaningful */
    uint32_t rel_seq;   /* seq - ISN of the sender (mod 2^32; first data byte after SYN = 1) */
    uint32_t rel_ack;   /* ack - ISN of the receiver */
    uint32_t win;       /* window, scaled when win_scaled */
    uint8_t win_scaled; /* both SYNs carried window scale: win is scaled */
};

struct cs_flowtab_stats {
    uint64_t flows;     /* flows created */
    uint64_t tcp_conns; /* TCP connections numbered */
    uint64_t active;    /* flows in the table now */
    uint64_t evicted_closed, evicted_idle, evicted_pressure;
    uint64_t evicted_reuse; /* connections ended by a SYN with a new ISN (port reuse) */
    uint64_t reasm_bytes;   /* out-of-order bytes buffered now */
    uint64_t reasm_peak;    /* most buffered at once */
    uint64_t reasm_lost;    /* bytes reported lost to consumers */
};

struct cs_flowtab;

struct cs_flowtab *cs_flowtab_new(const struct cs_flowtab_config *cfg);
/* Evicts every remaining flow with CS_EVICT_END (streams told fin) and frees the table. */
void cs_flowtab_free(struct cs_flowtab *t);

/* Adds a callback run when a flow leaves the table (after its streams got fin), in the order
 * added: statistics and dissectors each keep their own. Returns -1 when all
 * CS_FLOWTAB_MAX_EVICT_CB slots are taken. */
#define CS_FLOWTAB_MAX_EVICT_CB 4
int cs_flowtab_on_evict(struct cs_flowtab *t, cs_evict_fn fn, void *ctx);

/* Tracks one decoded packet: finds or creates its flow, updates TCP state, feeds enabled
 * streams, and fills *v. Packets that are not TCP/UDP over IP (or IP fragments after the first)
 * get v->flow = NULL. */
void cs_flowtab_track(struct cs_flowtab *t, const struct cs_packet *p, struct cs_flow_view *v);

/* Asks for the in-order bytes of both directions of fl from now on. */
void cs_flow_stream_enable(struct cs_flowtab *t, struct cs_flow *fl, cs_stream_fn fn, void *ctx);

/* Ends the run: every flow is evicted with CS_EVICT_END in first-seen order. */
void cs_flowtab_flush(struct cs_flowtab *t);

void cs_flowtab_get_stats(const struct cs_flowtab *t, struct cs_flowtab_stats *s);

/* Table memory per tracked flow in bytes (its entry and its share of the slot array), not
 * counting reassembly buffers. */
size_t cs_flowtab_entry_size(void);

/* The client rule's notion of a service port: < 1024 or a known protocol port (5064, 5065). */
int cs_flow_is_service_port(uint16_t port);

#endif

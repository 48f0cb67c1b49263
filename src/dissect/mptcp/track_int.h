/* track_int.h: the MPTCP tracker's connection and subflow state, shared by track.c and
 * stats.c (not part of the public API). */
#ifndef CASHARK_DISSECT_MPTCP_TRACK_INT_H
#define CASHARK_DISSECT_MPTCP_TRACK_INT_H

#include <stdint.h>

#include "cashark/mptcp.h"

/* A set of disjoint half-open intervals [lo, hi) of 64-bit data sequence numbers, sorted. Capped:
 * past CS_IVSET_CAP intervals the two closest are merged (the count becomes an upper bound). */
#define CS_IVSET_CAP 4096

struct ivset {
    uint64_t (*iv)[2];
    uint32_t n, cap;
    uint64_t total; /* bytes covered */
    uint8_t approx; /* the cap merged intervals: total may over-count */
};

/* The last mapping seen on a subflow in one direction: a repeat (Linux repeats the mapping on
 * every segment it covers) is not a new mapping. */
struct mapping {
    uint64_t dsn64;
    uint32_t ssn;
    uint16_t dll;
    uint8_t valid;
};

/* DSS checksum verification of the mapping being received (-v). */
struct csum_state {
    uint8_t active;
    uint8_t broken;       /* a gap or a cut payload: the mapping cannot be checked */
    uint32_t start, next; /* relative subflow sequence of the first and the next byte wanted */
    uint32_t left;        /* payload bytes still wanted */
    uint32_t sum;         /* ones' complement accumulator */
    uint8_t odd;          /* an odd number of bytes summed so far */
    uint16_t expect;      /* the checksum field */
    uint64_t dsn64;       /* the mapping, for the failure report */
    uint16_t dll;
};

enum sf_end {
    SF_END_NONE = 0,
    SF_END_FIN,
    SF_END_RST,
    SF_END_FASTCLOSE,
};

struct cs_mptcp_subflow {
    int64_t flow_conn;                    /* the flow table's conn number */
    uint64_t ord;                         /* creation order over the run (rows are printed in it) */
    struct cs_mptcp_subflow *prev, *next; /* the tracker's list of subflows not yet retired */
    uint8_t gone;                         /* its flow left the flow table */
    uint8_t unlisted; /* past CS_MPTCP_MAX_SUBFLOWS: not in its connection's list */
    int64_t late_of;  /* an orphan join whose token named this retired connection, or -1 */
    struct cs_addr cli, srv;
    uint16_t cport, sport;
    struct cs_mptcp_conn *conn; /* NULL: fallback, orphan or not yet known */
    int64_t index;              /* within conn */
    uint8_t flip;               /* flow direction 0 is the connection's server-to-client */
    uint8_t syn_capable, synack_capable, synack_seen;
    uint8_t capable_version, capable_flags;
    uint64_t syn_key; /* v0: the client's key from the SYN */
    uint8_t has_syn_key;
    uint8_t join; /* an MP_JOIN SYN started it */
    uint8_t orphan;
    int64_t cont_of; /* flow conn of the earlier flow on this 4-tuple it continues, or -1 */
    uint32_t join_token;
    uint8_t join_addr_id, join_backup;
    uint8_t synack_addr_id, synack_backup, has_synack_join;
    uint32_t nonce_a, nonce_b;
    uint8_t has_nonce_a, has_nonce_b;
    uint8_t hmac_checked, hmac_ok; /* -v: checks done and passed (SYN/ACK and ACK) */
    uint8_t backup_now;
    uint32_t prio_changes;
    uint8_t end, fin[2], rst;
    uint8_t has_tcprst, tcprst_reason, tcprst_flags;
    uint8_t fastclose;
    uint64_t pkts[2];           /* per flow direction */
    struct mapping last_map[2]; /* per connection direction */
    struct ivset mapped[2];     /* per connection direction */
    struct csum_state csum[2];  /* per connection direction */
};

enum announce_kind { ANN_ADD, ANN_REMOVE };

struct announce {
    uint64_t ordinal;
    uint8_t dir; /* connection direction of the sender */
    int64_t subflow;
    struct cs_mptcp_opt opt;
};

#define CS_MPTCP_MAX_ANNOUNCE 64

/* -v: a mapping whose DSS checksum did not verify (the first few are listed by stats). */
#define CS_MPTCP_MAX_CSUM_FAILS 8

struct csum_fail {
    uint64_t ordinal; /* frame completing the mapping */
    uint64_t dsn64;
    uint16_t dll;
    int64_t subflow;
};

struct conn_dir {
    uint64_t idsn;
    uint8_t idsn_known;
    uint8_t dsn_seen, dack_seen;
    uint64_t last_dsn;  /* highest 64-bit DSN seen mapped in this direction */
    uint64_t last_dack; /* highest 64-bit DATA_ACK seen acknowledging this direction's data */
    struct ivset covered;
    uint64_t mappings; /* distinct mappings */
    uint64_t mpc_data; /* MP_CAPABLE-with-data segments */
    uint8_t data_fin;
    uint64_t data_fin_dsn; /* 64-bit DSN of the DATA_FIN */
    uint64_t csum_ok, csum_bad;
    struct csum_fail fail[CS_MPTCP_MAX_CSUM_FAILS]; /* the first failures, in order */
};

struct cs_mptcp_conn {
    int64_t index;
    uint8_t version;
    uint8_t handshake; /* MP_CAPABLE seen (else: options without a handshake) */
    uint8_t syn_flags, synack_flags;
    uint8_t has_key[2];
    uint64_t key[2]; /* client, server */
    uint32_t token[2];
    struct cs_mptcp_conn *prev, *next; /* the tracker's list of open connections */
    size_t live;                       /* attached subflows whose flows are still tracked */
    struct cs_mptcp_subflow **sf;      /* the first CS_MPTCP_MAX_SUBFLOWS subflows */
    size_t n_sf, cap_sf;
    size_t n_sf_all;          /* subflows attached, listed or not */
    uint64_t extra_mapped[2]; /* bytes mapped by the unlisted subflows, per direction */
    struct conn_dir d[2];     /* 0 client to server */
    struct announce *ann; /* allocated at the first announcement, at most CS_MPTCP_MAX_ANNOUNCE */
    size_t n_ann, cap_ann;
    uint32_t ann_dropped;
    uint32_t n_add, n_remove, n_fail, n_fastclose, n_prio;
    uint32_t hmac_ok, hmac_bad;
};

/* Subflows listed per connection; later joins are counted, their bytes kept in extra_mapped. */
#define CS_MPTCP_MAX_SUBFLOWS 256

/* Open addressing with linear probing and backward-shift deletion: tokens and flow conn numbers
 * to connections and subflows. Never iterated, so nothing printed depends on its layout. */
struct omap_slot {
    uint64_t key;
    void *val; /* NULL: empty */
};

struct omap {
    struct omap_slot *s;
    size_t cap, used, max; /* max: entries allowed (a cap, counted by the caller when full) */
};

/* Tokens of retired connections, so a join that comes too late is told apart from an orphan. */
#define CS_MPTCP_RETIRED_TOKENS 1024

struct retired_token {
    uint32_t token;
    int64_t conn;
};

/* `stats mptcp`: retired connections and subflows without one wait here until printed. */
struct report {
    struct cs_out *o;
    enum cs_outfmt fmt;
    int subflows;
    struct cs_mptcp_conn **conns;
    size_t n_conns, cap_conns;
    struct cs_mptcp_subflow **lone; /* fallbacks, orphan joins, unanswered MP_CAPABLE SYNs */
    size_t n_lone, cap_lone;
    uint8_t printed; /* a batch went out before the end: the count line comes last */
    uint8_t header_done;
};

struct cs_mptcp {
    struct cs_mptcp_config cfg;
    struct omap flows; /* subflows whose flows are tracked, by the flow's conn number */
    struct cs_mptcp_subflow *sf_head, *sf_tail;  /* not retired, in creation order */
    uint64_t n_subflows;                         /* created over the run */
    struct cs_mptcp_conn *conn_head, *conn_tail; /* open, in creation order */
    uint64_t n_conns;                            /* numbered over the run */
    struct omap tokens;                          /* tokens of the open connections */
    int64_t last_dropped_flow;                   /* the subflows_dropped count is per flow */
    struct retired_token retired[CS_MPTCP_RETIRED_TOKENS];
    size_t n_retired;
    struct cs_mptcp_counts counts;
    struct report *rep; /* NULL unless `stats mptcp` prints */
    uint64_t options, bad_options;
};

void cs_ivset_add(struct ivset *s, uint64_t lo, uint64_t hi);
void cs_ivset_free(struct ivset *s);

/* track.c: frees a retired connection with its subflows, or a subflow without one. */
void cs_mptcp_conn_free(struct cs_mptcp_conn *c);
void cs_mptcp_subflow_free(struct cs_mptcp_subflow *sf);
/* track.c: retires every open connection and subflow (end of the run), in creation order. */
void cs_mptcp_retire_all(struct cs_mptcp *m);
/* stats.c: takes a retired connection (or lone subflow) into the report's batch. */
void cs_mptcp_report_conn(struct cs_mptcp *m, struct cs_mptcp_conn *c);
void cs_mptcp_report_lone(struct cs_mptcp *m, struct cs_mptcp_subflow *sf);
int cs_mptcp_sf_listed(const struct cs_mptcp_subflow *sf);

#endif

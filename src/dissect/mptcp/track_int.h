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
    int64_t flow_conn; /* the flow table's conn number */
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
    struct cs_mptcp_subflow **sf;
    size_t n_sf, cap_sf;
    struct conn_dir d[2]; /* 0 client to server */
    struct announce *ann; /* allocated at the first announcement, at most CS_MPTCP_MAX_ANNOUNCE */
    size_t n_ann, cap_ann;
    uint32_t ann_dropped;
    uint32_t n_add, n_remove, n_fail, n_fastclose, n_prio;
    uint32_t hmac_ok, hmac_bad;
};

struct token_slot {
    uint32_t token;
    uint32_t used;
    struct cs_mptcp_conn *conn;
};

struct cs_mptcp {
    struct cs_mptcp_config cfg;
    struct cs_mptcp_subflow **by_flow; /* indexed by the flow's conn number */
    size_t n_by_flow;
    struct cs_mptcp_subflow **sfs; /* every subflow in first-seen order */
    size_t n_sfs, cap_sfs;
    struct cs_mptcp_conn **conns;
    size_t n_conns, cap_conns;
    uint64_t conns_dropped;
    struct token_slot *tokens;
    size_t tok_cap, tok_used;
    uint64_t options, bad_options;
};

void cs_ivset_add(struct ivset *s, uint64_t lo, uint64_t hi);
void cs_ivset_free(struct ivset *s);

#endif

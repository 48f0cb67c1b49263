/* mptcp.h: Multipath TCP (RFC 8684 v1, RFC 6824 v0): option decoding, connection and subflow
 * tracking, and the `stats mptcp` summary.
 *
 * Three layers, each usable alone:
 *  - cs_mptcp_parse() turns the bytes of one TCP option of kind 30 into a struct cs_mptcp_opt
 *    (no state); cs_mptcp_opt_text() writes it in tcpdump's vocabulary.
 *  - struct cs_mptcp tracks connections over a run: MP_CAPABLE keys give tokens and IDSNs
 *    (SHA-1 for v0, SHA-256 for v1, via libcrypto), MP_JOIN SYNs tie subflows to connections by
 *    token, DSS mappings give relative data sequence numbers and per-subflow byte counts. Every
 *    option becomes one record (kind CS_REC_MPTCP, app = struct cs_mptcp_event).
 *  - cs_mptcp_stats_write() prints the per-connection (or per-subflow) summary.
 */
#ifndef CASHARK_MPTCP_H
#define CASHARK_MPTCP_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/cursor.h"
#include "cashark/decode.h"
#include "cashark/dissect.h"
#include "cashark/flow.h"
#include "cashark/format.h"
#include "cashark/frame.h"
#include "cashark/record.h"

enum cs_mptcp_subtype {
    CS_MPTCP_CAPABLE = 0,
    CS_MPTCP_JOIN = 1,
    CS_MPTCP_DSS = 2,
    CS_MPTCP_ADD_ADDR = 3,
    CS_MPTCP_REMOVE_ADDR = 4,
    CS_MPTCP_PRIO = 5,
    CS_MPTCP_FAIL = 6,
    CS_MPTCP_FASTCLOSE = 7,
    CS_MPTCP_TCPRST = 8,
    CS_MPTCP_UNKNOWN = 9, /* 9..15 (15 is MP_EXPERIMENTAL) */
};

/* Why an option could not be decoded whole: stable dotted names in cs_mptcp_anomaly_name(). */
enum cs_mptcp_anomaly {
    CS_MPTCP_OK = 0,
    CS_MPTCP_BAD_CAPABLE_LEN,   /* mptcp.capable_len_invalid: length not allowed with these flags */
    CS_MPTCP_BAD_VERSION,       /* mptcp.capable_version_unknown: MP_CAPABLE version > 1 */
    CS_MPTCP_BAD_JOIN_LEN,      /* mptcp.join_len_invalid */
    CS_MPTCP_BAD_DSS_LEN,       /* mptcp.dss_len_invalid: length disagrees with the flag bits */
    CS_MPTCP_BAD_ADD_ADDR_LEN,  /* mptcp.add_addr_len_invalid */
    CS_MPTCP_BAD_RM_ADDR_LEN,   /* mptcp.remove_addr_len_invalid */
    CS_MPTCP_BAD_PRIO_LEN,      /* mptcp.prio_len_invalid */
    CS_MPTCP_BAD_FAIL_LEN,      /* mptcp.fail_len_invalid */
    CS_MPTCP_BAD_FASTCLOSE_LEN, /* mptcp.fastclose_len_invalid */
    CS_MPTCP_BAD_TCPRST_LEN,    /* mptcp.tcprst_len_invalid */
    CS_MPTCP_BAD_SHORT,         /* mptcp.short: fewer than 3 bytes */
    CS_MPTCP_ANOM__COUNT
};

const char *cs_mptcp_anomaly_name(enum cs_mptcp_anomaly a);
/* "MP_CAPABLE", "MP_JOIN", "DSS", ... ("MP_UNKNOWN" past MP_TCPRST). */
const char *cs_mptcp_subtype_name(enum cs_mptcp_subtype s);

#define CS_MPTCP_MAX_RM_IDS 37 /* REMOVE_ADDR: at most 40 - 3 address ids */

/* MP_CAPABLE flag bits (RFC 8684 3.1). */
enum {
    CS_MPC_A = 0x80, /* checksum required */
    CS_MPC_B = 0x40, /* extensibility */
    CS_MPC_C = 0x20, /* do not open subflows to my source address (v1) */
    CS_MPC_H = 0x01, /* HMAC-SHA1 (v0) / HMAC-SHA256 (v1) */
};

/* DSS flag bits (RFC 8684 3.3). */
enum {
    CS_DSS_A = 0x01,  /* DATA_ACK present */
    CS_DSS_A8 = 0x02, /* DATA_ACK is 8 octets */
    CS_DSS_M = 0x04,  /* mapping present */
    CS_DSS_M8 = 0x08, /* DSN is 8 octets */
    CS_DSS_F = 0x10,  /* DATA_FIN */
};

/* One MPTCP option, parsed. Only the members its subtype (and `has`) names are set. */
struct cs_mptcp_opt {
    uint8_t len;     /* total option length, kind and length bytes included */
    uint8_t subtype; /* enum cs_mptcp_subtype (9 for every unknown value) */
    uint8_t raw_subtype;
    uint8_t bad;     /* enum cs_mptcp_anomaly; the fields before the fault are still set */
    uint8_t version; /* MP_CAPABLE; ADD_ADDR: 0 or 1 from the low nibble */
    uint8_t flags;   /* MP_CAPABLE flags byte; DSS flags; JOIN/PRIO backup bit; TCPRST nibble */
    uint8_t tcp_flags_syn, tcp_flags_ack; /* the segment's SYN and ACK bits */
    /* MP_CAPABLE */
    uint8_t n_keys; /* 0, 1 or 2 */
    uint64_t key[2];
    uint8_t has_dll; /* MP_CAPABLE with data (v1, 22/24) and DSS mappings */
    uint16_t dll;
    uint8_t has_csum;
    uint16_t csum;
    /* MP_JOIN */
    uint8_t backup;
    uint8_t has_addr_id;
    uint8_t addr_id; /* also ADD_ADDR, PRIO (v0 len 4) */
    uint8_t has_token;
    uint32_t token;
    uint8_t has_nonce;
    uint32_t nonce;
    uint8_t hmac_len; /* 8 (SYN/ACK, ADD_ADDR) or 20 (ACK) */
    uint8_t hmac[20];
    /* DSS */
    uint8_t dack_len; /* 0, 4 or 8 */
    uint64_t dack;    /* raw, as on the wire */
    uint8_t dsn_len;  /* 0 (no mapping), 4 or 8; also 8 for MP_FAIL */
    uint64_t dsn;     /* raw; MP_FAIL's DSN */
    uint32_t ssn;     /* relative to the subflow's ISN */
    /* ADD_ADDR */
    uint8_t echo;
    uint8_t ipver; /* v0: 4 or 6 from the option; v1: from the length */
    struct cs_addr addr;
    uint8_t has_port;
    uint16_t port;
    /* REMOVE_ADDR */
    uint8_t n_rm;
    uint8_t rm_ids[CS_MPTCP_MAX_RM_IDS];
    /* MP_FASTCLOSE: key[0]; MP_TCPRST */
    uint8_t reason;
};

/* Decodes one option: c spans exactly the option (kind and length bytes first), tcp_flags are
 * the segment's flags (MP_CAPABLE lengths depend on SYN/ACK). Never fails: a length that does
 * not fit the subtype sets o->bad. */
void cs_mptcp_parse(struct cs_cursor *c, uint16_t tcp_flags, struct cs_mptcp_opt *o);

/* tcpdump's text of the option after "mptcp <len> ": "capable v1 flags [H] {0x..}",
 * "dss ack 1 seq 2 subseq 1 len 10", "add-addr v1 id 1 10.10.2.2 hmac 0x..", "dss[bad opt]". */
void cs_mptcp_opt_text(struct cs_out *o, const struct cs_mptcp_opt *m);

/* Token and IDSN of a key (RFC 8684 3.2; RFC 6824 3.1): hash of the 8-byte big-endian key with
 * SHA-1 (version 0) or SHA-256 (version 1); token = its top 32 bits, IDSN = its low 64 bits.
 * Returns 0, or -1 when libcrypto fails. */
int cs_mptcp_key_derive(uint64_t key, int version, uint32_t *token, uint64_t *idsn);

/* HMAC-SHA1 (version 0) or HMAC-SHA256 (version 1) with key = key1||key2 (8 bytes each, big
 * endian) over msg; writes the first out_len (<= 32) bytes of the digest. Returns 0 or -1. */
int cs_mptcp_hmac(int version, uint64_t key1, uint64_t key2, const uint8_t *msg, size_t msg_len,
                  uint8_t *out, size_t out_len);

/* ---- Connection tracking -------------------------------------------------------------------- */

struct cs_mptcp_conn;
struct cs_mptcp_subflow;

/* What a record of kind CS_REC_MPTCP points at (valid during the emit call). */
struct cs_mptcp_event {
    const struct cs_mptcp_opt *opt;
    int64_t mptcp_conn; /* MPTCP connection number (0-based, first-seen order), -1 if none */
    int64_t subflow;    /* subflow index within its connection, -1 if none */
    uint8_t has_rel_dsn;
    uint64_t rel_dsn; /* DSN - IDSN of the sender (first data byte 1) */
    uint64_t dsn64;   /* the DSN expanded to 64 bits */
    uint8_t has_rel_dack;
    uint64_t rel_dack;
    uint64_t dack64;
    const char *check; /* -v: "hmac ok", "hmac bad", "csum ok", "csum bad", or NULL */
};

struct cs_mptcp_config {
    int verify;         /* -v: check MP_JOIN HMACs and DSS checksums */
    uint64_t max_conns; /* MPTCP connections open at once (default 1 << 20); more are counted */
};

/* What the tracker holds and what its caps dropped. */
struct cs_mptcp_counts {
    uint64_t conns;             /* MPTCP connections numbered over the run */
    uint64_t open_conns;        /* not retired yet */
    uint64_t open_subflows;     /* subflows not retired yet (with their connection or alone) */
    uint64_t retired;           /* connections retired */
    uint64_t conns_dropped;     /* not tracked: max_conns were open */
    uint64_t subflows_dropped;  /* not tracked: as many subflows open as max_conns */
    uint64_t tokens_dropped;    /* not in the token map (full): their joins become orphans */
    uint64_t late_joins;        /* MP_JOIN SYNs naming the token of a retired connection */
    uint64_t unlisted_subflows; /* past CS_MPTCP_MAX_SUBFLOWS in one connection: counted only */
};

struct cs_mptcp;

struct cs_mptcp *cs_mptcp_new(const struct cs_mptcp_config *cfg);
/* Frees everything, open connections included (nothing is printed). */
void cs_mptcp_free(struct cs_mptcp *m);
/* Handles one packet after flow tracking; emit (may be NULL) gets one record per option. */
void cs_mptcp_packet(struct cs_mptcp *m, const struct cs_frame *f, const struct cs_packet *p,
                     const struct cs_flow_view *fv, cs_emit_fn emit, void *emit_ctx);

/* Retires connections as their flows leave t, so memory stays flat on endless input: when the
 * last subflow of a connection leaves the flow table (closed and lingered, idle, pressure, port
 * reuse), the connection is handed to the report (cs_mptcp_stats_start) or freed, and its
 * tokens are forgotten. A later MP_JOIN with one of them is an orphan join marked late (the
 * connection it names had ended); a later segment on one of its 4-tuples starts a new
 * connection. A subflow without a connection (fallback, orphan join, unanswered SYN) is retired
 * with its flow. Without this call connections are retired only by cs_mptcp_stats_end().
 * Returns 0, or -1 when the flow table has no eviction callback slot left. */
int cs_mptcp_attach(struct cs_mptcp *m, struct cs_flowtab *t);

/* `stats mptcp`: per connection (subflows = 0) or per subflow, as text, CSV, TSV or JSON Lines,
 * then fallbacks and orphan joins. Retired connections wait in batches of CS_MPTCP_BATCH
 * (connections and lone subflows); each batch is printed in first-seen order. Text: the line
 * "MPTCP connections: N" comes first when everything fits one batch, last otherwise. */
#define CS_MPTCP_BATCH 1024
/* Returns 0, or -1 when out of memory. */
int cs_mptcp_stats_start(struct cs_mptcp *m, struct cs_out *o, enum cs_outfmt fmt, int subflows);
/* Retires what is still open and prints the last batch (and the header of an empty report). */
void cs_mptcp_stats_end(struct cs_mptcp *m);

void cs_mptcp_get_counts(const struct cs_mptcp *m, struct cs_mptcp_counts *c);

/* The registry row and the field table for records of kind CS_REC_MPTCP. */
extern const struct cs_dissector_ops cs_mptcp_dissector;
extern const struct cs_field_table cs_mptcp_field_table;

#endif

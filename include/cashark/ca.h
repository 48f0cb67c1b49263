/* ca.h: EPICS Channel Access: message parsing, DBR payloads, the CA dissector and its analyses.
 *
 * EPICS Channel Access protocol specification (CA protocol version 4.13). A CA message is a
 * 16-byte header (24 bytes when extended) and a payload padded to 8 bytes; several messages share
 * a datagram or a TCP stream. The dissector turns them into CS_REC_CA records whose app pointer
 * is a struct cs_ca_msg, valid during the emit call only.
 */
#ifndef CASHARK_CA_H
#define CASHARK_CA_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/cursor.h"
#include "cashark/decode.h"
#include "cashark/dissect.h"
#include "cashark/format.h"
#include "cashark/record.h"

#define CS_CA_HDR_LEN     16
#define CS_CA_EXT_HDR_LEN 24
#define CS_CA_MAX_CMD     27
#define CS_CA_MAX_DBR     38

/* Bytes of one message kept for decoding: a larger message is decoded from its header and first
 * bytes, the rest skipped (counted, never buffered). */
#define CS_CA_MSG_CAP ((size_t)256 * 1024)

enum cs_ca_cmd {
    CS_CA_VERSION = 0,
    CS_CA_EVENT_ADD = 1,
    CS_CA_EVENT_CANCEL = 2,
    CS_CA_READ = 3,
    CS_CA_WRITE = 4,
    CS_CA_SNAPSHOT = 5,
    CS_CA_SEARCH = 6,
    CS_CA_BUILD = 7,
    CS_CA_EVENTS_OFF = 8,
    CS_CA_EVENTS_ON = 9,
    CS_CA_READ_SYNC = 10,
    CS_CA_ERROR = 11,
    CS_CA_CLEAR_CHANNEL = 12,
    CS_CA_RSRV_IS_UP = 13,
    CS_CA_NOT_FOUND = 14,
    CS_CA_READ_NOTIFY = 15,
    CS_CA_READ_BUILD = 16,
    CS_CA_REPEATER_CONFIRM = 17,
    CS_CA_CREATE_CHAN = 18,
    CS_CA_WRITE_NOTIFY = 19,
    CS_CA_CLIENT_NAME = 20,
    CS_CA_HOST_NAME = 21,
    CS_CA_ACCESS_RIGHTS = 22,
    CS_CA_ECHO = 23,
    CS_CA_REPEATER_REGISTER = 24,
    CS_CA_SIGNAL = 25,
    CS_CA_CREATE_CH_FAIL = 26,
    CS_CA_SERVER_DISCONN = 27,
};

struct cs_ca_hdr {
    uint16_t cmd;
    uint16_t dtype;
    uint32_t psize; /* payload bytes (from the extended header when extended) */
    uint32_t count; /* data count (idem) */
    uint32_t p1, p2;
    uint8_t extended; /* 24-byte header */
};

/* Markers: what the dissector reports besides messages, so nothing is dropped silently. */
enum cs_ca_marker {
    CS_CA_MSG = 0,    /* a message */
    CS_CA_GAP,        /* bytes the capture lost in a TCP stream: "[gap N bytes]" */
    CS_CA_SKIPPED,    /* bytes passed over to resynchronise on a header */
    CS_CA_INCOMPLETE, /* a message cut by FIN/RST/end of input */
    CS_CA_TRAILING,   /* datagram bytes after the last whole message */
    CS_CA_EMPTY,      /* an empty datagram (libca's repeater registration) */
    CS_CA_CUT,        /* a datagram message cut by the snapshot length */
};

/* Element types of DBR values. */
enum cs_ca_etype {
    CS_CA_E_STRING = 0,
    CS_CA_E_INT,
    CS_CA_E_FLOAT,
    CS_CA_E_ENUM,
    CS_CA_E_CHAR,
    CS_CA_E_LONG,
    CS_CA_E_DOUBLE,
    CS_CA_E_ACK, /* PUT_ACKT/PUT_ACKS: uint16 */
    CS_CA_E_NONE,
};

enum cs_ca_family {
    CS_CA_F_PLAIN = 0,
    CS_CA_F_STS,
    CS_CA_F_TIME,
    CS_CA_F_GR,
    CS_CA_F_CTRL,
    CS_CA_F_ACK,    /* PUT_ACKT, PUT_ACKS */
    CS_CA_F_STSACK, /* STSACK_STRING */
    CS_CA_F_CLASS,  /* CLASS_NAME */
};

/* A number from a DBR structure, kept as it was typed on the wire. */
struct cs_ca_num {
    uint8_t is_float;
    int64_t i;
    double d;
};

/* A decoded DBR payload: metadata fields and a cursor over the value elements. */
struct cs_ca_dbr {
    uint8_t known;  /* data type 0..38 */
    uint8_t family; /* enum cs_ca_family */
    uint8_t etype;  /* enum cs_ca_etype */
    uint8_t has_sts, has_time, has_units, has_prec, has_limits, has_enum;
    uint8_t n_limits;      /* 6 (GR) or 8 (CTRL) */
    uint8_t short_payload; /* fewer elements than data_count fit the payload */
    uint8_t meta_cut;      /* the payload ends inside the metadata */
    int16_t status, severity;
    uint32_t ts_sec, ts_nsec; /* EPICS epoch (1990-01-01) */
    int16_t precision;
    uint8_t units[8];
    struct cs_ca_num limits[8]; /* upper_disp, lower_disp, upper_alarm, upper_warning,
                                 * lower_warning, lower_alarm, upper_ctrl, lower_ctrl */
    uint16_t no_str;
    uint8_t enum_strs[16][26];
    uint16_t ackt, acks;
    uint8_t value40[40]; /* STSACK_STRING and CLASS_NAME value */
    uint32_t elem_size;
    uint32_t n_elems;      /* elements present in data */
    struct cs_cursor data; /* n_elems * elem_size bytes */
};

struct cs_ca_msg {
    enum cs_ca_marker marker;
    uint64_t marker_bytes; /* GAP, SKIPPED, INCOMPLETE, TRAILING: bytes concerned */
    uint64_t marker_total; /* INCOMPLETE: bytes the message should have had */
    struct cs_ca_hdr h;
    uint8_t response;         /* 0 request (client to server), 1 response */
    uint8_t proto;            /* CS_FLOW_TCP or CS_FLOW_UDP */
    uint8_t payload_cut;      /* fewer payload bytes than psize were kept (oversized message) */
    struct cs_cursor payload; /* the payload bytes kept */
    /* Endpoints: source and destination of this message, client and server of its circuit. */
    struct cs_addr src, dst;
    uint16_t sport, dport;
    /* Decoded parts. */
    struct cs_cursor name; /* SEARCH/CREATE_CHAN request, CLIENT/HOST_NAME: up to the first NUL */
    uint16_t version;      /* SEARCH reply minor version (payload), 0 when absent */
    uint8_t has_dbr;
    struct cs_ca_dbr dbr;
    /* EVENT_ADD request */
    uint8_t has_event;
    float ev_low, ev_high, ev_to;
    uint16_t ev_mask;
    /* ERROR */
    uint8_t has_orig;
    struct cs_ca_hdr orig;
    struct cs_cursor err_text; /* error message bytes, with the padding (caproto's bytearray) */
    uint32_t max_elements;     /* --ca-max-elements for the repr */
    /* The PV of the message's channel, resolved on its circuit (cs_ca_chans_note); empty when
     * unknown. Messages that carry a name (search, create) have it in `name`. */
    struct cs_cursor pv;
};

/* The identifiers a message carries, by command and direction (caproto's header fields). */
struct cs_ca_ids {
    uint8_t has_cid, has_sid, has_ioid, has_sub;
    uint32_t cid, sid, ioid, sub;
};
void cs_ca_msg_ids(const struct cs_ca_msg *m, struct cs_ca_ids *ids);

/* Per-circuit channel names (src/dissect/ca/ca_chan.c): created on the first CREATE_CHAN,
 * bounded in memory. cs_ca_chans_note learns from m and sets m->pv when m's channel is known. */
struct cs_ca_chans;
void cs_ca_chans_note(struct cs_ca_chans **t, struct cs_ca_msg *m);
void cs_ca_chans_free(struct cs_ca_chans *t);

/* ---- Parsing (src/dissect/ca/ca_msg.c) ------------------------------------------------------ */

/* Reads a header. Returns the header length (16 or 24), or 0 when c has too few bytes. */
size_t cs_ca_header_parse(struct cs_cursor *c, struct cs_ca_hdr *h);
/* Whether h looks like a real CA header (known command, payload a multiple of 8 within limits). */
int cs_ca_header_plausible(const struct cs_ca_hdr *h);
/* Stricter, per command and direction (zero fields, DBR sizes that match the count): what a
 * header must look like to end a resynchronisation on a TCP stream. */
int cs_ca_header_sane(const struct cs_ca_hdr *h, int response);
/* Fills m's decoded parts from m->h, m->response and the payload bytes kept (m->payload). */
void cs_ca_msg_decode(struct cs_ca_msg *m);
/* The DBR decode of one payload: type, count, bytes. Never fails; marks what did not fit. */
void cs_ca_dbr_decode(struct cs_ca_dbr *d, uint16_t type, uint32_t count, struct cs_cursor pl);
/* Overflow-checked byte size of type with count elements (metadata + elements, unpadded);
 * returns 0 and sets *ok = 0 for an unknown type or a size beyond 2^32. */
uint64_t cs_ca_dbr_size(uint16_t type, uint32_t count, int *ok);

/* Names: caproto class of a command in a direction (NULL when the command has none there),
 * DBR type names ("TIME_DOUBLE"), ECA names, alarm names. NULL when unknown. */
const char *cs_ca_class_name(uint16_t cmd, int response);
const char *cs_ca_cmd_name(uint16_t cmd); /* EPICS name without CA_PROTO_: "READ_NOTIFY" */
const char *cs_ca_dbr_name(uint16_t type);
const char *cs_ca_alarm_status_name(int v);
const char *cs_ca_alarm_severity_name(int v);

struct cs_ca_eca {
    uint32_t code_with_severity;
    const char *name;
    uint16_t code;
    uint8_t severity; /* CASeverity value */
    uint8_t success, defunct;
    const char *description;
};
const struct cs_ca_eca *cs_ca_eca_find(uint32_t code_with_severity);
const char *cs_ca_severity_name(unsigned sev); /* CASeverity: WARNING, SUCCESS, ... */

/* Element i of a decoded DBR value as a number (not for strings); 0 when out of range. */
struct cs_ca_num cs_ca_dbr_elem(const struct cs_ca_dbr *d, uint32_t i);
/* String element i: its bytes up to the first NUL (at most 40). */
struct cs_cursor cs_ca_dbr_string(const struct cs_ca_dbr *d, uint32_t i);

/* ---- Text (src/dissect/ca/ca_repr.c) -------------------------------------------------------- */

/* The caproto-style `command` text of one message or marker. */
void cs_ca_repr(struct cs_out *o, const struct cs_ca_msg *m);
/* The value elements as a JSON array (strings as JSON strings). */
void cs_ca_data_json(struct cs_out *o, const struct cs_ca_msg *m);
/* The ca.* field table for CS_REC_CA records (listed in src/format/fields.c). */
extern const struct cs_field_table cs_ca_field_table;

/* ---- Dissector (src/dissect/ca/ca_dissect.c) ------------------------------------------------ */

extern const struct cs_dissector_ops cs_ca_dissector;

/* ---- Analyses (src/analysis/ca_stats.c) ----------------------------------------------------- */

/* `cashark stats ca`: channel creation, search, read/write-notify latency, monitors, errors,
 * disconnects and beacons, matched per circuit (client ip:port, server ip:port). Memory is bounded
 * by caps on the pending maps and on the rows kept; what a cap turned away is counted. */
struct cs_ca_stats;

enum cs_ca_by { CS_CA_BY_IP = 0, CS_CA_BY_ENDPOINT };

/* The tables, in the order the text output prints them. */
enum cs_ca_table {
    CS_CA_T_LATENCY = 0, /* channel creation: one row per answered CreateChanRequest */
    CS_CA_T_SERVERS,     /* their latency per server (describe(): count mean std min p25..max) */
    CS_CA_T_UNANSWERED,  /* CreateChanRequests never answered, or answered by CreateChFail */
    CS_CA_T_SEARCH,      /* search latency per PV and client */
    CS_CA_T_NOTFOUND,    /* searches never answered, with their retries */
    CS_CA_T_IO,          /* read/write-notify latency per command, PV and server */
    CS_CA_T_MONITORS,    /* one row per subscription: updates and rate */
    CS_CA_T_ERRORS,      /* ERROR responses and replies with a failing ECA status */
    CS_CA_T_DISCONNECTS, /* SERVER_DISCONN, and channels open when their circuit closed */
    CS_CA_T_BEACONS,     /* per server: beacons, id restarts, missed ids */
    CS_CA_T__COUNT
};

/* An endpoint of a row; port 0 with family 0 when absent. */
struct cs_ca_ep {
    struct cs_addr a;
    uint16_t port;
};

/* One row of a table (the app of a CS_REC_CASTAT record). Which members are set: the has bits,
 * one per column (CS_CA_COL_*). Times in ns since the Unix epoch, durations in ns; statistics in
 * seconds as doubles. */
struct cs_ca_row {
    uint8_t table;     /* enum cs_ca_table */
    uint8_t ip_only;   /* the server column shows the address alone (servers --by ip) */
    uint8_t ts_digits; /* 6 or 9: decimals of the times */
    uint64_t has;      /* 1 << enum cs_ca_col */
    const char *pv;    /* PV name bytes (not NUL-terminated), pv_len long */
    uint32_t pv_len;
    struct cs_ca_ep client, server;
    uint32_t cid, sid, ioid, subid, dtype, dcount, last_id;
    int64_t t, dt, first, last;
    uint64_t count, unanswered, failed, requests, responses, not_found, errors, updates, beacons,
        restarts, missed, duplicates;
    double mean, std, min, p25, p50, p75, max, rate, interval;
    const char *cmd, *status, *orig, *kind, *by, *result; /* static strings */
    const char *message;                                  /* error text bytes, message_len long */
    uint32_t message_len;
};

enum cs_ca_col {
    CS_CA_COL_PV = 0,
    CS_CA_COL_CLIENT,
    CS_CA_COL_SERVER,
    CS_CA_COL_CID,
    CS_CA_COL_SID,
    CS_CA_COL_IOID,
    CS_CA_COL_SUBID,
    CS_CA_COL_DTYPE,
    CS_CA_COL_DCOUNT,
    CS_CA_COL_LAST_ID,
    CS_CA_COL_T,
    CS_CA_COL_DT,
    CS_CA_COL_FIRST,
    CS_CA_COL_LAST,
    CS_CA_COL_COUNT,
    CS_CA_COL_UNANSWERED,
    CS_CA_COL_FAILED,
    CS_CA_COL_REQUESTS,
    CS_CA_COL_RESPONSES,
    CS_CA_COL_NOT_FOUND,
    CS_CA_COL_ERRORS,
    CS_CA_COL_UPDATES,
    CS_CA_COL_BEACONS,
    CS_CA_COL_RESTARTS,
    CS_CA_COL_MISSED,
    CS_CA_COL_DUPLICATES,
    CS_CA_COL_MEAN,
    CS_CA_COL_STD,
    CS_CA_COL_MIN,
    CS_CA_COL_P25,
    CS_CA_COL_P50,
    CS_CA_COL_P75,
    CS_CA_COL_MAX,
    CS_CA_COL_RATE,
    CS_CA_COL_INTERVAL,
    CS_CA_COL_CMD,
    CS_CA_COL_STATUS,
    CS_CA_COL_ORIG,
    CS_CA_COL_KIND,
    CS_CA_COL_BY,
    CS_CA_COL_RESULT,
    CS_CA_COL_MESSAGE,
};
#define CS_CA_HAS(col) ((uint64_t)1 << (col))

/* Limits: pending requests (creations, searches, reads/writes) and open channels kept at once,
 * and rows kept per table. 0 in cs_ca_stats_new() means the defaults. */
struct cs_ca_stats_limits {
    size_t pending; /* entries of the pending maps together (default 1 << 20) */
    size_t rows;    /* rows per table (default 1 << 22) */
};

struct cs_ca_stats *cs_ca_stats_new(const struct cs_ca_stats_limits *lim);
/* Feeds one record: CA messages (CS_REC_CA); a TCP packet record (CS_REC_PACKET) with FIN or RST
 * closes the circuit it belongs to. Other records are ignored. */
void cs_ca_stats_add(struct cs_ca_stats *s, const struct cs_record *r);
/* The rows of table t (enum cs_ca_table), built at the end of the input; valid until the next
 * call or cs_ca_stats_free(). by: how the servers table groups. */
size_t cs_ca_stats_rows(struct cs_ca_stats *s, int t, enum cs_ca_by by,
                        const struct cs_ca_row **rows);
/* A table by name (latency, servers, ...): its number, or -1. */
int cs_ca_stats_table_find(const char *name);
const char *cs_ca_stats_table_name(int t);
/* The columns of table t as a template of bare tokens ("<pv> <server> <t> <dt> ..."). */
const char *cs_ca_stats_columns(int t);
/* One line heading table t in text output, with its counts (after cs_ca_stats_rows). */
void cs_ca_stats_heading(const struct cs_ca_stats *s, int t, enum cs_ca_by by, struct cs_out *o);
/* What the caps turned away: writes one line and returns 1 when anything was dropped. */
int cs_ca_stats_dropped(const struct cs_ca_stats *s, struct cs_out *o);
void cs_ca_stats_free(struct cs_ca_stats *s);
/* The fields of CS_REC_CASTAT records (listed in src/format/fields.c). */
extern const struct cs_field_table cs_ca_stats_field_table;

#endif

/* format.h: records to text: the buffered output writer, the field catalogue, --format templates
 * and the text, JSON Lines, CSV and TSV writers.
 *
 * Formatters never decode: they turn parsed structs (struct cs_record) into text. Every byte that
 * comes from the capture is escaped, so no record spans lines or writes terminal escapes.
 */
#ifndef CASHARK_FORMAT_H
#define CASHARK_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/decode.h"
#include "cashark/record.h"

/* ---- Output writer ------------------------------------------------------------------------ */

/* A buffered writer. A file-descriptor writer does one write(2) per full buffer, or one per record
 * in flush-each mode. Any write error (EPIPE when the reader went away with SIGPIPE ignored,
 * ENOSPC,
 * ...) sets the failed flag and later output is dropped: the CLI checks cs_out_failed() and stops
 * quietly. A memory writer (cs_out_new_mem) never writes: it collects text for cs_out_data(). */
struct cs_out;

struct cs_out *cs_out_new(int fd, size_t bufsize, int flush_each_record);
struct cs_out *cs_out_new_mem(size_t initial); /* grows on demand up to 16 MiB, then drops */
void cs_out_free(struct cs_out *o);            /* frees without flushing */
/* Switches flush-each mode on or off (flushes what is buffered when turning it on). */
void cs_out_set_flush_each(struct cs_out *o, int on);

void cs_out_mem(struct cs_out *o, const void *p, size_t n);
void cs_out_str(struct cs_out *o, const char *s);
void cs_out_char(struct cs_out *o, char c);
void cs_out_pad(struct cs_out *o, size_t n); /* n spaces */
void cs_out_u64(struct cs_out *o, uint64_t v);
void cs_out_i64(struct cs_out *o, int64_t v);
/* v in lower-case hexadecimal, at least min_digits digits (zero-padded), no prefix. */
void cs_out_hex(struct cs_out *o, uint64_t v, int min_digits);
/* value_ns as seconds with exactly digits (0..9) decimals, truncated toward zero: 1.500000,
 * -0.000100. A negative value always carries its sign. */
void cs_out_fixed(struct cs_out *o, int64_t value_ns, int digits);
/* ns since the Unix epoch as ISO 8601 UTC with digits decimals: 2023-11-14T22:13:20.123456Z.
 * Pure arithmetic (days-from-civil inverse): no libc time calls, no time zone files. */
void cs_out_iso8601(struct cs_out *o, int64_t ns, int digits);
/* IPv4 dotted quad, IPv6 per RFC 5952 (lower case, longest zero run as "::", ::ffff:a.b.c.d). */
void cs_out_addr(struct cs_out *o, const struct cs_addr *a);
void cs_out_mac(struct cs_out *o, const uint8_t mac[6]); /* aa:bb:cc:dd:ee:ff */
/* address:port, IPv6 in brackets: 10.0.0.1:5064, [fd77::1]:5064. */
void cs_out_endpoint(struct cs_out *o, const struct cs_addr *a, unsigned port);

/* Capture bytes made safe for a terminal: printable ASCII (0x20..0x7e) as is, every other byte as
 * \xNN. The test is locale-independent. */
void cs_out_escaped(struct cs_out *o, const void *p, size_t n);
/* p..n as the inside of an RFC 8259 JSON string (no quotes): " \ and control characters escaped
 * (\n \r \t \b \f, else \u00NN), DEL and bytes >= 0x80 as \u00NN so the line stays ASCII. */
void cs_out_json_text(struct cs_out *o, const void *p, size_t n);
/* One RFC 4180 CSV cell: quoted (with "" for ") when it holds a comma, quote, CR or LF. */
void cs_out_csv_cell(struct cs_out *o, const void *p, size_t n);
/* One TSV cell: tab, LF, CR and backslash become \t \n \r \\ (the IANA text/tab-separated-values
 * convention used by PostgreSQL COPY and mysql). */
void cs_out_tsv_cell(struct cs_out *o, const void *p, size_t n);

/* Ends a record: writes '\n'; flushes in flush-each mode. */
void cs_out_end_record(struct cs_out *o);
/* Writes what is buffered. Returns 0, or -1 once any write has failed. */
int cs_out_flush(struct cs_out *o);
int cs_out_failed(const struct cs_out *o);
/* Memory writers: the collected bytes (not NUL-terminated) and a reset to empty. For an fd
 * writer, the bytes not yet flushed. */
const char *cs_out_data(const struct cs_out *o, size_t *len);
void cs_out_reset(struct cs_out *o);

/* ---- Field catalogue ---------------------------------------------------------------------- */

enum cs_ftype {
    CS_FT_UINT,    /* unsigned integer below 2^53: a JSON number */
    CS_FT_INT,     /* signed integer within +-2^53: a JSON number */
    CS_FT_BIGUINT, /* unsigned integer that may exceed 2^53: a JSON string of digits */
    CS_FT_BIGINT,  /* signed integer that may exceed 2^53: a JSON string of digits */
    CS_FT_TIME,    /* seconds with fixed decimals (from ns): a JSON number */
    CS_FT_TEXT,    /* text the getter writes to ctx->sink: a JSON string */
    CS_FT_JSON,    /* a JSON value the getter writes to ctx->sink (an array): raw in JSON, text
                    * elsewhere */
};

struct cs_fval {
    union {
        uint64_t u; /* UINT, BIGUINT */
        int64_t i;  /* INT, BIGINT */
        struct {
            int64_t ns;
            int digits;
        } t; /* TIME */
    } v;
};

/* What a getter may look at besides the record. */
struct cs_fieldctx {
    struct cs_out *sink; /* TEXT getters write their value here (only when present) */
    int64_t first_ts;    /* timestamp of the first record's frame (for reltime) */
    int64_t prev_ts;     /* timestamp of the previous record's frame (for delta) */
};

/* Returns 1 and fills v (or writes text to c->sink) when the record has the field, else 0 and
 * writes nothing. */
typedef int (*cs_field_get_fn)(const struct cs_fieldctx *c, const struct cs_record *r,
                               struct cs_fval *v);

struct cs_field {
    const char *name; /* lower case, dot-separated by layer */
    enum cs_ftype type;
    const char *help; /* one line for `cashark fields` */
    cs_field_get_fn get;
};

/* A table of fields for the record kinds in `kinds` (bit 1 << enum cs_record_kind). Later
 * dissectors add their own table to the list in src/format/fields.c; a name may appear in several
 * tables when their kinds differ (each kind's `command` comes from its own dissector). */
struct cs_field_table {
    unsigned kinds;
    const struct cs_field *fields; /* terminated by a row with name NULL */
};

#define CS_KIND_BIT(k) (1u << (k))
#define CS_KINDS_ALL   ((1u << CS_REC__COUNT) - 1u)

/* The catalogue: a NULL-terminated list of tables. */
const struct cs_field_table *const *cs_field_tables(void);
/* The field called name (n bytes) for records of kind, or NULL. */
const struct cs_field *cs_field_find(const char *name, size_t n, enum cs_record_kind kind);
/* Name known for any kind. */
int cs_field_known(const char *name, size_t n);

/* `cashark fields`: every field once, aligned: name, type, meaning. */
void cs_fields_print(struct cs_out *o);

/* ---- Packet summaries (the `command` of a packet record) ---------------------------------- */

/* tcpdump -n style text after the addresses: "TCP [S] seq 0 win 64240 len 0 options [...]",
 * "UDP len 32", "ICMP echo request id 7 seq 1", truncation " [|tcp]", " [malformed: ...]". */
void cs_fmt_summary(struct cs_out *o, const struct cs_packet *p, const struct cs_flow_view *fv);
/* The TCP option list as in the summary, without brackets: "mss 1460,sackOK,TS val 1 ecr 0";
 * SACK edges relative like the ack number when the flow view has relative numbers. */
void cs_fmt_tcp_opts(struct cs_out *o, const struct cs_tcp *t, const struct cs_flow_view *fv);
/* scapy's flag letters in the fixed order F S R P A U E C N: "S", "SA", "PA", "FA", "RA". */
void cs_fmt_tcp_flags(struct cs_out *o, uint16_t flags);

/* ---- Formatter ---------------------------------------------------------------------------- */

enum cs_outfmt { CS_OUTFMT_TEXT, CS_OUTFMT_JSON, CS_OUTFMT_CSV, CS_OUTFMT_TSV };
enum cs_timefmt { CS_TIME_EPOCH, CS_TIME_ISO, CS_TIME_REL, CS_TIME_DELTA, CS_TIME_NONE };

struct cs_fmt_config {
    enum cs_outfmt outfmt;
    const char *template_text; /* --format; NULL: the default line / columns */
    enum cs_timefmt time;      /* the default text line's leading time column */
    int hexdump;     /* 0, 'x' hex, 'X' hex + ASCII, 'A' payload as ASCII (text output only) */
    int link_fields; /* -e: link-layer fields on the default text line */
};

struct cs_formatter;

/* NULL with a one-line message in err on a bad template, e.g.
 * "unknown field 'scr' in --format (did you mean: src?)". */
struct cs_formatter *cs_fmt_new(const struct cs_fmt_config *cfg, struct cs_out *out, char *err,
                                size_t errlen);
void cs_fmt_begin(struct cs_formatter *f); /* the CSV/TSV header line; nothing otherwise */
void cs_fmt_record(struct cs_formatter *f, const struct cs_record *r);
void cs_fmt_free(struct cs_formatter *f);

#endif

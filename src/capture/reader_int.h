/* reader_int.h: the reader's private state, shared by reader.c (sources, pcap) and pcapng.c. */
#ifndef CASHARK_READER_INT_H
#define CASHARK_READER_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define ZLIB_CONST
#include <zlib.h>

#include "cashark/cursor.h"
#include "cashark/reader.h"

/* Largest record (packet plus its header or pcapng block) the reader buffers. */
#define CS_READER_MAX_CAPLEN (256u * 1024u * 1024u)
#define CS_READER_MAX_BLOCK  (CS_READER_MAX_CAPLEN + 64u * 1024u)

/* An interface with what the reader precomputes to convert timestamps fast. */
struct cs_rd_iface {
    struct cs_iface pub;
    uint32_t maxcap;    /* largest acceptable caplen */
    uint64_t ts_mul;    /* ns = ts * ts_mul, or */
    uint64_t ts_div;    /* ns = ts / ts_div (pow10 finer than ns), or */
    uint8_t ts_shift;   /* pow2: ns from ts >> shift and the fraction; 0xff: not pow2 */
    uint64_t ts_off_ns; /* if_tsoffset in ns (two's complement) */
};

enum cs_rd_state {
    CS_RD_OK = 0,
    CS_RD_END = 1,
    CS_RD_ERR = 2,
};

struct cs_reader {
    /* source */
    int fd;     /* -1 for memory */
    int own_fd; /* close fd on cs_reader_close */
    int is_stream;
    int src_eof;                            /* the raw source is exhausted */
    const volatile sig_atomic_t *interrupt; /* a signal handler's stop flag, or NULL */
    const uint8_t *raw;                     /* memory source (compressed when gz) */
    size_t raw_len;
    size_t raw_fed; /* gzip from memory: compressed bytes handed to zlib */
    uint8_t *buf;   /* owned buffer for fd and gzip sources */
    size_t cap;
    const uint8_t *win; /* the window: raw (plain memory) or buf */
    size_t pos, end;    /* unread bytes are win[pos, end) */
    uint64_t base_off;  /* stream offset of win[0] */
    /* gzip */
    int gz;
    int gz_end; /* the last member ended cleanly and no input followed */
    z_stream z;
    uint8_t *zin;
    size_t zin_cap;
    /* format */
    enum cs_capfmt fmt;
    int be; /* the current file or section is big-endian */
    /* pcap */
    size_t rec_hdr_len; /* 16, or 24 for the modified (Kuznetzov) format */
    int swap_lens;      /* 0 no, 1 always (version < 2.3), 2 when caplen > len (2.3) */
    /* interfaces (pcap: one) */
    struct cs_rd_iface *ifs;
    size_t n_ifs, cap_ifs;
    size_t sect_base; /* pcapng: index of the current section's interface 0 */
    uint64_t records;
    enum cs_rd_state state;
    char name[128];
    char errmsg[256];
};

/* Makes at least n unread bytes available when the input has them; returns how many are
 * available (fewer than n only at the end of input or after an I/O error, which sets state). */
size_t cs_capture_refill(struct cs_reader *r, size_t n);

static inline size_t
cs_capture_need(struct cs_reader *r, size_t n)
{
    size_t have = r->end - r->pos;
    return have >= n ? have : cs_capture_refill(r, n);
}

/* A cursor over the unread bytes. */
static inline struct cs_cursor
cs_capture_window(const struct cs_reader *r)
{
    struct cs_cursor c = cs_cursor_make(r->win, r->end);
    cs_cursor_skip(&c, r->pos);
    return c;
}

static inline uint64_t
cs_capture_offset(const struct cs_reader *r)
{
    return r->base_off + r->pos;
}

/* Records an error (one line) and returns -1. */
int cs_capture_fail(struct cs_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The clean end of input: 0, or -1 when a gzip stream was cut short. */
int cs_capture_end(struct cs_reader *r);

/* Adds an interface; returns its index or -1 (error recorded) when there are too many. */
long cs_capture_add_iface(struct cs_reader *r, uint32_t linktype, uint32_t snaplen, int pow2,
                          unsigned exp, int64_t tsoffset_s);

static inline int64_t
cs_capture_ts(const struct cs_rd_iface *ifc, uint64_t ts)
{
    uint64_t ns;
    if (ifc->ts_shift == 0xff) {
        ns = ifc->ts_div > 1 ? ts / ifc->ts_div : ts * ifc->ts_mul;
    } else {
        unsigned sh = ifc->ts_shift;
        uint64_t sec = sh >= 64 ? 0 : ts >> sh;
        uint64_t frac = sh >= 64 ? ts : ts & ((UINT64_C(1) << sh) - 1);
        if (sh > 30) {
            frac = sh - 30 >= 64 ? 0 : frac >> (sh - 30);
            sh = 30;
        }
        ns = sec * UINT64_C(1000000000) + ((frac * UINT64_C(1000000000)) >> sh);
    }
    return (int64_t)(ns + ifc->ts_off_ns);
}

int cs_pcapng_open(struct cs_reader *r);
int cs_pcapng_next(struct cs_reader *r, struct cs_frame *f);

#endif

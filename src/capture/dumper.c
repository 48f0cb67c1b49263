/* dumper.c: writes frames as pcap or pcapng, buffered, flushed per packet on pipes.
 *
 * Formats: pcap-savefile(5) / draft-ietf-opsawg-pcap; draft-ietf-opsawg-pcapng (SHB, IDB with
 * if_tsresol, EPB). Everything is written little-endian, whatever the host.
 */
#include "cashark/dumper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF_SIZE    (256u * 1024u)
#define DEFAULT_SNAPLEN 262144u
#define MAX_IDBS        4096u

struct idb_key {
    uint32_t linktype;
    uint32_t snaplen;
    uint8_t ts_digits;
};

struct cs_dumper {
    int fd;
    int own_fd;
    int flush_each;
    enum cs_capfmt fmt;
    uint32_t snaplen; /* 0: no cut */
    int started;      /* the file header is written */
    uint32_t hint_linktype;
    uint8_t hint_digits;
    /* pcap */
    uint32_t linktype;
    uint8_t ts_digits;
    /* pcapng */
    struct idb_key *idbs;
    size_t n_idbs, cap_idbs;
    size_t last_idb;
    uint64_t count;
    int failed;
    char errmsg[256];
    size_t used;
    uint8_t buf[OUT_BUF_SIZE];
};

static int fail(struct cs_dumper *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct cs_dumper *d, const char *fmt, ...)
{
    if (d->failed)
        return -1; /* keep the first reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->errmsg, sizeof d->errmsg, fmt, ap);
    va_end(ap);
    d->failed = 1;
    return -1;
}

static int
write_all(struct cs_dumper *d, const uint8_t *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = write(d->fd, &p[done], n - done);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail(d, "write error: %s", strerror(errno));
        }
        done += (size_t)k;
    }
    return 0;
}

static int
flush_buf(struct cs_dumper *d)
{
    if (d->failed)
        return -1;
    if (d->used == 0)
        return 0;
    int ret = write_all(d, d->buf, d->used);
    d->used = 0;
    return ret;
}

static int
out(struct cs_dumper *d, const void *p, size_t n)
{
    if (d->used + n > sizeof d->buf) {
        if (flush_buf(d) < 0)
            return -1;
        if (n > sizeof d->buf)
            return write_all(d, p, n);
    }
    if (n)
        memcpy(&d->buf[d->used], p, n);
    d->used += n;
    return 0;
}

/* Little-endian stores into a header being built. */
static void
put16(uint8_t *h, size_t at, uint32_t v)
{
    h[at] = (uint8_t)v;
    h[at + 1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *h, size_t at, uint32_t v)
{
    put16(h, at, v & 0xffffu);
    put16(h, at + 2, v >> 16);
}

static void
put64(uint8_t *h, size_t at, uint64_t v)
{
    put32(h, at, (uint32_t)v);
    put32(h, at + 4, (uint32_t)(v >> 32));
}

static struct cs_dumper *
dumper_new(int fd, int own, enum cs_capfmt fmt, uint32_t snaplen, char *err, size_t errlen)
{
    struct cs_dumper *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        if (own)
            close(fd);
        return NULL;
    }
    struct stat st;
    d->fd = fd;
    d->own_fd = own;
    d->fmt = fmt;
    d->snaplen = snaplen;
    d->hint_linktype = CS_DLT_EN10MB;
    d->hint_digits = 6;
    d->flush_each = fstat(fd, &st) == 0 &&
                    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode));
    return d;
}

struct cs_dumper *
cs_dumper_open_fd(int fd, enum cs_capfmt fmt, uint32_t snaplen, char *err, size_t errlen)
{
    return dumper_new(fd, 0, fmt, snaplen, err, errlen);
}

struct cs_dumper *
cs_dumper_open(const char *path, enum cs_capfmt fmt, uint32_t snaplen, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return dumper_new(1, 0, fmt, snaplen, err, errlen);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    return dumper_new(fd, 1, fmt, snaplen, err, errlen);
}

void
cs_dumper_set_flush(struct cs_dumper *d, int per_packet)
{
    d->flush_each = per_packet != 0;
}

void
cs_dumper_hint(struct cs_dumper *d, uint32_t linktype, uint8_t ts_digits)
{
    d->hint_linktype = linktype;
    d->hint_digits = ts_digits == 9 ? 9 : 6;
}

static uint32_t
header_snaplen(const struct cs_dumper *d)
{
    return d->snaplen ? d->snaplen : DEFAULT_SNAPLEN;
}

static int
pcap_header(struct cs_dumper *d, uint32_t linktype, uint8_t ts_digits)
{
    uint8_t h[24];
    put32(h, 0, ts_digits == 9 ? 0xa1b23c4du : 0xa1b2c3d4u);
    put16(h, 4, 2);
    put16(h, 6, 4);
    put32(h, 8, 0);  /* thiszone */
    put32(h, 12, 0); /* sigfigs */
    put32(h, 16, header_snaplen(d));
    put32(h, 20, linktype);
    d->linktype = linktype;
    d->ts_digits = ts_digits == 9 ? 9 : 6;
    d->started = 1;
    return out(d, h, sizeof h);
}

static int
pcapng_header(struct cs_dumper *d)
{
    static const char app[] = "cashark";
    uint8_t h[40];
    size_t applen = sizeof app - 1; /* 7, padded to 8 */
    uint32_t total = 28 + 4 + 8 + 4;
    put32(h, 0, 0x0a0d0d0au);
    put32(h, 4, total);
    put32(h, 8, 0x1a2b3c4du);
    put16(h, 12, 1);
    put16(h, 14, 0);
    put64(h, 16, UINT64_MAX); /* section length unknown */
    put16(h, 24, 4);          /* shb_userappl */
    put16(h, 26, (uint32_t)applen);
    memset(&h[28], 0, 8);
    memcpy(&h[28], app, applen);
    put32(h, 36, 0); /* opt_endofopt */
    d->started = 1;
    uint8_t t[4];
    put32(t, 0, total);
    if (out(d, h, sizeof h) < 0)
        return -1;
    return out(d, t, sizeof t);
}

static int
pcapng_idb(struct cs_dumper *d, const struct idb_key *k)
{
    uint8_t h[32];
    int nano = k->ts_digits == 9;
    uint32_t total = nano ? 32 : 20;
    put32(h, 0, 1);
    put32(h, 4, total);
    put16(h, 8, k->linktype);
    put16(h, 10, 0);
    put32(h, 12, k->snaplen);
    if (nano) {
        put16(h, 16, 9); /* if_tsresol */
        put16(h, 18, 1);
        put32(h, 20, 9); /* 10^-9, then three bytes of padding */
        put32(h, 24, 0); /* opt_endofopt */
        put32(h, 28, total);
    } else {
        put32(h, 16, total);
    }
    return out(d, h, total);
}

/* The IDB index for the frame's (link type, snaplen, precision), writing a new IDB if needed. */
static long
idb_for(struct cs_dumper *d, uint32_t linktype, uint32_t snaplen, uint8_t digits)
{
    struct idb_key k = {linktype, snaplen, digits};
    if (d->last_idb < d->n_idbs) {
        const struct idb_key *l = &d->idbs[d->last_idb];
        if (l->linktype == k.linktype && l->snaplen == k.snaplen && l->ts_digits == k.ts_digits)
            return (long)d->last_idb;
    }
    for (size_t i = 0; i < d->n_idbs; i++) {
        const struct idb_key *e = &d->idbs[i];
        if (e->linktype == k.linktype && e->snaplen == k.snaplen && e->ts_digits == k.ts_digits) {
            d->last_idb = i;
            return (long)i;
        }
    }
    if (d->n_idbs >= MAX_IDBS)
        return fail(d, "more than %u distinct interfaces", MAX_IDBS);
    if (d->n_idbs == d->cap_idbs) {
        size_t ncap = d->cap_idbs ? d->cap_idbs * 2 : 4;
        struct idb_key *n = realloc(d->idbs, ncap * sizeof *n);
        if (!n)
            return fail(d, "out of memory");
        d->idbs = n;
        d->cap_idbs = ncap;
    }
    d->idbs[d->n_idbs] = k;
    if (pcapng_idb(d, &k) < 0)
        return -1;
    d->last_idb = d->n_idbs;
    return (long)d->n_idbs++;
}

/* Seconds and fraction of a nanosecond timestamp, floored (pre-1970 stamps stay ordered). */
static void
split_ts(int64_t ts_ns, uint64_t *sec, uint32_t *ns)
{
    int64_t s = ts_ns / 1000000000;
    int64_t r = ts_ns % 1000000000;
    if (r < 0) {
        r += 1000000000;
        s -= 1;
    }
    *sec = (uint64_t)s;
    *ns = (uint32_t)r;
}

static int
write_pcap(struct cs_dumper *d, const struct cs_frame *f, uint32_t caplen)
{
    if (!d->started && pcap_header(d, f->linktype, f->ts_digits) < 0)
        return -1;
    if (f->linktype != d->linktype) {
        /* The frame is refused; the file stays valid and writable. */
        snprintf(d->errmsg, sizeof d->errmsg,
                 "frame with link type %u cannot go into a pcap file of link type %u "
                 "(write pcapng instead)",
                 f->linktype, d->linktype);
        return -1;
    }
    uint64_t sec;
    uint32_t ns;
    split_ts(f->ts_ns, &sec, &ns);
    uint8_t h[16];
    put32(h, 0, (uint32_t)sec);
    put32(h, 4, d->ts_digits == 9 ? ns : ns / 1000);
    put32(h, 8, caplen);
    put32(h, 12, f->len);
    if (out(d, h, sizeof h) < 0)
        return -1;
    return out(d, f->data, caplen);
}

static int
write_pcapng(struct cs_dumper *d, const struct cs_frame *f, uint32_t caplen, uint32_t snaplen)
{
    if (!d->started && pcapng_header(d) < 0)
        return -1;
    uint8_t digits = f->ts_digits == 9 ? 9 : 6;
    long id = idb_for(d, f->linktype, snaplen ? snaplen : header_snaplen(d), digits);
    if (id < 0)
        return -1;
    uint64_t sec;
    uint32_t ns;
    split_ts(f->ts_ns, &sec, &ns);
    uint64_t ts = sec * (digits == 9 ? UINT64_C(1000000000) : UINT64_C(1000000)) +
                  (digits == 9 ? ns : ns / 1000);
    uint32_t pad = (4 - (caplen & 3)) & 3;
    uint32_t total = 32 + caplen + pad;
    uint8_t h[28];
    put32(h, 0, 6);
    put32(h, 4, total);
    put32(h, 8, (uint32_t)id);
    put32(h, 12, (uint32_t)(ts >> 32));
    put32(h, 16, (uint32_t)ts);
    put32(h, 20, caplen);
    put32(h, 24, f->len);
    static const uint8_t zeros[4];
    uint8_t t[4];
    put32(t, 0, total);
    if (out(d, h, sizeof h) < 0 || out(d, f->data, caplen) < 0 || out(d, zeros, pad) < 0)
        return -1;
    return out(d, t, sizeof t);
}

int
cs_dumper_write_snap(struct cs_dumper *d, const struct cs_frame *f, uint32_t snaplen)
{
    if (d->failed)
        return -1;
    uint32_t caplen = f->caplen;
    if (d->snaplen && caplen > d->snaplen)
        caplen = d->snaplen;
    if (!f->data)
        caplen = 0;
    if (caplen > UINT32_MAX - 64)
        return fail(d, "frame too large");
    int ret =
        d->fmt == CS_CAPFMT_PCAP ? write_pcap(d, f, caplen) : write_pcapng(d, f, caplen, snaplen);
    if (ret < 0)
        return -1;
    d->count++;
    return d->flush_each ? flush_buf(d) : 0;
}

int
cs_dumper_write(struct cs_dumper *d, const struct cs_frame *f)
{
    return cs_dumper_write_snap(d, f, 0);
}

const char *
cs_dumper_error(const struct cs_dumper *d)
{
    return d->errmsg;
}

uint64_t
cs_dumper_count(const struct cs_dumper *d)
{
    return d->count;
}

int
cs_dumper_flush(struct cs_dumper *d)
{
    if (!d->started && !d->failed) {
        /* Nothing written: an empty but valid capture of the hinted link type. */
        if (d->fmt == CS_CAPFMT_PCAP)
            pcap_header(d, d->hint_linktype, d->hint_digits);
        else if (pcapng_header(d) == 0)
            idb_for(d, d->hint_linktype, header_snaplen(d), d->hint_digits);
    }
    return flush_buf(d);
}

int
cs_dumper_close(struct cs_dumper *d)
{
    if (!d)
        return 0;
    int ret = cs_dumper_flush(d);
    if (d->own_fd && close(d->fd) < 0)
        ret = -1;
    free(d->idbs);
    free(d);
    return ret;
}

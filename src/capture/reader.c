/* reader.c: input sources (memory, fd, gzip) and the pcap savefile format.
 *
 * Format: pcap-savefile(5) and draft-ietf-opsawg-pcap (LinkType low 16 bits; FCS bits above).
 * pcapng lives in pcapng.c.
 */
#include "cashark/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader_int.h"

#define STREAM_BUF_SIZE (256u * 1024u)  /* pipes: a record is delivered as soon as it is here */
#define FILE_BUF_SIZE   (1024u * 1024u) /* regular files read in large chunks */
#define ZIN_SIZE        (64u * 1024u)   /* compressed input chunk */
#define MAX_IFACES      (1u << 20)      /* pcapng interfaces per input */
#define MAXIMUM_SNAPLEN 262144u         /* libpcap's limit for most link types */

/* Larger limits libpcap allows for some link types (max_snaplen_for_dlt). */
static const struct {
    uint32_t linktype;
    uint32_t maxcap;
} big_snaplen[] = {
    {231, 128u * 1024u * 1024u}, /* DBUS */
    {279, 8u * 1024u * 1024u},   /* EBHSCR */
    {249, 1024u * 1024u},        /* USBPCAP */
    {0, 0},
};

/* pcap magic numbers as read little-endian, with what they mean. */
static const struct {
    uint32_t magic;
    uint8_t be;
    uint8_t ts_digits;
    uint8_t rec_hdr_len;
} pcap_magics[] = {
    {0xa1b2c3d4u, 0, 6, 16}, /* microseconds, little-endian */
    {0xd4c3b2a1u, 1, 6, 16}, /* microseconds, big-endian */
    {0xa1b23c4du, 0, 9, 16}, /* nanoseconds, little-endian */
    {0x4d3cb2a1u, 1, 9, 16}, /* nanoseconds, big-endian */
    {0xa1b2cd34u, 0, 6, 24}, /* Kuznetzov's modified pcap, little-endian */
    {0x34cdb2a1u, 1, 6, 24}, /* Kuznetzov's modified pcap, big-endian */
    {0, 0, 0, 0},
};

#define PCAPNG_MAGIC 0x0a0d0d0au

int
cs_capture_fail(struct cs_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    va_end(ap);
    r->state = CS_RD_ERR;
    return -1;
}

int
cs_capture_end(struct cs_reader *r)
{
    if (r->state == CS_RD_ERR)
        return -1;
    if (r->gz && !r->gz_end)
        return cs_capture_fail(r, "truncated gzip stream at byte offset %llu",
                               (unsigned long long)cs_capture_offset(r));
    r->state = CS_RD_END;
    return 0;
}

static uint32_t
max_caplen(uint32_t linktype, uint32_t snaplen)
{
    uint32_t m = MAXIMUM_SNAPLEN;
    for (size_t i = 0; big_snaplen[i].maxcap; i++)
        if (big_snaplen[i].linktype == linktype)
            m = big_snaplen[i].maxcap;
    /* A record longer than the snapshot length the file declares is damage, not data; a
     * snapshot length of 0 means "no limit" (pcapng), so the link type's maximum applies. */
    if (snaplen != 0)
        m = snaplen;
    return m > CS_READER_MAX_CAPLEN ? CS_READER_MAX_CAPLEN : m;
}

long
cs_capture_add_iface(struct cs_reader *r, uint32_t linktype, uint32_t snaplen, int pow2,
                     unsigned exp, int64_t tsoffset_s)
{
    if (r->n_ifs == r->cap_ifs) {
        if (r->n_ifs >= MAX_IFACES) {
            cs_capture_fail(r, "more than %u interfaces", MAX_IFACES);
            return -1;
        }
        size_t ncap = r->cap_ifs ? r->cap_ifs * 2 : 4;
        struct cs_rd_iface *n = realloc(r->ifs, ncap * sizeof *n);
        if (!n) {
            cs_capture_fail(r, "out of memory");
            return -1;
        }
        r->ifs = n;
        r->cap_ifs = ncap;
    }
    struct cs_rd_iface *ifc = &r->ifs[r->n_ifs];
    memset(ifc, 0, sizeof *ifc);
    ifc->pub.linktype = linktype;
    ifc->pub.snaplen = snaplen;
    ifc->maxcap = max_caplen(linktype, snaplen);
    ifc->ts_mul = 1;
    ifc->ts_div = 1;
    ifc->ts_shift = 0xff;
    if (pow2) {
        ifc->ts_shift = (uint8_t)(exp > 200 ? 200 : exp);
        ifc->pub.ts_digits = exp <= 19 ? 6 : 9; /* 2^-19 s is still coarser than 2 us */
    } else {
        ifc->pub.ts_digits = exp <= 6 ? 6 : 9;
        if (exp <= 9) {
            for (unsigned i = exp; i < 9; i++)
                ifc->ts_mul *= 10;
        } else if (exp - 9 <= 19) {
            for (unsigned i = 9; i < exp; i++)
                ifc->ts_div *= 10;
        } else {
            ifc->ts_mul = 0; /* units far below a nanosecond: every stamp is 0 s */
        }
    }
    ifc->ts_off_ns = (uint64_t)tsoffset_s * UINT64_C(1000000000);
    return (long)r->n_ifs++;
}

/* --- sources ------------------------------------------------------------------------------ */

/* Moves the unread bytes to the front of the owned buffer and grows it to hold n bytes. */
static int
compact(struct cs_reader *r, size_t n)
{
    size_t have = r->end - r->pos;
    if (r->pos) {
        memmove(r->buf, &r->buf[r->pos], have);
        r->base_off += r->pos;
        r->pos = 0;
        r->end = have;
    }
    if (n > r->cap) {
        if (n > CS_READER_MAX_BLOCK + 64) {
            cs_capture_fail(r, "record of %zu bytes is too large", n);
            return -1;
        }
        size_t ncap = r->cap;
        while (ncap < n)
            ncap *= 2;
        uint8_t *nb = realloc(r->buf, ncap);
        if (!nb) {
            cs_capture_fail(r, "out of memory for a record of %zu bytes", n);
            return -1;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    r->win = r->buf;
    return 0;
}

/* Reads what is there (at least one byte unless at end), never waiting for more. */
static ssize_t
read_some(struct cs_reader *r, uint8_t *dst, size_t room)
{
    for (;;) {
        ssize_t k = read(r->fd, dst, room);
        if (k >= 0)
            return k;
        if (errno == EINTR) {
            if (r->interrupt && *r->interrupt) {
                cs_capture_fail(r, "interrupted at byte offset %llu",
                                (unsigned long long)(r->base_off + r->end));
                return -1;
            }
            continue;
        }
        cs_capture_fail(r, "read error at byte offset %llu: %s",
                        (unsigned long long)(r->base_off + r->end), strerror(errno));
        return -1;
    }
}

static size_t
refill_plain(struct cs_reader *r, size_t n)
{
    while (r->end - r->pos < n && !r->src_eof) {
        ssize_t k = read_some(r, &r->buf[r->end], r->cap - r->end);
        if (k < 0)
            break;
        if (k == 0)
            r->src_eof = 1;
        r->end += (size_t)k;
    }
    return r->end - r->pos;
}

static size_t
refill_gz(struct cs_reader *r, size_t n)
{
    while (r->end - r->pos < n) {
        if (r->z.avail_in == 0 && !r->src_eof) {
            if (r->fd < 0) {
                /* Memory: hand zlib the next piece of it (avail_in is 32 bits). */
                struct cs_cursor c = cs_cursor_make(r->raw, r->raw_len);
                cs_cursor_skip(&c, r->raw_fed);
                size_t left;
                r->z.next_in = cs_cursor_span(&c, &left);
                r->z.avail_in = (uInt)(left > (1u << 30) ? (1u << 30) : left);
                r->raw_fed += r->z.avail_in;
                r->src_eof = r->raw_fed == r->raw_len;
                continue;
            }
            ssize_t k = read_some(r, r->zin, r->zin_cap);
            if (k < 0)
                break;
            if (k == 0)
                r->src_eof = 1;
            r->z.next_in = r->zin;
            r->z.avail_in = (uInt)k;
            continue;
        }
        if (r->gz_end) {
            if (r->z.avail_in == 0)
                break;           /* the last member ended with the input */
            inflateReset(&r->z); /* another member follows */
            r->gz_end = 0;
        }
        r->z.next_out = &r->buf[r->end];
        r->z.avail_out = (uInt)(r->cap - r->end);
        int ret = inflate(&r->z, Z_NO_FLUSH);
        r->end = r->cap - r->z.avail_out;
        if (ret == Z_STREAM_END) {
            r->gz_end = 1;
        } else if (ret == Z_BUF_ERROR) {
            if (r->z.avail_in == 0 && r->src_eof)
                break; /* input ended inside a member */
        } else if (ret != Z_OK) {
            cs_capture_fail(r, "gzip data error at byte offset %llu: %s",
                            (unsigned long long)(r->base_off + r->end),
                            r->z.msg ? r->z.msg : "inflate failed");
            break;
        }
    }
    return r->end - r->pos;
}

size_t
cs_capture_refill(struct cs_reader *r, size_t n)
{
    if (r->state == CS_RD_ERR || !r->buf) /* plain memory: what is there is all there is */
        return r->end - r->pos;
    if (r->cap - r->pos < n || r->end == r->cap) {
        if (compact(r, n) < 0)
            return r->end - r->pos;
    }
    return r->gz ? refill_gz(r, n) : refill_plain(r, n);
}

/* --- opening ----------------------------------------------------------------------------- */

static struct cs_reader *
reader_new(const char *name, char *err, size_t errlen)
{
    struct cs_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->fd = -1;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "");
    return r;
}

static int
alloc_buf(struct cs_reader *r, size_t size)
{
    r->buf = malloc(size);
    if (!r->buf)
        return -1;
    r->cap = size;
    r->win = r->buf;
    return 0;
}

/* Switches to decompression when the input starts with the gzip magic. */
static int
detect_gzip(struct cs_reader *r)
{
    size_t have = cs_capture_need(r, 2);
    struct cs_cursor c = cs_capture_window(r);
    if (have < 2 || cs_cursor_u8(&c) != 0x1f || cs_cursor_u8(&c) != 0x8b)
        return 0;
    if (inflateInit2(&r->z, 15 + 32) != Z_OK)
        return cs_capture_fail(r, "cannot initialise zlib");
    r->gz = 1;
    if (r->fd < 0) {
        /* Memory: inflate straight from it, fed in pieces by refill_gz. */
        r->raw_fed = 0;
        r->src_eof = 0;
        if (!r->buf && alloc_buf(r, FILE_BUF_SIZE) < 0)
            return cs_capture_fail(r, "out of memory");
    } else {
        /* The bytes read so far are compressed input. */
        r->zin_cap = ZIN_SIZE > r->end ? ZIN_SIZE : r->end;
        r->zin = malloc(r->zin_cap);
        if (!r->zin)
            return cs_capture_fail(r, "out of memory");
        memcpy(r->zin, r->buf, r->end);
        r->z.next_in = r->zin;
        r->z.avail_in = (uInt)r->end;
        if (r->cap < FILE_BUF_SIZE) {
            uint8_t *nb = realloc(r->buf, FILE_BUF_SIZE);
            if (!nb)
                return cs_capture_fail(r, "out of memory");
            r->buf = nb;
            r->cap = FILE_BUF_SIZE;
        }
    }
    r->win = r->buf;
    r->pos = r->end = 0;
    r->base_off = 0;
    return 0;
}

static int
pcap_open(struct cs_reader *r, size_t magic_idx)
{
    r->fmt = CS_CAPFMT_PCAP;
    r->be = pcap_magics[magic_idx].be;
    r->rec_hdr_len = pcap_magics[magic_idx].rec_hdr_len;
    size_t have = cs_capture_need(r, 24);
    if (have < 24)
        return cs_capture_fail(r, "truncated pcap file header (%zu of 24 bytes)", have);
    struct cs_cursor c = cs_capture_window(r);
    cs_cursor_skip(&c, 4);
    unsigned major = r->be ? cs_cursor_be16(&c) : cs_cursor_le16(&c);
    unsigned minor = r->be ? cs_cursor_be16(&c) : cs_cursor_le16(&c);
    cs_cursor_skip(&c, 8); /* thiszone, sigfigs: always 0 in practice */
    uint32_t snaplen = r->be ? cs_cursor_be32(&c) : cs_cursor_le32(&c);
    uint32_t ltfield = r->be ? cs_cursor_be32(&c) : cs_cursor_le32(&c);
    if (major != 2 || minor > 4)
        return cs_capture_fail(r, "unsupported pcap version %u.%u", major, minor);
    r->swap_lens = minor < 3 ? 1 : minor == 3 ? 2 : 0;
    if (cs_capture_add_iface(r, ltfield & 0xffffu, snaplen, 0, pcap_magics[magic_idx].ts_digits,
                             0) < 0)
        return -1;
    r->pos += 24;
    return 0;
}

static int
reader_start(struct cs_reader *r)
{
    if (detect_gzip(r) < 0)
        return -1;
    size_t have = cs_capture_need(r, 4);
    if (r->state == CS_RD_ERR)
        return -1;
    if (have == 0)
        return cs_capture_fail(r, "empty file");
    if (have < 4)
        return cs_capture_fail(r, "not a pcap or pcapng file (only %zu bytes)", have);
    struct cs_cursor c = cs_capture_window(r);
    uint32_t magic = cs_cursor_le32(&c);
    if (magic == PCAPNG_MAGIC)
        return cs_pcapng_open(r);
    for (size_t i = 0; pcap_magics[i].magic; i++)
        if (pcap_magics[i].magic == magic)
            return pcap_open(r, i);
    struct cs_cursor b = cs_capture_window(r);
    return cs_capture_fail(r, "not a pcap or pcapng file (magic 0x%08x)", cs_cursor_be32(&b));
}

static struct cs_reader *
reader_finish(struct cs_reader *r, char *err, size_t errlen)
{
    if (reader_start(r) < 0) {
        snprintf(err, errlen, "%s", r->errmsg);
        cs_reader_close(r);
        return NULL;
    }
    return r;
}

struct cs_reader *
cs_reader_open_mem(const void *buf, size_t len, const char *name, char *err, size_t errlen)
{
    struct cs_reader *r = reader_new(name, err, errlen);
    if (!r)
        return NULL;
    r->raw = buf;
    r->raw_len = buf ? len : 0;
    r->win = r->raw;
    r->end = r->raw_len;
    r->src_eof = 1;
    return reader_finish(r, err, errlen);
}

static struct cs_reader *
open_fd_common(int fd, int own, const char *name, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (own)
            close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s", strerror(EISDIR));
        if (own)
            close(fd);
        return NULL;
    }
    struct cs_reader *r = reader_new(name, err, errlen);
    if (!r) {
        if (own)
            close(fd);
        return NULL;
    }
    r->fd = fd;
    r->own_fd = own;
    r->is_stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
    /* Regular files too are read(2) in large chunks, not mmap'd: the page faults of a mapping
     * cost more than the copy (measured: --count 1.47x the libpcap floor mapped, 1.18x read),
     * and a file cut while it is read cannot raise SIGBUS. */
    if (alloc_buf(r, r->is_stream ? STREAM_BUF_SIZE : FILE_BUF_SIZE) < 0) {
        snprintf(err, errlen, "out of memory");
        cs_reader_close(r);
        return NULL;
    }
    return reader_finish(r, err, errlen);
}

struct cs_reader *
cs_reader_open_fd(int fd, const char *name, char *err, size_t errlen)
{
    return open_fd_common(fd, 0, name, err, errlen);
}

struct cs_reader *
cs_reader_open_path(const char *path, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return open_fd_common(0, 0, "-", err, errlen);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    return open_fd_common(fd, 1, path, err, errlen);
}

/* --- pcap records ---------------------------------------------------------------------- */

static int
pcap_next(struct cs_reader *r, struct cs_frame *f)
{
    size_t hl = r->rec_hdr_len;
    size_t have = cs_capture_need(r, hl);
    if (have < hl) {
        if (r->state == CS_RD_ERR)
            return -1;
        if (have == 0)
            return cs_capture_end(r);
        return cs_capture_fail(
            r, "truncated record %llu at byte offset %llu: header has %zu of %zu bytes",
            (unsigned long long)r->records + 1, (unsigned long long)cs_capture_offset(r), have, hl);
    }
    struct cs_cursor c = cs_capture_window(r);
    uint32_t sec, frac, caplen, len;
    if (r->be) {
        sec = cs_cursor_be32(&c);
        frac = cs_cursor_be32(&c);
        caplen = cs_cursor_be32(&c);
        len = cs_cursor_be32(&c);
    } else {
        sec = cs_cursor_le32(&c);
        frac = cs_cursor_le32(&c);
        caplen = cs_cursor_le32(&c);
        len = cs_cursor_le32(&c);
    }
    if (r->swap_lens && (r->swap_lens == 1 || caplen > len)) {
        uint32_t t = caplen;
        caplen = len;
        len = t;
    }
    const struct cs_rd_iface *ifc = &r->ifs[0];
    if (caplen > ifc->maxcap)
        return cs_capture_fail(
            r, "record %llu at byte offset %llu: capture length %u is larger than the %s %u",
            (unsigned long long)r->records + 1, (unsigned long long)cs_capture_offset(r), caplen,
            ifc->pub.snaplen && ifc->pub.snaplen <= CS_READER_MAX_CAPLEN ? "snapshot length"
                                                                         : "maximum",
            ifc->maxcap);
    if (have < hl + caplen) {
        have = cs_capture_need(r, hl + caplen);
        if (have < hl + caplen) {
            if (r->state == CS_RD_ERR)
                return -1;
            return cs_capture_fail(r,
                                   "truncated record %llu at byte offset %llu: %u captured bytes "
                                   "announced, %zu present",
                                   (unsigned long long)r->records + 1,
                                   (unsigned long long)cs_capture_offset(r), caplen, have - hl);
        }
        c = cs_capture_window(r); /* the buffer may have moved: skip the header again */
        cs_cursor_skip(&c, 16);
    }
    cs_cursor_skip(&c, hl - 16);
    size_t n;
    f->data = cs_cursor_span(&c, &n);
    f->ts_ns = (int64_t)((uint64_t)sec * UINT64_C(1000000000) + (uint64_t)frac * ifc->ts_mul);
    f->ts_digits = ifc->pub.ts_digits;
    f->caplen = caplen;
    f->len = len;
    f->linktype = ifc->pub.linktype;
    f->iface = 0;
    r->pos += hl + caplen;
    r->records++;
    return 1;
}

/* --- public accessors ------------------------------------------------------------------- */

int
cs_reader_next(struct cs_reader *r, struct cs_frame *f)
{
    if (r->state != CS_RD_OK)
        return r->state == CS_RD_END ? 0 : -1;
    return r->fmt == CS_CAPFMT_PCAP ? pcap_next(r, f) : cs_pcapng_next(r, f);
}

void
cs_reader_set_interrupt(struct cs_reader *r, const volatile sig_atomic_t *flag)
{
    r->interrupt = flag;
}

const char *
cs_reader_error(const struct cs_reader *r)
{
    return r->state == CS_RD_ERR ? r->errmsg : "";
}

const char *
cs_reader_name(const struct cs_reader *r)
{
    return r->name;
}

int
cs_reader_is_stream(const struct cs_reader *r)
{
    return r->is_stream;
}

int
cs_reader_is_gzip(const struct cs_reader *r)
{
    return r->gz;
}

enum cs_capfmt
cs_reader_format(const struct cs_reader *r)
{
    return r->fmt;
}

size_t
cs_reader_n_ifaces(const struct cs_reader *r)
{
    return r->n_ifs;
}

const struct cs_iface *
cs_reader_iface(const struct cs_reader *r, size_t i)
{
    return i < r->n_ifs ? &r->ifs[i].pub : NULL;
}

uint64_t
cs_reader_records(const struct cs_reader *r)
{
    return r->records;
}

uint64_t
cs_reader_offset(const struct cs_reader *r)
{
    return cs_capture_offset(r);
}

void
cs_reader_close(struct cs_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        inflateEnd(&r->z);
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    free(r->zin);
    free(r->buf);
    free(r->ifs);
    free(r);
}

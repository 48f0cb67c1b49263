/* pcapng.c: the pcapng block reader (sections, interfaces, EPB/SPB/PB; other blocks skipped).
 *
 * Format: draft-ietf-opsawg-pcapng (PCAP Now Generic). Each section has its own byte order and
 * its own interface numbering; cashark numbers interfaces across the whole input.
 */
#include <stdint.h>
#include <string.h>

#include "reader_int.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_PB  0x00000002u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u

#define BOM_NATIVE 0x1a2b3c4du

#define OPT_ENDOFOPT    0
#define OPT_IF_TSRESOL  9
#define OPT_IF_TSOFFSET 14

/* A block handler gets the body (between the length fields) and returns 1 with a frame, 0 to
 * go on, -1 on error. off is the block's byte offset. */
typedef int (*block_fn)(struct cs_reader *r, struct cs_cursor *body, uint64_t off,
                        struct cs_frame *f);

static int shb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f);
static int idb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f);
static int epb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f);
static int pb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f);
static int spb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f);

static const struct {
    uint32_t type;
    const char *name;
    uint32_t min_body; /* bytes of fixed fields between the two length fields */
    block_fn fn;
} block_types[] = {
    {BT_SHB, "section header block", 16, shb_block},
    {BT_IDB, "interface description block", 8, idb_block},
    {BT_EPB, "enhanced packet block", 20, epb_block},
    {BT_SPB, "simple packet block", 4, spb_block},
    {BT_PB, "packet block", 20, pb_block},
    {0, NULL, 0, NULL},
};

static uint32_t
rd32(const struct cs_reader *r, struct cs_cursor *c)
{
    return r->be ? cs_cursor_be32(c) : cs_cursor_le32(c);
}

static uint16_t
rd16(const struct cs_reader *r, struct cs_cursor *c)
{
    return r->be ? cs_cursor_be16(c) : cs_cursor_le16(c);
}

static uint64_t
rd64(const struct cs_reader *r, struct cs_cursor *c)
{
    return r->be ? cs_cursor_be64(c) : cs_cursor_le64(c);
}

static unsigned long long
recno(const struct cs_reader *r)
{
    return (unsigned long long)r->records + 1;
}

static int
shb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f)
{
    (void)f;
    cs_cursor_skip(body, 4); /* byte-order magic: already applied */
    unsigned major = rd16(r, body);
    unsigned minor = rd16(r, body);
    if (major != 1 || minor > 2)
        return cs_capture_fail(r,
                               "record %llu at byte offset %llu: unsupported pcapng version %u.%u",
                               recno(r), (unsigned long long)off, major, minor);
    r->sect_base = r->n_ifs; /* interface ids restart with each section */
    return 0;
}

static int
idb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f)
{
    (void)f;
    uint32_t linktype = rd16(r, body);
    cs_cursor_skip(body, 2);
    uint32_t snaplen = rd32(r, body);
    int pow2 = 0;
    unsigned exp = 6;
    int64_t tsoff = 0;
    while (cs_cursor_remaining(body) >= 4) {
        unsigned code = rd16(r, body);
        unsigned olen = rd16(r, body);
        if (code == OPT_ENDOFOPT)
            break;
        struct cs_cursor v = cs_cursor_sub(body, (olen + 3u) & ~3u);
        if (cs_cursor_failed(body))
            return cs_capture_fail(r,
                                   "record %llu at byte offset %llu: interface description block "
                                   "option %u overruns the block",
                                   recno(r), (unsigned long long)off, code);
        if (code == OPT_IF_TSRESOL && olen >= 1) {
            unsigned res = cs_cursor_u8(&v);
            pow2 = (res & 0x80u) != 0;
            exp = res & 0x7fu;
        } else if (code == OPT_IF_TSOFFSET && olen >= 8) {
            tsoff = (int64_t)rd64(r, &v);
        }
    }
    return cs_capture_add_iface(r, linktype, snaplen, pow2, exp, tsoff) < 0 ? -1 : 0;
}

/* The section's interface id, or NULL after recording an error. */
static const struct cs_rd_iface *
section_iface(struct cs_reader *r, uint32_t id, uint64_t off, const char *what)
{
    if (id >= r->n_ifs - r->sect_base) {
        cs_capture_fail(r,
                        "record %llu at byte offset %llu: %s on interface %u, which no interface "
                        "description block declared",
                        recno(r), (unsigned long long)off, what, id);
        return NULL;
    }
    return &r->ifs[r->sect_base + id];
}

/* Fills f from the body positioned at the packet data. */
static int
emit(struct cs_reader *r, struct cs_cursor *body, uint64_t off, const struct cs_rd_iface *ifc,
     uint32_t caplen, uint32_t len, const char *what, struct cs_frame *f)
{
    if (caplen > cs_cursor_remaining(body))
        return cs_capture_fail(
            r,
            "record %llu at byte offset %llu: capture length %u exceeds the %s (%zu bytes of room)",
            recno(r), (unsigned long long)off, caplen, what, cs_cursor_remaining(body));
    if (caplen > ifc->maxcap)
        return cs_capture_fail(
            r, "record %llu at byte offset %llu: capture length %u is larger than the %s %u",
            recno(r), (unsigned long long)off, caplen,
            ifc->pub.snaplen && ifc->pub.snaplen <= CS_READER_MAX_CAPLEN ? "snapshot length"
                                                                         : "maximum",
            ifc->maxcap);
    size_t n;
    f->data = cs_cursor_span(body, &n);
    f->caplen = caplen;
    f->len = len;
    f->linktype = ifc->pub.linktype;
    f->ts_digits = ifc->pub.ts_digits;
    f->iface = (uint32_t)(ifc - r->ifs);
    return 1;
}

static int
epb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f)
{
    uint32_t id = rd32(r, body);
    uint64_t hi = rd32(r, body);
    uint64_t lo = rd32(r, body);
    uint32_t caplen = rd32(r, body);
    uint32_t len = rd32(r, body);
    const struct cs_rd_iface *ifc = section_iface(r, id, off, "enhanced packet block");
    if (!ifc)
        return -1;
    f->ts_ns = cs_capture_ts(ifc, hi << 32 | lo);
    return emit(r, body, off, ifc, caplen, len, "enhanced packet block", f);
}

static int
pb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f)
{
    uint32_t id = rd16(r, body);
    cs_cursor_skip(body, 2); /* drops count */
    uint64_t hi = rd32(r, body);
    uint64_t lo = rd32(r, body);
    uint32_t caplen = rd32(r, body);
    uint32_t len = rd32(r, body);
    const struct cs_rd_iface *ifc = section_iface(r, id, off, "packet block");
    if (!ifc)
        return -1;
    f->ts_ns = cs_capture_ts(ifc, hi << 32 | lo);
    return emit(r, body, off, ifc, caplen, len, "packet block", f);
}

static int
spb_block(struct cs_reader *r, struct cs_cursor *body, uint64_t off, struct cs_frame *f)
{
    uint32_t len = rd32(r, body);
    const struct cs_rd_iface *ifc = section_iface(r, 0, off, "simple packet block");
    if (!ifc)
        return -1;
    /* No caplen field: the packet fills the block up to the snapshot length. */
    size_t room = cs_cursor_remaining(body);
    uint32_t caplen = len;
    if (ifc->pub.snaplen && caplen > ifc->pub.snaplen)
        caplen = ifc->pub.snaplen;
    if (caplen > room)
        caplen = (uint32_t)room;
    f->ts_ns = 0; /* an SPB has no timestamp */
    return emit(r, body, off, ifc, caplen, len, "simple packet block", f);
}

static const char *
block_name(uint32_t type)
{
    for (size_t i = 0; block_types[i].name; i++)
        if (block_types[i].type == type)
            return block_types[i].name;
    return "block";
}

/* Reads one block: 1 frame, 0 a block without a packet, 2 clean end, -1 error. */
static int
one_block(struct cs_reader *r, struct cs_frame *f)
{
    uint64_t off = cs_capture_offset(r);
    size_t have = cs_capture_need(r, 8);
    if (have < 8) {
        if (r->state == CS_RD_ERR)
            return -1;
        if (have == 0)
            return cs_capture_end(r) < 0 ? -1 : 2;
        return cs_capture_fail(
            r, "truncated record %llu at byte offset %llu: block header has %zu of 8 bytes",
            recno(r), (unsigned long long)off, have);
    }
    struct cs_cursor c = cs_capture_window(r);
    uint32_t type = rd32(r, &c);
    if (type == BT_SHB) {
        /* A new section brings its own byte order, given by the magic after the length. */
        have = cs_capture_need(r, 12);
        if (have < 12) {
            if (r->state == CS_RD_ERR)
                return -1;
            return cs_capture_fail(r,
                                   "truncated record %llu at byte offset %llu: section header "
                                   "block has %zu of 28 bytes",
                                   recno(r), (unsigned long long)off, have);
        }
        c = cs_capture_window(r);
        cs_cursor_skip(&c, 8);
        uint32_t bom = cs_cursor_le32(&c);
        if (bom == BOM_NATIVE)
            r->be = 0;
        else if (bom == 0x4d3c2b1au)
            r->be = 1;
        else
            return cs_capture_fail(
                r, "record %llu at byte offset %llu: bad pcapng byte-order magic 0x%08x", recno(r),
                (unsigned long long)off, bom);
        c = cs_capture_window(r);
        cs_cursor_skip(&c, 4);
    }
    uint32_t blen = rd32(r, &c);
    if (blen < 12 || blen % 4 || blen > CS_READER_MAX_BLOCK) {
        const char *why = blen < 12  ? "is less than 12"
                          : blen % 4 ? "is not a multiple of 4"
                                     : "is too large";
        return cs_capture_fail(r, "record %llu at byte offset %llu: %s length %u %s", recno(r),
                               (unsigned long long)off, block_name(type), blen, why);
    }
    if (have < blen) {
        have = cs_capture_need(r, blen);
        if (have < blen) {
            if (r->state == CS_RD_ERR)
                return -1;
            return cs_capture_fail(
                r, "truncated record %llu at byte offset %llu: %s has %zu of %u bytes", recno(r),
                (unsigned long long)off, block_name(type), have, blen);
        }
    }
    c = cs_capture_window(r);
    cs_cursor_skip(&c, 8);
    struct cs_cursor body = cs_cursor_sub(&c, blen - 12);
    uint32_t trail = rd32(r, &c);
    if (trail != blen)
        return cs_capture_fail(
            r,
            "record %llu at byte offset %llu: %s trailing length %u does not match its length %u",
            recno(r), (unsigned long long)off, block_name(type), trail, blen);
    int ret = 0;
    for (size_t i = 0; block_types[i].name; i++) {
        if (block_types[i].type != type)
            continue;
        if (blen - 12 < block_types[i].min_body)
            return cs_capture_fail(r, "record %llu at byte offset %llu: %s length %u is too short",
                                   recno(r), (unsigned long long)off, block_types[i].name, blen);
        ret = block_types[i].fn(r, &body, off, f);
        break;
    }
    if (ret < 0)
        return -1;
    r->pos += blen;
    if (ret == 1)
        r->records++;
    return ret;
}

int
cs_pcapng_open(struct cs_reader *r)
{
    r->fmt = CS_CAPFMT_PCAPNG;
    return one_block(r, NULL) < 0 ? -1 : 0;
}

int
cs_pcapng_next(struct cs_reader *r, struct cs_frame *f)
{
    for (;;) {
        int ret = one_block(r, f);
        if (ret == 0)
            continue;
        return ret == 2 ? 0 : ret;
    }
}

/* option.c: MPTCP option decoding, one parser per subtype (RFC 8684 section 3, RFC 6824 for
 * version 0; lengths as tcpdump's print-mptcp.c accepts them). */
#include "cashark/mptcp.h"

#include <string.h>

static const char *const anomaly_names[CS_MPTCP_ANOM__COUNT] = {
    [CS_MPTCP_OK] = "",
    [CS_MPTCP_BAD_CAPABLE_LEN] = "mptcp.capable_len_invalid",
    [CS_MPTCP_BAD_VERSION] = "mptcp.capable_version_unknown",
    [CS_MPTCP_BAD_JOIN_LEN] = "mptcp.join_len_invalid",
    [CS_MPTCP_BAD_DSS_LEN] = "mptcp.dss_len_invalid",
    [CS_MPTCP_BAD_ADD_ADDR_LEN] = "mptcp.add_addr_len_invalid",
    [CS_MPTCP_BAD_RM_ADDR_LEN] = "mptcp.remove_addr_len_invalid",
    [CS_MPTCP_BAD_PRIO_LEN] = "mptcp.prio_len_invalid",
    [CS_MPTCP_BAD_FAIL_LEN] = "mptcp.fail_len_invalid",
    [CS_MPTCP_BAD_FASTCLOSE_LEN] = "mptcp.fastclose_len_invalid",
    [CS_MPTCP_BAD_TCPRST_LEN] = "mptcp.tcprst_len_invalid",
    [CS_MPTCP_BAD_SHORT] = "mptcp.short",
};

static const char *const subtype_names[] = {
    [CS_MPTCP_CAPABLE] = "MP_CAPABLE",
    [CS_MPTCP_JOIN] = "MP_JOIN",
    [CS_MPTCP_DSS] = "DSS",
    [CS_MPTCP_ADD_ADDR] = "ADD_ADDR",
    [CS_MPTCP_REMOVE_ADDR] = "REMOVE_ADDR",
    [CS_MPTCP_PRIO] = "MP_PRIO",
    [CS_MPTCP_FAIL] = "MP_FAIL",
    [CS_MPTCP_FASTCLOSE] = "MP_FASTCLOSE",
    [CS_MPTCP_TCPRST] = "MP_TCPRST",
    [CS_MPTCP_UNKNOWN] = "MP_UNKNOWN",
};

const char *
cs_mptcp_anomaly_name(enum cs_mptcp_anomaly a)
{
    return (unsigned)a < CS_MPTCP_ANOM__COUNT ? anomaly_names[a] : "mptcp.unknown";
}

const char *
cs_mptcp_subtype_name(enum cs_mptcp_subtype s)
{
    return (unsigned)s <= CS_MPTCP_UNKNOWN ? subtype_names[s] : subtype_names[CS_MPTCP_UNKNOWN];
}

/* Each parser gets the cursor after the subtype byte's position: byte 2 (subtype and nibble)
 * has been read into `b2`. Returns an anomaly. */
typedef enum cs_mptcp_anomaly parse_fn(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o);

/* MP_CAPABLE: 4 or 12 on a SYN, 20/22/24 on a non-SYN ACK (RFC 8684 3.1). */
static enum cs_mptcp_anomaly
parse_capable(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    uint8_t len = o->len;
    int syn_ok = (len == 4 || len == 12) && o->tcp_flags_syn;
    int ack_ok = (len == 20 || len == 22 || len == 24) && !o->tcp_flags_syn && o->tcp_flags_ack;
    if (!syn_ok && !ack_ok)
        return CS_MPTCP_BAD_CAPABLE_LEN;
    o->version = b2 & 0x0f;
    o->flags = cs_cursor_u8(c);
    if (o->version > 1)
        return CS_MPTCP_BAD_VERSION;
    if (len >= 12)
        o->key[o->n_keys++] = cs_cursor_be64(c);
    if (len >= 20)
        o->key[o->n_keys++] = cs_cursor_be64(c);
    if (len >= 22) {
        o->dll = cs_cursor_be16(c);
        o->has_dll = 1;
    }
    if (len == 24) {
        o->csum = cs_cursor_be16(c);
        o->has_csum = 1;
    }
    return CS_MPTCP_OK;
}

/* MP_JOIN: SYN 12, SYN/ACK 16, third ACK 24 (RFC 8684 3.2). */
static enum cs_mptcp_anomaly
parse_join(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    if (o->len != 12 && o->len != 16 && o->len != 24)
        return CS_MPTCP_BAD_JOIN_LEN;
    o->backup = b2 & 0x01;
    o->flags = b2 & 0x0f;
    uint8_t id = cs_cursor_u8(c);
    if (o->len == 12) {
        o->addr_id = id;
        o->has_addr_id = 1;
        o->token = cs_cursor_be32(c);
        o->has_token = 1;
        o->nonce = cs_cursor_be32(c);
        o->has_nonce = 1;
    } else if (o->len == 16) {
        o->addr_id = id;
        o->has_addr_id = 1;
        cs_cursor_bytes(c, o->hmac, 8);
        o->hmac_len = 8;
        o->nonce = cs_cursor_be32(c);
        o->has_nonce = 1;
    } else {
        cs_cursor_bytes(c, o->hmac, 20);
        o->hmac_len = 20;
    }
    return CS_MPTCP_OK;
}

/* DSS: the flag bits say which parts follow; the checksum is there only when negotiated, so 2
 * spare bytes after a mapping are taken as one (RFC 8684 3.3). */
static enum cs_mptcp_anomaly
parse_dss(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    (void)b2;
    if (o->len < 4)
        return CS_MPTCP_BAD_DSS_LEN;
    uint8_t fl = cs_cursor_u8(c);
    o->flags = fl;
    size_t left = (size_t)o->len - 4;
    if (fl & CS_DSS_A) {
        size_t n = fl & CS_DSS_A8 ? 8 : 4;
        if (left < n)
            return CS_MPTCP_BAD_DSS_LEN;
        o->dack = n == 8 ? cs_cursor_be64(c) : cs_cursor_be32(c);
        o->dack_len = (uint8_t)n;
        left -= n;
    }
    if (fl & CS_DSS_M) {
        size_t n = fl & CS_DSS_M8 ? 8 : 4;
        if (left < n + 6)
            return CS_MPTCP_BAD_DSS_LEN;
        o->dsn = n == 8 ? cs_cursor_be64(c) : cs_cursor_be32(c);
        o->dsn_len = (uint8_t)n;
        o->ssn = cs_cursor_be32(c);
        o->dll = cs_cursor_be16(c);
        o->has_dll = 1;
        left -= n + 6;
        if (left >= 2) {
            o->csum = cs_cursor_be16(c);
            o->has_csum = 1;
            left -= 2;
        }
    }
    return left == 0 ? CS_MPTCP_OK : CS_MPTCP_BAD_DSS_LEN;
}

/* ADD_ADDR: the address family and the optional port and HMAC follow from the length; the low
 * nibble is IPVer in v0 (4, 6) and the echo bit in v1 (RFC 8684 3.4.1, RFC 6824 3.4.1). */
static enum cs_mptcp_anomaly
parse_add_addr(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    static const uint8_t v4_lens[] = {8, 10, 16, 18};
    static const uint8_t v6_lens[] = {20, 22, 28, 30};
    int v6 = memchr(v6_lens, o->len, sizeof v6_lens) != NULL;
    if (!v6 && !memchr(v4_lens, o->len, sizeof v4_lens))
        return CS_MPTCP_BAD_ADD_ADDR_LEN;
    uint8_t nib = b2 & 0x0f;
    o->flags = nib;
    o->version = nib >= 4 ? 0 : 1;
    o->echo = nib == 1;
    o->ipver = v6 ? 6 : 4;
    o->addr_id = cs_cursor_u8(c);
    o->has_addr_id = 1;
    o->addr.family = o->ipver;
    cs_cursor_bytes(c, o->addr.a, v6 ? 16 : 4);
    uint8_t rest = (uint8_t)(o->len - (v6 ? 20 : 8)); /* 0, 2, 8 or 10 */
    if (rest == 2 || rest == 10) {
        o->port = cs_cursor_be16(c);
        o->has_port = 1;
    }
    if (rest >= 8) {
        cs_cursor_bytes(c, o->hmac, 8);
        o->hmac_len = 8;
    }
    return CS_MPTCP_OK;
}

static enum cs_mptcp_anomaly
parse_remove_addr(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    (void)b2;
    if (o->len < 4)
        return CS_MPTCP_BAD_RM_ADDR_LEN;
    size_t n = (size_t)o->len - 3;
    if (n > CS_MPTCP_MAX_RM_IDS)
        n = CS_MPTCP_MAX_RM_IDS;
    cs_cursor_bytes(c, o->rm_ids, n);
    o->n_rm = (uint8_t)n;
    return CS_MPTCP_OK;
}

/* MP_PRIO: 3 (v1), or 4 with an address id (v0). */
static enum cs_mptcp_anomaly
parse_prio(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    if (o->len != 3 && o->len != 4)
        return CS_MPTCP_BAD_PRIO_LEN;
    o->backup = b2 & 0x01;
    o->flags = b2 & 0x0f;
    if (o->len == 4) {
        o->addr_id = cs_cursor_u8(c);
        o->has_addr_id = 1;
    }
    return CS_MPTCP_OK;
}

static enum cs_mptcp_anomaly
parse_fail(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    (void)b2;
    if (o->len != 12)
        return CS_MPTCP_BAD_FAIL_LEN;
    cs_cursor_skip(c, 1);
    o->dsn = cs_cursor_be64(c);
    o->dsn_len = 8;
    return CS_MPTCP_OK;
}

static enum cs_mptcp_anomaly
parse_fastclose(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    (void)b2;
    if (o->len != 12)
        return CS_MPTCP_BAD_FASTCLOSE_LEN;
    cs_cursor_skip(c, 1);
    o->key[0] = cs_cursor_be64(c);
    o->n_keys = 1;
    return CS_MPTCP_OK;
}

static enum cs_mptcp_anomaly
parse_tcprst(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    if (o->len != 4)
        return CS_MPTCP_BAD_TCPRST_LEN;
    o->flags = b2 & 0x0f;
    o->reason = cs_cursor_u8(c);
    return CS_MPTCP_OK;
}

static enum cs_mptcp_anomaly
parse_unknown(struct cs_cursor *c, uint8_t b2, struct cs_mptcp_opt *o)
{
    (void)c, (void)b2, (void)o;
    return CS_MPTCP_OK;
}

/* Indexed by subtype, clamped to CS_MPTCP_UNKNOWN. */
static parse_fn *const parsers[] = {
    [CS_MPTCP_CAPABLE] = parse_capable,
    [CS_MPTCP_JOIN] = parse_join,
    [CS_MPTCP_DSS] = parse_dss,
    [CS_MPTCP_ADD_ADDR] = parse_add_addr,
    [CS_MPTCP_REMOVE_ADDR] = parse_remove_addr,
    [CS_MPTCP_PRIO] = parse_prio,
    [CS_MPTCP_FAIL] = parse_fail,
    [CS_MPTCP_FASTCLOSE] = parse_fastclose,
    [CS_MPTCP_TCPRST] = parse_tcprst,
    [CS_MPTCP_UNKNOWN] = parse_unknown,
};

void
cs_mptcp_parse(struct cs_cursor *c, uint16_t tcp_flags, struct cs_mptcp_opt *o)
{
    memset(o, 0, sizeof *o);
    o->tcp_flags_syn = (tcp_flags & CS_TH_SYN) != 0;
    o->tcp_flags_ack = (tcp_flags & CS_TH_ACK) != 0;
    size_t avail = cs_cursor_remaining(c);
    cs_cursor_skip(c, 1); /* kind */
    uint8_t len = cs_cursor_u8(c);
    uint8_t b2 = cs_cursor_u8(c);
    o->len = len;
    o->raw_subtype = b2 >> 4;
    o->subtype = o->raw_subtype < CS_MPTCP_UNKNOWN ? o->raw_subtype : CS_MPTCP_UNKNOWN;
    if (cs_cursor_failed(c) || len < 3 || len > avail) {
        o->bad = CS_MPTCP_BAD_SHORT;
        return;
    }
    o->bad = (uint8_t)parsers[o->subtype](c, b2, o);
    if (cs_cursor_failed(c) && o->bad == CS_MPTCP_OK)
        o->bad = CS_MPTCP_BAD_SHORT;
}

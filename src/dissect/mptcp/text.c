/* text.c: an MPTCP option in tcpdump's words (print-mptcp.c of tcpdump master): raw numbers,
 * keys and HMACs in unpadded hex, "[bad opt]" where tcpdump gives up (RFC 8684 section 3). */
#include "cashark/mptcp.h"

struct tok {
    unsigned value;
    const char *name;
};

static const char *const subtype_words[] = {
    "capable", "join", "dss",        "add-addr", "rem-addr",
    "prio",    "fail", "fast-close", "tcprst",   "unknown",
};

static const struct tok capable_flags[] = {
    {0x80, "A"}, {0x40, "B"}, {0x20, "C"}, {0x10, "D"}, {0x08, "E"},
    {0x04, "F"}, {0x02, "G"}, {0x01, "H"}, {0, NULL},
};

static const struct tok tcprst_flags[] = {
    {0x08, "U"}, {0x04, "V"}, {0x02, "W"}, {0x01, "T"}, {0, NULL},
};

static const struct tok tcprst_reasons[] = {
    {0, "Unspecified error"},         {1, "MPTCP-specific error"},
    {2, "Lack of resources"},         {3, "Administratively prohibited"},
    {4, "Too much outstanding data"}, {5, "Unacceptable performance"},
    {6, "Middlebox interference"},    {0, NULL},
};

static const struct tok add_addr_kinds[] = {
    {0x6, "v0-ip6"}, {0x4, "v0-ip4"}, {0x1, "v1-echo"}, {0x0, "v1"}, {0, NULL},
};

static const char *
tok_find(const struct tok *t, unsigned v)
{
    for (; t->name; t++)
        if (t->value == v)
            return t->name;
    return NULL;
}

/* " flags [AH]" style: letters of the bits set in table order, "none" when none is. */
static void
flag_set(struct cs_out *o, const struct tok *t, unsigned v)
{
    cs_out_str(o, " flags [");
    int any = 0;
    for (; t->name; t++)
        if (v & t->value) {
            cs_out_str(o, t->name);
            any = 1;
        }
    if (!any)
        cs_out_str(o, "none");
    cs_out_char(o, ']');
}

static void
hex0x(struct cs_out *o, uint64_t v)
{
    cs_out_str(o, "0x");
    cs_out_hex(o, v, 1);
}

static uint64_t
hmac64(const struct cs_mptcp_opt *m)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | m->hmac[i];
    return v;
}

static void
text_capable(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    if (m->bad == CS_MPTCP_BAD_VERSION) {
        cs_out_str(o, " Unknown Version (");
        cs_out_u64(o, m->version);
        cs_out_char(o, ')');
        return;
    }
    cs_out_str(o, " v");
    cs_out_u64(o, m->version);
    flag_set(o, capable_flags, m->flags);
    int csum = (m->flags & CS_MPC_A) != 0;
    if (csum)
        cs_out_str(o, " csum");
    if (m->n_keys == 0)
        return;
    cs_out_str(o, " {");
    hex0x(o, m->key[0]);
    if (m->n_keys > 1) {
        cs_out_char(o, ',');
        hex0x(o, m->key[1]);
    }
    if ((m->len == 22 && !csum) || m->len == 24) {
        cs_out_str(o, ",data_len=");
        cs_out_u64(o, m->dll);
    }
    cs_out_char(o, '}');
}

static void
text_join(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    if (m->len != 24) {
        if (m->backup)
            cs_out_str(o, " backup");
        cs_out_str(o, " id ");
        cs_out_u64(o, m->addr_id);
    }
    if (m->has_token) {
        cs_out_str(o, " token ");
        hex0x(o, m->token);
    } else if (m->hmac_len == 8) {
        cs_out_str(o, " hmac ");
        hex0x(o, hmac64(m));
    } else if (m->hmac_len == 20) {
        cs_out_str(o, " hmac 0x");
        for (int i = 0; i < 20; i++)
            cs_out_hex(o, m->hmac[i], 2);
    }
    if (m->has_nonce) {
        cs_out_str(o, " nonce ");
        hex0x(o, m->nonce);
    }
}

static void
text_dss(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    if (m->flags & CS_DSS_F)
        cs_out_str(o, " fin");
    if (m->dack_len) {
        cs_out_str(o, " ack ");
        cs_out_u64(o, m->dack);
    }
    if (m->dsn_len) {
        cs_out_str(o, " seq ");
        cs_out_u64(o, m->dsn);
        cs_out_str(o, " subseq ");
        cs_out_u64(o, m->ssn);
        cs_out_str(o, " len ");
        cs_out_u64(o, m->dll);
        if (m->has_csum) {
            cs_out_str(o, " csum ");
            hex0x(o, m->csum);
        }
    }
}

static void
text_add_addr(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    const char *k = tok_find(add_addr_kinds, m->flags);
    cs_out_char(o, ' ');
    cs_out_str(o, k ? k : "[bad version/echo]");
    cs_out_str(o, " id ");
    cs_out_u64(o, m->addr_id);
    cs_out_char(o, ' ');
    cs_out_addr(o, &m->addr);
    if (m->has_port) {
        cs_out_char(o, ':');
        cs_out_u64(o, m->port);
    }
    if (m->hmac_len) {
        cs_out_str(o, " hmac ");
        hex0x(o, hmac64(m));
    }
}

static void
text_remove_addr(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    cs_out_str(o, " id");
    for (unsigned i = 0; i < m->n_rm; i++) {
        cs_out_char(o, ' ');
        cs_out_u64(o, m->rm_ids[i]);
    }
}

static void
text_prio(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    cs_out_str(o, m->backup ? " backup" : " non-backup");
    if (m->has_addr_id) {
        cs_out_str(o, " id ");
        cs_out_u64(o, m->addr_id);
    }
}

static void
text_fail(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    cs_out_str(o, " seq ");
    cs_out_u64(o, m->dsn);
}

static void
text_fastclose(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    cs_out_str(o, " key ");
    hex0x(o, m->key[0]);
}

static void
text_tcprst(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    flag_set(o, tcprst_flags, m->flags);
    cs_out_str(o, " reason ");
    const char *r = tok_find(tcprst_reasons, m->reason);
    if (r) {
        cs_out_str(o, r);
    } else {
        cs_out_str(o, "unknown (0x");
        cs_out_hex(o, m->reason, 2);
        cs_out_char(o, ')');
    }
}

static void
text_unknown(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    (void)o, (void)m;
}

typedef void text_fn(struct cs_out *o, const struct cs_mptcp_opt *m);

static text_fn *const texts[] = {
    text_capable, text_join, text_dss,       text_add_addr, text_remove_addr,
    text_prio,    text_fail, text_fastclose, text_tcprst,   text_unknown,
};

/* Whether tcpdump prints the fields of a malformed option before "[bad opt]": only DSS is
 * printed as far as it goes. */
static int
partial_text(const struct cs_mptcp_opt *m)
{
    return m->subtype == CS_MPTCP_DSS && m->len >= 4 && m->bad != CS_MPTCP_BAD_SHORT;
}

void
cs_mptcp_opt_text(struct cs_out *o, const struct cs_mptcp_opt *m)
{
    unsigned st = m->subtype <= CS_MPTCP_UNKNOWN ? m->subtype : CS_MPTCP_UNKNOWN;
    cs_out_str(o, subtype_words[st]);
    if (m->bad == CS_MPTCP_OK || m->bad == CS_MPTCP_BAD_VERSION || partial_text(m))
        texts[st](o, m);
    if (m->bad != CS_MPTCP_OK && m->bad != CS_MPTCP_BAD_VERSION)
        cs_out_str(o, "[bad opt]");
}

/* fields.c: the mptcp.* fields of MPTCP records for templates, JSON and CSV (RFC 8684
 * section 3 names the values). Getters only read the parsed option and the tracker's event. */
#include "cashark/mptcp.h"

static const struct cs_mptcp_event *
ev_of(const struct cs_record *r)
{
    return r->kind == CS_REC_MPTCP ? r->app : NULL;
}

static const struct cs_mptcp_opt *
opt_of(const struct cs_record *r)
{
    const struct cs_mptcp_event *e = ev_of(r);
    return e ? e->opt : NULL;
}

static void
hex0x(struct cs_out *o, uint64_t v, int digits)
{
    cs_out_str(o, "0x");
    cs_out_hex(o, v, digits);
}

static int
get_command(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_event *e = ev_of(r);
    if (!e)
        return 0;
    cs_out_str(c->sink, "mptcp ");
    cs_mptcp_opt_text(c->sink, e->opt);
    if (e->check) {
        cs_out_str(c->sink, " [");
        cs_out_str(c->sink, e->check);
        cs_out_char(c->sink, ']');
    }
    return 1;
}

static int
get_subtype(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o)
        return 0;
    cs_out_str(c->sink, cs_mptcp_subtype_name((enum cs_mptcp_subtype)o->subtype));
    return 1;
}

static int
get_len(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o)
        return 0;
    v->v.u = o->len;
    return 1;
}

static int
get_version(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || (o->subtype != CS_MPTCP_CAPABLE && o->subtype != CS_MPTCP_ADD_ADDR) ||
        (o->bad && o->bad != CS_MPTCP_BAD_VERSION))
        return 0;
    v->v.u = o->version;
    return 1;
}

static int
get_flags(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || o->subtype == CS_MPTCP_UNKNOWN || o->bad == CS_MPTCP_BAD_SHORT)
        return 0;
    hex0x(c->sink, o->flags, 2);
    return 1;
}

static int
get_key(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->n_keys)
        return 0;
    hex0x(c->sink, o->key[0], 16);
    if (o->n_keys > 1) {
        cs_out_char(c->sink, ',');
        hex0x(c->sink, o->key[1], 16);
    }
    return 1;
}

static int
get_token(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->has_token)
        return 0;
    hex0x(c->sink, o->token, 8);
    return 1;
}

static int
get_addr_id(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->has_addr_id)
        return 0;
    v->v.u = o->addr_id;
    return 1;
}

static int
get_dsn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_event *e = ev_of(r);
    if (!e || !e->has_rel_dsn)
        return 0;
    v->v.u = e->rel_dsn;
    return 1;
}

static int
get_dsn_raw(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->dsn_len)
        return 0;
    v->v.u = o->dsn;
    return 1;
}

static int
get_ssn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || o->subtype != CS_MPTCP_DSS || !o->dsn_len)
        return 0;
    v->v.u = o->ssn;
    return 1;
}

static int
get_dll(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->has_dll)
        return 0;
    v->v.u = o->dll;
    return 1;
}

static int
get_dack(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_event *e = ev_of(r);
    if (!e || !e->has_rel_dack)
        return 0;
    v->v.u = e->rel_dack;
    return 1;
}

static int
get_dack_raw(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->dack_len)
        return 0;
    v->v.u = o->dack;
    return 1;
}

static int
get_csum(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->has_csum)
        return 0;
    hex0x(c->sink, o->csum, 4);
    return 1;
}

static int
get_addr(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || o->subtype != CS_MPTCP_ADD_ADDR || o->bad)
        return 0;
    cs_out_addr(c->sink, &o->addr);
    return 1;
}

static int
get_port(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->has_port)
        return 0;
    v->v.u = o->port;
    return 1;
}

static int
get_reason(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || o->subtype != CS_MPTCP_TCPRST || o->bad)
        return 0;
    v->v.u = o->reason;
    return 1;
}

static int
get_conn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_event *e = ev_of(r);
    if (!e || e->mptcp_conn < 0)
        return 0;
    v->v.i = e->mptcp_conn;
    return 1;
}

static int
get_subflow(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_mptcp_event *e = ev_of(r);
    if (!e || e->subflow < 0)
        return 0;
    v->v.i = e->subflow;
    return 1;
}

static int
get_anomaly(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_opt *o = opt_of(r);
    if (!o || !o->bad)
        return 0;
    cs_out_str(c->sink, cs_mptcp_anomaly_name((enum cs_mptcp_anomaly)o->bad));
    return 1;
}

static int
get_check(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_mptcp_event *e = ev_of(r);
    if (!e || !e->check)
        return 0;
    cs_out_str(c->sink, e->check);
    return 1;
}

static const struct cs_field mptcp_fields[] = {
    {"command", CS_FT_TEXT, "the MPTCP option as tcpdump prints it: mptcp dss ack 1 seq 2 ...",
     get_command},
    {"mptcp.subtype", CS_FT_TEXT, "MP_CAPABLE, MP_JOIN, DSS, ADD_ADDR, REMOVE_ADDR, MP_PRIO, ...",
     get_subtype},
    {"mptcp.len", CS_FT_UINT, "option length in bytes (kind and length included)", get_len},
    {"mptcp.version", CS_FT_UINT, "MPTCP version (MP_CAPABLE, ADD_ADDR): 0 or 1", get_version},
    {"mptcp.flags", CS_FT_TEXT, "flag bits of the option, 0xNN (MP_CAPABLE flags, DSS flags...)",
     get_flags},
    {"mptcp.key", CS_FT_TEXT, "MP_CAPABLE key(s) (sender first) or MP_FASTCLOSE key, 0x hex",
     get_key},
    {"mptcp.token", CS_FT_TEXT, "MP_JOIN SYN receiver token, 0x hex", get_token},
    {"mptcp.addr_id", CS_FT_UINT, "address id (MP_JOIN, ADD_ADDR, MP_PRIO v0)", get_addr_id},
    {"mptcp.dsn", CS_FT_BIGUINT,
     "data sequence number relative to the sender's IDSN (first byte 1)", get_dsn},
    {"mptcp.dsn_raw", CS_FT_BIGUINT, "data sequence number as on the wire (MP_FAIL's too)",
     get_dsn_raw},
    {"mptcp.ssn", CS_FT_UINT, "DSS subflow sequence number (relative to the subflow ISN)", get_ssn},
    {"mptcp.dll", CS_FT_UINT, "data-level length of the mapping", get_dll},
    {"mptcp.dack", CS_FT_BIGUINT, "DATA_ACK relative to the peer's IDSN", get_dack},
    {"mptcp.dack_raw", CS_FT_BIGUINT, "DATA_ACK as on the wire", get_dack_raw},
    {"mptcp.csum", CS_FT_TEXT, "DSS or MP_CAPABLE checksum, 0xNNNN", get_csum},
    {"mptcp.addr", CS_FT_TEXT, "ADD_ADDR address", get_addr},
    {"mptcp.port", CS_FT_UINT, "ADD_ADDR port", get_port},
    {"mptcp.reason", CS_FT_UINT, "MP_TCPRST reason code", get_reason},
    {"mptcp.conn", CS_FT_INT, "MPTCP connection number from 0 (as in stats mptcp)", get_conn},
    {"mptcp.subflow", CS_FT_INT, "subflow number within its MPTCP connection, from 0", get_subflow},
    {"mptcp.anomaly", CS_FT_TEXT, "why the option is malformed (mptcp.dss_len_invalid, ...)",
     get_anomaly},
    {"mptcp.check", CS_FT_TEXT, "-v: hmac ok, hmac bad, csum ok, csum bad", get_check},
    {NULL, CS_FT_UINT, NULL, NULL},
};

const struct cs_field_table cs_mptcp_field_table = {CS_KIND_BIT(CS_REC_MPTCP), mptcp_fields};

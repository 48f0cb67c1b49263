/* ca_fields.c: the ca.* fields of Channel Access records and their `command` text.
 *
 * EPICS Channel Access Protocol Specification: which header parameter holds the channel (cid,
 * sid), request (ioid), subscription and status of each command in each direction.
 */
#include "cashark/ca.h"

#include <string.h>

static const struct cs_ca_msg *
msg_of(const struct cs_record *r)
{
    return r->kind == CS_REC_CA ? r->app : NULL;
}

static const struct cs_ca_msg *
real_msg(const struct cs_record *r)
{
    const struct cs_ca_msg *m = msg_of(r);
    return m && m->marker == CS_CA_MSG ? m : NULL;
}

static int
get_command(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = msg_of(r);
    if (!m)
        return 0;
    cs_ca_repr(c->sink, m);
    return 1;
}

static int
get_cmd(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m)
        return 0;
    const char *n = cs_ca_class_name(m->h.cmd, m->response);
    if (m->h.cmd == CS_CA_EVENT_ADD && m->response && m->h.psize == 0)
        n = "EventCancelResponse";
    if (!n)
        n = cs_ca_cmd_name(m->h.cmd);
    if (n)
        cs_out_str(c->sink, n);
    else
        cs_out_u64(c->sink, m->h.cmd);
    return 1;
}

static int
get_cmdid(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m)
        return 0;
    v->v.u = m->h.cmd;
    return 1;
}

static int
get_dir(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m)
        return 0;
    cs_out_str(c->sink, m->response ? "response" : "request");
    return 1;
}

static int
get_marker(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    static const char *const names[] = {
        [CS_CA_MSG] = NULL,
        [CS_CA_GAP] = "gap",
        [CS_CA_SKIPPED] = "skipped",
        [CS_CA_INCOMPLETE] = "incomplete",
        [CS_CA_TRAILING] = "trailing",
        [CS_CA_EMPTY] = "empty",
        [CS_CA_CUT] = "cut",
    };
    const struct cs_ca_msg *m = msg_of(r);
    if (!m || !names[m->marker])
        return 0;
    cs_out_str(c->sink, names[m->marker]);
    return 1;
}

static int
get_marker_bytes(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_ca_msg *m = msg_of(r);
    if (!m || m->marker == CS_CA_MSG)
        return 0;
    v->v.u = m->marker_bytes;
    return 1;
}

#define HDR_GETTER(fn, expr)                                                                       \
    static int fn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)       \
    {                                                                                              \
        (void)c;                                                                                   \
        const struct cs_ca_msg *m = real_msg(r);                                                   \
        if (!m)                                                                                    \
            return 0;                                                                              \
        v->v.u = (expr);                                                                           \
        return 1;                                                                                  \
    }

HDR_GETTER(get_payload_size, m->h.psize)
HDR_GETTER(get_data_count, m->h.count)
HDR_GETTER(get_p1, m->h.p1)
HDR_GETTER(get_p2, m->h.p2)
HDR_GETTER(get_dtype_id, m->h.dtype)

static int
get_data_type(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m)
        return 0;
    switch (m->h.cmd) {
        case CS_CA_EVENT_ADD:
        case CS_CA_EVENT_CANCEL:
        case CS_CA_READ:
        case CS_CA_WRITE:
        case CS_CA_READ_NOTIFY:
        case CS_CA_WRITE_NOTIFY:
            break;
        case CS_CA_CREATE_CHAN:
            if (m->response)
                break;
            return 0;
        default:
            return 0;
    }
    const char *n = cs_ca_dbr_name(m->h.dtype);
    if (n)
        cs_out_str(c->sink, n);
    else
        cs_out_u64(c->sink, m->h.dtype);
    return 1;
}

/* Which parameter carries an identifier: 1 or 2, 0 for none. Rows: command, direction mask
 * (1 request, 2 response), cid, sid, ioid, subscription, status. */
struct id_row {
    uint16_t cmd;
    uint8_t dirs;
    uint8_t cid, sid, ioid, sub, status;
};

static const struct id_row id_rows[] = {
    {CS_CA_EVENT_ADD, 1, 0, 1, 0, 2, 0},      {CS_CA_EVENT_ADD, 2, 0, 0, 0, 2, 1},
    {CS_CA_EVENT_CANCEL, 3, 0, 1, 0, 2, 0},   {CS_CA_READ, 3, 0, 1, 2, 0, 0},
    {CS_CA_WRITE, 3, 0, 1, 2, 0, 0},          {CS_CA_SEARCH, 1, 1, 0, 0, 0, 0},
    {CS_CA_SEARCH, 2, 2, 0, 0, 0, 0},         {CS_CA_ERROR, 3, 1, 0, 0, 0, 2},
    {CS_CA_CLEAR_CHANNEL, 3, 2, 1, 0, 0, 0},  {CS_CA_NOT_FOUND, 3, 1, 0, 0, 0, 0},
    {CS_CA_READ_NOTIFY, 1, 0, 1, 2, 0, 0},    {CS_CA_READ_NOTIFY, 2, 0, 0, 2, 0, 1},
    {CS_CA_CREATE_CHAN, 1, 1, 0, 0, 0, 0},    {CS_CA_CREATE_CHAN, 2, 1, 2, 0, 0, 0},
    {CS_CA_WRITE_NOTIFY, 1, 0, 1, 2, 0, 0},   {CS_CA_WRITE_NOTIFY, 2, 0, 0, 2, 0, 1},
    {CS_CA_ACCESS_RIGHTS, 3, 1, 0, 0, 0, 0},  {CS_CA_CREATE_CH_FAIL, 3, 1, 0, 0, 0, 0},
    {CS_CA_SERVER_DISCONN, 3, 1, 0, 0, 0, 0},
};

static const struct id_row *
id_row_of(const struct cs_ca_msg *m)
{
    uint8_t bit = m->response ? 2 : 1;
    for (size_t i = 0; i < sizeof id_rows / sizeof id_rows[0]; i++)
        if (id_rows[i].cmd == m->h.cmd && (id_rows[i].dirs & bit))
            return &id_rows[i];
    return NULL;
}

void
cs_ca_msg_ids(const struct cs_ca_msg *m, struct cs_ca_ids *ids)
{
    memset(ids, 0, sizeof *ids);
    const struct id_row *row = id_row_of(m);
    if (!row)
        return;
    ids->has_cid = row->cid != 0;
    ids->cid = row->cid == 1 ? m->h.p1 : m->h.p2;
    ids->has_sid = row->sid != 0;
    ids->sid = row->sid == 1 ? m->h.p1 : m->h.p2;
    ids->has_ioid = row->ioid != 0;
    ids->ioid = row->ioid == 1 ? m->h.p1 : m->h.p2;
    ids->has_sub = row->sub != 0;
    ids->sub = row->sub == 1 ? m->h.p1 : m->h.p2;
}

static int
param(const struct cs_ca_msg *m, unsigned which, struct cs_fval *v)
{
    if (!which)
        return 0;
    v->v.u = which == 1 ? m->h.p1 : m->h.p2;
    return 1;
}

#define ID_GETTER(fn, member)                                                                      \
    static int fn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)       \
    {                                                                                              \
        (void)c;                                                                                   \
        const struct cs_ca_msg *m = real_msg(r);                                                   \
        const struct id_row *row = m ? id_row_of(m) : NULL;                                        \
        return row ? param(m, row->member, v) : 0;                                                 \
    }

ID_GETTER(get_cid, cid)
ID_GETTER(get_sid, sid)
ID_GETTER(get_ioid, ioid)
ID_GETTER(get_subid, sub)

static int
get_status(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    const struct cs_ca_msg *m = real_msg(r);
    const struct id_row *row = m ? id_row_of(m) : NULL;
    if (!row || !row->status || (m->h.cmd == CS_CA_EVENT_ADD && m->h.psize == 0))
        return 0;
    uint32_t cws = row->status == 1 ? m->h.p1 : m->h.p2;
    const struct cs_ca_eca *e = cs_ca_eca_find(cws);
    (void)v;
    if (e)
        cs_out_str(c->sink, e->name);
    else
        cs_out_u64(c->sink, cws);
    return 1;
}

static int
get_name(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m || m->name.p == NULL)
        return 0;
    size_t n;
    const uint8_t *p = cs_cursor_span(&m->name, &n);
    cs_out_escaped(c->sink, p, n);
    return 1;
}

/* The PV of the message's channel: its own name for a search or a channel creation, else the
 * name its circuit bound to its cid, sid, ioid or subscription id. */
static int
get_pv(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m)
        return 0;
    int named = !m->response && (m->h.cmd == CS_CA_SEARCH || m->h.cmd == CS_CA_CREATE_CHAN);
    const struct cs_cursor *src = named ? &m->name : &m->pv;
    size_t n;
    const uint8_t *p = cs_cursor_span(src, &n);
    if (!p || !n)
        return 0;
    cs_out_escaped(c->sink, p, n);
    return 1;
}

static const struct cs_ca_dbr *
dbr_of(const struct cs_record *r)
{
    const struct cs_ca_msg *m = real_msg(r);
    return m && m->has_dbr && m->dbr.known ? &m->dbr : NULL;
}

static int
get_severity(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_dbr *d = dbr_of(r);
    if (!d || !d->has_sts || d->meta_cut)
        return 0;
    const char *n = cs_ca_alarm_severity_name(d->severity);
    if (n)
        cs_out_str(c->sink, n);
    else
        cs_out_i64(c->sink, d->severity);
    return 1;
}

static int
get_alarm(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_dbr *d = dbr_of(r);
    if (!d || !d->has_sts || d->meta_cut)
        return 0;
    const char *n = cs_ca_alarm_status_name(d->status);
    if (n)
        cs_out_str(c->sink, n);
    else
        cs_out_i64(c->sink, d->status);
    return 1;
}

static int
get_timestamp(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_ca_dbr *d = dbr_of(r);
    if (!d || !d->has_time || d->meta_cut)
        return 0;
    v->v.t.ns = ((int64_t)d->ts_sec + 631152000) * 1000000000 + (int64_t)d->ts_nsec;
    v->v.t.digits = 9;
    return 1;
}

static int
get_units(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_dbr *d = dbr_of(r);
    if (!d || !d->has_units || d->meta_cut)
        return 0;
    size_t n = 0;
    while (n < sizeof d->units && d->units[n])
        n++;
    cs_out_escaped(c->sink, d->units, n);
    return 1;
}

static int
get_data(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = real_msg(r);
    if (!m || !m->has_dbr || !m->dbr.known)
        return 0;
    cs_ca_data_json(c->sink, m);
    return 1;
}

static int
get_client(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = msg_of(r);
    if (!m || !m->src.family)
        return 0;
    if (m->response)
        cs_out_endpoint(c->sink, &m->dst, m->dport);
    else
        cs_out_endpoint(c->sink, &m->src, m->sport);
    return 1;
}

static int
get_server(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_ca_msg *m = msg_of(r);
    if (!m || !m->src.family)
        return 0;
    if (m->response)
        cs_out_endpoint(c->sink, &m->src, m->sport);
    else
        cs_out_endpoint(c->sink, &m->dst, m->dport);
    return 1;
}

static const struct cs_field ca_fields[] = {
    {"command", CS_FT_TEXT, "one-line summary: the packet as tcpdump -n, or the message",
     get_command},
    {"ca.cmd", CS_FT_TEXT, "CA message class as caproto names it (ReadNotifyResponse, ...)",
     get_cmd},
    {"ca.cmdid", CS_FT_UINT, "CA command ID, 0..27", get_cmdid},
    {"ca.dir", CS_FT_TEXT, "request (client to server) or response", get_dir},
    {"ca.payload_size", CS_FT_UINT, "CA payload bytes (extended header when used)",
     get_payload_size},
    {"ca.data_type", CS_FT_TEXT, "DBR type name (DOUBLE, TIME_DOUBLE, ...) of data messages",
     get_data_type},
    {"ca.data_type_id", CS_FT_UINT, "CA header data_type field as a number", get_dtype_id},
    {"ca.data_count", CS_FT_UINT, "CA header data_count field", get_data_count},
    {"ca.p1", CS_FT_UINT, "CA header parameter1", get_p1},
    {"ca.p2", CS_FT_UINT, "CA header parameter2", get_p2},
    {"ca.name", CS_FT_TEXT, "PV name (search, create channel), client or host name", get_name},
    {"ca.pv", CS_FT_TEXT, "PV of the message's channel, also on reads, writes, monitors (TCP)",
     get_pv},
    {"ca.cid", CS_FT_UINT, "client channel ID", get_cid},
    {"ca.sid", CS_FT_UINT, "server channel ID", get_sid},
    {"ca.ioid", CS_FT_UINT, "read/write request ID", get_ioid},
    {"ca.subid", CS_FT_UINT, "subscription (monitor) ID", get_subid},
    {"ca.status", CS_FT_TEXT, "ECA status name of a reply or error (ECA_NORMAL, ...)", get_status},
    {"ca.alarm", CS_FT_TEXT, "alarm status of a DBR value (NO_ALARM, HIHI, UDF, ...)", get_alarm},
    {"ca.severity", CS_FT_TEXT, "alarm severity of a DBR value (NO_ALARM, MINOR_ALARM, ...)",
     get_severity},
    {"ca.timestamp", CS_FT_TIME, "time stamp of a DBR TIME value, POSIX seconds", get_timestamp},
    {"ca.units", CS_FT_TEXT, "engineering units of a GR/CTRL value", get_units},
    {"ca.data", CS_FT_JSON, "DBR value elements as a JSON array (all of them)", get_data},
    {"ca.client", CS_FT_TEXT, "client side of the message, ip:port", get_client},
    {"ca.server", CS_FT_TEXT, "server side of the message, ip:port", get_server},
    {"ca.marker", CS_FT_TEXT, "gap, skipped, incomplete, trailing, empty, cut (not a message)",
     get_marker},
    {"ca.marker_bytes", CS_FT_UINT, "bytes a marker concerns", get_marker_bytes},
    {NULL, CS_FT_UINT, NULL, NULL},
};

const struct cs_field_table cs_ca_field_table = {CS_KIND_BIT(CS_REC_CA), ca_fields};

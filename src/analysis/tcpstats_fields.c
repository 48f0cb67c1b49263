/* tcpstats_fields.c: the fields of tcp.conn records (one per connection, `stats tcp`) and of the
 * packet records of `follow` (tcp.pkt kind); definitions in src/analysis/tcpstats.c. */
#include "cashark/tcpstats.h"

#include <string.h>

#define ROW(r) ((const struct cs_tcpconn *)(r)->app)

static int
set_time(const struct cs_tcpconn *t, struct cs_fval *v, int64_t ns)
{
    v->v.t.ns = ns;
    v->v.t.digits = t->ts_digits;
    return 1;
}

static int
get_conn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.i = ROW(r)->conn;
    return 1;
}

static int
get_client(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_endpoint(c->sink, &ROW(r)->cli, ROW(r)->cport);
    return 1;
}

static int
get_server(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_endpoint(c->sink, &ROW(r)->srv, ROW(r)->sport);
    return 1;
}

static int
get_ipv(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = ROW(r)->ipv;
    return 1;
}

static int
get_vlan(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = ROW(r)->vlan;
    return ROW(r)->vlan != 0;
}

static int
get_client_known(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = ROW(r)->client_known;
    return 1;
}

static int
get_first_t(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return set_time(ROW(r), v, ROW(r)->first_t);
}

static int
get_last_t(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return set_time(ROW(r), v, ROW(r)->last_t);
}

static int
get_duration(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return set_time(ROW(r), v, ROW(r)->last_t - ROW(r)->first_t);
}

static int
get_syn_t(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return ROW(r)->has_syn && set_time(ROW(r), v, ROW(r)->syn_t);
}

static int
get_syn_n(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = ROW(r)->syn_n;
    return 1;
}

static int
get_synack_t(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return ROW(r)->has_synack && set_time(ROW(r), v, ROW(r)->synack_t);
}

static int
get_hs_first(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcpconn *t = ROW(r);
    return t->has_syn && t->has_synack && set_time(t, v, t->synack_t - t->syn_t);
}

static int
get_hs_last(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcpconn *t = ROW(r);
    return t->has_syn && t->has_synack && set_time(t, v, t->synack_t - t->last_syn_t);
}

static int
get_hs_ack(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcpconn *t = ROW(r);
    return t->has_synack && t->has_hs_ack && set_time(t, v, t->hs_ack_t - t->synack_t);
}

static const char *const party[] = {"-", "client", "server", "both"};

static int
get_rst_by(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_str(c->sink, party[ROW(r)->rst_by & 3u]);
    return 1;
}

static int
get_fin_by(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_str(c->sink, party[ROW(r)->fin_by & 3u]);
    return 1;
}

static int
get_rst_t(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return ROW(r)->has_rst && set_time(ROW(r), v, ROW(r)->rst_t);
}

static int
get_state(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_str(c->sink, ROW(r)->state);
    return 1;
}

static int
get_history(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_str(c->sink, ROW(r)->history);
    return ROW(r)->history[0] != '\0';
}

static int
get_open_at_rst(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = ROW(r)->open_at_rst;
    return ROW(r)->open_known;
}

static int
get_open_other(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = ROW(r)->open_at_rst_other_servers;
    return ROW(r)->open_known;
}

/* Per direction: one getter per (field, direction) pair. */
#define DIR_UINT(name, k, expr)                                                                    \
    static int get_##name##_##k(const struct cs_fieldctx *c, const struct cs_record *r,            \
                                struct cs_fval *v)                                                 \
    {                                                                                              \
        (void)c;                                                                                   \
        const struct cs_tcpconn_dir *x = &ROW(r)->d[k];                                            \
        v->v.u = (expr);                                                                           \
        return 1;                                                                                  \
    }
#define DIR_BOTH(name, expr) DIR_UINT(name, 0, expr) DIR_UINT(name, 1, expr)

DIR_BOTH(pkts, x->pkts)
DIR_BOTH(data_pkts, x->data_pkts)
DIR_BOTH(bytes, x->bytes)
DIR_BOTH(unique_bytes, x->unique_bytes)
DIR_BOTH(retrans_pkts, x->retrans_pkts)
DIR_BOTH(retrans_bytes, x->retrans_bytes)
DIR_BOTH(ooo_pkts, x->ooo_pkts)
DIR_BOTH(dupack, x->dupack)
DIR_BOTH(zero_win, x->zero_win)
DIR_BOTH(zwp, x->zwp)
DIR_BOTH(keepalive, x->keepalive)
DIR_BOTH(rst, x->rst)
DIR_BOTH(fin, x->fin)

static int
win_min(const struct cs_record *r, int d, struct cs_fval *v)
{
    v->v.u = ROW(r)->d[d].win_min;
    return ROW(r)->d[d].win_seen;
}

static int
win_max(const struct cs_record *r, int d, struct cs_fval *v)
{
    v->v.u = ROW(r)->d[d].win_max;
    return ROW(r)->d[d].win_seen;
}

static int
scale(const struct cs_record *r, int d, struct cs_fval *v)
{
    v->v.i = ROW(r)->d[d].scale;
    return 1;
}

static int
mss(const struct cs_record *r, int d, struct cs_fval *v)
{
    v->v.u = ROW(r)->d[d].mss;
    return ROW(r)->d[d].mss != 0;
}

#define DIR_FN(name)                                                                               \
    static int get_##name##_0(const struct cs_fieldctx *c, const struct cs_record *r,              \
                              struct cs_fval *v)                                                   \
    {                                                                                              \
        (void)c;                                                                                   \
        return name(r, 0, v);                                                                      \
    }                                                                                              \
    static int get_##name##_1(const struct cs_fieldctx *c, const struct cs_record *r,              \
                              struct cs_fval *v)                                                   \
    {                                                                                              \
        (void)c;                                                                                   \
        return name(r, 1, v);                                                                      \
    }

DIR_FN(win_min)
DIR_FN(win_max)
DIR_FN(scale)
DIR_FN(mss)

#define DIR_ROWS(d, p)                                                                             \
    {p "pkts", CS_FT_UINT, "packets sent " p, get_pkts_##d},                                       \
        {p "data_pkts", CS_FT_UINT, "packets with payload (tcptrace's actual data pkts)",          \
         get_data_pkts_##d},                                                                       \
        {p "bytes", CS_FT_UINT, "payload bytes, retransmissions included", get_bytes_##d},         \
        {p "unique_bytes", CS_FT_UINT, "payload bytes never seen before in that direction",        \
         get_unique_bytes_##d},                                                                    \
        {p "retrans_pkts", CS_FT_UINT,                                                             \
         "segments with bytes already seen (tcptrace's rexmt; SYN/FIN count 1)",                   \
         get_retrans_pkts_##d},                                                                    \
        {p "retrans_bytes", CS_FT_UINT, "bytes sent again (tcptrace's rexmt bytes)",               \
         get_retrans_bytes_##d},                                                                   \
        {p "ooo_pkts", CS_FT_UINT, "segments with new bytes below the highest seen (tcptrace)",    \
         get_ooo_pkts_##d},                                                                        \
        {p "dupack", CS_FT_UINT, "duplicate ACKs (tshark's rule)", get_dupack_##d},                \
        {p "zero_win", CS_FT_UINT, "window-0 advertisements", get_zero_win_##d},                   \
        {p "zwp", CS_FT_UINT, "zero-window probes (Linux style included)", get_zwp_##d},           \
        {p "keepalive", CS_FT_UINT, "keep-alives (tshark's rule)", get_keepalive_##d},             \
        {p "win_min", CS_FT_UINT, "smallest window of non-SYN packets (scaled when known)",        \
         get_win_min_##d},                                                                         \
        {p "win_max", CS_FT_UINT, "largest window of non-SYN packets", get_win_max_##d},           \
        {p "scale", CS_FT_INT, "window multiplier; -1 unknown (no handshake), -2 not used",        \
         get_scale_##d},                                                                           \
        {p "mss", CS_FT_UINT, "MSS option of the SYN", get_mss_##d},                               \
        {p "rst", CS_FT_UINT, "packets with RST", get_rst_##d},                                    \
    {                                                                                              \
        p "fin", CS_FT_UINT, "packets with FIN", get_fin_##d                                       \
    }

static const struct cs_field conn_fields[] = {
    {"conn", CS_FT_INT, "TCP connection number from 0, in order of first packet", get_conn},
    {"client", CS_FT_TEXT, "client address:port (SYN sender; [IPv6]:port)", get_client},
    {"server", CS_FT_TEXT, "server address:port", get_server},
    {"ipv", CS_FT_UINT, "IP version, 4 or 6", get_ipv},
    {"vlan", CS_FT_UINT, "innermost VLAN id (absent when untagged)", get_vlan},
    {"client_known", CS_FT_UINT, "1 when a SYN or SYN-ACK told the client, 0 when guessed",
     get_client_known},
    {"first_t", CS_FT_TIME, "time of the connection's first packet", get_first_t},
    {"last_t", CS_FT_TIME, "time of its last packet", get_last_t},
    {"duration", CS_FT_TIME, "last_t - first_t", get_duration},
    {"syn_t", CS_FT_TIME, "time of the first SYN", get_syn_t},
    {"syn_n", CS_FT_UINT, "SYNs the client sent", get_syn_n},
    {"synack_t", CS_FT_TIME, "time of the first SYN-ACK", get_synack_t},
    {"hs_first", CS_FT_TIME, "SYN-ACK minus the first SYN", get_hs_first},
    {"hs_last", CS_FT_TIME, "SYN-ACK minus the last SYN before it", get_hs_last},
    {"hs_ack", CS_FT_TIME, "ACK of the SYN-ACK minus the SYN-ACK", get_hs_ack},
    DIR_ROWS(0, "c2s_"),
    DIR_ROWS(1, "s2c_"),
    {"rst_by", CS_FT_TEXT, "sender of the first RST: client, server or -", get_rst_by},
    {"fin_by", CS_FT_TEXT, "FIN senders: client, server, both or -", get_fin_by},
    {"state", CS_FT_TEXT, "Zeek's conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH",
     get_state},
    {"history", CS_FT_TEXT, "Zeek's history letters (upper case: client)", get_history},
    {"rst_t", CS_FT_TIME, "time of the first RST", get_rst_t},
    {"open_at_rst", CS_FT_UINT,
     "other connections of the client address open at the first RST (first <= t <= last)",
     get_open_at_rst},
    {"open_at_rst_other_servers", CS_FT_UINT, "those of them to another server address",
     get_open_other},
    {NULL, CS_FT_UINT, NULL, NULL},
};

const struct cs_field_table cs_tcpstats_conn_fields = {CS_KIND_BIT(CS_REC_TCPCONN), conn_fields};

#define DIR_TOKS(p)                                                                                \
    "<" p "pkts> <" p "data_pkts> <" p "bytes> <" p "unique_bytes> <" p "retrans_pkts> <" p        \
    "retrans_bytes> <" p "ooo_pkts> <" p "dupack> <" p "zero_win> <" p "zwp> <" p "keepalive> <" p \
    "win_min> <" p "win_max> <" p "scale> <" p "mss> <" p "rst> <" p "fin> "

const char cs_tcpstats_columns[] =
    "<conn> <client> <server> <ipv> <vlan> <client_known> <first_t> <last_t> <duration> <syn_t> "
    "<syn_n> <synack_t> <hs_first> <hs_last> <hs_ack> " DIR_TOKS("c2s_")
        DIR_TOKS("s2c_") "<rst_by> <fin_by> <state> <history> <rst_t> <open_at_rst> "
                         "<open_at_rst_other_servers>";

/* ---- packet fields ---- */

static const struct cs_flow *
tcp_flow(const struct cs_record *r)
{
    if (!r->fv || !r->fv->flow || r->fv->flow->proto != CS_FLOW_TCP || !r->frame)
        return NULL;
    return r->fv->flow;
}

static int
get_pkt_reltime(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_flow *f = tcp_flow(r);
    if (!f)
        return 0;
    v->v.t.ns = (int64_t)((uint64_t)r->frame->ts_ns - (uint64_t)f->first_ts);
    v->v.t.digits = r->frame->ts_digits;
    return 1;
}

static int
get_pkt_index(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_flow *f = tcp_flow(r);
    if (!f)
        return 0;
    v->v.u = f->pkts[0] + f->pkts[1];
    return 1;
}

static int
get_pkt_analysis(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_tcpstats_pktinfo *pi = r->app;
    if (r->kind != CS_REC_TCPPKT || !pi || !pi->labels)
        return 0;
    cs_tcpstats_labels(c->sink, pi->labels);
    return 1;
}

static const struct cs_field packet_fields[] = {
    {"tcp.reltime", CS_FT_TIME, "seconds since the TCP connection's first packet", get_pkt_reltime},
    {"tcp.pkt", CS_FT_UINT, "packet number within the TCP connection, from 1", get_pkt_index},
    {"tcp.analysis", CS_FT_TEXT,
     "retrans, ooo, dupack, zero_win, zwp, keepalive, gap (see stats tcp)", get_pkt_analysis},
    {NULL, CS_FT_UINT, NULL, NULL},
};

const struct cs_field_table cs_tcpstats_packet_fields = {CS_KIND_BIT(CS_REC_TCPPKT), packet_fields};

/* fields.c: the field catalogue: names, types, meanings and getters over struct cs_record. */
#include "cashark/format.h"

#include <string.h>

#include "cashark/ca.h"
#include "cashark/mptcp.h"
#include "cashark/tcpstats.h"
#include "fmt_impl.h"
#include "out_impl.h"

/* ---- frame ---- */

static int
get_ordinal(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = r->frame->ordinal;
    return 1;
}

static int
get_timestamp(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.t.ns = r->frame->ts_ns;
    v->v.t.digits = r->frame->ts_digits;
    return 1;
}

static int
get_ts_ns(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (r->frame->ts_digits != 9)
        return 0;
    v->v.i = r->frame->ts_ns;
    return 1;
}

static int
get_time(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    cs_out_iso8601(c->sink, r->frame->ts_ns, r->frame->ts_digits);
    return 1;
}

static int
get_reltime(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    v->v.t.ns = (int64_t)((uint64_t)r->frame->ts_ns - (uint64_t)c->first_ts);
    v->v.t.digits = r->frame->ts_digits;
    return 1;
}

static int
get_delta(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    v->v.t.ns = (int64_t)((uint64_t)r->frame->ts_ns - (uint64_t)c->prev_ts);
    v->v.t.digits = r->frame->ts_digits;
    return 1;
}

static int
get_caplen(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = r->frame->caplen;
    return 1;
}

static int
get_len(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = r->frame->len;
    return 1;
}

static int
get_iface(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = r->frame->iface;
    return 1;
}

/* ---- link ---- */

static int
has_sll_mac(const struct cs_l2 *l2)
{
    return (l2->kind == CS_L2_SLL || l2->kind == CS_L2_SLL2) && l2->sll_addr_len == 6;
}

static int
get_eth_src(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt || (r->pkt->l2.kind != CS_L2_ETH && !has_sll_mac(&r->pkt->l2)))
        return 0;
    cs_out_mac(c->sink, r->pkt->l2.eth_src);
    return 1;
}

static int
get_eth_dst(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt || r->pkt->l2.kind != CS_L2_ETH)
        return 0;
    cs_out_mac(c->sink, r->pkt->l2.eth_dst);
    return 1;
}

static int
get_eth_type(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt)
        return 0;
    enum cs_l2_kind k = r->pkt->l2.kind;
    if (k != CS_L2_ETH && k != CS_L2_SLL && k != CS_L2_SLL2)
        return 0;
    CS_OUT_LIT(c->sink, "0x");
    cs_out_hex(c->sink, r->pkt->l2.ethertype, 4);
    return 1;
}

static int
get_vlan(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!r->pkt || r->pkt->l2.n_vlan == 0)
        return 0;
    unsigned n = r->pkt->l2.n_vlan <= CS_MAX_VLAN ? r->pkt->l2.n_vlan : CS_MAX_VLAN;
    v->v.u = r->pkt->l2.vlan_tci[n - 1] & 0xfffu;
    return 1;
}

/* ---- network ---- */

static int
is_ip(const struct cs_record *r)
{
    return r->pkt && (r->pkt->l3 == CS_L3_IPV4 || r->pkt->l3 == CS_L3_IPV6);
}

static int
get_src(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt || !r->pkt->ip.src.family)
        return 0;
    cs_out_addr(c->sink, &r->pkt->ip.src);
    return 1;
}

static int
get_dst(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt || !r->pkt->ip.dst.family)
        return 0;
    cs_out_addr(c->sink, &r->pkt->ip.dst);
    return 1;
}

static int
get_ip_version(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!is_ip(r))
        return 0;
    v->v.u = r->pkt->l3 == CS_L3_IPV6 ? 6 : 4;
    return 1;
}

static int
get_ip_ttl(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!is_ip(r))
        return 0;
    v->v.u = r->pkt->ip.ttl;
    return 1;
}

static int
get_ip_id(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!is_ip(r))
        return 0;
    if (r->pkt->l3 == CS_L3_IPV4)
        v->v.u = r->pkt->ip.id;
    else if (r->pkt->ip.is_fragment)
        v->v.u = r->pkt->ip.frag_id;
    else
        return 0;
    return 1;
}

static int
get_ip_frag(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!is_ip(r) || !r->pkt->ip.is_fragment)
        return 0;
    cs_out_u64(c->sink, r->pkt->ip.frag_off);
    if (r->pkt->ip.mf)
        cs_out_putc_(c->sink, '+');
    return 1;
}

/* ---- transport ---- */

static int
get_proto(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    return r->pkt ? cs_fmt_proto(c->sink, r->pkt) : 0;
}

static int
get_sport(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!r->pkt || !cs_fmt_has_ports(r->pkt))
        return 0;
    v->v.u = r->pkt->l4 == CS_L4_TCP ? r->pkt->t.tcp.sport : r->pkt->t.udp.sport;
    return 1;
}

static int
get_dport(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!r->pkt || !cs_fmt_has_ports(r->pkt))
        return 0;
    v->v.u = r->pkt->l4 == CS_L4_TCP ? r->pkt->t.tcp.dport : r->pkt->t.udp.dport;
    return 1;
}

static const struct cs_tcp *
tcp_of(const struct cs_record *r)
{
    /* TCP fields exist only when the fixed header was captured whole. */
    return is_ip(r) && r->pkt->l4 == CS_L4_TCP && r->pkt->t.tcp.hdr_captured >= 20 ? &r->pkt->t.tcp
                                                                                   : NULL;
}

static int
rel_ok(const struct cs_record *r)
{
    return r->fv && r->fv->flow && r->fv->rel_ok;
}

static int
get_tcp_flags(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_tcp *t = tcp_of(r);
    if (!t)
        return 0;
    cs_fmt_tcp_flags(c->sink, t->flags);
    return 1;
}

static int
get_tcp_seq(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcp *t = tcp_of(r);
    if (!t)
        return 0;
    v->v.u = rel_ok(r) ? r->fv->rel_seq : t->seq;
    return 1;
}

static int
get_tcp_ack(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcp *t = tcp_of(r);
    if (!t || !(t->flags & CS_TH_ACK))
        return 0;
    v->v.u = rel_ok(r) ? r->fv->rel_ack : t->ack;
    return 1;
}

static int
get_tcp_seq_raw(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcp *t = tcp_of(r);
    if (!t)
        return 0;
    v->v.u = t->seq;
    return 1;
}

static int
get_tcp_ack_raw(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcp *t = tcp_of(r);
    if (!t || !(t->flags & CS_TH_ACK))
        return 0;
    v->v.u = t->ack;
    return 1;
}

static int
get_tcp_win(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcp *t = tcp_of(r);
    if (!t)
        return 0;
    v->v.u = r->fv && r->fv->flow ? r->fv->win : t->win;
    return 1;
}

static int
get_tcp_len(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    const struct cs_tcp *t = tcp_of(r);
    if (!t)
        return 0;
    v->v.u = t->payload_len;
    return 1;
}

static int
get_tcp_opts(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const struct cs_tcp *t = tcp_of(r);
    if (!t || !t->n_opts)
        return 0;
    cs_fmt_tcp_opts(c->sink, t, r->fv);
    return 1;
}

static int
get_conn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    if (!r->fv || !r->fv->flow || r->fv->conn < 0)
        return 0;
    v->v.i = r->fv->conn;
    return 1;
}

static int
get_dir(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->fv || !r->fv->flow)
        return 0;
    if (r->fv->dir)
        CS_OUT_LIT(c->sink, "<--");
    else
        CS_OUT_LIT(c->sink, "-->");
    return 1;
}

static int
get_anomalies(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt || !r->pkt->anomalies)
        return 0;
    cs_fmt_anomalies(c->sink, r->pkt->anomalies);
    return 1;
}

static int
get_truncated(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    const char *n = r->pkt ? cs_fmt_layer_name(r->pkt->trunc_layer) : NULL;
    if (!n)
        return 0;
    cs_out_str(c->sink, n);
    return 1;
}

static int
get_command(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!r->pkt)
        return 0;
    cs_fmt_summary(c->sink, r->pkt, r->fv);
    return 1;
}

/* Fields every record has through its frame and packet. */
static const struct cs_field core_fields[] = {
    {"ordinal", CS_FT_UINT, "frame number in the run, from 1", get_ordinal},
    {"timestamp", CS_FT_TIME, "capture time, epoch seconds (6 or 9 decimals as captured)",
     get_timestamp},
    {"ts_ns", CS_FT_BIGINT, "capture time in integer nanoseconds (nanosecond captures only)",
     get_ts_ns},
    {"time", CS_FT_TEXT, "capture time, ISO 8601 UTC", get_time},
    {"reltime", CS_FT_TIME, "seconds since the first record", get_reltime},
    {"delta", CS_FT_TIME, "seconds since the previous record (negative when out of order)",
     get_delta},
    {"caplen", CS_FT_UINT, "bytes captured", get_caplen},
    {"len", CS_FT_UINT, "bytes on the wire", get_len},
    {"iface", CS_FT_UINT, "interface number within the input (pcapng), 0 for pcap", get_iface},
    {"eth.src", CS_FT_TEXT, "source MAC address (Ethernet; Linux cooked when 6 bytes)",
     get_eth_src},
    {"eth.dst", CS_FT_TEXT, "destination MAC address (Ethernet)", get_eth_dst},
    {"eth.type", CS_FT_TEXT, "ethertype of the network layer, 0xNNNN", get_eth_type},
    {"vlan", CS_FT_UINT, "VLAN id of the innermost 802.1Q tag", get_vlan},
    {"src", CS_FT_TEXT, "source IP address (dotted quad or RFC 5952 IPv6)", get_src},
    {"dst", CS_FT_TEXT, "destination IP address", get_dst},
    {"ip.version", CS_FT_UINT, "IP version, 4 or 6", get_ip_version},
    {"ip.ttl", CS_FT_UINT, "IPv4 TTL or IPv6 hop limit", get_ip_ttl},
    {"ip.id", CS_FT_UINT, "IPv4 identification (IPv6: fragment identification)", get_ip_id},
    {"ip.frag", CS_FT_TEXT, "fragment offset in bytes, '+' when more fragments follow",
     get_ip_frag},
    {"proto", CS_FT_TEXT, "tcp, udp, icmp, icmp6, arp, ip-proto-N, ethertype-0xNNNN, linktype-N",
     get_proto},
    {"sport", CS_FT_UINT, "TCP or UDP source port", get_sport},
    {"dport", CS_FT_UINT, "TCP or UDP destination port", get_dport},
    {"tcp.flags", CS_FT_TEXT, "TCP flags as letters in the order FSRPAUECN: S, SA, A, PA, FA, RA",
     get_tcp_flags},
    {"tcp.seq", CS_FT_UINT, "sequence number, relative to the ISN when known (else raw)",
     get_tcp_seq},
    {"tcp.ack", CS_FT_UINT, "acknowledgment number, relative when known (ACK set only)",
     get_tcp_ack},
    {"tcp.seq_raw", CS_FT_UINT, "sequence number as on the wire", get_tcp_seq_raw},
    {"tcp.ack_raw", CS_FT_UINT, "acknowledgment number as on the wire (ACK set only)",
     get_tcp_ack_raw},
    {"tcp.win", CS_FT_UINT, "receive window, scaled when both SYNs carried window scale",
     get_tcp_win},
    {"tcp.len", CS_FT_UINT, "TCP payload bytes (from the IP length)", get_tcp_len},
    {"tcp.opts", CS_FT_TEXT, "TCP options, tcpdump style: mss 1460,sackOK,TS val 1 ecr 0",
     get_tcp_opts},
    {"conn", CS_FT_INT, "TCP connection number from 0, in order of first packet", get_conn},
    {"dir", CS_FT_TEXT, "--> client to server, <-- server to client", get_dir},
    {"anomalies", CS_FT_TEXT, "anomaly names, comma-separated (e.g. tcp.opt_len_invalid)",
     get_anomalies},
    {"truncated", CS_FT_TEXT, "layer where the captured bytes ran out (ip, tcp, ...)",
     get_truncated},
    {NULL, CS_FT_UINT, NULL, NULL},
};

/* Fields of packet records only: the command of other kinds comes from their dissectors. */
static const struct cs_field packet_fields[] = {
    {"command", CS_FT_TEXT, "one-line summary: the packet as tcpdump -n, or the message",
     get_command},
    {NULL, CS_FT_UINT, NULL, NULL},
};

/* Every kind but TCP connection rows, their --by rows and stats ca rows: no packet of their own. */
static const struct cs_field_table core_table = {CS_KINDS_ALL & ~CS_KIND_BIT(CS_REC_TCPCONN) &
                                                     ~CS_KIND_BIT(CS_REC_CASTAT) &
                                                     ~CS_KIND_BIT(CS_REC_TCPGROUP),
                                                 core_fields};
static const struct cs_field_table packet_table = {CS_KIND_BIT(CS_REC_PACKET), packet_fields};

/* Dissectors add their tables here (Channel Access, MPTCP), keyed by their record kinds. */
static const struct cs_field_table *const field_tables[] = {
    &core_table,
    &packet_table,
    &cs_tcpstats_conn_fields,
    &cs_tcpstats_packet_fields,
    &cs_tcpstats_group_fields,
    &cs_ca_field_table,
    &cs_ca_stats_field_table,
    &cs_mptcp_field_table,
    NULL,
};

const struct cs_field_table *const *
cs_field_tables(void)
{
    return field_tables;
}

static int
name_is(const struct cs_field *f, const char *name, size_t n)
{
    return strncmp(f->name, name, n) == 0 && f->name[n] == '\0';
}

const struct cs_field *
cs_field_find(const char *name, size_t n, enum cs_record_kind kind)
{
    for (const struct cs_field_table *const *t = field_tables; *t; t++) {
        if (!((*t)->kinds & CS_KIND_BIT(kind)))
            continue;
        for (const struct cs_field *f = (*t)->fields; f->name; f++)
            if (name_is(f, name, n))
                return f;
    }
    return NULL;
}

int
cs_field_known(const char *name, size_t n)
{
    for (const struct cs_field_table *const *t = field_tables; *t; t++)
        for (const struct cs_field *f = (*t)->fields; f->name; f++)
            if (name_is(f, name, n))
                return 1;
    return 0;
}

static const struct {
    enum cs_ftype type;
    const char *name;
} type_names[] = {
    {CS_FT_UINT, "uint"},     {CS_FT_INT, "int"},   {CS_FT_BIGUINT, "biguint"},
    {CS_FT_BIGINT, "bigint"}, {CS_FT_TIME, "time"}, {CS_FT_TEXT, "text"},
    {CS_FT_JSON, "json"},
};

static const char *
type_name(enum cs_ftype t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].type == t)
            return type_names[i].name;
    return "?";
}

/* Whether f's name already appeared in an earlier row of the catalogue. */
static int
seen_before(const struct cs_field *f)
{
    for (const struct cs_field_table *const *t = field_tables; *t; t++)
        for (const struct cs_field *g = (*t)->fields; g->name; g++) {
            if (g == f)
                return 0;
            if (strcmp(g->name, f->name) == 0)
                return 1;
        }
    return 0;
}

void
cs_fields_print(struct cs_out *o)
{
    size_t w = 0;
    for (const struct cs_field_table *const *t = field_tables; *t; t++)
        for (const struct cs_field *f = (*t)->fields; f->name; f++)
            if (strlen(f->name) > w)
                w = strlen(f->name);
    for (const struct cs_field_table *const *t = field_tables; *t; t++)
        for (const struct cs_field *f = (*t)->fields; f->name; f++) {
            if (seen_before(f))
                continue;
            const char *tn = type_name(f->type);
            cs_out_str(o, f->name);
            cs_out_pad(o, w + 2 - strlen(f->name));
            cs_out_str(o, tn);
            cs_out_pad(o, 9 - strlen(tn));
            cs_out_str(o, f->help);
            cs_out_end_record(o);
        }
}

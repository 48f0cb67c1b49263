/* summary.c: the one-line packet summary (the `command` of a packet record), tcpdump -n style.
 *
 * References: RFC 9293 (TCP header and flags), RFC 7323 (wscale, TS), RFC 2018 (SACK), RFC 7413
 * (TFO), RFC 792 and RFC 4443 (ICMP and ICMPv6 types and codes).
 */
#include "cashark/format.h"

#include "fmt_impl.h"
#include "out_impl.h"

struct tok {
    unsigned value;
    const char *name;
};

static const char *
tok_name(const struct tok *t, unsigned value)
{
    for (; t->name; t++)
        if (t->value == value)
            return t->name;
    return NULL;
}

/* tcpdump's bracketed flag letters, in tcpdump's order. */
static const struct tok tcpdump_flags[] = {
    {CS_TH_FIN, "F"}, {CS_TH_SYN, "S"}, {CS_TH_RST, "R"}, {CS_TH_PSH, "P"}, {CS_TH_ACK, "."},
    {CS_TH_URG, "U"}, {CS_TH_ECE, "E"}, {CS_TH_CWR, "W"}, {CS_TH_AE, "e"},  {0, NULL},
};

/* scapy's letters (the `tcp.flags` field), in scapy's bit order: S then A gives "SA". */
static const struct tok scapy_flags[] = {
    {CS_TH_FIN, "F"}, {CS_TH_SYN, "S"}, {CS_TH_RST, "R"}, {CS_TH_PSH, "P"}, {CS_TH_ACK, "A"},
    {CS_TH_URG, "U"}, {CS_TH_ECE, "E"}, {CS_TH_CWR, "C"}, {CS_TH_AE, "N"},  {0, NULL},
};

static const struct tok layer_names[] = {
    {CS_LAYER_LINK, "link"}, {CS_LAYER_VLAN, "vlan"},
    {CS_LAYER_IPV4, "ip"},   {CS_LAYER_IPV6, "ip6"},
    {CS_LAYER_TCP, "tcp"},   {CS_LAYER_UDP, "udp"},
    {CS_LAYER_ICMP, "icmp"}, {CS_LAYER_ICMP6, "icmp6"},
    {CS_LAYER_ARP, "arp"},   {0, NULL},
};

static const struct tok l2_names[] = {
    {CS_L2_NONE, "RAW"},  {CS_L2_ETH, "ETH"}, {CS_L2_SLL, "SLL"},         {CS_L2_SLL2, "SLL2"},
    {CS_L2_NULL, "NULL"}, {CS_L2_PPP, "PPP"}, {CS_L2_UNKNOWN, "unknown"}, {0, NULL},
};

static const struct tok ip_protos[] = {
    {1, "icmp"},   {2, "igmp"},   {4, "ipip"},      {6, "tcp"},    {17, "udp"},  {41, "ipv6"},
    {47, "gre"},   {50, "esp"},   {51, "ah"},       {58, "icmp6"}, {89, "ospf"}, {103, "pim"},
    {112, "vrrp"}, {132, "sctp"}, {136, "udplite"}, {0, NULL},
};

static const struct tok icmp_types[] = {
    {0, "echo reply"},           {3, "unreachable"},
    {4, "source quench"},        {5, "redirect"},
    {8, "echo request"},         {9, "router advertisement"},
    {10, "router solicitation"}, {11, "time exceeded"},
    {12, "parameter problem"},   {13, "timestamp request"},
    {14, "timestamp reply"},     {0, NULL},
};

static const struct tok icmp_unreach_codes[] = {
    {0, "net"},
    {1, "host"},
    {2, "protocol"},
    {3, "port"},
    {4, "need-frag"},
    {5, "srcroute-failed"},
    {6, "net-unknown"},
    {7, "host-unknown"},
    {9, "net-prohibited"},
    {10, "host-prohibited"},
    {13, "admin-prohibited"},
    {0, NULL},
};

static const struct tok icmp6_types[] = {
    {1, "unreachable"},
    {2, "packet too big"},
    {3, "time exceeded"},
    {4, "parameter problem"},
    {128, "echo request"},
    {129, "echo reply"},
    {130, "multicast listener query"},
    {131, "multicast listener report"},
    {132, "multicast listener done"},
    {133, "router solicitation"},
    {134, "router advertisement"},
    {135, "neighbor solicitation"},
    {136, "neighbor advertisement"},
    {137, "redirect"},
    {143, "multicast listener report v2"},
    {0, NULL},
};

static const struct tok icmp6_unreach_codes[] = {
    {0, "no-route"}, {1, "admin-prohibited"}, {2, "beyond-scope"}, {3, "address"},
    {4, "port"},     {5, "policy-failed"},    {6, "reject-route"}, {0, NULL},
};

static const struct tok arp_ops[] = {
    {1, "request"}, {2, "reply"}, {3, "rarp-request"}, {4, "rarp-reply"}, {0, NULL},
};

/* Options printed as their name and the hex of their data bytes. */
static const struct tok tcp_opt_names[] = {
    {CS_TCPOPT_MD5, "md5"},
    {CS_TCPOPT_UTO, "uto"},
    {CS_TCPOPT_AO, "tcp-ao"},
    {CS_TCPOPT_MPTCP, "mptcp"},
    {CS_TCPOPT_EXP, "exp"},
    {253, "exp"},
    {0, NULL},
};

const char *
cs_fmt_layer_name(enum cs_layer l)
{
    return tok_name(layer_names, (unsigned)l);
}

const char *
cs_fmt_l2_name(enum cs_l2_kind k)
{
    const char *n = tok_name(l2_names, (unsigned)k);
    return n ? n : "link";
}

/* The letters of the flags set, in table order, written at once. */
static void
flag_letters(struct cs_out *o, const struct tok *table, uint16_t flags)
{
    char buf[16];
    size_t n = 0;
    for (const struct tok *t = table; t->name && n < sizeof buf; t++)
        if (flags & t->value)
            buf[n++] = t->name[0];
    cs_out_put_(o, buf, n);
}

void
cs_fmt_tcp_flags(struct cs_out *o, uint16_t flags)
{
    flag_letters(o, scapy_flags, flags);
}

static void
tcpdump_flag_letters(struct cs_out *o, uint16_t flags)
{
    if (!(flags & 0x1ff))
        CS_OUT_LIT(o, "none");
    else
        flag_letters(o, tcpdump_flags, flags);
}

void
cs_fmt_anomalies(struct cs_out *o, uint64_t mask)
{
    int first = 1;
    for (unsigned a = 0; a < CS_ANOM__COUNT && a < 64; a++) {
        if (!((mask >> a) & 1u))
            continue;
        if (!first)
            cs_out_putc_(o, ',');
        first = 0;
        const char *n = cs_anomaly_name((enum cs_anomaly)a);
        cs_out_str(o, n ? n : "unknown");
    }
}

int
cs_fmt_has_ports(const struct cs_packet *p)
{
    if (p->l3 != CS_L3_IPV4 && p->l3 != CS_L3_IPV6)
        return 0;
    /* Ports only when both were captured: a header cut before them has none to show. */
    if (p->l4 == CS_L4_TCP)
        return p->t.tcp.hdr_captured >= 4;
    if (p->l4 == CS_L4_UDP)
        return p->t.udp.hdr_captured >= 4;
    return 0;
}

static void
endpoint(struct cs_out *o, const struct cs_addr *a, unsigned port, int ports)
{
    int br = ports && a->family == 6;
    if (br)
        cs_out_putc_(o, '[');
    cs_out_addr(o, a);
    if (br)
        cs_out_putc_(o, ']');
    if (ports) {
        cs_out_putc_(o, ':');
        cs_out_u32_(o, port);
    }
}

void
cs_out_endpoint(struct cs_out *o, const struct cs_addr *a, unsigned port)
{
    endpoint(o, a, port, 1);
}

void
cs_fmt_endpoints(struct cs_out *o, const struct cs_addr *src, unsigned sport,
                 const struct cs_addr *dst, unsigned dport, int ports)
{
    endpoint(o, src, sport, ports);
    CS_OUT_LIT(o, "->");
    endpoint(o, dst, dport, ports);
}

static void
out_ip_proto_name(struct cs_out *o, unsigned proto)
{
    const char *n = tok_name(ip_protos, proto);
    if (n) {
        cs_out_str(o, n);
    } else {
        CS_OUT_LIT(o, "ip-proto-");
        cs_out_u32_(o, proto);
    }
}

int
cs_fmt_proto(struct cs_out *o, const struct cs_packet *p)
{
    if (p->l2.kind == CS_L2_UNKNOWN) {
        CS_OUT_LIT(o, "linktype-");
        cs_out_u32_(o, p->frame ? p->frame->linktype : 0);
        return 1;
    }
    switch (p->l3) {
        case CS_L3_IPV4:
        case CS_L3_IPV6:
            out_ip_proto_name(o, p->ip.proto);
            return 1;
        case CS_L3_ARP:
            CS_OUT_LIT(o, "arp");
            return 1;
        case CS_L3_OTHER:
            CS_OUT_LIT(o, "ethertype-0x");
            cs_out_hex(o, p->l2.ethertype, 4);
            return 1;
        case CS_L3_NONE:
            break;
    }
    return 0;
}

static void
hex_bytes(struct cs_out *o, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cs_out_hex(o, b[i], 2);
}

/* The data bytes (after kind and length) of option i that were captured. */
static size_t
opt_data(const struct cs_tcp *t, const struct cs_tcp_opt *op, size_t skip, const uint8_t **d)
{
    size_t start = (size_t)op->off + 2 + skip;
    size_t end = (size_t)op->off + op->len;
    if (end > t->opt_raw_len)
        end = t->opt_raw_len;
    if (end > sizeof t->opt_raw)
        end = sizeof t->opt_raw;
    *d = t->opt_raw;
    if (start >= end)
        return 0;
    *d = t->opt_raw + start;
    return end - start;
}

static void
opt_generic(struct cs_out *o, const struct cs_tcp *t, const struct cs_tcp_opt *op)
{
    const char *n = tok_name(tcp_opt_names, op->kind);
    if (n) {
        cs_out_str(o, n);
    } else {
        CS_OUT_LIT(o, "opt-");
        cs_out_u32_(o, op->kind);
    }
    const uint8_t *d;
    size_t len = opt_data(t, op, 0, &d);
    if (len) {
        cs_out_putc_(o, ' ');
        hex_bytes(o, d, len);
    }
}

/* MPTCP subtypes in tcpdump's words (RFC 8684 3). */
static const struct tok mptcp_subtypes[] = {
    {0, "capable"}, {1, "join"}, {2, "dss"},        {3, "add-addr"}, {4, "rem-addr"},
    {5, "prio"},    {6, "fail"}, {7, "fast-close"}, {8, "tcprst"},   {0, NULL},
};

/* tcpdump's first words: "mptcp 20 dss" (the option length and the subtype the decoder kept);
 * --show mptcp prints the rest. */
static void
opt_mptcp(struct cs_out *o, const struct cs_tcp_opt *op)
{
    const char *n = tok_name(mptcp_subtypes, op->sub);
    CS_OUT_LIT(o, "mptcp ");
    cs_out_u32_(o, op->len);
    cs_out_putc_(o, ' ');
    if (n)
        cs_out_str(o, n);
    else
        CS_OUT_LIT(o, "unknown");
}

static void
opt_tfo(struct cs_out *o, const struct cs_tcp *t, const struct cs_tcp_opt *op)
{
    const uint8_t *d;
    size_t len = opt_data(t, op, op->kind == CS_TCPOPT_EXP ? 2 : 0, &d);
    if (!len) {
        CS_OUT_LIT(o, "tfo cookiereq");
        return;
    }
    CS_OUT_LIT(o, "tfo cookie ");
    hex_bytes(o, d, len);
}

void
cs_fmt_tcp_opts(struct cs_out *o, const struct cs_tcp *t, const struct cs_flow_view *fv)
{
    /* SACK edges are in the ack number's space: shown relative to the same base. */
    uint32_t sack_base =
        fv && fv->flow && fv->rel_ok && (t->flags & CS_TH_ACK) ? t->ack - fv->rel_ack : 0;
    unsigned n = t->n_opts < CS_MAX_TCP_OPTS ? t->n_opts : CS_MAX_TCP_OPTS;
    for (unsigned i = 0; i < n; i++) {
        const struct cs_tcp_opt *op = &t->opts[i];
        if (i)
            cs_out_putc_(o, ',');
        if (op->kind == CS_TCPOPT_EOL) {
            CS_OUT_LIT(o, "eol");
        } else if (op->kind == CS_TCPOPT_NOP) {
            CS_OUT_LIT(o, "nop");
        } else if (op->kind == CS_TCPOPT_MSS && op->len == 4 && t->has_mss) {
            CS_OUT_LIT(o, "mss ");
            cs_out_u32_(o, t->mss);
        } else if (op->kind == CS_TCPOPT_WS && op->len == 3 && t->has_ws) {
            CS_OUT_LIT(o, "wscale ");
            cs_out_u32_(o, t->ws);
        } else if (op->kind == CS_TCPOPT_SACKOK && op->len == 2) {
            CS_OUT_LIT(o, "sackOK");
        } else if (op->kind == CS_TCPOPT_SACK && t->n_sack > 0) {
            unsigned ns = t->n_sack < CS_MAX_SACK ? t->n_sack : CS_MAX_SACK;
            CS_OUT_LIT(o, "sack ");
            cs_out_u32_(o, ns);
            cs_out_putc_(o, ' ');
            for (unsigned k = 0; k < ns; k++) {
                cs_out_putc_(o, '{');
                cs_out_u32_(o, t->sack[k][0] - sack_base);
                cs_out_putc_(o, ':');
                cs_out_u32_(o, t->sack[k][1] - sack_base);
                cs_out_putc_(o, '}');
            }
        } else if (op->kind == CS_TCPOPT_TS && op->len == 10 && t->has_ts) {
            CS_OUT_LIT(o, "TS val ");
            cs_out_u32_(o, t->ts_val);
            CS_OUT_LIT(o, " ecr ");
            cs_out_u32_(o, t->ts_ecr);
        } else if (t->has_tfo &&
                   (op->kind == CS_TCPOPT_TFO || (op->kind == CS_TCPOPT_EXP && op->len >= 4))) {
            opt_tfo(o, t, op);
        } else if (op->kind == CS_TCPOPT_MPTCP && op->sub != CS_TCPOPT_NO_SUB) {
            opt_mptcp(o, op);
        } else {
            opt_generic(o, t, op);
        }
    }
}

static void
tcp_summary(struct cs_out *o, const struct cs_packet *p, const struct cs_flow_view *fv)
{
    const struct cs_tcp *t = &p->t.tcp;
    int rel = fv && fv->flow && fv->rel_ok;
    if (t->hdr_captured <
        20) { /* the fixed header was cut: nothing more is known; [|tcp] follows */
        CS_OUT_LIT(o, "TCP");
        return;
    }
    CS_OUT_LIT(o, "TCP [");
    tcpdump_flag_letters(o, t->flags);
    CS_OUT_LIT(o, "] seq ");
    cs_out_u32_(o, rel ? fv->rel_seq : t->seq);
    if (t->flags & CS_TH_ACK) {
        CS_OUT_LIT(o, " ack ");
        cs_out_u32_(o, rel ? fv->rel_ack : t->ack);
    }
    CS_OUT_LIT(o, " win ");
    cs_out_u32_(o, fv && fv->flow ? fv->win : t->win);
    if (t->flags & CS_TH_URG) {
        CS_OUT_LIT(o, " urg ");
        cs_out_u32_(o, t->urp);
    }
    CS_OUT_LIT(o, " len ");
    cs_out_u32_(o, t->payload_len);
    if (t->n_opts) {
        CS_OUT_LIT(o, " options [");
        cs_fmt_tcp_opts(o, t, fv);
        cs_out_putc_(o, ']');
    }
}

static void
icmp_quote(struct cs_out *o, const struct cs_icmp *ic)
{
    if (!ic->has_quote)
        return;
    CS_OUT_LIT(o, " for ");
    out_ip_proto_name(o, ic->q_proto);
    cs_out_putc_(o, ' ');
    cs_fmt_endpoints(o, &ic->q_src, ic->q_sport, &ic->q_dst, ic->q_dport,
                     ic->q_proto == 6 || ic->q_proto == 17);
}

static void
icmp_summary(struct cs_out *o, const struct cs_packet *p, int v6)
{
    const struct cs_icmp *ic = &p->t.icmp;
    const char *name = tok_name(v6 ? icmp6_types : icmp_types, ic->type);
    unsigned echo_req = v6 ? 128 : 8, echo_rep = v6 ? 129 : 0, unreach = v6 ? 1 : 3;
    cs_out_str(o, v6 ? "ICMP6 " : "ICMP ");
    if (!name) {
        CS_OUT_LIT(o, "type ");
        cs_out_u32_(o, ic->type);
        CS_OUT_LIT(o, " code ");
        cs_out_u32_(o, ic->code);
    } else if ((ic->type == echo_req || ic->type == echo_rep) &&
               p->trunc_layer != (v6 ? CS_LAYER_ICMP6 : CS_LAYER_ICMP)) {
        cs_out_str(o, name);
        CS_OUT_LIT(o, " id ");
        cs_out_u32_(o, ic->id);
        CS_OUT_LIT(o, " seq ");
        cs_out_u32_(o, ic->seq);
    } else {
        cs_out_str(o, name);
        const char *code = ic->type == unreach
                               ? tok_name(v6 ? icmp6_unreach_codes : icmp_unreach_codes, ic->code)
                               : NULL;
        if (code) {
            cs_out_putc_(o, ' ');
            cs_out_str(o, code);
        } else if (ic->code) {
            CS_OUT_LIT(o, " code ");
            cs_out_u32_(o, ic->code);
        }
    }
    icmp_quote(o, ic);
}

static void
ip_other(struct cs_out *o, const struct cs_packet *p)
{
    const struct cs_ip *ip = &p->ip;
    cs_out_str(o, p->l3 == CS_L3_IPV6 ? "IP6 proto " : "IP proto ");
    cs_out_u32_(o, ip->proto);
    CS_OUT_LIT(o, " len ");
    cs_out_u32_(o, ip->total_len >= ip->hlen ? (unsigned)(ip->total_len - ip->hlen) : 0u);
}

static void
ip_summary(struct cs_out *o, const struct cs_packet *p, const struct cs_flow_view *fv)
{
    const struct cs_ip *ip = &p->ip;
    int later_fragment = ip->is_fragment && ip->frag_off > 0;
    if (later_fragment) {
        ip_other(o, p);
    } else {
        switch (p->l4) {
            case CS_L4_TCP:
                tcp_summary(o, p, fv);
                break;
            case CS_L4_UDP:
                if (p->t.udp.hdr_captured < 8) { /* the header was cut; [|udp] follows */
                    CS_OUT_LIT(o, "UDP");
                    break;
                }
                /* The datagram's length as its header says (a first fragment carries part). */
                CS_OUT_LIT(o, "UDP len ");
                cs_out_u32_(o, ip->is_fragment && p->t.udp.len >= 8 ? p->t.udp.len - 8u
                                                                    : p->payload_len);
                break;
            case CS_L4_ICMP:
                icmp_summary(o, p, 0);
                break;
            case CS_L4_ICMP6:
                icmp_summary(o, p, 1);
                break;
            case CS_L4_NONE:
            case CS_L4_OTHER:
                ip_other(o, p);
                break;
        }
    }
    if (ip->is_fragment) {
        CS_OUT_LIT(o, " frag id ");
        cs_out_u32_(o, p->l3 == CS_L3_IPV6 ? ip->frag_id : ip->id);
        CS_OUT_LIT(o, " off ");
        cs_out_u32_(o, ip->frag_off);
        if (ip->mf)
            CS_OUT_LIT(o, " MF");
    }
}

static void
link_summary(struct cs_out *o, const struct cs_packet *p)
{
    cs_out_str(o, cs_fmt_l2_name(p->l2.kind));
    if (p->l2.kind == CS_L2_NULL) {
        CS_OUT_LIT(o, " family ");
        cs_out_u32_(o, p->l2.null_family);
    } else if (p->l2.kind == CS_L2_PPP) {
        CS_OUT_LIT(o, " proto 0x");
        cs_out_hex(o, p->l2.ppp_proto, 4);
    }
}

/* "ARP request who-has D tell S", "ARP reply S", "ARP op N" (RFC 826). */
static void
arp_summary(struct cs_out *o, const struct cs_packet *p)
{
    const struct cs_ip *ip = &p->ip;
    const char *op = tok_name(arp_ops, ip->arp_op);
    CS_OUT_LIT(o, "ARP ");
    if (!op) {
        CS_OUT_LIT(o, "op ");
        cs_out_u32_(o, ip->arp_op);
        return;
    }
    cs_out_str(o, op);
    if (ip->src.family != 4 || ip->dst.family != 4)
        return;
    if (ip->arp_op == 1) {
        CS_OUT_LIT(o, " who-has ");
        cs_out_addr(o, &ip->dst);
        CS_OUT_LIT(o, " tell ");
        cs_out_addr(o, &ip->src);
    } else if (ip->arp_op == 2) {
        cs_out_putc_(o, ' ');
        cs_out_addr(o, &ip->src);
    }
}

void
cs_fmt_summary(struct cs_out *o, const struct cs_packet *p, const struct cs_flow_view *fv)
{
    uint32_t flen = p->frame ? p->frame->len : 0;
    if (p->l2.kind == CS_L2_UNKNOWN) {
        cs_fmt_proto(o, p);
        CS_OUT_LIT(o, " len ");
        cs_out_u32_(o, flen);
    } else if (p->l3 == CS_L3_IPV4 || p->l3 == CS_L3_IPV6) {
        ip_summary(o, p, fv);
    } else if (p->l3 == CS_L3_ARP) {
        arp_summary(o, p);
        CS_OUT_LIT(o, " len ");
        cs_out_u32_(o, flen);
    } else if (p->l3 == CS_L3_OTHER) {
        CS_OUT_LIT(o, "ethertype 0x");
        cs_out_hex(o, p->l2.ethertype, 4);
        CS_OUT_LIT(o, " len ");
        cs_out_u32_(o, flen);
    } else {
        link_summary(o, p);
        CS_OUT_LIT(o, " len ");
        cs_out_u32_(o, flen);
    }
    const char *tl = cs_fmt_layer_name(p->trunc_layer);
    if (tl) {
        CS_OUT_LIT(o, " [|");
        cs_out_str(o, tl);
        cs_out_putc_(o, ']');
    }
    /* "linktype-N" already says what link.unknown_type would */
    uint64_t anom = p->anomalies & ~((uint64_t)1 << CS_ANOM_LINKTYPE_UNKNOWN);
    if (anom) {
        if (p->status == CS_MALFORMED)
            CS_OUT_LIT(o, " [malformed: ");
        else
            CS_OUT_LIT(o, " [anomaly: ");
        cs_fmt_anomalies(o, anom);
        cs_out_putc_(o, ']');
    }
}

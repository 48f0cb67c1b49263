/* ca_dissect.c: the Channel Access dissector: finds CA traffic, frames messages in UDP datagrams
 * and reassembled TCP streams, resolves their direction from flow roles, emits CS_REC_CA records.
 *
 * EPICS Channel Access Protocol Specification (4.13): UDP 5064 (search), 5065 (repeater,
 * beacons), TCP 5064 and every server port announced in search replies and beacons.
 */
#include "cashark/ca.h"

#include <stdlib.h>
#include <string.h>

#define CA_APP_ID   0xCA0001u /* flow->app_id of a CA circuit (app_state: struct ca_conn) */
#define CA_APP_NOT  0xCA0000u /* flow->app_id of a TCP flow found not to be CA */
#define CA_PORT     5064
#define CA_REPEATER 5065
#define LEARN_SLOTS 8192 /* learned (server address, port) pairs: open addressing */
#define LEARN_MAX   4096
#define BUF_LIMIT   (CS_CA_MSG_CAP + CS_CA_EXT_HDR_LEN) /* bytes buffered per direction */
#define HUNT_WINDOW 4096                                /* bytes looked at while resynchronising */
#define BUF_KEEP    ((size_t)16 * 1024) /* a buffer grown past this is freed when empty */

struct learned {
    struct cs_addr a;
    uint16_t port;
    uint8_t used;
};

struct ca_state {
    struct cs_dissect_env *env;
    struct learned *learn;
    size_t n_learned;
    uint8_t ts_digits;     /* of the last frame seen (for records made at the end) */
    struct cs_frame frame; /* records made without a packet of their own */
    struct cs_packet pkt;  /* endpoints of a record whose packet is not in its direction */
};

struct ca_dir {
    uint8_t *buf;
    size_t len, cap;
    uint64_t skip;       /* bytes of an oversized message still to pass over */
    uint64_t skip_total; /* that message's full length */
    uint8_t hunting;     /* resynchronising on a header */
    uint64_t hunted;     /* bytes passed over while hunting */
};

struct ca_conn {
    struct ca_state *st;
    uint8_t flip; /* the flow's client side is the CA server */
    struct ca_dir d[2];
    struct cs_ca_chans *chans; /* channel names on this circuit (ca_chan.c), or NULL */
};

/* ---- learned server ports ---- */

static uint32_t
learn_hash(const struct cs_addr *a, uint16_t port)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ a->a[i]) * 16777619u;
    h = (h ^ port) * 16777619u;
    return h ^ (h >> 15);
}

static int
addr_eq(const struct cs_addr *x, const struct cs_addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, sizeof x->a) == 0;
}

static int
learned(const struct ca_state *s, const struct cs_addr *a, uint16_t port)
{
    if (!s->n_learned)
        return 0;
    for (uint32_t i = learn_hash(a, port) % LEARN_SLOTS, k = 0; k < LEARN_SLOTS;
         k++, i = (i + 1) % LEARN_SLOTS) {
        const struct learned *e = &s->learn[i];
        if (!e->used)
            return 0;
        if (e->port == port && addr_eq(&e->a, a))
            return 1;
    }
    return 0;
}

static void
learn(struct ca_state *s, const struct cs_addr *a, uint16_t port)
{
    if (port == 0 || s->n_learned >= LEARN_MAX || learned(s, a, port))
        return;
    uint32_t i = learn_hash(a, port) % LEARN_SLOTS;
    while (s->learn[i].used)
        i = (i + 1) % LEARN_SLOTS;
    s->learn[i].a = *a;
    s->learn[i].port = port;
    s->learn[i].used = 1;
    s->n_learned++;
}

static int
user_port(const struct ca_state *s, uint16_t port)
{
    const struct cs_dissect_opts *o = s->env->opts;
    for (size_t i = 0; o && i < o->n_ca_ports; i++)
        if (o->ca_ports[i] == port)
            return 1;
    return 0;
}

/* A TCP endpoint that is a CA server. */
static int
tcp_server(const struct ca_state *s, const struct cs_addr *a, uint16_t port)
{
    return port == CA_PORT || user_port(s, port) || learned(s, a, port);
}

/* A UDP endpoint on the server side (search server, repeater, learned server). */
static int
udp_server(const struct ca_state *s, const struct cs_addr *a, uint16_t port)
{
    return port == CA_PORT || port == CA_REPEATER || user_port(s, port) || learned(s, a, port);
}

/* Search replies and beacons announce a server: address (0 or all ones: the sender's) and port. */
static void
learn_from(struct ca_state *s, const struct cs_ca_msg *m)
{
    uint32_t ip;
    uint16_t port;
    if (m->h.cmd == CS_CA_SEARCH && m->response) {
        ip = m->h.p1;
        port = m->h.dtype;
    } else if (m->h.cmd == CS_CA_RSRV_IS_UP) {
        ip = m->h.p2;
        port = (uint16_t)m->h.count;
    } else {
        return;
    }
    struct cs_addr a = m->src;
    if (ip != 0 && ip != 0xffffffffu && m->src.family == 4) {
        memset(&a, 0, sizeof a);
        a.family = 4;
        a.a[0] = (uint8_t)(ip >> 24);
        a.a[1] = (uint8_t)(ip >> 16);
        a.a[2] = (uint8_t)(ip >> 8);
        a.a[3] = (uint8_t)ip;
    }
    learn(s, &a, port);
}

/* ---- records ---- */

static int
pkt_matches(const struct cs_packet *p, const struct cs_ca_msg *m)
{
    if (!p)
        return 0;
    uint16_t sp, dp;
    if (m->proto == CS_FLOW_TCP && p->l4 == CS_L4_TCP) {
        sp = p->t.tcp.sport;
        dp = p->t.tcp.dport;
    } else if (m->proto == CS_FLOW_UDP && p->l4 == CS_L4_UDP) {
        sp = p->t.udp.sport;
        dp = p->t.udp.dport;
    } else {
        return 0;
    }
    return sp == m->sport && dp == m->dport && addr_eq(&p->ip.src, &m->src) &&
           addr_eq(&p->ip.dst, &m->dst);
}

static void
emit(struct ca_state *s, struct cs_ca_msg *m, const struct cs_flow *fl)
{
    struct cs_dissect_env *env = s->env;
    struct cs_record r = {CS_REC_CA, env->frame, env->pkt, env->fv, m, 0};
    if (m->marker == CS_CA_MSG)
        learn_from(s, m);
    if (!pkt_matches(env->pkt, m)) {
        struct cs_packet *p = &s->pkt;
        memset(p, 0, sizeof *p);
        p->l3 = m->src.family == 6 ? CS_L3_IPV6 : CS_L3_IPV4;
        p->ip.version = m->src.family;
        p->ip.src = m->src;
        p->ip.dst = m->dst;
        p->ip.proto = m->proto;
        if (m->proto == CS_FLOW_TCP) {
            p->l4 = CS_L4_TCP;
            p->t.tcp.hdr_captured = 4; /* ports only */
            p->t.tcp.sport = m->sport;
            p->t.tcp.dport = m->dport;
        } else {
            p->l4 = CS_L4_UDP;
            p->t.udp.hdr_captured = 4;
            p->t.udp.sport = m->sport;
            p->t.udp.dport = m->dport;
        }
        r.pkt = p;
        r.fv = NULL;
        if (!r.frame && fl) {
            memset(&s->frame, 0, sizeof s->frame);
            s->frame.ordinal = fl->last_ordinal;
            s->frame.ts_ns = fl->last_ts;
            s->frame.ts_digits = s->ts_digits;
            r.frame = &s->frame;
        }
        p->frame = r.frame;
    }
    if (!r.frame)
        return;
    cs_dissect_emit(env, &r);
}

/* Message m's endpoints on a TCP circuit, from the flow's roles and the CA server side. */
static void
tcp_endpoints(const struct ca_conn *c, const struct cs_flow *fl, int fdir, struct cs_ca_msg *m)
{
    int mdir = fdir ^ c->flip; /* 0 client to server */
    const struct cs_addr *ca = c->flip ? &fl->srv : &fl->cli, *sa = c->flip ? &fl->cli : &fl->srv;
    uint16_t cp = c->flip ? fl->sport : fl->cport, sp = c->flip ? fl->cport : fl->sport;
    m->response = (uint8_t)mdir;
    m->proto = CS_FLOW_TCP;
    m->src = mdir ? *sa : *ca;
    m->dst = mdir ? *ca : *sa;
    m->sport = mdir ? sp : cp;
    m->dport = mdir ? cp : sp;
}

static void
init_msg(struct cs_ca_msg *m, const struct ca_state *s)
{
    memset(m, 0, offsetof(struct cs_ca_msg, dbr));
    m->has_dbr = 0;
    m->pv = cs_cursor_make(NULL, 0);
    m->max_elements = s->env->opts ? s->env->opts->ca_max_elements : 10;
}

static void
emit_marker(struct ca_conn *c, const struct cs_flow *fl, int fdir, enum cs_ca_marker k,
            uint64_t bytes, uint64_t total)
{
    struct cs_ca_msg m;
    init_msg(&m, c->st);
    tcp_endpoints(c, fl, fdir, &m);
    m.marker = k;
    m.marker_bytes = bytes;
    m.marker_total = total;
    emit(c->st, &m, fl);
}

/* One whole message (or its kept head) from bytes p..n, header included. */
static void
emit_tcp_msg(struct ca_conn *c, const struct cs_flow *fl, int fdir, struct cs_cursor k, int cut)
{
    struct cs_ca_msg m;
    init_msg(&m, c->st);
    tcp_endpoints(c, fl, fdir, &m);
    cs_ca_header_parse(&k, &m.h);
    size_t avail = cs_cursor_remaining(&k);
    m.payload = cs_cursor_sub(&k, avail < m.h.psize ? avail : m.h.psize);
    m.payload_cut = (uint8_t)cut;
    cs_ca_msg_decode(&m);
    cs_ca_chans_note(&c->chans, &m);
    emit(c->st, &m, fl);
}

/* ---- TCP framing ---- */

static int
grow(struct ca_dir *d, size_t need)
{
    if (need <= d->cap)
        return 0;
    size_t cap = d->cap ? d->cap : 2048;
    while (cap < need)
        cap *= 2;
    if (cap > BUF_LIMIT)
        cap = BUF_LIMIT;
    uint8_t *b = realloc(d->buf, cap);
    if (!b)
        return -1;
    d->buf = b;
    d->cap = cap;
    return 0;
}

/* Header at offset off of the buffer: its length (0 when incomplete). */
static size_t
hdr_at(const struct ca_dir *d, size_t off, struct cs_ca_hdr *h)
{
    struct cs_cursor k = cs_cursor_make(d->buf, d->len);
    cs_cursor_skip(&k, off);
    return cs_ca_header_parse(&k, h);
}

static struct cs_cursor
buf_span(const struct ca_dir *d, size_t off, size_t n)
{
    struct cs_cursor k = cs_cursor_make(d->buf, d->len);
    cs_cursor_skip(&k, off);
    return cs_cursor_sub(&k, n);
}

enum hunt_result { HUNT_FOUND, HUNT_WAIT, HUNT_NONE };

/* Looks for a plausible header sequence from *off: a plausible header whose message ends where
 * the bytes end (a segment boundary) or is followed by another plausible header. */
static enum hunt_result
hunt(const struct ca_dir *d, int response, size_t *off, int more_input)
{
    int full = d->len >= HUNT_WINDOW;
    for (size_t j = *off; j + CS_CA_HDR_LEN <= d->len; j++) {
        struct cs_ca_hdr h, h2;
        size_t hl = hdr_at(d, j, &h);
        if (!hl) {
            *off = j;
            return HUNT_WAIT;
        }
        if (!cs_ca_header_sane(&h, response))
            continue;
        uint64_t end = j + hl + (uint64_t)h.psize;
        if (end == d->len && !more_input) {
            *off = j;
            return HUNT_FOUND;
        }
        if (end + CS_CA_HDR_LEN <= d->len) {
            if (hdr_at(d, (size_t)end, &h2) && cs_ca_header_sane(&h2, response)) {
                *off = j;
                return HUNT_FOUND;
            }
            continue;
        }
        if (!full && end < BUF_LIMIT) {
            *off = j;
            return HUNT_WAIT;
        }
        if (end >= BUF_LIMIT || h.psize > HUNT_WINDOW) {
            *off = j; /* too long to check: take it */
            return HUNT_FOUND;
        }
    }
    *off = d->len >= CS_CA_HDR_LEN ? d->len - (CS_CA_HDR_LEN - 1) : *off;
    return HUNT_NONE;
}

/* Frames the buffered bytes; more_input tells whether more of this delivery is to come. */
static void
frame_buf(struct ca_conn *c, const struct cs_flow *fl, int fdir, int more_input)
{
    struct ca_dir *d = &c->d[fdir];
    size_t off = 0;
    while (off < d->len) {
        if (d->hunting) {
            size_t j = off;
            enum hunt_result r = hunt(d, fdir ^ c->flip, &j, more_input);
            d->hunted += j - off;
            off = j;
            if (r != HUNT_FOUND)
                break;
            if (d->hunted)
                emit_marker(c, fl, fdir, CS_CA_SKIPPED, d->hunted, 0);
            d->hunting = 0;
            d->hunted = 0;
        }
        struct cs_ca_hdr h;
        size_t hl = hdr_at(d, off, &h);
        if (!hl)
            break;
        if (h.cmd > CS_CA_MAX_CMD) {
            d->hunting = 1;
            continue;
        }
        uint64_t total = hl + (uint64_t)h.psize;
        size_t have = d->len - off;
        if (total <= have) {
            emit_tcp_msg(c, fl, fdir, buf_span(d, off, (size_t)total), 0);
            off += (size_t)total;
            continue;
        }
        if (have >= BUF_LIMIT - CS_CA_EXT_HDR_LEN + hl || (off == 0 && d->len >= BUF_LIMIT)) {
            /* oversized: keep the head, pass over the rest, emit at its last byte */
            d->skip = total - have;
            d->skip_total = total;
        }
        break;
    }
    if (off) {
        memmove(d->buf, d->buf + off, d->len - off);
        d->len -= off;
    }
}

static void
release_buf(struct ca_dir *d)
{
    if (d->len == 0 && d->cap > BUF_KEEP) {
        free(d->buf);
        d->buf = NULL;
        d->cap = 0;
    }
}

static void
feed(struct ca_conn *c, const struct cs_flow *fl, int fdir, struct cs_cursor in)
{
    struct ca_dir *d = &c->d[fdir];
    while (cs_cursor_remaining(&in) > 0) {
        if (d->skip) {
            size_t n = cs_cursor_remaining(&in);
            size_t take = d->skip < n ? (size_t)d->skip : n;
            cs_cursor_skip(&in, take);
            d->skip -= take;
            if (d->skip == 0) {
                emit_tcp_msg(c, fl, fdir, buf_span(d, 0, d->len), 1);
                d->len = 0;
                release_buf(d);
            }
            continue;
        }
        size_t room = BUF_LIMIT - d->len;
        size_t n = cs_cursor_remaining(&in);
        size_t take = n < room ? n : room;
        if (d->hunting && take > HUNT_WINDOW)
            take = HUNT_WINDOW;
        if (grow(d, d->len + take) != 0) {
            /* out of memory: report the bytes as lost and start over */
            emit_marker(c, fl, fdir, CS_CA_GAP, d->len + n, 0);
            d->len = 0;
            d->hunting = 1;
            return;
        }
        cs_cursor_bytes(&in, d->buf + d->len, take);
        d->len += take;
        frame_buf(c, fl, fdir, cs_cursor_remaining(&in) > 0);
    }
    release_buf(d);
}

static void
on_stream(void *ctx, struct cs_flow *fl, int fdir, const uint8_t *data, size_t n, uint64_t lost,
          int fin)
{
    struct ca_conn *c = ctx;
    struct ca_dir *d = &c->d[fdir];
    if (n)
        feed(c, fl, fdir, cs_cursor_make(data, n));
    if (!lost && !fin)
        return;
    /* a gap or the end: what is pending is incomplete */
    if (d->skip) {
        emit_marker(c, fl, fdir, CS_CA_INCOMPLETE, d->skip_total - d->skip, d->skip_total);
    } else if (d->hunting && d->len + d->hunted > 0) {
        emit_marker(c, fl, fdir, CS_CA_SKIPPED, d->hunted + d->len, 0);
    } else if (d->len) {
        struct cs_ca_hdr h;
        size_t hl = hdr_at(d, 0, &h);
        emit_marker(c, fl, fdir, CS_CA_INCOMPLETE, d->len, hl ? hl + (uint64_t)h.psize : 0);
    }
    d->len = 0;
    d->skip = 0;
    d->hunted = 0;
    release_buf(d);
    if (lost) {
        emit_marker(c, fl, fdir, CS_CA_GAP, lost, 0);
        d->hunting = 1;
    }
}

static void
conn_free(void *p)
{
    struct ca_conn *c = p;
    free(c->d[0].buf);
    free(c->d[1].buf);
    cs_ca_chans_free(c->chans);
    free(c);
}

/* A TCP payload that opens with a CA VERSION message (client priority, minor version). */
static int
looks_like_version(const struct cs_packet *p)
{
    struct cs_cursor k = p->payload;
    struct cs_ca_hdr h;
    if (!cs_ca_header_parse(&k, &h))
        return 0;
    if (h.cmd != CS_CA_VERSION || h.psize != 0 || h.extended || h.p1 != 0 || h.p2 != 0 ||
        h.count == 0 || h.count > 99 || h.dtype > 99)
        return 0;
    struct cs_ca_hdr h2;
    return !cs_ca_header_parse(&k, &h2) || cs_ca_header_plausible(&h2);
}

static void
tcp_packet(struct ca_state *s, struct cs_flow *fl)
{
    if (fl->app_id == CA_APP_ID || fl->app_id == CA_APP_NOT || fl->app_state)
        return;
    const struct cs_packet *p = s->env->pkt;
    int srv_side = tcp_server(s, &fl->srv, fl->sport);
    int cli_side = tcp_server(s, &fl->cli, fl->cport);
    uint8_t flip = 0;
    if (!srv_side && !cli_side) {
        if (p->payload_len == 0)
            return; /* decide on the first payload */
        if (!looks_like_version(p)) {
            fl->app_id = CA_APP_NOT;
            return;
        }
        flip = !fl->client_known && s->env->fv->dir == 1;
    } else if (!fl->client_known && !srv_side && cli_side) {
        flip = 1;
    }
    struct ca_conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->st = s;
    c->flip = flip;
    for (int d = 0; d < 2; d++)
        c->d[d].hunting = !fl->tcp[d].isn_known && fl->tcp[d].seen;
    fl->app_id = CA_APP_ID;
    fl->app_state = c;
    fl->app_free = conn_free;
    cs_flow_stream_enable(s->env->flows, fl, on_stream, c);
}

/* ---- UDP ---- */

static void
udp_msg(struct cs_ca_msg *m, const struct ca_state *s, const struct cs_packet *p, int response)
{
    init_msg(m, s);
    m->proto = CS_FLOW_UDP;
    m->response = (uint8_t)response;
    m->src = p->ip.src;
    m->dst = p->ip.dst;
    m->sport = p->t.udp.sport;
    m->dport = p->t.udp.dport;
}

/* libca's wake-up on shutdown: a 16-byte all-zero CA_PROTO_VERSION from its search socket to
 * itself (same address and port, any port), e.g. 127.0.0.1:36019->127.0.0.1:36019. */
static int
self_addressed_version(const struct cs_packet *p)
{
    const struct cs_udp *u = &p->t.udp;
    if (u->sport != u->dport || p->payload_len != 16 ||
        memcmp(&p->ip.src, &p->ip.dst, sizeof p->ip.src) != 0)
        return 0;
    struct cs_cursor k = p->payload;
    for (int i = 0; i < 16; i++) {
        if (cs_cursor_u8(&k) != 0)
            return 0;
    }
    return !cs_cursor_failed(&k);
}

static void
udp_packet(struct ca_state *s, const struct cs_packet *p, const struct cs_flow *fl)
{
    const struct cs_udp *u = &p->t.udp;
    int dsrv = udp_server(s, &p->ip.dst, u->dport), ssrv = udp_server(s, &p->ip.src, u->sport);
    if (!dsrv && !ssrv && !self_addressed_version(p))
        return;
    int response;
    if (dsrv != ssrv)
        response = ssrv;
    else /* both on server ports: the search port or a repeater answers */
        response = u->sport == CA_PORT || (u->sport == CA_REPEATER && u->dport != CA_PORT);
    struct cs_ca_msg m;
    struct cs_cursor k = p->payload;
    int cut = cs_cursor_remaining(&k) < p->payload_len;
    if (p->payload_len == 0) {
        udp_msg(&m, s, p, response);
        m.marker = CS_CA_EMPTY;
        emit(s, &m, fl);
        return;
    }
    while (cs_cursor_remaining(&k) > 0) {
        struct cs_ca_hdr h;
        size_t left = cs_cursor_remaining(&k);
        struct cs_cursor k2 = k;
        size_t hl = cs_ca_header_parse(&k2, &h);
        udp_msg(&m, s, p, response);
        if (!hl && left == cs_cursor_remaining(&p->payload))
            return; /* not even one header: not CA, the packet summary shows it */
        if (!hl || h.psize > cs_cursor_remaining(&k2)) {
            m.marker = cut ? CS_CA_CUT : CS_CA_TRAILING;
            m.marker_bytes = left;
            m.marker_total = hl ? hl + (uint64_t)h.psize : 0;
            emit(s, &m, fl);
            return;
        }
        m.h = h;
        /* commands that exist in one direction only (beacons travel to the repeater port) */
        if (!cs_ca_class_name(h.cmd, m.response) && cs_ca_class_name(h.cmd, !m.response))
            m.response = !m.response;
        m.payload = cs_cursor_sub(&k2, h.psize);
        cs_ca_msg_decode(&m);
        emit(s, &m, fl);
        k = k2;
    }
}

/* ---- dissector ---- */

static void *
ca_create(struct cs_dissect_env *env)
{
    struct ca_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->learn = calloc(LEARN_SLOTS, sizeof *s->learn);
    if (!s->learn) {
        free(s);
        return NULL;
    }
    s->env = env;
    s->ts_digits = 6;
    return s;
}

static void
ca_packet(void *state, struct cs_dissect_env *env)
{
    struct ca_state *s = state;
    const struct cs_packet *p = env->pkt;
    if (!p || !env->fv || !env->fv->flow)
        return;
    if (env->frame)
        s->ts_digits = env->frame->ts_digits;
    struct cs_flow *fl = env->fv->flow;
    if (p->l4 == CS_L4_TCP)
        tcp_packet(s, fl);
    else if (p->l4 == CS_L4_UDP && p->t.udp.hdr_captured >= 8 && !p->ip.is_fragment)
        udp_packet(s, p, fl);
}

static void
ca_destroy(void *state)
{
    struct ca_state *s = state;
    free(s->learn);
    free(s);
}

const struct cs_dissector_ops cs_ca_dissector = {
    "ca", ca_create, ca_packet, NULL, ca_destroy,
};

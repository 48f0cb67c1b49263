/* tcpstats.c: per-connection TCP statistics: retransmissions, out-of-order segments, duplicate
 * ACKs, zero windows, handshake times, Zeek's conn_state and history.
 *
 * RFC 9293 (TCP; sequence numbers modulo 2^32), RFC 7323 (window scale). The definitions, field
 * by field (shared/TCP-ANALYSIS.md has the sources):
 * - retrans_pkts/bytes: tcptrace's rule: per direction the byte ranges already seen (SYN and FIN
 *   take one byte each); a segment with bytes already seen is a retransmission, and those bytes
 *   are its retransmitted bytes. Order only, no timing.
 * - ooo_pkts: tcptrace's out-of-order: a segment with never-seen bytes below the highest seen.
 * - dupack: tshark 4.0's rule: no payload, no SYN/FIN/RST, same ack as this direction's last
 *   one, seq at the next expected byte, a non-zero unchanged window. SACK blocks do not make an
 *   ACK with a new window a duplicate (measured: tcp_own_loss.pcap, Linux's SACK ACKs during
 *   recovery, 0 for tshark 4.0.17), nor one with window 0 (zero_window.pcap).
 * - zero_win: tshark's: window field 0 on a packet without SYN/FIN/RST.
 * - zwp: a segment while the peer's last window was 0: Linux probes (no payload at the next
 *   expected byte minus 1) and probes with data (tcptrace's "zwnd probe", not counted as
 *   retransmissions, their bytes not recorded).
 * - keepalive: tshark's: 0 or 1 payload bytes at the next expected byte minus 1, no SYN/FIN/RST,
 *   while the peer's window is open.
 * - state/history: Zeek's conn_state() decision order and history letters (upper case for the
 *   client; a, d, q once per direction; s, h, f, r again only with a new sequence number; g, t,
 *   w at the 1st, 10th, 100th, ... event; ^ when the first packet came from the server).
 * Sequence numbers are unwrapped to 64-bit offsets from the first one seen per direction, so
 * comparisons hold across 2^32.
 */
#include "cashark/tcpstats.h"

#include <stdlib.h>
#include <string.h>

#define NIV 8 /* byte ranges remembered per direction; beyond, the closest two merge */

struct ival {
    int64_t lo, hi;
};

enum { H_S, H_H, H_F, H_R, H__N };

struct dstate {
    uint32_t base; /* raw seq at offset 0 */
    uint8_t base_set;
    uint8_t win_seen, ack_seen;
    uint8_t niv;
    uint8_t once;            /* history letters a, d, q recorded (bits 0..2) */
    uint8_t hist_set;        /* bit per H_*: hist_seq holds a value */
    uint16_t last_win;       /* raw window of the last packet */
    uint32_t last_ack;       /* raw ack of the last packet with ACK */
    uint32_t hist_seq[H__N]; /* seq of the last s, h, f, r letter */
    uint32_t n_t, n_w, n_g;  /* events for the logarithmic letters */
    int64_t hi;              /* highest end offset seen */
    struct ival iv[NIV];     /* ranges seen, sorted, disjoint, not adjacent */
};

struct entry {
    struct cs_tcpconn row;
    struct dstate d[2];
    uint32_t synack_seq;
    uint8_t flipped;     /* the first packet came from the server */
    uint8_t c_acked;     /* the client sent an ACK after the SYN-ACK */
    uint8_t sent_syn[2]; /* SYN without ACK (0) / SYN-ACK (1) sent by this direction */
    uint8_t hlen;        /* history letters so far */
    struct entry *next_free;
};

struct cs_tcpstats {
    struct entry **slots; /* open addressing by conn; NULL empty */
    uint32_t mask;
    struct entry *free_list;
    uint64_t live;
};

/* ---- the side table ---- */

static uint32_t
conn_hash(int64_t conn)
{
    uint64_t h = (uint64_t)conn * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(h >> 32);
}

struct cs_tcpstats *
cs_tcpstats_new(uint32_t max_conns)
{
    struct cs_tcpstats *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    uint32_t n = 16;
    while (n < 2 * (uint64_t)max_conns && n < (1u << 30))
        n *= 2;
    s->slots = calloc(n, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->mask = n - 1;
    return s;
}

void
cs_tcpstats_free(struct cs_tcpstats *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i <= s->mask; i++)
        free(s->slots[i]);
    while (s->free_list) {
        struct entry *e = s->free_list;
        s->free_list = e->next_free;
        free(e);
    }
    free(s->slots);
    free(s);
}

static uint32_t
slot_of(const struct cs_tcpstats *s, int64_t conn)
{
    uint32_t i = conn_hash(conn) & s->mask;
    while (s->slots[i] && s->slots[i]->row.conn != conn)
        i = (i + 1) & s->mask;
    return i;
}

/* Removes slot i and shifts back the run after it. */
static void
slot_remove(struct cs_tcpstats *s, uint32_t i)
{
    for (uint32_t j = (i + 1) & s->mask; s->slots[j]; j = (j + 1) & s->mask) {
        uint32_t home = conn_hash(s->slots[j]->row.conn) & s->mask;
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = NULL;
}

static struct entry *
entry_new(struct cs_tcpstats *s, uint32_t slot, const struct cs_packet *p,
          const struct cs_flow_view *fv)
{
    if (s->live * 2 > s->mask)
        return NULL; /* cannot happen while the flow table's cap holds */
    struct entry *e = s->free_list;
    if (e)
        s->free_list = e->next_free;
    else if (!(e = malloc(sizeof *e)))
        return NULL;
    memset(e, 0, sizeof *e);
    const struct cs_flow *fl = fv->flow;
    struct cs_tcpconn *r = &e->row;
    r->conn = fl->conn;
    r->first_ordinal = fl->first_ordinal;
    r->cli = fl->cli;
    r->srv = fl->srv;
    r->cport = fl->cport;
    r->sport = fl->sport;
    r->vlan = fl->vlan;
    r->ipv = p->l3 == CS_L3_IPV6 ? 6 : 4;
    r->ts_digits = p->frame ? p->frame->ts_digits : 6;
    e->flipped = fv->dir == 1;
    s->slots[slot] = e;
    s->live++;
    return e;
}

/* ---- byte ranges ---- */

/* Bytes of [lo, hi) already in the set. */
static int64_t
covered(const struct dstate *d, int64_t lo, int64_t hi)
{
    int64_t n = 0;
    for (unsigned i = 0; i < d->niv && d->iv[i].lo < hi; i++) {
        int64_t a = d->iv[i].lo > lo ? d->iv[i].lo : lo;
        int64_t b = d->iv[i].hi < hi ? d->iv[i].hi : hi;
        if (b > a)
            n += b - a;
    }
    return n;
}

/* Adds [lo, hi) to the set, merging what touches it; when the set is full the two ranges with
 * the smallest gap merge (the gap then counts as seen: bounded memory over exactness). */
static void
insert(struct dstate *d, int64_t lo, int64_t hi)
{
    unsigned i = 0;
    while (i < d->niv && d->iv[i].hi < lo)
        i++;
    unsigned j = i;
    while (j < d->niv && d->iv[j].lo <= hi) {
        if (d->iv[j].lo < lo)
            lo = d->iv[j].lo;
        if (d->iv[j].hi > hi)
            hi = d->iv[j].hi;
        j++;
    }
    /* ranges i..j-1 merge into [lo, hi) */
    if (j > i) {
        d->iv[i] = (struct ival){lo, hi};
        memmove(&d->iv[i + 1], &d->iv[j], (d->niv - j) * sizeof d->iv[0]);
        d->niv = (uint8_t)(d->niv - (j - i - 1));
        return;
    }
    if (d->niv == NIV) {
        unsigned best = 0;
        for (unsigned k = 1; k + 1 < NIV; k++)
            if (d->iv[k + 1].lo - d->iv[k].hi < d->iv[best + 1].lo - d->iv[best].hi)
                best = k;
        d->iv[best].hi = d->iv[best + 1].hi;
        memmove(&d->iv[best + 1], &d->iv[best + 2], (NIV - best - 2) * sizeof d->iv[0]);
        d->niv--;
        if (best < i)
            i--;
    }
    memmove(&d->iv[i + 1], &d->iv[i], (d->niv - i) * sizeof d->iv[0]);
    d->iv[i] = (struct ival){lo, hi};
    d->niv++;
}

/* ---- history ---- */

static void
hist_add(struct entry *e, int dir, char lower)
{
    if ((size_t)e->hlen + 1 >= sizeof e->row.history)
        return;
    e->row.history[e->hlen++] = dir == 0 ? (char)(lower - 'a' + 'A') : lower;
}

/* s, h, f, r: again only with another sequence number. */
static void
hist_seq(struct entry *e, int dir, int which, char lower, uint32_t seq)
{
    struct dstate *d = &e->d[dir];
    if ((d->hist_set >> which) & 1u && d->hist_seq[which] == seq)
        return;
    d->hist_set |= (uint8_t)(1u << which);
    d->hist_seq[which] = seq;
    hist_add(e, dir, lower);
}

static void
hist_once(struct entry *e, int dir, unsigned bit, char lower)
{
    if (e->d[dir].once & bit)
        return;
    e->d[dir].once |= (uint8_t)bit;
    hist_add(e, dir, lower);
}

/* g, t, w: at the 1st, 10th, 100th, ... event. */
static void
hist_log(struct entry *e, int dir, uint32_t *n, char lower)
{
    uint32_t v = ++*n;
    while (v % 10 == 0)
        v /= 10;
    if (v == 1)
        hist_add(e, dir, lower);
}

/* ---- per packet ---- */

static void
handshake(struct entry *e, int dir, const struct cs_tcp *th, int64_t ts)
{
    struct cs_tcpconn *r = &e->row;
    uint16_t fl = th->flags;
    if ((fl & (CS_TH_SYN | CS_TH_ACK)) == CS_TH_SYN && dir == 0) {
        r->syn_n++;
        if (!r->has_syn) {
            r->has_syn = 1;
            r->syn_t = ts;
        }
        if (!r->has_synack)
            r->last_syn_t = ts;
        e->sent_syn[0] = 1;
    } else if ((fl & (CS_TH_SYN | CS_TH_ACK)) == (CS_TH_SYN | CS_TH_ACK) && dir == 1) {
        if (!r->has_synack) {
            r->has_synack = 1;
            r->synack_t = ts;
            e->synack_seq = th->seq;
        }
        e->sent_syn[1] = 1;
    } else if (dir == 0 && (fl & CS_TH_ACK) && !(fl & CS_TH_SYN) && r->has_synack) {
        e->c_acked = 1;
        if (!r->has_hs_ack && th->ack == e->synack_seq + 1) {
            r->has_hs_ack = 1;
            r->hs_ack_t = ts;
        }
    }
}

static unsigned
sequence(struct entry *e, int dir, const struct cs_tcp *th, uint32_t len, int peer_win0)
{
    struct dstate *d = &e->d[dir];
    struct cs_tcpconn_dir *o = &e->row.d[dir];
    uint16_t fl = th->flags;
    unsigned labels = 0;
    int syn = (fl & CS_TH_SYN) != 0, fin = (fl & CS_TH_FIN) != 0;
    if (!d->base_set) {
        d->base = th->seq;
        d->base_set = 1;
        d->hi = 0;
    }
    uint32_t rel = th->seq - d->base;
    int64_t start = d->hi + (int32_t)(rel - (uint32_t)d->hi);
    int64_t end = start + len + syn + fin;
    int64_t hi0 = d->niv ? d->hi : start;

    /* keep-alives and Linux zero-window probes: at most one byte at the next expected - 1 */
    if (d->niv && !(fl & (CS_TH_SYN | CS_TH_FIN | CS_TH_RST)) && len <= 1 && start == hi0 - 1) {
        if (peer_win0) {
            o->zwp++;
            return CS_TCPA_ZWP;
        }
        o->keepalive++;
        labels |= CS_TCPA_KEEPALIVE;
        if (len == 0)
            return labels;
    } else if (peer_win0 && len > 0 && !syn && !(fl & CS_TH_RST)) {
        o->zwp++; /* tcptrace: a probe, not a retransmission; its bytes are not recorded */
        return CS_TCPA_ZWP;
    }
    if (end == start || (fl & CS_TH_RST))
        return labels;

    int64_t seen = covered(d, start, end);
    if (seen > 0) {
        o->retrans_pkts++;
        o->retrans_bytes += (uint64_t)seen;
        labels |= CS_TCPA_RETRANS;
    }
    int64_t below = end < hi0 ? end : hi0;
    if (d->niv && below > start && below - start - covered(d, start, below) > 0) {
        o->ooo_pkts++;
        labels |= CS_TCPA_OOO;
    }
    if (len) {
        int64_t p0 = start + syn;
        uint64_t again = (uint64_t)covered(d, p0, p0 + len);
        o->unique_bytes += len - again;
        if (again) {
            o->rexmt_data_pkts++;
            o->rexmt_data_bytes += again;
        }
    }
    if (d->niv && start > hi0) {
        labels |= CS_TCPA_GAP;
        hist_log(e, dir, &d->n_g, 'g');
    }
    if (len && end <= hi0 && d->niv)
        hist_log(e, dir, &d->n_t, 't'); /* Zeek: ends at or below the highest end seen */
    int first = !d->niv;
    insert(d, start, end);
    if (first || end > d->hi)
        d->hi = end;
    return labels;
}

unsigned
cs_tcpstats_packet(struct cs_tcpstats *s, const struct cs_packet *p, const struct cs_flow_view *fv)
{
    if (!fv->flow || fv->conn < 0 || p->l4 != CS_L4_TCP)
        return 0;
    uint32_t slot = slot_of(s, fv->conn);
    struct entry *e = s->slots[slot];
    if (!e && !(e = entry_new(s, slot, p, fv)))
        return 0;
    int dir = fv->dir;
    const struct cs_tcp *th = &p->t.tcp;
    uint32_t len = p->payload_len;
    int64_t ts = p->frame ? p->frame->ts_ns : 0;
    struct cs_tcpconn *r = &e->row;
    struct cs_tcpconn_dir *o = &r->d[dir];
    struct dstate *d = &e->d[dir], *peer = &e->d[!dir];
    uint16_t fl = th->flags;
    unsigned labels = 0;

    o->pkts++;
    o->data_pkts += len != 0;
    o->bytes += len;
    handshake(e, dir, th, ts);
    if (fl & CS_TH_SYN) {
        hist_seq(e, dir, (fl & CS_TH_ACK) ? H_H : H_S, (fl & CS_TH_ACK) ? 'h' : 's', th->seq);
        if (fl & (CS_TH_FIN | CS_TH_RST))
            hist_once(e, dir, 4, 'q');
    }
    if (fl & CS_TH_FIN) {
        o->fin++;
        r->fin_by |= dir ? CS_TCPCONN_SERVER : CS_TCPCONN_CLIENT;
        hist_seq(e, dir, H_F, 'f', th->seq);
    }
    if (fl & CS_TH_RST) {
        o->rst++;
        if (!r->has_rst) {
            r->has_rst = 1;
            r->rst_t = ts;
            r->rst_by = dir ? CS_TCPCONN_SERVER : CS_TCPCONN_CLIENT;
        }
        hist_seq(e, dir, H_R, 'r', th->seq);
    }
    if ((fl & CS_TH_ACK) && !len && !(fl & (CS_TH_SYN | CS_TH_FIN | CS_TH_RST)))
        hist_once(e, dir, 1, 'a');
    if (len)
        hist_once(e, dir, 2, 'd');

    int peer_win0 = peer->win_seen && peer->last_win == 0;
    /* tshark's duplicate ACK, tested against the state before this packet */
    if (!len && (fl & CS_TH_ACK) && !(fl & (CS_TH_SYN | CS_TH_FIN | CS_TH_RST)) && d->ack_seen &&
        th->ack == d->last_ack && d->niv && (uint32_t)(th->seq - d->base) == (uint32_t)d->hi &&
        th->win != 0 && th->win == d->last_win) {
        o->dupack++;
        labels |= CS_TCPA_DUPACK;
    }
    labels |= sequence(e, dir, th, len, peer_win0);

    if (!(fl & (CS_TH_SYN | CS_TH_FIN | CS_TH_RST)) && th->win == 0) {
        o->zero_win++;
        labels |= CS_TCPA_ZERO_WIN;
        hist_log(e, dir, &d->n_w, 'w');
    }
    if (!(fl & CS_TH_SYN)) {
        uint32_t w = fv->win;
        if (!o->win_seen || w < o->win_min)
            o->win_min = w;
        if (!o->win_seen || w > o->win_max)
            o->win_max = w;
        o->win_seen = 1;
    }
    d->last_win = th->win;
    d->win_seen = 1;
    if (fl & CS_TH_ACK) {
        d->last_ack = th->ack;
        d->ack_seen = 1;
    }
    return labels;
}

/* ---- the end of a connection ---- */

enum zstate { Z_INACTIVE, Z_SYN_SENT, Z_SYN_ACK_SENT, Z_PARTIAL, Z_ESTABLISHED, Z_CLOSED, Z_RESET };

static enum zstate
endpoint_state(const struct entry *e, int dir)
{
    const struct cs_tcpconn_dir *o = &e->row.d[dir];
    if (o->rst)
        return Z_RESET;
    if (o->fin)
        return Z_CLOSED;
    int est = e->row.has_synack && e->c_acked;
    if (e->sent_syn[dir])
        return est ? Z_ESTABLISHED : dir ? Z_SYN_ACK_SENT : Z_SYN_SENT;
    return o->pkts ? Z_PARTIAL : Z_INACTIVE;
}

/* Zeek's conn_state() (scripts/base/protocols/conn/main.zeek), in its decision order. */
static const char *
zeek_state(const struct entry *e)
{
    enum zstate os = endpoint_state(e, 0), rs = endpoint_state(e, 1);
    int o_inactive = os == Z_INACTIVE || os == Z_PARTIAL;
    int r_inactive = rs == Z_INACTIVE || rs == Z_PARTIAL;
    const struct cs_tcpconn *r = &e->row;
    if (rs == Z_RESET) {
        if (os == Z_SYN_SENT || os == Z_SYN_ACK_SENT ||
            (os == Z_RESET && r->d[0].bytes == 0 && r->d[1].bytes == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == Z_RESET) {
        if (r_inactive)
            return e->sent_syn[0] && !e->sent_syn[1] ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (rs == Z_CLOSED && os == Z_CLOSED)
        return "SF";
    if (os == Z_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == Z_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == Z_SYN_SENT && rs == Z_INACTIVE)
        return "S0";
    if (os == Z_ESTABLISHED && rs == Z_ESTABLISHED)
        return "S1";
    return "OTH";
}

int
cs_tcpstats_end(struct cs_tcpstats *s, const struct cs_flow *fl, struct cs_tcpconn *row)
{
    if (fl->proto != CS_FLOW_TCP || fl->conn < 0)
        return 0;
    uint32_t slot = slot_of(s, fl->conn);
    struct entry *e = s->slots[slot];
    if (!e)
        return 0;
    struct cs_tcpconn *r = &e->row;
    r->client_known = fl->client_known;
    r->first_t = fl->first_ts;
    r->last_t = fl->last_ts;
    for (int d = 0; d < 2; d++) {
        const struct cs_tcpdir *td = &fl->tcp[d], *tp = &fl->tcp[!d];
        if (td->ws_offered && tp->ws_offered)
            r->d[d].scale = (int32_t)1 << td->ws;
        else if (td->isn_known && tp->isn_known)
            r->d[d].scale = -2;
        else
            r->d[d].scale = -1;
        r->d[d].mss = td->mss;
    }
    const char *st = zeek_state(e);
    memcpy(r->state, st, strlen(st) + 1);
    if (e->flipped && fl->client_known && (size_t)e->hlen + 1 < sizeof r->history) {
        memmove(r->history + 1, r->history, e->hlen);
        r->history[0] = '^';
        e->hlen++;
    }
    r->history[e->hlen] = '\0';
    *row = *r;
    slot_remove(s, slot);
    s->live--;
    e->next_free = s->free_list;
    s->free_list = e;
    return 1;
}

/* ---- concurrency at a RST ---- */

static int
by_client_first(const void *a, const void *b)
{
    const struct cs_tcpconn *x = *(const struct cs_tcpconn *const *)a;
    const struct cs_tcpconn *y = *(const struct cs_tcpconn *const *)b;
    int c = memcmp(&x->cli, &y->cli, sizeof x->cli);
    if (c)
        return c;
    if (x->first_t != y->first_t)
        return x->first_t < y->first_t ? -1 : 1;
    return (x->conn > y->conn) - (x->conn < y->conn);
}

int
cs_tcpstats_open_at_rst(struct cs_tcpconn *rows, size_t n)
{
    struct cs_tcpconn **ix = malloc((n ? n : 1) * sizeof *ix);
    if (!ix)
        return -1;
    for (size_t i = 0; i < n; i++)
        ix[i] = &rows[i]; /* struct cs_addr has no padding: memcmp compares addresses */
    qsort(ix, n, sizeof *ix, by_client_first);
    for (size_t g = 0; g < n;) {
        size_t h = g + 1;
        while (h < n && memcmp(&ix[h]->cli, &ix[g]->cli, sizeof ix[g]->cli) == 0)
            h++;
        for (size_t i = g; i < h; i++) {
            struct cs_tcpconn *r = ix[i];
            if (!r->has_rst)
                continue;
            r->open_known = 1;
            r->open_at_rst = r->open_at_rst_other_servers = 0;
            for (size_t k = g; k < h && ix[k]->first_t <= r->rst_t; k++) {
                const struct cs_tcpconn *o = ix[k];
                if (o == r || o->last_t < r->rst_t)
                    continue;
                r->open_at_rst++;
                if (memcmp(&o->srv, &r->srv, sizeof o->srv) != 0)
                    r->open_at_rst_other_servers++;
            }
        }
        g = h;
    }
    free(ix);
    return 0;
}

static const char *const label_names[] = {"retrans", "ooo",       "dupack", "zero_win",
                                          "zwp",     "keepalive", "gap"};

void
cs_tcpstats_labels(struct cs_out *o, unsigned labels)
{
    int first = 1;
    for (unsigned i = 0; i < sizeof label_names / sizeof label_names[0]; i++) {
        if (!((labels >> i) & 1u))
            continue;
        if (!first)
            cs_out_char(o, ',');
        cs_out_str(o, label_names[i]);
        first = 0;
    }
}

/* flow.c: the bidirectional flow table, client/server roles and per-direction TCP state.
 *
 * RFC 9293 (TCP): sequence numbers modulo 2^32, SYN/FIN take one number; RFC 7323: the window
 * scale applies only when both SYNs carried the option and never to a SYN's own window.
 *
 * Table: a capacity-capped array of entries (allocated in chunks as flows appear, reused through
 * a free list) indexed by an open-addressing slot array (linear probing, load <= 1/2, deletion
 * by backward shift) keyed with SipHash-1-3 over the canonical key. Three intrusive lists give
 * O(1) eviction and seed-independent order: creation order (flush), activity order (LRU, idle)
 * and close order (closed flows). To spare two random memory accesses per packet, a flow is
 * moved to the LRU tail only when its last move is more than capacity / 8 packets old, so the
 * LRU order is exact to within that many packets (exact for tables of fewer than 8 flows); the
 * idle test itself reads the flow's true last_ts.
 *
 * Relative sequence numbers follow tshark: a direction's base is its SYN's sequence number; a
 * direction first seen without a SYN takes its first seq minus 1 (its first segment shows seq 1),
 * or, when the peer's ACK is seen first, that ack minus 1. Measured with tshark 4.0 on a capture
 * starting mid-stream: first packet seq=1 ack=1.
 */
#include "cashark/flow.h"

#include <stdlib.h>
#include <string.h>

#include "flow_internal.h"

#define NIL                     UINT32_MAX
#define CHUNK_SHIFT             10
#define CHUNK                   (1u << CHUNK_SHIFT)
#define MAX_CAPACITY            (1u << 28)
#define WS_MAX                  14 /* RFC 7323 section 2.3: larger shifts are taken as 14 */
#define OPPORTUNISTIC_EVICTIONS 2  /* closed flows retired per packet, at most */

/* Canonical key: the lower (address, port) first; zero padding so it hashes as five words. */
struct flow_key {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint16_t vlan;
    uint8_t family, proto;
};
_Static_assert(sizeof(struct flow_key) == 40, "flow key hashes as five 64-bit words");

/* Lists: every flow in first-seen order (AGE); TCP and UDP flows each in least-recently-active
 * order (LRU, LRU_UDP: separate, so each protocol's idle timeout is checked at its own head);
 * closed flows in closing order. */
enum { L_AGE, L_LRU, L_LRU_UDP, L_CLOSED, L__COUNT };

struct link {
    uint32_t prev, next;
};

struct list {
    uint32_t head, tail;
};

struct flow_entry {
    struct cs_flow pub;
    struct flow_key key;
    uint32_t hash;
    struct link links[L__COUNT];
    int64_t closed_ts;
    uint64_t lru_gen; /* t->gen when last moved to the LRU tail */
    struct cs_stream *stream;
    uint8_t cli_side;    /* key side (0: a, 1: b) of the client */
    uint8_t base_set[2]; /* tcp[d].isn holds a base for relative numbers */
    uint8_t closed;      /* on the closed list */
};

#define INITIAL_SLOTS 1024u

struct slot {
    uint32_t tag; /* low 32 bits of the hash; tag & mask is the home slot */
    uint32_t idx; /* entry index + 1; 0 = empty */
};

/* The packet being tracked, kept so that a stream enabled while handling it starts with it. */
struct current {
    uint32_t idx;
    int dir;
    uint32_t seq;
    uint16_t flags;
    struct cs_cursor payload;
    uint32_t len;
};

struct cs_flowtab {
    struct cs_flowtab_config cfg;
    struct slot *slots;
    uint32_t mask;     /* slot count - 1: grows from INITIAL_SLOTS as flows are tracked */
    uint32_t max_mask; /* the largest: slots for 2 x capacity */
    struct flow_entry **chunks;
    uint32_t n_chunks;
    uint32_t bump;      /* entries handed out so far (indices below it have been used) */
    uint32_t free_head; /* free list through links[L_AGE].next */
    struct list lists[L__COUNT];
    int64_t now;        /* latest capture time seen */
    uint64_t gen;       /* packets tracked */
    uint64_t lru_slack; /* a flow moved to the LRU tail fewer packets ago than this stays put */
    int64_t next_conn;
    struct {
        cs_evict_fn fn;
        void *ctx;
    } evict_cb[CS_FLOWTAB_MAX_EVICT_CB]; /* called in the order they were added */
    unsigned n_evict_cb;
    struct cs_flowtab_stats st;
    uint64_t evicted[CS_EVICT_END + 1]; /* by reason */
    struct cs_reasm reasm;
    struct current cur;
    /* The last packet's flow: runs of packets of one flow skip the hash and the probe. */
    struct flow_key last_key;
    uint32_t last_hash, last_idx;
};

/* Ports of the services cashark knows, besides every port below 1024. */
static const struct {
    uint16_t port;
    const char *name;
} service_ports[] = {
    {1883, "mqtt"},
    {2049, "nfs"},
    {3306, "mysql"},
    {5064, "ca-server"},
    {5065, "ca-repeater"},
    {5075, "pva-server"},
    {5076, "pva-broadcast"},
    {5432, "postgresql"},
    {6379, "redis"},
    {8080, "http-alt"},
    {0, NULL},
};

int
cs_flow_is_service_port(uint16_t port)
{
    if (port < 1024)
        return 1;
    for (size_t i = 0; service_ports[i].name; i++) {
        if (service_ports[i].port == port)
            return 1;
    }
    return 0;
}

void
cs_flowtab_config_default(struct cs_flowtab_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->capacity = 65536;
    cfg->seed[0] = 0x6361736861726b31ULL; /* fixed: output never depends on it anyway */
    cfg->seed[1] = 0x666c6f777461626cULL;
    cfg->reasm_cap_dir = (size_t)1 << 20;
    cfg->reasm_cap_total = (size_t)64 << 20;
    cfg->idle_timeout_ns = (int64_t)300 * 1000000000;
    cfg->udp_idle_timeout_ns = (int64_t)30 * 1000000000;
    cfg->closed_linger_ns = (int64_t)10 * 1000000000;
}

static inline struct flow_entry *
entry_at(const struct cs_flowtab *t, uint32_t idx)
{
    return &t->chunks[idx >> CHUNK_SHIFT][idx & (CHUNK - 1)];
}

static inline struct flow_entry *
entry_of(struct cs_flow *fl)
{
    return (struct flow_entry *)(void *)((char *)fl - offsetof(struct flow_entry, pub));
}

/* ---- intrusive lists ---- */

static void
list_push_tail(struct cs_flowtab *t, int which, uint32_t idx)
{
    struct list *l = &t->lists[which];
    struct link *k = &entry_at(t, idx)->links[which];
    k->prev = l->tail;
    k->next = NIL;
    if (l->tail != NIL)
        entry_at(t, l->tail)->links[which].next = idx;
    else
        l->head = idx;
    l->tail = idx;
}

static void
list_remove(struct cs_flowtab *t, int which, uint32_t idx)
{
    struct list *l = &t->lists[which];
    struct link *k = &entry_at(t, idx)->links[which];
    if (k->prev != NIL)
        entry_at(t, k->prev)->links[which].next = k->next;
    else
        l->head = k->next;
    if (k->next != NIL)
        entry_at(t, k->next)->links[which].prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = NIL;
}

/* ---- slots ---- */

/* SipHash-1-3 of the 40-byte key (the same value cs_flow_siphash(seed, key, 40, 1, 3) gives). */
static uint32_t
key_hash(const struct cs_flowtab *t, const struct flow_key *k)
{
    uint8_t bytes[sizeof(*k)];
    memcpy(bytes, k, sizeof(bytes));
    struct cs_sip s;
    cs_sip_init(&s, t->cfg.seed);
    for (size_t i = 0; i < sizeof(bytes); i += 8)
        cs_sip_compress(&s, cs_sip_load(bytes + i, 8), 1);
    cs_sip_compress(&s, (uint64_t)sizeof(bytes) << 56, 1);
    return (uint32_t)cs_sip_final(&s, 3);
}

static uint32_t
slot_find(const struct cs_flowtab *t, const struct flow_key *k, uint32_t h)
{
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const struct slot *s = &t->slots[i];
        if (!s->idx)
            return NIL;
        if (s->tag == h) {
            const struct flow_entry *e = entry_at(t, s->idx - 1);
            if (!memcmp(&e->key, k, sizeof(*k)))
                return s->idx - 1;
        }
    }
}

/* Doubles the slot array (up to max_mask + 1 slots), re-placing every slot by its tag. The
 * array starts small and grows with the flows actually tracked, so a few thousand flows probe a
 * cache-resident array instead of one sized for the full capacity. */
static void
slots_grow(struct cs_flowtab *t)
{
    uint32_t n = (t->mask + 1) * 2;
    struct slot *ns = calloc(n, sizeof(*ns));
    if (!ns)
        return; /* stay at this size: still correct, only longer probes */
    for (uint32_t j = 0; j <= t->mask; j++) {
        if (!t->slots[j].idx)
            continue;
        uint32_t i = t->slots[j].tag & (n - 1);
        while (ns[i].idx)
            i = (i + 1) & (n - 1);
        ns[i] = t->slots[j];
    }
    free(t->slots);
    t->slots = ns;
    t->mask = n - 1;
}

static void
slot_insert(struct cs_flowtab *t, uint32_t h, uint32_t idx)
{
    /* Keep the load at most one half. */
    if (t->mask < t->max_mask && 2 * (t->st.active + 1) > t->mask + 1)
        slots_grow(t);
    uint32_t i = h & t->mask;
    while (t->slots[i].idx)
        i = (i + 1) & t->mask;
    t->slots[i].tag = h;
    t->slots[i].idx = idx + 1;
}

/* Removes idx's slot and shifts back the run after it (no tombstones). */
static void
slot_remove(struct cs_flowtab *t, uint32_t h, uint32_t idx)
{
    uint32_t i = h & t->mask;
    while (t->slots[i].idx != idx + 1)
        i = (i + 1) & t->mask;
    for (uint32_t j = (i + 1) & t->mask; t->slots[j].idx; j = (j + 1) & t->mask) {
        uint32_t home = t->slots[j].tag & t->mask;
        /* The slot at j may move to i when its home is not cyclically within (i, j]. */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].tag = 0;
    t->slots[i].idx = 0;
}

/* ---- table life ---- */

struct cs_flowtab *
cs_flowtab_new(const struct cs_flowtab_config *cfg)
{
    struct cs_flowtab *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (cfg)
        t->cfg = *cfg;
    else
        cs_flowtab_config_default(&t->cfg);
    if (t->cfg.capacity == 0)
        t->cfg.capacity = 65536;
    if (t->cfg.capacity > MAX_CAPACITY)
        t->cfg.capacity = MAX_CAPACITY;
    uint32_t n_slots = 16;
    while (n_slots < 2 * t->cfg.capacity)
        n_slots *= 2;
    t->max_mask = n_slots - 1;
    if (n_slots > INITIAL_SLOTS)
        n_slots = INITIAL_SLOTS;
    t->mask = n_slots - 1;
    t->n_chunks = (t->cfg.capacity + CHUNK - 1) / CHUNK;
    t->slots = calloc(n_slots, sizeof(*t->slots));
    t->chunks = calloc(t->n_chunks, sizeof(*t->chunks));
    if (!t->slots || !t->chunks) {
        free(t->slots);
        free(t->chunks);
        free(t);
        return NULL;
    }
    t->free_head = NIL;
    for (int i = 0; i < L__COUNT; i++)
        t->lists[i].head = t->lists[i].tail = NIL;
    t->now = INT64_MIN;
    t->lru_slack = t->cfg.capacity / 8;
    t->cur.idx = NIL;
    t->last_idx = NIL;
    cs_reasm_init(&t->reasm, t->cfg.reasm_cap_dir, t->cfg.reasm_cap_total);
    return t;
}

int
cs_flowtab_on_evict(struct cs_flowtab *t, cs_evict_fn fn, void *ctx)
{
    if (!fn || t->n_evict_cb == CS_FLOWTAB_MAX_EVICT_CB)
        return -1;
    t->evict_cb[t->n_evict_cb].fn = fn;
    t->evict_cb[t->n_evict_cb].ctx = ctx;
    t->n_evict_cb++;
    return 0;
}

static int
lru_of(const struct flow_entry *e)
{
    return e->pub.proto == CS_FLOW_UDP ? L_LRU_UDP : L_LRU;
}

static void
evict(struct cs_flowtab *t, uint32_t idx, enum cs_evict_reason why)
{
    struct flow_entry *e = entry_at(t, idx);
    if (t->cur.idx == idx)
        t->cur.idx = NIL;
    if (t->last_idx == idx)
        t->last_idx = NIL;
    if (e->stream) {
        cs_reasm_end(&t->reasm, e->stream, &e->pub);
        e->stream = NULL;
    }
    for (unsigned i = 0; i < t->n_evict_cb; i++)
        t->evict_cb[i].fn(t->evict_cb[i].ctx, &e->pub, why);
    if (e->pub.app_free && e->pub.app_state)
        e->pub.app_free(e->pub.app_state);
    slot_remove(t, e->hash, idx);
    list_remove(t, L_AGE, idx);
    list_remove(t, lru_of(e), idx);
    if (e->closed)
        list_remove(t, L_CLOSED, idx);
    e->links[L_AGE].next = t->free_head;
    t->free_head = idx;
    t->st.active--;
    t->evicted[why]++;
}

void
cs_flowtab_flush(struct cs_flowtab *t)
{
    while (t->lists[L_AGE].head != NIL)
        evict(t, t->lists[L_AGE].head, CS_EVICT_END);
}

void
cs_flowtab_free(struct cs_flowtab *t)
{
    if (!t)
        return;
    cs_flowtab_flush(t);
    for (uint32_t c = 0; c < t->n_chunks; c++)
        free(t->chunks[c]);
    free(t->chunks);
    free(t->slots);
    free(t);
}

void
cs_flowtab_get_stats(const struct cs_flowtab *t, struct cs_flowtab_stats *s)
{
    *s = t->st;
    s->evicted_closed = t->evicted[CS_EVICT_CLOSED];
    s->evicted_idle = t->evicted[CS_EVICT_IDLE];
    s->evicted_pressure = t->evicted[CS_EVICT_PRESSURE];
    s->evicted_reuse = t->evicted[CS_EVICT_REUSE];
    s->reasm_bytes = t->reasm.bytes;
    s->reasm_peak = t->reasm.peak;
    s->reasm_lost = t->reasm.lost;
}

size_t
cs_flowtab_entry_size(void)
{
    /* At most 4 slots per flow: the slot count is the power of two >= 2 * capacity. */
    return sizeof(struct flow_entry) + 4 * sizeof(struct slot);
}

/* ---- eviction ---- */

/* Has at least span ns passed since then (<= t->now)? Unsigned, so absurd timestamps cannot
 * overflow. */
static int
passed(const struct cs_flowtab *t, int64_t then, int64_t span)
{
    return span <= 0 || (uint64_t)t->now - (uint64_t)then >= (uint64_t)span;
}

static int
lingered(const struct cs_flowtab *t, uint32_t idx)
{
    return passed(t, entry_at(t, idx)->closed_ts, t->cfg.closed_linger_ns);
}

static int
idle_expired(const struct cs_flowtab *t, uint32_t idx)
{
    const struct flow_entry *e = entry_at(t, idx);
    int64_t span =
        e->pub.proto == CS_FLOW_UDP ? t->cfg.udp_idle_timeout_ns : t->cfg.idle_timeout_ns;
    return passed(t, e->pub.last_ts, span);
}

/* Makes room for one flow: closed long enough, else idle, else least recently active. */
static void
evict_one(struct cs_flowtab *t)
{
    uint32_t c = t->lists[L_CLOSED].head;
    if (c != NIL && lingered(t, c)) {
        evict(t, c, CS_EVICT_CLOSED);
        return;
    }
    /* Of the two least recently active flows (TCP, UDP), an expired one, else the older. */
    uint32_t l = t->lists[L_LRU].head, u = t->lists[L_LRU_UDP].head;
    if (l == NIL || (u != NIL && (idle_expired(t, u) ||
                                  (!idle_expired(t, l) &&
                                   entry_at(t, u)->pub.last_ts < entry_at(t, l)->pub.last_ts))))
        l = u;
    if (l == NIL)
        return;
    evict(t, l, idle_expired(t, l) ? CS_EVICT_IDLE : CS_EVICT_PRESSURE);
}

/* Retires a few flows per packet that are done: closed and lingered, or idle past their
 * protocol's timeout (looking at the least recently active flow only, so O(1)). This keeps
 * memory flat on endless input instead of growing to the table's capacity. */
static void
evict_lingered(struct cs_flowtab *t)
{
    for (int n = 0; n < OPPORTUNISTIC_EVICTIONS; n++) {
        uint32_t c = t->lists[L_CLOSED].head;
        if (c == NIL || !lingered(t, c))
            break;
        evict(t, c, CS_EVICT_CLOSED);
    }
    for (int list = L_LRU; list <= L_LRU_UDP; list++) {
        for (int n = 0; n < OPPORTUNISTIC_EVICTIONS; n++) {
            uint32_t l = t->lists[list].head;
            if (l == NIL || !idle_expired(t, l))
                break;
            evict(t, l, CS_EVICT_IDLE);
        }
    }
}

static uint32_t
entry_alloc(struct cs_flowtab *t)
{
    uint32_t idx;
    if (t->free_head != NIL) {
        idx = t->free_head;
        t->free_head = entry_at(t, idx)->links[L_AGE].next;
    } else {
        idx = t->bump;
        uint32_t c = idx >> CHUNK_SHIFT;
        if (!t->chunks[c]) {
            uint32_t n = t->cfg.capacity - (c << CHUNK_SHIFT);
            t->chunks[c] = malloc((n < CHUNK ? n : CHUNK) * sizeof(struct flow_entry));
            if (!t->chunks[c])
                return NIL;
        }
        t->bump++;
    }
    memset(entry_at(t, idx), 0, sizeof(struct flow_entry));
    return idx;
}

/* ---- keys ---- */

static int
addr_port_cmp(const struct cs_addr *x, uint16_t xp, const struct cs_addr *y, uint16_t yp)
{
    int c = memcmp(x->a, y->a, sizeof(x->a));
    if (c)
        return c;
    return (xp > yp) - (xp < yp);
}

/* Fills the canonical key of p; returns the key side (0: a, 1: b) of the packet's source. */
static int
key_make(const struct cs_packet *p, uint16_t sport, uint16_t dport, struct flow_key *k)
{
    memset(k, 0, sizeof(*k));
    const struct cs_addr *src = &p->ip.src, *dst = &p->ip.dst;
    int side = addr_port_cmp(src, sport, dst, dport) > 0;
    memcpy(k->a, side ? dst->a : src->a, sizeof(k->a));
    memcpy(k->b, side ? src->a : dst->a, sizeof(k->b));
    k->pa = side ? dport : sport;
    k->pb = side ? sport : dport;
    k->vlan = p->l2.n_vlan ? (uint16_t)(p->l2.vlan_tci[p->l2.n_vlan - 1] & 0xfff) : 0;
    k->family = p->l3 == CS_L3_IPV6 ? 6 : 4;
    k->proto = p->l4 == CS_L4_TCP ? CS_FLOW_TCP : CS_FLOW_UDP;
    return side;
}

static int
trackable(const struct cs_packet *p)
{
    if (p->l3 != CS_L3_IPV4 && p->l3 != CS_L3_IPV6)
        return 0;
    if (p->ip.is_fragment && p->ip.frag_off)
        return 0;
    if (p->l4 == CS_L4_TCP) /* the fixed header must be whole; options may be cut */
        return p->trunc_layer != CS_LAYER_TCP || p->t.tcp.opts_truncated;
    if (p->l4 == CS_L4_UDP)
        return p->trunc_layer != CS_LAYER_UDP;
    return 0;
}

/* ---- roles and TCP state ---- */

/* The client rule: is the packet's source the client, and is that known (not guessed)? */
static int
source_is_client(const struct cs_packet *p, uint16_t sport, uint16_t dport, uint8_t *known)
{
    *known = 0;
    if (p->l4 == CS_L4_TCP && (p->t.tcp.flags & CS_TH_SYN)) {
        *known = 1;
        return !(p->t.tcp.flags & CS_TH_ACK);
    }
    int ss = cs_flow_is_service_port(sport), ds = cs_flow_is_service_port(dport);
    if (ss != ds)
        return ds;
    return 1;
}

static int
is_closed(const struct flow_entry *e)
{
    const struct cs_tcpdir *d = e->pub.tcp;
    return (d[0].fin && d[1].fin) || d[0].rst || d[1].rst;
}

/* A SYN without ACK on a known flow: does it start a new connection (port reuse)? */
static int
starts_new_conn(const struct flow_entry *e, int dir, uint32_t seq)
{
    const struct cs_tcpdir *s = &e->pub.tcp[dir], *r = &e->pub.tcp[!dir];
    if (!e->base_set[dir])
        return is_closed(e);
    if (seq == s->isn)
        return 0; /* retransmitted SYN, or the SYN behind a guessed base */
    if (s->isn_known || is_closed(e))
        return 1; /* a SYN with another ISN than this direction's SYN: port reuse (tshark) */
    if (!s->seen)
        return 0;
    uint32_t win = r->last_win;
    if (s->ws_offered && r->ws_offered)
        win <<= r->ws;
    if (win < 65535)
        win = 65535;
    uint32_t dist = cs_seq_lt(seq, s->next_seq) ? s->next_seq - seq : seq - s->next_seq;
    return dist > win;
}

static void
tcp_update(struct flow_entry *e, int dir, const struct cs_tcp *th, uint32_t len,
           struct cs_flow_view *v)
{
    struct cs_tcpdir *s = &e->pub.tcp[dir], *r = &e->pub.tcp[!dir];
    uint16_t fl = th->flags;
    int first = !s->seen;
    s->seen = 1;
    if (fl & CS_TH_SYN) {
        if (!s->isn_known) {
            s->isn = th->seq;
            s->isn_known = 1;
            e->base_set[dir] = 1;
            s->ws_offered = th->has_ws;
            s->ws = th->has_ws ? (th->ws > WS_MAX ? WS_MAX : th->ws) : 0;
            s->mss = th->has_mss ? th->mss : 0;
            s->sack_ok = th->sack_ok;
            s->ts_ok = th->has_ts;
        }
        s->syn = 1;
        if (!e->pub.client_known && (fl & CS_TH_ACK) == (dir ? CS_TH_ACK : 0))
            e->pub.client_known = 1; /* the guess proved right: SYN from 0 or SYN-ACK from 1 */
    } else if (!e->base_set[dir]) {
        s->isn = th->seq - 1;
        e->base_set[dir] = 1;
    }
    if ((fl & CS_TH_ACK) && !e->base_set[!dir]) {
        r->isn = th->ack - 1;
        e->base_set[!dir] = 1;
    }
    if (!(fl & CS_TH_RST) || first) {
        uint32_t end = th->seq + len + ((fl & CS_TH_SYN) ? 1u : 0u) + ((fl & CS_TH_FIN) ? 1u : 0u);
        if (first || cs_seq_lt(s->next_seq, end))
            s->next_seq = end;
    }
    if (fl & CS_TH_FIN)
        s->fin = 1;
    if (fl & CS_TH_RST)
        s->rst = 1;
    s->last_win = th->win;
    if (fl & CS_TH_ACK)
        s->last_ack = th->ack;

    v->rel_ok = 1;
    v->rel_seq = th->seq - s->isn;
    v->rel_ack = (fl & CS_TH_ACK) ? th->ack - r->isn : 0;
    if (s->ws_offered && r->ws_offered && !(fl & CS_TH_SYN)) {
        v->win = (uint32_t)th->win << s->ws;
        v->win_scaled = 1;
    } else {
        v->win = th->win;
    }
}

static uint32_t
flow_create(struct cs_flowtab *t, const struct cs_packet *p, const struct flow_key *k, uint32_t h,
            int src_side, uint16_t sport, uint16_t dport)
{
    if (t->st.active >= t->cfg.capacity)
        evict_one(t);
    if (t->st.active >= t->cfg.capacity)
        return NIL;
    uint32_t idx = entry_alloc(t);
    if (idx == NIL)
        return NIL;
    struct flow_entry *e = entry_at(t, idx);
    e->key = *k;
    e->hash = h;
    uint8_t known;
    int src_cli = source_is_client(p, sport, dport, &known);
    e->cli_side = (uint8_t)(src_cli ? src_side : !src_side);
    struct cs_flow *f = &e->pub;
    f->proto = k->proto;
    f->client_known = known;
    f->vlan = k->vlan;
    f->cli = src_cli ? p->ip.src : p->ip.dst;
    f->srv = src_cli ? p->ip.dst : p->ip.src;
    f->cport = src_cli ? sport : dport;
    f->sport = src_cli ? dport : sport;
    f->conn = -1;
    if (k->proto == CS_FLOW_TCP) {
        f->conn = t->next_conn++;
        t->st.tcp_conns++;
    }
    f->first_ordinal = p->frame ? p->frame->ordinal : 0;
    f->first_ts = p->frame ? p->frame->ts_ns : t->now;
    slot_insert(t, h, idx);
    for (int i = 0; i < L__COUNT; i++)
        e->links[i].prev = e->links[i].next = NIL;
    list_push_tail(t, L_AGE, idx);
    list_push_tail(t, lru_of(e), idx);
    e->lru_gen = t->gen + 1; /* the generation of the packet being tracked */
    t->st.flows++;
    t->st.active++;
    return idx;
}

void
cs_flowtab_track(struct cs_flowtab *t, const struct cs_packet *p, struct cs_flow_view *v)
{
    memset(v, 0, sizeof(*v));
    v->conn = -1;
    t->cur.idx = NIL;
    if (!trackable(p))
        return;
    int tcp = p->l4 == CS_L4_TCP;
    uint16_t sport = tcp ? p->t.tcp.sport : p->t.udp.sport;
    uint16_t dport = tcp ? p->t.tcp.dport : p->t.udp.dport;
    int64_t ts = p->frame ? p->frame->ts_ns : t->now;
    if (ts > t->now)
        t->now = ts;
    evict_lingered(t);

    struct flow_key k;
    int src_side = key_make(p, sport, dport, &k);
    uint32_t h, idx;
    if (t->last_idx != NIL && !memcmp(&k, &t->last_key, sizeof(k))) {
        h = t->last_hash;
        idx = t->last_idx;
    } else {
        h = key_hash(t, &k);
        idx = slot_find(t, &k, h);
    }
    if (idx != NIL && tcp && (p->t.tcp.flags & (CS_TH_SYN | CS_TH_ACK)) == CS_TH_SYN) {
        struct flow_entry *old = entry_at(t, idx);
        int d = src_side != old->cli_side;
        if (starts_new_conn(old, d, p->t.tcp.seq)) {
            evict(t, idx, CS_EVICT_REUSE);
            idx = NIL;
        }
    }
    if (idx == NIL) {
        idx = flow_create(t, p, &k, h, src_side, sport, dport);
        if (idx == NIL)
            return;
        v->new_flow = 1;
    }
    t->last_key = k;
    t->last_hash = h;
    t->last_idx = idx;
    struct flow_entry *e = entry_at(t, idx);
    struct cs_flow *f = &e->pub;
    int dir = src_side != e->cli_side;
    f->pkts[dir]++;
    f->last_ts = ts;
    f->last_ordinal = p->frame ? p->frame->ordinal : 0;
    t->gen++;
    if (t->lists[lru_of(e)].tail != idx && t->gen - e->lru_gen > t->lru_slack) {
        list_remove(t, lru_of(e), idx);
        list_push_tail(t, lru_of(e), idx);
        e->lru_gen = t->gen;
    }
    v->flow = f;
    v->conn = f->conn;
    v->dir = (uint8_t)dir;
    if (!tcp) {
        v->client_known = f->client_known;
        return;
    }
    const struct cs_tcp *th = &p->t.tcp;
    tcp_update(e, dir, th, p->payload_len, v);
    v->client_known = f->client_known;
    if (!e->closed && is_closed(e)) {
        e->closed = 1;
        e->closed_ts = t->now;
        list_push_tail(t, L_CLOSED, idx);
    }
    t->cur = (struct current){idx, dir, th->seq, th->flags, p->payload, p->payload_len};
    if (e->stream) {
        cs_reasm_segment(&t->reasm, e->stream, f, dir, th->seq, th->flags, p->payload,
                         p->payload_len);
        if (th->flags & CS_TH_ACK)
            cs_reasm_ack(&t->reasm, e->stream, f, !dir, th->ack);
    }
}

void
cs_flow_stream_enable(struct cs_flowtab *t, struct cs_flow *fl, cs_stream_fn fn, void *ctx)
{
    if (!fl || fl->proto != CS_FLOW_TCP || !fn)
        return;
    struct flow_entry *e = entry_of(fl);
    if (e->stream) {
        cs_reasm_stream_set(e->stream, fn, ctx);
        return;
    }
    e->stream = cs_reasm_stream_new(fn, ctx);
    if (!e->stream)
        return;
    int cur_dir = -1;
    if (t->cur.idx != NIL && entry_at(t, t->cur.idx) == e)
        cur_dir = t->cur.dir;
    for (int d = 0; d < 2; d++) {
        const struct cs_tcpdir *s = &fl->tcp[d];
        if (d == cur_dir)
            continue; /* starts with the current packet, below */
        if (s->rst || fl->tcp[!d].rst || (s->fin && s->seen))
            cs_reasm_close(e->stream, d);
        else if (s->seen)
            cs_reasm_start(e->stream, d, s->next_seq);
    }
    if (cur_dir >= 0) {
        const struct current *c = &t->cur;
        /* Its FIN or RST is in the state already; the segment brings it again. */
        cs_reasm_segment(&t->reasm, e->stream, fl, cur_dir, c->seq, c->flags, c->payload, c->len);
    }
}

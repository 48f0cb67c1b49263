/* track.c: MPTCP connection tracking: keys to tokens and IDSNs, MP_JOIN subflows tied by token,
 * DSS mappings to relative data sequence numbers and per-subflow byte counts, fallback and
 * orphan joins, -v checks of MP_JOIN HMACs and DSS checksums (RFC 8684 sections 3.1-3.3, 3.7;
 * RFC 6824 for version 0). */
#include "track_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- interval sets ---- */

static int
ivset_reserve(struct ivset *s)
{
    if (s->n < s->cap)
        return 0;
    uint32_t cap = s->cap ? s->cap * 2 : 4;
    void *p = realloc(s->iv, (size_t)cap * sizeof *s->iv);
    if (!p)
        return -1;
    s->iv = p;
    s->cap = cap;
    return 0;
}

/* Merges the two neighbours with the smallest gap (the cap is reached). */
static void
ivset_squeeze(struct ivset *s)
{
    uint32_t best = 0;
    uint64_t gap = UINT64_MAX;
    for (uint32_t i = 0; i + 1 < s->n; i++)
        if (s->iv[i + 1][0] - s->iv[i][1] < gap) {
            gap = s->iv[i + 1][0] - s->iv[i][1];
            best = i;
        }
    s->total += gap;
    s->iv[best][1] = s->iv[best + 1][1];
    memmove(&s->iv[best + 1], &s->iv[best + 2], (size_t)(s->n - best - 2) * sizeof *s->iv);
    s->n--;
    s->approx = 1;
}

void
cs_ivset_add(struct ivset *s, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return;
    /* first interval whose end reaches lo (binary search; the usual case is the last one) */
    uint32_t a = 0, b = s->n;
    if (s->n && s->iv[s->n - 1][1] < lo)
        a = s->n;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (s->iv[mid][1] < lo)
            a = mid + 1;
        else
            b = mid;
    }
    uint32_t i = a;
    if (i == s->n || s->iv[i][0] > hi) { /* disjoint: insert */
        if (s->n >= CS_IVSET_CAP)
            ivset_squeeze(s);
        if (i > s->n)
            i = s->n;
        if (ivset_reserve(s) != 0) {
            s->approx = 1;
            return;
        }
        memmove(&s->iv[i + 1], &s->iv[i], (size_t)(s->n - i) * sizeof *s->iv);
        s->iv[i][0] = lo;
        s->iv[i][1] = hi;
        s->n++;
        s->total += hi - lo;
        return;
    }
    /* overlaps or touches iv[i] and maybe later ones: merge them into iv[i] */
    uint64_t nlo = lo < s->iv[i][0] ? lo : s->iv[i][0];
    uint64_t nhi = hi;
    uint32_t j = i;
    uint64_t removed = 0;
    while (j < s->n && s->iv[j][0] <= hi) {
        if (s->iv[j][1] > nhi)
            nhi = s->iv[j][1];
        removed += s->iv[j][1] - s->iv[j][0];
        j++;
    }
    s->iv[i][0] = nlo;
    s->iv[i][1] = nhi;
    memmove(&s->iv[i + 1], &s->iv[j], (size_t)(s->n - j) * sizeof *s->iv);
    s->n -= j - i - 1;
    s->total = s->total - removed + (nhi - nlo);
}

/* Whether [lo, hi) lies inside one interval of the set. */
static int
ivset_contains(const struct ivset *s, uint64_t lo, uint64_t hi)
{
    uint32_t a = 0, b = s->n;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (s->iv[mid][1] < hi)
            a = mid + 1;
        else
            b = mid;
    }
    return a < s->n && s->iv[a][0] <= lo;
}

void
cs_ivset_free(struct ivset *s)
{
    free(s->iv);
    memset(s, 0, sizeof *s);
}

/* ---- maps: tokens and flow conn numbers ---- */

static size_t
omap_home(const struct omap *t, uint64_t key)
{
    return (size_t)((key * 0x9e3779b97f4a7c15u) >> 17) & (t->cap - 1);
}

static size_t
omap_find(const struct omap *t, uint64_t key)
{
    size_t i = omap_home(t, key);
    while (t->s[i].val && t->s[i].key != key)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static void *
omap_get(const struct omap *t, uint64_t key)
{
    return t->cap ? t->s[omap_find(t, key)].val : NULL;
}

/* Returns 0 (added, or the key was there: the first value stays), or -1 (full or no memory). */
static int
omap_put(struct omap *t, uint64_t key, void *val)
{
    if (omap_get(t, key))
        return 0;
    if (t->used >= t->max)
        return -1;
    if ((t->used + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct omap_slot *n = calloc(cap, sizeof *n);
        if (!n)
            return -1;
        struct omap old = *t;
        t->s = n;
        t->cap = cap;
        for (size_t i = 0; i < old.cap; i++)
            if (old.s[i].val)
                t->s[omap_find(t, old.s[i].key)] = old.s[i];
        free(old.s);
    }
    size_t i = omap_find(t, key);
    t->s[i].key = key;
    t->s[i].val = val;
    t->used++;
    return 0;
}

/* Removes key when it maps to val, shifting later entries of its probe run back. */
static void
omap_del(struct omap *t, uint64_t key, const void *val)
{
    if (!t->cap)
        return;
    size_t mask = t->cap - 1, i = omap_find(t, key);
    if (!t->s[i].val || t->s[i].val != val)
        return;
    t->used--;
    for (size_t j = i;;) {
        t->s[i].val = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!t->s[j].val)
                return;
            size_t k = omap_home(t, t->s[j].key);
            /* the entry at j may move to i unless its home lies cyclically in (i, j] */
            if (i <= j ? (k <= i || k > j) : (k <= i && k > j))
                break;
        }
        t->s[i] = t->s[j];
        i = j;
    }
}

static void
token_put(struct cs_mptcp *m, uint32_t token, struct cs_mptcp_conn *c)
{
    if (omap_put(&m->tokens, token, c) != 0)
        m->counts.tokens_dropped++;
}

static struct cs_mptcp_conn *
token_get(const struct cs_mptcp *m, uint32_t token)
{
    return omap_get(&m->tokens, token);
}

/* ---- life cycle ---- */

struct cs_mptcp *
cs_mptcp_new(const struct cs_mptcp_config *cfg)
{
    struct cs_mptcp *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    if (cfg)
        m->cfg = *cfg;
    if (!m->cfg.max_conns)
        m->cfg.max_conns = (uint64_t)1 << 20;
    m->tokens.max = 2 * m->cfg.max_conns;
    m->flows.max = m->cfg.max_conns;
    m->last_dropped_flow = -1;
    return m;
}

void
cs_mptcp_subflow_free(struct cs_mptcp_subflow *sf)
{
    cs_ivset_free(&sf->mapped[0]);
    cs_ivset_free(&sf->mapped[1]);
    free(sf);
}

void
cs_mptcp_conn_free(struct cs_mptcp_conn *c)
{
    for (size_t i = 0; i < c->n_sf; i++)
        cs_mptcp_subflow_free(c->sf[i]);
    cs_ivset_free(&c->d[0].covered);
    cs_ivset_free(&c->d[1].covered);
    free(c->sf);
    free(c->ann);
    free(c);
}

void
cs_mptcp_free(struct cs_mptcp *m)
{
    if (!m)
        return;
    /* subflows not owned by an open connection's list first, then the connections */
    for (struct cs_mptcp_subflow *sf = m->sf_head, *nx; sf; sf = nx) {
        nx = sf->next;
        if (!sf->conn || sf->unlisted)
            cs_mptcp_subflow_free(sf);
    }
    for (struct cs_mptcp_conn *c = m->conn_head, *nx; c; c = nx) {
        nx = c->next;
        cs_mptcp_conn_free(c);
    }
    if (m->rep) {
        for (size_t i = 0; i < m->rep->n_conns; i++)
            cs_mptcp_conn_free(m->rep->conns[i]);
        for (size_t i = 0; i < m->rep->n_lone; i++)
            cs_mptcp_subflow_free(m->rep->lone[i]);
        free(m->rep->conns);
        free(m->rep->lone);
        free(m->rep);
    }
    free(m->flows.s);
    free(m->tokens.s);
    free(m);
}

static int
grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*arr, n * elem);
    if (!p)
        return -1;
    memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
    *arr = p;
    *cap = n;
    return 0;
}

static void
sf_unlink(struct cs_mptcp *m, struct cs_mptcp_subflow *sf)
{
    if (sf->prev)
        sf->prev->next = sf->next;
    else
        m->sf_head = sf->next;
    if (sf->next)
        sf->next->prev = sf->prev;
    else
        m->sf_tail = sf->prev;
    sf->prev = sf->next = NULL;
    m->counts.open_subflows--;
}

static struct cs_mptcp_subflow *
subflow_get(struct cs_mptcp *m, const struct cs_flow_view *fv, int create)
{
    if (fv->conn < 0)
        return NULL;
    struct cs_mptcp_subflow *sf = omap_get(&m->flows, (uint64_t)fv->conn);
    if (sf || !create)
        return sf;
    sf = calloc(1, sizeof *sf);
    if (!sf || omap_put(&m->flows, (uint64_t)fv->conn, sf) != 0) {
        free(sf);
        if (m->last_dropped_flow != fv->conn)
            m->counts.subflows_dropped++;
        m->last_dropped_flow = fv->conn;
        return NULL;
    }
    const struct cs_flow *fl = fv->flow;
    sf->flow_conn = fv->conn;
    sf->ord = m->n_subflows++;
    sf->cli = fl->cli;
    sf->srv = fl->srv;
    sf->cport = fl->cport;
    sf->sport = fl->sport;
    sf->index = -1;
    sf->cont_of = -1;
    sf->late_of = -1;
    sf->prev = m->sf_tail;
    if (m->sf_tail)
        m->sf_tail->next = sf;
    else
        m->sf_head = sf;
    m->sf_tail = sf;
    m->counts.open_subflows++;
    return sf;
}

/* ---- retiring ---- */

/* A connection whose subflows have all left the flow table: forget its tokens (remembering the
 * last few for late joins), hand it to the report or free it. */
static void
conn_retire(struct cs_mptcp *m, struct cs_mptcp_conn *c)
{
    for (int s = 0; s < 2; s++) {
        if (!c->has_key[s])
            continue;
        omap_del(&m->tokens, c->token[s], c);
        struct retired_token *r = &m->retired[m->n_retired++ % CS_MPTCP_RETIRED_TOKENS];
        r->token = c->token[s];
        r->conn = c->index;
    }
    for (size_t i = 0; i < c->n_sf; i++) {
        struct cs_mptcp_subflow *sf = c->sf[i];
        if (!sf->gone)
            omap_del(&m->flows, (uint64_t)sf->flow_conn, sf);
        sf->gone = 1;
        sf_unlink(m, sf);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        m->conn_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        m->conn_tail = c->prev;
    c->prev = c->next = NULL;
    m->counts.open_conns--;
    m->counts.retired++;
    if (m->rep)
        cs_mptcp_report_conn(m, c);
    else
        cs_mptcp_conn_free(c);
}

/* The flow of sf left the flow table (or the run ends). */
static void
subflow_gone(struct cs_mptcp *m, struct cs_mptcp_subflow *sf)
{
    omap_del(&m->flows, (uint64_t)sf->flow_conn, sf);
    sf->gone = 1;
    struct cs_mptcp_conn *c = sf->conn;
    if (!c || sf->unlisted) {
        sf_unlink(m, sf);
        if (c) {
            c->extra_mapped[0] += sf->mapped[0].total;
            c->extra_mapped[1] += sf->mapped[1].total;
        }
        if (!c && m->rep && cs_mptcp_sf_listed(sf))
            cs_mptcp_report_lone(m, sf);
        else
            cs_mptcp_subflow_free(sf);
    }
    if (c && --c->live == 0)
        conn_retire(m, c);
}

static void
on_evict(void *ctx, struct cs_flow *fl, enum cs_evict_reason why)
{
    (void)why;
    struct cs_mptcp *m = ctx;
    if (fl->conn < 0)
        return;
    struct cs_mptcp_subflow *sf = omap_get(&m->flows, (uint64_t)fl->conn);
    if (sf)
        subflow_gone(m, sf);
}

int
cs_mptcp_attach(struct cs_mptcp *m, struct cs_flowtab *t)
{
    return cs_flowtab_on_evict(t, on_evict, m);
}

static struct cs_mptcp_subflow *
next_open(struct cs_mptcp_subflow *sf)
{
    while (sf && sf->gone)
        sf = sf->next;
    return sf;
}

void
cs_mptcp_retire_all(struct cs_mptcp *m)
{
    /* a subflow still tracked keeps its connection open, so it is never freed by another's end */
    for (struct cs_mptcp_subflow *sf = next_open(m->sf_head), *nx; sf; sf = nx) {
        nx = next_open(sf->next);
        subflow_gone(m, sf);
    }
    while (m->conn_head)
        conn_retire(m, m->conn_head);
}

void
cs_mptcp_get_counts(const struct cs_mptcp *m, struct cs_mptcp_counts *c)
{
    *c = m->counts;
}

static void
conn_set_key(struct cs_mptcp_conn *c, struct cs_mptcp *m, int side, uint64_t key)
{
    if (c->has_key[side])
        return;
    uint32_t tok;
    uint64_t idsn;
    if (cs_mptcp_key_derive(key, c->version, &tok, &idsn) != 0)
        return;
    c->has_key[side] = 1;
    c->key[side] = key;
    c->token[side] = tok;
    c->d[side].idsn = idsn;
    c->d[side].idsn_known = 1;
    token_put(m, tok, c);
}

static struct cs_mptcp_conn *
conn_new(struct cs_mptcp *m, uint8_t version, int handshake)
{
    struct cs_mptcp_conn *c = NULL;
    if (m->counts.open_conns < m->cfg.max_conns)
        c = calloc(1, sizeof *c);
    if (!c) {
        m->counts.conns_dropped++;
        return NULL;
    }
    c->index = (int64_t)m->n_conns++;
    c->version = version;
    c->handshake = (uint8_t)handshake;
    c->prev = m->conn_tail;
    if (m->conn_tail)
        m->conn_tail->next = c;
    else
        m->conn_head = c;
    m->conn_tail = c;
    m->counts.conns++;
    m->counts.open_conns++;
    return c;
}

/* Ties the tracked subflow sf to c; past CS_MPTCP_MAX_SUBFLOWS it is counted, not listed. */
static void
conn_attach(struct cs_mptcp *m, struct cs_mptcp_conn *c, struct cs_mptcp_subflow *sf, int flip)
{
    sf->conn = c;
    sf->index = (int64_t)c->n_sf_all++;
    sf->flip = (uint8_t)flip;
    c->live++;
    if (c->n_sf >= CS_MPTCP_MAX_SUBFLOWS ||
        grow((void **)&c->sf, &c->cap_sf, c->n_sf + 1, sizeof *c->sf) != 0) {
        sf->unlisted = 1;
        m->counts.unlisted_subflows++;
        return;
    }
    c->sf[c->n_sf++] = sf;
}

/* ---- sequence numbers ---- */

/* A 32-bit wire value expanded to the 64-bit number nearest to base. */
static uint64_t
expand32(uint64_t base, uint32_t v)
{
    uint64_t c = (base & ~(uint64_t)0xffffffffu) | v;
    if (c + 0x80000000u < base)
        c += (uint64_t)1 << 32;
    else if (c > base + 0x80000000u && c >= ((uint64_t)1 << 32))
        c -= (uint64_t)1 << 32;
    return c;
}

static uint64_t
dsn_expand(const struct conn_dir *d, uint64_t wire, uint8_t len)
{
    if (len == 8)
        return wire;
    uint64_t base = d->dsn_seen ? d->last_dsn : d->idsn_known ? d->idsn + 1 : wire;
    return expand32(base, (uint32_t)wire);
}

static uint64_t
dack_expand(const struct conn_dir *d, uint64_t wire, uint8_t len)
{
    if (len == 8)
        return wire;
    uint64_t base = d->dack_seen    ? d->last_dack
                    : d->dsn_seen   ? d->last_dsn
                    : d->idsn_known ? d->idsn + 1
                                    : wire;
    return expand32(base, (uint32_t)wire);
}

/* ---- DSS checksum (RFC 8684 3.3.1): pseudo-header DSN 64, SSN 32, DLL 16, checksum 16, then
 * the mapped payload; the ones' complement sum of all of it is 0xffff. ---- */

static void
csum_add16(struct csum_state *cs, uint32_t v)
{
    cs->sum += v;
}

static void
csum_start(struct csum_state *cs, uint64_t dsn64, uint32_t ssn, uint16_t dll, uint16_t csum,
           int fin)
{
    memset(cs, 0, sizeof *cs);
    cs->active = 1;
    csum_add16(cs, (uint32_t)(dsn64 >> 48) & 0xffff);
    csum_add16(cs, (uint32_t)(dsn64 >> 32) & 0xffff);
    csum_add16(cs, (uint32_t)(dsn64 >> 16) & 0xffff);
    csum_add16(cs, (uint32_t)dsn64 & 0xffff);
    csum_add16(cs, ssn >> 16);
    csum_add16(cs, ssn & 0xffff);
    csum_add16(cs, dll);
    csum_add16(cs, csum);
    cs->start = ssn;
    cs->next = ssn;
    cs->left = (uint32_t)dll - (fin && dll ? 1u : 0u);
    cs->expect = csum;
    cs->dsn64 = dsn64;
    cs->dll = dll;
}

static int
csum_final_ok(const struct csum_state *cs)
{
    uint64_t s = cs->sum;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s == 0xffff;
}

/* Feeds one segment's payload; returns 1 (ok) or -1 (bad) when the mapping completes, else 0. */
static int
csum_feed(struct csum_state *cs, const struct cs_packet *p, uint32_t rel_seq)
{
    if (!cs->active)
        return 0;
    uint32_t plen = p->payload_len;
    if (!plen)
        return 0;
    uint32_t off = cs->next - rel_seq; /* bytes of this segment already summed */
    if ((int32_t)(rel_seq - cs->next) > 0) {
        cs->active = 0; /* a gap: this mapping cannot be checked */
        return 0;
    }
    if (off >= plen)
        return 0; /* all of it was summed before (a retransmission) */
    uint32_t take = plen - off < cs->left ? plen - off : cs->left;
    struct cs_cursor c = p->payload;
    cs_cursor_skip(&c, off);
    if (cs_cursor_remaining(&c) < take) {
        cs->active = 0; /* cut by the snapshot */
        return 0;
    }
    for (uint32_t i = 0; i < take; i++) {
        uint32_t b = cs_cursor_u8(&c);
        cs->sum += cs->odd ? b : b << 8;
        cs->odd ^= 1;
    }
    cs->next += take;
    cs->left -= take;
    if (cs->left)
        return 0;
    cs->active = 0;
    return csum_final_ok(cs) ? 1 : -1;
}

/* ---- per option ---- */

struct pkt_ctx {
    struct cs_mptcp *m;
    const struct cs_frame *f;
    const struct cs_packet *p;
    const struct cs_flow_view *fv;
    struct cs_mptcp_subflow *sf;
    uint8_t mdir; /* connection direction of this segment */
};

static void
set_mdir(struct pkt_ctx *x)
{
    x->mdir = (uint8_t)(x->fv->dir ^ (x->sf && x->sf->conn ? x->sf->flip : 0));
}

/* A new (not repeated) mapping of dll bytes at dsn64 on this subflow. */
static void
add_mapping(struct pkt_ctx *x, uint64_t dsn64, uint32_t ssn, uint16_t dll, int fin, int has_csum,
            uint16_t csum)
{
    struct cs_mptcp_subflow *sf = x->sf;
    struct cs_mptcp_conn *c = sf->conn;
    struct conn_dir *d = &c->d[x->mdir];
    struct mapping *lm = &sf->last_map[x->mdir];
    if (lm->valid && lm->dsn64 == dsn64 && lm->ssn == ssn && lm->dll == dll)
        return;
    lm->valid = 1;
    lm->dsn64 = dsn64;
    lm->ssn = ssn;
    lm->dll = dll;
    if (dll == 0)
        return; /* infinite mapping (fallback after MP_FAIL) */
    uint32_t data = (uint32_t)dll - (fin ? 1u : 0u);
    /* distinct mappings: a pure DATA_FIN maps no data, a retransmitted one maps nothing new */
    if (data && !ivset_contains(&sf->mapped[x->mdir], dsn64, dsn64 + data))
        d->mappings++;
    cs_ivset_add(&d->covered, dsn64, dsn64 + data);
    cs_ivset_add(&sf->mapped[x->mdir], dsn64, dsn64 + data);
    if (!d->dsn_seen || dsn64 + data > d->last_dsn)
        d->last_dsn = dsn64 + data;
    d->dsn_seen = 1;
    if (fin) {
        d->data_fin = 1;
        d->data_fin_dsn = dsn64 + data;
    }
    if (x->m->cfg.verify && has_csum)
        csum_start(&sf->csum[x->mdir], dsn64, ssn, dll, csum, fin);
}

static void
on_capable(struct pkt_ctx *x, const struct cs_mptcp_opt *o, struct cs_mptcp_event *ev)
{
    struct cs_mptcp_subflow *sf = x->sf;
    if (o->bad)
        return;
    if (o->tcp_flags_syn && !o->tcp_flags_ack) {
        sf->syn_capable = 1;
        sf->capable_version = o->version;
        sf->capable_flags = o->flags;
        if (o->n_keys) {
            sf->syn_key = o->key[0];
            sf->has_syn_key = 1;
        }
        return;
    }
    struct cs_mptcp_conn *c = sf->conn;
    if (o->tcp_flags_syn) { /* SYN/ACK */
        sf->synack_capable = 1;
        if (!c && !sf->join) {
            c = conn_new(x->m, o->version, 1);
            if (!c)
                return;
            conn_attach(x->m, c, sf, 0);
            c->syn_flags = sf->capable_flags;
            c->synack_flags = o->flags;
            if (sf->has_syn_key)
                conn_set_key(c, x->m, 0, sf->syn_key);
        }
        if (c && o->n_keys)
            conn_set_key(c, x->m, 1, o->key[0]);
        return;
    }
    /* the third ACK (and v1 data before the first DSS): both keys */
    if (!c && !sf->join && !sf->orphan) {
        c = conn_new(x->m, o->version, 1);
        if (!c)
            return;
        conn_attach(x->m, c, sf, 0);
        c->syn_flags = o->flags;
    }
    if (!c)
        return;
    set_mdir(x);
    int sender = x->mdir, peer = !x->mdir;
    conn_set_key(c, x->m, sender, o->key[0]);
    if (o->n_keys > 1)
        conn_set_key(c, x->m, peer, o->key[1]);
    if (o->has_dll) {
        struct conn_dir *d = &c->d[x->mdir];
        d->mpc_data++;
        if (d->idsn_known) {
            ev->dsn64 = d->idsn + 1;
            ev->has_rel_dsn = 1;
            ev->rel_dsn = 1;
            add_mapping(x, d->idsn + 1, 1, o->dll, 0, o->has_csum, o->csum);
        }
    }
}

/* An orphan join whose token belonged to a connection retired not long ago. */
static void
late_join(struct cs_mptcp *m, struct cs_mptcp_subflow *sf, uint32_t token)
{
    size_t n = m->n_retired < CS_MPTCP_RETIRED_TOKENS ? m->n_retired : CS_MPTCP_RETIRED_TOKENS;
    for (size_t i = 1; i <= n; i++) {
        const struct retired_token *r = &m->retired[(m->n_retired - i) % CS_MPTCP_RETIRED_TOKENS];
        if (r->token == token) {
            sf->late_of = r->conn;
            m->counts.late_joins++;
            return;
        }
    }
}

static void
on_join(struct pkt_ctx *x, const struct cs_mptcp_opt *o, struct cs_mptcp_event *ev)
{
    struct cs_mptcp_subflow *sf = x->sf;
    if (o->bad)
        return;
    if (o->len == 12) {
        sf->join = 1;
        sf->join_token = o->token;
        sf->join_addr_id = o->addr_id;
        sf->join_backup = o->backup;
        sf->backup_now = o->backup;
        sf->nonce_a = o->nonce;
        sf->has_nonce_a = 1;
        if (sf->conn)
            return;
        struct cs_mptcp_conn *c = token_get(x->m, o->token);
        if (!c) {
            sf->orphan = 1;
            if (sf->late_of < 0)
                late_join(x->m, sf, o->token);
            return;
        }
        sf->orphan = 0;
        /* the token names the receiver; flow direction 0 runs from the initiator */
        conn_attach(x->m, c, sf, c->has_key[0] && c->token[0] == o->token);
        return;
    }
    struct cs_mptcp_conn *c = sf->conn;
    if (o->len == 16) {
        sf->has_synack_join = 1;
        sf->synack_addr_id = o->addr_id;
        sf->synack_backup = o->backup;
        sf->nonce_b = o->nonce;
        sf->has_nonce_b = 1;
    }
    if (!x->m->cfg.verify || !c || !c->has_key[0] || !c->has_key[1] || !sf->has_nonce_a ||
        !sf->has_nonce_b)
        return;
    /* initiator's key first in its own HMAC; the responder's first in the SYN/ACK one */
    uint64_t ki = c->key[sf->flip ? 1 : 0], kr = c->key[sf->flip ? 0 : 1];
    uint8_t msg[8], mac[20];
    uint32_t ra = sf->nonce_a, rb = sf->nonce_b;
    int ok;
    if (o->len == 16) {
        uint32_t first = rb, second = ra;
        for (int i = 0; i < 4; i++) {
            msg[i] = (uint8_t)(first >> (24 - 8 * i));
            msg[4 + i] = (uint8_t)(second >> (24 - 8 * i));
        }
        ok = cs_mptcp_hmac(c->version, kr, ki, msg, 8, mac, 8) == 0 && !memcmp(mac, o->hmac, 8);
    } else {
        for (int i = 0; i < 4; i++) {
            msg[i] = (uint8_t)(ra >> (24 - 8 * i));
            msg[4 + i] = (uint8_t)(rb >> (24 - 8 * i));
        }
        ok = cs_mptcp_hmac(c->version, ki, kr, msg, 8, mac, 20) == 0 && !memcmp(mac, o->hmac, 20);
    }
    sf->hmac_checked++;
    if (ok) {
        sf->hmac_ok++;
        c->hmac_ok++;
    } else {
        c->hmac_bad++;
    }
    ev->check = ok ? "hmac ok" : "hmac bad";
}

/* A connection for options on a subflow whose handshake was not captured. */
static struct cs_mptcp_conn *
headless_conn(struct pkt_ctx *x)
{
    struct cs_mptcp_subflow *sf = x->sf;
    if (sf->conn)
        return sf->conn;
    if (sf->orphan || sf->join || sf->syn_capable)
        return NULL;
    /* the same 4-tuple seen before (the flow table restarts a flow after its RST or eviction):
     * the same subflow of the same connection */
    int looked = 0;
    for (const struct cs_mptcp_subflow *o = x->m->sf_tail; o && looked < 1024;
         o = o->prev, looked++) {
        if (o == sf)
            continue;
        if (o->conn && o->cport == sf->cport && o->sport == sf->sport &&
            !memcmp(&o->cli, &sf->cli, sizeof o->cli) &&
            !memcmp(&o->srv, &sf->srv, sizeof o->srv)) {
            conn_attach(x->m, o->conn, sf, o->flip);
            sf->cont_of = o->flow_conn;
            return sf->conn;
        }
        if (o->conn && o->cport == sf->sport && o->sport == sf->cport &&
            !memcmp(&o->cli, &sf->srv, sizeof o->cli) &&
            !memcmp(&o->srv, &sf->cli, sizeof o->srv)) {
            conn_attach(x->m, o->conn, sf, !o->flip);
            sf->cont_of = o->flow_conn;
            return sf->conn;
        }
    }
    struct cs_mptcp_conn *c = conn_new(x->m, 1, 0);
    if (c)
        conn_attach(x->m, c, sf, 0);
    return c;
}

static void
on_dss(struct pkt_ctx *x, const struct cs_mptcp_opt *o, struct cs_mptcp_event *ev)
{
    struct cs_mptcp_conn *c = headless_conn(x);
    if (!c || o->bad)
        return;
    set_mdir(x);
    struct conn_dir *mine = &c->d[x->mdir], *peer = &c->d[!x->mdir];
    if (o->dack_len) {
        uint64_t a = dack_expand(peer, o->dack, o->dack_len);
        ev->dack64 = a;
        if (!peer->dack_seen || a - peer->last_dack < ((uint64_t)1 << 63))
            peer->last_dack = a;
        peer->dack_seen = 1;
        if (peer->idsn_known) {
            ev->has_rel_dack = 1;
            ev->rel_dack = a - peer->idsn;
        }
    }
    if (o->dsn_len) {
        uint64_t s = dsn_expand(mine, o->dsn, o->dsn_len);
        ev->dsn64 = s;
        if (mine->idsn_known) {
            ev->has_rel_dsn = 1;
            ev->rel_dsn = s - mine->idsn;
        }
        add_mapping(x, s, o->ssn, o->dll, (o->flags & CS_DSS_F) != 0, o->has_csum, o->csum);
    }
}

static void
announce(struct pkt_ctx *x, const struct cs_mptcp_opt *o)
{
    struct cs_mptcp_conn *c = headless_conn(x);
    if (!c || o->bad)
        return;
    set_mdir(x);
    if (o->subtype == CS_MPTCP_ADD_ADDR)
        c->n_add++;
    else
        c->n_remove++;
    if (c->n_ann >= CS_MPTCP_MAX_ANNOUNCE ||
        grow((void **)&c->ann, &c->cap_ann, c->n_ann + 1, sizeof *c->ann) != 0) {
        c->ann_dropped++;
        return;
    }
    struct announce *a = &c->ann[c->n_ann++];
    a->ordinal = x->f->ordinal;
    a->dir = x->mdir;
    a->subflow = x->sf->index;
    a->opt = *o;
}

static void
on_other(struct pkt_ctx *x, const struct cs_mptcp_opt *o)
{
    struct cs_mptcp_subflow *sf = x->sf;
    struct cs_mptcp_conn *c = headless_conn(x);
    if (o->bad)
        return;
    switch (o->subtype) {
        case CS_MPTCP_PRIO:
            sf->prio_changes++;
            sf->backup_now = o->backup;
            if (c)
                c->n_prio++;
            break;
        case CS_MPTCP_FAIL:
            if (c)
                c->n_fail++;
            break;
        case CS_MPTCP_FASTCLOSE:
            sf->fastclose = 1;
            if (c)
                c->n_fastclose++;
            break;
        case CS_MPTCP_TCPRST:
            sf->has_tcprst = 1;
            sf->tcprst_reason = o->reason;
            sf->tcprst_flags = o->flags;
            break;
        default:
            break;
    }
}

static void
fill_event(struct pkt_ctx *x, struct cs_mptcp_event *ev, const struct cs_mptcp_opt *o)
{
    memset(ev, 0, sizeof *ev);
    ev->opt = o;
    ev->mptcp_conn = -1;
    ev->subflow = -1;
    if (!x->sf)
        return;
    switch (o->subtype) {
        case CS_MPTCP_CAPABLE:
            on_capable(x, o, ev);
            break;
        case CS_MPTCP_JOIN:
            on_join(x, o, ev);
            break;
        case CS_MPTCP_DSS:
            on_dss(x, o, ev);
            break;
        case CS_MPTCP_ADD_ADDR:
        case CS_MPTCP_REMOVE_ADDR:
            announce(x, o);
            break;
        default:
            on_other(x, o);
            break;
    }
    if (x->sf->conn) {
        ev->mptcp_conn = x->sf->conn->index;
        ev->subflow = x->sf->index;
    }
}

/* TCP-level facts about a subflow from every segment: ends and the fallback SYN/ACK. */
static void
subflow_segment(struct pkt_ctx *x)
{
    struct cs_mptcp_subflow *sf = x->sf;
    const struct cs_tcp *t = &x->p->t.tcp;
    sf->pkts[x->fv->dir & 1]++;
    if ((t->flags & (CS_TH_SYN | CS_TH_ACK)) == (CS_TH_SYN | CS_TH_ACK))
        sf->synack_seen = 1;
    if (t->flags & CS_TH_FIN)
        sf->fin[x->fv->dir & 1] = 1;
    if (t->flags & CS_TH_RST)
        sf->rst = 1;
}

void
cs_mptcp_packet(struct cs_mptcp *m, const struct cs_frame *f, const struct cs_packet *p,
                const struct cs_flow_view *fv, cs_emit_fn emit, void *emit_ctx)
{
    if (p->l4 != CS_L4_TCP || !fv || !fv->flow || fv->conn < 0)
        return;
    const struct cs_tcp *t = &p->t.tcp;
    struct pkt_ctx x = {m, f, p, fv, NULL, 0};
    x.sf = subflow_get(m, fv, t->n_mptcp > 0);
    if (!x.sf)
        return;
    subflow_segment(&x);
    if (!t->n_mptcp && !(m->cfg.verify && p->payload_len))
        return;
    struct cs_mptcp_opt opts[CS_MAX_TCP_OPTS];
    struct cs_mptcp_event evs[CS_MAX_TCP_OPTS];
    size_t n = 0;
    for (unsigned i = 0; i < t->n_opts && n < CS_MAX_TCP_OPTS; i++) {
        const struct cs_tcp_opt *to = &t->opts[i];
        if (to->kind != CS_TCPOPT_MPTCP || (size_t)to->off + to->len > t->opt_raw_len)
            continue;
        struct cs_cursor all = cs_cursor_make(t->opt_raw, t->opt_raw_len);
        cs_cursor_skip(&all, to->off);
        struct cs_cursor c = cs_cursor_sub(&all, to->len);
        cs_mptcp_parse(&c, t->flags, &opts[n]);
        m->options++;
        if (opts[n].bad)
            m->bad_options++;
        fill_event(&x, &evs[n], &opts[n]);
        n++;
    }
    /* -v: the payload against the mapping it belongs to */
    if (m->cfg.verify && x.sf->conn && p->payload_len && fv->rel_ok) {
        set_mdir(&x);
        struct conn_dir *d = &x.sf->conn->d[x.mdir];
        int r = csum_feed(&x.sf->csum[x.mdir], p, fv->rel_seq);
        if (r) {
            if (r > 0) {
                d->csum_ok++;
            } else {
                if (d->csum_bad < CS_MPTCP_MAX_CSUM_FAILS) {
                    const struct csum_state *cs = &x.sf->csum[x.mdir];
                    struct csum_fail fl = {f->ordinal, cs->dsn64, cs->dll, x.sf->index};
                    d->fail[d->csum_bad] = fl;
                }
                d->csum_bad++;
            }
            for (size_t i = 0; i < n; i++)
                if (opts[i].subtype == CS_MPTCP_DSS || opts[i].subtype == CS_MPTCP_CAPABLE) {
                    evs[i].check = r > 0 ? "csum ok" : "csum bad";
                    break;
                }
        }
    }
    if (!emit)
        return;
    for (size_t i = 0; i < n; i++) {
        struct cs_record rec = {CS_REC_MPTCP, f, p, fv, &evs[i], 0};
        if (opts[i].subtype == CS_MPTCP_DSS && !opts[i].bad && !(opts[i].flags & CS_DSS_F) &&
            !evs[i].check)
            rec.flags |= CS_RECF_DATA_ONLY;
        emit(emit_ctx, &rec);
    }
}

/* ---- the registry row ---- */

static void
emit_to_env(void *ctx, const struct cs_record *r)
{
    cs_dissect_emit(ctx, r);
}

static void *
d_create(struct cs_dissect_env *env)
{
    struct cs_mptcp_config cfg = {env->opts ? env->opts->verbose : 0, 0};
    struct cs_mptcp *m = cs_mptcp_new(&cfg);
    if (m && env->flows)
        cs_mptcp_attach(m, env->flows); /* without a slot, connections live to the end */
    return m;
}

static void
d_packet(void *state, struct cs_dissect_env *env)
{
    if (!env->pkt || env->pkt->l4 != CS_L4_TCP)
        return;
    cs_mptcp_packet(state, env->frame, env->pkt, env->fv, emit_to_env, env);
}

static void
d_destroy(void *state)
{
    cs_mptcp_free(state);
}

const struct cs_dissector_ops cs_mptcp_dissector = {"mptcp", d_create, d_packet, NULL, d_destroy};

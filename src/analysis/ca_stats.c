/* ca_stats.c: `cashark stats ca`: Channel Access latency and health tables built from CA records.
 *
 * EPICS Channel Access Protocol Specification (CA 4.13): which header parameter carries the cid,
 * sid, ioid, subscription id, ECA status and beacon id of each command in each direction.
 * Matching rules:
 * - channel creation: CreateChanRequest to CreateChanResponse or CreateChFailResponse by circuit
 *   (client ip:port, server ip:port) and cid, never by cid alone (caproto clients use cid 0 on
 *   every circuit);
 * - search: first SearchRequest to first SearchResponse by client ip:port and cid, across retries;
 * - read/write-notify: request to response by circuit and ioid;
 * - monitors: EventAddRequest and its updates by circuit and subscription id;
 * - beacons: per server address and announced port; an id below the last one is a restart.
 * Statistics as pandas describe(): sample std (ddof 1), quartiles linearly interpolated between
 * order statistics (numpy's default "linear" method, its two-sided lerp).
 */
#include "cashark/ca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECA_NORMAL    1u
#define NAME_MAX_KEPT 1024 /* bytes of a PV name or error text kept */
#define CHUNK         65536

#define HAS CS_CA_HAS

/* ---- keys and entries ---------------------------------------------------------------------- */

enum ekind {
    E_FREE = 0,
    E_CIRC,    /* a circuit with channels: list of its channels */
    E_CREATE,  /* a CreateChanRequest waiting for its reply (id: cid) */
    E_CHAN,    /* an open channel (id: sid) */
    E_CHANCID, /* cid -> sid of an open channel */
    E_IO,      /* a read/write waiting for its reply (id: ioid) */
    E_SUB,     /* a subscription (id: subid) -> its monitors row */
    E_SEARCH,  /* a search by client and cid -> its search row */
    E_BEACON,  /* a beaconing server -> its beacons row */
    E_IOGRP,   /* command, PV and server -> its io row */
    E__COUNT
};

struct key {
    uint8_t kind, cfam, sfam, extra;
    uint16_t cport, sport;
    uint32_t id;
    uint8_t ca[16], sa[16];
};

struct ent {
    struct key k;
    uint32_t pv;      /* name number (0: unknown) */
    uint32_t x;       /* CHAN: cid; CHANCID: sid; IO, SUB, SEARCH, BEACON, IOGRP: row index */
    uint32_t prev;    /* CHAN: list on its circuit (entry number + 1) */
    uint32_t next;    /* CHAN: list; CIRC: head; free list */
    uint32_t circ;    /* CHAN: its circuit's entry number + 1 */
    uint32_t cleared; /* CHAN: the client asked to clear it (lost at a close: not a disconnect) */
    int64_t t;        /* CREATE, IO: request time */
};

struct name {
    const char *p;
    uint32_t len;
    uint32_t hash;
};

struct rowvec {
    struct cs_ca_row *v;
    size_t n, cap;
};

/* Rows kept during the run, per table that collects them directly. */
enum { V_LATENCY, V_FAILED, V_SEARCH, V_IO, V_MONITORS, V_ERRORS, V_DISCONNECTS, V_BEACONS, V__N };

struct cs_ca_stats {
    struct cs_ca_stats_limits lim;
    /* entries and their map */
    struct ent *ents;
    size_t n_ents, cap_ents, live;
    uint32_t free_head;
    uint32_t *slots;
    size_t mask;
    size_t used;
    size_t by_kind[E__COUNT];
    /* interned names and copied texts */
    char **chunks;
    size_t n_chunks, cap_chunks;
    char *cur;
    size_t cur_left;
    struct name *names;
    size_t n_names, cap_names;
    uint32_t *nslots;
    size_t nmask;
    /* rows */
    struct rowvec v[V__N];
    struct rowvec out;   /* the table last built */
    long double *io_acc; /* per io row: Welford's mean and sum of squared deviations, ns */
    size_t io_acc_cap;
    uint8_t digits;
    int oom;
    /* what could not be matched or kept */
    uint64_t dropped_pending, dropped_rows, dropped_names;
    uint64_t unmatched_create, unmatched_io, unmatched_search, duplicate_create;
    uint64_t n_created, n_failed;
};

/* ---- small helpers ------------------------------------------------------------------------- */

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Square root by Newton's iteration (no libm), in long double: from above, it decreases until
 * it stops moving. */
static long double
root(long double x)
{
    if (!(x > 0))
        return 0;
    long double y = x < 1 ? 1 : x;
    for (int i = 0; i < 5000; i++) {
        long double n = 0.5L * (y + x / y);
        if (n >= y)
            break;
        y = n;
    }
    return y;
}

/* Nanoseconds (exact or fractional) as seconds, rounded once to a double. */
static double
secs(long double ns)
{
    return (double)(ns / 1e9L);
}

static void
ep_set(struct cs_ca_ep *e, const struct cs_addr *a, uint16_t port)
{
    memset(e, 0, sizeof *e);
    e->a = *a;
    e->port = port;
}

static int
ep_cmp(const struct cs_ca_ep *x, const struct cs_ca_ep *y)
{
    if (x->a.family != y->a.family)
        return x->a.family < y->a.family ? -1 : 1;
    int c = memcmp(x->a.a, y->a.a, sizeof x->a.a);
    if (c)
        return c;
    return (x->port > y->port) - (x->port < y->port);
}

/* ---- text arena and names ------------------------------------------------------------------ */

static char *
arena_alloc(struct cs_ca_stats *s, size_t n)
{
    if (n > s->cur_left) {
        size_t sz = n > CHUNK ? n : CHUNK;
        char *c = malloc(sz);
        if (!c || grow((void **)&s->chunks, &s->cap_chunks, s->n_chunks + 1, sizeof *s->chunks)) {
            free(c);
            s->oom = 1;
            return NULL;
        }
        s->chunks[s->n_chunks++] = c;
        s->cur = c;
        s->cur_left = sz;
    }
    char *p = s->cur;
    s->cur += n;
    s->cur_left -= n;
    return p;
}

/* The bytes of c up to the first NUL (at most NAME_MAX_KEPT). */
static const uint8_t *
text_of(struct cs_cursor c, size_t *n)
{
    const uint8_t *p = cs_cursor_span(&c, n);
    if (!p) {
        *n = 0;
        return NULL;
    }
    const uint8_t *z = memchr(p, 0, *n);
    if (z)
        *n = (size_t)(z - p);
    if (*n > NAME_MAX_KEPT)
        *n = NAME_MAX_KEPT;
    return p;
}

static int
names_rehash(struct cs_ca_stats *s, size_t cap)
{
    uint32_t *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->n_names; i++) {
        size_t j = s->names[i].hash & (cap - 1);
        while (ns[j])
            j = (j + 1) & (cap - 1);
        ns[j] = (uint32_t)(i + 1);
    }
    free(s->nslots);
    s->nslots = ns;
    s->nmask = cap - 1;
    return 0;
}

/* The number of the name p[0..n) (from 1), 0 when it cannot be kept. */
static uint32_t
name_intern(struct cs_ca_stats *s, const uint8_t *p, size_t n)
{
    if (!p)
        return 0;
    uint32_t h = (uint32_t)mix(0xcbf29ce484222325ull, p, n);
    if (s->nslots) {
        for (size_t j = h & s->nmask; s->nslots[j]; j = (j + 1) & s->nmask) {
            const struct name *nm = &s->names[s->nslots[j] - 1];
            if (nm->hash == h && nm->len == n && memcmp(nm->p, p, n) == 0)
                return s->nslots[j];
        }
    }
    if (s->n_names >= s->lim.pending) {
        s->dropped_names++;
        return 0;
    }
    if ((s->n_names + 1) * 2 > s->nmask + 1 || !s->nslots) {
        if (names_rehash(s, s->nslots ? (s->nmask + 1) * 2 : 1024)) {
            s->oom = 1;
            return 0;
        }
    }
    if (grow((void **)&s->names, &s->cap_names, s->n_names + 1, sizeof *s->names)) {
        s->oom = 1;
        return 0;
    }
    char *c = arena_alloc(s, n ? n : 1);
    if (!c)
        return 0;
    memcpy(c, p, n);
    struct name *nm = &s->names[s->n_names++];
    nm->p = c;
    nm->len = (uint32_t)n;
    nm->hash = h;
    size_t j = h & s->nmask;
    while (s->nslots[j])
        j = (j + 1) & s->nmask;
    s->nslots[j] = (uint32_t)s->n_names;
    return (uint32_t)s->n_names;
}

static void
row_pv(const struct cs_ca_stats *s, struct cs_ca_row *w, uint32_t pv)
{
    if (!pv)
        return;
    w->pv = s->names[pv - 1].p;
    w->pv_len = s->names[pv - 1].len;
    w->has |= HAS(CS_CA_COL_PV);
}

/* ---- the entry map ------------------------------------------------------------------------- */

static uint64_t
key_hash(const struct key *k)
{
    return mix(0xcbf29ce484222325ull, k, sizeof *k);
}

static int
map_rehash(struct cs_ca_stats *s, size_t cap)
{
    uint32_t *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->n_ents; i++) {
        if (s->ents[i].k.kind == E_FREE)
            continue;
        size_t j = key_hash(&s->ents[i].k) & (cap - 1);
        while (ns[j])
            j = (j + 1) & (cap - 1);
        ns[j] = (uint32_t)(i + 1);
    }
    free(s->slots);
    s->slots = ns;
    s->mask = cap - 1;
    return 0;
}

static struct ent *
ent_find(const struct cs_ca_stats *s, const struct key *k)
{
    if (!s->slots)
        return NULL;
    for (size_t j = key_hash(k) & s->mask; s->slots[j]; j = (j + 1) & s->mask) {
        struct ent *e = &s->ents[s->slots[j] - 1];
        if (memcmp(&e->k, k, sizeof *k) == 0)
            return e;
    }
    return NULL;
}

/* A new entry for k (not present), or NULL when the pending cap is reached. Pointers into the
 * entries are invalid after this call. */
static struct ent *
ent_new(struct cs_ca_stats *s, const struct key *k)
{
    if (s->live >= s->lim.pending) {
        s->dropped_pending++;
        return NULL;
    }
    if (!s->slots || (s->live + 1) * 2 > s->mask + 1) {
        if (map_rehash(s, s->slots ? (s->mask + 1) * 2 : 1024)) {
            s->oom = 1;
            return NULL;
        }
    }
    uint32_t i;
    if (s->free_head) {
        i = s->free_head - 1;
        s->free_head = s->ents[i].next;
    } else {
        if (grow((void **)&s->ents, &s->cap_ents, s->n_ents + 1, sizeof *s->ents)) {
            s->oom = 1;
            return NULL;
        }
        i = (uint32_t)s->n_ents++;
    }
    struct ent *e = &s->ents[i];
    memset(e, 0, sizeof *e);
    e->k = *k;
    size_t j = key_hash(k) & s->mask;
    while (s->slots[j])
        j = (j + 1) & s->mask;
    s->slots[j] = i + 1;
    s->live++;
    s->by_kind[k->kind]++;
    return e;
}

static uint32_t
ent_no(const struct cs_ca_stats *s, const struct ent *e)
{
    return (uint32_t)(e - s->ents) + 1;
}

/* Removes e: backward-shift deletion keeps every probe chain unbroken. */
static void
ent_del(struct cs_ca_stats *s, struct ent *e)
{
    uint32_t no = ent_no(s, e);
    size_t j = key_hash(&e->k) & s->mask;
    while (s->slots[j] != no)
        j = (j + 1) & s->mask;
    size_t hole = j;
    for (size_t i = (hole + 1) & s->mask; s->slots[i]; i = (i + 1) & s->mask) {
        size_t home = key_hash(&s->ents[s->slots[i] - 1].k) & s->mask;
        /* move slot i into the hole unless its home lies cyclically in (hole, i] */
        int stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
        if (!stays) {
            s->slots[hole] = s->slots[i];
            hole = i;
        }
    }
    s->slots[hole] = 0;
    s->by_kind[e->k.kind]--;
    s->live--;
    e->k.kind = E_FREE;
    e->next = s->free_head;
    s->free_head = no;
}

/* The key of kind and id on m's circuit. */
static void
circuit_key(struct key *k, int kind, const struct cs_ca_msg *m, uint32_t id)
{
    const struct cs_addr *c = m->response ? &m->dst : &m->src;
    const struct cs_addr *v = m->response ? &m->src : &m->dst;
    memset(k, 0, sizeof *k);
    k->kind = (uint8_t)kind;
    k->cfam = c->family;
    memcpy(k->ca, c->a, sizeof k->ca);
    k->cport = m->response ? m->dport : m->sport;
    k->sfam = v->family;
    memcpy(k->sa, v->a, sizeof k->sa);
    k->sport = m->response ? m->sport : m->dport;
    k->id = id;
}

static void
msg_eps(const struct cs_ca_msg *m, struct cs_ca_row *w)
{
    if (m->response) {
        ep_set(&w->client, &m->dst, m->dport);
        ep_set(&w->server, &m->src, m->sport);
    } else {
        ep_set(&w->client, &m->src, m->sport);
        ep_set(&w->server, &m->dst, m->dport);
    }
    w->has |= HAS(CS_CA_COL_CLIENT) | HAS(CS_CA_COL_SERVER);
}

/* ---- rows ---------------------------------------------------------------------------------- */

/* A new zeroed row of vector vi, or NULL at the rows cap. Pointers into that vector are invalid
 * after this call. */
static struct cs_ca_row *
row_new(struct cs_ca_stats *s, int vi, int table)
{
    struct rowvec *rv = &s->v[vi];
    if (rv->n >= s->lim.rows) {
        s->dropped_rows++;
        return NULL;
    }
    if (grow((void **)&rv->v, &rv->cap, rv->n + 1, sizeof *rv->v)) {
        s->oom = 1;
        return NULL;
    }
    struct cs_ca_row *w = &rv->v[rv->n++];
    memset(w, 0, sizeof *w);
    w->table = (uint8_t)table;
    return w;
}

static void
row_time(struct cs_ca_row *w, int col, int64_t *slot, int64_t v)
{
    *slot = v;
    w->has |= HAS(col);
}

static const char *
status_name(uint32_t code)
{
    const struct cs_ca_eca *e = cs_ca_eca_find(code);
    return e ? e->name : "unknown ECA status";
}

static const char *
class_name(uint16_t cmd, int response)
{
    const char *n = cs_ca_class_name(cmd, response);
    if (!n)
        n = cs_ca_cmd_name(cmd);
    return n ? n : "?";
}

/* ---- channels ------------------------------------------------------------------------------ */

static struct ent *
chan_by_cid(struct cs_ca_stats *s, const struct cs_ca_msg *m, uint32_t cid)
{
    struct key k;
    circuit_key(&k, E_CHANCID, m, cid);
    struct ent *c = ent_find(s, &k);
    if (!c)
        return NULL;
    circuit_key(&k, E_CHAN, m, c->x);
    return ent_find(s, &k);
}

static uint32_t
pv_by_sid(struct cs_ca_stats *s, const struct cs_ca_msg *m, uint32_t sid)
{
    struct key k;
    circuit_key(&k, E_CHAN, m, sid);
    struct ent *e = ent_find(s, &k);
    return e ? e->pv : 0;
}

static void
chan_unlink_del(struct cs_ca_stats *s, struct ent *ch)
{
    struct key k = ch->k;
    if (ch->circ) {
        struct ent *c = &s->ents[ch->circ - 1];
        if (ch->prev)
            s->ents[ch->prev - 1].next = ch->next;
        else
            c->next = ch->next;
        if (ch->next)
            s->ents[ch->next - 1].prev = ch->prev;
        if (c->x)
            c->x--;
    }
    uint32_t cid = ch->x, sid = k.id;
    ent_del(s, ch);
    k.kind = E_CHANCID;
    k.id = cid;
    struct ent *cc = ent_find(s, &k);
    if (cc && cc->x == sid)
        ent_del(s, cc);
}

static void
chan_open(struct cs_ca_stats *s, const struct cs_ca_msg *m, uint32_t cid, uint32_t sid, uint32_t pv)
{
    struct key k;
    circuit_key(&k, E_CHAN, m, sid);
    struct ent *ch = ent_find(s, &k);
    if (ch)
        chan_unlink_del(s, ch);
    circuit_key(&k, E_CIRC, m, 0);
    struct ent *c = ent_find(s, &k);
    if (!c && !(c = ent_new(s, &k)))
        return;
    uint32_t cno = ent_no(s, c);
    circuit_key(&k, E_CHAN, m, sid);
    if (!(ch = ent_new(s, &k)))
        return;
    c = &s->ents[cno - 1];
    ch->pv = pv;
    ch->x = cid;
    ch->circ = cno;
    ch->next = c->next;
    if (c->next)
        s->ents[c->next - 1].prev = ent_no(s, ch);
    c->next = ent_no(s, ch);
    c->x++;
    circuit_key(&k, E_CHANCID, m, cid);
    struct ent *cc = ent_find(s, &k);
    if (!cc)
        cc = ent_new(s, &k);
    if (cc)
        cc->x = sid;
}

/* ---- handlers, one per command and direction ----------------------------------------------- */

struct ctx {
    struct cs_ca_stats *s;
    const struct cs_ca_msg *m;
    int64_t ts;
};

static void
on_create_req(const struct ctx *c)
{
    struct key k;
    circuit_key(&k, E_CREATE, c->m, c->m->h.p1);
    if (ent_find(c->s, &k)) {
        c->s->duplicate_create++;
        return;
    }
    size_t n;
    const uint8_t *p = text_of(c->m->name, &n);
    uint32_t pv = name_intern(c->s, p, n);
    struct ent *e = ent_new(c->s, &k);
    if (!e)
        return;
    e->pv = pv;
    e->t = c->ts;
}

static void
on_create_resp(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    struct key k;
    circuit_key(&k, E_CREATE, m, m->h.p1);
    struct ent *e = ent_find(s, &k);
    uint32_t pv = 0;
    if (!e) {
        s->unmatched_create++;
    } else {
        pv = e->pv;
        int64_t t0 = e->t;
        ent_del(s, e);
        s->n_created++;
        struct cs_ca_row *w = row_new(s, V_LATENCY, CS_CA_T_LATENCY);
        if (w) {
            row_pv(s, w, pv);
            msg_eps(m, w);
            w->cid = m->h.p1;
            w->sid = m->h.p2;
            w->has |= HAS(CS_CA_COL_CID) | HAS(CS_CA_COL_SID);
            row_time(w, CS_CA_COL_T, &w->t, t0);
            row_time(w, CS_CA_COL_DT, &w->dt, c->ts - t0);
        }
    }
    chan_open(s, m, m->h.p1, m->h.p2, pv);
}

static void
on_create_fail(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    struct key k;
    circuit_key(&k, E_CREATE, c->m, c->m->h.p1);
    struct ent *e = ent_find(s, &k);
    s->n_failed++;
    if (!e) {
        s->unmatched_create++;
        return;
    }
    uint32_t pv = e->pv;
    int64_t t0 = e->t;
    ent_del(s, e);
    struct cs_ca_row *w = row_new(s, V_FAILED, CS_CA_T_UNANSWERED);
    if (!w)
        return;
    row_pv(s, w, pv);
    msg_eps(c->m, w);
    w->cid = c->m->h.p1;
    w->has |= HAS(CS_CA_COL_CID) | HAS(CS_CA_COL_RESULT);
    w->result = "failed";
    row_time(w, CS_CA_COL_T, &w->t, t0);
    row_time(w, CS_CA_COL_DT, &w->dt, c->ts - t0);
}

/* ClearChannelRequest marks the channel, its response (or the circuit's end) removes it. */
static void
on_clear(const struct ctx *c)
{
    struct key k;
    circuit_key(&k, E_CHAN, c->m, c->m->h.p1);
    struct ent *ch = ent_find(c->s, &k);
    if (ch && c->m->response)
        chan_unlink_del(c->s, ch);
    else if (ch)
        ch->cleared = 1;
}

static void
on_server_disconn(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    struct ent *ch = chan_by_cid(s, c->m, c->m->h.p1);
    uint32_t pv = ch ? ch->pv : 0, sid = ch ? ch->k.id : 0;
    if (ch)
        chan_unlink_del(s, ch);
    struct cs_ca_row *w = row_new(s, V_DISCONNECTS, CS_CA_T_DISCONNECTS);
    if (!w)
        return;
    row_pv(s, w, pv);
    msg_eps(c->m, w);
    w->cid = c->m->h.p1;
    w->sid = sid;
    w->kind = "SERVER_DISCONN";
    w->by = "server";
    w->has |= HAS(CS_CA_COL_CID) | HAS(CS_CA_COL_KIND) | HAS(CS_CA_COL_BY);
    if (ch)
        w->has |= HAS(CS_CA_COL_SID);
    row_time(w, CS_CA_COL_T, &w->t, c->ts);
}

/* The search key: client ip:port and cid (the server side left zero). */
static void
search_key(struct key *k, const struct cs_addr *a, uint16_t port, uint32_t cid)
{
    memset(k, 0, sizeof *k);
    k->kind = E_SEARCH;
    k->cfam = a->family;
    memcpy(k->ca, a->a, sizeof k->ca);
    k->cport = port;
    k->id = cid;
}

static void
on_search_req(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    size_t n;
    const uint8_t *p = text_of(m->name, &n);
    uint32_t pv = name_intern(s, p, n);
    struct key k;
    search_key(&k, &m->src, m->sport, m->h.p1);
    struct ent *e = ent_find(s, &k);
    if (e && e->pv == pv) {
        struct cs_ca_row *w = &s->v[V_SEARCH].v[e->x];
        w->requests++;
        row_time(w, CS_CA_COL_LAST, &w->last, c->ts);
        return;
    }
    size_t idx = s->v[V_SEARCH].n;
    struct cs_ca_row *w = row_new(s, V_SEARCH, CS_CA_T_SEARCH);
    if (!w)
        return;
    row_pv(s, w, pv);
    ep_set(&w->client, &m->src, m->sport);
    w->cid = m->h.p1;
    w->requests = 1;
    w->has |= HAS(CS_CA_COL_CLIENT) | HAS(CS_CA_COL_CID) | HAS(CS_CA_COL_REQUESTS) |
              HAS(CS_CA_COL_RESPONSES) | HAS(CS_CA_COL_NOT_FOUND);
    row_time(w, CS_CA_COL_T, &w->t, c->ts);
    row_time(w, CS_CA_COL_LAST, &w->last, c->ts);
    if (!e)
        e = ent_new(s, &k);
    if (e) {
        e->pv = pv;
        e->x = (uint32_t)idx;
    }
}

static struct cs_ca_row *
search_row(struct cs_ca_stats *s, const struct cs_ca_msg *m, uint32_t cid)
{
    struct key k;
    search_key(&k, &m->dst, m->dport, cid);
    struct ent *e = ent_find(s, &k);
    if (!e) {
        s->unmatched_search++;
        return NULL;
    }
    return &s->v[V_SEARCH].v[e->x];
}

static void
on_search_resp(const struct ctx *c)
{
    const struct cs_ca_msg *m = c->m;
    struct cs_ca_row *w = search_row(c->s, m, m->h.p2);
    if (!w)
        return;
    if (w->responses++ == 0) {
        /* the server's address: p1 as IPv4, or the sender when p1 is 0 or INADDR_NONE */
        struct cs_addr a = m->src;
        if (m->src.family == 4 && m->h.p1 != 0 && m->h.p1 != 0xffffffffu) {
            memset(&a, 0, sizeof a);
            a.family = 4;
            a.a[0] = (uint8_t)(m->h.p1 >> 24);
            a.a[1] = (uint8_t)(m->h.p1 >> 16);
            a.a[2] = (uint8_t)(m->h.p1 >> 8);
            a.a[3] = (uint8_t)m->h.p1;
        }
        ep_set(&w->server, &a, m->h.dtype);
        w->has |= HAS(CS_CA_COL_SERVER);
        row_time(w, CS_CA_COL_DT, &w->dt, c->ts - w->t);
    }
}

static void
on_not_found(const struct ctx *c)
{
    struct cs_ca_row *w = search_row(c->s, c->m, c->m->h.p1);
    if (w)
        w->not_found++;
}

static struct cs_ca_row *
error_row(const struct ctx *c, uint32_t status, uint32_t pv, int col, uint32_t id)
{
    struct cs_ca_row *w = row_new(c->s, V_ERRORS, CS_CA_T_ERRORS);
    if (!w)
        return NULL;
    row_pv(c->s, w, pv);
    msg_eps(c->m, w);
    w->cmd = class_name(c->m->h.cmd, 1);
    w->status = status_name(status);
    w->has |= HAS(CS_CA_COL_CMD) | HAS(CS_CA_COL_STATUS);
    row_time(w, CS_CA_COL_T, &w->t, c->ts);
    if (col == CS_CA_COL_IOID)
        w->ioid = id;
    else if (col == CS_CA_COL_SUBID)
        w->subid = id;
    else
        w->cid = id;
    w->has |= HAS(col);
    return w;
}

static uint32_t
io_group(struct cs_ca_stats *s, const struct cs_ca_msg *m, uint32_t pv)
{
    struct key k;
    memset(&k, 0, sizeof k);
    k.kind = E_IOGRP;
    k.extra = (uint8_t)m->h.cmd;
    k.sfam = m->dst.family;
    memcpy(k.sa, m->dst.a, sizeof k.sa);
    k.sport = m->dport;
    k.id = pv;
    struct ent *e = ent_find(s, &k);
    if (e)
        return e->x + 1;
    size_t idx = s->v[V_IO].n;
    struct cs_ca_row *w = row_new(s, V_IO, CS_CA_T_IO);
    if (!w)
        return 0;
    row_pv(s, w, pv);
    ep_set(&w->server, &m->dst, m->dport);
    w->cmd = class_name(m->h.cmd, 0);
    w->has |= HAS(CS_CA_COL_SERVER) | HAS(CS_CA_COL_CMD) | HAS(CS_CA_COL_REQUESTS) |
              HAS(CS_CA_COL_COUNT) | HAS(CS_CA_COL_UNANSWERED) | HAS(CS_CA_COL_ERRORS);
    if (grow((void **)&s->io_acc, &s->io_acc_cap, 2 * idx + 2, sizeof *s->io_acc)) {
        s->oom = 1;
        s->v[V_IO].n--;
        return 0;
    }
    s->io_acc[2 * idx] = 0;
    s->io_acc[2 * idx + 1] = 0;
    e = ent_new(s, &k);
    if (e)
        e->x = (uint32_t)idx;
    return (uint32_t)idx + 1;
}

static void
on_io_req(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    uint32_t g = io_group(s, m, pv_by_sid(s, m, m->h.p1));
    if (!g)
        return;
    s->v[V_IO].v[g - 1].requests++;
    struct key k;
    circuit_key(&k, E_IO, m, m->h.p2);
    struct ent *e = ent_find(s, &k);
    if (e) /* the ioid again without a reply to the first request */
        s->v[V_IO].v[e->x].unanswered++;
    else if (!(e = ent_new(s, &k)))
        return;
    e->x = g - 1;
    e->t = c->ts;
}

static void
on_io_resp(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    struct key k;
    circuit_key(&k, E_IO, m, m->h.p2);
    struct ent *e = ent_find(s, &k);
    if (!e) {
        s->unmatched_io++;
        return;
    }
    uint32_t g = e->x;
    int64_t ns = c->ts - e->t;
    ent_del(s, e);
    struct cs_ca_row *w = &s->v[V_IO].v[g];
    /* Welford over nanoseconds: the mean and the sum of squared deviations in io_acc */
    long double *acc = &s->io_acc[2 * g], x = (long double)ns, d = x - acc[0];
    w->count++;
    acc[0] += d / (long double)w->count;
    acc[1] += d * (x - acc[0]);
    if (w->count == 1 || ns < w->first)
        w->first = ns; /* min and max in ns until the table is built */
    if (w->count == 1 || ns > w->last)
        w->last = ns;
    if (m->h.cmd != CS_CA_READ && m->h.p1 != ECA_NORMAL) {
        w->errors++;
        uint32_t pv =
            w->has & HAS(CS_CA_COL_PV) ? name_intern(s, (const uint8_t *)w->pv, w->pv_len) : 0;
        error_row(c, m->h.p1, pv, CS_CA_COL_IOID, m->h.p2);
    }
}

static struct cs_ca_row *
monitor_new(struct cs_ca_stats *s, const struct cs_ca_msg *m, struct ent **ep)
{
    struct key k;
    circuit_key(&k, E_SUB, m, m->h.p2);
    struct ent *e = ent_find(s, &k);
    size_t idx = s->v[V_MONITORS].n;
    struct cs_ca_row *w = row_new(s, V_MONITORS, CS_CA_T_MONITORS);
    if (!w)
        return NULL;
    msg_eps(m, w);
    w->subid = m->h.p2;
    w->has |= HAS(CS_CA_COL_SUBID) | HAS(CS_CA_COL_UPDATES) | HAS(CS_CA_COL_ERRORS);
    if (!e)
        e = ent_new(s, &k);
    if (e)
        e->x = (uint32_t)idx;
    *ep = e;
    return &s->v[V_MONITORS].v[idx];
}

static void
on_event_add_req(const struct ctx *c)
{
    struct ent *e;
    uint32_t pv = pv_by_sid(c->s, c->m, c->m->h.p1);
    struct cs_ca_row *w = monitor_new(c->s, c->m, &e);
    if (!w)
        return;
    row_pv(c->s, w, pv);
    w->dtype = c->m->h.dtype;
    w->dcount = c->m->h.count;
    w->has |= HAS(CS_CA_COL_DTYPE) | HAS(CS_CA_COL_DCOUNT);
    row_time(w, CS_CA_COL_T, &w->t, c->ts);
}

static void
on_event_add_resp(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    struct key k;
    circuit_key(&k, E_SUB, m, m->h.p2);
    struct ent *e = ent_find(s, &k);
    if (m->h.psize == 0) { /* EventCancelResponse: the subscription ends */
        if (e)
            ent_del(s, e);
        return;
    }
    struct cs_ca_row *w;
    if (e) {
        w = &s->v[V_MONITORS].v[e->x];
    } else if (!(w = monitor_new(s, m, &e))) { /* subscribed before the capture began */
        return;
    }
    if (w->updates++ == 0)
        row_time(w, CS_CA_COL_FIRST, &w->first, c->ts);
    row_time(w, CS_CA_COL_LAST, &w->last, c->ts);
    if (m->h.p1 != ECA_NORMAL) {
        w->errors++;
        uint32_t pv =
            w->has & HAS(CS_CA_COL_PV) ? name_intern(s, (const uint8_t *)w->pv, w->pv_len) : 0;
        error_row(c, m->h.p1, pv, CS_CA_COL_SUBID, m->h.p2);
    }
}

static void
on_error(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    struct ent *ch = m->proto == CS_FLOW_TCP ? chan_by_cid(s, m, m->h.p1) : NULL;
    struct cs_ca_row *w = error_row(c, m->h.p2, ch ? ch->pv : 0, CS_CA_COL_CID, m->h.p1);
    if (!w)
        return;
    if (m->has_orig) {
        w->orig = class_name(m->orig.cmd, 0);
        w->has |= HAS(CS_CA_COL_ORIG);
    }
    size_t n;
    const uint8_t *p = text_of(m->err_text, &n);
    char *t = p ? arena_alloc(s, n ? n : 1) : NULL;
    if (t) {
        memcpy(t, p, n);
        w->message = t;
        w->message_len = (uint32_t)n;
        w->has |= HAS(CS_CA_COL_MESSAGE);
    }
}

static void
on_beacon(const struct ctx *c)
{
    struct cs_ca_stats *s = c->s;
    const struct cs_ca_msg *m = c->m;
    struct cs_addr a = m->src;
    if (m->src.family == 4 && m->h.p2 != 0) {
        memset(&a, 0, sizeof a);
        a.family = 4;
        a.a[0] = (uint8_t)(m->h.p2 >> 24);
        a.a[1] = (uint8_t)(m->h.p2 >> 16);
        a.a[2] = (uint8_t)(m->h.p2 >> 8);
        a.a[3] = (uint8_t)m->h.p2;
    }
    uint16_t port = (uint16_t)m->h.count;
    struct key k;
    memset(&k, 0, sizeof k);
    k.kind = E_BEACON;
    k.sfam = a.family;
    memcpy(k.sa, a.a, sizeof k.sa);
    k.sport = port;
    struct ent *e = ent_find(s, &k);
    uint32_t id = m->h.p1;
    if (!e) {
        size_t idx = s->v[V_BEACONS].n;
        struct cs_ca_row *w = row_new(s, V_BEACONS, CS_CA_T_BEACONS);
        if (!w)
            return;
        ep_set(&w->server, &a, port);
        w->beacons = 1;
        w->last_id = id;
        w->has |= HAS(CS_CA_COL_SERVER) | HAS(CS_CA_COL_BEACONS) | HAS(CS_CA_COL_LAST_ID) |
                  HAS(CS_CA_COL_RESTARTS) | HAS(CS_CA_COL_MISSED) | HAS(CS_CA_COL_DUPLICATES);
        row_time(w, CS_CA_COL_FIRST, &w->first, c->ts);
        row_time(w, CS_CA_COL_LAST, &w->last, c->ts);
        if ((e = ent_new(s, &k)) != NULL)
            e->x = (uint32_t)idx;
        return;
    }
    struct cs_ca_row *w = &s->v[V_BEACONS].v[e->x];
    w->beacons++;
    if (id == w->last_id)
        w->duplicates++; /* the same beacon again: the repeater's copy, another interface */
    else if (id < w->last_id && !(w->last_id == 0xffffffffu && id == 0))
        w->restarts++; /* the id went back: the server restarted */
    else if (id > w->last_id + 1u)
        w->missed += id - w->last_id - 1u;
    w->last_id = id;
    row_time(w, CS_CA_COL_LAST, &w->last, c->ts);
}

typedef void (*handler_fn)(const struct ctx *c);

/* Which handler sees each command in each direction (0 request, 1 response). */
static const struct {
    uint16_t cmd;
    uint8_t response;
    handler_fn fn;
} handlers[] = {
    {CS_CA_CREATE_CHAN, 0, on_create_req},
    {CS_CA_CREATE_CHAN, 1, on_create_resp},
    {CS_CA_CREATE_CH_FAIL, 1, on_create_fail},
    {CS_CA_CLEAR_CHANNEL, 0, on_clear},
    {CS_CA_CLEAR_CHANNEL, 1, on_clear},
    {CS_CA_SERVER_DISCONN, 1, on_server_disconn},
    {CS_CA_SEARCH, 0, on_search_req},
    {CS_CA_SEARCH, 1, on_search_resp},
    {CS_CA_NOT_FOUND, 1, on_not_found},
    {CS_CA_READ_NOTIFY, 0, on_io_req},
    {CS_CA_READ_NOTIFY, 1, on_io_resp},
    {CS_CA_WRITE_NOTIFY, 0, on_io_req},
    {CS_CA_WRITE_NOTIFY, 1, on_io_resp},
    {CS_CA_READ, 0, on_io_req},
    {CS_CA_READ, 1, on_io_resp},
    {CS_CA_EVENT_ADD, 0, on_event_add_req},
    {CS_CA_EVENT_ADD, 1, on_event_add_resp},
    {CS_CA_ERROR, 1, on_error},
    {CS_CA_RSRV_IS_UP, 1, on_beacon},
};

/* A TCP FIN or RST: the channels still open on its circuit are lost. */
static void
on_close(struct cs_ca_stats *s, const struct cs_record *r)
{
    const struct cs_packet *p = r->pkt;
    if (!p || p->l4 != CS_L4_TCP || !(p->t.tcp.flags & (CS_TH_FIN | CS_TH_RST)))
        return;
    struct cs_ca_msg m;
    memset(&m, 0, sizeof m);
    m.src = p->ip.src;
    m.dst = p->ip.dst;
    m.sport = p->t.tcp.sport;
    m.dport = p->t.tcp.dport;
    const char *by = "client";
    struct key k;
    circuit_key(&k, E_CIRC, &m, 0);
    struct ent *c = ent_find(s, &k);
    if (!c) {
        m.response = 1;
        by = "server";
        circuit_key(&k, E_CIRC, &m, 0);
        if (!(c = ent_find(s, &k)))
            return;
    }
    uint32_t cno = ent_no(s, c);
    while (s->ents[cno - 1].next) {
        struct ent *ch = &s->ents[s->ents[cno - 1].next - 1];
        uint32_t pv = ch->pv, cid = ch->x, sid = ch->k.id, cleared = ch->cleared;
        chan_unlink_del(s, ch);
        if (cleared)
            continue;
        struct cs_ca_row *w = row_new(s, V_DISCONNECTS, CS_CA_T_DISCONNECTS);
        if (!w)
            continue;
        row_pv(s, w, pv);
        msg_eps(&m, w);
        w->cid = cid;
        w->sid = sid;
        w->kind = p->t.tcp.flags & CS_TH_RST ? "RST" : "FIN";
        w->by = by;
        w->has |= HAS(CS_CA_COL_CID) | HAS(CS_CA_COL_SID) | HAS(CS_CA_COL_KIND) | HAS(CS_CA_COL_BY);
        row_time(w, CS_CA_COL_T, &w->t, r->frame->ts_ns);
    }
    ent_del(s, &s->ents[cno - 1]);
}

void
cs_ca_stats_add(struct cs_ca_stats *s, const struct cs_record *r)
{
    if (!r->frame)
        return;
    if (r->frame->ts_digits > s->digits)
        s->digits = r->frame->ts_digits;
    if (r->kind == CS_REC_PACKET) {
        on_close(s, r);
        return;
    }
    const struct cs_ca_msg *m = r->app;
    if (r->kind != CS_REC_CA || !m || m->marker != CS_CA_MSG)
        return;
    struct ctx c = {s, m, r->frame->ts_ns};
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if (handlers[i].cmd == m->h.cmd && handlers[i].response == m->response) {
            handlers[i].fn(&c);
            return;
        }
}

/* ---- life cycle ---------------------------------------------------------------------------- */

struct cs_ca_stats *
cs_ca_stats_new(const struct cs_ca_stats_limits *lim)
{
    struct cs_ca_stats *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->lim.pending = lim && lim->pending ? lim->pending : (size_t)1 << 20;
    s->lim.rows = lim && lim->rows ? lim->rows : (size_t)1 << 22;
    s->digits = 6;
    return s;
}

void
cs_ca_stats_free(struct cs_ca_stats *s)
{
    if (!s)
        return;
    free(s->ents);
    free(s->slots);
    for (size_t i = 0; i < s->n_chunks; i++)
        free(s->chunks[i]);
    free(s->chunks);
    free(s->names);
    free(s->nslots);
    for (int i = 0; i < V__N; i++)
        free(s->v[i].v);
    free(s->out.v);
    free(s->io_acc);
    free(s);
}

/* ---- tables -------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *columns;
} tables[CS_CA_T__COUNT] = {
    [CS_CA_T_LATENCY] = {"latency", "<pv> <server> <t> <dt> <client> <cid> <sid>"},
    [CS_CA_T_SERVERS] = {"servers", "<server> <count> <mean> <std> <min> <p25> <p50> <p75> <max> "
                                    "<unanswered> <failed>"},
    [CS_CA_T_UNANSWERED] = {"unanswered", "<pv> <server> <t> <result> <dt> <client> <cid>"},
    [CS_CA_T_SEARCH] = {"search", "<pv> <t> <dt> <requests> <responses> <server> <client> <cid>"},
    [CS_CA_T_NOTFOUND] = {"notfound", "<pv> <t> <last> <requests> <not_found> <client> <cid>"},
    [CS_CA_T_IO] = {"io", "<cmd> <pv> <server> <requests> <count> <unanswered> <errors> <mean> "
                          "<std> <min> <max>"},
    [CS_CA_T_MONITORS] = {"monitors", "<pv> <server> <client> <subid> <dtype> <dcount> <t> "
                                      "<updates> <first> <last> <rate> <errors>"},
    [CS_CA_T_ERRORS] = {"errors", "<t> <cmd> <status> <pv> <orig> <message> <client> <server> "
                                  "<cid> <ioid> <subid>"},
    [CS_CA_T_DISCONNECTS] = {"disconnects", "<t> <kind> <by> <pv> <client> <server> <cid> <sid>"},
    [CS_CA_T_BEACONS] = {"beacons", "<server> <beacons> <first> <last> <interval> <restarts> "
                                    "<missed> <duplicates> <last_id>"},
};

int
cs_ca_stats_table_find(const char *name)
{
    for (int t = 0; t < CS_CA_T__COUNT; t++)
        if (strcmp(tables[t].name, name) == 0)
            return t;
    return -1;
}

const char *
cs_ca_stats_table_name(int t)
{
    return t >= 0 && t < CS_CA_T__COUNT ? tables[t].name : NULL;
}

const char *
cs_ca_stats_columns(int t)
{
    return t >= 0 && t < CS_CA_T__COUNT ? tables[t].columns : NULL;
}

static struct cs_ca_row *
out_add(struct cs_ca_stats *s, const struct cs_ca_row *w)
{
    if (grow((void **)&s->out.v, &s->out.cap, s->out.n + 1, sizeof *s->out.v)) {
        s->oom = 1;
        return NULL;
    }
    struct cs_ca_row *o = &s->out.v[s->out.n++];
    *o = *w;
    o->ts_digits = s->digits;
    return o;
}

/* numpy's "linear" quantile of sorted x[0..n) (ns): between x[lo] and x[lo + 1] at the fraction
 * q (n - 1) - lo, in seconds. The quartile positions are exact in binary (multiples of 1/4). */
static double
quantile(const int64_t *x, size_t n, int quarter)
{
    size_t pos4 = (size_t)quarter * (n - 1), lo = pos4 / 4;
    if (lo + 1 >= n)
        return secs((long double)x[n - 1]);
    long double f = (long double)(pos4 % 4) / 4, a = (long double)x[lo];
    return secs(a + ((long double)x[lo + 1] - a) * f);
}

/* describe() of x[0..n) (sorted, ns) into w: computed on the exact nanoseconds, each statistic
 * rounded once to a double. */
static void
describe(struct cs_ca_row *w, const int64_t *x, size_t n)
{
    w->count = n;
    w->has |= HAS(CS_CA_COL_COUNT);
    if (!n)
        return;
    long double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (long double)x[i];
    long double mean = sum / (long double)n;
    w->mean = secs(mean);
    w->min = secs((long double)x[0]);
    w->max = secs((long double)x[n - 1]);
    w->p25 = quantile(x, n, 1);
    w->p50 = quantile(x, n, 2);
    w->p75 = quantile(x, n, 3);
    w->has |= HAS(CS_CA_COL_MEAN) | HAS(CS_CA_COL_MIN) | HAS(CS_CA_COL_MAX) | HAS(CS_CA_COL_P25) |
              HAS(CS_CA_COL_P50) | HAS(CS_CA_COL_P75);
    if (n > 1) {
        long double ss = 0;
        for (size_t i = 0; i < n; i++) {
            long double d = (long double)x[i] - mean;
            ss += d * d;
        }
        w->std = secs(root(ss / (long double)(n - 1)));
        w->has |= HAS(CS_CA_COL_STD);
    }
}

struct sample {
    struct cs_ca_ep g;
    int what; /* 0 answered (dt), 1 unanswered, 2 failed */
    int64_t dt;
};

static int
sample_cmp(const void *a, const void *b)
{
    const struct sample *x = a, *y = b;
    int c = ep_cmp(&x->g, &y->g);
    if (c)
        return c;
    if (x->what != y->what)
        return x->what - y->what;
    return (x->dt > y->dt) - (x->dt < y->dt);
}

static struct cs_ca_ep
group_of(const struct cs_ca_ep *e, enum cs_ca_by by)
{
    struct cs_ca_ep g = *e;
    if (by == CS_CA_BY_IP)
        g.port = 0;
    return g;
}

static void
build_servers(struct cs_ca_stats *s, enum cs_ca_by by)
{
    size_t n = s->v[V_LATENCY].n + s->v[V_FAILED].n + s->by_kind[E_CREATE], k = 0;
    struct sample *x = calloc(n ? n : 1, sizeof *x);
    int64_t *d = calloc(n ? n : 1, sizeof *d);
    if (!x || !d) {
        s->oom = 1;
        free(x);
        free(d);
        return;
    }
    for (size_t i = 0; i < s->v[V_LATENCY].n; i++) {
        const struct cs_ca_row *w = &s->v[V_LATENCY].v[i];
        x[k].g = group_of(&w->server, by);
        x[k++].dt = w->dt;
    }
    for (size_t i = 0; i < s->v[V_FAILED].n; i++) {
        x[k].g = group_of(&s->v[V_FAILED].v[i].server, by);
        x[k++].what = 2;
    }
    for (size_t i = 0; i < s->n_ents && k < n; i++) {
        const struct ent *e = &s->ents[i];
        if (e->k.kind != E_CREATE)
            continue;
        struct cs_addr a = {e->k.sfam, {0}};
        memcpy(a.a, e->k.sa, sizeof a.a);
        ep_set(&x[k].g, &a, e->k.sport);
        x[k].g = group_of(&x[k].g, by);
        x[k++].what = 1;
    }
    qsort(x, k, sizeof *x, sample_cmp);
    for (size_t i = 0; i < k;) {
        size_t j = i, m = 0;
        struct cs_ca_row w;
        memset(&w, 0, sizeof w);
        w.table = CS_CA_T_SERVERS;
        w.server = x[i].g;
        w.ip_only = by == CS_CA_BY_IP;
        w.has = HAS(CS_CA_COL_SERVER) | HAS(CS_CA_COL_UNANSWERED) | HAS(CS_CA_COL_FAILED);
        for (; j < k && ep_cmp(&x[j].g, &x[i].g) == 0; j++) {
            if (x[j].what == 0)
                d[m++] = x[j].dt;
            else if (x[j].what == 1)
                w.unanswered++;
            else
                w.failed++;
        }
        describe(&w, d, m);
        out_add(s, &w);
        i = j;
    }
    free(x);
    free(d);
}

static int
row_t_cmp(const void *a, const void *b)
{
    const struct cs_ca_row *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    int c = ep_cmp(&x->client, &y->client);
    if (c)
        return c;
    return (x->cid > y->cid) - (x->cid < y->cid);
}

static void
build_unanswered(struct cs_ca_stats *s)
{
    for (size_t i = 0; i < s->n_ents; i++) {
        const struct ent *e = &s->ents[i];
        if (e->k.kind != E_CREATE)
            continue;
        struct cs_ca_row w;
        memset(&w, 0, sizeof w);
        w.table = CS_CA_T_UNANSWERED;
        row_pv(s, &w, e->pv);
        struct cs_addr a = {e->k.cfam, {0}};
        memcpy(a.a, e->k.ca, sizeof a.a);
        ep_set(&w.client, &a, e->k.cport);
        a.family = e->k.sfam;
        memcpy(a.a, e->k.sa, sizeof a.a);
        ep_set(&w.server, &a, e->k.sport);
        w.cid = e->k.id;
        w.t = e->t;
        w.result = "unanswered";
        w.has |= HAS(CS_CA_COL_CLIENT) | HAS(CS_CA_COL_SERVER) | HAS(CS_CA_COL_CID) |
                 HAS(CS_CA_COL_T) | HAS(CS_CA_COL_RESULT);
        out_add(s, &w);
    }
    for (size_t i = 0; i < s->v[V_FAILED].n; i++)
        out_add(s, &s->v[V_FAILED].v[i]);
    if (s->out.n)
        qsort(s->out.v, s->out.n, sizeof *s->out.v, row_t_cmp);
}

static void
build_io(struct cs_ca_stats *s)
{
    for (size_t i = 0; i < s->v[V_IO].n; i++) {
        struct cs_ca_row *w = out_add(s, &s->v[V_IO].v[i]);
        if (!w)
            return;
        const long double *acc = &s->io_acc[2 * i];
        if (w->count) {
            w->mean = secs(acc[0]);
            w->min = secs((long double)w->first);
            w->max = secs((long double)w->last);
            w->has |= HAS(CS_CA_COL_MEAN) | HAS(CS_CA_COL_MIN) | HAS(CS_CA_COL_MAX);
        }
        w->first = w->last = 0;
        if (w->count > 1) {
            w->std = secs(root(acc[1] / (long double)(w->count - 1)));
            w->has |= HAS(CS_CA_COL_STD);
        }
    }
    size_t base = s->out.n - s->v[V_IO].n;
    for (size_t i = 0; i < s->n_ents; i++)
        if (s->ents[i].k.kind == E_IO)
            s->out.v[base + s->ents[i].x].unanswered++;
}

static void
build_plain(struct cs_ca_stats *s, int vi, int t)
{
    for (size_t i = 0; i < s->v[vi].n; i++) {
        const struct cs_ca_row *w = &s->v[vi].v[i];
        if (t == CS_CA_T_SEARCH && !w->responses)
            continue;
        if (t == CS_CA_T_NOTFOUND && w->responses)
            continue;
        struct cs_ca_row *o = out_add(s, w);
        if (!o)
            return;
        o->table = (uint8_t)t;
        if (t == CS_CA_T_MONITORS && o->updates > 1 && o->last > o->first) {
            o->rate =
                (double)((long double)(o->updates - 1) * 1e9L / (long double)(o->last - o->first));
            o->has |= HAS(CS_CA_COL_RATE);
        }
        if (t == CS_CA_T_BEACONS) {
            uint64_t steps = o->beacons - o->duplicates;
            if (steps > 1 && o->last > o->first) {
                o->interval = secs((long double)(o->last - o->first) / (long double)(steps - 1));
                o->has |= HAS(CS_CA_COL_INTERVAL);
            }
        }
    }
}

size_t
cs_ca_stats_rows(struct cs_ca_stats *s, int t, enum cs_ca_by by, const struct cs_ca_row **rows)
{
    s->out.n = 0;
    switch (t) {
        case CS_CA_T_LATENCY:
            build_plain(s, V_LATENCY, t);
            break;
        case CS_CA_T_SERVERS:
            build_servers(s, by);
            break;
        case CS_CA_T_UNANSWERED:
            build_unanswered(s);
            break;
        case CS_CA_T_SEARCH:
        case CS_CA_T_NOTFOUND:
            build_plain(s, V_SEARCH, t);
            break;
        case CS_CA_T_IO:
            build_io(s);
            break;
        case CS_CA_T_MONITORS:
            build_plain(s, V_MONITORS, t);
            break;
        case CS_CA_T_ERRORS:
            build_plain(s, V_ERRORS, t);
            break;
        case CS_CA_T_DISCONNECTS:
            build_plain(s, V_DISCONNECTS, t);
            break;
        case CS_CA_T_BEACONS:
            build_plain(s, V_BEACONS, t);
            break;
        default:
            break;
    }
    *rows = s->out.v;
    return s->out.n;
}

/* ---- headings ------------------------------------------------------------------------------ */

static void
count_line(struct cs_out *o, const char *text, uint64_t n)
{
    cs_out_str(o, text);
    cs_out_u64(o, n);
}

void
cs_ca_stats_heading(const struct cs_ca_stats *s, int t, enum cs_ca_by by, struct cs_out *o)
{
    uint64_t restarts = 0, found = 0;
    for (size_t i = 0; i < s->v[V_SEARCH].n; i++)
        found += s->v[V_SEARCH].v[i].responses != 0;
    switch (t) {
        case CS_CA_T_LATENCY:
            count_line(o, "Channel creation latency, matched per circuit (client, server, cid): ",
                       s->v[V_LATENCY].n);
            cs_out_str(o, " answered");
            break;
        case CS_CA_T_SERVERS:
            cs_out_str(o, by == CS_CA_BY_IP ? "Channel creation latency by server address (s):"
                                            : "Channel creation latency by server ip:port (s):");
            break;
        case CS_CA_T_UNANSWERED:
            count_line(o, "Channel creation requests unanswered: ", s->by_kind[E_CREATE]);
            count_line(o, "; failed (CreateChFail): ", s->n_failed);
            break;
        case CS_CA_T_SEARCH:
            count_line(o,
                       "Search latency, first request to first reply per client and cid: ", found);
            cs_out_str(o, " answered");
            break;
        case CS_CA_T_NOTFOUND:
            count_line(o, "PVs never found (searches without a reply): ", s->v[V_SEARCH].n - found);
            break;
        case CS_CA_T_IO:
            cs_out_str(o, "Read/write latency per command, PV and server (s):");
            break;
        case CS_CA_T_MONITORS:
            count_line(o, "Monitors (subscriptions): ", s->v[V_MONITORS].n);
            break;
        case CS_CA_T_ERRORS:
            count_line(o, "Errors (ERROR responses, replies with a failing ECA status): ",
                       s->v[V_ERRORS].n);
            break;
        case CS_CA_T_DISCONNECTS:
            count_line(o, "Disconnects (SERVER_DISCONN, channels open when their circuit closed): ",
                       s->v[V_DISCONNECTS].n);
            break;
        case CS_CA_T_BEACONS:
            for (size_t i = 0; i < s->v[V_BEACONS].n; i++)
                restarts += s->v[V_BEACONS].v[i].restarts;
            count_line(o, "Beacons: servers ", s->v[V_BEACONS].n);
            count_line(o, ", beacon id restarts (server restarts) ", restarts);
            break;
        default:
            break;
    }
    cs_out_end_record(o);
}

int
cs_ca_stats_dropped(const struct cs_ca_stats *s, struct cs_out *o)
{
    uint64_t lost = s->dropped_pending + s->dropped_rows + s->dropped_names;
    if (!lost && !s->oom)
        return 0;
    cs_out_str(o, "not tracked (caps reached");
    if (s->oom)
        cs_out_str(o, " or out of memory");
    count_line(o, "): pending entries ", s->dropped_pending);
    count_line(o, ", rows ", s->dropped_rows);
    count_line(o, ", names ", s->dropped_names);
    cs_out_end_record(o);
    return 1;
}

/* ---- fields -------------------------------------------------------------------------------- */

#define ROW(r) ((const struct cs_ca_row *)(r)->app)

static void
put_ep(struct cs_out *o, const struct cs_ca_ep *e, int ip_only)
{
    int v6 = e->a.family == 6 && !ip_only;
    if (v6)
        cs_out_char(o, '[');
    cs_out_addr(o, &e->a);
    if (ip_only)
        return;
    if (v6)
        cs_out_char(o, ']');
    cs_out_char(o, ':');
    cs_out_u64(o, e->port);
}

/* A double as the shortest text that reads back to the same value (at most 17 digits). */
static void
put_double(struct cs_out *o, double d)
{
    char b[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, d);
        if (strtod(b, NULL) == d)
            break;
    }
    cs_out_str(o, b);
}

static int
has(const struct cs_record *r, int col)
{
    return r->kind == CS_REC_CASTAT && r->app && (ROW(r)->has & HAS(col));
}

#define GET_U(fn, col, member)                                                                     \
    static int fn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)       \
    {                                                                                              \
        (void)c;                                                                                   \
        if (!has(r, col))                                                                          \
            return 0;                                                                              \
        v->v.u = ROW(r)->member;                                                                   \
        return 1;                                                                                  \
    }
#define GET_T(fn, col, member)                                                                     \
    static int fn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)       \
    {                                                                                              \
        (void)c;                                                                                   \
        if (!has(r, col))                                                                          \
            return 0;                                                                              \
        v->v.t.ns = ROW(r)->member;                                                                \
        v->v.t.digits = ROW(r)->ts_digits;                                                         \
        return 1;                                                                                  \
    }
#define GET_F(fn, col, member)                                                                     \
    static int fn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)       \
    {                                                                                              \
        (void)v;                                                                                   \
        if (!has(r, col))                                                                          \
            return 0;                                                                              \
        put_double(c->sink, ROW(r)->member);                                                       \
        return 1;                                                                                  \
    }
#define GET_S(fn, col, member)                                                                     \
    static int fn(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)       \
    {                                                                                              \
        (void)v;                                                                                   \
        if (!has(r, col))                                                                          \
            return 0;                                                                              \
        cs_out_str(c->sink, ROW(r)->member);                                                       \
        return 1;                                                                                  \
    }

GET_U(get_cid, CS_CA_COL_CID, cid)
GET_U(get_sid, CS_CA_COL_SID, sid)
GET_U(get_ioid, CS_CA_COL_IOID, ioid)
GET_U(get_subid, CS_CA_COL_SUBID, subid)
GET_U(get_dcount, CS_CA_COL_DCOUNT, dcount)
GET_U(get_last_id, CS_CA_COL_LAST_ID, last_id)
GET_U(get_count, CS_CA_COL_COUNT, count)
GET_U(get_unanswered, CS_CA_COL_UNANSWERED, unanswered)
GET_U(get_failed, CS_CA_COL_FAILED, failed)
GET_U(get_requests, CS_CA_COL_REQUESTS, requests)
GET_U(get_responses, CS_CA_COL_RESPONSES, responses)
GET_U(get_not_found, CS_CA_COL_NOT_FOUND, not_found)
GET_U(get_errors, CS_CA_COL_ERRORS, errors)
GET_U(get_updates, CS_CA_COL_UPDATES, updates)
GET_U(get_beacons, CS_CA_COL_BEACONS, beacons)
GET_U(get_restarts, CS_CA_COL_RESTARTS, restarts)
GET_U(get_missed, CS_CA_COL_MISSED, missed)
GET_U(get_duplicates, CS_CA_COL_DUPLICATES, duplicates)
GET_T(get_t, CS_CA_COL_T, t)
GET_T(get_dt, CS_CA_COL_DT, dt)
GET_T(get_first, CS_CA_COL_FIRST, first)
GET_T(get_last, CS_CA_COL_LAST, last)
GET_F(get_mean, CS_CA_COL_MEAN, mean)
GET_F(get_std, CS_CA_COL_STD, std)
GET_F(get_min, CS_CA_COL_MIN, min)
GET_F(get_p25, CS_CA_COL_P25, p25)
GET_F(get_p50, CS_CA_COL_P50, p50)
GET_F(get_p75, CS_CA_COL_P75, p75)
GET_F(get_max, CS_CA_COL_MAX, max)
GET_F(get_rate, CS_CA_COL_RATE, rate)
GET_F(get_interval, CS_CA_COL_INTERVAL, interval)
GET_S(get_cmd, CS_CA_COL_CMD, cmd)
GET_S(get_status, CS_CA_COL_STATUS, status)
GET_S(get_orig, CS_CA_COL_ORIG, orig)
GET_S(get_kind, CS_CA_COL_KIND, kind)
GET_S(get_by, CS_CA_COL_BY, by)
GET_S(get_result, CS_CA_COL_RESULT, result)

static int
get_table(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (r->kind != CS_REC_CASTAT || !r->app || ROW(r)->table >= CS_CA_T__COUNT)
        return 0;
    cs_out_str(c->sink, tables[ROW(r)->table].name);
    return 1;
}

static int
get_pv(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!has(r, CS_CA_COL_PV))
        return 0;
    cs_out_escaped(c->sink, ROW(r)->pv, ROW(r)->pv_len);
    return 1;
}

static int
get_message(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!has(r, CS_CA_COL_MESSAGE))
        return 0;
    cs_out_escaped(c->sink, ROW(r)->message, ROW(r)->message_len);
    return 1;
}

static int
get_client(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!has(r, CS_CA_COL_CLIENT))
        return 0;
    put_ep(c->sink, &ROW(r)->client, 0);
    return 1;
}

static int
get_server(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!has(r, CS_CA_COL_SERVER))
        return 0;
    put_ep(c->sink, &ROW(r)->server, ROW(r)->ip_only);
    return 1;
}

static int
get_dtype(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    if (!has(r, CS_CA_COL_DTYPE))
        return 0;
    const char *n = cs_ca_dbr_name((uint16_t)ROW(r)->dtype);
    if (n)
        cs_out_str(c->sink, n);
    else
        cs_out_u64(c->sink, ROW(r)->dtype);
    return 1;
}

static const struct cs_field stats_fields[] = {
    {"table", CS_FT_TEXT, "stats ca: the table of the row (latency, servers, ...)", get_table},
    {"pv", CS_FT_TEXT, "stats ca: PV name", get_pv},
    {"client", CS_FT_TEXT, "client address:port", get_client},
    {"server", CS_FT_TEXT, "server address:port", get_server},
    {"cid", CS_FT_UINT, "stats ca: client channel ID", get_cid},
    {"sid", CS_FT_UINT, "stats ca: server channel ID", get_sid},
    {"ioid", CS_FT_UINT, "stats ca: read/write request ID", get_ioid},
    {"subid", CS_FT_UINT, "stats ca: subscription ID", get_subid},
    {"dtype", CS_FT_TEXT, "stats ca: DBR type of a subscription", get_dtype},
    {"dcount", CS_FT_UINT, "stats ca: element count of a subscription", get_dcount},
    {"t", CS_FT_TIME, "stats ca: time of the (first) request or of the event", get_t},
    {"dt", CS_FT_TIME, "stats ca: latency, reply time minus request time", get_dt},
    {"first", CS_FT_TIME, "stats ca: time of the first update or beacon", get_first},
    {"last", CS_FT_TIME, "stats ca: time of the last update, beacon or search retry", get_last},
    {"count", CS_FT_UINT, "stats ca: answered requests (latency samples)", get_count},
    {"mean", CS_FT_JSON, "stats ca: mean latency, seconds (full precision)", get_mean},
    {"std", CS_FT_JSON, "stats ca: sample standard deviation (ddof 1), seconds", get_std},
    {"min", CS_FT_JSON, "stats ca: smallest latency, seconds", get_min},
    {"p25", CS_FT_JSON, "stats ca: first quartile (pandas describe() 25%), seconds", get_p25},
    {"p50", CS_FT_JSON, "stats ca: median (pandas describe() 50%), seconds", get_p50},
    {"p75", CS_FT_JSON, "stats ca: third quartile (pandas describe() 75%), seconds", get_p75},
    {"max", CS_FT_JSON, "stats ca: largest latency, seconds", get_max},
    {"unanswered", CS_FT_UINT, "stats ca: requests never answered", get_unanswered},
    {"failed", CS_FT_UINT, "stats ca: channel creations answered by CreateChFail", get_failed},
    {"result", CS_FT_TEXT, "stats ca: unanswered, or failed (CreateChFail)", get_result},
    {"requests", CS_FT_UINT, "stats ca: requests sent (search: with the retries)", get_requests},
    {"responses", CS_FT_UINT, "stats ca: search replies received", get_responses},
    {"not_found", CS_FT_UINT, "stats ca: NotFoundResponses received", get_not_found},
    {"errors", CS_FT_UINT, "stats ca: replies with a failing ECA status", get_errors},
    {"updates", CS_FT_UINT, "stats ca: monitor updates (EventAddResponses with data)", get_updates},
    {"rate", CS_FT_JSON, "stats ca: updates per second between the first and last update",
     get_rate},
    {"cmd", CS_FT_TEXT, "stats ca: CA message class (ReadNotifyRequest, ErrorResponse, ...)",
     get_cmd},
    {"status", CS_FT_TEXT, "stats ca: ECA status name", get_status},
    {"orig", CS_FT_TEXT, "stats ca: class of the request an ERROR answers", get_orig},
    {"message", CS_FT_TEXT, "stats ca: text of an ERROR", get_message},
    {"kind", CS_FT_TEXT, "stats ca: SERVER_DISCONN, FIN or RST (circuit closed)", get_kind},
    {"by", CS_FT_TEXT, "stats ca: side that disconnected: client or server", get_by},
    {"beacons", CS_FT_UINT, "stats ca: beacons seen from the server", get_beacons},
    {"interval", CS_FT_JSON, "stats ca: mean seconds between beacons", get_interval},
    {"restarts", CS_FT_UINT, "stats ca: beacon id went back (server restarts)", get_restarts},
    {"missed", CS_FT_UINT, "stats ca: beacon ids skipped", get_missed},
    {"duplicates", CS_FT_UINT, "stats ca: beacons seen again with the same id", get_duplicates},
    {"last_id", CS_FT_UINT, "stats ca: last beacon id", get_last_id},
    {NULL, CS_FT_UINT, NULL, NULL},
};

const struct cs_field_table cs_ca_stats_field_table = {CS_KIND_BIT(CS_REC_CASTAT), stats_fields};

/* ca_chan.c: per-circuit channel names, so every message of a channel can name its PV.
 *
 * A CA circuit names a channel once (CREATE_CHAN request: name and cid); the reply binds the
 * server's sid; reads and writes then carry the sid and an ioid, subscriptions a subscription id,
 * replies only the ioid or the subscription id. Remembering these bindings on the circuit lets
 * `ca.pv` name the PV of every message. Memory per circuit is capped (channels, names,
 * subscriptions, outstanding requests); what does not fit is not named, never wrong.
 */
#include "cashark/ca.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CHANS    1024        /* channels remembered per circuit */
#define MAX_NAME_MEM (64 * 1024) /* bytes of PV names per circuit */
#define MAX_SUBS     1024        /* subscriptions per circuit */
#define REQ_RING     64          /* outstanding read/write requests remembered (most recent) */

struct chan {
    uint32_t cid, sid;
    uint8_t has_sid;
    uint32_t off, len; /* the name in names[] */
};

struct bind {
    uint32_t id;   /* ioid or subscription id */
    uint32_t chan; /* index in chans[] */
};

struct cs_ca_chans {
    struct chan *chans;
    size_t n_chans, cap_chans;
    uint8_t *names;
    size_t names_len, names_cap;
    struct bind *subs;
    size_t n_subs, cap_subs;
    struct bind reqs[REQ_RING];
    size_t n_reqs; /* total ever added: the ring holds the last REQ_RING */
};

void
cs_ca_chans_free(struct cs_ca_chans *t)
{
    if (!t)
        return;
    free(t->chans);
    free(t->names);
    free(t->subs);
    free(t);
}

/* Grows *arr to hold one more element (up to max); returns 0 when it cannot. */
static int
reserve(void **arr, size_t *cap, size_t n, size_t size, size_t max)
{
    if (n < *cap)
        return 1;
    if (*cap >= max)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > max)
        ncap = max;
    void *na = realloc(*arr, ncap * size);
    if (!na)
        return 0;
    *arr = na;
    *cap = ncap;
    return 1;
}

static long
find_cid(const struct cs_ca_chans *t, uint32_t cid)
{
    for (size_t i = t->n_chans; i-- > 0;)
        if (t->chans[i].cid == cid)
            return (long)i;
    return -1;
}

static long
find_sid(const struct cs_ca_chans *t, uint32_t sid)
{
    for (size_t i = t->n_chans; i-- > 0;)
        if (t->chans[i].has_sid && t->chans[i].sid == sid)
            return (long)i;
    return -1;
}

static long
find_bind(const struct bind *b, size_t n, uint32_t id)
{
    for (size_t i = n; i-- > 0;)
        if (b[i].id == id)
            return (long)b[i].chan;
    return -1;
}

static long
find_req(const struct cs_ca_chans *t, uint32_t ioid)
{
    size_t n = t->n_reqs < REQ_RING ? t->n_reqs : REQ_RING;
    return find_bind(t->reqs, n, ioid);
}

static void
add_chan(struct cs_ca_chans *t, uint32_t cid, struct cs_cursor name)
{
    size_t len;
    const uint8_t *p = cs_cursor_span(&name, &len);
    if (!p || !len || len > MAX_NAME_MEM)
        return;
    if (!reserve((void **)&t->chans, &t->cap_chans, t->n_chans, sizeof *t->chans, MAX_CHANS))
        return;
    if (t->names_len + len > t->names_cap) {
        size_t ncap = t->names_cap ? t->names_cap : 1024;
        while (ncap < t->names_len + len)
            ncap *= 2;
        if (ncap > MAX_NAME_MEM)
            return;
        uint8_t *nn = realloc(t->names, ncap);
        if (!nn)
            return;
        t->names = nn;
        t->names_cap = ncap;
    }
    memcpy(t->names + t->names_len, p, len);
    struct chan c = {cid, 0, 0, (uint32_t)t->names_len, (uint32_t)len};
    t->names_len += len;
    t->chans[t->n_chans++] = c;
}

static void
add_sub(struct cs_ca_chans *t, uint32_t subid, long chan)
{
    if (chan < 0 || !reserve((void **)&t->subs, &t->cap_subs, t->n_subs, sizeof *t->subs, MAX_SUBS))
        return;
    t->subs[t->n_subs].id = subid;
    t->subs[t->n_subs].chan = (uint32_t)chan;
    t->n_subs++;
}

static void
add_req(struct cs_ca_chans *t, uint32_t ioid, long chan)
{
    if (chan < 0)
        return;
    t->reqs[t->n_reqs % REQ_RING].id = ioid;
    t->reqs[t->n_reqs % REQ_RING].chan = (uint32_t)chan;
    t->n_reqs++;
}

void
cs_ca_chans_note(struct cs_ca_chans **tp, struct cs_ca_msg *m)
{
    struct cs_ca_ids id;
    cs_ca_msg_ids(m, &id);
    struct cs_ca_chans *t = *tp;
    if (!t) {
        /* Nothing to remember until a channel is created on this circuit. */
        if (m->h.cmd != CS_CA_CREATE_CHAN || m->response)
            return;
        t = *tp = calloc(1, sizeof *t);
        if (!t)
            return;
    }
    long chan = -1;
    if (m->h.cmd == CS_CA_CREATE_CHAN && !m->response && id.has_cid) {
        add_chan(t, id.cid, m->name);
        return; /* the request names itself */
    }
    if (id.has_sid)
        chan = find_sid(t, id.sid);
    if (chan < 0 && id.has_cid)
        chan = find_cid(t, id.cid);
    if (m->h.cmd == CS_CA_CREATE_CHAN && m->response && id.has_cid && id.has_sid) {
        chan = find_cid(t, id.cid);
        if (chan >= 0) {
            t->chans[chan].sid = id.sid;
            t->chans[chan].has_sid = 1;
        }
    }
    if (!m->response && chan >= 0 && id.has_sub && m->h.cmd == CS_CA_EVENT_ADD)
        add_sub(t, id.sub, chan);
    if (!m->response && chan >= 0 && id.has_ioid)
        add_req(t, id.ioid, chan);
    if (chan < 0 && id.has_sub)
        chan = find_bind(t->subs, t->n_subs, id.sub);
    if (chan < 0 && id.has_ioid)
        chan = find_req(t, id.ioid);
    if (chan >= 0) {
        struct cs_cursor all = cs_cursor_make(t->names, t->names_len);
        cs_cursor_skip(&all, t->chans[chan].off);
        m->pv = cs_cursor_sub(&all, t->chans[chan].len);
    }
}

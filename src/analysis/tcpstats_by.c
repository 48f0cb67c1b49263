/* tcpstats_by.c: `stats tcp --by server|client`: connection rows summed per server endpoint or
 * per client address, with handshake and duration quantiles ("which service is slow").
 *
 * Quantiles: Hyndman and Fan, "Sample Quantiles in Statistical Packages" (1996), definition 7
 * (linear interpolation between the closest ranks; numpy's default). Counts use the
 * per-connection definitions of src/analysis/tcpstats.c (tcptrace's retransmission rule).
 */
#include "cashark/tcpstats.h"

#include <stdlib.h>
#include <string.h>

/* The time values of one quantity in one row: every stride-th occurrence (see struct
 * cs_tcpgroups), in arrival order until the row is finished. */
struct samples {
    int64_t *v;
    size_t n, cap;
    uint64_t seen; /* occurrences, sampled or not */
};

enum { S_HS, S_HS_LAST, S_DUR, S__N };

struct grp {
    struct cs_tcpgroup row;
    struct samples s[S__N];
};

struct cs_tcpgroups {
    enum cs_tcpby by;
    struct grp **slots; /* open addressing on the key */
    size_t mask;
    struct grp **list; /* rows in arrival order */
    size_t n, max_rows;
    struct grp *other; /* keys past max_rows */
    size_t stored, max_samples;
    uint64_t stride; /* keep occurrence k when k % stride == 0 */
    const struct cs_tcpgroup **out;
};

int64_t
cs_tcpstats_quantile(const int64_t *sorted, size_t n, unsigned pct)
{
    if (!n)
        return 0;
    if (pct >= 100)
        return sorted[n - 1];
    uint64_t h100 = (uint64_t)(n - 1) * pct; /* h = h100 / 100 */
    size_t i = (size_t)(h100 / 100);
    uint64_t frac = h100 % 100;
    if (!frac)
        return sorted[i];
    /* the difference of two int64 times fits in int64 for any real capture */
    long double d = (long double)(sorted[i + 1] - sorted[i]) * (long double)frac / 100.0L;
    return sorted[i] + (int64_t)d;
}

struct cs_tcpgroups *
cs_tcpgroups_new(enum cs_tcpby by, size_t max_rows, size_t max_samples)
{
    struct cs_tcpgroups *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->by = by;
    g->max_rows = max_rows ? max_rows : 1;
    g->max_samples = max_samples ? max_samples : 1;
    g->stride = 1;
    g->mask = 63;
    g->slots = calloc(g->mask + 1, sizeof *g->slots);
    if (!g->slots) {
        free(g);
        return NULL;
    }
    return g;
}

static void
grp_free(struct grp *p)
{
    if (!p)
        return;
    for (int k = 0; k < S__N; k++)
        free(p->s[k].v);
    free(p);
}

void
cs_tcpgroups_free(struct cs_tcpgroups *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        grp_free(g->list[i]);
    grp_free(g->other);
    free(g->list);
    free(g->slots);
    free(g->out);
    free(g);
}

/* ---- keys ---- */

struct key {
    struct cs_addr addr;
    uint16_t port, vlan;
};

static struct key
key_of(const struct cs_tcpgroups *g, const struct cs_tcpconn *r)
{
    struct key k;
    memset(&k, 0, sizeof k);
    k.addr = g->by == CS_TCPBY_SERVER ? r->srv : r->cli;
    k.port = g->by == CS_TCPBY_SERVER ? r->sport : 0;
    k.vlan = r->vlan;
    return k;
}

static int
key_eq(const struct cs_tcpgroup *row, const struct key *k)
{
    return row->port == k->port && row->vlan == k->vlan &&
           memcmp(&row->addr, &k->addr, sizeof k->addr) == 0;
}

static size_t
key_hash(const struct key *k)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the key's fields */
    const uint8_t *a = k->addr.a;
    for (size_t i = 0; i < sizeof k->addr.a; i++)
        h = (h ^ a[i]) * 0x100000001b3ULL;
    h = (h ^ k->addr.family) * 0x100000001b3ULL;
    h = (h ^ k->port) * 0x100000001b3ULL;
    h = (h ^ k->vlan) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 29));
}

static int
grow(struct cs_tcpgroups *g)
{
    size_t n = (g->mask + 1) * 2;
    struct grp **s = calloc(n, sizeof *s);
    struct grp **l = realloc(g->list, (n / 2) * sizeof *l);
    if (!s || !l) {
        free(s);
        if (l)
            g->list = l;
        return -1;
    }
    g->list = l;
    for (size_t i = 0; i < g->n; i++) {
        struct key k = {g->list[i]->row.addr, g->list[i]->row.port, g->list[i]->row.vlan};
        size_t j = key_hash(&k) & (n - 1);
        while (s[j])
            j = (j + 1) & (n - 1);
        s[j] = g->list[i];
    }
    free(g->slots);
    g->slots = s;
    g->mask = n - 1;
    return 0;
}

static struct grp *
grp_new(const struct cs_tcpgroups *g, const struct key *k, int other)
{
    struct grp *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->row.addr = k->addr;
    p->row.port = k->port;
    p->row.vlan = k->vlan;
    p->row.by = (uint8_t)g->by;
    p->row.other = (uint8_t)other;
    return p;
}

static struct grp *
find(struct cs_tcpgroups *g, const struct cs_tcpconn *r)
{
    struct key k = key_of(g, r);
    size_t i = key_hash(&k) & g->mask;
    while (g->slots[i] && !key_eq(&g->slots[i]->row, &k))
        i = (i + 1) & g->mask;
    if (g->slots[i])
        return g->slots[i];
    if (g->n >= g->max_rows) {
        if (!g->other) {
            struct key none;
            memset(&none, 0, sizeof none);
            g->other = grp_new(g, &none, 1);
        }
        return g->other;
    }
    if ((g->n + 1) * 2 > g->mask + 1 || !g->list) {
        if (grow(g) != 0)
            return NULL;
        i = key_hash(&k) & g->mask;
        while (g->slots[i])
            i = (i + 1) & g->mask;
    }
    struct grp *p = grp_new(g, &k, 0);
    if (!p)
        return NULL;
    g->slots[i] = p;
    g->list[g->n++] = p;
    return p;
}

/* ---- samples ---- */

/* Keeps every 2nd stored value of every row: the stride doubles. */
static void
thin(struct cs_tcpgroups *g)
{
    g->stride *= 2;
    g->stored = 0;
    for (size_t i = 0; i <= g->n; i++) {
        struct grp *p = i < g->n ? g->list[i] : g->other;
        if (!p)
            continue;
        for (int k = 0; k < S__N; k++) {
            struct samples *s = &p->s[k];
            size_t m = 0;
            for (size_t j = 0; j < s->n; j += 2)
                s->v[m++] = s->v[j];
            s->n = m;
            g->stored += m;
        }
    }
}

static int
sample(struct cs_tcpgroups *g, struct samples *s, int64_t v)
{
    uint64_t k = s->seen++;
    if (k % g->stride)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        int64_t *nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = v;
    if (++g->stored > g->max_samples)
        thin(g);
    return 0;
}

int
cs_tcpgroups_add(struct cs_tcpgroups *g, const struct cs_tcpconn *r)
{
    struct grp *p = find(g, r);
    if (!p)
        return -1;
    struct cs_tcpgroup *o = &p->row;
    if (!o->conns || r->first_t < o->first_t)
        o->first_t = r->first_t;
    if (!o->conns || r->last_t > o->last_t)
        o->last_t = r->last_t;
    if (r->ts_digits > o->ts_digits)
        o->ts_digits = r->ts_digits;
    o->conns++;
    if (r->syn_n > 1)
        o->syn_retrans += r->syn_n - 1;
    if (r->has_syn && !r->has_synack)
        o->no_synack++;
    for (int d = 0; d < 2; d++) {
        o->data_pkts += r->d[d].data_pkts;
        o->retrans_pkts += r->d[d].rexmt_data_pkts;
        o->bytes += r->d[d].bytes;
        o->retrans_bytes += r->d[d].rexmt_data_bytes;
        o->zero_win += r->d[d].zero_win;
    }
    o->rst_client += r->rst_by == CS_TCPCONN_CLIENT;
    o->rst_server += r->rst_by == CS_TCPCONN_SERVER;
    int rc = sample(g, &p->s[S_DUR], r->last_t - r->first_t);
    if (r->has_syn && r->has_synack) {
        o->hs_n++;
        if (rc == 0)
            rc = sample(g, &p->s[S_HS], r->synack_t - r->syn_t);
        if (rc == 0)
            rc = sample(g, &p->s[S_HS_LAST], r->synack_t - r->last_syn_t);
    }
    return rc;
}

/* ---- the rows ---- */

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int
cmp_row(const void *a, const void *b)
{
    const struct cs_tcpgroup *x = *(const struct cs_tcpgroup *const *)a;
    const struct cs_tcpgroup *y = *(const struct cs_tcpgroup *const *)b;
    if (x->other != y->other)
        return x->other ? 1 : -1;
    int c = memcmp(&x->addr, &y->addr, sizeof x->addr); /* family first, then bytes */
    if (!c)
        c = (x->port > y->port) - (x->port < y->port);
    if (!c)
        c = (x->vlan > y->vlan) - (x->vlan < y->vlan);
    return c;
}

static const unsigned hs_pcts[6] = {0, 25, 50, 75, 90, 100};
static const unsigned tail_pcts[3] = {50, 90, 100};

static void
quantiles(struct samples *s, const unsigned *pcts, size_t n, int64_t *out)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, cmp_i64);
    for (size_t i = 0; i < n; i++)
        out[i] = cs_tcpstats_quantile(s->v, s->n, pcts[i]);
}

const struct cs_tcpgroup *const *
cs_tcpgroups_finish(struct cs_tcpgroups *g, size_t *count)
{
    free(g->out);
    g->out = malloc((g->n + 1) * sizeof *g->out);
    if (!g->out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i <= g->n; i++) {
        struct grp *p = i < g->n ? g->list[i] : g->other;
        if (!p)
            continue;
        quantiles(&p->s[S_HS], hs_pcts, 6, p->row.hs);
        quantiles(&p->s[S_HS_LAST], tail_pcts, 3, p->row.hs_last);
        quantiles(&p->s[S_DUR], tail_pcts, 3, p->row.duration);
        p->row.sampled = g->stride > 1;
        g->out[n++] = &p->row;
    }
    qsort(g->out, n, sizeof *g->out, cmp_row);
    *count = n;
    return g->out;
}

/* ---- fields ---- */

#define GRP(r) ((const struct cs_tcpgroup *)(r)->app)

static int
get_key(const struct cs_fieldctx *c, const struct cs_record *r, int by)
{
    const struct cs_tcpgroup *g = GRP(r);
    if (g->by != by)
        return 0;
    if (g->other) {
        cs_out_str(c->sink, "other");
        return 1;
    }
    int v6 = g->addr.family == 6 && by == CS_TCPBY_SERVER;
    if (v6)
        cs_out_char(c->sink, '[');
    cs_out_addr(c->sink, &g->addr);
    if (v6)
        cs_out_char(c->sink, ']');
    if (by == CS_TCPBY_SERVER) {
        cs_out_char(c->sink, ':');
        cs_out_u64(c->sink, g->port);
    }
    return 1;
}

static int
get_server(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    return get_key(c, r, CS_TCPBY_SERVER);
}

static int
get_client(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)v;
    return get_key(c, r, CS_TCPBY_CLIENT);
}

static int
get_vlan(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    v->v.u = GRP(r)->vlan;
    return GRP(r)->vlan != 0;
}

#define COUNT(name, expr)                                                                          \
    static int get_##name(const struct cs_fieldctx *c, const struct cs_record *r,                  \
                          struct cs_fval *v)                                                       \
    {                                                                                              \
        (void)c;                                                                                   \
        const struct cs_tcpgroup *g = GRP(r);                                                      \
        v->v.u = (expr);                                                                           \
        return 1;                                                                                  \
    }

COUNT(conns, g->conns)
COUNT(hs_n, g->hs_n)
COUNT(syn_retrans, g->syn_retrans)
COUNT(no_synack, g->no_synack)
COUNT(data_pkts, g->data_pkts)
COUNT(retrans_pkts, g->retrans_pkts)
COUNT(bytes, g->bytes)
COUNT(retrans_bytes, g->retrans_bytes)
COUNT(rst_client, g->rst_client)
COUNT(rst_server, g->rst_server)
COUNT(zero_win, g->zero_win)

/* Times: present when the row has a value of that quantity. */
#define TIME(name, cond, expr)                                                                     \
    static int get_##name(const struct cs_fieldctx *c, const struct cs_record *r,                  \
                          struct cs_fval *v)                                                       \
    {                                                                                              \
        (void)c;                                                                                   \
        const struct cs_tcpgroup *g = GRP(r);                                                      \
        v->v.t.ns = (expr);                                                                        \
        v->v.t.digits = g->ts_digits;                                                              \
        return (cond);                                                                             \
    }

TIME(hs_min, g->hs_n > 0, g->hs[0])
TIME(hs_q1, g->hs_n > 0, g->hs[1])
TIME(hs_median, g->hs_n > 0, g->hs[2])
TIME(hs_q3, g->hs_n > 0, g->hs[3])
TIME(hs_p90, g->hs_n > 0, g->hs[4])
TIME(hs_max, g->hs_n > 0, g->hs[5])
TIME(hs_last_median, g->hs_n > 0, g->hs_last[0])
TIME(hs_last_p90, g->hs_n > 0, g->hs_last[1])
TIME(hs_last_max, g->hs_n > 0, g->hs_last[2])
TIME(duration_median, g->conns > 0, g->duration[0])
TIME(duration_p90, g->conns > 0, g->duration[1])
TIME(duration_max, g->conns > 0, g->duration[2])
TIME(first_t, g->conns > 0, g->first_t)
TIME(last_t, g->conns > 0, g->last_t)

/* part / whole in percent with two decimals (a time value of "seconds" = percent), truncated. */
static int
percent(uint64_t part, uint64_t whole, struct cs_fval *v)
{
    if (!whole)
        return 0;
    long double bp = (long double)part * 10000.0L / (long double)whole;
    v->v.t.ns = (int64_t)bp * 10000000;
    v->v.t.digits = 2;
    return 1;
}

static int
get_retrans_pct(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return percent(GRP(r)->retrans_pkts, GRP(r)->data_pkts, v);
}

static int
get_retrans_bytes_pct(const struct cs_fieldctx *c, const struct cs_record *r, struct cs_fval *v)
{
    (void)c;
    return percent(GRP(r)->retrans_bytes, GRP(r)->bytes, v);
}

static const struct cs_field group_fields[] = {
    {"server", CS_FT_TEXT, "stats tcp --by server: the server address:port (other: past the cap)",
     get_server},
    {"client", CS_FT_TEXT, "stats tcp --by client: the client address", get_client},
    {"vlan", CS_FT_UINT, "innermost VLAN id (absent when untagged)", get_vlan},
    {"conns", CS_FT_UINT, "connections", get_conns},
    {"hs_n", CS_FT_UINT, "connections with a SYN and a SYN-ACK (the hs_* quantiles' sample)",
     get_hs_n},
    {"hs_min", CS_FT_TIME, "smallest hs_first", get_hs_min},
    {"hs_q1", CS_FT_TIME, "hs_first, first quartile (linear interpolation)", get_hs_q1},
    {"hs_median", CS_FT_TIME, "hs_first, median", get_hs_median},
    {"hs_q3", CS_FT_TIME, "hs_first, third quartile", get_hs_q3},
    {"hs_p90", CS_FT_TIME, "hs_first, 90th percentile", get_hs_p90},
    {"hs_max", CS_FT_TIME, "largest hs_first", get_hs_max},
    {"hs_last_median", CS_FT_TIME, "hs_last (from the last SYN), median", get_hs_last_median},
    {"hs_last_p90", CS_FT_TIME, "hs_last, 90th percentile", get_hs_last_p90},
    {"hs_last_max", CS_FT_TIME, "largest hs_last", get_hs_last_max},
    {"syn_retrans", CS_FT_UINT, "SYNs sent again (syn_n - 1, summed)", get_syn_retrans},
    {"no_synack", CS_FT_UINT, "connections with a SYN and no SYN-ACK", get_no_synack},
    {"data_pkts", CS_FT_UINT, "packets with payload, both directions", get_data_pkts},
    {"retrans_pkts", CS_FT_UINT, "of them, retransmissions (payload already seen; no SYN/FIN)",
     get_retrans_pkts},
    {"retrans_pct", CS_FT_TIME, "retrans_pkts / data_pkts in percent (2 decimals)",
     get_retrans_pct},
    {"bytes", CS_FT_UINT, "payload bytes, both directions, retransmissions included", get_bytes},
    {"retrans_bytes", CS_FT_UINT, "payload bytes sent again", get_retrans_bytes},
    {"retrans_bytes_pct", CS_FT_TIME, "retrans_bytes / bytes in percent (2 decimals)",
     get_retrans_bytes_pct},
    {"rst_client", CS_FT_UINT, "connections whose first RST came from the client", get_rst_client},
    {"rst_server", CS_FT_UINT, "connections whose first RST came from the server", get_rst_server},
    {"zero_win", CS_FT_UINT, "window-0 advertisements, both directions", get_zero_win},
    {"duration_median", CS_FT_TIME, "connection duration (last_t - first_t), median",
     get_duration_median},
    {"duration_p90", CS_FT_TIME, "duration, 90th percentile", get_duration_p90},
    {"duration_max", CS_FT_TIME, "longest duration", get_duration_max},
    {"first_t", CS_FT_TIME, "first packet of the row's connections", get_first_t},
    {"last_t", CS_FT_TIME, "last packet of the row's connections", get_last_t},
    {NULL, CS_FT_UINT, NULL, NULL},
};

const struct cs_field_table cs_tcpstats_group_fields = {CS_KIND_BIT(CS_REC_TCPGROUP), group_fields};

#define GROUP_TEXT                                                                                 \
    " <conns> <hs_median> <hs_p90> <hs_max> <hs_last_median> <syn_retrans> <no_synack> "           \
    "<data_pkts> <retrans_pkts> <retrans_pct> <retrans_bytes_pct> <rst_client> <rst_server> "      \
    "<zero_win> <duration_median> <duration_max>"
#define GROUP_ALL                                                                                  \
    " <vlan> <conns> <hs_n> <hs_min> <hs_q1> <hs_median> <hs_q3> <hs_p90> <hs_max> "               \
    "<hs_last_median> <hs_last_p90> <hs_last_max> <syn_retrans> <no_synack> <data_pkts> "          \
    "<retrans_pkts> <retrans_pct> <bytes> <retrans_bytes> <retrans_bytes_pct> <rst_client> "       \
    "<rst_server> <zero_win> <duration_median> <duration_p90> <duration_max> <first_t> <last_t>"

const char *
cs_tcpstats_group_columns(enum cs_tcpby by, int all)
{
    static const char *const tpl[2][2] = {
        {"<server>" GROUP_TEXT, "<server>" GROUP_ALL},
        {"<client>" GROUP_TEXT, "<client>" GROUP_ALL},
    };
    return tpl[by == CS_TCPBY_CLIENT][all != 0];
}

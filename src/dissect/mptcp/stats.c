/* stats.c: `cashark stats mptcp`: one summary per MPTCP connection (or per subflow with
 * --subflows) as text, CSV, TSV or JSON Lines, then fallbacks and orphan joins (RFC 8684). */
#include "track_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- a row writer: the same calls print a CSV/TSV header, a row, or a JSON object ---- */

struct row {
    struct cs_out *o;
    enum cs_outfmt fmt;
    int header; /* print the names instead of the values */
    int col;
    struct cs_out *cell; /* scratch for one text cell */
};

static void
row_sep(struct row *w, const char *name)
{
    if (w->fmt == CS_OUTFMT_JSON) {
        cs_out_str(w->o, w->col ? ",\"" : "{\"");
        cs_out_str(w->o, name);
        cs_out_str(w->o, "\":");
    } else if (w->col) {
        cs_out_char(w->o, w->fmt == CS_OUTFMT_CSV ? ',' : '\t');
    }
    w->col++;
}

static void
row_name(struct row *w, const char *name)
{
    if (w->col)
        cs_out_char(w->o, w->fmt == CS_OUTFMT_CSV ? ',' : '\t');
    cs_out_str(w->o, name);
    w->col++;
}

/* A text cell: the caller wrote it into w->cell. */
static void
row_cell_end(struct row *w, const char *name)
{
    size_t n;
    const char *s = cs_out_data(w->cell, &n);
    if (w->header) {
        row_name(w, name);
    } else {
        row_sep(w, name);
        if (w->fmt == CS_OUTFMT_JSON) {
            cs_out_char(w->o, '"');
            cs_out_json_text(w->o, s, n);
            cs_out_char(w->o, '"');
        } else if (w->fmt == CS_OUTFMT_CSV) {
            cs_out_csv_cell(w->o, s, n);
        } else {
            cs_out_tsv_cell(w->o, s, n);
        }
    }
    cs_out_reset(w->cell);
}

static void
row_str(struct row *w, const char *name, const char *s)
{
    cs_out_str(w->cell, s);
    row_cell_end(w, name);
}

/* A number; absent (empty / left out of JSON) when !present. */
static void
row_u64(struct row *w, const char *name, uint64_t v, int present)
{
    if (w->header) {
        row_name(w, name);
        return;
    }
    if (!present) {
        if (w->fmt != CS_OUTFMT_JSON)
            row_sep(w, name);
        return;
    }
    row_sep(w, name);
    cs_out_u64(w->o, v);
}

static void
row_end(struct row *w)
{
    if (w->fmt == CS_OUTFMT_JSON)
        cs_out_char(w->o, w->col ? '}' : '{');
    if (w->fmt == CS_OUTFMT_JSON && !w->col)
        cs_out_char(w->o, '}');
    cs_out_end_record(w->o);
    w->col = 0;
}

/* ---- pieces shared by text and rows ---- */

static void
hex0x(struct cs_out *o, uint64_t v, int digits)
{
    cs_out_str(o, "0x");
    cs_out_hex(o, v, digits);
}

/* The subflow's endpoints in the connection's client-to-server order. */
static void
sf_tuple(struct cs_out *o, const struct cs_mptcp_subflow *sf)
{
    cs_out_endpoint(o, &sf->cli, sf->cport);
    cs_out_str(o, " -> ");
    cs_out_endpoint(o, &sf->srv, sf->sport);
}

static const char *const tcprst_reasons[] = {
    "unspecified",
    "mptcp-specific",
    "lack of resources",
    "administratively prohibited",
    "too much outstanding data",
    "unacceptable performance",
    "middlebox interference",
};

static void
sf_end(struct cs_out *o, const struct cs_mptcp_subflow *sf)
{
    const char *sep = "";
    if (sf->fastclose) {
        cs_out_str(o, "FASTCLOSE");
        sep = "+";
    }
    if (sf->rst) {
        cs_out_str(o, sep);
        cs_out_str(o, "RST");
        sep = "+";
        if (sf->has_tcprst) {
            cs_out_str(o, " reason ");
            cs_out_u64(o, sf->tcprst_reason);
            if (sf->tcprst_reason < sizeof tcprst_reasons / sizeof tcprst_reasons[0]) {
                cs_out_str(o, " (");
                cs_out_str(o, tcprst_reasons[sf->tcprst_reason]);
                cs_out_char(o, ')');
            }
        }
    } else if (sf->fin[0] || sf->fin[1]) {
        cs_out_str(o, sep);
        cs_out_str(o, sf->fin[0] && sf->fin[1] ? "FIN" : "half FIN");
        sep = "+";
    }
    if (!*sep)
        cs_out_str(o, "open");
}

/* share in tenths of a percent, rounded */
static void
percent(struct cs_out *o, uint64_t part, uint64_t whole)
{
    uint64_t t = whole ? (part * 1000 + whole / 2) / whole : 0;
    cs_out_u64(o, t / 10);
    cs_out_char(o, '.');
    cs_out_u64(o, t % 10);
    cs_out_char(o, '%');
}

static uint64_t
sf_mapped(const struct cs_mptcp_subflow *sf, int dir)
{
    return sf->mapped[dir].total;
}

static uint64_t
reinjected(const struct cs_mptcp_conn *c, int dir)
{
    uint64_t sum = c->extra_mapped[dir];
    for (size_t i = 0; i < c->n_sf; i++)
        sum += sf_mapped(c->sf[i], dir);
    return sum > c->d[dir].covered.total ? sum - c->d[dir].covered.total : 0;
}

static const char *const dir_names[2] = {"c2s", "s2c"};

static void
conn_endpoints(struct cs_out *o, const struct cs_mptcp_conn *c, int server)
{
    const struct cs_mptcp_subflow *sf = c->n_sf ? c->sf[0] : NULL;
    if (!sf)
        return;
    /* the first subflow's client is the connection's client unless it was flipped */
    int side = server ^ sf->flip;
    if (side)
        cs_out_endpoint(o, &sf->srv, sf->sport);
    else
        cs_out_endpoint(o, &sf->cli, sf->cport);
}

static void
announce_text(struct cs_out *o, const struct announce *a)
{
    cs_out_str(o, "frame ");
    cs_out_u64(o, a->ordinal);
    cs_out_char(o, ' ');
    cs_out_str(o, dir_names[a->dir & 1]);
    if (a->subflow >= 0) {
        cs_out_str(o, " subflow ");
        cs_out_u64(o, (uint64_t)a->subflow);
    }
    cs_out_char(o, ' ');
    cs_mptcp_opt_text(o, &a->opt);
}

/* ---- text ---- */

static void
text_dir(struct cs_out *o, const struct cs_mptcp_conn *c, int dir)
{
    const struct conn_dir *d = &c->d[dir];
    cs_out_str(o, "  ");
    cs_out_str(o, dir_names[dir]);
    cs_out_str(o, ": ");
    cs_out_u64(o, d->mappings);
    cs_out_str(o, " mappings, ");
    cs_out_u64(o, d->covered.total);
    cs_out_str(o, " bytes covered");
    if (d->covered.approx)
        cs_out_str(o, " (at most)");
    cs_out_str(o, ", ");
    cs_out_u64(o, reinjected(c, dir));
    cs_out_str(o, " reinjected, DATA_FIN ");
    if (d->data_fin && d->idsn_known) {
        cs_out_str(o, "at ");
        cs_out_u64(o, d->data_fin_dsn - d->idsn);
    } else {
        cs_out_str(o, d->data_fin ? "seen" : "not seen");
    }
    const struct conn_dir *p = d;
    if (p->dack_seen && p->idsn_known) {
        cs_out_str(o, ", highest DATA_ACK ");
        cs_out_u64(o, p->last_dack - p->idsn);
    }
    if (d->csum_ok || d->csum_bad) {
        cs_out_str(o, ", checksums ");
        cs_out_u64(o, d->csum_ok);
        cs_out_str(o, " ok ");
        cs_out_u64(o, d->csum_bad);
        cs_out_str(o, " bad");
    }
    cs_out_end_record(o);
    for (uint64_t i = 0; i < d->csum_bad && i < CS_MPTCP_MAX_CSUM_FAILS; i++) {
        const struct csum_fail *fl = &d->fail[i];
        cs_out_str(o, "    DSS checksum bad: frame ");
        cs_out_u64(o, fl->ordinal);
        cs_out_str(o, " subflow ");
        cs_out_i64(o, fl->subflow);
        cs_out_str(o, d->idsn_known ? " dsn " : " dsn_raw ");
        cs_out_u64(o, d->idsn_known ? fl->dsn64 - d->idsn : fl->dsn64);
        cs_out_str(o, " len ");
        cs_out_u64(o, fl->dll);
        cs_out_end_record(o);
    }
    if (d->csum_bad > CS_MPTCP_MAX_CSUM_FAILS) {
        cs_out_str(o, "    DSS checksum bad: ");
        cs_out_u64(o, d->csum_bad - CS_MPTCP_MAX_CSUM_FAILS);
        cs_out_str(o, " more");
        cs_out_end_record(o);
    }
    int any = 0;
    for (size_t i = 0; i < c->n_sf; i++) {
        uint64_t b = sf_mapped(c->sf[i], dir);
        if (!b)
            continue;
        cs_out_str(o, any ? ", " : "    mapped per subflow: ");
        any = 1;
        cs_out_str(o, "conn ");
        cs_out_i64(o, c->sf[i]->flow_conn);
        cs_out_char(o, ' ');
        cs_out_u64(o, b);
        cs_out_str(o, " (");
        percent(o, b, d->covered.total);
        cs_out_char(o, ')');
    }
    if (any)
        cs_out_end_record(o);
}

static void
text_subflow(struct cs_out *o, const struct cs_mptcp_subflow *sf, const char *prefix)
{
    cs_out_str(o, prefix);
    cs_out_str(o, "subflow ");
    cs_out_i64(o, sf->index);
    cs_out_str(o, " conn ");
    cs_out_i64(o, sf->flow_conn);
    cs_out_char(o, ' ');
    sf_tuple(o, sf);
    if (sf->cont_of >= 0) {
        cs_out_str(o, " continues conn ");
        cs_out_i64(o, sf->cont_of);
    } else if (sf->join) {
        cs_out_str(o, " join token ");
        hex0x(o, sf->join_token, 8);
        cs_out_str(o, " addr_id ");
        cs_out_u64(o, sf->join_addr_id);
        if (sf->has_synack_join) {
            cs_out_char(o, '/');
            cs_out_u64(o, sf->synack_addr_id);
        }
        if (sf->flip)
            cs_out_str(o, " (from the server)");
    } else {
        cs_out_str(o, " initial");
    }
    cs_out_str(o, sf->join_backup || sf->backup_now ? " backup" : "");
    if (sf->prio_changes) {
        cs_out_str(o, ", ");
        cs_out_u64(o, sf->prio_changes);
        cs_out_str(o, sf->prio_changes == 1 ? " MP_PRIO change to " : " MP_PRIO changes, now ");
        cs_out_str(o, sf->backup_now ? "backup" : "non-backup");
    }
    if (sf->hmac_checked) {
        cs_out_str(o, ", hmac ");
        cs_out_u64(o, sf->hmac_ok);
        cs_out_char(o, '/');
        cs_out_u64(o, sf->hmac_checked);
        cs_out_str(o, " ok");
    }
    cs_out_str(o, ", ");
    sf_end(o, sf);
    cs_out_end_record(o);
}

static void
text_conn(struct cs_out *o, const struct cs_mptcp_conn *c)
{
    cs_out_str(o, "mptcp ");
    cs_out_i64(o, c->index);
    if (c->handshake) {
        cs_out_str(o, ": v");
        cs_out_u64(o, c->version);
        cs_out_char(o, ' ');
    } else {
        cs_out_str(o, ": ");
    }
    conn_endpoints(o, c, 0);
    cs_out_str(o, " -> ");
    conn_endpoints(o, c, 1);
    cs_out_str(o, ", ");
    cs_out_u64(o, c->n_sf_all);
    cs_out_str(o, c->n_sf_all == 1 ? " subflow" : " subflows");
    if (!c->handshake)
        cs_out_str(o, ", handshake not captured");
    if ((c->syn_flags | c->synack_flags) & CS_MPC_A)
        cs_out_str(o, ", checksums");
    cs_out_end_record(o);
    static const char *const side[2] = {"  client", "  server"};
    for (int s = 0; s < 2; s++) {
        if (!c->has_key[s])
            continue;
        cs_out_str(o, side[s]);
        cs_out_str(o, " key ");
        hex0x(o, c->key[s], 16);
        cs_out_str(o, " token ");
        hex0x(o, c->token[s], 8);
        cs_out_str(o, " idsn ");
        hex0x(o, c->d[s].idsn, 16);
        cs_out_end_record(o);
    }
    for (size_t i = 0; i < c->n_sf; i++)
        text_subflow(o, c->sf[i], "  ");
    if (c->n_sf_all > c->n_sf) {
        cs_out_str(o, "  (");
        cs_out_u64(o, c->n_sf_all - c->n_sf);
        cs_out_str(o, " more subflows not listed)");
        cs_out_end_record(o);
    }
    text_dir(o, c, 0);
    text_dir(o, c, 1);
    if (c->hmac_ok || c->hmac_bad) {
        cs_out_str(o, "  MP_JOIN HMACs: ");
        cs_out_u64(o, c->hmac_ok);
        cs_out_str(o, " ok, ");
        cs_out_u64(o, c->hmac_bad);
        cs_out_str(o, " bad");
        cs_out_end_record(o);
    }
    if (c->n_fail || c->n_fastclose) {
        cs_out_str(o, "  MP_FAIL ");
        cs_out_u64(o, c->n_fail);
        cs_out_str(o, ", MP_FASTCLOSE ");
        cs_out_u64(o, c->n_fastclose);
        cs_out_end_record(o);
    }
    for (size_t i = 0; i < c->n_ann; i++) {
        cs_out_str(o, "  ");
        announce_text(o, &c->ann[i]);
        cs_out_end_record(o);
    }
    if (c->ann_dropped) {
        cs_out_str(o, "  (");
        cs_out_u64(o, c->ann_dropped);
        cs_out_str(o, " more announcements)");
        cs_out_end_record(o);
    }
}

static int
is_fallback(const struct cs_mptcp_subflow *sf)
{
    return !sf->conn && sf->syn_capable && sf->synack_seen && !sf->synack_capable;
}

static int
is_orphan(const struct cs_mptcp_subflow *sf)
{
    return !sf->conn && sf->join;
}

static void
text_others(struct cs_out *o, struct cs_mptcp_subflow *const *lone, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct cs_mptcp_subflow *sf = lone[i];
        if (sf->conn)
            continue;
        if (is_fallback(sf)) {
            cs_out_str(o, "fallback: conn ");
        } else if (is_orphan(sf)) {
            cs_out_str(o, "orphan join: conn ");
        } else if (sf->syn_capable) {
            cs_out_str(o, "MP_CAPABLE SYN without a reply: conn ");
        } else {
            continue;
        }
        cs_out_i64(o, sf->flow_conn);
        cs_out_char(o, ' ');
        sf_tuple(o, sf);
        if (is_orphan(sf)) {
            cs_out_str(o, " token ");
            hex0x(o, sf->join_token, 8);
            if (sf->late_of >= 0) {
                cs_out_str(o, " of mptcp ");
                cs_out_i64(o, sf->late_of);
                cs_out_str(o, ", which had ended (late join)");
            } else {
                cs_out_str(o, " matches no connection");
            }
        } else if (is_fallback(sf)) {
            cs_out_str(o, " MP_CAPABLE in the SYN only, plain TCP");
        }
        cs_out_str(o, ", ");
        sf_end(o, sf);
        cs_out_end_record(o);
    }
}

/* ---- rows ---- */

static void
row_conn(struct row *w, const struct cs_mptcp_conn *c)
{
    struct cs_out *t = w->cell;
    row_u64(w, "mptcp.conn", (uint64_t)c->index, 1);
    row_u64(w, "version", c->version, c->handshake);
    conn_endpoints(t, c, 0);
    row_cell_end(w, "client");
    conn_endpoints(t, c, 1);
    row_cell_end(w, "server");
    static const char *const kn[2] = {"client_key", "server_key"};
    static const char *const tn[2] = {"client_token", "server_token"};
    for (int s = 0; s < 2; s++) {
        if (c->has_key[s])
            hex0x(t, c->key[s], 16);
        row_cell_end(w, kn[s]);
        if (c->has_key[s])
            hex0x(t, c->token[s], 8);
        row_cell_end(w, tn[s]);
    }
    row_u64(w, "subflows", c->n_sf_all, 1);
    for (size_t i = 0; i < c->n_sf; i++) {
        if (i)
            cs_out_char(t, ' ');
        cs_out_i64(t, c->sf[i]->flow_conn);
    }
    row_cell_end(w, "subflow_conns");
    static const char *const names[2][7] = {
        {"c2s_mappings", "c2s_bytes", "c2s_reinjected", "c2s_data_fin", "c2s_data_ack",
         "c2s_per_subflow", "c2s_mpc_data"},
        {"s2c_mappings", "s2c_bytes", "s2c_reinjected", "s2c_data_fin", "s2c_data_ack",
         "s2c_per_subflow", "s2c_mpc_data"},
    };
    for (int d = 0; d < 2; d++) {
        const struct conn_dir *cd = &c->d[d];
        row_u64(w, names[d][0], cd->mappings, 1);
        row_u64(w, names[d][1], cd->covered.total, 1);
        row_u64(w, names[d][2], reinjected(c, d), 1);
        row_u64(w, names[d][3], cd->data_fin_dsn - cd->idsn, cd->data_fin && cd->idsn_known);
        row_u64(w, names[d][4], cd->last_dack - cd->idsn, cd->dack_seen && cd->idsn_known);
        int any = 0;
        for (size_t i = 0; i < c->n_sf; i++) {
            uint64_t b = sf_mapped(c->sf[i], d);
            if (!b)
                continue;
            if (any)
                cs_out_char(t, ' ');
            any = 1;
            cs_out_i64(t, c->sf[i]->flow_conn);
            cs_out_char(t, ':');
            cs_out_u64(t, b);
        }
        row_cell_end(w, names[d][5]);
    }
    row_u64(w, "add_addr", c->n_add, 1);
    row_u64(w, "remove_addr", c->n_remove, 1);
    row_u64(w, "mp_prio", c->n_prio, 1);
    row_u64(w, "mp_fail", c->n_fail, 1);
    row_u64(w, "fastclose", c->n_fastclose, 1);
    row_u64(w, "hmac_ok", c->hmac_ok, 1);
    row_u64(w, "hmac_bad", c->hmac_bad, 1);
    row_u64(w, "csum_ok", c->d[0].csum_ok + c->d[1].csum_ok, 1);
    row_u64(w, "csum_bad", c->d[0].csum_bad + c->d[1].csum_bad, 1);
    row_end(w);
}

static const char *
sf_kind(const struct cs_mptcp_subflow *sf)
{
    if (sf->conn)
        return sf->cont_of >= 0 ? "continued" : sf->join ? "join" : "initial";
    if (is_fallback(sf))
        return "fallback";
    if (is_orphan(sf))
        return sf->late_of >= 0 ? "late-join" : "orphan";
    return "unanswered";
}

static void
row_subflow(struct row *w, const struct cs_mptcp_subflow *sf)
{
    struct cs_out *t = w->cell;
    const struct cs_mptcp_conn *c = sf->conn;
    row_u64(w, "mptcp.conn", c ? (uint64_t)c->index : 0, c != NULL);
    row_u64(w, "subflow", (uint64_t)sf->index, c != NULL);
    row_u64(w, "conn", (uint64_t)sf->flow_conn, 1);
    row_str(w, "kind", sf_kind(sf));
    cs_out_addr(t, &sf->cli);
    row_cell_end(w, "src");
    row_u64(w, "sport", sf->cport, 1);
    cs_out_addr(t, &sf->srv);
    row_cell_end(w, "dst");
    row_u64(w, "dport", sf->sport, 1);
    if (sf->join)
        hex0x(t, sf->join_token, 8);
    row_cell_end(w, "token");
    row_u64(w, "addr_id", sf->join_addr_id, sf->join);
    row_u64(w, "peer_addr_id", sf->synack_addr_id, sf->has_synack_join);
    row_u64(w, "backup", sf->join_backup, 1);
    row_u64(w, "prio_changes", sf->prio_changes, 1);
    row_u64(w, "backup_now", sf->backup_now, 1);
    static const char *const bn[2] = {"c2s_bytes", "s2c_bytes"};
    static const char *const pn[2] = {"c2s_share", "s2c_share"};
    for (int d = 0; d < 2; d++) {
        uint64_t b = sf_mapped(sf, d);
        row_u64(w, bn[d], b, 1);
        if (c && c->d[d].covered.total)
            percent(t, b, c->d[d].covered.total);
        row_cell_end(w, pn[d]);
    }
    row_u64(w, "pkts_c2s", sf->pkts[0], 1);
    row_u64(w, "pkts_s2c", sf->pkts[1], 1);
    sf_end(t, sf);
    row_cell_end(w, "end");
    row_u64(w, "tcprst_reason", sf->tcprst_reason, sf->has_tcprst);
    row_end(w);
}

int
cs_mptcp_sf_listed(const struct cs_mptcp_subflow *sf)
{
    return sf->conn || is_fallback(sf) || is_orphan(sf) || sf->syn_capable;
}

/* ---- batches ---- */

static int
conn_cmp(const void *a, const void *b)
{
    const struct cs_mptcp_conn *x = *(const struct cs_mptcp_conn *const *)a;
    const struct cs_mptcp_conn *y = *(const struct cs_mptcp_conn *const *)b;
    return (x->index > y->index) - (x->index < y->index);
}

static int
sf_cmp(const void *a, const void *b)
{
    const struct cs_mptcp_subflow *x = *(const struct cs_mptcp_subflow *const *)a;
    const struct cs_mptcp_subflow *y = *(const struct cs_mptcp_subflow *const *)b;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

static void
text_count(struct cs_out *o, const struct cs_mptcp *m)
{
    const struct cs_mptcp_counts *n = &m->counts;
    cs_out_str(o, "MPTCP connections: ");
    cs_out_u64(o, n->conns);
    if (n->conns_dropped) {
        cs_out_str(o, " (");
        cs_out_u64(o, n->conns_dropped);
        cs_out_str(o, " more not tracked: the cap was reached)");
    }
    if (n->subflows_dropped || n->tokens_dropped) {
        cs_out_str(o, " (not tracked, a cap was reached: ");
        cs_out_u64(o, n->subflows_dropped);
        cs_out_str(o, " subflows, ");
        cs_out_u64(o, n->tokens_dropped);
        cs_out_str(o, " tokens)");
    }
    cs_out_end_record(o);
}

/* Prints the connections and lone subflows waiting, in first-seen order, and frees them. */
static void
print_batch(struct cs_mptcp *m, int final)
{
    struct report *r = m->rep;
    struct cs_out *o = r->o;
    if (r->n_conns > 1)
        qsort(r->conns, r->n_conns, sizeof *r->conns, conn_cmp);
    if (r->n_lone > 1)
        qsort(r->lone, r->n_lone, sizeof *r->lone, sf_cmp);
    if (r->fmt == CS_OUTFMT_TEXT) {
        if (r->subflows) {
            for (size_t i = 0; i < r->n_conns; i++)
                for (size_t k = 0; k < r->conns[i]->n_sf; k++) {
                    cs_out_str(o, "mptcp ");
                    cs_out_i64(o, r->conns[i]->index);
                    text_subflow(o, r->conns[i]->sf[k], " ");
                }
        } else {
            if (final && !r->printed)
                text_count(o, m);
            for (size_t i = 0; i < r->n_conns; i++)
                text_conn(o, r->conns[i]);
        }
        text_others(o, r->lone, r->n_lone);
        if (!r->subflows && final && r->printed)
            text_count(o, m);
    } else {
        struct row w = {o, r->fmt, 0, 0, cs_out_new_mem(256)};
        if (!w.cell)
            goto done;
        if (r->fmt != CS_OUTFMT_JSON && !r->header_done) { /* the same calls, names only */
            w.header = 1;
            struct cs_mptcp_conn blank_c;
            struct cs_mptcp_subflow blank_sf;
            memset(&blank_c, 0, sizeof blank_c);
            memset(&blank_sf, 0, sizeof blank_sf);
            if (r->subflows)
                row_subflow(&w, &blank_sf);
            else
                row_conn(&w, &blank_c);
            w.header = 0;
        }
        if (!r->subflows) {
            for (size_t i = 0; i < r->n_conns; i++)
                row_conn(&w, r->conns[i]);
        } else {
            /* every subflow of the batch in creation order, with a connection or alone */
            size_t n = r->n_lone;
            for (size_t i = 0; i < r->n_conns; i++)
                n += r->conns[i]->n_sf;
            struct cs_mptcp_subflow **all = malloc((n ? n : 1) * sizeof *all);
            if (all) {
                size_t k = 0;
                for (size_t i = 0; i < r->n_conns; i++)
                    for (size_t j = 0; j < r->conns[i]->n_sf; j++)
                        all[k++] = r->conns[i]->sf[j];
                for (size_t i = 0; i < r->n_lone; i++)
                    all[k++] = r->lone[i];
                if (n > 1)
                    qsort(all, n, sizeof *all, sf_cmp);
                for (size_t i = 0; i < n; i++)
                    row_subflow(&w, all[i]);
                free(all);
            }
        }
        cs_out_free(w.cell);
    }
done:
    r->header_done = 1;
    if (!final)
        r->printed = 1;
    for (size_t i = 0; i < r->n_conns; i++)
        cs_mptcp_conn_free(r->conns[i]);
    for (size_t i = 0; i < r->n_lone; i++)
        cs_mptcp_subflow_free(r->lone[i]);
    r->n_conns = r->n_lone = 0;
}

static void
batch_check(struct cs_mptcp *m)
{
    if (m->rep->n_conns + m->rep->n_lone >= CS_MPTCP_BATCH)
        print_batch(m, 0);
}

void
cs_mptcp_report_conn(struct cs_mptcp *m, struct cs_mptcp_conn *c)
{
    struct report *r = m->rep;
    if (r->n_conns == r->cap_conns) {
        size_t cap = r->cap_conns ? r->cap_conns * 2 : 64;
        void *p = realloc(r->conns, cap * sizeof *r->conns);
        if (!p) {
            cs_mptcp_conn_free(c);
            return;
        }
        r->conns = p;
        r->cap_conns = cap;
    }
    r->conns[r->n_conns++] = c;
    batch_check(m);
}

void
cs_mptcp_report_lone(struct cs_mptcp *m, struct cs_mptcp_subflow *sf)
{
    struct report *r = m->rep;
    if (r->n_lone == r->cap_lone) {
        size_t cap = r->cap_lone ? r->cap_lone * 2 : 64;
        void *p = realloc(r->lone, cap * sizeof *r->lone);
        if (!p) {
            cs_mptcp_subflow_free(sf);
            return;
        }
        r->lone = p;
        r->cap_lone = cap;
    }
    r->lone[r->n_lone++] = sf;
    batch_check(m);
}

int
cs_mptcp_stats_start(struct cs_mptcp *m, struct cs_out *o, enum cs_outfmt fmt, int subflows)
{
    if (!m->rep)
        m->rep = calloc(1, sizeof *m->rep);
    if (!m->rep)
        return -1;
    m->rep->o = o;
    m->rep->fmt = fmt;
    m->rep->subflows = subflows;
    return 0;
}

void
cs_mptcp_stats_end(struct cs_mptcp *m)
{
    if (!m->rep)
        return;
    cs_mptcp_retire_all(m);
    print_batch(m, 1);
}

/* where.c: --where EXPR compiled once into a small tree over catalogue fields; evaluated per
 * record with the fields' own getters (no allocation per record). Grammar in cashark/where.h. */
#include "cashark/where.h"

#include <stdlib.h>
#include <string.h>

#include "cashark/format.h"

#define MAX_NODES 256
#define MAX_DEPTH 64

enum nkind { N_OR, N_AND, N_NOT, N_CMP };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct node {
    enum nkind kind;
    int a, b; /* children (N_OR, N_AND: both; N_NOT: a) */
    /* N_CMP */
    enum op op;
    const struct cs_field *by_kind[CS_REC__COUNT];
    const char *str; /* the literal's text (strings unquoted), in the pool */
    size_t slen;
    int is_num;      /* the literal reads as a number */
    int time_unit;   /* ... with a time unit */
    long double num; /* its value (times in seconds) */
    int64_t num_ns;  /* its value in ns, for time fields */
};

struct cs_where {
    struct node nodes[MAX_NODES];
    int n, root;
    char *pool;
    size_t pool_len;
    struct cs_out *scratch;
    struct cs_fieldctx ctx;
    int started;
};

enum ttype { T_END, T_LP, T_RP, T_NOT, T_AND, T_OR, T_OP, T_WORD, T_STR, T_BAD };

struct lexer {
    const char *s;
    size_t pos;   /* next character */
    size_t start; /* the current token's first character */
    size_t len;   /* its length (T_STR: without the quotes) */
    enum ttype t;
    enum op op;
    char *err;
    size_t errlen;
    size_t *col;
    int failed;
    int depth;
    struct cs_where *w;
};

static void
fail(struct lexer *lx, size_t at, const char *what, const char *s, size_t n)
{
    if (lx->failed)
        return;
    lx->failed = 1;
    *lx->col = at + 1;
    size_t k = 0;
    for (const char *p = what; *p && k + 1 < lx->errlen; p++)
        lx->err[k++] = *p;
    if (s) {
        const char *q = " '";
        for (const char *p = q; *p && k + 1 < lx->errlen; p++)
            lx->err[k++] = *p;
        for (size_t i = 0; i < n && k + 1 < lx->errlen; i++) {
            unsigned char c = (unsigned char)s[i];
            lx->err[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        if (k + 1 < lx->errlen)
            lx->err[k++] = '\'';
    }
    if (lx->errlen)
        lx->err[k < lx->errlen ? k : lx->errlen - 1] = '\0';
}

static int
word_char(char c)
{
    return c && c != ' ' && c != '\t' && c != '\n' && !strchr("()!=<>&|\"'", c);
}

static void
next(struct lexer *lx)
{
    const char *s = lx->s;
    while (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\n')
        lx->pos++;
    lx->start = lx->pos;
    char c = s[lx->pos];
    static const struct {
        const char *text;
        enum ttype t;
        enum op op;
    } puncts[] = {
        {"&&", T_AND, OP_EQ}, {"||", T_OR, OP_EQ}, {"==", T_OP, OP_EQ}, {"!=", T_OP, OP_NE},
        {"<=", T_OP, OP_LE},  {">=", T_OP, OP_GE}, {"=", T_OP, OP_EQ},  {"<", T_OP, OP_LT},
        {">", T_OP, OP_GT},   {"!", T_NOT, OP_EQ}, {"(", T_LP, OP_EQ},  {")", T_RP, OP_EQ},
    };
    if (!c) {
        lx->t = T_END;
        lx->len = 0;
        return;
    }
    for (size_t i = 0; i < sizeof puncts / sizeof puncts[0]; i++) {
        size_t n = strlen(puncts[i].text);
        if (strncmp(s + lx->pos, puncts[i].text, n) == 0) {
            lx->t = puncts[i].t;
            lx->op = puncts[i].op;
            lx->len = n;
            lx->pos += n;
            return;
        }
    }
    if (c == '"' || c == '\'') {
        size_t i = lx->pos + 1;
        while (s[i] && s[i] != c)
            i++;
        if (!s[i]) {
            lx->t = T_BAD;
            fail(lx, lx->start, "unterminated string", NULL, 0);
            return;
        }
        lx->t = T_STR;
        lx->len = i - lx->pos - 1;
        lx->pos = i + 1;
        return;
    }
    if (c == '&' || c == '|') {
        lx->t = T_BAD;
        fail(lx, lx->start, "use && and || for and, or", NULL, 0);
        return;
    }
    size_t i = lx->pos;
    while (word_char(s[i]))
        i++;
    lx->t = T_WORD;
    lx->len = i - lx->pos;
    lx->pos = i;
}

static int
new_node(struct lexer *lx, enum nkind k)
{
    struct cs_where *w = lx->w;
    if (w->n == MAX_NODES) {
        fail(lx, lx->start, "expression too long", NULL, 0);
        return -1;
    }
    memset(&w->nodes[w->n], 0, sizeof w->nodes[0]);
    w->nodes[w->n].kind = k;
    return w->n++;
}

static const struct {
    const char *name;
    long double mult;
    int time;
} units[] = {
    {"ns", 1e-9L, 1}, {"us", 1e-6L, 1},   {"ms", 1e-3L, 1},      {"s", 1, 1},
    {"min", 60, 1},   {"h", 3600, 1},     {"k", 1e3L, 0},        {"M", 1e6L, 0},
    {"G", 1e9L, 0},   {"Ki", 1024.0L, 0}, {"Mi", 1048576.0L, 0}, {"Gi", 1073741824.0L, 0},
};

/* "300ms", "1.5s", "10k", "-2", "64Ki": 1 with *v (and *time) when s..n is a number. */
static int
parse_number(const char *s, size_t n, long double *v, int *time)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    long double x = 0;
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        x = x * 10 + (s[i++] - '0');
        digits++;
    }
    if (i < n && s[i] == '.') {
        long double f = 0.1L;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            x += f * (s[i++] - '0');
            f /= 10;
            digits++;
        }
    }
    if (!digits)
        return 0;
    *time = 0;
    if (i < n) {
        size_t k;
        for (k = 0; k < sizeof units / sizeof units[0]; k++)
            if (strlen(units[k].name) == n - i && memcmp(units[k].name, s + i, n - i) == 0)
                break;
        if (k == sizeof units / sizeof units[0])
            return 0;
        x *= units[k].mult;
        *time = units[k].time;
    }
    *v = neg ? -x : x;
    return 1;
}

static int parse_or(struct lexer *lx);

static int
parse_cmp(struct lexer *lx)
{
    if (lx->t != T_WORD) {
        fail(lx, lx->start,
             lx->t == T_END ? "expected a field name at the end" : "expected a field name", NULL,
             0);
        return -1;
    }
    const char *name = lx->s + lx->start;
    size_t nlen = lx->len, ncol = lx->start;
    if (!cs_field_known(name, nlen)) {
        fail(lx, ncol, "unknown field", name, nlen);
        return -1;
    }
    next(lx);
    if (lx->t != T_OP) {
        fail(lx, lx->start, "expected a comparison (= != < <= > >=) after the field", NULL, 0);
        return -1;
    }
    enum op op = lx->op;
    next(lx);
    if (lx->t != T_WORD && lx->t != T_STR) {
        fail(lx, lx->start, "expected a value (number, \"string\" or address)", NULL, 0);
        return -1;
    }
    int id = new_node(lx, N_CMP);
    if (id < 0)
        return -1;
    struct cs_where *w = lx->w;
    struct node *nd = &w->nodes[id];
    nd->op = op;
    for (int k = 0; k < CS_REC__COUNT; k++)
        nd->by_kind[k] = cs_field_find(name, nlen, (enum cs_record_kind)k);
    size_t off = lx->t == T_STR ? lx->start + 1 : lx->start;
    memcpy(w->pool + w->pool_len, lx->s + off, lx->len);
    nd->str = w->pool + w->pool_len;
    nd->slen = lx->len;
    w->pool_len += lx->len + 1;
    nd->is_num = parse_number(nd->str, nd->slen, &nd->num, &nd->time_unit);
    if (nd->is_num)
        nd->num_ns = (int64_t)(nd->num * 1e9L + (nd->num < 0 ? -0.5L : 0.5L));
    next(lx);
    return id;
}

static int
parse_unary(struct lexer *lx)
{
    if (++lx->depth > MAX_DEPTH) {
        fail(lx, lx->start, "expression nested too deeply", NULL, 0);
        return -1;
    }
    int id;
    if (lx->t == T_NOT) {
        next(lx);
        int a = parse_unary(lx);
        id = a < 0 ? -1 : new_node(lx, N_NOT);
        if (id >= 0)
            lx->w->nodes[id].a = a;
    } else if (lx->t == T_LP) {
        next(lx);
        id = parse_or(lx);
        if (id >= 0 && lx->t != T_RP) {
            fail(lx, lx->start, "expected ')'", NULL, 0);
            id = -1;
        }
        if (id >= 0)
            next(lx);
    } else {
        id = parse_cmp(lx);
    }
    lx->depth--;
    return id;
}

static int
parse_binary(struct lexer *lx, enum ttype t, enum nkind k)
{
    int a = k == N_OR ? parse_binary(lx, T_AND, N_AND) : parse_unary(lx);
    while (a >= 0 && lx->t == t) {
        next(lx);
        int b = k == N_OR ? parse_binary(lx, T_AND, N_AND) : parse_unary(lx);
        int id = b < 0 ? -1 : new_node(lx, k);
        if (id >= 0) {
            lx->w->nodes[id].a = a;
            lx->w->nodes[id].b = b;
        }
        a = id;
    }
    return a;
}

static int
parse_or(struct lexer *lx)
{
    return parse_binary(lx, T_OR, N_OR);
}

struct cs_where *
cs_where_compile(const char *text, char *err, size_t errlen, size_t *col)
{
    size_t dummy;
    if (!col)
        col = &dummy;
    *col = 0;
    if (errlen)
        err[0] = '\0';
    struct cs_where *w = calloc(1, sizeof *w);
    size_t tl = strlen(text);
    if (w)
        w->pool = calloc(1, tl + MAX_NODES + 1);
    if (w && w->pool)
        w->scratch = cs_out_new_mem(256);
    if (!w || !w->pool || !w->scratch) {
        fail(&(struct lexer){.err = err, .errlen = errlen, .col = col}, 0, "out of memory", NULL,
             0);
        cs_where_free(w);
        return NULL;
    }
    struct lexer lx = {.s = text, .err = err, .errlen = errlen, .col = col, .w = w};
    next(&lx);
    if (lx.t == T_END)
        fail(&lx, 0, "empty expression", NULL, 0);
    else
        w->root = parse_or(&lx);
    if (!lx.failed && lx.t != T_END)
        fail(&lx, lx.start, "unexpected text after the expression:", lx.s + lx.start,
             strlen(lx.s + lx.start));
    if (lx.failed) {
        cs_where_free(w);
        return NULL;
    }
    return w;
}

void
cs_where_free(struct cs_where *w)
{
    if (!w)
        return;
    cs_out_free(w->scratch);
    free(w->pool);
    free(w);
}

static int
cmp_ld(long double x, long double y, enum op op)
{
    switch (op) {
        case OP_EQ:
            return x == y;
        case OP_NE:
            return x != y;
        case OP_LT:
            return x < y;
        case OP_LE:
            return x <= y;
        case OP_GT:
            return x > y;
        case OP_GE:
            return x >= y;
    }
    return 0;
}

/* Text equality, where an address without a port also matches "addr:port" and "[addr]:port",
 * written bare or in brackets ("[fd77::3]"). */
static int
text_eq(const char *t, size_t n, const char *lit, size_t ln)
{
    if (n == ln && memcmp(t, lit, n) == 0)
        return 1;
    if (ln > 2 && lit[0] == '[' && lit[ln - 1] == ']')
        return text_eq(t, n, lit + 1, ln - 2);
    if (n > ln + 1 && memcmp(t, lit, ln) == 0 && t[ln] == ':' && !memchr(lit, ':', ln))
        return 1;
    return n > ln + 3 && t[0] == '[' && memcmp(t + 1, lit, ln) == 0 && t[ln + 1] == ']' &&
           t[ln + 2] == ':';
}

static int
eval_cmp(struct cs_where *w, const struct node *nd, const struct cs_record *r)
{
    const struct cs_field *fl = nd->by_kind[r->kind];
    if (!fl)
        return 0;
    struct cs_fval v;
    cs_out_reset(w->scratch);
    w->ctx.sink = w->scratch;
    if (!fl->get(&w->ctx, r, &v))
        return 0;
    switch (fl->type) {
        default: { /* text kinds: compare what the getter wrote */
            size_t n;
            const char *t = cs_out_data(w->scratch, &n);
            if (nd->op == OP_EQ || nd->op == OP_NE)
                return text_eq(t, n, nd->str, nd->slen) == (nd->op == OP_EQ);
            long double x;
            int tu;
            if (nd->is_num && parse_number(t, n, &x, &tu))
                return cmp_ld(x, nd->num, nd->op);
            size_t m = n < nd->slen ? n : nd->slen;
            int c = memcmp(t, nd->str, m);
            if (!c)
                c = (n > nd->slen) - (n < nd->slen);
            return cmp_ld(c, 0, nd->op);
        }
        case CS_FT_TIME:
            return nd->is_num && cmp_ld((long double)v.v.t.ns, (long double)nd->num_ns, nd->op);
        case CS_FT_UINT:
        case CS_FT_BIGUINT:
            return nd->is_num && cmp_ld((long double)v.v.u, nd->num, nd->op);
        case CS_FT_INT:
        case CS_FT_BIGINT:
            return nd->is_num && cmp_ld((long double)v.v.i, nd->num, nd->op);
    }
    return 0;
}

static int
eval(struct cs_where *w, int id, const struct cs_record *r)
{
    const struct node *nd = &w->nodes[id];
    switch (nd->kind) {
        case N_OR:
            return eval(w, nd->a, r) || eval(w, nd->b, r);
        case N_AND:
            return eval(w, nd->a, r) && eval(w, nd->b, r);
        case N_NOT:
            return !eval(w, nd->a, r);
        case N_CMP:
            return eval_cmp(w, nd, r);
    }
    return 0;
}

int
cs_where_match(struct cs_where *w, const struct cs_record *r)
{
    if (r->frame) {
        if (!w->started) {
            w->ctx.first_ts = r->frame->ts_ns;
            w->ctx.prev_ts = r->frame->ts_ns;
            w->started = 1;
        }
    }
    int m = eval(w, w->root, r);
    if (r->frame)
        w->ctx.prev_ts = r->frame->ts_ns;
    return m;
}

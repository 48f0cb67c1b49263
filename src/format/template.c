/* template.c: compiles a --format template once into literal and field tokens.
 *
 * Syntax: <name> a field; <name:W> right-aligned in W columns; <name:-W> left-aligned; << a
 * literal '<'; \t a tab, \n a newline, \\ a backslash; anything else is literal text. A single
 * newline at the very end is dropped because every record already ends with one. Field values
 * never contain a newline, so the only line breaks inside a record are the ones the template asks
 * for.
 */
#include "cashark/format.h"

#include <stdlib.h>
#include <string.h>

#include "fmt_impl.h"

#define NAME_MAX_LEN 64   /* longer names cannot be fields */
#define WIDTH_MAX    1000 /* widest padding */
#define MAX_SUGGEST  3

/* A bounded message builder: never overflows, always NUL-terminated when cap > 0. */
struct msg {
    char *p;
    size_t cap, len;
};

static void
msg_mem(struct msg *m, const char *s, size_t n)
{
    for (size_t i = 0; i < n && m->len + 1 < m->cap; i++)
        m->p[m->len++] = s[i];
    if (m->cap)
        m->p[m->len] = '\0';
}

static void
msg_str(struct msg *m, const char *s)
{
    msg_mem(m, s, strlen(s));
}

/* User text in a message: printable ASCII as is, else \xNN. */
static void
msg_escaped(struct msg *m, const char *s, size_t n)
{
    static const char hx[17] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f) {
            msg_mem(m, s + i, 1);
        } else {
            char e[4] = {'\\', 'x', hx[c >> 4], hx[c & 0xf]};
            msg_mem(m, e, 4);
        }
    }
}

static void
msg_uint(struct msg *m, size_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof tmp - ++n] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof tmp);
    msg_mem(m, tmp + sizeof tmp - n, n);
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), for
 * strings of at most NAME_MAX_LEN bytes. */
static size_t
osa_distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t rows[3][NAME_MAX_LEN + 1];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = lower(a[i - 1]) == b[j - 1] ? 0 : 1;
            size_t best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (prev[j - 1] + cost < best)
                best = prev[j - 1] + cost;
            if (i > 1 && j > 1 && lower(a[i - 1]) == b[j - 2] && lower(a[i - 2]) == b[j - 1] &&
                pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

/* Distance from the typed name to a field, as a score 2 * edits: to the whole name, or (one
 * point worse, so whole-name matches come first) to its last dotted part ("flags" finds
 * "tcp.flags"). */
static size_t
field_score(const char *typed, size_t n, const char *name)
{
    size_t m = strlen(name);
    if (m > NAME_MAX_LEN)
        return (size_t)-1;
    size_t d = 2 * osa_distance(typed, n, name, m);
    const char *dot = strrchr(name, '.');
    if (dot) {
        size_t d2 = 2 * osa_distance(typed, n, dot + 1, strlen(dot + 1)) + 1;
        if (d2 < d)
            d = d2;
    }
    return d;
}

static void
suggest(struct msg *m, const char *typed, size_t n)
{
    const char *best[MAX_SUGGEST];
    size_t best_d[MAX_SUGGEST];
    size_t nbest = 0;
    /* edits allowed: 1 for short names, 2 up to 6 characters, 3 beyond */
    size_t limit = 2 * (n <= 3 ? 1 : n <= 6 ? 2 : 3) + 1;
    if (n <= NAME_MAX_LEN) {
        for (const struct cs_field_table *const *t = cs_field_tables(); *t; t++) {
            for (const struct cs_field *f = (*t)->fields; f->name; f++) {
                size_t d = field_score(typed, n, f->name);
                if (d > limit)
                    continue;
                int dup = 0;
                for (size_t k = 0; k < nbest; k++)
                    dup |= strcmp(best[k], f->name) == 0;
                if (dup)
                    continue;
                /* insert sorted by distance, stable for equal distances */
                size_t pos = nbest;
                while (pos > 0 && best_d[pos - 1] > d)
                    pos--;
                if (pos >= MAX_SUGGEST)
                    continue;
                size_t last = nbest < MAX_SUGGEST ? nbest : MAX_SUGGEST - 1;
                for (size_t k = last; k > pos; k--) {
                    best[k] = best[k - 1];
                    best_d[k] = best_d[k - 1];
                }
                best[pos] = f->name;
                best_d[pos] = d;
                if (nbest < MAX_SUGGEST)
                    nbest++;
            }
        }
    }
    /* keep only those within one edit of the best */
    while (nbest > 1 && best_d[nbest - 1] > best_d[0] + 2)
        nbest--;
    if (!nbest)
        return; /* nothing close: the caller points at `cashark fields` */
    msg_str(m, " (did you mean: ");
    for (size_t k = 0; k < nbest; k++) {
        if (k)
            msg_str(m, ", ");
        msg_str(m, best[k]);
    }
    msg_str(m, "?)");
}

static int
name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* Parses "name", "name:W" or "name:-W" (s..n, between the angle brackets) into tok. */
static int
parse_field(struct cs_tok *tok, char *pool, size_t *pool_len, const char *s, size_t n,
            struct msg *m)
{
    size_t colon = 0;
    while (colon < n && s[colon] != ':')
        colon++;
    size_t nlen = colon;
    int bad = nlen == 0;
    for (size_t i = 0; i < nlen; i++)
        bad |= !name_char(s[i]);
    if (bad) {
        msg_str(m, "bad field name '");
        msg_escaped(m, s, nlen);
        msg_str(m, "' in --format");
        return -1;
    }
    if (!cs_field_known(s, nlen)) {
        msg_str(m, "unknown field '");
        msg_escaped(m, s, nlen);
        msg_str(m, "' in --format");
        suggest(m, s, nlen);
        return -1;
    }
    tok->name = pool + *pool_len;
    tok->name_len = nlen;
    memcpy(pool + *pool_len, s, nlen);
    *pool_len += nlen;
    pool[(*pool_len)++] = '\0';
    if (colon == n)
        return 0;

    const char *w = s + colon + 1;
    size_t wn = n - colon - 1, i = 0;
    if (i < wn && w[i] == '-') {
        tok->left = 1;
        i++;
    }
    int width = 0;
    size_t digits = 0;
    for (; i < wn && w[i] >= '0' && w[i] <= '9' && width <= WIDTH_MAX; i++, digits++)
        width = width * 10 + (w[i] - '0');
    if (!digits || i != wn || width > WIDTH_MAX) {
        msg_str(m, "bad width '");
        msg_escaped(m, w, wn);
        msg_str(m, "' for field '");
        msg_mem(m, s, nlen);
        msg_str(m, "' in --format (use <name:W> or <name:-W>, W up to 1000)");
        return -1;
    }
    tok->width = width;
    return 0;
}

static const struct {
    char c;
    char value;
} escapes[] = {{'t', '\t'}, {'n', '\n'}, {'\\', '\\'}};

void
cs_fmt_template_free(struct cs_template *t)
{
    free(t->toks);
    free(t->pool);
    t->toks = NULL;
    t->pool = NULL;
    t->n = 0;
}

int
cs_fmt_compile(struct cs_template *t, const char *text, char *err, size_t errlen)
{
    struct msg m = {err, errlen, 0};
    if (errlen)
        err[0] = '\0';
    memset(t, 0, sizeof *t);
    size_t len = strlen(text);
    if (len == 0) {
        msg_str(&m, "empty --format template");
        return -1;
    }
    /* Names and literal bytes are subsets of the text, one NUL per name; each token consumes at
     * least one byte of text. */
    t->pool = malloc(2 * len + 1);
    t->toks = calloc(len + 1, sizeof *t->toks);
    if (!t->pool || !t->toks) {
        msg_str(&m, "out of memory compiling --format");
        cs_fmt_template_free(t);
        return -1;
    }
    size_t pool_len = 0;
    struct cs_tok *lit = NULL; /* the literal token being extended */
    size_t i = 0;
    while (i < len) {
        char c = text[i];
        if (c == '<' && text[i + 1] != '<') {
            const char *close = memchr(text + i + 1, '>', len - i - 1);
            if (!close) {
                msg_str(&m, "unterminated '<' at column ");
                msg_uint(&m, i + 1);
                msg_str(&m, " in --format (write << for a literal '<')");
                cs_fmt_template_free(t);
                return -1;
            }
            struct cs_tok *tok = &t->toks[t->n];
            size_t inner = (size_t)(close - (text + i + 1));
            if (parse_field(tok, t->pool, &pool_len, text + i + 1, inner, &m) != 0) {
                cs_fmt_template_free(t);
                return -1;
            }
            t->n++;
            lit = NULL;
            i += inner + 2;
            continue;
        }
        char out = c;
        if (c == '<') {
            i += 2; /* "<<" */
        } else if (c == '\\') {
            size_t k = 0, ne = sizeof escapes / sizeof escapes[0];
            while (k < ne && (i + 1 >= len || escapes[k].c != text[i + 1]))
                k++;
            if (k == ne) {
                msg_str(&m, "unknown escape '");
                msg_escaped(&m, text + i, i + 1 < len ? 2 : 1);
                msg_str(&m, "' in --format (use \\t, \\n, \\\\ or << for '<')");
                cs_fmt_template_free(t);
                return -1;
            }
            out = escapes[k].value;
            i += 2;
        } else {
            i++;
        }
        if (!lit) {
            lit = &t->toks[t->n++];
            lit->lit = t->pool + pool_len;
        }
        t->pool[pool_len++] = out;
        lit->lit_len++;
    }
    /* The record's own newline ends the line: drop one trailing newline. */
    if (t->n && !t->toks[t->n - 1].name && t->toks[t->n - 1].lit_len &&
        t->toks[t->n - 1].lit[t->toks[t->n - 1].lit_len - 1] == '\n') {
        if (--t->toks[t->n - 1].lit_len == 0)
            t->n--;
    }
    cs_fmt_template_bind(t);
    return 0;
}

void
cs_fmt_template_bind(struct cs_template *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct cs_tok *tok = &t->toks[i];
        if (!tok->name)
            continue;
        for (int k = 0; k < CS_REC__COUNT; k++)
            tok->by_kind[k] = cs_field_find(tok->name, tok->name_len, (enum cs_record_kind)k);
    }
}

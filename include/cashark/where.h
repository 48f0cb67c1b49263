/* where.h: --where EXPR, a filter over record fields (any kind: packets, messages, connection
 * summaries), compiled once against the field catalogue.
 *
 * Grammar: expr = or; or = and {"||" and}; and = unary {"&&" unary};
 * unary = "!" unary | "(" expr ")" | FIELD op value; op = "=" | "==" | "!=" | "<" | "<=" | ">" |
 * ">="; value = number [unit] | "string" | 'string' | bare word (addresses, a:p, [v6]:p).
 * Units: ns us ms s min h (times, in seconds), k M G (10^3...), Ki Mi Gi (2^10...).
 * A comparison with a field the record lacks is false (so "!(f = x)" is true there).
 */
#ifndef CASHARK_WHERE_H
#define CASHARK_WHERE_H

#include <stddef.h>

#include "cashark/record.h"

struct cs_where;

/* NULL on a bad expression, with a one-line message in err and the 1-based column of the
 * offending token in *col. */
struct cs_where *cs_where_compile(const char *text, char *err, size_t errlen, size_t *col);
/* 1 when r satisfies the expression. */
int cs_where_match(struct cs_where *w, const struct cs_record *r);
void cs_where_free(struct cs_where *w);

#endif

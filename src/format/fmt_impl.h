/* fmt_impl.h: helpers shared by the files of src/format (not part of the public API). */
#ifndef CASHARK_FORMAT_FMT_IMPL_H
#define CASHARK_FORMAT_FMT_IMPL_H

#include <stdint.h>

#include "cashark/format.h"

struct cs_tok {
    const char *name; /* NULL: literal text */
    size_t name_len;
    const char *lit; /* literal text (points into the compiled template's pool) */
    size_t lit_len;
    int width;                                     /* padding width, 0 for none */
    int left;                                      /* pad on the right (left-aligned) */
    const struct cs_field *by_kind[CS_REC__COUNT]; /* the field per record kind, NULL: absent */
};

struct cs_template {
    struct cs_tok *toks;
    size_t n;
    char *pool; /* literal bytes and field names */
};

/* Compiles text into t. Returns 0, or -1 with a one-line message in err. */
int cs_fmt_compile(struct cs_template *t, const char *text, char *err, size_t errlen);
void cs_fmt_template_free(struct cs_template *t);
/* Resolves each field token for every record kind. */
void cs_fmt_template_bind(struct cs_template *t);

/* "ip", "ip6", "tcp", ... for the [|layer] marker; NULL for CS_LAYER_NONE. */
const char *cs_fmt_layer_name(enum cs_layer l);
/* The packet's `proto` value ("tcp", "ip-proto-47", "linktype-147", ...); 0 when there is none. */
int cs_fmt_proto(struct cs_out *o, const struct cs_packet *p);
/* Anomaly names separated by commas. */
void cs_fmt_anomalies(struct cs_out *o, uint64_t mask);
/* "a:1->b:2", "[a6]:1->[b6]:2" (IPv6 in brackets when there are ports), "a->b" without ports. */
void cs_fmt_endpoints(struct cs_out *o, const struct cs_addr *src, unsigned sport,
                      const struct cs_addr *dst, unsigned dport, int ports);
/* Whether the packet carries transport ports (TCP or UDP header decoded). */
int cs_fmt_has_ports(const struct cs_packet *p);
/* The dotted name of a cs_l2 kind ("ETH", "SLL", ...). */
const char *cs_fmt_l2_name(enum cs_l2_kind k);

#endif

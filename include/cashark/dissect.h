/* dissect.h: application dissectors (Channel Access, MPTCP, ...) turning packets and reassembled
 * TCP streams into records.
 *
 * Each dissector is one row of the static registry in src/dissect/registry.c. The pipeline calls
 * cs_dissect_begin_packet() before flow tracking (so stream callbacks, which run inside
 * cs_flowtab_track(), see the packet being handled) and cs_dissect_packet() after it. Dissectors
 * never print: they hand records to the run's sink through cs_dissect_emit(); the print
 * subcommand formats them, the stats subcommands aggregate them.
 */
#ifndef CASHARK_DISSECT_H
#define CASHARK_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/decode.h"
#include "cashark/flow.h"
#include "cashark/frame.h"
#include "cashark/record.h"

struct cs_dissect_opts {
    const uint16_t *ca_ports; /* extra CA server ports (--ca-port) */
    size_t n_ca_ports;
    unsigned ca_max_elements; /* array elements shown before summarising (--ca-max-elements) */
    int verbose;              /* -v: optional checks (MPTCP HMACs, DSS checksums) */
};

typedef void (*cs_emit_fn)(void *ctx, const struct cs_record *r);

/* What a dissector sees: run-wide services and the packet being handled. */
struct cs_dissect_env {
    struct cs_flowtab *flows;
    const struct cs_dissect_opts *opts;
    /* The packet being handled; all three are NULL while the run ends (cs_dissect_finish and the
     * flow flush after it): records made then carry a frame of their own (the dissector keeps
     * the time and ordinal it needs, e.g. the flow's last_ts and last_ordinal). */
    const struct cs_frame *frame;
    const struct cs_packet *pkt;
    const struct cs_flow_view *fv;
    cs_emit_fn emit;
    void *emit_ctx;
    uint64_t emitted; /* records emitted over the run */
};

struct cs_dissector_ops {
    const char *name;
    void *(*create)(struct cs_dissect_env *env);             /* NULL on failure */
    void (*packet)(void *state, struct cs_dissect_env *env); /* after tracking */
    void (*finish)(void *state, struct cs_dissect_env *env); /* end of input, before the flush */
    void (*destroy)(void *state);
};

/* The registry: a NULL-terminated list. */
const struct cs_dissector_ops *const *cs_dissectors(void);

struct cs_dissect;

struct cs_dissect *cs_dissect_new(struct cs_flowtab *flows, const struct cs_dissect_opts *opts,
                                  cs_emit_fn emit, void *emit_ctx);
void cs_dissect_begin_packet(struct cs_dissect *d, const struct cs_frame *f,
                             const struct cs_packet *p, const struct cs_flow_view *fv);
void cs_dissect_packet(struct cs_dissect *d);
/* End of input: every dissector's finish, then the environment's packet is cleared so the flow
 * flush that follows runs with frame == NULL. */
void cs_dissect_finish(struct cs_dissect *d);
void cs_dissect_free(struct cs_dissect *d);

/* For dissectors: hands one record to the sink. */
void cs_dissect_emit(struct cs_dissect_env *env, const struct cs_record *r);

#endif

/* registry.c: the table of application dissectors and the calls that run them per packet. */
#include "cashark/dissect.h"

#include "cashark/ca.h"
#include "cashark/mptcp.h"

#include <stdlib.h>

/* One row per dissector, in the order they see each packet. */
static const struct cs_dissector_ops *const registry[] = {
    &cs_ca_dissector,
    &cs_mptcp_dissector,
    NULL,
};

struct cs_dissect {
    struct cs_dissect_env env;
    size_t n;
    void **state; /* one per registry row */
};

const struct cs_dissector_ops *const *
cs_dissectors(void)
{
    return registry;
}

struct cs_dissect *
cs_dissect_new(struct cs_flowtab *flows, const struct cs_dissect_opts *opts, cs_emit_fn emit,
               void *emit_ctx)
{
    struct cs_dissect *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->env.flows = flows;
    d->env.opts = opts;
    d->env.emit = emit;
    d->env.emit_ctx = emit_ctx;
    while (registry[d->n])
        d->n++;
    d->state = calloc(d->n ? d->n : 1, sizeof *d->state);
    if (!d->state) {
        free(d);
        return NULL;
    }
    for (size_t i = 0; i < d->n; i++) {
        d->state[i] = registry[i]->create(&d->env);
        if (!d->state[i]) {
            cs_dissect_free(d);
            return NULL;
        }
    }
    return d;
}

void
cs_dissect_begin_packet(struct cs_dissect *d, const struct cs_frame *f, const struct cs_packet *p,
                        const struct cs_flow_view *fv)
{
    d->env.frame = f;
    d->env.pkt = p;
    d->env.fv = fv;
}

void
cs_dissect_packet(struct cs_dissect *d)
{
    for (size_t i = 0; i < d->n; i++)
        registry[i]->packet(d->state[i], &d->env);
}

void
cs_dissect_finish(struct cs_dissect *d)
{
    d->env.frame = NULL;
    d->env.pkt = NULL;
    d->env.fv = NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (registry[i]->finish)
            registry[i]->finish(d->state[i], &d->env);
    }
}

void
cs_dissect_free(struct cs_dissect *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        if (d->state[i])
            registry[i]->destroy(d->state[i]);
    }
    free(d->state);
    free(d);
}

void
cs_dissect_emit(struct cs_dissect_env *env, const struct cs_record *r)
{
    env->emitted++;
    if (env->emit)
        env->emit(env->emit_ctx, r);
}

/* pipeline.h: inputs -> BPF -> decode -> flow tracking -> -w -> a per-packet consumer.
 *
 * Every subcommand (print, and later stats and follow) runs the same pipeline and differs only
 * in its consumer, so filters, -c, -w, damaged-input handling, signals and the -v summary behave
 * the same everywhere. */
#ifndef CASHARK_CLI_PIPELINE_H
#define CASHARK_CLI_PIPELINE_H

#include <stdint.h>

#include "cli.h"

#include "cashark/bpf.h"
#include "cashark/decode.h"
#include "cashark/dissect.h"
#include "cashark/dumper.h"
#include "cashark/flow.h"
#include "cashark/format.h"
#include "cashark/frame.h"
#include "cashark/reader.h"

struct cs_counters {
    uint64_t packets;   /* frames read (before the filter) */
    uint64_t filtered;  /* frames the BPF filter rejected */
    uint64_t records;   /* records printed (or counted with --count) */
    uint64_t truncated; /* packets cut by the snapshot length */
    uint64_t malformed; /* packets with a malformed header */
    uint64_t unknown_link;
    uint64_t written; /* frames written with -w */
};

/* Called for every packet that passed the filter, after flow tracking. Returns 1 to stop the
 * run (output closed), 0 to go on. */
typedef int (*cs_packet_fn)(void *ctx, const struct cs_frame *f, const struct cs_packet *p,
                            const struct cs_flow_view *fv);

struct cs_pipeline {
    const struct cs_cli *cli;
    struct cs_out *out; /* switched to flush-each for streams */
    struct cs_flowtab *flows;
    struct cs_bpf *bpf;
    struct cs_dumper *dumper;
    cs_packet_fn on_packet;
    void *ctx;
    struct cs_dissect *dissect; /* application dissectors, or NULL (set by the consumer) */
    struct cs_reader *rd;       /* the file being read (for per-interface snap lengths) */
    uint32_t live_snaplen;
    uint64_t ordinal;
    struct cs_counters n;
    uint32_t warned_links[16]; /* unknown link types already warned about */
    size_t n_warned_links;
    uint32_t bpf_warned_links[16];
    size_t n_bpf_warned;
    int exit_code;
};

/* Sets up flows, the BPF filter and the -w dumper; the application dissectors are started
 * with cs_pipeline_dissect().  Returns 0, or an exit code after printing
 * one error line. */
int cs_pipeline_init(struct cs_pipeline *pl, const struct cs_cli *cli, struct cs_out *out,
                     cs_packet_fn on_packet, void *ctx);
/* Reads every input (or the live interface) to its end, or until the consumer, -c or a signal
 * stops it. Then evicts the remaining flows (CS_EVICT_END callbacks run here). */
void cs_pipeline_run(struct cs_pipeline *pl);
/* Starts the application dissectors (CA, MPTCP), their records going to emit. Returns 0, or an
 * exit code after printing one error line. */
int cs_pipeline_dissect(struct cs_pipeline *pl, const struct cs_dissect_opts *opts, cs_emit_fn emit,
                        void *emit_ctx);
/* Closes -w, prints the -v summary lines; returns the exit code of the run. */
int cs_pipeline_finish(struct cs_pipeline *pl);
void cs_pipeline_free(struct cs_pipeline *pl);

#endif

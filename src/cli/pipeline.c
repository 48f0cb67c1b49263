/* pipeline.c: inputs -> BPF -> decode -> flows -> -w -> consumer, shared by every subcommand. */
#include "pipeline.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cashark/live.h"
#include "cashark/status.h"

/* The only process-wide state: what a signal handler may touch. */
static volatile sig_atomic_t stop_requested;
static struct cs_live *volatile live_for_signal;

static void
on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (live_for_signal)
        cs_live_break(live_for_signal);
}

static int
seen_before(uint32_t *list, size_t *n, size_t cap, uint32_t v)
{
    for (size_t i = 0; i < *n; i++) {
        if (list[i] == v)
            return 1;
    }
    if (*n < cap)
        list[(*n)++] = v;
    return 0;
}

/* One frame through the pipeline. Returns 0 to go on, 1 to stop (-c reached, output closed). */
static int
handle_frame(struct cs_pipeline *r, struct cs_frame *f, const char *name)
{
    f->ordinal = ++r->ordinal;
    r->n.packets++;
    if (r->bpf) {
        int m = cs_bpf_match(r->bpf, f);
        if (m == CS_BPF_UNSUPPORTED && r->rd && cs_reader_format(r->rd) == CS_CAPFMT_PCAP) {
            /* One link type for the whole file: the filter can select nothing in it (tcpdump
             * refuses it too). In a pcapng file other interfaces may still match. */
            const char *why = cs_bpf_link_error(r->bpf, f->linktype);
            fprintf(stderr, "cashark: %s: invalid filter for link type %u%s%s\n", name, f->linktype,
                    why && *why ? ": " : "", why ? why : "");
            r->exit_code = CS_EXIT_USAGE;
            return 1;
        }
        if (m == CS_BPF_UNSUPPORTED) {
            if (!seen_before(r->bpf_warned_links, &r->n_bpf_warned, 16, f->linktype))
                fprintf(stderr,
                        "cashark: %s: the filter cannot apply to link type %u; its packets "
                        "are filtered out\n",
                        name, f->linktype);
            m = 0;
        }
        if (!m) {
            r->n.filtered++;
            return 0;
        }
    }

    struct cs_packet pkt;
    cs_decode_frame(f, &pkt);
    if (pkt.l2.kind == CS_L2_UNKNOWN) {
        r->n.unknown_link++;
        if (!seen_before(r->warned_links, &r->n_warned_links, 16, f->linktype))
            fprintf(stderr, "cashark: %s: link type %u is not decoded; its packets are shown raw\n",
                    name, f->linktype);
    }
    if (pkt.trunc_layer != CS_LAYER_NONE)
        r->n.truncated++;
    if (pkt.status == CS_MALFORMED)
        r->n.malformed++;

    struct cs_flow_view fv;
    if (r->dissect)
        cs_dissect_begin_packet(r->dissect, f, &pkt, &fv);
    cs_flowtab_track(r->flows, &pkt, &fv);
    if (r->dissect)
        cs_dissect_packet(r->dissect);

    if (r->dumper) {
        uint32_t snap = r->live_snaplen;
        const struct cs_iface *ifc = r->rd ? cs_reader_iface(r->rd, f->iface) : NULL;
        if (ifc)
            snap = ifc->snaplen;
        if (cs_dumper_write_snap(r->dumper, f, snap) != 0) {
            fprintf(stderr, "cashark: %s: %s\n", r->cli->write_path, cs_dumper_error(r->dumper));
            r->exit_code = CS_EXIT_INPUT;
            return 1;
        }
        r->n.written++;
    }
    if (r->on_packet && r->on_packet(r->ctx, f, &pkt, &fv))
        return 1;
    if (r->cli->max_packets && r->n.packets - r->n.filtered >= r->cli->max_packets)
        return 1;
    return stop_requested != 0;
}

/* Reads one capture file (or stdin) to its end. Returns 1 when the run must stop. */
static int
run_file(struct cs_pipeline *r, const char *path)
{
    char err[256];
    const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
    struct cs_reader *rd = cs_reader_open_path(path, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "cashark: %s: %s\n", name, err);
        r->exit_code = CS_EXIT_INPUT;
        return 0;
    }
    if (cs_reader_is_stream(rd) || r->cli->line_buffered)
        cs_out_set_flush_each(r->out, 1);
    r->rd = rd;
    cs_reader_set_interrupt(rd, &stop_requested);
    struct cs_frame f;
    int stop = 0, rc;
    while ((rc = cs_reader_next(rd, &f)) == 1) {
        if (handle_frame(r, &f, name)) {
            stop = 1;
            break;
        }
    }
    if (rc < 0 && !stop_requested) {
        cs_out_flush(r->out);
        fprintf(stderr, "cashark: %s: %s\n", name, cs_reader_error(rd));
        r->exit_code = CS_EXIT_INPUT;
    }
    r->rd = NULL;
    cs_reader_close(rd);
    return stop || stop_requested;
}

static int
run_live(struct cs_pipeline *r)
{
    char err[512];
    struct cs_live *lv =
        cs_live_open(r->cli->iface, r->cli->snaplen, r->cli->filter, err, sizeof err);
    if (!lv) {
        fprintf(stderr, "cashark: %s: %s\n", r->cli->iface, err);
        r->exit_code = CS_EXIT_INPUT;
        return 0;
    }
    live_for_signal = lv;
    r->live_snaplen = cs_live_snaplen(lv);
    cs_out_set_flush_each(r->out, 1);
    struct cs_frame f;
    int rc;
    while (!stop_requested && (rc = cs_live_next(lv, &f)) >= 0) {
        if (rc == 1 && handle_frame(r, &f, r->cli->iface))
            break;
    }
    if (!stop_requested && rc == -1) {
        fprintf(stderr, "cashark: %s: %s\n", r->cli->iface, cs_live_error(lv));
        r->exit_code = CS_EXIT_INPUT;
    }
    live_for_signal = NULL;
    uint64_t recv = 0, drop = 0, ifdrop = 0;
    if (cs_live_stats(lv, &recv, &drop, &ifdrop) == 0)
        fprintf(stderr,
                "cashark: %llu packets received by filter, %llu dropped by kernel, %llu dropped "
                "by interface\n",
                (unsigned long long)recv, (unsigned long long)drop, (unsigned long long)ifdrop);
    cs_live_close(lv);
    return 0;
}

static void
print_summary(const struct cs_pipeline *r)
{
    const struct cs_counters *n = &r->n;
    fprintf(stderr,
            "cashark: %llu packets, %llu records, %llu truncated, %llu malformed, %llu unknown "
            "link type, %llu filtered\n",
            (unsigned long long)n->packets, (unsigned long long)n->records,
            (unsigned long long)n->truncated, (unsigned long long)n->malformed,
            (unsigned long long)n->unknown_link, (unsigned long long)n->filtered);
}

static void
print_flow_summary(const struct cs_pipeline *r)
{
    struct cs_flowtab_stats s;
    cs_flowtab_get_stats(r->flows, &s);
    fprintf(stderr,
            "cashark: flows: %llu tracked (%llu TCP connections), %llu evicted (closed %llu, "
            "idle %llu, pressure %llu); reassembly peak %llu bytes, %llu bytes lost\n",
            (unsigned long long)s.flows, (unsigned long long)s.tcp_conns,
            (unsigned long long)(s.evicted_closed + s.evicted_idle + s.evicted_pressure),
            (unsigned long long)s.evicted_closed, (unsigned long long)s.evicted_idle,
            (unsigned long long)s.evicted_pressure, (unsigned long long)s.reasm_peak,
            (unsigned long long)s.reasm_lost);
}

static int
open_dumper(struct cs_pipeline *r)
{
    char err[256];
    /* pcapng when the input may hold several link types: a pcapng input or several inputs. */
    enum cs_capfmt fmt = CS_CAPFMT_PCAP;
    if (r->cli->n_inputs > 1)
        fmt = CS_CAPFMT_PCAPNG;
    else if (r->cli->n_inputs == 1) {
        struct cs_reader *probe = NULL;
        const char *p = r->cli->inputs[0];
        if (strcmp(p, "-") != 0 && (probe = cs_reader_open_path(p, err, sizeof err)) != NULL) {
            fmt = cs_reader_format(probe);
            cs_reader_close(probe);
        }
    }
    r->dumper = cs_dumper_open(r->cli->write_path, fmt, (uint32_t)r->cli->snaplen, err, sizeof err);
    if (!r->dumper) {
        fprintf(stderr, "cashark: cannot write %s: %s\n", r->cli->write_path, err);
        return 0;
    }
    return 1;
}

int
cs_pipeline_init(struct cs_pipeline *pl, const struct cs_cli *cli, struct cs_out *out,
                 cs_packet_fn on_packet, void *ctx)
{
    memset(pl, 0, sizeof *pl);
    pl->cli = cli;
    pl->out = out;
    pl->on_packet = on_packet;
    pl->ctx = ctx;
    char err[512];
    if (cli->filter) {
        /* Checked here for live capture too (where the kernel then applies it), so a bad
         * expression is the same usage error everywhere. */
        pl->bpf = cs_bpf_new(cli->filter, err, sizeof err);
        if (!pl->bpf) {
            fprintf(stderr, "cashark: invalid filter: %s\n", err);
            return CS_EXIT_USAGE;
        }
        if (cli->iface) {
            cs_bpf_free(pl->bpf);
            pl->bpf = NULL;
        }
    }
    pl->flows = cs_flowtab_new(&cli->flows);
    if (!pl->flows) {
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    if (cli->write_path && !open_dumper(pl))
        return CS_EXIT_INPUT;
    return 0;
}

void
cs_pipeline_run(struct cs_pipeline *pl)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (pl->cli->iface) {
        run_live(pl);
    } else {
        for (size_t i = 0; i < pl->cli->n_inputs; i++) {
            if (run_file(pl, pl->cli->inputs[i]))
                break;
        }
    }
    if (pl->dissect)
        cs_dissect_finish(pl->dissect);
    cs_flowtab_flush(pl->flows);
}

int
cs_pipeline_finish(struct cs_pipeline *pl)
{
    if (pl->dumper) {
        if (cs_dumper_flush(pl->dumper) != 0) {
            fprintf(stderr, "cashark: %s: %s\n", pl->cli->write_path, cs_dumper_error(pl->dumper));
            pl->exit_code = CS_EXIT_INPUT;
        }
        cs_dumper_close(pl->dumper);
        pl->dumper = NULL;
    }
    if (pl->cli->verbose || pl->n.malformed || pl->n.unknown_link)
        print_summary(pl);
    if (pl->cli->verbose && pl->flows)
        print_flow_summary(pl);
    return pl->exit_code;
}

int
cs_pipeline_dissect(struct cs_pipeline *pl, const struct cs_dissect_opts *opts, cs_emit_fn emit,
                    void *emit_ctx)
{
    pl->dissect = cs_dissect_new(pl->flows, opts, emit, emit_ctx);
    if (!pl->dissect) {
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    return 0;
}

void
cs_pipeline_free(struct cs_pipeline *pl)
{
    if (pl->dumper)
        cs_dumper_close(pl->dumper);
    /* Flows first: their final evictions may still call into the dissectors. */
    cs_flowtab_free(pl->flows);
    cs_dissect_free(pl->dissect);
    cs_bpf_free(pl->bpf);
    memset(pl, 0, sizeof *pl);
}

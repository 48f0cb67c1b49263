/* main.c: the cashark command: sources -> decode -> flows -> records -> formatter. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#include "cashark/bpf.h"
#include "cashark/decode.h"
#include "cashark/dumper.h"
#include "cashark/flow.h"
#include "cashark/format.h"
#include "cashark/live.h"
#include "cashark/reader.h"
#include "cashark/record.h"
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

struct counters {
    uint64_t packets;   /* frames read (before the filter) */
    uint64_t filtered;  /* frames the BPF filter rejected */
    uint64_t records;   /* records printed (or counted with --count) */
    uint64_t truncated; /* packets cut by the snapshot length */
    uint64_t malformed; /* packets with a malformed header */
    uint64_t unknown_link;
    uint64_t written; /* frames written with -w */
};

struct run {
    const struct cs_cli *cli;
    struct cs_out *out;
    struct cs_formatter *fmt;
    struct cs_flowtab *flows;
    struct cs_bpf *bpf;
    struct cs_dumper *dumper;
    struct cs_reader *rd; /* the file being read (for per-interface snap lengths) */
    uint32_t live_snaplen;
    int printing;
    uint64_t ordinal;
    struct counters n;
    uint32_t warned_links[16]; /* unknown link types already warned about */
    size_t n_warned_links;
    uint32_t bpf_warned_links[16];
    size_t n_bpf_warned;
    int exit_code;
};

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

static unsigned
show_class(const struct cs_packet *p)
{
    if (p->l4 == CS_L4_TCP)
        return CS_SHOW_TCP;
    if (p->l4 == CS_L4_UDP)
        return CS_SHOW_UDP;
    return CS_SHOW_OTHER;
}

/* One frame through the pipeline. Returns 0 to go on, 1 to stop (-c reached, output closed). */
static int
handle_frame(struct run *r, struct cs_frame *f, const char *name)
{
    f->ordinal = ++r->ordinal;
    r->n.packets++;
    if (r->bpf) {
        int m = cs_bpf_match(r->bpf, f);
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
    cs_flowtab_track(r->flows, &pkt, &fv);

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
    if (r->printing && (r->cli->show & show_class(&pkt))) {
        struct cs_record rec = {CS_REC_PACKET, f, &pkt, &fv, NULL};
        r->n.records++;
        if (r->fmt)
            cs_fmt_record(r->fmt, &rec);
        if (cs_out_failed(r->out))
            return 1;
    }
    if (r->cli->max_packets && r->n.packets - r->n.filtered >= r->cli->max_packets)
        return 1;
    return stop_requested != 0;
}

/* Reads one capture file (or stdin) to its end. Returns 1 when the run must stop. */
static int
run_file(struct run *r, const char *path)
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
run_live(struct run *r)
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
print_iface(void *ctx, const char *name, const char *desc)
{
    struct cs_out *o = ctx;
    cs_out_str(o, name);
    if (desc && *desc) {
        cs_out_str(o, " (");
        cs_out_escaped(o, desc, strlen(desc));
        cs_out_char(o, ')');
    }
    cs_out_end_record(o);
}

static void
print_summary(const struct run *r)
{
    const struct counters *n = &r->n;
    fprintf(stderr,
            "cashark: %llu packets, %llu records, %llu truncated, %llu malformed, %llu unknown "
            "link type, %llu filtered\n",
            (unsigned long long)n->packets, (unsigned long long)n->records,
            (unsigned long long)n->truncated, (unsigned long long)n->malformed,
            (unsigned long long)n->unknown_link, (unsigned long long)n->filtered);
}

static void
print_flow_summary(const struct run *r)
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
output_is_file(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int
open_dumper(struct run *r)
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
        fprintf(stderr, "cashark: %s: %s\n", r->cli->write_path, err);
        return 0;
    }
    return 1;
}

int
main(int argc, char **argv)
{
    struct cs_cli cli;
    int rc = cs_cli_parse(&cli, argc, argv);
    if (rc != 0) {
        cs_cli_free(&cli);
        return rc < 0 ? CS_EXIT_OK : rc;
    }

    struct run r;
    memset(&r, 0, sizeof r);
    r.cli = &cli;
    int to_file = output_is_file(STDOUT_FILENO);
    r.out = cs_out_new(STDOUT_FILENO, to_file ? (size_t)1 << 20 : (size_t)1 << 16, 0);
    if (!r.out) {
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }

    if (cli.subcmd_fields) {
        cs_fields_print(r.out);
        cs_out_flush(r.out);
        cs_out_free(r.out);
        cs_cli_free(&cli);
        return CS_EXIT_OK;
    }
    if (cli.list_ifaces) {
        char err[256];
        int ok = cs_live_list(print_iface, r.out, err, sizeof err) == 0;
        cs_out_flush(r.out);
        cs_out_free(r.out);
        cs_cli_free(&cli);
        if (!ok) {
            fprintf(stderr, "cashark: %s\n", err);
            return CS_EXIT_INPUT;
        }
        return CS_EXIT_OK;
    }

    char err[512];
    r.printing = !cli.write_path || cli.print;
    if (r.printing && !cli.count_only) {
        r.fmt = cs_fmt_new(&cli.fmt, r.out, err, sizeof err);
        if (!r.fmt) {
            fprintf(stderr, "cashark: %s\nTry 'cashark fields' for the list of fields.\n", err);
            cs_out_free(r.out);
            cs_cli_free(&cli);
            return CS_EXIT_USAGE;
        }
    }
    if (cli.filter && !cli.iface) {
        r.bpf = cs_bpf_new(cli.filter, err, sizeof err);
        if (!r.bpf) {
            fprintf(stderr, "cashark: invalid filter: %s\n", err);
            cs_fmt_free(r.fmt);
            cs_out_free(r.out);
            cs_cli_free(&cli);
            return CS_EXIT_USAGE;
        }
    }
    if (!cli.iface && cli.n_inputs == 0) {
        if (isatty(STDIN_FILENO)) {
            fputs("cashark: no input: give a capture file, pipe one on stdin, or use -i IFACE\n"
                  "Try 'cashark --help' for more information.\n",
                  stderr);
            cs_bpf_free(r.bpf);
            cs_fmt_free(r.fmt);
            cs_out_free(r.out);
            cs_cli_free(&cli);
            return CS_EXIT_USAGE;
        }
        if (!cs_cli_add_input(&cli, "-"))
            return CS_EXIT_INPUT;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    r.flows = cs_flowtab_new(&cli.flows);
    if (!r.flows) {
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    if (cli.write_path && !open_dumper(&r)) {
        r.exit_code = CS_EXIT_INPUT;
        goto done;
    }
    if (r.fmt)
        cs_fmt_begin(r.fmt);

    if (cli.iface) {
        run_live(&r);
    } else {
        for (size_t i = 0; i < cli.n_inputs; i++) {
            if (run_file(&r, cli.inputs[i]))
                break;
        }
    }
    cs_flowtab_flush(r.flows);
    if (cli.count_only && !cs_out_failed(r.out)) {
        cs_out_u64(r.out, r.n.packets - r.n.filtered);
        cs_out_str(r.out, " packets, ");
        cs_out_u64(r.out, r.n.records);
        cs_out_str(r.out, " records");
        cs_out_end_record(r.out);
    }

done:
    cs_out_flush(r.out);
    if (r.dumper) {
        if (cs_dumper_flush(r.dumper) != 0) {
            fprintf(stderr, "cashark: %s: %s\n", cli.write_path, cs_dumper_error(r.dumper));
            r.exit_code = CS_EXIT_INPUT;
        }
        cs_dumper_close(r.dumper);
    }
    if (cli.verbose || r.n.malformed || r.n.unknown_link)
        print_summary(&r);
    if (cli.verbose)
        print_flow_summary(&r);
    cs_flowtab_free(r.flows);
    cs_bpf_free(r.bpf);
    cs_fmt_free(r.fmt);
    cs_out_free(r.out);
    cs_cli_free(&cli);
    return r.exit_code;
}

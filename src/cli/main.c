/* main.c: the cashark command: subcommand dispatch and the default one, printing records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "pipeline.h"

#include "cashark/format.h"
#include "cashark/live.h"
#include "cashark/record.h"
#include "cashark/status.h"
#include "cashark/where.h"

struct printer {
    const struct cs_cli *cli;
    struct cs_pipeline *pl;
    struct cs_formatter *fmt; /* NULL with --count */
    struct cs_where *where;   /* --where, or NULL */
    struct cs_out *out;
    uint64_t printed;      /* records printed so far */
    uint64_t printed_seen; /* printed when the last packet was handled */
};

static unsigned
show_class(const struct cs_packet *p)
{
    if (p->l4 == CS_L4_TCP)
        return CS_SHOW_TCP;
    if (p->l4 == CS_L4_UDP)
        return CS_SHOW_UDP;
    return CS_SHOW_OTHER;
}

static void
print_one(struct printer *pr, const struct cs_record *r)
{
    if (pr->where && !cs_where_match(pr->where, r))
        return;
    pr->printed++;
    pr->pl->n.records++;
    if (pr->fmt)
        cs_fmt_record(pr->fmt, r);
}

/* Records from the application dissectors (CA messages, MPTCP options). */
static void
print_record(void *ctx, const struct cs_record *r)
{
    struct printer *pr = ctx;
    unsigned want = r->kind == CS_REC_CA      ? CS_SHOW_CA
                    : r->kind == CS_REC_MPTCP ? CS_SHOW_MPTCP
                                              : CS_SHOW_ALL;
    if (r->flags & CS_RECF_DATA_ONLY)
        want = CS_SHOW_MPTCP_DSS;
    if (pr->cli->show & want)
        print_one(pr, r);
}

/* Every packet that completed no printed record keeps its one-line summary, so each packet of
 * the capture appears at least once. */
static int
print_packet(void *ctx, const struct cs_frame *f, const struct cs_packet *p,
             const struct cs_flow_view *fv)
{
    struct printer *pr = ctx;
    int had_records = pr->printed != pr->printed_seen;
    if (!had_records && (pr->cli->show & show_class(p))) {
        struct cs_record rec = {CS_REC_PACKET, f, p, fv, NULL, 0};
        print_one(pr, &rec);
    }
    pr->printed_seen = pr->printed;
    return cs_out_failed(pr->out);
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

static int
output_is_file(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int
list_interfaces(struct cs_out *out)
{
    char err[256];
    int ok = cs_live_list(print_iface, out, err, sizeof err) == 0;
    cs_out_flush(out);
    if (!ok) {
        fprintf(stderr, "cashark: %s\n", err);
        return CS_EXIT_INPUT;
    }
    return CS_EXIT_OK;
}

/* --count's one result, in the chosen format: "N packets, M records", or a JSON object, or a
 * CSV/TSV header and row. */
static void
print_count(struct cs_out *out, enum cs_outfmt fmt, uint64_t packets, uint64_t records)
{
    switch (fmt) {
        case CS_OUTFMT_JSON:
            cs_out_str(out, "{\"packets\":");
            cs_out_u64(out, packets);
            cs_out_str(out, ",\"records\":");
            cs_out_u64(out, records);
            cs_out_char(out, '}');
            break;
        case CS_OUTFMT_CSV:
        case CS_OUTFMT_TSV: {
            char sep = fmt == CS_OUTFMT_CSV ? ',' : '\t';
            cs_out_str(out, "packets");
            cs_out_char(out, sep);
            cs_out_str(out, "records");
            cs_out_end_record(out);
            cs_out_u64(out, packets);
            cs_out_char(out, sep);
            cs_out_u64(out, records);
            break;
        }
        case CS_OUTFMT_TEXT:
            cs_out_u64(out, packets);
            cs_out_str(out, " packets, ");
            cs_out_u64(out, records);
            cs_out_str(out, " records");
            break;
    }
    cs_out_end_record(out);
}

/* The default subcommand: one record per packet (or message) in the chosen format. */
static int
cmd_print(struct cs_cli *cli, struct cs_out *out)
{
    struct printer pr = {cli, NULL, NULL, NULL, out, 0, 0};
    char err[512];
    int printing = !cli->write_path || cli->print;
    if (cli->where) {
        size_t col = 0;
        pr.where = cs_where_compile(cli->where, err, sizeof err, &col);
        if (!pr.where) {
            fprintf(stderr, "cashark: --where: %s (column %zu)\n  %s\n  %*s^\n", err, col,
                    cli->where, (int)(col ? col - 1 : 0), "");
            return CS_EXIT_USAGE;
        }
    }
    if (printing && !cli->count_only) {
        pr.fmt = cs_fmt_new(&cli->fmt, out, err, sizeof err);
        if (!pr.fmt) {
            fprintf(stderr, "cashark: %s\nTry 'cashark fields' for the list of fields.\n", err);
            cs_where_free(pr.where);
            return CS_EXIT_USAGE;
        }
    }
    struct cs_pipeline pl;
    int rc = cs_pipeline_init(&pl, cli, out, printing ? print_packet : NULL, &pr);
    pr.pl = &pl;
    struct cs_dissect_opts dopts = {cli->ca_ports, cli->n_ca_ports, cli->ca_max_elements,
                                    cli->verbose};
    if (rc == 0)
        rc = cs_pipeline_dissect(&pl, &dopts, printing ? print_record : NULL, &pr);
    if (rc == 0) {
        if (pr.fmt)
            cs_fmt_begin(pr.fmt);
        cs_pipeline_run(&pl);
        if (cli->count_only && !cs_out_failed(out))
            print_count(out, cli->fmt.outfmt, pl.n.packets - pl.n.filtered, pl.n.records);
        cs_out_flush(out);
        rc = cs_pipeline_finish(&pl);
    }
    cs_pipeline_free(&pl);
    cs_fmt_free(pr.fmt);
    cs_where_free(pr.where);
    return rc;
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
    int to_file = output_is_file(STDOUT_FILENO);
    struct cs_out *out = cs_out_new(STDOUT_FILENO, to_file ? (size_t)1 << 20 : (size_t)1 << 16, 0);
    if (!out) {
        fputs("cashark: out of memory\n", stderr);
        cs_cli_free(&cli);
        return CS_EXIT_INPUT;
    }
    if (cli.subcmd_fields) {
        cs_fields_print(out);
        cs_out_flush(out);
        rc = CS_EXIT_OK;
    } else if (cli.list_ifaces) {
        rc = list_interfaces(out);
    } else if (!cli.iface && cli.n_inputs == 0 && isatty(STDIN_FILENO)) {
        fputs("cashark: no input: give a capture file, pipe one on stdin, or use -i IFACE\n"
              "Try 'cashark --help' for more information.\n",
              stderr);
        rc = CS_EXIT_USAGE;
    } else {
        if (!cli.iface && cli.n_inputs == 0 && !cs_cli_add_input(&cli, "-"))
            rc = CS_EXIT_INPUT;
        else if (cli.subcmd == CS_CMD_STATS)
            rc = cs_cmd_stats(&cli, out);
        else if (cli.subcmd == CS_CMD_FOLLOW)
            rc = cs_cmd_follow(&cli, out);
        else
            rc = cmd_print(&cli, out);
    }
    cs_out_free(out);
    cs_cli_free(&cli);
    return rc;
}

/* cli.h: the command line, parsed into one struct the runner reads. */
#ifndef CASHARK_CLI_H
#define CASHARK_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/flow.h"
#include "cashark/format.h"

enum cs_show {
    CS_SHOW_TCP = 1u << 0,
    CS_SHOW_UDP = 1u << 1,
    CS_SHOW_OTHER = 1u << 2,
    CS_SHOW_ALL = CS_SHOW_TCP | CS_SHOW_UDP | CS_SHOW_OTHER,
};

struct cs_cli {
    const char **inputs; /* files to read, in order ("-" is stdin) */
    size_t n_inputs;
    const char *write_path; /* -w */
    int print;              /* --print: print as well as -w */
    const char *iface;      /* -i */
    int list_ifaces;        /* -D */
    int snaplen;            /* -s */
    const char *filter;     /* -f */
    uint64_t max_packets;   /* -c (0: no limit) */
    int count_only;         /* --count */
    unsigned show;          /* --show */
    int line_buffered;      /* -l */
    int verbose;            /* -v */
    int subcmd_fields;      /* `cashark fields` */
    struct cs_fmt_config fmt;
    struct cs_flowtab_config flows;
};

/* Parses argv; returns -1 to exit with CS_EXIT_OK (help, version printed), 0 to run, or
 * CS_EXIT_USAGE after printing one error line. */
int cs_cli_parse(struct cs_cli *cli, int argc, char **argv);
/* Appends an input path; returns 0 when out of memory. */
int cs_cli_add_input(struct cs_cli *cli, const char *path);
void cs_cli_free(struct cs_cli *cli);

#endif

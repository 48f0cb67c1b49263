/* cli.h: the command line, parsed into one struct the runner reads. */
#ifndef CASHARK_CLI_H
#define CASHARK_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/flow.h"
#include "cashark/format.h"

enum cs_show {
    CS_SHOW_TCP = 1u << 0,       /* packet summaries of TCP packets */
    CS_SHOW_UDP = 1u << 1,       /* packet summaries of UDP packets */
    CS_SHOW_OTHER = 1u << 2,     /* packet summaries of everything else */
    CS_SHOW_CA = 1u << 3,        /* Channel Access messages */
    CS_SHOW_MPTCP = 1u << 4,     /* MPTCP options except data-only DSS */
    CS_SHOW_MPTCP_DSS = 1u << 5, /* DSS options that only map or acknowledge data */
    CS_SHOW_ALL = CS_SHOW_TCP | CS_SHOW_UDP | CS_SHOW_OTHER | CS_SHOW_CA | CS_SHOW_MPTCP,
};

enum cs_subcmd {
    CS_CMD_PRINT = 0, /* the default: one record per packet or message */
    CS_CMD_FIELDS,    /* cashark fields */
    CS_CMD_STATS,     /* cashark stats KIND */
    CS_CMD_FOLLOW,    /* cashark follow CONN */
};

#define CS_MAX_CA_PORTS 32

struct cs_cli {
    const char **inputs; /* files to read, in order ("-" is stdin) */
    size_t n_inputs;
    const char *write_path; /* -w */
    int print;              /* --print: print as well as -w */
    const char *iface;      /* -i */
    int list_ifaces;        /* -D */
    int snaplen;            /* -s */
    const char *filter;     /* -f, or the operands after -r/-i */
    char *filter_buf;       /* the operands joined, when they are the filter */
    uint64_t max_packets;   /* -c (0: no limit) */
    int count_only;         /* --count */
    unsigned show;          /* --show */
    int line_buffered;      /* -l */
    int verbose;            /* -v */
    int subcmd_fields;      /* `cashark fields` */
    enum cs_subcmd subcmd;
    const char *stats_kind;             /* stats: tcp, ca, mptcp */
    const char *follow_conn;            /* follow: a conn number or a.b.c.d:p-e.f.g.h:q */
    int ascii_payload;                  /* -A: payload as ASCII (follow) */
    const char *where;                  /* --where EXPR */
    const char *sort;                   /* --sort FIELD */
    uint64_t first;                     /* --first N (0: all) */
    const char *by;                     /* --by GROUP */
    const char *table;                  /* --table NAME */
    int subflows;                       /* --subflows (stats mptcp) */
    uint16_t ca_ports[CS_MAX_CA_PORTS]; /* --ca-port */
    size_t n_ca_ports;
    unsigned ca_max_elements; /* --ca-max-elements (default 10) */
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

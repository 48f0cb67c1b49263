/* opts.c: command-line parsing, --help and --version. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cashark/status.h"

/* The help text, one string per section (each within C's portable string length). */
static const char *const usage_text[] = {
    "Usage: cashark [OPTION]... [FILE]...\n"
    "  or:  cashark fields\n"
    "  or:  cashark stats tcp [OPTION]... [FILE]...\n"
    "  or:  cashark stats ca [--table NAME] [--by ip|endpoint] [OPTION]... [FILE]...\n"
    "  or:  cashark follow CONN [OPTION]... [FILE]...\n"
    "  or:  cashark stats mptcp [--subflows] [OPTION]... [FILE]...\n"
    "Decode packet captures and print one record per packet or message.\n"
    "\n",
    "With no FILE, or when FILE is -, read standard input (a pcap or pcapng stream,\n"
    "e.g. from 'tcpdump -U -w -'). Several files are read one after the other.\n"
    "Captures may be pcap (micro- or nanosecond), pcapng (any mix of link types) or gzip'd.\n"
    "\n",
    "Input:\n"
    "  -r FILE                  read FILE (repeatable; same as a FILE operand)\n"
    "  -i IFACE                 capture live on IFACE (needs root or CAP_NET_RAW)\n"
    "  -D                       list the interfaces -i accepts\n"
    "  -s N                     snapshot length for live capture (default 262144)\n"
    "  -f EXPR                  BPF filter (pcap-filter(7) syntax) on files, stdin and live;\n"
    "                           as with tcpdump, after -r FILE or -i IFACE the remaining\n"
    "                           words are the filter: cashark -r f.pcap tcp port 80\n"
    "  -c N                     stop after N packets that pass the filter (-f; --show\n"
    "                           only chooses what is printed)\n"
    "\n",
    "Output:\n"
    "  -T text|json|csv|tsv     record format (default text); json is JSON Lines, csv and\n"
    "                           tsv have a header line\n"
    "      --format TEMPLATE    print TEMPLATE per record, e.g. '<src>><dst> <command>';\n"
    "                           with -T json|csv|tsv its fields are the keys or columns\n"
    "      --time MODE          timestamp: epoch (default), iso (UTC), rel (since the\n"
    "                           first packet), delta (since the previous one), none\n"
    "  -t                       no timestamp; -tt epoch, -ttt delta, -tttt iso,\n"
    "                           -ttttt rel (tcpdump's spellings)\n"
    "  -e                       add link-layer fields (MACs, ethertype, VLANs) to the line\n"
    "  -x                       hex dump of each packet under its line\n"
    "  -X                       hex and ASCII dump of each packet under its line\n"
    "  -A                       each packet's payload as ASCII under its line ('.' for\n"
    "                           other bytes)\n"
    "  -n, -nn                  accepted for tcpdump users; cashark never resolves names\n"
    "      --show LIST          record kinds to print: tcp,udp,other,ca,mptcp,mptcp-dss,\n"
    "                           all (default all; mptcp-dss adds data-only MPTCP DSS)\n"
    "      --count              print no records, only the number of packets and records\n"
    "  -w FILE                  write the packets that pass the filters to FILE (pcap, or\n"
    "                           pcapng when the input is pcapng or several files); - is\n"
    "                           standard output; nothing is printed unless --print\n"
    "      --print              print records as well as writing them with -w\n"
    "  -l                       flush every record (automatic when reading a pipe,\n"
    "                           a terminal or an interface)\n"
    "  -v                       summary line and flow figures on stderr; MPTCP checks\n"
    "      --subflows           stats mptcp: one row per subflow\n"
    "\n",
    "Channel Access (UDP 5064/5065, TCP 5064, ports announced in search replies and beacons,\n"
    "and TCP streams that open with a CA VERSION exchange):\n"
    "      --ca-port N          also decode CA on port N (repeatable)\n"
    "      --ca-max-elements N  array elements shown before summarising (default 10)\n"
    "  One line per CA message in caproto-shark's layout; --show ca prints CA messages only.\n"
    "  stats ca                 channel creation latency matched per circuit (client, server,\n"
    "                           cid); per server count mean std min p25 p50 p75 max as pandas\n"
    "                           describe() (std ddof 1, full precision); unanswered and\n"
    "                           CreateChFail requests; search latency and PVs never found;\n"
    "                           read/write latency; monitors; errors; disconnects; beacons\n"
    "      --table NAME         stats ca: one table: latency servers unanswered search\n"
    "                           notfound io monitors errors disconnects beacons (-T csv and\n"
    "                           tsv hold one table: latency unless --table names another;\n"
    "                           -T json without --table: every table, rows tagged \"table\")\n"
    "      --by ip|endpoint     stats ca: servers table per address (default) or ip:port\n"
    "\n",
    NULL,
};

/* The rest of --help (C11 guarantees string literals of 4095 bytes only). */
static const char usage_text_more[] =
    "Statistics, the conversation view and filters:\n"
    "  stats tcp                one row per TCP connection: packets, bytes, retransmissions\n"
    "                           (tcptrace's rule), out-of-order, dup ACKs, zero windows and\n"
    "                           probes, keep-alives, windows, handshake times (hs_first,\n"
    "                           hs_last, hs_ack), who reset or closed, Zeek's state and\n"
    "                           history; an aligned table, or -T csv|tsv|json, or --format\n"
    "  follow CONN              one TCP connection packet by packet (arrow, number, time\n"
    "                           since its first packet, flags, relative seq/ack, length,\n"
    "                           window, analysis), then its stats row; CONN is a conn\n"
    "                           number or a.b.c.d:p-e.f.g.h:q ([v6]:p); -A or -x/-X add\n"
    "                           each payload as ASCII or hex\n"
    "      --where EXPR         keep records matching EXPR (packets, follow, and the rows of\n"
    "                           stats tcp and stats ca):\n"
    "                           field = != < <= > >= value, &&, ||, !, (); values are\n"
    "                           numbers with units (300ms, 1.5s, 10k, 64Ki), \"strings\",\n"
    "                           addresses and a:p; a missing field compares false\n"
    "      --sort FIELD         stats tcp|ca: order rows by FIELD (-FIELD descending)\n"
    "      --first N            stats tcp|ca: print only the first N rows (stats ca: of\n"
    "                           each table)\n"
    "      --by server|client   stats tcp: one row per server address:port (or client\n"
    "                           address): connections, handshake median/p90/max, SYN\n"
    "                           retransmissions, retransmission rate, resets, durations\n"
    "\n"
    "Flow tracking:\n"
    "      --flows N            track at most N flows at once (default 65536)\n"
    "      --reassembly-cap B   out-of-order bytes buffered per direction (default 1Mi);\n"
    "                           B takes k, M, G (powers of 1000) or Ki, Mi, Gi suffixes\n"
    "      --seed N             flow-hash key (output never depends on it)\n"
    "\n"
    "Other:\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the cashark and libpcap versions and exit\n"
    "\n"
    "'cashark fields' lists every field --format, JSON and CSV accept.\n"
    "\n"
    "Exit status: 0 success; 1 an input was missing, not a capture, or damaged (every\n"
    "packet before the damage is printed first); 2 usage error.\n"
    "\n"
    "Examples:\n"
    "  tcpdump -U -w - | cashark\n"
    "  cashark --format '<src>><dst> <command>' capture.pcap\n"
    "  cashark -T csv -f 'tcp port 5064' capture.pcapng > packets.csv\n"
    "  cashark stats ca capture.pcap\n"
    "  cashark stats ca -T csv --table servers capture.pcap > servers.csv\n"
    "  cashark stats tcp --where 'hs_first > 300ms' --first 1 big.pcap\n"
    "  cashark stats tcp --by server --sort -hs_median x.pcap\n"
    "  cashark stats tcp --where 'rst_by = \"client\"' --format '<conn> <client> <open_at_rst>' "
    "x.pcap\n"
    "  cashark follow 10.0.0.1:40000-10.0.0.2:80 -A x.pcap\n"
    "\n"
    "Full documentation: man cashark\n";

enum {
    OPT_FORMAT = 256,
    OPT_TIME,
    OPT_SHOW,
    OPT_COUNT,
    OPT_PRINT,
    OPT_FLOWS,
    OPT_REASM,
    OPT_SEED,
    OPT_WHERE,
    OPT_SORT,
    OPT_FIRST,
    OPT_BY,
    OPT_TABLE,
    OPT_SUBFLOWS,
    OPT_CA_PORT,
    OPT_CA_MAX_ELEMENTS,
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"time", required_argument, NULL, OPT_TIME},
    {"show", required_argument, NULL, OPT_SHOW},
    {"count", no_argument, NULL, OPT_COUNT},
    {"print", no_argument, NULL, OPT_PRINT},
    {"flows", required_argument, NULL, OPT_FLOWS},
    {"reassembly-cap", required_argument, NULL, OPT_REASM},
    {"seed", required_argument, NULL, OPT_SEED},
    {"where", required_argument, NULL, OPT_WHERE},
    {"sort", required_argument, NULL, OPT_SORT},
    {"first", required_argument, NULL, OPT_FIRST},
    {"by", required_argument, NULL, OPT_BY},
    {"table", required_argument, NULL, OPT_TABLE},
    {"subflows", no_argument, NULL, OPT_SUBFLOWS},
    {"ca-port", required_argument, NULL, OPT_CA_PORT},
    {"ca-max-elements", required_argument, NULL, OPT_CA_MAX_ELEMENTS},
    {NULL, 0, NULL, 0},
};

struct name_val {
    const char *name;
    int val;
};

static const struct name_val outfmt_names[] = {
    {"text", CS_OUTFMT_TEXT},
    {"json", CS_OUTFMT_JSON},
    {"csv", CS_OUTFMT_CSV},
    {"tsv", CS_OUTFMT_TSV},
    {NULL, 0},
};

static const struct name_val time_names[] = {
    {"epoch", CS_TIME_EPOCH}, {"iso", CS_TIME_ISO},   {"rel", CS_TIME_REL},
    {"delta", CS_TIME_DELTA}, {"none", CS_TIME_NONE}, {NULL, 0},
};

/* tcpdump's -t count to a time mode: -t none, -tt epoch, -ttt delta, -tttt date, -ttttt rel. */
static const int t_count_modes[] = {CS_TIME_EPOCH, CS_TIME_NONE, CS_TIME_EPOCH,
                                    CS_TIME_DELTA, CS_TIME_ISO,  CS_TIME_REL};

static const struct name_val show_names[] = {
    {"tcp", CS_SHOW_TCP},     {"udp", CS_SHOW_UDP},
    {"other", CS_SHOW_OTHER}, {"ca", CS_SHOW_CA},
    {"mptcp", CS_SHOW_MPTCP}, {"mptcp-dss", CS_SHOW_MPTCP | CS_SHOW_MPTCP_DSS},
    {"all", CS_SHOW_ALL},     {NULL, 0},
};

static int
usage_error(const char *msg, const char *arg)
{
    if (arg)
        fprintf(stderr, "cashark: %s '%s'\n", msg, arg);
    else
        fprintf(stderr, "cashark: %s\n", msg);
    fputs("Try 'cashark --help' for more information.\n", stderr);
    return CS_EXIT_USAGE;
}

static int
lookup(const struct name_val *t, const char *name, int *out)
{
    for (; t->name; t++) {
        if (strcmp(t->name, name) == 0) {
            *out = t->val;
            return 1;
        }
    }
    return 0;
}

/* Parses a non-negative integer with an optional k/M/G (1000^n) or Ki/Mi/Gi (1024^n) suffix. */
static int
parse_size(const char *s, uint64_t max, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {
        {"", 1},           {"k", 1000},  {"K", 1000},         {"M", 1000000},
        {"G", 1000000000}, {"Ki", 1024}, {"Mi", 1024 * 1024}, {"Gi", 1024 * 1024 * 1024},
    };
    if (*s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > max / units[i].mult)
                return 0;
            *out = v * units[i].mult;
            return 1;
        }
    }
    return 0;
}

static int
parse_show(const char *list, unsigned *out)
{
    unsigned show = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        char word[16];
        if (n == 0 || n >= sizeof word)
            return 0;
        memcpy(word, p, n);
        word[n] = '\0';
        int v;
        if (!lookup(show_names, word, &v))
            return 0;
        show |= (unsigned)v;
        p += n;
        if (*p == ',')
            p++;
    }
    *out = show;
    return show != 0;
}

static void
print_version(void)
{
    printf("cashark %s\n%s\n", CASHARK_VERSION, pcap_lib_version());
}

int
cs_cli_add_input(struct cs_cli *cli, const char *path)
{
    const char **n = realloc(cli->inputs, (cli->n_inputs + 1) * sizeof *n);
    if (!n) {
        fputs("cashark: out of memory\n", stderr);
        return 0;
    }
    cli->inputs = n;
    cli->inputs[cli->n_inputs++] = path;
    return 1;
}

int
cs_cli_parse(struct cs_cli *cli, int argc, char **argv)
{
    memset(cli, 0, sizeof *cli);
    cli->show = CS_SHOW_ALL;
    cli->snaplen = 262144;
    cli->fmt.outfmt = CS_OUTFMT_TEXT;
    cli->fmt.time = CS_TIME_EPOCH;
    cs_flowtab_config_default(&cli->flows);

    cli->ca_max_elements = 10;

    if (argc > 1 && strcmp(argv[1], "fields") == 0) {
        cli->subcmd_fields = 1;
        cli->subcmd = CS_CMD_FIELDS;
        if (argc > 2)
            return usage_error("'fields' takes no arguments", NULL);
        return 0;
    }
    /* Subcommands with an operand: shift them off so getopt sees the options that follow. */
    if (argc > 1 && strcmp(argv[1], "stats") == 0) {
        if (argc < 3 || argv[2][0] == '-')
            return usage_error("'stats' needs a kind: tcp, ca or mptcp", NULL);
        cli->subcmd = CS_CMD_STATS;
        cli->stats_kind = argv[2];
        argc -= 2;
        argv += 2;
    } else if (argc > 1 && strcmp(argv[1], "follow") == 0) {
        if (argc < 3)
            return usage_error("'follow' needs a connection: a conn number or a:p-b:q", NULL);
        cli->subcmd = CS_CMD_FOLLOW;
        cli->follow_conn = argv[2];
        argc -= 2;
        argv += 2;
    }

    int t_count = 0, time_set = 0;
    int c;
    uint64_t v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hVr:w:i:Ds:f:c:T:texXAnlv", long_opts, NULL)) != -1) {
        int iv;
        switch (c) {
            case 'h':
                for (const char *const *u = usage_text; *u; u++)
                    fputs(*u, stdout);
                fputs(usage_text_more, stdout);
                return -1;
            case 'V':
                print_version();
                return -1;
            case 'r':
                if (!cs_cli_add_input(cli, optarg))
                    return CS_EXIT_USAGE;
                break;
            case 'w':
                cli->write_path = optarg;
                break;
            case OPT_PRINT:
                cli->print = 1;
                break;
            case 'i':
                cli->iface = optarg;
                break;
            case 'D':
                cli->list_ifaces = 1;
                break;
            case 's':
                if (!parse_size(optarg, 262144, &v))
                    return usage_error("invalid snapshot length (0 to 262144)", optarg);
                cli->snaplen = v ? (int)v : 262144;
                break;
            case 'f':
                cli->filter = optarg;
                break;
            case 'c':
                if (!parse_size(optarg, UINT64_MAX, &v) || v == 0)
                    return usage_error("invalid packet count", optarg);
                cli->max_packets = v;
                break;
            case OPT_COUNT:
                cli->count_only = 1;
                break;
            case 'T':
                if (!lookup(outfmt_names, optarg, &iv))
                    return usage_error("invalid -T format (text, json, csv, tsv)", optarg);
                cli->fmt.outfmt = (enum cs_outfmt)iv;
                break;
            case OPT_FORMAT:
                cli->fmt.template_text = optarg;
                break;
            case OPT_TIME:
                if (!lookup(time_names, optarg, &iv))
                    return usage_error("invalid --time mode (epoch, iso, rel, delta, none)",
                                       optarg);
                cli->fmt.time = (enum cs_timefmt)iv;
                time_set = 1;
                break;
            case 't':
                t_count++;
                break;
            case 'e':
                cli->fmt.link_fields = 1;
                break;
            case 'x':
                if (cli->fmt.hexdump != 'X')
                    cli->fmt.hexdump = 'x';
                break;
            case 'X':
                cli->fmt.hexdump = 'X';
                break;
            case 'n':
                break;
            case 'A':
                cli->ascii_payload = 1;
                if (!cli->fmt.hexdump)
                    cli->fmt.hexdump = 'A';
                break;
            case OPT_WHERE:
                cli->where = optarg;
                break;
            case OPT_SORT:
                cli->sort = optarg;
                break;
            case OPT_FIRST:
                if (!parse_size(optarg, UINT64_MAX, &v) || v == 0)
                    return usage_error("invalid --first count", optarg);
                cli->first = v;
                break;
            case OPT_BY:
                cli->by = optarg;
                break;
            case OPT_TABLE:
                cli->table = optarg;
                break;
            case OPT_SUBFLOWS:
                cli->subflows = 1;
                break;
            case OPT_CA_PORT:
                if (!parse_size(optarg, 65535, &v) || v == 0)
                    return usage_error("invalid --ca-port (1 to 65535)", optarg);
                if (cli->n_ca_ports == CS_MAX_CA_PORTS)
                    return usage_error("too many --ca-port options", NULL);
                cli->ca_ports[cli->n_ca_ports++] = (uint16_t)v;
                break;
            case OPT_CA_MAX_ELEMENTS:
                if (!parse_size(optarg, 1000000, &v) || v == 0)
                    return usage_error("invalid --ca-max-elements (1 to 1000000)", optarg);
                cli->ca_max_elements = (unsigned)v;
                break;
            case 'l':
                cli->line_buffered = 1;
                break;
            case 'v':
                cli->verbose++;
                break;
            case OPT_SHOW:
                if (!parse_show(optarg, &cli->show))
                    return usage_error(
                        "invalid --show list (tcp, udp, other, ca, mptcp, mptcp-dss, all)", optarg);
                break;
            case OPT_FLOWS:
                if (!parse_size(optarg, 1u << 26, &v) || v == 0)
                    return usage_error("invalid --flows count (1 to 67108864)", optarg);
                cli->flows.capacity = (uint32_t)v;
                break;
            case OPT_REASM:
                if (!parse_size(optarg, (uint64_t)1 << 40, &v))
                    return usage_error("invalid --reassembly-cap size", optarg);
                cli->flows.reasm_cap_dir = (size_t)v;
                if (cli->flows.reasm_cap_total < cli->flows.reasm_cap_dir)
                    cli->flows.reasm_cap_total = cli->flows.reasm_cap_dir;
                break;
            case OPT_SEED:
                if (!parse_size(optarg, UINT64_MAX, &v))
                    return usage_error("invalid --seed", optarg);
                cli->flows.seed[0] = v;
                cli->flows.seed[1] = v ^ 0x9e3779b97f4a7c15ULL;
                break;
            case ':':
                return usage_error("option requires an argument:", argv[optind - 1]);
            default:
                return usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (t_count) {
        if (time_set)
            return usage_error("use either --time or -t...", NULL);
        if (t_count > 5)
            t_count = 5;
        cli->fmt.time = (enum cs_timefmt)t_count_modes[t_count];
    }
    if ((cli->n_inputs || cli->iface) && optind < argc) {
        /* tcpdump's habit: with -r or -i, the operands are the filter expression. */
        if (cli->filter)
            return usage_error("give the filter either with -f or after the options, not both",
                               NULL);
        size_t len = 1;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        cli->filter_buf = malloc(len);
        if (!cli->filter_buf)
            return usage_error("out of memory", NULL);
        size_t at = 0;
        for (int i = optind; i < argc; i++) {
            size_t n = strlen(argv[i]);
            if (at)
                cli->filter_buf[at++] = ' ';
            memcpy(cli->filter_buf + at, argv[i], n);
            at += n;
        }
        cli->filter_buf[at] = '\0';
        cli->filter = cli->filter_buf;
        optind = argc;
    }
    for (int i = optind; i < argc; i++) {
        if (!cs_cli_add_input(cli, argv[i]))
            return CS_EXIT_USAGE;
    }
    /* Options that select or shape rows apply to some subcommands only: elsewhere they would
     * be silently ignored, so they are usage errors. */
    static const struct {
        const char *name;
        unsigned allowed; /* bits: 1 print, 2 stats tcp, 4 stats ca, 8 stats mptcp, 16 follow */
    } scoped[] = {
        {"--where", 1 | 2 | 4 | 16},
        {"--sort", 2 | 4},
        {"--first", 2 | 4},
        {"--by", 2 | 4},
        {"--table", 4},
        {"--subflows", 8},
    };
    const int given[] = {cli->where != NULL, cli->sort != NULL,  cli->first != 0,
                         cli->by != NULL,    cli->table != NULL, cli->subflows};
    unsigned here = 1;
    if (cli->subcmd == CS_CMD_FOLLOW)
        here = 16;
    else if (cli->subcmd == CS_CMD_STATS)
        here = strcmp(cli->stats_kind, "tcp") == 0     ? 2
               : strcmp(cli->stats_kind, "ca") == 0    ? 4
               : strcmp(cli->stats_kind, "mptcp") == 0 ? 8
                                                       : 0; /* an unknown kind is reported later */
    static const char *const where_names[] = {
        "", "printing packets", "stats tcp", "", "stats ca", "", "", "", "stats mptcp"};
    for (size_t i = 0; here && i < sizeof scoped / sizeof scoped[0]; i++) {
        if (given[i] && !(scoped[i].allowed & here)) {
            fprintf(stderr, "cashark: %s does not apply to %s\n", scoped[i].name,
                    here == 16 ? "follow" : where_names[here]);
            fputs("Try 'cashark --help' for more information.\n", stderr);
            return CS_EXIT_USAGE;
        }
    }
    if (cli->iface && cli->n_inputs)
        return usage_error("-i cannot be combined with capture files", NULL);
    if (cli->print && !cli->write_path)
        return usage_error("--print is for use with -w", NULL);
    return 0;
}

void
cs_cli_free(struct cs_cli *cli)
{
    free(cli->inputs);
    cli->inputs = NULL;
    free(cli->filter_buf);
    cli->filter_buf = NULL;
}

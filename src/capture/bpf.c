/* bpf.c: BPF filters on file frames: pcap_compile per link type, pcap_offline_filter per frame.
 *
 * Reference: pcap-filter(7), pcap_compile(3PCAP), pcap_offline_filter(3PCAP).
 */
#include "cashark/bpf.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BPF_CACHE   16 /* link types compiled for at once */
#define BPF_SNAPLEN 262144

/* LINKTYPE_ values in files whose DLT_ value on this platform differs (libpcap's
 * linktype_to_dlt is not exported). */
static const struct {
    uint32_t linktype;
    int dlt;
} linktype_dlt[] = {
    {101, DLT_RAW}, /* LINKTYPE_RAW */
    {14, DLT_RAW},  /* raw IP as BSD/OS wrote it */
    {100, DLT_ATM_RFC1483}, {102, DLT_SLIP_BSDOS}, {103, DLT_PPP_BSDOS}, {0, 0},
};

/* Link types tried when the expression does not compile for Ethernet. */
static const int fallback_dlts[] = {DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL};

struct bpf_entry {
    uint32_t linktype;
    int used;
    int ok;
    struct bpf_program prog;
    char err[PCAP_ERRBUF_SIZE];
};

struct cs_bpf {
    char *expr;
    size_t last; /* entry of the last match, checked first */
    size_t next; /* entry to replace when the cache is full */
    struct bpf_entry cache[BPF_CACHE];
};

static int
to_dlt(uint32_t linktype)
{
    for (size_t i = 0; linktype_dlt[i].linktype; i++)
        if (linktype_dlt[i].linktype == linktype)
            return linktype_dlt[i].dlt;
    return (int)linktype;
}

/* Compiles expr for dlt into prog; 0, or -1 with libpcap's message in err. */
static int
compile(const char *expr, int dlt, struct bpf_program *prog, char *err, size_t errlen)
{
    pcap_t *p = pcap_open_dead(dlt, BPF_SNAPLEN);
    if (!p) {
        snprintf(err, errlen, "cannot compile a filter: out of memory");
        return -1;
    }
    int ret = pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    if (ret < 0)
        snprintf(err, errlen, "%s", pcap_geterr(p));
    pcap_close(p);
    return ret < 0 ? -1 : 0;
}

struct cs_bpf *
cs_bpf_new(const char *expr, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (compile(expr, DLT_EN10MB, &prog, err, errlen) < 0) {
        char other[PCAP_ERRBUF_SIZE];
        size_t i;
        for (i = 0; i < sizeof fallback_dlts / sizeof fallback_dlts[0]; i++)
            if (compile(expr, fallback_dlts[i], &prog, other, sizeof other) == 0)
                break;
        if (i == sizeof fallback_dlts / sizeof fallback_dlts[0])
            return NULL; /* err holds the Ethernet message */
    }
    pcap_freecode(&prog);
    struct cs_bpf *b = calloc(1, sizeof *b);
    size_t n = strlen(expr) + 1;
    char *copy = malloc(n);
    if (!b || !copy) {
        free(b);
        free(copy);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(copy, expr, n);
    b->expr = copy;
    return b;
}

static struct bpf_entry *
entry_for(struct cs_bpf *b, uint32_t linktype)
{
    struct bpf_entry *e = &b->cache[b->last];
    if (e->used && e->linktype == linktype)
        return e;
    for (size_t i = 0; i < BPF_CACHE; i++) {
        if (b->cache[i].used && b->cache[i].linktype == linktype) {
            b->last = i;
            return &b->cache[i];
        }
    }
    /* Compile for this link type, replacing the oldest entry when full. */
    size_t slot = b->next;
    b->next = (b->next + 1) % BPF_CACHE;
    e = &b->cache[slot];
    if (e->used && e->ok)
        pcap_freecode(&e->prog);
    memset(e, 0, sizeof *e);
    e->used = 1;
    e->linktype = linktype;
    e->ok = compile(b->expr, to_dlt(linktype), &e->prog, e->err, sizeof e->err) == 0;
    b->last = slot;
    return e;
}

int
cs_bpf_match(struct cs_bpf *b, const struct cs_frame *f)
{
    const struct bpf_entry *e = entry_for(b, f->linktype);
    if (!e->ok)
        return CS_BPF_UNSUPPORTED;
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(f->ts_ns / 1000000000);
    h.ts.tv_usec = (suseconds_t)((f->ts_ns % 1000000000) / 1000);
    h.caplen = f->caplen;
    h.len = f->len;
    return pcap_offline_filter(&e->prog, &h, f->data) ? CS_BPF_MATCH : CS_BPF_NOMATCH;
}

const char *
cs_bpf_link_error(const struct cs_bpf *b, uint32_t linktype)
{
    for (size_t i = 0; i < BPF_CACHE; i++)
        if (b->cache[i].used && b->cache[i].linktype == linktype && !b->cache[i].ok)
            return b->cache[i].err;
    return "";
}

const char *
cs_bpf_expr(const struct cs_bpf *b)
{
    return b->expr;
}

void
cs_bpf_free(struct cs_bpf *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < BPF_CACHE; i++)
        if (b->cache[i].used && b->cache[i].ok)
            pcap_freecode(&b->cache[i].prog);
    free(b->expr);
    free(b);
}

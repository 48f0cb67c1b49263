/* live.c: live capture with libpcap (pcap_create/pcap_activate, immediate mode, nanoseconds).
 *
 * Reference: pcap(3PCAP), pcap_create(3PCAP), pcap_set_immediate_mode(3PCAP).
 */
#include "cashark/live.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_SNAPLEN    262144
#define LIVE_TIMEOUT_MS 200 /* cs_live_next returns CS_LIVE_TIMEOUT this often when idle */

struct cs_live {
    pcap_t *p;
    uint32_t linktype;
    uint32_t snaplen;
    uint8_t ts_digits;
    char errmsg[PCAP_ERRBUF_SIZE + 64];
};

/* DLT_ values of this platform that are written as another LINKTYPE_ value in files. */
static const struct {
    int dlt;
    uint32_t linktype;
} dlt_linktype[] = {
    {DLT_RAW, 101},
    {0, 0},
};

static uint32_t
to_linktype(int dlt)
{
    for (size_t i = 0; dlt_linktype[i].linktype; i++)
        if (dlt_linktype[i].dlt == dlt)
            return dlt_linktype[i].linktype;
    return (uint32_t)dlt;
}

/* pcap_activate failures that deserve more than libpcap's text. */
static const struct {
    int status;
    const char *text;
} activate_texts[] = {
    {PCAP_ERROR_PERM_DENIED, "no permission to capture (run as root or grant CAP_NET_RAW)"},
    {PCAP_ERROR_NO_SUCH_DEVICE, "no such capture device"},
    {PCAP_ERROR_IFACE_NOT_UP, "interface is not up"},
    {PCAP_ERROR_PROMISC_PERM_DENIED, "no permission to capture in promiscuous mode"},
    {0, NULL},
};

/* A one-line explanation of pcap_activate's outcome. */
static void
activate_error(pcap_t *p, int status, char *err, size_t errlen)
{
    const char *detail = pcap_geterr(p);
    if (!detail || !detail[0])
        detail = pcap_statustostr(status);
    for (size_t i = 0; activate_texts[i].text; i++) {
        if (activate_texts[i].status == status) {
            snprintf(err, errlen, "%s (%s)", activate_texts[i].text, detail);
            return;
        }
    }
    snprintf(err, errlen, "%s", detail);
}

struct cs_live *
cs_live_open(const char *iface, uint32_t snaplen, const char *bpf_expr, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s", ebuf);
        return NULL;
    }
    int snap = snaplen && snaplen < LIVE_SNAPLEN ? (int)snaplen : LIVE_SNAPLEN;
    pcap_set_snaplen(p, snap);
    pcap_set_immediate_mode(p, 1);
    pcap_set_timeout(p, LIVE_TIMEOUT_MS);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* micro when unsupported */
    int status = pcap_activate(p);
    if (status < 0) {
        activate_error(p, status, err, errlen);
        pcap_close(p);
        return NULL;
    }
    if (bpf_expr) {
        bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
        if (pcap_lookupnet(iface, &net, &mask, ebuf) < 0)
            mask = PCAP_NETMASK_UNKNOWN;
        struct bpf_program prog;
        if (pcap_compile(p, &prog, bpf_expr, 1, mask) < 0) {
            snprintf(err, errlen, "%s", pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
        int ret = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (ret < 0) {
            snprintf(err, errlen, "cannot set the filter: %s", pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
    }
    struct cs_live *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        pcap_close(p);
        return NULL;
    }
    l->p = p;
    l->linktype = to_linktype(pcap_datalink(p));
    l->snaplen = (uint32_t)pcap_snapshot(p);
    l->ts_digits = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 9 : 6;
    return l;
}

int
cs_live_next(struct cs_live *l, struct cs_frame *f)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int ret = pcap_next_ex(l->p, &h, &data);
    if (ret == 1) {
        int64_t frac = h->ts.tv_usec; /* nanoseconds when ts_digits is 9 */
        f->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + (l->ts_digits == 9 ? frac : frac * 1000);
        f->ts_digits = l->ts_digits;
        f->caplen = h->caplen;
        f->len = h->len;
        f->linktype = l->linktype;
        f->iface = 0;
        f->data = data;
        return CS_LIVE_FRAME;
    }
    if (ret == 0)
        return CS_LIVE_TIMEOUT;
    if (ret == PCAP_ERROR_BREAK)
        return CS_LIVE_STOPPED;
    snprintf(l->errmsg, sizeof l->errmsg, "%s", pcap_geterr(l->p));
    return CS_LIVE_ERROR;
}

const char *
cs_live_error(const struct cs_live *l)
{
    return l->errmsg;
}

void
cs_live_break(struct cs_live *l)
{
    pcap_breakloop(l->p);
}

int
cs_live_stats(struct cs_live *l, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped)
{
    struct pcap_stat st;
    memset(&st, 0, sizeof st);
    if (pcap_stats(l->p, &st) < 0) {
        snprintf(l->errmsg, sizeof l->errmsg, "%s", pcap_geterr(l->p));
        return -1;
    }
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *ifdropped = st.ps_ifdrop;
    return 0;
}

uint32_t
cs_live_linktype(const struct cs_live *l)
{
    return l->linktype;
}

uint32_t
cs_live_snaplen(const struct cs_live *l)
{
    return l->snaplen;
}

uint8_t
cs_live_ts_digits(const struct cs_live *l)
{
    return l->ts_digits;
}

void
cs_live_close(struct cs_live *l)
{
    if (!l)
        return;
    pcap_close(l->p);
    free(l);
}

int
cs_live_list(void (*cb)(void *ctx, const char *name, const char *desc), void *ctx, char *err,
             size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, ebuf) < 0) {
        snprintf(err, errlen, "%s", ebuf);
        return -1;
    }
    for (const pcap_if_t *d = all; d; d = d->next)
        cb(ctx, d->name, d->description);
    pcap_freealldevs(all);
    return 0;
}

/* fuzz_format.c: the --format template compiler over arbitrary input, then the compiled template
 * applied to a few records. The first byte picks the output format and the hex dump. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cashark/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A TCP SYN over IPv4 with options, UDP over IPv6 and a frame of an unknown link type. */
static void
records(struct cs_formatter *f)
{
    static const uint8_t bytes[64] = {0x45, 0x00, 0x1b, 0x7f, 0xff};
    struct cs_frame fr = {7, 1700000000123456789, 9, sizeof bytes, 60, 1, 0, bytes};
    struct cs_packet p;
    struct cs_flow fl;
    struct cs_flow_view fv;
    memset(&p, 0, sizeof p);
    memset(&fl, 0, sizeof fl);
    memset(&fv, 0, sizeof fv);
    struct cs_record r = {CS_REC_PACKET, &fr, &p, &fv, NULL, 0};

    p.frame = &fr;
    p.l2.kind = CS_L2_ETH;
    p.l2.ethertype = 0x0800;
    p.l2.n_vlan = 1;
    p.l2.vlan_tci[0] = 42;
    p.l3 = CS_L3_IPV4;
    p.ip.src.family = p.ip.dst.family = 4;
    p.ip.src.a[0] = 10;
    p.ip.dst.a[0] = 10;
    p.ip.dst.a[3] = 2;
    p.ip.hlen = 20;
    p.ip.total_len = 60;
    p.ip.proto = 6;
    p.l4 = CS_L4_TCP;
    p.t.tcp.hdr_captured = 20;
    p.t.tcp.flags = 0x2;
    p.t.tcp.n_opts = 2;
    p.t.tcp.opts[0] = (struct cs_tcp_opt){2, 4, 0, CS_TCPOPT_NO_SUB};
    p.t.tcp.opts[1] =
        (struct cs_tcp_opt){99, 40, 4, CS_TCPOPT_NO_SUB}; /* claims more than opt_raw holds */
    p.t.tcp.opt_raw_len = 6;
    p.t.tcp.has_mss = 1;
    p.t.tcp.mss = 1460;
    p.anomalies = ~(uint64_t)0;
    p.status = CS_MALFORMED;
    p.trunc_layer = CS_LAYER_TCP;
    fv.flow = &fl;
    fv.conn = 3;
    cs_fmt_record(f, &r);

    memset(&p, 0, sizeof p);
    p.frame = &fr;
    p.l3 = CS_L3_IPV6;
    p.ip.src.family = p.ip.dst.family = 6;
    p.ip.dst.a[15] = 1;
    p.l4 = CS_L4_UDP;
    p.t.udp.hdr_captured = 8;
    p.t.udp.sport = 5064;
    fr.ts_ns -= 1000; /* out of order */
    fv.flow = NULL;
    cs_fmt_record(f, &r);

    memset(&p, 0, sizeof p);
    p.frame = &fr;
    p.l2.kind = CS_L2_UNKNOWN;
    fr.linktype = 147;
    r.fv = NULL;
    cs_fmt_record(f, &r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    static const enum cs_outfmt fmts[4] = {CS_OUTFMT_TEXT, CS_OUTFMT_JSON, CS_OUTFMT_CSV,
                                           CS_OUTFMT_TSV};
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct cs_fmt_config cfg = {fmts[data[0] & 3], text, (enum cs_timefmt)((data[0] >> 2) % 5),
                                (data[0] & 0x20) ? 'X' : 0, (data[0] & 0x40) != 0};
    struct cs_out *o = cs_out_new_mem(256);
    char err[200];
    struct cs_formatter *f = o ? cs_fmt_new(&cfg, o, err, sizeof err) : NULL;
    if (f) {
        cs_fmt_begin(f);
        records(f);
        size_t n;
        const char *out = cs_out_data(o, &n);
        /* fields never bring control bytes; only the template's own tabs and newlines */
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20 && out[i] != '\n' && out[i] != '\t' &&
                !memchr(text, out[i], strlen(text)))
                abort();
        cs_fmt_free(f);
    } else if (err[0] == '\0' || memchr(err, '\n', strlen(err))) {
        abort(); /* every refusal explains itself on one line */
    }
    cs_out_free(o);
    free(text);
    return 0;
}

/* bpf.h: BPF filter expressions (pcap-filter(7)) applied to frames from files and stdin. */
#ifndef CASHARK_BPF_H
#define CASHARK_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/frame.h"

struct cs_bpf;

enum {
    CS_BPF_NOMATCH = 0,
    CS_BPF_MATCH = 1,
    CS_BPF_UNSUPPORTED = -1, /* the expression does not compile for this frame's link type */
};

/* Compiles expr at once (for Ethernet, or else any of a few common link types) so that a bad
 * expression is a usage error: NULL with libpcap's message in err. */
struct cs_bpf *cs_bpf_new(const char *expr, char *err, size_t errlen);

/* CS_BPF_MATCH, CS_BPF_NOMATCH, or CS_BPF_UNSUPPORTED (the caller warns once per link type, using
 * cs_bpf_link_error, and treats the frame as not matching). Compiles lazily per link type. */
int cs_bpf_match(struct cs_bpf *b, const struct cs_frame *f);

/* libpcap's reason why the expression does not compile for linktype ("" when it does or was
 * never tried). */
const char *cs_bpf_link_error(const struct cs_bpf *b, uint32_t linktype);

const char *cs_bpf_expr(const struct cs_bpf *b);
void cs_bpf_free(struct cs_bpf *b);

#endif

/* live.h: live capture from an interface through libpcap (immediate mode, kernel filter). */
#ifndef CASHARK_LIVE_H
#define CASHARK_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/frame.h"

struct cs_live;

/* Opens iface with snaplen (0: 262144), immediate delivery and nanosecond stamps when the
 * platform has them; bpf_expr (or NULL) becomes a kernel filter. NULL with a one-line message
 * in err without the interface name (no permission: names root / CAP_NET_RAW; no such
 * device; bad filter). */
struct cs_live *cs_live_open(const char *iface, uint32_t snaplen, const char *bpf_expr, char *err,
                             size_t errlen);

enum {
    CS_LIVE_FRAME = 1,
    CS_LIVE_TIMEOUT = 0, /* no packet within the read timeout: check signals, call again */
    CS_LIVE_ERROR = -1,
    CS_LIVE_STOPPED = -2, /* cs_live_break was called */
};

/* One of the values above; with CS_LIVE_FRAME, *f (ordinal untouched, iface 0) is valid until
 * the next call. */
int cs_live_next(struct cs_live *l, struct cs_frame *f);
const char *cs_live_error(const struct cs_live *l);
/* Async-signal-safe: makes the pending or next cs_live_next return CS_LIVE_STOPPED. */
void cs_live_break(struct cs_live *l);
/* Kernel counters (pcap_stats); 0, or -1 when the platform has none. */
int cs_live_stats(struct cs_live *l, uint64_t *received, uint64_t *dropped, uint64_t *ifdropped);
uint32_t cs_live_linktype(const struct cs_live *l);
uint32_t cs_live_snaplen(const struct cs_live *l);
uint8_t cs_live_ts_digits(const struct cs_live *l);
void cs_live_close(struct cs_live *l);

/* Calls cb once per capture device (-D), desc possibly NULL; 0, or -1 with err. */
int cs_live_list(void (*cb)(void *ctx, const char *name, const char *desc), void *ctx, char *err,
                 size_t errlen);

#endif

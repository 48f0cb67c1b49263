/* record.h: what dissectors hand to formatters: one record per packet summary or message. */
#ifndef CASHARK_RECORD_H
#define CASHARK_RECORD_H

#include "cashark/decode.h"
#include "cashark/flow.h"
#include "cashark/frame.h"

enum cs_record_kind {
    CS_REC_PACKET = 0, /* one packet and its one-line summary */
    CS_REC_CA,         /* one Channel Access message (app points at its parsed form) */
    CS_REC_MPTCP,      /* one MPTCP event */
    CS_REC_TCPCONN,    /* one TCP connection's summary (app: struct cs_tcpconn) */
    CS_REC_TCPPKT,     /* one packet of a followed connection (app: cs_tcpstats_pktinfo) */
    CS_REC_CASTAT,     /* one row of a `stats ca` table (app: struct cs_ca_row) */
    CS_REC_TCPGROUP,   /* one row of `stats tcp --by` (app: struct cs_tcpgroup) */
    CS_REC__COUNT
};

struct cs_record {
    enum cs_record_kind kind;
    const struct cs_frame *frame;  /* the frame that completed the record */
    const struct cs_packet *pkt;   /* its decoded layers */
    const struct cs_flow_view *fv; /* flow tracking's view of the packet (may be NULL) */
    const void *app;               /* kind-specific parsed message, NULL for packets */
    unsigned flags;                /* CS_RECF_* */
};

enum {
    /* An MPTCP DSS option that only maps or acknowledges data: printed with --show mptcp-dss. */
    CS_RECF_DATA_ONLY = 1u << 0,
};

#endif

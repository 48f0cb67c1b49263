/* frame.h: one captured frame as every source (file reader, live capture) hands it on. */
#ifndef CASHARK_FRAME_H
#define CASHARK_FRAME_H

#include <stdint.h>

/* Link-layer types (DLT_/LINKTYPE_ values as stored in capture files). */
enum {
    CS_DLT_NULL = 0,
    CS_DLT_EN10MB = 1,
    CS_DLT_PPP = 9,
    CS_DLT_RAW_12 = 12, /* raw IP on some BSDs */
    CS_DLT_RAW_14 = 14, /* raw IP on others */
    CS_DLT_PPP_SERIAL = 50,
    CS_DLT_PPP_ETHER = 51,
    CS_DLT_RAW = 101,
    CS_DLT_LOOP = 108,
    CS_DLT_LINUX_SLL = 113,
    CS_DLT_IPV4 = 228,
    CS_DLT_IPV6 = 229,
    CS_DLT_LINUX_SLL2 = 276,
};

struct cs_frame {
    uint64_t ordinal;    /* 1-based number of the frame across the whole run (all inputs) */
    int64_t ts_ns;       /* capture time, nanoseconds since the Unix epoch */
    uint8_t ts_digits;   /* decimals the source can express: 6 (micro) or 9 (nano) */
    uint32_t caplen;     /* bytes captured (length of data) */
    uint32_t len;        /* length on the wire */
    uint32_t linktype;   /* LINKTYPE_ value */
    uint32_t iface;      /* interface index within the input (pcapng IDB number; 0 for pcap) */
    const uint8_t *data; /* caplen bytes; valid until the source's next read */
};

#endif

/* reader.h: cashark's own bounded reader of pcap and pcapng savefiles (plain or gzip'd).
 *
 * One reader per input. Frames point into the reader's buffer (zero copy) and stay valid until
 * the next call on the same reader. Errors are one line without a trailing newline and without
 * the file name; the caller prefixes "cashark: FILE: ".
 */
#ifndef CASHARK_READER_H
#define CASHARK_READER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cashark/frame.h"

enum cs_capfmt {
    CS_CAPFMT_PCAP = 0,
    CS_CAPFMT_PCAPNG = 1,
};

/* One interface: pcap has exactly one; pcapng one per Interface Description Block, numbered
 * across all sections of the input (the run-unique value of cs_frame.iface). */
struct cs_iface {
    uint32_t linktype; /* LINKTYPE_ value (the low 16 bits of the pcap header field) */
    uint32_t snaplen;  /* as written in the file; 0 in pcapng means "no limit" */
    uint8_t ts_digits; /* 6 or 9 */
};

struct cs_reader;

/* "-" reads standard input. Returns NULL with a message in err when the input is missing,
 * empty, not a capture, or its file header is unusable. */
struct cs_reader *cs_reader_open_path(const char *path, char *err, size_t errlen);
/* Reads fd (not closed by cs_reader_close). name is only kept for the caller's benefit. */
struct cs_reader *cs_reader_open_fd(int fd, const char *name, char *err, size_t errlen);
/* Reads a caller-owned buffer that must outlive the reader (no copy). */
struct cs_reader *cs_reader_open_mem(const void *buf, size_t len, const char *name, char *err,
                                     size_t errlen);

/* 1: *f holds the next frame (f->ordinal untouched); 0: clean end; -1: error (see
 * cs_reader_error). Every complete packet before damage is returned first; after -1 or 0 every
 * further call returns the same value. */
int cs_reader_next(struct cs_reader *r, struct cs_frame *f);

const char *cs_reader_error(const struct cs_reader *r);
/* A read interrupted by a signal (EINTR) ends the input when *flag is set (a SIGINT/SIGTERM
 * handler's stop flag): a pipe that stays open no longer keeps cashark waiting after Ctrl-C. */
void cs_reader_set_interrupt(struct cs_reader *r, const volatile sig_atomic_t *flag);
const char *cs_reader_name(const struct cs_reader *r);
/* 1 when the input is a pipe, FIFO, socket or terminal: the caller flushes per record. */
int cs_reader_is_stream(const struct cs_reader *r);
/* 1 when the input was gzip-compressed. */
int cs_reader_is_gzip(const struct cs_reader *r);
enum cs_capfmt cs_reader_format(const struct cs_reader *r);
/* Interfaces seen so far (pcapng learns them as it reads). */
size_t cs_reader_n_ifaces(const struct cs_reader *r);
const struct cs_iface *cs_reader_iface(const struct cs_reader *r, size_t i);
/* Packet records returned so far. */
uint64_t cs_reader_records(const struct cs_reader *r);
/* Byte offset of the next unread byte in the (decompressed) stream. */
uint64_t cs_reader_offset(const struct cs_reader *r);
void cs_reader_close(struct cs_reader *r);

#endif

/* dumper.h: writes frames to a pcap or pcapng file (-w FILE; "-" is standard output). */
#ifndef CASHARK_DUMPER_H
#define CASHARK_DUMPER_H

#include <stddef.h>
#include <stdint.h>

#include "cashark/frame.h"
#include "cashark/reader.h"

struct cs_dumper;

/* Creates (truncates) path, or uses standard output for "-". snaplen 0 means 262144; a frame
 * longer than a non-zero snaplen is cut to it. pcap takes its link type and timestamp precision
 * (microsecond or nanosecond magic) from the first frame; pcapng writes one Interface
 * Description Block per distinct (link type, snaplen, precision), as first seen. Per-packet
 * flushing is on when the output is a pipe, FIFO, socket or terminal. */
struct cs_dumper *cs_dumper_open(const char *path, enum cs_capfmt fmt, uint32_t snaplen, char *err,
                                 size_t errlen);
/* Same on a caller-owned descriptor (not closed by cs_dumper_close). */
struct cs_dumper *cs_dumper_open_fd(int fd, enum cs_capfmt fmt, uint32_t snaplen, char *err,
                                    size_t errlen);

/* Forces per-packet flushing on or off. */
void cs_dumper_set_flush(struct cs_dumper *d, int per_packet);
/* The link type and precision to declare when no frame at all is written (default EN10MB,
 * microseconds), so that an empty result is still a valid capture. */
void cs_dumper_hint(struct cs_dumper *d, uint32_t linktype, uint8_t ts_digits);

/* 0 on success, -1 on error (see cs_dumper_error): a write failure, or in pcap a frame whose
 * link type differs from the first frame's. */
int cs_dumper_write(struct cs_dumper *d, const struct cs_frame *f);
/* Same, naming the snapshot length of the frame's source interface (pcapng IDB; 0 = the
 * dumper's). */
int cs_dumper_write_snap(struct cs_dumper *d, const struct cs_frame *f, uint32_t snaplen);

const char *cs_dumper_error(const struct cs_dumper *d);
uint64_t cs_dumper_count(const struct cs_dumper *d);

/* Writes what is buffered (and, when nothing was written yet, the file header); 0, or -1 with
 * the reason in cs_dumper_error. */
int cs_dumper_flush(struct cs_dumper *d);
/* Flushes and closes; 0, or -1 on a write or close failure (call cs_dumper_flush first to get
 * the reason). Frees d either way. */
int cs_dumper_close(struct cs_dumper *d);

#endif

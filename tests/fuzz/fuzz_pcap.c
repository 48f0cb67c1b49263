/* fuzz_pcap.c: a whole capture file (pcap, pcapng, gzip'd) through cashark's reader. */
#include <stddef.h>
#include <stdint.h>

#include "cashark/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct cs_reader *r = cs_reader_open_mem(data, size, "fuzz", err, sizeof err);
    if (!r)
        return 0;
    struct cs_frame f;
    uint64_t sum = 0;
    while (cs_reader_next(r, &f) == 1) {
        /* touch the first and last captured byte so that ASan checks the bounds */
        if (f.caplen)
            sum += (uint64_t)f.data[0] + f.data[f.caplen - 1];
        for (size_t i = 0; i < cs_reader_n_ifaces(r); i++)
            sum += cs_reader_iface(r, i)->linktype;
    }
    (void)cs_reader_error(r);
    cs_reader_close(r);
    return sum == 1 ? 1 : 0; /* never 1 in practice; keeps sum alive */
}

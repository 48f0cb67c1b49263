/* status.h: the process exit codes, documented in man/cashark.1 (EXIT STATUS). */
#ifndef CASHARK_STATUS_H
#define CASHARK_STATUS_H

enum {
    CS_EXIT_OK = 0,    /* every input read to its end (malformed packets are data, not errors) */
    CS_EXIT_INPUT = 1, /* an input was missing, empty, not a capture, or damaged part-way */
    CS_EXIT_USAGE = 2, /* bad command line: unknown option, bad filter, unknown field */
};

#endif

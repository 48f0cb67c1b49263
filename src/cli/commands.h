/* commands.h: the subcommands beside the default one (stats, follow) and what they share. */
#ifndef CASHARK_CLI_COMMANDS_H
#define CASHARK_CLI_COMMANDS_H

#include <stddef.h>

#include "cli.h"

#include "cashark/format.h"
#include "cashark/record.h"

/* `cashark stats KIND`: dispatches through the table of kinds in cmd_stats.c. */
int cs_cmd_stats(struct cs_cli *cli, struct cs_out *out);
/* `cashark stats ca` (cmd_stats_ca.c). */
int cs_cmd_stats_ca(struct cs_cli *cli, struct cs_out *out);
/* `cashark follow CONN`. */
int cs_cmd_follow(struct cs_cli *cli, struct cs_out *out);

struct cs_where;
/* --where compiled for a stats subcommand: 0, or CS_EXIT_USAGE after a message with a caret
 * under the column. *w stays NULL without --where. */
int cs_stats_compile_where(const char *text, struct cs_where **w);
/* CS_EXIT_USAGE (after a message) when --sort names no field of records of kind. */
int cs_stats_check_sort(const char *spec, enum cs_record_kind kind);
/* --sort (stable; a leading '-' for descending), then --where and --first over recs[0..*n):
 * keeps the rows that pass, in order, and sets *n. */
int cs_stats_select(const struct cs_cli *cli, struct cs_where *where, struct cs_record *recs,
                    size_t *n);

/* An aligned text table: a header line of the field names (when header), then one line per
 * record; numbers right-aligned, text left-aligned, absent values as "-". widths (ncols zeroed
 * entries on the first call) are computed from the first batch and kept for the next ones. */
void cs_table_print(struct cs_out *o, const struct cs_field *const *cols, size_t ncols,
                    const struct cs_record *recs, size_t nrec, size_t *widths, int header);
/* Resolves "<a> <b> ..." (a template of bare tokens) for records of kind into *cols (malloc'd).
 * Returns the count, or 0 with a message in err when a name is unknown. */
size_t cs_table_columns(const char *tpl, enum cs_record_kind kind, const struct cs_field ***cols,
                        char *err, size_t errlen);

#endif

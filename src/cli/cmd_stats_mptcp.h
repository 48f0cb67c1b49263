/* cmd_stats_mptcp.h: `cashark stats mptcp`, a row of the stats kinds table. */
#ifndef CASHARK_CLI_CMD_STATS_MPTCP_H
#define CASHARK_CLI_CMD_STATS_MPTCP_H

#include "cli.h"

#include "cashark/format.h"

/* Runs the pipeline with the MPTCP tracker and prints one summary per MPTCP connection (per
 * subflow with --subflows) in the -T format. Returns the exit code. */
int cs_cmd_stats_mptcp(struct cs_cli *cli, struct cs_out *out);

#endif

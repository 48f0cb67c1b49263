/* cmd_stats_mptcp.c: `cashark stats mptcp [--subflows]`: the MPTCP tracker fed by the shared
 * pipeline, each connection summarised once its subflows have left the flow table (RFC 8684). */
#include "cmd_stats_mptcp.h"

#include <stdio.h>

#include "pipeline.h"

#include "cashark/mptcp.h"
#include "cashark/status.h"

static int
mptcp_packet(void *ctx, const struct cs_frame *f, const struct cs_packet *p,
             const struct cs_flow_view *fv)
{
    cs_mptcp_packet(ctx, f, p, fv, NULL, NULL);
    return 0;
}

int
cs_cmd_stats_mptcp(struct cs_cli *cli, struct cs_out *out)
{
    struct cs_mptcp_config cfg = {cli->verbose, 0};
    struct cs_mptcp *m = cs_mptcp_new(&cfg);
    if (!m) {
        fputs("cashark: out of memory\n", stderr);
        return CS_EXIT_INPUT;
    }
    struct cs_pipeline pl;
    int rc = cs_pipeline_init(&pl, cli, out, mptcp_packet, m);
    if (rc == 0 && (cs_mptcp_attach(m, pl.flows) != 0 ||
                    cs_mptcp_stats_start(m, out, cli->fmt.outfmt, cli->subflows) != 0)) {
        fputs("cashark: out of memory\n", stderr);
        rc = CS_EXIT_INPUT;
    }
    if (rc == 0) {
        /* connections are printed in batches as their last subflow leaves the flow table */
        cs_pipeline_run(&pl);
        cs_mptcp_stats_end(m);
        cs_out_flush(out);
        rc = cs_pipeline_finish(&pl);
    }
    cs_pipeline_free(&pl);
    cs_mptcp_free(m);
    return rc;
}

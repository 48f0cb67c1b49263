#!/usr/bin/env python3
"""tshark_connections.py CAPTURE > NAME.connections.tsv: tshark's per-connection view in the
layout of shared/captures/tcp/*.connections.tsv (the columns tests/golden/tcpstats_check.py
compares), for cashark's own captures. One line per tshark tcp.stream; client = sender of the
SYN (else receiver of the SYN-ACK, else the first packet's source); hs_first = first SYN-ACK
minus first SYN; hs_last = first SYN-ACK minus the last SYN before it; bytes = tcp.len summed;
dupack, zero_win = packets with tcp.analysis.duplicate_ack / zero_window; win_min/max =
tcp.window_size (scaled when tshark knows the scale) over non-SYN packets.
"""
import subprocess
import sys

FIELDS = ["frame.time_epoch", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst",
          "ipv6.dst", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.reset",
          "tcp.flags.fin", "tcp.len", "tcp.window_size", "tcp.analysis.duplicate_ack",
          "tcp.analysis.zero_window"]
DIR_COLS = ["pkts", "bytes", "dupack", "zero_win", "rst", "fin", "win_min", "win_max"]


def ep(addr, port):
    return ("[%s]:%s" % (addr, port)) if ":" in addr else ("%s:%s" % (addr, port))


def flag(v):
    return v in ("1", "True")


def main():
    cmd = ["tshark", "-r", sys.argv[1], "-n", "-Y", "tcp", "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    streams = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src = ep(v["ip.src"] or v["ipv6.src"], v["tcp.srcport"])
        dst = ep(v["ip.dst"] or v["ipv6.dst"], v["tcp.dstport"])
        streams.setdefault(int(v["tcp.stream"]), []).append((src, dst, v))
    print("# tshark_connections.py %s (tshark %s)" % (sys.argv[1].split("/")[-1], subprocess.run(
        ["tshark", "--version"], capture_output=True, text=True).stdout.split()[2]))
    cols = ["stream", "client", "server", "syn_n", "syn_t", "synack_t", "hs_first", "hs_last",
            "first_t", "last_t"] + ["%s_%s" % (d, c) for d in ("c2s", "s2c") for c in DIR_COLS] + \
        ["rst_by", "fin_by"]
    print("\t".join(cols))
    for sid in sorted(streams):
        pk = streams[sid]
        client = None
        for src, dst, v in pk:
            syn, ack = flag(v["tcp.flags.syn"]), flag(v["tcp.flags.ack"])
            if syn and not ack:
                client = (src, dst)
                break
            if syn and ack:
                client = (dst, src)
                break
        if client is None:
            client = (pk[0][0], pk[0][1])
        row = {"stream": sid, "client": client[0], "server": client[1]}
        d = {k: {"pkts": 0, "bytes": 0, "dupack": 0, "zero_win": 0, "rst": 0, "fin": 0,
                 "win_min": None, "win_max": None} for k in ("c2s", "s2c")}
        syn_t = synack_t = last_syn = None
        syn_n = 0
        rst_by, fin_by = None, set()
        for src, dst, v in pk:
            k = "c2s" if src == client[0] and dst == client[1] else "s2c"
            t = float(v["frame.time_epoch"])
            syn, ack = flag(v["tcp.flags.syn"]), flag(v["tcp.flags.ack"])
            x = d[k]
            x["pkts"] += 1
            x["bytes"] += int(v["tcp.len"] or 0)
            x["dupack"] += bool(v["tcp.analysis.duplicate_ack"])
            x["zero_win"] += bool(v["tcp.analysis.zero_window"])
            if flag(v["tcp.flags.reset"]):
                x["rst"] += 1
                rst_by = rst_by or ("client" if k == "c2s" else "server")
            if flag(v["tcp.flags.fin"]):
                x["fin"] += 1
                fin_by.add("client" if k == "c2s" else "server")
            if syn and not ack and k == "c2s":
                syn_n += 1
                syn_t = t if syn_t is None else syn_t
                if synack_t is None:
                    last_syn = t
            if syn and ack and k == "s2c" and synack_t is None:
                synack_t = t
            if not syn and v["tcp.window_size"]:
                w = int(v["tcp.window_size"])
                x["win_min"] = w if x["win_min"] is None else min(w, x["win_min"])
                x["win_max"] = w if x["win_max"] is None else max(w, x["win_max"])
        f6 = lambda t: "" if t is None else "%.6f" % t
        row.update(syn_n=syn_n, syn_t=f6(syn_t), synack_t=f6(synack_t),
                   hs_first=f6(synack_t - syn_t) if syn_t is not None and synack_t is not None else "",
                   hs_last=f6(synack_t - last_syn) if last_syn is not None and synack_t is not None else "",
                   first_t=f6(float(pk[0][2]["frame.time_epoch"])),
                   last_t=f6(float(pk[-1][2]["frame.time_epoch"])),
                   rst_by=rst_by or "-",
                   fin_by="+".join(sorted(fin_by)) if fin_by else "-")
        for k in ("c2s", "s2c"):
            for c in DIR_COLS:
                val = d[k][c]
                row["%s_%s" % (k, c)] = "-" if val is None else val
        print("\t".join(str(row[c]) for c in cols))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""tcpstats_check.py BINARY REFDIR [NAME...]: `cashark stats tcp` against the reference outputs.

For each capture NAME.pcap in REFDIR (default: every NAME with a NAME.tcptrace.txt) it runs
`BINARY stats tcp -T csv REFDIR/NAME.pcap` and checks, per connection:
  - tcptrace (NAME.tcptrace.txt, `tcptrace -l -r -n`): rexmt data pkts/bytes, unique bytes sent
    and outoforder pkts, both directions (tcptrace's host a is the first packet's sender);
  - tshark (NAME.connections.tsv): endpoints, syn_n, first/last/syn/SYN-ACK times, hs_first,
    hs_last, packets, payload bytes, zero windows, RST/FIN counts, rst_by, fin_by, win_min/max;
  - the answers (NAME.answers.txt): Q1 (first connection with SYN->SYN-ACK > 300 ms, from the first
    and from the last SYN) and Q2 (connections reset by the client, with the number of other
    connections of that client in progress, and to other servers) through --where/--first;
  - the conversation views (NAME.conv.N.tsv): `follow N -T tsv` gives the same dir, seq, ack,
    len, win, flags and time per packet;
  - `stats tcp --by server`: counts, sums and type-7 quantiles computed here from the tshark
    table and tcptrace's counts (data packets; retransmissions without SYN/FIN copies).
Prints PASS/FAIL per check and "N passed, N failed"; exits 0 only when nothing failed.
"""
import csv
import io
import ipaddress
import os
import re
import subprocess
import sys

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS", name)
    else:
        failed += 1
        print("FAIL", name, detail)


def endpoint(text):
    """'10.77.0.2:80', '[fd77::2]:80' or tcptrace's 'fd77::0002:80' -> (ip_address, port)."""
    text = text.strip()
    if text.startswith("["):
        a, p = text[1:].split("]:")
    else:
        a, p = text.rsplit(":", 1)
    return (ipaddress.ip_address(a), int(p))


def run(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (args, r.returncode, r.stderr))
    return r.stdout


def csv_rows(text, delim=","):
    return list(csv.DictReader(io.StringIO(text), delimiter=delim))


def tcptrace_conns(path):
    """[(host_a, host_b, {field: (a2b, b2a)})] in tcptrace's order."""
    out = []
    cur = None
    for line in open(path):
        m = re.match(r"\s+host \w+:\s+(\S+)", line)
        if m:
            if cur is None or len(cur[1]) == 2:
                cur = [None, []]
                out.append(cur)
            cur[1].append(endpoint(m.group(1)))
            if len(cur[1]) == 2:
                cur[0] = {}
            continue
        m = re.match(r"\s+(rexmt data pkts|rexmt data bytes|unique bytes sent|outoforder pkts|"
                     r"actual data pkts):\s+(\d+)\s+\S.*?:\s+(\d+)", line)
        if m and cur and cur[0] is not None:
            cur[0][m.group(1)] = (int(m.group(2)), int(m.group(3)))
        m = re.match(r"\s+SYN/FIN pkts sent:\s+(\d+)/(\d+)\s+SYN/FIN pkts sent:\s+(\d+)/(\d+)",
                     line)
        if m and cur and cur[0] is not None:
            cur[0]["syn"] = (int(m.group(1)), int(m.group(3)))
            cur[0]["fin"] = (int(m.group(2)), int(m.group(4)))
    return [(c[1][0], c[1][1], c[0]) for c in out]


def check_tcptrace(binary, refdir, name, rows):
    by_pair = {}
    for r in rows:
        by_pair.setdefault((endpoint(r["client"]), endpoint(r["server"])), []).append(r)
    tt = tcptrace_conns(os.path.join(refdir, name + ".tcptrace.txt"))
    bad = []
    fields = {"rexmt data pkts": "retrans_pkts", "rexmt data bytes": "retrans_bytes",
              "unique bytes sent": "unique_bytes", "outoforder pkts": "ooo_pkts",
              "actual data pkts": "data_pkts"}
    used = {}
    oriented = {}
    for a, b, vals in tt:
        if (a, b) in by_pair:
            cands, flip = by_pair[(a, b)], False
        elif (b, a) in by_pair:
            cands, flip = by_pair[(b, a)], True
        else:
            bad.append("no row for %s-%s" % (a, b))
            continue
        k = used.get(id(cands), 0)
        used[id(cands)] = k + 1
        if k >= len(cands):
            bad.append("too few rows for %s-%s" % (a, b))
            continue
        r = cands[k]
        oriented[r["conn"]] = {f: ((v[1], v[0]) if flip else v) for f, v in vals.items()}
        for tf, cf in fields.items():
            ab, ba = vals[tf]
            c2s, s2c = (ba, ab) if flip else (ab, ba)
            got = (int(r["c2s_" + cf]), int(r["s2c_" + cf]))
            if got != (c2s, s2c):
                bad.append("conn %s %s: cashark %s, tcptrace %s" % (r["conn"], cf, got, (c2s, s2c)))
    check("%s.tcptrace (%d connections)" % (name, len(tt)), not bad and len(tt) == len(rows),
          "; ".join(bad[:10]) + (" (rows %d)" % len(rows)))
    return oriented


def quantile(values, pct):
    """Hyndman-Fan type 7, as statistics.quantiles(method="inclusive") and numpy."""
    v = sorted(values)
    if not v:
        return None
    h = (len(v) - 1) * pct / 100.0
    i = int(h)
    return v[i] if i + 1 >= len(v) else v[i] + (h - i) * (v[i + 1] - v[i])


def check_by_server(binary, refdir, name, tcptrace):
    """`stats tcp --by server -T csv` against sums and quantiles computed here from the tshark
    table (NAME.connections.tsv) and tcptrace's per-connection counts."""
    path = os.path.join(refdir, name + ".connections.tsv")
    lines = [l for l in open(path) if not l.startswith("#")]
    ref = list(csv.DictReader(io.StringIO("".join(lines)), delimiter="\t"))
    groups = {}
    for t in ref:
        groups.setdefault(endpoint(t["server"]), []).append(t)
    got = {endpoint(r["server"]): r for r in
           csv_rows(run(binary, "stats", "tcp", "--by", "server", "-T", "csv",
                        os.path.join(refdir, name + ".pcap")))}
    bad = []
    if set(got) != set(groups):
        bad.append("servers: cashark %s, reference %s" % (sorted(got), sorted(groups)))
    for key, ts in groups.items():
        r = got.get(key)
        if r is None:
            continue
        hs = [num(t["hs_first"]) for t in ts if t["hs_first"] not in ("", "-")]
        hsl = [num(t["hs_last"]) for t in ts if t["hs_last"] not in ("", "-")]
        dur = [num(t["last_t"]) - num(t["first_t"]) for t in ts]
        tt = [tcptrace.get(t["stream"]) for t in ts]
        want = {
            "conns": len(ts), "hs_n": len(hs),
            "syn_retrans": sum(max(int(t["syn_n"]) - 1, 0) for t in ts),
            "no_synack": sum(1 for t in ts if int(t["syn_n"]) > 0 and t["synack_t"] in ("", "-")),
            "bytes": sum(int(t["c2s_bytes"]) + int(t["s2c_bytes"]) for t in ts),
            "zero_win": sum(int(t["c2s_zero_win"]) + int(t["s2c_zero_win"]) for t in ts),
            "rst_client": sum(1 for t in ts if t["rst_by"] == "client"),
            "rst_server": sum(1 for t in ts if t["rst_by"] == "server"),
        }
        if all(tt):
            want["data_pkts"] = sum(sum(x["actual data pkts"]) for x in tt)
            # tcptrace's rexmt counts SYN and FIN copies too: take them out
            want["retrans_pkts"] = sum(sum(x["rexmt data pkts"]) - sum(max(n - 1, 0) for n in x["syn"])
                                       - sum(max(n - 1, 0) for n in x["fin"]) for x in tt)
        else:
            bad.append("%s: tcptrace lacks a connection" % (key,))
        for f, w in want.items():
            if int(r[f]) != w:
                bad.append("%s %s: cashark %s, reference %s" % (key, f, r[f], w))
        times = {"hs_min": quantile(hs, 0), "hs_q1": quantile(hs, 25),
                 "hs_median": quantile(hs, 50), "hs_q3": quantile(hs, 75),
                 "hs_p90": quantile(hs, 90), "hs_max": quantile(hs, 100),
                 "hs_last_median": quantile(hsl, 50), "hs_last_p90": quantile(hsl, 90),
                 "hs_last_max": quantile(hsl, 100), "duration_median": quantile(dur, 50),
                 "duration_p90": quantile(dur, 90), "duration_max": quantile(dur, 100),
                 "first_t": min(num(t["first_t"]) for t in ts),
                 "last_t": max(num(t["last_t"]) for t in ts)}
        for f, w in times.items():
            g = num(r[f])
            if (w is None) != (g is None) or (w is not None and abs(w - g) > 2e-6):
                bad.append("%s %s: cashark %s, reference %s" % (key, f, r[f], w))
        if want.get("data_pkts"):
            pct = 100.0 * int(r["retrans_pkts"]) / want["data_pkts"]
            if abs(float(r["retrans_pct"]) - pct) > 0.01:
                bad.append("%s retrans_pct: cashark %s, reference %.4f" % (key, r["retrans_pct"], pct))
    check("%s.by_server (%d servers)" % (name, len(groups)), not bad, "; ".join(bad[:10]))


def num(s):
    return float(s) if s not in ("", None) else None


def check_tshark(refdir, name, rows):
    path = os.path.join(refdir, name + ".connections.tsv")
    lines = [l for l in open(path) if not l.startswith("#")]
    ref = list(csv.DictReader(io.StringIO("".join(lines)), delimiter="\t"))
    bad = []
    if len(ref) != len(rows):
        bad.append("%d rows, tshark %d streams" % (len(rows), len(ref)))
    same = ["syn_n", "c2s_dupack", "s2c_dupack", "c2s_pkts", "c2s_bytes", "s2c_pkts", "s2c_bytes", "c2s_zero_win",
            "s2c_zero_win", "c2s_rst", "s2c_rst", "c2s_fin", "s2c_fin", "c2s_win_min",
            "c2s_win_max", "s2c_win_min", "s2c_win_max"]
    times = ["first_t", "last_t", "syn_t", "synack_t", "hs_first", "hs_last"]
    for t, r in zip(ref, rows):
        if t["stream"] != r["conn"]:
            bad.append("stream %s vs conn %s" % (t["stream"], r["conn"]))
        if endpoint(t["client"]) != endpoint(r["client"]) or \
           endpoint(t["server"]) != endpoint(r["server"]):
            bad.append("conn %s endpoints" % r["conn"])
        for f in same:
            tv = t[f] if t[f] != "" else "-"
            rv = r[f] if r[f] != "" else "-"
            if tv != rv and not (tv == "-" and f.endswith(("win_min", "win_max"))):
                bad.append("conn %s %s: cashark %s, tshark %s" % (r["conn"], f, rv, tv))
        for f in times:
            a, b = num(t[f]), num(r[f])
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 2e-6):
                bad.append("conn %s %s: cashark %s, tshark %s" % (r["conn"], f, r[f], t[f]))
        for f in ["rst_by", "fin_by"]:
            tv = t[f].replace("client+server", "both")
            if tv != r[f]:
                bad.append("conn %s %s: cashark %s, tshark %s" % (r["conn"], f, r[f], t[f]))
    check("%s.tshark (%d connections)" % (name, len(ref)), not bad, "; ".join(bad[:10]))


def check_answers(binary, refdir, name):
    cap = os.path.join(refdir, name + ".pcap")
    if not os.path.exists(os.path.join(refdir, name + ".answers.txt")):
        return  # cashark's own captures have no shared answers
    text = open(os.path.join(refdir, name + ".answers.txt")).read()
    bad = []
    for field, label in (("hs_first", "FIRST"), ("hs_last", "LAST SYN")):
        m = re.search(r"measured from the %s.*?: (none|stream=(\d+).*?total such connections: "
                      r"(\d+))" % label, text)
        first = csv_rows(run(binary, "stats", "tcp", "-T", "csv", "--where", field + " > 300ms",
                             "--first", "1", cap))
        allr = csv_rows(run(binary, "stats", "tcp", "-T", "csv", "--where", field + " > 300ms",
                            cap))
        want = None if m.group(1) == "none" else m.group(2)
        got = first[0]["conn"] if first else None
        if got != want:
            bad.append("%s > 300ms first: cashark %s, answer %s" % (field, got, want))
        wantn = 0 if m.group(1) == "none" else int(m.group(3))
        if len(allr) != wantn:
            bad.append("%s > 300ms count: cashark %d, answer %d" % (field, len(allr), wantn))
    want = {}
    for m in re.finditer(r"stream=(\d+) client=\S+ server=\S+ rst_frame=\d+ rst_time=\S+ .*?"
                         r"in_progress_same_client=(\d+) to_other_servers=(\d+)", text):
        want[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    m = re.search(r"established connections whose first RST came from the client: (\d+)", text)
    rows = csv_rows(run(binary, "stats", "tcp", "-T", "csv", "--where",
                        'rst_by = "client" && synack_t > 0', cap))
    got = {r["conn"]: (int(r["open_at_rst"]), int(r["open_at_rst_other_servers"])) for r in rows}
    if int(m.group(1)) != len(got):
        bad.append("client resets: cashark %d, answer %s" % (len(got), m.group(1)))
    for k, v in want.items():
        if got.get(k) != v:
            bad.append("conn %s open_at_rst: cashark %s, answer %s" % (k, got.get(k), v))
    check("%s.answers" % name, not bad, "; ".join(bad[:10]))


def check_conv(binary, refdir, name):
    cap = os.path.join(refdir, name + ".pcap")
    for f in sorted(os.listdir(refdir)):
        m = re.match(re.escape(name) + r"\.conv\.(\d+)\.tsv$", f)
        if not m:
            continue
        lines = [l for l in open(os.path.join(refdir, f)) if not l.startswith("#")]
        more = sum(int(x) for x in re.findall(r"^\.\.\. (\d+) more packets", "".join(lines), re.M))
        lines = [l for l in lines if not l.startswith("...")]
        ref = list(csv.DictReader(io.StringIO("".join(lines)), delimiter="\t"))
        got = csv_rows(run(binary, "follow", m.group(1), "-T", "tsv", cap), "\t")
        bad = []
        if len(ref) + more != len(got):
            bad.append("%d packets, reference %d" % (len(got), len(ref)))
        for t, r in zip(ref, got):
            pairs = [("dir", "dir"), ("ord", "tcp.pkt"), ("flags", "tcp.flags"),
                     ("seq", "tcp.seq"), ("ack", "tcp.ack"), ("len", "tcp.len"),
                     ("win", "tcp.win")]
            for tf, cf in pairs:
                tv, cv = t[tf], r[cf]
                if tf == "ack" and cv == "" and tv == "0":
                    continue  # the reference prints 0 where no ACK flag is set
                if tv != cv:
                    bad.append("packet %s %s: cashark %s, reference %s" % (t["ord"], tf, cv, tv))
            if abs(float(t["t_rel"]) - float(r["tcp.reltime"])) > 2e-6:
                bad.append("packet %s t_rel" % t["ord"])
        check("%s.conv.%s" % (name, m.group(1)), not bad, "; ".join(bad[:10]))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, refdir = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or sorted(f[:-len(".tcptrace.txt")] for f in os.listdir(refdir)
                                   if f.endswith(".tcptrace.txt"))
    for name in names:
        cap = os.path.join(refdir, name + ".pcap")
        rows = csv_rows(run(binary, "stats", "tcp", "-T", "csv", cap))
        tt = check_tcptrace(binary, refdir, name, rows)
        check_tshark(refdir, name, rows)
        check_by_server(binary, refdir, name, tt)
        check_answers(binary, refdir, name)
        check_conv(binary, refdir, name)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

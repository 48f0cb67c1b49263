#!/usr/bin/env python3
"""ca_latency_check.py BINARY TESTDATA: `cashark stats ca` against the shared latency answers.

For every testdata/X.latency.txt (the seed's channel-creation latency analysis done right:
requests matched per circuit, full list, describe() per server address) whose capture X.pcap or
X.pcapng is there, runs `cashark stats ca -T csv --table latency X` and `--table servers` and
checks:
  - the raw rows: same PV, server address, request time t and latency dt, in the same order
    (the reference prints t and dt with 6 decimals, as the microsecond captures hold them);
  - the unanswered count of the reference's first line;
  - the describe() table per server address: count, and mean, std, min, 25%, 50%, 75%, max
    within one unit of the reference's 6th decimal of cashark's full-precision values (std NaN
    for a single sample: an empty cell). Not to the digit: the reference took dt as the
    difference of two float64 epoch timestamps (1.8e9 s), which is off by up to 2e-7 s, while
    cashark subtracts integer nanoseconds; on ca_large_mtu1500 the 75% quartile falls on a
    rounding tie (exactly 0.0041235 s: cashark 0.004124, the reference 0.0041234493 -> 0.004123).
Prints PASS/FAIL per capture and `N passed, N failed`; exit 0 only when nothing failed.
"""
import csv
import io
import os
import re
import subprocess
import sys


def parse_reference(path):
    text = open(path).read()
    m = re.search(r"^(\d+) channel creation requests were unanswered", text, re.M)
    unanswered = int(m.group(1)) if m else None
    raw, stats = [], {}
    section = None
    for line in text.splitlines():
        if line.startswith("Raw data:"):
            section = "raw"
            continue
        if line.startswith("Aggregated stats"):
            section = "agg"
            continue
        f = line.split()
        if section == "raw" and len(f) == 5 and f[0].isdigit():
            raw.append((f[1], f[2], f[3], f[4]))
        elif section == "agg" and len(f) == 9 and re.match(r"^[0-9a-f.:]+$", f[0]):
            stats[f[0]] = f[1:]
    return unanswered, raw, stats


def run_csv(binary, capture, table):
    p = subprocess.run([binary, "stats", "ca", "-T", "csv", "--table", table, capture],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s" % (p.returncode, p.stderr.strip()))
    return list(csv.DictReader(io.StringIO(p.stdout)))


def fmt6(cell):
    return "NaN" if cell == "" else "%.6f" % float(cell)


def stats_close(got, want):
    if got.keys() != want.keys():
        return False
    for k, w in want.items():
        g = got[k]
        if g[0] != w[0]:
            return False
        for x, y in zip(g[1:], w[1:]):
            if (x == "NaN") != (y == "NaN"):
                return False
            if x != "NaN" and abs(float(x) - float(y)) > 1.5e-6:
                return False
    return True


def check(binary, capture, ref):
    unanswered, raw, stats = parse_reference(ref)
    errors = []
    rows = run_csv(binary, capture, "latency")
    got = [(r["pv"], r["server"].rsplit(":", 1)[0], r["t"], r["dt"]) for r in rows]
    if got != raw:
        errors.append("latency rows differ:\n  want %s\n  got  %s" % (raw, got))
    servers = run_csv(binary, capture, "servers")
    n_unans = sum(int(r["unanswered"]) for r in servers)
    if unanswered is not None and n_unans != unanswered:
        errors.append("unanswered: want %d, got %d" % (unanswered, n_unans))
    got_stats = {}
    for r in servers:
        if r["count"] == "0":
            continue
        got_stats[r["server"]] = [r["count"]] + [
            fmt6(r[k]) for k in ("mean", "std", "min", "p25", "p50", "p75", "max")]
    if not stats_close(got_stats, stats):
        errors.append("describe() differs:\n  want %s\n  got  %s" % (stats, got_stats))
    return errors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, testdata = sys.argv[1], sys.argv[2]
    passed = failed = 0
    for name in sorted(os.listdir(testdata)):
        if not name.endswith(".latency.txt"):
            continue
        stem = name[: -len(".latency.txt")]
        caps = [os.path.join(testdata, stem + ext) for ext in (".pcap", ".pcapng")]
        caps = [c for c in caps if os.path.exists(c)]
        if not caps:
            print("FAIL %s: no capture" % stem)
            failed += 1
            continue
        try:
            errors = check(binary, caps[0], os.path.join(testdata, name))
        except (RuntimeError, subprocess.TimeoutExpired, KeyError) as e:
            errors = [str(e)]
        if errors:
            failed += 1
            print("FAIL %s" % stem)
            for e in errors:
                print("  " + e)
        else:
            passed += 1
            print("PASS %s" % stem)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""ca_bench.py: `cashark --show ca FILE > /dev/null` on a >= 200 MB Channel Access capture,
against the libpcap read floor, with every message counted.

Usage: bench/ca_bench.py [--cashark build/cashark] [--capture /tmp/cashark-ca-bench.pcap]
                         [--size 210] [--runs 5] [--workdir /tmp/cashark-bench]

Makes the capture with ca_multiply.py when it is absent (copies of the real CA captures of
testdata/, see there), builds bench/floor.c, then runs floor and cashark in pairs (measure.py's
timing: median of the per-pair ratios, peak RSS from GNU time) and checks that
`cashark --show ca` prints exactly as many CA message lines as the generator wrote messages,
and no marker line ([gap ...], [skipped ...]). Also the peak RSS on the first half of the
capture: memory is bounded when it is the same. Prints the figures and writes ca_results.json.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import measure  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cashark", default=os.path.join(HERE, "..", "build", "cashark"))
    ap.add_argument("--capture", default="/tmp/cashark-ca-bench.pcap")
    ap.add_argument("--size", type=float, default=210)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workdir", default="/tmp/cashark-bench")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    meta_path = args.capture + ".json"
    if not os.path.exists(args.capture) or not os.path.exists(meta_path):
        out = subprocess.run([sys.executable, os.path.join(HERE, "ca_multiply.py"), args.capture,
                              "--size", str(args.size)], check=True, capture_output=True,
                             text=True).stdout
        with open(meta_path, "w") as f:
            f.write(out)
    meta = json.load(open(meta_path))
    floor = os.path.join(args.workdir, "floor")
    if not os.path.exists(floor):
        subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", floor,
                        os.path.join(HERE, "floor.c"), "-lpcap"], check=True)
    # every message printed: count the lines (a second, unmeasured run)
    p = subprocess.Popen([args.cashark, "--show", "ca", args.capture], stdout=subprocess.PIPE)
    lines = markers = 0
    for line in p.stdout:
        lines += 1
        f = line.split(None, 2)
        if len(f) == 3 and f[2].startswith(b"["):
            markers += 1
    p.wait()
    errfile = os.path.join(args.workdir, "ca_bench.err")
    ratios, walls, floors, rss = [], [], [], []
    for _ in range(args.runs):
        fw, _, _ = measure.run([floor, args.capture], errfile + ".floor")
        cw, peak, rc = measure.run([args.cashark, "--show", "ca", args.capture], errfile)
        if rc != 0:
            sys.exit("cashark failed: " + measure.first_line(errfile))
        ratios.append(cw / fw)
        walls.append(cw)
        floors.append(fw)
        rss.append(peak or 0)
    half = os.path.join(args.workdir, "ca_half.pcap")
    if not os.path.exists(half) or os.stat(half).st_mtime < os.stat(args.capture).st_mtime:
        subprocess.run(["tcpdump", "-r", args.capture, "-c", str(meta["packets"] // 2), "-w",
                        half], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, half_rss, _ = measure.run([args.cashark, "--show", "ca", half], errfile)
    res = {
        "capture_bytes": meta["bytes"], "packets": meta["packets"], "copies": meta["copies"],
        "messages_sent": meta["messages"], "lines_printed": lines, "marker_lines": markers,
        "ratio_median": statistics.median(ratios), "ratios": ratios,
        "cashark_wall_median": statistics.median(walls),
        "floor_wall_median": statistics.median(floors),
        "peak_rss_kib": max(rss), "half_capture_peak_rss_kib": half_rss,
    }
    json.dump(res, open(os.path.join(args.workdir, "ca_results.json"), "w"), indent=1)
    w = res["cashark_wall_median"]
    print("capture: %.1f MB, %d packets, %d copies of the testdata CA captures"
          % (meta["bytes"] / 1e6, meta["packets"], meta["copies"]))
    print("messages: %d sent, %d lines printed (%d markers): %s"
          % (meta["messages"], lines, markers,
             "100 %" if lines == meta["messages"] and not markers else "MISMATCH"))
    print("cashark --show ca: %.2f x floor (ratios %s), %.2f s, %.2f M msg/s, %.0f MB/s"
          % (res["ratio_median"], " ".join("%.2f" % r for r in ratios), w,
             meta["messages"] / w / 1e6, meta["bytes"] / w / 1e6))
    print("floor: %.2f s; peak RSS %.1f MiB (first half of the capture: %.1f MiB)"
          % (res["floor_wall_median"], max(rss) / 1024, (half_rss or 0) / 1024))


if __name__ == "__main__":
    main()

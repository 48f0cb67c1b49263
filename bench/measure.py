#!/usr/bin/env python3
"""measure.py: time cashark, tcpdump and tshark against the libpcap read floor, paired runs.

Each command is run N times, each run right after a run of the floor (floor,
command, floor, command, ...), and reported as the median of the per-pair
ratios command/floor, so drift in the machine's speed during the benchmark
cancels out. Wall time is measured around posix_spawn and wait4 (GNU time's own
start-up, about a millisecond, is inside it; start-up runs go without it); peak
RSS is GNU time's %M. stdout goes to /dev/null.
Results are written as JSON for report.py.
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import time

DEVNULL = os.open(os.devnull, os.O_RDWR)
TIME = "/usr/bin/time"


def run(argv, errfile, rss=True):
    """Run argv once; return wall seconds, peak RSS in KiB (None when rss is
    false), exit status. RSS comes from GNU time's %M: wait4's ru_maxrss of a
    child forked by this Python process would include Python's own pages (Linux
    keeps the pre-exec high-water mark), GNU time is small."""
    rssfile = errfile + ".rss"
    if rss:
        argv = [TIME, "-f", "%M", "-o", rssfile] + argv
    fd = os.open(errfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    actions = [
        (os.POSIX_SPAWN_DUP2, DEVNULL, 0),
        (os.POSIX_SPAWN_DUP2, DEVNULL, 1),
        (os.POSIX_SPAWN_DUP2, fd, 2),
    ]
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
        _, status, _ = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
    finally:
        os.close(fd)
    peak = None
    if rss:
        try:
            with open(rssfile) as f:
                peak = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            peak = None
    return wall, peak, os.waitstatus_to_exitcode(status)


def first_line(path):
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.strip() and "Running as user" not in line and "dangerous" not in line:
                    return line.strip()[:160]
    except OSError:
        pass
    return ""


def floor_count(floor, capture):
    out = subprocess.run([floor, capture], check=True, capture_output=True, text=True).stdout
    packets, caplen = out.split()
    return int(packets), int(caplen)


def derived_captures(args, packets):
    """The first half of the capture (RSS flatness), a 1000-packet probe, an empty pcap."""
    half = os.path.join(args.workdir, "half.pcap")
    probe = os.path.join(args.workdir, "probe.pcap")
    empty = os.path.join(args.workdir, "empty.pcap")
    src_mtime = os.stat(args.capture).st_mtime
    for path, count in ((half, max(1, packets // 2)), (probe, min(1000, packets))):
        if not os.path.exists(path) or os.stat(path).st_mtime < src_mtime:
            subprocess.run(
                ["tcpdump", "-r", args.capture, "-c", str(count), "-w", path],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
    with open(empty, "wb") as f:  # pcap header only: microseconds, v2.4, snaplen 262144, EN10MB
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    return half, probe, empty


def paired(name, argv, args, n, errfile):
    """n pairs of (floor, argv): ratios, walls, RSS."""
    ratios, walls, floors, rss = [], [], [], []
    rc = 0
    for i in range(n):
        fw, _, frc = run([args.floor, args.capture], errfile + ".floor")
        if frc != 0:
            sys.exit("measure.py: the floor failed: " + first_line(errfile + ".floor"))
        w, r, rc = run(argv, errfile)
        if rc != 0:
            break
        ratios.append(w / fw)
        walls.append(w)
        floors.append(fw)
        rss.append(r)
        print("  %-16s run %d/%d: %.3f s, floor %.3f s, ratio %.2f" % (name, i + 1, n, w, fw, w / fw),
              file=sys.stderr, flush=True)
    if rc != 0:
        return {"name": name, "argv": argv, "error": "exit %d: %s" % (rc, first_line(errfile))}
    return {
        "name": name,
        "argv": argv,
        "runs": n,
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "wall": statistics.median(walls),
        "floor_wall": statistics.median(floors),
        "rss_kib": max(rss),
    }


def single(name, argv, n, errfile, ok=(0,), rss=True):
    walls, peaks = [], []
    rc = 0
    for _ in range(n):
        w, r, rc = run(argv, errfile, rss=rss)
        if rc not in ok:
            return {"name": name, "argv": argv, "error": "exit %d: %s" % (rc, first_line(errfile))}
        walls.append(w)
        peaks.append(r)
    return {"name": name, "argv": argv, "runs": n, "wall": statistics.median(walls),
            "rss_kib": max(peaks) if all(p is not None for p in peaks) else None, "exit": rc}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floor", required=True)
    ap.add_argument("--capture", required=True)
    ap.add_argument("--cashark", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tshark-runs", type=int, default=3)
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    err = os.path.join(args.workdir, "stderr")

    # Warm the page cache, then count.
    for _ in range(2):
        run([args.floor, args.capture], err)
    packets, caplen = floor_count(args.floor, args.capture)
    size = os.stat(args.capture).st_size
    half, probe, empty = derived_captures(args, packets)
    result = {
        "capture": args.capture,
        "bytes": size,
        "packets": packets,
        "caplen_bytes": caplen,
        "runs": args.runs,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "host": os.uname().nodename,
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg()[0],
        "rows": [],
    }
    meta = args.capture + ".meta.json"
    if os.path.exists(meta):
        with open(meta) as f:
            try:
                result["generation"] = json.load(f)
            except ValueError:
                pass
    rows = result["rows"]

    if not os.access(TIME, os.X_OK):
        sys.exit("measure.py: %s is missing (Debian package 'time')" % TIME)
    floors = [run([args.floor, args.capture], err) for _ in range(args.runs)]
    rows.append({"name": "floor", "argv": [args.floor, args.capture], "runs": args.runs,
                 "ratio": 1.0, "wall": statistics.median(f[0] for f in floors),
                 "floor_wall": statistics.median(f[0] for f in floors),
                 "rss_kib": max(f[1] for f in floors)})

    # The floor against itself: how far apart two identical runs fall on this machine now.
    rows.append(paired("floor vs floor", [args.floor, args.capture], args, args.runs, err))

    cs = args.cashark
    modes = [
        ("cashark", []),
        ("cashark --format", ["--format", "<src> <dst> <command>"]),
        ("cashark --count", ["--count"]),
        ("cashark -f nomatch", ["-f", "host 192.0.2.1"]),
    ]
    have_cashark = os.access(cs, os.X_OK)
    for name, extra in modes:
        if not have_cashark:
            rows.append({"name": name, "argv": [cs] + extra, "error": "no executable at " + cs})
            continue
        _, _, rc = run([cs] + extra + [probe], err)
        if rc != 0:
            rows.append({"name": name, "argv": [cs] + extra,
                         "error": "probe exit %d: %s" % (rc, first_line(err))})
            continue
        rows.append(paired(name, [cs] + extra + [args.capture], args, args.runs, err))
    default = next(r for r in rows if r["name"] == "cashark")
    if "error" not in default:
        print("  cashark on the first half of the capture (RSS)", file=sys.stderr, flush=True)
        row = single("cashark half", [cs, half], 3, err)
        rows.append(row)
        row = single("cashark --count half", [cs, "--count", half], 3, err)
        rows.append(row)

    rows.append(paired("tcpdump -n", ["tcpdump", "-n", "-r", args.capture], args, args.runs, err))
    if not args.no_tshark:
        rows.append(paired("tshark", ["tshark", "-r", args.capture], args, args.tshark_runs, err))

    # Start-up: spawn cost of /bin/true for reference, then cashark on an empty capture.
    rows.append(single("spawn /bin/true", ["true"], args.startup_runs, err, rss=False))
    if have_cashark:
        # An empty capture may count as "empty input" (exit 1); the time is what matters.
        rows.append(single("cashark start-up", [cs, empty], args.startup_runs, err, ok=(0, 1),
                           rss=False))
        rows.append(single("cashark --version", [cs, "--version"], args.startup_runs, err,
                           rss=False))

    result["loadavg_end"] = os.getloadavg()[0]
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

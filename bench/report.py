#!/usr/bin/env python3
"""report.py: print bench/measure.py's JSON results as a table with cashark's targets beside them.

Usage: report.py RESULTS.json [--markdown]
Exit status 0 whatever the verdicts: the benchmark reports, it does not gate.
"""

import json
import sys

MIB = 1024 * 1024

# name -> (largest median ratio to the floor, what the issue compares it with)
RATIO_TARGETS = {
    "cashark": (3.0, "default line to /dev/null"),
    "cashark --format": (2.5, "--format '<src> <dst> <command>'"),
    "cashark --count": (1.2, "count only"),
    "cashark -f nomatch": (1.1, "BPF 'host 192.0.2.1', matches nothing"),
}
REFERENCE = {
    "tcpdump -n": "Debian's: about 22x",
    "tshark": "61-76x",
}
RSS_LIMIT_KIB = 16 * 1024
STARTUP_LIMIT_S = 0.010


def verdict(ok):
    return "ok" if ok else "MISSED"


def fmt_row(cols, widths):
    return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                     for i, (c, w) in enumerate(zip(cols, widths)))


def main(argv):
    if len(argv) < 2:
        print("usage: report.py RESULTS.json [--markdown]", file=sys.stderr)
        return 2
    markdown = "--markdown" in argv[2:]
    with open(argv[1]) as f:
        res = json.load(f)
    rows = {r["name"]: r for r in res["rows"]}
    packets = res["packets"]
    size = res["bytes"]

    print("capture %s: %.1f MB, %d packets (%.0f bytes/packet), %s, %d CPUs"
          % (res["capture"], size / 1e6, packets, size / max(packets, 1), res["date"], res["cpus"]))
    gen = res.get("generation")
    if gen:
        client = gen.get("client") or {}
        print("generated with seed %s, loss %s/1000, %s TCP sessions (at most %s open at once), "
              "%s DNS lookups answered, in %s s"
              % (gen.get("seed"), gen.get("loss_permille"), client.get("sessions", "?"),
                 client.get("active_max", "?"), client.get("dns_ok", "?"),
                 gen.get("generate_seconds", "?")))
    if "loadavg_start" in res:
        print("load average (1 min) %.2f at the start, %.2f at the end%s"
              % (res["loadavg_start"], res.get("loadavg_end", 0.0),
                 "; other work was running, expect noise" if max(
                     res["loadavg_start"], res.get("loadavg_end", 0.0)) > 1.5 else ""))
    print()

    head = ["command", "runs", "wall s", "x floor", "range", "Mpkt/s", "MB/s", "RSS MiB", "target", "verdict"]
    table = []
    for r in res["rows"]:
        name = r["name"]
        if name.endswith(" half") or name in ("spawn /bin/true", "cashark start-up",
                                               "cashark --version"):
            continue
        target = ""
        ok = None
        if name in RATIO_TARGETS:
            limit = RATIO_TARGETS[name][0]
            target = "<= %.1fx, <= 16 MiB" % limit
        elif name in REFERENCE:
            target = "(" + REFERENCE[name] + ")"
        elif name == "floor vs floor":
            target = "(noise band)"
        if "error" in r:
            table.append([name, "-", "-", "-", "-", "-", "-", "-", target, "n/a: " + r["error"]])
            continue
        wall = r["wall"]
        if name in RATIO_TARGETS:
            ok = r["ratio"] <= RATIO_TARGETS[name][0] and r["rss_kib"] <= RSS_LIMIT_KIB
        ratios = r.get("ratios") or [r["ratio"]]
        table.append([
            name, r["runs"], "%.3f" % wall, "%.2f" % r["ratio"],
            "%.2f-%.2f" % (min(ratios), max(ratios)),
            "%.2f" % (packets / wall / 1e6), "%.0f" % (size / wall / 1e6),
            "%.1f" % (r["rss_kib"] / 1024), target, "" if ok is None else verdict(ok),
        ])
    widths = [max(len(str(x[i])) for x in table + [head]) for i in range(len(head))]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for t in table:
            print("| " + " | ".join(str(c) for c in t) + " |")
    else:
        print(fmt_row(head, widths))
        print(fmt_row(["-" * w for w in widths], widths))
        for t in table:
            print(fmt_row(t, widths))
    print()

    full, half = rows.get("cashark"), rows.get("cashark half")
    if full and half and "error" not in full and "error" not in half:
        grow = full["rss_kib"] - half["rss_kib"]
        flat = grow <= max(1024, half["rss_kib"] // 10)
        print("peak RSS, default output: first half %.1f MiB, whole capture %.1f MiB "
              "(target <= 16 MiB and flat: grows by at most max(1 MiB, 10%%)): %s"
              % (half["rss_kib"] / 1024, full["rss_kib"] / 1024,
                 verdict(flat and full["rss_kib"] <= RSS_LIMIT_KIB)))
    fullc, halfc = rows.get("cashark --count"), rows.get("cashark --count half")
    if fullc and halfc and "error" not in fullc and "error" not in halfc:
        print("peak RSS, --count: first half %.1f MiB, whole capture %.1f MiB"
              % (halfc["rss_kib"] / 1024, fullc["rss_kib"] / 1024))
    spawn = rows.get("spawn /bin/true")
    start = rows.get("cashark start-up")
    if start:
        if "error" in start:
            print("start-up: n/a: " + start["error"])
        else:
            base = spawn["wall"] if spawn and "error" not in spawn else 0.0
            ver = rows.get("cashark --version")
            vtxt = ""
            if ver and "error" not in ver:
                vtxt = ", --version %.2f ms" % (ver["wall"] * 1e3)
            print("start-up (empty capture, median of %d): %.2f ms (spawning /bin/true: %.2f ms)%s"
                  "; target <= 10 ms: %s"
                  % (start["runs"], start["wall"] * 1e3, base * 1e3, vtxt,
                     verdict(start["wall"] <= STARTUP_LIMIT_S)))
    elif spawn:
        print("start-up: cashark not available (spawning /bin/true: %.2f ms)" % (spawn["wall"] * 1e3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

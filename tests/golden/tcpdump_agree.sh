#!/bin/sh
# tcpdump_agree.sh BINARY [TESTDATA_DIR]: cashark and tcpdump see the same packets.
#
# For every tcpdump output file in TESTDATA_DIR (default: ../../testdata from here) --
# the upstream NAME.out files of tcpdump's test suite and the NAME.tcpdump.out files made
# here with `TZ=GMT0 tcpdump -# -n -tttt -r NAME.pcap` -- run `cashark -T csv CAPTURE` and
# check that the packet count is the same and that, packet by packet, the addresses and
# ports tcpdump printed (`IP a.b.c.d.PORT > e.f.g.h.PORT:`, `IP6 x::y.PORT > ...`, the
# ports after `frag (0|N)` in an IPv6 first fragment, no port for ICMP and non-first
# fragments) equal cashark's src, sport, dst, dport columns.
# Packets where tcpdump prints no IP endpoints (ARP, unknown) are only counted.
# Prints PASS/FAIL per capture and "N passed, N failed"; exit 1 on any disagreement,
# 77 when python3 is missing (ctest reports the test as skipped), 2 on bad usage.
set -u
if [ $# -lt 1 ]; then
    echo "usage: $0 BINARY [TESTDATA_DIR]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
case $1 in
/*) bin=$1 ;;
*) bin=$(pwd)/$1 ;;
esac
data=$(cd "${2:-$here/../../testdata}" && pwd) || exit 2
if ! command -v python3 >/dev/null 2>&1; then
    echo "$0: python3 not found; skipped"
    exit 77
fi
if [ ! -x "$bin" ]; then
    echo "$0: $bin: not an executable" >&2
    exit 2
fi
cd "$data" || exit 2
exec env TZ=UTC LC_ALL=C python3 - "$bin" <<'EOF'
import csv
import glob
import io
import ipaddress
import re
import subprocess
import sys

binary = sys.argv[1]
# tcpdump .out files whose capture is not NAME.pcap (tcpdump's tests/TESTLIST)
CAPTURE_OF = {
    "print-x.out": "print-flags.pcap",
    "tfo.out": "tfo-5c1fa7f9ae91.pcap",
    "tcp-handshake-micro.out": "tcp-handshake-nano.pcap",
    "tcp-handshake-nano.out": "tcp-handshake-nano.pcap",
}
PKT = re.compile(r"^ *(\d+)  ")
PAIR = re.compile(r"([0-9A-Fa-f:.]+) > ([0-9A-Fa-f:.]+):")
# an IPv6 first fragment: "IP6 a > b: frag (0|1232) 47093 > 53: ..." carries the ports
FRAG6 = re.compile(r"^ frag \(0\|\d+\) (\d+) > (\d+):")


def endpoint(s):
    """'10.0.0.1.80' -> ('10.0.0.1', '80'); 'fd77::1' -> ('fd77::1', ''); None if not an address."""
    try:
        return str(ipaddress.ip_address(s)), ""
    except ValueError:
        pass
    head, _, port = s.rpartition(".")
    if port.isdigit() and head:
        try:
            return str(ipaddress.ip_address(head)), port
        except ValueError:
            return None
    return None


def tcpdump_packets(path):
    """[(number, (src, sport, dst, dport) or None)] from tcpdump -# output."""
    pkts = []
    for line in open(path, encoding="utf-8", errors="replace"):
        m = PKT.match(line)
        if m:
            pkts.append([int(m.group(1)), None])
            line = line[m.end():]
        if not pkts or pkts[-1][1] is not None:
            continue
        if line.startswith("\t0x"):  # hex dump lines
            continue
        for m in PAIR.finditer(line):
            ea, eb = endpoint(m.group(1)), endpoint(m.group(2))
            if ea and eb:
                sport, dport = ea[1], eb[1]
                f = FRAG6.match(line[m.end():])
                if f and not sport and not dport:
                    sport, dport = f.group(1), f.group(2)
                pkts[-1][1] = (ea[0], sport, eb[0], dport)
                break
    return pkts


def cashark_rows(capture):
    p = subprocess.run([binary, "-T", "csv", capture], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=120)
    if p.returncode != 0:
        return None, "cashark exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip())
    rows = list(csv.DictReader(io.StringIO(p.stdout.decode("utf-8", errors="replace"), newline="")))
    return rows, None


passed = failed = 0
outs = sorted(f for f in glob.glob("*.out"))
for out in outs:
    if out.endswith(".tcpdump.out"):
        capture = out[: -len(".tcpdump.out")] + ".pcap"
    else:
        capture = CAPTURE_OF.get(out, out[: -len(".out")] + ".pcap")
    problems = []
    try:
        open(capture, "rb").close()
    except OSError:
        problems.append("no capture %s for %s" % (capture, out))
    rows = None
    if not problems:
        rows, err = cashark_rows(capture)
        if err:
            problems.append(err)
    if rows is not None:
        want = tcpdump_packets(out)
        if len(rows) != len(want):
            problems.append("%d packets, tcpdump %d" % (len(rows), len(want)))
        for row, (num, ends) in zip(rows, want):
            got_ord = row.get("ordinal", "")
            if got_ord != str(num):
                problems.append("row %s: ordinal %r, tcpdump packet %d" % (got_ord, got_ord, num))
                continue
            if ends is None:
                continue
            got = (row.get("src", ""), row.get("sport", ""), row.get("dst", ""), row.get("dport", ""))
            if got != ends:
                problems.append("packet %d: cashark %s:%s > %s:%s, tcpdump %s:%s > %s:%s"
                                % ((num,) + got + ends))
    name = "%s (%s)" % (out, capture)
    if problems:
        failed += 1
        print("FAIL %s" % name)
        for p in problems[:8]:
            print("  " + p)
        if len(problems) > 8:
            print("  ... %d more" % (len(problems) - 8))
    else:
        passed += 1
        print("PASS %s: %d packets" % (name, len(rows)))
if not outs:
    print("no .out files found")
    failed += 1
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF

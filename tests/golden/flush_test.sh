#!/bin/sh
# flush_test.sh BINARY CAPTURE: records reach a pipe as packets arrive, and a closed pipe
# ends cashark at once and quietly.
#
# Checks (each prints PASS/FAIL; the last line is "N passed, N failed"):
#  stdin-pipe   a slow writer feeds CAPTURE (a pcap with one-line records) on a pipe, one
#               packet every 0.2 s; each packet's line must come out of cashark's stdout
#               (also a pipe) before the next packet is written;
#  fifo-arg     the same with the input a FIFO given as a file argument;
#  head-file    `cashark BIG.pcap | head -1` (BIG is CAPTURE's packets repeated to ~64 MB
#               in a temporary directory) ends within 10 s with empty stderr and exit 0 or
#               SIGPIPE;
#  head-endless `cashark | head -1` reading an endless pipe ends within 10 s, quietly.
#  sigint-open-pipe  SIGINT while the input pipe stays open ends cashark at once (exit 0)
#               with every record printed and the -v summary on stderr.
# Exit 1 on any failure, 77 when python3 is missing (ctest: skipped), 2 on bad usage.
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 BINARY CAPTURE" >&2
    exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "$0: python3 not found; skipped"
    exit 77
fi
if [ ! -x "$1" ] || [ ! -r "$2" ]; then
    echo "$0: need an executable BINARY and a readable CAPTURE" >&2
    exit 2
fi
exec env TZ=UTC LC_ALL=C python3 - "$1" "$2" <<'EOF'
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time

binary, capture = sys.argv[1], sys.argv[2]
GAP = 0.2       # seconds between packets written by the slow writer
WAIT = 2.0      # a record may take this long to appear
LIMIT = 10.0    # the head -1 cases must end within this many seconds


def split_pcap(data):
    magic = struct.unpack("<I", data[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        cap = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + cap])
        off += 16 + cap
    return data[:24], recs, e


header, records, endian = split_pcap(open(capture, "rb").read())
results = []


def report(name, problem):
    results.append(problem is None)
    print("PASS %s" % name if problem is None else "FAIL %s: %s" % (name, problem), flush=True)


def read_line(fd, buf, deadline):
    """One line from fd by deadline: (line, rest of buffer) or (None, buffer)."""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, buf
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return None, buf
        chunk = os.read(fd, 65536)
        if not chunk:
            return None, buf
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    return line, rest


def slow_feed(name, proc, wfile):
    """Write the header and one packet at a time; each packet's line must arrive first."""
    problem = None
    buf = b""
    fd = proc.stdout.fileno()
    try:
        wfile.write(header)
        wfile.flush()
        for i, rec in enumerate(records, 1):
            wfile.write(rec)
            wfile.flush()
            t0 = time.monotonic()
            line, buf = read_line(fd, buf, t0 + WAIT)
            if line is None:
                problem = "no line for packet %d within %.1f s of writing it" % (i, WAIT)
                break
            time.sleep(GAP)
    except BrokenPipeError:
        problem = "cashark closed its input early"
    finally:
        try:
            wfile.close()
        except BrokenPipeError:
            pass
        if proc.stdin is wfile:
            proc.stdin = None
    try:
        rest, err = proc.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, err = proc.communicate()
        problem = problem or "cashark did not end after its input closed"
    if problem is None and proc.returncode != 0:
        problem = "exit %d, stderr %r" % (proc.returncode, err[:200])
    report(name, problem)


# stdin-pipe
p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
slow_feed("stdin-pipe", p, p.stdin)

# fifo-arg
tmp = tempfile.mkdtemp(prefix="cashark-flush.")
fifo = os.path.join(tmp, "in.pcap")
os.mkfifo(fifo)
p = subprocess.Popen([binary, fifo], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
slow_feed("fifo-arg", p, open(fifo, "wb"))


def head_one(name, argv, feeder=None):
    """cashark ... | head -1 must end quickly with one line, empty stderr, exit 0 or SIGPIPE."""
    c = subprocess.Popen(argv, stdin=subprocess.PIPE if feeder else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    h = subprocess.Popen(["head", "-1"], stdin=c.stdout, stdout=subprocess.PIPE)
    c.stdout.close()
    t0 = time.monotonic()
    problem = None
    if feeder:
        feeder(c, t0)
    try:
        out, _ = h.communicate(timeout=LIMIT)
        err = c.stderr.read()
        c.wait(timeout=max(0.1, LIMIT - (time.monotonic() - t0)))
    except subprocess.TimeoutExpired:
        c.kill()
        h.kill()
        c.wait()
        h.wait()
        report(name, "did not end within %.0f s" % LIMIT)
        return
    took = time.monotonic() - t0
    if took > LIMIT:
        problem = "took %.1f s (more than %.0f s)" % (took, LIMIT)
    elif out.count(b"\n") != 1:
        problem = "head printed %r" % out[:200]
    elif err:
        problem = "stderr not empty: %r" % err[:200]
    elif c.returncode not in (0, -signal.SIGPIPE):
        problem = "exit %d" % c.returncode
    report(name + " (%.2f s)" % took, problem)


# head-file: ~64 MB of the capture's packets, timestamps kept increasing
big = os.path.join(tmp, "big.pcap")
with open(big, "wb") as f:
    f.write(header)
    size, rep = len(header), 0
    while size < 64 << 20:
        for rec in records:
            sec = struct.unpack(endian + "I", rec[:4])[0] + rep * 10
            f.write(struct.pack(endian + "I", sec) + rec[4:])
            size += len(rec)
        rep += 1
head_one("head-file", [binary, big])


def endless(c, t0):
    try:
        c.stdin.write(header)
        rep = 0
        while time.monotonic() - t0 < LIMIT + 5:
            c.stdin.write(b"".join(records))
            rep += 1
    except (BrokenPipeError, OSError):
        pass
    try:
        c.stdin.close()
    except (BrokenPipeError, OSError):
        pass


head_one("head-endless", [binary], endless)


def sigint_open_pipe(name):
    """Ctrl-C while the input pipe stays open: cashark stops at once, exit 0, records out."""
    c = subprocess.Popen([binary, "-v"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    c.stdin.write(header + b"".join(records))
    c.stdin.flush()
    time.sleep(0.5)
    t0 = time.monotonic()
    c.send_signal(signal.SIGINT)
    try:
        c.wait(timeout=LIMIT)  # stdin stays open meanwhile (communicate() would close it)
    except subprocess.TimeoutExpired:
        c.kill()
        c.wait()
        c.stdin.close()
        report(name, "still running %.0f s after SIGINT with the pipe open" % LIMIT)
        return
    out, err = c.stdout.read(), c.stderr.read()
    c.stdin.close()
    lines = out.count(b"\n")
    if c.returncode != 0:
        report(name, "exit %d after SIGINT" % c.returncode)
    elif lines != len(records):
        report(name, "%d records printed, %d expected" % (lines, len(records)))
    elif b"packets" not in err:
        report(name, "no -v summary on stderr after SIGINT: %r" % err)
    else:
        report(name, None)


sigint_open_pipe("sigint-open-pipe")

os.unlink(big)
os.unlink(fifo)
os.rmdir(tmp)
n_pass = sum(results)
n_fail = len(results) - n_pass
print("%d passed, %d failed" % (n_pass, n_fail))
sys.exit(1 if n_fail else 0)
EOF

#!/usr/bin/env python3
"""mptcp_capture.py: a large MPTCP capture made of real ones, each copy a distinct connection.

  mptcp_capture.py OUT [--size MB] [--sources PCAP...] [--stagger S] [--seed N]
                      [--measure CASHARK [--runs N] [--floor BIN]]

Replays the real MPTCP captures of testdata/ (EN10MB pcaps made by
testdata/tools/make_mptcp_captures.sh; default: mptcp_own_{v6,prio,addaddr,fastclose,fallback,
csum}.pcap, round robin) until OUT holds at least --size MB (10^6 bytes, default 200). Copy k
starts --stagger seconds (default 0.02) after copy k-1, so several dozen connections are open at
once, and differs from every other copy in:

  - client ports (every port but the server's 5001; unique among 16000 consecutive copies),
  - TCP sequence and acknowledgment numbers and SACK edges (a fresh offset per subflow and
    direction),
  - MPTCP keys (MP_CAPABLE, MP_FASTCLOSE): key' = first 8 bytes of SHA-256(seed, k, key), and
    so the tokens in MP_JOIN SYNs (token' = first 4 bytes of SHA-256(key')) and the data
    sequence space: every DSN, DATA_ACK and MP_FAIL DSN (64- or 32-bit) moves from the old
    IDSN to the new one (IDSN = last 8 bytes of SHA-256(key), RFC 8684 v1).

Addresses, subflow sequence numbers, lengths and payload bytes stay. TCP checksums, MP_JOIN
HMACs, ADD_ADDR HMACs and DSS checksums are not recomputed (wrong in every copy: do not
benchmark -v on it). Standard library only.

With --measure CASHARK (OUT is reused when it exists): N paired runs (default 7) of the libpcap
read floor (bench/floor.c, built with cc -O2 into --floor, default /tmp/cashark-mptcp-floor)
and `CASHARK stats mptcp OUT > /dev/null`, as bench/measure.py pairs them; prints the median
ratio, the wall times and the peak RSS (GNU time), then the peak RSS on OUT's first half.
"""
import argparse
import hashlib
import heapq
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "testdata")
DEFAULT = ["v6", "prio", "addaddr", "fastclose", "fallback", "csum"]
SERVER_PORT = 5001
M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def read_pcap(path):
    data = open(path, "rb").read()
    magic, _, _, _, _, _, lt = struct.unpack_from("<IHHiIII", data, 0)
    if magic != 0xA1B2C3D4 or lt != 1:
        sys.exit("mptcp_capture.py: %s: want a little-endian microsecond EN10MB pcap" % path)
    off, out = 24, []
    while off + 16 <= len(data):
        sec, usec, cap, ln = struct.unpack_from("<IIII", data, off)
        out.append((sec * 1000000 + usec, ln, bytearray(data[off + 16:off + 16 + cap])))
        off += 16 + cap
    return out


def sha(b):
    return hashlib.sha256(b).digest()


def token_idsn(key):
    d = sha(struct.pack("!Q", key))
    return struct.unpack_from("!I", d, 0)[0], struct.unpack_from("!Q", d, 24)[0]


def tcp_at(frame):
    """(ip offset, tcp offset, is_v6) of an Ethernet IPv4/IPv6 TCP frame, or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack_from("!H", frame, 12)[0]
    if et == 0x0800 and len(frame) >= 34 and frame[23] == 6:
        return 14 + (frame[14] & 0x0F) * 4
    if et == 0x86DD and len(frame) >= 54 and frame[20] == 6:
        return 54
    return None


def options(frame, tcp):
    """(kind, offset, length) of every TCP option within the captured bytes."""
    end = min(tcp + (frame[tcp + 12] >> 4) * 4, len(frame))
    i = tcp + 20
    while i < end:
        k = frame[i]
        if k == 0:
            return
        if k == 1:
            i += 1
            continue
        if i + 1 >= end or frame[i + 1] < 2 or i + frame[i + 1] > end:
            return
        yield k, i, frame[i + 1]
        i += frame[i + 1]


class Template:
    """One source capture, parsed once: the patches each copy applies to each packet."""

    def __init__(self, path):
        self.path = path
        pkts = read_pcap(path)
        self.t0 = pkts[0][0]
        keys = set()
        for _, _, fr in pkts:  # first pass: the keys, so DSNs can be placed against IDSNs
            tcp = tcp_at(fr)
            if tcp is None or len(fr) < tcp + 20:
                continue
            for k, o, ln in options(fr, tcp):
                if k == 30 and fr[o + 2] >> 4 == 0 and ln >= 12:
                    keys.add(struct.unpack_from("!Q", fr, o + 4)[0])
                    if ln >= 20:
                        keys.add(struct.unpack_from("!Q", fr, o + 12)[0])
        self.keys = sorted(keys)
        self.by_token = {token_idsn(k)[0]: k for k in self.keys}
        self.idsn = {k: token_idsn(k)[1] for k in self.keys}
        self.ports, self.subflows = [], []
        self.pkts = []  # (rel time, len, frame, patches)
        for ts, ln, fr in pkts:
            self.pkts.append((ts - self.t0, ln, bytes(fr), self.patches(fr)))

    def port_index(self, p):
        if p not in self.ports:
            self.ports.append(p)
        return self.ports.index(p)

    def dsn_base(self, v, width):
        """The key whose IDSN v (64- or 32-bit) is closest above, or None."""
        best = None
        for k, idsn in self.idsn.items():
            d = (v - idsn) & (M64 if width == 8 else M32)
            if d < (1 << 31) and (best is None or d < best[0]):
                best = (d, k)
        return best[1] if best else None

    def patches(self, fr):
        tcp = tcp_at(fr)
        if tcp is None or len(fr) < tcp + 20:
            return ()
        sport, dport = struct.unpack_from("!HH", fr, tcp)
        if sport == SERVER_PORT:
            cport, d = dport, 1
        elif dport == SERVER_PORT:
            cport, d = sport, 0
        else:
            return ()
        pi = self.port_index(cport)
        out = [("port", tcp + (2 if d else 0), pi), ("seq", tcp + 4, (pi, d)), ("seq", tcp + 8, (pi, 1 - d))]
        for k, o, ln in options(fr, tcp):
            if k == 5:  # SACK edges are in the peer's sequence space
                out += [("seq", o + 2 + 4 * j, (pi, 1 - d)) for j in range((ln - 2) // 4)]
            if k != 30 or ln < 3:
                continue
            st = fr[o + 2] >> 4
            if st == 0 and ln >= 12:
                out.append(("key", o + 4, struct.unpack_from("!Q", fr, o + 4)[0]))
                if ln >= 20:
                    out.append(("key", o + 12, struct.unpack_from("!Q", fr, o + 12)[0]))
            elif st == 1 and ln == 12:
                tok = struct.unpack_from("!I", fr, o + 4)[0]
                if tok in self.by_token:
                    out.append(("token", o + 4, self.by_token[tok]))
            elif st == 2 and ln >= 4:
                fl, i = fr[o + 3], o + 4
                fields = []
                if fl & 1:
                    fields.append((i, 8 if fl & 2 else 4))
                    i += 8 if fl & 2 else 4
                if fl & 4:
                    fields.append((i, 8 if fl & 8 else 4))
                for at, w in fields:
                    if at + w <= o + ln:
                        v = int.from_bytes(fr[at:at + w], "big")
                        base = self.dsn_base(v, w)
                        if base is not None:
                            out.append(("dsn%d" % w, at, base))
            elif st == 6 and ln == 12:
                base = self.dsn_base(struct.unpack_from("!Q", fr, o + 4)[0], 8)
                if base is not None:
                    out.append(("dsn8", o + 4, base))
            elif st == 7 and ln == 12:
                out.append(("key", o + 4, struct.unpack_from("!Q", fr, o + 4)[0]))
        return tuple(out)


class Copy:
    """The per-copy values: new ports, sequence offsets, keys, tokens, IDSN shifts."""

    def __init__(self, tpl, k, seed):
        self.tpl = tpl
        h = sha(struct.pack("!QQ", seed, k))
        self.ports = [1024 + (k * 4 + i) % 64000 for i in range(len(tpl.ports) or 1)]
        self.seq = {}
        for pi in range(len(tpl.ports)):
            for d in (0, 1):
                x = sha(h + struct.pack("!BB", pi, d))
                self.seq[(pi, d)] = struct.unpack_from("!I", x, 0)[0]
        self.key, self.token, self.shift = {}, {}, {}
        for old in tpl.keys:
            new = struct.unpack_from("!Q", sha(h + struct.pack("!Q", old)), 0)[0]
            tok, idsn = token_idsn(new)
            self.key[old] = new
            self.token[old] = tok
            self.shift[old] = (idsn - tpl.idsn[old]) & M64

    def frame(self, fr, patches):
        b = bytearray(fr)
        for kind, at, arg in patches:
            if kind == "seq":
                v = (struct.unpack_from("!I", b, at)[0] + self.seq[arg]) & M32
                struct.pack_into("!I", b, at, v)
            elif kind == "port":
                struct.pack_into("!H", b, at, self.ports[arg])
            elif kind == "key":
                struct.pack_into("!Q", b, at, self.key[arg])
            elif kind == "token":
                struct.pack_into("!I", b, at, self.token[arg])
            elif kind == "dsn8":
                struct.pack_into("!Q", b, at, (struct.unpack_from("!Q", b, at)[0] + self.shift[arg]) & M64)
            elif kind == "dsn4":
                struct.pack_into("!I", b, at, (struct.unpack_from("!I", b, at)[0] + self.shift[arg]) & M32)
        return b


def measure(a):
    import statistics
    import subprocess

    sys.path.insert(0, HERE)
    from measure import run  # bench/measure.py: posix_spawn + wait4 around GNU time

    if not os.path.exists(a.floor) or os.stat(a.floor).st_mtime < os.stat(os.path.join(HERE, "floor.c")).st_mtime:
        subprocess.run(["cc", "-O2", "-o", a.floor, os.path.join(HERE, "floor.c"), "-lpcap"], check=True)
    packets = int(subprocess.run([a.floor, a.out], check=True, capture_output=True, text=True).stdout.split()[0])
    err = a.out + ".err"
    for _ in range(2):  # warm the page cache
        run([a.floor, a.out], err)
    ratios, walls, floors, rss = [], [], [], []
    for i in range(a.runs):
        fw, _, _ = run([a.floor, a.out], err)
        w, r, rc = run([a.measure, "stats", "mptcp", a.out], err)
        if rc != 0:
            sys.exit("mptcp_capture.py: stats mptcp exited %d (see %s)" % (rc, err))
        ratios.append(w / fw)
        walls.append(w)
        floors.append(fw)
        rss.append(r)
        print("  run %d/%d: %.3f s, floor %.3f s, ratio %.2f" % (i + 1, a.runs, w, fw, w / fw), file=sys.stderr)
    half = a.out + ".half.pcap"
    subprocess.run(["tcpdump", "-r", a.out, "-c", str(packets // 2), "-w", half], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, half_rss, _ = run([a.measure, "stats", "mptcp", half], err)
    os.unlink(half)
    size = os.stat(a.out).st_size
    w = statistics.median(walls)
    print("stats mptcp: %.2f x floor (runs %s), %.3f s (floor %.3f s), %.2f M packets/s, %.0f MB/s"
          % (statistics.median(ratios), " ".join("%.2f" % x for x in ratios), w,
             statistics.median(floors), packets / w / 1e6, size / w / 1e6))
    print("peak RSS: %.1f MiB on the whole capture, %.1f MiB on its first half (%d packets)"
          % (max(rss) / 1024, half_rss / 1024, packets))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size", type=float, default=200.0, help="MB (10^6 bytes), default 200")
    ap.add_argument("--sources", nargs="+",
                    default=[os.path.join(TESTDATA, "mptcp_own_%s.pcap" % n) for n in DEFAULT])
    ap.add_argument("--stagger", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--measure", metavar="CASHARK")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--floor", default="/tmp/cashark-mptcp-floor")
    a = ap.parse_args()
    if a.measure and os.path.exists(a.out):
        measure(a)
        return
    tpls = [Template(p) for p in a.sources]
    target = int(a.size * 1e6)
    start = 1700000000 * 1000000
    stagger = int(a.stagger * 1e6)
    # copies needed: the round robin's average bytes per copy, 1 % to spare
    per = sum(sum(16 + len(p[2]) for p in t.pkts) for t in tpls) / len(tpls)
    ncopies = int((target - 24) / per * 1.01) + 1
    heap, k, written, packets = [], 0, 24, 0
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        while heap or k < ncopies:
            # start every copy due before the earliest pending packet
            while k < ncopies and (not heap or start + k * stagger <= heap[0][0]):
                tpl = tpls[k % len(tpls)]
                t = start + k * stagger
                it = iter(tpl.pkts)
                first = next(it)
                heapq.heappush(heap, (t + first[0], k, first, it, Copy(tpl, k, a.seed), t))
                k += 1
            ts, kk, pkt, it, cp, t = heapq.heappop(heap)
            fr = cp.frame(pkt[2], pkt[3])
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), pkt[1]))
            f.write(fr)
            written += 16 + len(fr)
            packets += 1
            nxt = next(it, None)
            if nxt is not None:
                heapq.heappush(heap, (t + nxt[0], kk, nxt, it, cp, t))
    print("mptcp_capture.py: %s: %d packets, %d bytes, %d copies of %d captures"
          % (a.out, packets, written, k, len(tpls)))
    if a.measure:
        measure(a)


if __name__ == "__main__":
    main()

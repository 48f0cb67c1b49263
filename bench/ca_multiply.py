#!/usr/bin/env python3
"""ca_multiply.py: a large Channel Access capture made of copies of real CA captures.

Usage: ca_multiply.py OUT.pcap --size MB [--testdata DIR]

The sources are the real captures in testdata/ (Linux loopback, Ethernet link type: libca and
caproto clients against a caproto IOC: gets, puts, monitors, searches with retries, beacons,
80 KB waveforms over 1448-byte segments, several messages per segment and per datagram). Each
cycle copies ca_large_mtu1500 once and the small captures ten times each, one copy after the
other in time. Every copy gets addresses of its own (10.a.b.n, n numbering the source's
addresses), so each copy's circuits are new flows, and its TCP sequence and acknowledgment
numbers (SACK edges too) shifted by a per-copy offset, consistently in both directions, so
nothing looks like a retransmission; IP, TCP and UDP checksums are updated incrementally
(RFC 1624). Timestamps are shifted so the output is in time order.

Prints, on stdout, one JSON line: packets, bytes, copies and `messages`, the number of CA
messages written (each source's count from its reference decoding, testdata/X.reference.txt,
which ca_reference.py checks cashark against, plus libca's self-addressed VERSION wake-ups the
reference skipped, times its copies).
"""
import argparse
import json
import os
import re
import struct
import sys

SOURCES_SMALL = ["ca_get_libca", "ca_get_caproto", "ca_monitor", "ca_put", "ca_notfound",
                 "ca_caproto_example_tcp_data", "ca_caproto_example_udp_data"]
SOURCE_LARGE = "ca_large_mtu1500"
SMALL_REPEAT = 10


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, path  # microsecond, little-endian
    assert struct.unpack("<I", data[20:24])[0] == 1, path  # Ethernet
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        pkts.append((sec * 1000000 + usec, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return data[:24], pkts


MSG_LINE = re.compile(r"^\d+\.\d+ \S+->\S+ [A-Za-z]")


def reference_messages(path):
    """Messages of a reference decoding: lines opening with time, endpoints and a class name
    (numpy arrays continue on lines of their own; marker lines start with '!')."""
    return sum(1 for line in open(path) if MSG_LINE.match(line))


def wakeups(pkts):
    """libca's shutdown wake-ups: 16-byte all-zero CA VERSION datagrams from a socket to itself.
    cashark decodes them (CA-PROTOCOL.md section 2); the reference decodings skipped them."""
    n = 0
    for _, _, fr in pkts:
        if len(fr) < 34 or fr[12:14] != b"\x08\x00" or fr[23] != 17:
            continue
        ihl = (fr[14] & 15) * 4
        u = 14 + ihl
        if (len(fr) >= u + 24 and fr[26:30] == fr[30:34] and fr[u:u + 2] == fr[u + 2:u + 4]
                and fr[u + 4:u + 6] == b"\x00\x18" and fr[u + 8:u + 24] == bytes(16)):
            n += 1
    return n


def fold(x):
    while x >> 16:
        x = (x & 0xFFFF) + (x >> 16)
    return x


def csum_update(csum, old, new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over the 16-bit words of old and new."""
    s = (~csum) & 0xFFFF
    for i in range(0, len(old), 2):
        s += (~((old[i] << 8) | old[i + 1])) & 0xFFFF
        s += (new[i] << 8) | new[i + 1]
    return (~fold(s)) & 0xFFFF


def rewrite(frame, amap, off):
    """The frame with addresses mapped and TCP sequence space shifted by off."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return frame
    b = bytearray(frame)
    ihl = (b[14] & 15) * 4
    proto = b[23]
    old_addrs = bytes(b[26:34])
    new_addrs = amap(old_addrs[:4]) + amap(old_addrs[4:])
    b[26:34] = new_addrs
    ipc = struct.unpack(">H", b[24:26])[0]
    b[24:26] = struct.pack(">H", csum_update(ipc, old_addrs, new_addrs))
    l4 = 14 + ihl
    if proto == 17 and len(b) >= l4 + 8:
        c = struct.unpack(">H", b[l4 + 6:l4 + 8])[0]
        if c:
            c = csum_update(c, old_addrs, new_addrs) or 0xFFFF
            b[l4 + 6:l4 + 8] = struct.pack(">H", c)
    elif proto == 6 and len(b) >= l4 + 20:
        old = bytearray(old_addrs)
        new = bytearray(new_addrs)
        seq, ack = struct.unpack(">II", b[l4 + 4:l4 + 12])
        flags = b[l4 + 13]
        nseq = (seq + off) & 0xFFFFFFFF
        nack = (ack + off) & 0xFFFFFFFF if flags & 0x10 else ack
        old += b[l4 + 4:l4 + 12]
        new += struct.pack(">II", nseq, nack)
        b[l4 + 4:l4 + 12] = struct.pack(">II", nseq, nack)
        doff = (b[l4 + 12] >> 4) * 4
        sack = False
        i, end = l4 + 20, min(l4 + doff, len(b))
        while i < end:  # SACK edges follow the sequence space
            kind = b[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= end or b[i + 1] < 2:
                break
            ln = b[i + 1]
            if kind == 5:
                for j in range(i + 2, min(i + ln, end) - 3, 4):
                    v = struct.unpack(">I", b[j:j + 4])[0]
                    b[j:j + 4] = struct.pack(">I", (v + off) & 0xFFFFFFFF)
                    sack = True
            i += ln
        c = struct.unpack(">H", b[l4 + 16:l4 + 18])[0]
        if sack:  # edges at any alignment: update over the option bytes as they were
            old_opt, new_opt = bytes(frame[l4 + 20:end]), bytes(b[l4 + 20:end])
            if len(old_opt) % 2:
                old_opt, new_opt = old_opt + b"\0", new_opt + b"\0"
            old += old_opt
            new += new_opt
        b[l4 + 16:l4 + 18] = struct.pack(">H", csum_update(c, bytes(old), bytes(new)))
    return bytes(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--size", type=float, default=200, help="MB (10^6 bytes) at least")
    ap.add_argument("--testdata", default=os.path.join(os.path.dirname(__file__), "..",
                                                       "testdata"))
    args = ap.parse_args()
    sources = {}
    for name in SOURCES_SMALL + [SOURCE_LARGE]:
        hdr, pkts = read_pcap(os.path.join(args.testdata, name + ".pcap"))
        msgs = reference_messages(os.path.join(args.testdata, name + ".reference.txt"))
        msgs += wakeups(pkts)
        addrs = []
        for _, _, fr in pkts:
            if len(fr) >= 34 and fr[12:14] == b"\x08\x00":
                for a in (fr[26:30], fr[30:34]):
                    if a not in addrs:
                        addrs.append(a)
        sources[name] = (hdr, pkts, msgs, addrs)
    cycle = [SOURCE_LARGE] + [n for n in SOURCES_SMALL for _ in range(SMALL_REPEAT)]
    target = int(args.size * 1e6)
    out = open(args.out, "wb")
    out.write(sources[SOURCE_LARGE][0])
    written, packets, messages, copies = 24, 0, 0, 0
    t_next = 1800000000 * 1000000
    while written < target:
        for name in cycle:
            hdr, pkts, msgs, addrs = sources[name]
            k = copies + 1
            table = {a: bytes([10, (k >> 8) & 255, k & 255, 1 + i]) for i, a in
                     enumerate(addrs)}
            off = (k * 0x9E3779B1) & 0xFFFFFFFF
            t0 = pkts[0][0]
            for t, orig, fr in pkts:
                fr = rewrite(fr, table.__getitem__, off)
                ts = t_next + (t - t0)
                out.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), orig))
                out.write(fr)
                written += 16 + len(fr)
                packets += 1
            t_next += pkts[-1][0] - t0 + 1000
            messages += msgs
            copies += 1
            if copies >= 65535:
                sys.exit("too many copies for the 10.a.b.n address plan")
    out.close()
    print(json.dumps({"packets": packets, "bytes": written, "copies": copies,
                      "messages": messages}))


if __name__ == "__main__":
    main()

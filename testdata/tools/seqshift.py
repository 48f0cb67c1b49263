#!/usr/bin/env python3
"""seqshift.py IN OUT CLIENT_ISN SERVER_ISN: rewrites the TCP sequence numbers of every
connection in an Ethernet pcap so the client's SYN carries CLIENT_ISN and the server's SYN-ACK
SERVER_ISN; every seq, ack and SACK edge of the connection moves by the same amounts (mod 2^32),
so the connection stays consistent and, with ISNs just below 2^32, its data crosses the wrap.
Checksums are left as they were (cashark does not check them). IPv4 and IPv6 (no extension
headers), pcap of either byte order. Standard library only.
"""
import struct
import sys

M = 1 << 32


def tcp_offset(frame):
    """Offset of the TCP header and the (src, dst) address bytes, or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack(">H", frame[12:14])[0]
    off = 14
    while et in (0x8100, 0x88A8) and len(frame) >= off + 4:
        et = struct.unpack(">H", frame[off + 2:off + 4])[0]
        off += 4
    if et == 0x0800 and len(frame) >= off + 20 and frame[off + 9] == 6:
        ihl = (frame[off] & 15) * 4
        return off + ihl, bytes(frame[off + 12:off + 16]), bytes(frame[off + 16:off + 20])
    if et == 0x86DD and len(frame) >= off + 40 and frame[off + 6] == 6:
        return off + 40, bytes(frame[off + 8:off + 24]), bytes(frame[off + 24:off + 40])
    return None


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    data = bytearray(open(sys.argv[1], "rb").read())
    isn_c, isn_s = int(sys.argv[3]) % M, int(sys.argv[4]) % M
    magic = data[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    shifts = {}  # (client end, server end) -> (client delta, server delta)
    pos = 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[pos + 8:pos + 12])[0]
        start = pos + 16
        frame = data[start:start + caplen]
        pos = start + caplen
        t = tcp_offset(frame)
        if not t or len(frame) < t[0] + 20:
            continue
        o, src, dst = t
        sport, dport, seq, ack = struct.unpack(">HHII", frame[o:o + 12])
        hlen = (frame[o + 12] >> 4) * 4
        flags = frame[o + 13]
        a, b = (src, sport), (dst, dport)
        if (a, b) in shifts:
            dc, ds = shifts[(a, b)]
            mine, peer = dc, ds
        elif (b, a) in shifts:
            dc, ds = shifts[(b, a)]
            mine, peer = ds, dc
        elif flags & 0x12 == 0x02:  # a SYN opens the connection: a is the client
            shifts[(a, b)] = ((isn_c - seq) % M, None)
            mine, peer = shifts[(a, b)][0], None
        else:
            continue
        if flags & 0x12 == 0x12 and (b, a) in shifts and shifts[(b, a)][1] is None:
            shifts[(b, a)] = (shifts[(b, a)][0], (isn_s - seq) % M)
            mine, peer = shifts[(b, a)][1], shifts[(b, a)][0]
        if mine is None:
            continue
        seq = (seq + mine) % M
        if flags & 0x10 and peer is not None:
            ack = (ack + peer) % M
        struct.pack_into(">II", data, start + o + 4, seq, ack)
        # SACK blocks acknowledge the peer's sequence space
        i, end = o + 20, min(o + hlen, len(frame))
        while i < end and peer is not None:
            kind = frame[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= end or frame[i + 1] < 2:
                break
            ln = frame[i + 1]
            if kind == 5:
                for k in range(i + 2, min(i + ln, end) - 7, 8):
                    l, r = struct.unpack(">II", frame[k:k + 8])
                    struct.pack_into(">II", data, start + k, (l + peer) % M, (r + peer) % M)
            i += ln
    open(sys.argv[2], "wb").write(data)


if __name__ == "__main__":
    main()

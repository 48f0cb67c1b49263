#!/usr/bin/env python3
"""Replays an Ethernet pcap LOOPS times on stdout as one stream, shifting each replay's timestamps
past the previous one's end and giving each replay its own addresses (the third byte of every
IPv4 address, the 14th of every IPv6 one, is the replay number), so cashark sees an ever longer
capture of new connections with the same traffic mix: its peak RSS must not grow with LOOPS.

Usage: endless.py CAPTURE LOOPS > stream.pcap   (pcap, either byte order, micro or nanosecond)
"""
import struct
import sys


def main():
    path, loops = sys.argv[1], int(sys.argv[2])
    out = sys.stdout.buffer
    with open(path, 'rb') as f:
        hdr = f.read(24)
        magic = hdr[:4]
        order = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
        nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
        unit = 10**9 if nano else 10**6
        out.write(hdr)
        first = last = None
        shift = 0
        for n in range(loops):
            f.seek(24)
            while True:
                rh = f.read(16)
                if len(rh) < 16:
                    break
                sec, frac, caplen, length = struct.unpack(order + 'IIII', rh)
                body = bytearray(f.read(caplen))
                et = body[12:14]
                if et == b'\x08\x00' and caplen >= 34:
                    body[28] = body[32] = n % 256
                elif et == b'\x86\xdd' and caplen >= 54:
                    body[35] = body[51] = n % 256
                t = sec * unit + frac
                if first is None:
                    first = t
                last = max(last or t, t)
                t += shift
                out.write(struct.pack(order + 'IIII', t // unit, t % unit, caplen, length))
                out.write(body)
            shift += last - first + unit  # the next replay starts 1 s after this one ended


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""mptcp_badhmac.py IN OUT: copy the EN10MB pcap IN to OUT with the last byte of every MP_JOIN
ACK's HMAC (TCP option kind 30, length 24, subtype 1) inverted, so `stats mptcp -v` must report
those HMACs as bad. TCP checksums are left as they were. Standard library only."""
import struct
import sys


def tcp_options_at(frame):
    """Offset and length of the TCP options of an Ethernet/IPv4 or IPv6 frame, or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from("!H", frame, 12)[0]
    if etype == 0x0800 and frame[23] == 6:
        tcp = 14 + (frame[14] & 0x0F) * 4
    elif etype == 0x86DD and frame[20] == 6:
        tcp = 14 + 40
    else:
        return None
    if len(frame) < tcp + 20:
        return None
    doff = (frame[tcp + 12] >> 4) * 4
    return tcp + 20, min(tcp + doff, len(frame))


def flip(frame):
    loc = tcp_options_at(frame)
    if not loc:
        return 0
    i, end = loc
    n = 0
    while i < end:
        kind = frame[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= end or frame[i + 1] < 2:
            break
        ln = frame[i + 1]
        if kind == 30 and ln == 24 and i + ln <= end and frame[i + 2] >> 4 == 1:
            frame[i + ln - 1] ^= 0xFF
            n += 1
        i += ln
    return n


def main():
    src, dst = sys.argv[1:3]
    data = bytearray(open(src, "rb").read())
    if struct.unpack_from("<I", data, 0)[0] != 0xA1B2C3D4 or struct.unpack_from("<I", data, 20)[0] != 1:
        raise SystemExit("mptcp_badhmac: want a little-endian microsecond EN10MB pcap")
    off, n = 24, 0
    while off + 16 <= len(data):
        cap = struct.unpack_from("<I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + cap]
        n += flip(frame)
        data[off + 16:off + 16 + cap] = frame
        off += 16 + cap
    open(dst, "wb").write(data)
    print("mptcp_badhmac: %d HMACs changed" % n)


if __name__ == "__main__":
    main()

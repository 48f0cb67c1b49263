#!/usr/bin/env python3
"""Rewrite and craft pcap/pcapng files for cashark's test data (standard library only).

Subcommands (all write OUT and never touch IN):
  info IN                      list records: number, file offset, caplen, len
  swap IN OUT                  pcap: same records, the other byte order (both magics)
  relink IN OUT LINKTYPE       pcap EN10MB -> IPv4/IPv6 frames re-encapsulated as
                               RAW (101/12/14), IPV4 (228), IPV6 (229), NULL (0, host
                               order of --endian), LOOP (108), PPP (9); other frames dropped
  vlan IN OUT TAGS             pcap EN10MB: insert 802.1Q/802.1ad tags, TAGS = TPID:VID,...
                               outermost first (e.g. 88a8:200,8100:300)
  snaplen IN OUT N             pcap: set the header snaplen to N and cut every record to N
  cut IN OUT OFFSET            keep the first OFFSET bytes (documented damage)
  setcaplen IN OUT REC VALUE   pcap: set record REC's (1-based) caplen field to VALUE
  overcap IN OUT SNAP REC      pcap: header snaplen SNAP, records cut to SNAP, except
                               record REC which keeps its full (longer) caplen
  pcapng-badlen IN OUT BLOCK VALUE
                               pcapng: set the leading total length of block BLOCK
                               (0-based, counting the SHB as 0) to VALUE
  malformed OUT                craft EN10MB frames with malformed headers (see FRAMES)
  unknown OUT                  craft a pcap with link type 147 (USER0)
  blocks OUT                   craft a pcapng exercising block and option handling
"""
import struct
import sys

PCAP_US = 0xA1B2C3D4
PCAP_NS = 0xA1B23C4D


# ---------------------------------------------------------------- pcap I/O
def read_pcap(path):
    data = open(path, "rb").read()
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le in (PCAP_US, PCAP_NS):
        e = "<"
    else:
        e = ">"
    magic, vmaj, vmin, tz, sig, snap, lt = struct.unpack(e + "IHHiIII", data[:24])
    recs = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, cap, ln = struct.unpack(e + "IIII", data[off:off + 16])
        recs.append((off, sec, frac, cap, ln, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return {"endian": e, "magic": magic, "snap": snap, "lt": lt, "recs": recs,
            "hdr": (vmaj, vmin, tz, sig)}


def write_pcap(path, lt, frames, snap=262144, nano=False, endian="<"):
    """frames: iterable of (sec, frac, caplen_bytes, orig_len)."""
    out = [struct.pack(endian + "IHHiIII", PCAP_NS if nano else PCAP_US, 2, 4, 0, 0, snap, lt)]
    for sec, frac, b, ln in frames:
        out.append(struct.pack(endian + "IIII", sec, frac, len(b), ln) + b)
    open(path, "wb").write(b"".join(out))


def cmd_info(a):
    p = read_pcap(a[0])
    print("endian %s magic %08x snaplen %d linktype %d" % (p["endian"], p["magic"], p["snap"], p["lt"]))
    for i, (off, sec, frac, cap, ln, _) in enumerate(p["recs"], 1):
        print("record %d offset %d caplen %d len %d body %d..%d" % (i, off, cap, ln, off + 16, off + 16 + cap))


def cmd_swap(a):
    p = read_pcap(a[0])
    e = ">" if p["endian"] == "<" else "<"
    vmaj, vmin, tz, sig = p["hdr"]
    out = [struct.pack(e + "IHHiIII", p["magic"], vmaj, vmin, tz, sig, p["snap"], p["lt"])]
    for off, sec, frac, cap, ln, b in p["recs"]:
        out.append(struct.pack(e + "IIII", sec, frac, cap, ln) + b)
    open(a[1], "wb").write(b"".join(out))


def linkhdr(lt, ethertype, endian):
    # address family: AF_INET is 2 everywhere; AF_INET6 as BSD writes it (30 FreeBSD/macOS for
    # NULL, 24 OpenBSD for LOOP), since Linux's 10 never appears in these link types
    fam = 2 if ethertype == 0x0800 else (24 if lt == 108 else 30)
    if lt in (101, 12, 14, 228, 229):
        return b""
    if lt == 0:
        return struct.pack(endian + "I", fam)
    if lt == 108:
        return struct.pack(">I", fam)
    if lt == 9:
        return b"\xff\x03" + struct.pack(">H", 0x0021 if ethertype == 0x0800 else 0x0057)
    raise SystemExit("relink: unsupported link type %d" % lt)


def cmd_relink(a):
    inp, outp, lt = a[0], a[1], int(a[2])
    endian = "<"
    if len(a) > 3 and a[3] == "--endian=be":
        endian = ">"
    p = read_pcap(inp)
    assert p["lt"] == 1, "input must be EN10MB"
    frames = []
    for off, sec, frac, cap, ln, b in p["recs"]:
        et = struct.unpack(">H", b[12:14])[0]
        if et not in (0x0800, 0x86DD):
            continue
        if lt == 228 and et != 0x0800 or lt == 229 and et != 0x86DD:
            continue
        h = linkhdr(lt, et, endian)
        frames.append((sec, frac, h + b[14:], ln - 14 + len(h)))
    write_pcap(outp, lt, frames, snap=p["snap"], nano=p["magic"] == PCAP_NS, endian=endian)


def cmd_vlan(a):
    """Insert VLAN tags after the MAC addresses: TAGS is TPID:VID[,TPID:VID...], outermost first."""
    p = read_pcap(a[0])
    assert p["lt"] == 1, "input must be EN10MB"
    tags = b""
    for t in a[2].split(","):
        tpid, vid = t.split(":")
        tags += struct.pack(">HH", int(tpid, 16), int(vid))
    frames = [(s, f, b[:12] + tags + b[12:], ln + len(tags)) for _, s, f, c, ln, b in p["recs"]]
    write_pcap(a[1], 1, frames, snap=p["snap"], nano=p["magic"] == PCAP_NS, endian=p["endian"])


def cmd_snaplen(a):
    p = read_pcap(a[0])
    n = int(a[2])
    frames = [(s, f, b[:n], ln) for _, s, f, c, ln, b in p["recs"]]
    write_pcap(a[1], p["lt"], frames, snap=n, nano=p["magic"] == PCAP_NS, endian=p["endian"])


def cmd_cut(a):
    data = open(a[0], "rb").read()
    open(a[1], "wb").write(data[:int(a[2])])


def cmd_setcaplen(a):
    p = read_pcap(a[0])
    rec, value = int(a[2]), int(a[3], 0)
    data = bytearray(open(a[0], "rb").read())
    off = p["recs"][rec - 1][0]
    struct.pack_into(p["endian"] + "I", data, off + 8, value)
    open(a[1], "wb").write(bytes(data))


def cmd_overcap(a):
    p = read_pcap(a[0])
    snap, rec = int(a[2]), int(a[3])
    frames = []
    for i, (_, s, f, c, ln, b) in enumerate(p["recs"], 1):
        frames.append((s, f, b if i == rec else b[:snap], ln))
    write_pcap(a[1], p["lt"], frames, snap=snap, nano=p["magic"] == PCAP_NS, endian=p["endian"])


def cmd_pcapng_badlen(a):
    data = bytearray(open(a[0], "rb").read())
    block, value = int(a[2]), int(a[3], 0)
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off = 0
    for i in range(block):
        off += struct.unpack(e + "I", data[off + 4:off + 8])[0]
    btype, blen = struct.unpack(e + "II", data[off:off + 8])
    print("block %d type 0x%08x at offset %d, total length %d -> %d" % (block, btype, off, blen, value))
    struct.pack_into(e + "I", data, off + 4, value)
    open(a[1], "wb").write(bytes(data))


# ---------------------------------------------------------------- frame builders
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


MAC_A = bytes.fromhex("020000770001")
MAC_B = bytes.fromhex("020000770002")
V4_A = bytes([10, 77, 0, 1])
V4_B = bytes([10, 77, 0, 2])
V6_A = bytes.fromhex("fd770000000000000000000000000001")
V6_B = bytes.fromhex("fd770000000000000000000000000002")


def eth(payload, ethertype=0x0800, src=MAC_A, dst=MAC_B):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=V4_A, dst=V4_B, ihl=5, total=None, opts=b"", ident=1, frag=0x4000,
         ttl=64, version=4):
    hlen = 20 + len(opts)
    tl = hlen + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tl, ident, frag, ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(nxt, payload, src=V6_A, dst=V6_B, plen=None, hlim=64):
    pl = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28, pl, nxt, hlim, src, dst) + payload


def pseudo4(src, dst, proto, ln):
    return src + dst + struct.pack("!BBH", 0, proto, ln)


def pseudo6(src, dst, proto, ln):
    return src + dst + struct.pack("!IxxxB", ln, proto)


def tcp(sport, dport, seq, ack, flags, opts=b"", payload=b"", win=64240, doff=None, urg=0,
        pseudo=None):
    off = (20 + len(opts)) // 4 if doff is None else doff
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, urg) + opts
    if pseudo is not None:
        c = csum(pseudo(len(h) + len(payload)) + h + payload)
        h = h[:16] + struct.pack("!H", c) + h[18:]
    return h + payload


def udp(sport, dport, payload, length=None, pseudo=None):
    ln = 8 + len(payload) if length is None else length
    h = struct.pack("!HHHH", sport, dport, ln, 0)
    if pseudo is not None:
        c = csum(pseudo(8 + len(payload)) + h + payload) or 0xFFFF
        h = h[:6] + struct.pack("!H", c)
    return h + payload


def v4tcp(*args, **kw):
    return ipv4(6, tcp(*args, pseudo=lambda n: pseudo4(V4_A, V4_B, 6, n), **kw))


def v4udp(sport, dport, payload, **kw):
    return ipv4(17, udp(sport, dport, payload, pseudo=lambda n: pseudo4(V4_A, V4_B, 17, n)), **kw)


SYN_OPTS = bytes.fromhex("020405b4" "0402" "080a0000000100000000" "01" "030307")
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 1, 2, 4, 8, 16, 32, 64, 128


def malformed_frames():
    """(comment, frame, orig_len or None) in file order.  Keep in sync with testdata/README.md."""
    f = []
    add = lambda c, b, ln=None: f.append((c, b, ln))
    add("good: TCP SYN 10.77.0.1:40000 > 10.77.0.2:8080, options mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7",
        eth(v4tcp(40000, 8080, 1000, 0, SYN, SYN_OPTS)))
    add("IPv4 IHL 4 (< 5): ipv4 header length 16", eth(ipv4(6, tcp(40000, 8080, 1, 0, SYN), ihl=4)))
    add("IPv4 IHL 15 (60-byte header) but total length 40",
        eth(ipv4(6, tcp(40000, 8080, 1, 0, SYN), ihl=15)))
    add("IPv4 total length 1500, beyond the 54-byte frame (not a snaplen cut: len == caplen)",
        eth(ipv4(6, tcp(40000, 8080, 1, 0, SYN), total=1500)))
    add("IPv4 total length 10 (< IHL*4 = 20)", eth(ipv4(6, tcp(40000, 8080, 1, 0, SYN), total=10)))
    add("TCP data offset 4 (< 5)", eth(v4tcp(40001, 8080, 1, 0, SYN, doff=4)))
    add("TCP data offset 15 (60 bytes) but only 20 bytes of TCP in the IP payload",
        eth(v4tcp(40002, 8080, 1, 0, SYN, doff=15)))
    add("TCP option MSS with length 0", eth(v4tcp(40003, 8080, 1, 0, SYN, bytes.fromhex("02000000"))))
    add("TCP option TS with length 1", eth(v4tcp(40004, 8080, 1, 0, SYN, bytes.fromhex("08010000"))))
    add("TCP option TS with length 30, past the 8 option bytes",
        eth(v4tcp(40005, 8080, 1, 0, SYN, bytes.fromhex("081e0000" "00000000"))))
    add("good: TCP ACK with options nop,nop,SACK 2 blocks (2001-3001, 4001-5001),TS val 2 ecr 1,EOL,EOL",
        eth(v4tcp(40000, 8080, 1001, 2001, ACK,
                  bytes.fromhex("0101" "0512" "000007d1" "00000bb9" "00000fa1" "00001389"
                                "080a0000000200000001" "0000"))))
    add("good: TCP ACK with options TFO cookie 0102030405060708 (kind 34), MPTCP DSS data ack 10 "
        "(kind 30, len 8), unknown kind 253 (len 4), nop,EOL",
        eth(v4tcp(40000, 8080, 1001, 2001, ACK,
                  bytes.fromhex("220a0102030405060708"
                                "1e0820010000000a"
                                "fd04abcd"
                                "0100"))))
    add("UDP length 4 (< 8)", eth(ipv4(17, udp(40010, 9, b"abcd", length=4))))
    add("UDP length 200, beyond the 12-byte IP payload", eth(ipv4(17, udp(40010, 9, b"abcd", length=200))))
    add("IPv6 payload length 1000, beyond the frame", eth(ipv6(17, udp(40010, 9, b"abcd"), plen=1000), 0x86DD))
    hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])        # hop-by-hop, next = dest opts, PadN
    dst = bytes([43, 0, 1, 4, 0, 0, 0, 0])        # dest opts, next = routing
    rt = bytes([44, 0, 0, 0, 0, 0, 0, 0])         # routing type 0 segments left 0, next = fragment
    fr = bytes([17, 0, 0, 0, 0, 0, 0, 42])        # fragment offset 0 M=0 id 42, next = UDP
    add("IPv6 hop-by-hop > dest-opts > routing > fragment (atomic, id 42) > UDP 40010 > 9",
        eth(ipv6(0, hbh + dst + rt + fr + udp(40010, 9, b"abcd")), 0x86DD))
    chain = b"".join(bytes([60, 0, 1, 4, 0, 0, 0, 0]) for _ in range(19)) + bytes([17, 0, 1, 4, 0, 0, 0, 0])
    add("IPv6 with 20 chained destination-options headers, then UDP (deeper than any sane cap)",
        eth(ipv6(60, chain + udp(40010, 9, b"abcd")), 0x86DD))
    tags = b"".join(struct.pack("!HH", i + 1, 0x8100) for i in range(9)) + struct.pack("!HH", 10, 0x0800)
    add("ten nested 802.1Q tags (vlan 1..10), then IPv4 UDP", eth(tags + v4udp(40010, 9, b"abcd"), 0x8100))
    add("IPv4 options NOP, record route (len 7, 1 slot), EOL; UDP",
        eth(v4udp(40010, 9, b"abcd", ihl=8, opts=bytes([1, 7, 7, 4, 0, 0, 0, 0]) + bytes(4))))
    add("IPv4 option with length 0 (record route len 0)",
        eth(ipv4(17, udp(40010, 9, b"abcd"), ihl=6, opts=bytes([7, 0, 0, 0]))))
    add("IPv4 option length 40, past the 4 option bytes",
        eth(ipv4(17, udp(40010, 9, b"abcd"), ihl=6, opts=bytes([7, 40, 4, 0]))))
    inner = ipv4(17, udp(40000, 53, b""), src=V4_B, dst=V4_A)[:28]
    icmp = struct.pack("!BBHI", 3, 3, 0, 0) + inner
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    add("ICMP destination unreachable, port unreachable, quoting IPv4/UDP 10.77.0.2:40000 > 10.77.0.1:53",
        eth(ipv4(1, icmp, src=V4_A, dst=V4_B)))
    add("ICMP message of 2 bytes (type 8 code 0, no checksum)", eth(ipv4(1, bytes([8, 0]))))
    ns = struct.pack("!BBHI16s", 135, 0, 0, 0, V6_B) + bytes([1, 1]) + MAC_A
    ns = ns[:2] + struct.pack("!H", csum(pseudo6(V6_A, V6_B, 58, len(ns)) + ns)) + ns[4:]
    add("ICMPv6 neighbor solicitation for fd77::2 with source link-layer option", eth(ipv6(58, ns, hlim=255), 0x86DD))
    add("unknown ethertype 0x88b5 (IEEE local experimental), 20 bytes payload", eth(bytes(range(20)), 0x88B5))
    add("Ethernet frame of 10 bytes (shorter than the 14-byte header)", bytes(10))
    add("ethertype IPv4 but IP version field 6", eth(ipv4(17, udp(40010, 9, b"abcd"), version=6)))
    add("IPv4 total length 0 with TCP inside (TSO-style)",
        eth(ipv4(6, tcp(40006, 8080, 1, 1, PSH | ACK, payload=b"hello"), total=0)))
    add("TCP with all eight flags FSRPAUEC and urgent pointer 3, 5 bytes payload",
        eth(v4tcp(40007, 8080, 5, 6, 0xFF, urg=3, payload=b"12345")))
    add("IPv4 fragment: offset 0, MF set, id 77, 16 bytes of UDP",
        eth(ipv4(17, udp(40010, 9, b"12345678", length=24), frag=0x2000, ident=77)))
    add("IPv4 fragment: offset 16 bytes (2), MF clear, id 77, 8 bytes", eth(ipv4(17, b"abcdefgh", frag=0x0002, ident=77)))
    add("good: UDP 10.77.0.1:40010 > 10.77.0.2:9 len 4 (the run goes on)", eth(v4udp(40010, 9, b"done")))
    return f


def cmd_malformed(a):
    frames = []
    for i, (c, b, ln) in enumerate(malformed_frames()):
        frames.append((1700000000 + i, 250000, b, len(b) if ln is None else ln))
    write_pcap(a[0], 1, frames)
    for i, (c, b, _) in enumerate(malformed_frames(), 1):
        print("%d. %s (%d bytes)" % (i, c, len(b)))


def cmd_unknown(a):
    frames = [(1700000100 + i, 0, bytes([0xCA, 0x5A, i]) + b"opaque user0 frame", 21) for i in range(3)]
    write_pcap(a[0], 147, frames)


# ---------------------------------------------------------------- pcapng writer
def pad4(b):
    return b + bytes(-len(b) % 4)


def opt(e, code, val):
    return struct.pack(e + "HH", code, len(val)) + pad4(val)


def block(e, btype, body):
    ln = 12 + len(body)
    return struct.pack(e + "II", btype, ln) + body + struct.pack(e + "I", ln)


def shb(e, opts=b""):
    return block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts)


def idb(e, lt, snap, tsresol=None, name=None):
    opts = b""
    if name:
        opts += opt(e, 2, name.encode())
    if tsresol is not None:
        opts += opt(e, 9, bytes([tsresol]))
    if opts:
        opts += struct.pack(e + "HH", 0, 0)
    return block(e, 1, struct.pack(e + "HHI", lt, 0, snap) + opts)


def epb(e, ifid, ts, data, orig=None):
    body = struct.pack(e + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data) if orig is None else orig)
    return block(e, 6, body + pad4(data))


def spb(e, data, orig):
    return block(e, 3, struct.pack(e + "I", orig) + pad4(data))


def opb(e, ifid, ts, data):
    body = struct.pack(e + "HHIIII", ifid, 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
    return block(e, 2, body + pad4(data))


def cmd_blocks(a):
    """Two sections (little then big endian); per-interface link types, snap lengths, tsresol."""
    syn = eth(v4tcp(40000, 8080, 1000, 0, SYN, SYN_OPTS))
    u = eth(v4udp(40010, 9, b"abcd"))
    raw = v4udp(40010, 9, b"raw payload that the 40-byte snaplen cuts")
    t0 = 1700000200
    out = []
    e = "<"
    out.append(shb(e, opt(e, 4, b"cashark pcaptool") + struct.pack(e + "HH", 0, 0)))
    out.append(idb(e, 1, 262144, name="eth0"))                 # if 0: EN10MB, microseconds
    out.append(idb(e, 101, 40, tsresol=9, name="raw0"))        # if 1: RAW, snaplen 40, nanoseconds
    out.append(idb(e, 147, 0, tsresol=3, name="user0"))        # if 2: USER0 (unknown), milliseconds
    out.append(epb(e, 0, t0 * 1000000 + 1, syn))               # EPB on if 0
    out.append(epb(e, 1, t0 * 10**9 + 2000000123, raw[:40], len(raw)))  # EPB on if 1, cut at snaplen
    out.append(block(e, 0x0BAD0001, b"unknown block body"[:16]))  # unknown block type: skipped
    out.append(epb(e, 2, t0 * 1000 + 3004, b"\xca\x5a\x00opaque user0"))  # EPB on if 2 (unknown link type)
    out.append(opb(e, 0, t0 * 1000000 + 4000005, u))            # obsolete Packet Block on if 0
    out.append(spb(e, u, len(u)))                               # SPB (interface 0)
    out.append(block(e, 5, struct.pack(e + "IIIII", 0, 0, 0, 0, 0)))  # ISB with no options: skipped
    e = ">"
    out.append(shb(e))                                          # section 2, big endian
    out.append(idb(e, 228, 65535, tsresol=6))                  # if 0 of section 2: IPV4
    out.append(epb(e, 0, (t0 + 5) * 1000000 + 6, raw))
    open(a[0], "wb").write(b"".join(out))


CMDS = {"info": cmd_info, "swap": cmd_swap, "relink": cmd_relink, "vlan": cmd_vlan, "snaplen": cmd_snaplen, "cut": cmd_cut,
        "setcaplen": cmd_setcaplen, "overcap": cmd_overcap, "pcapng-badlen": cmd_pcapng_badlen,
        "malformed": cmd_malformed, "unknown": cmd_unknown, "blocks": cmd_blocks}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    CMDS[sys.argv[1]](sys.argv[2:])

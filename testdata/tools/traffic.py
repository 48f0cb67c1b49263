#!/usr/bin/env python3
"""Generate a small, fixed set of real kernel traffic for cashark's test captures.

Run `traffic.py server ADDR` in one network namespace and `traffic.py client ADDR`
in the other (make_captures.sh does both).  ADDR is the server's IPv4 or IPv6
address; the family follows from it.  The client then produces, in this order:

  1. a full TCP connection to ADDR:8080 (kernel SYN options: mss, sackOK, TS,
     nop, wscale), a 64-byte request, a 300-byte reply, a second 20-byte request
     and 20-byte reply, then an orderly FIN close started by the client;
  2. a TCP connection attempt to the closed port ADDR:8081 (SYN, RST-ACK);
  3. a DNS-shaped UDP query to ADDR:53 and its DNS-shaped reply;
  4. an ICMP (or ICMPv6) echo request id 7 seq 1 with 16 bytes of data, and the
     kernel's echo reply.

With `--big N` the UDP query and reply carry N bytes instead (to make IP fragments).
Only the standard library is used; no randomness except what the kernel adds
(ephemeral ports, ISNs, TCP timestamps, DNS id is fixed at 0x1234).
"""
import argparse
import socket
import struct
import sys
import time

TCP_PORT = 8080
CLOSED_PORT = 8081
UDP_PORT = 53


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def dns_query(name):
    """A DNS query for NAME type A class IN (id 0x1234, RD)."""
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)


def dns_reply(query):
    """Echo the question and add one A record 192.0.2.7 (TTL 60)."""
    ident = query[:2]
    question = query[12:]
    answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([192, 0, 2, 7])
    return ident + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + answer


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def server(addr, big, timeout):
    fam = family_of(addr)
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, TCP_PORT))
    ls.listen(4)
    us = socket.socket(fam, socket.SOCK_DGRAM)
    us.bind((addr, UDP_PORT))
    ls.settimeout(timeout)
    us.settimeout(timeout)
    print("ready", flush=True)
    conn, _ = ls.accept()
    with conn:
        req = b""
        while len(req) < 64:
            chunk = conn.recv(4096)
            if not chunk:
                break
            req += chunk
        conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 262\r\n\r\n" + b"x" * 260 + b"\r\n")
        req2 = conn.recv(4096)
        conn.sendall(b"ACK " + req2[:16])
        # wait for the client's FIN, then close our side
        while conn.recv(4096):
            pass
    ls.close()
    data, peer = us.recvfrom(65535)
    if big:
        us.sendto(b"R" * big, peer)
    else:
        us.sendto(dns_reply(data), peer)
    us.close()


def client(addr, big):
    fam = family_of(addr)
    c = socket.create_connection((addr, TCP_PORT), timeout=5)
    c.sendall(b"GET /index.html HTTP/1.0\r\nHost: cashark.test\r\nUser-Agent: t\r\n\r\n".ljust(64, b"."))
    got = b""
    while len(got) < 300:
        chunk = c.recv(4096)
        if not chunk:
            break
        got += chunk
    time.sleep(0.05)
    c.sendall(b"second request..\r\n\r\n")
    c.recv(4096)
    time.sleep(0.05)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass
    c.close()
    time.sleep(0.05)

    r = socket.socket(fam, socket.SOCK_STREAM)
    r.settimeout(5)
    try:
        r.connect((addr, CLOSED_PORT))
    except ConnectionRefusedError:
        pass
    r.close()
    time.sleep(0.05)

    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(b"Q" * big if big else dns_query("cashark.test"), (addr, UDP_PORT))
    u.recvfrom(65535)
    u.close()
    time.sleep(0.05)

    if fam == socket.AF_INET:
        icmp = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        body = struct.pack("!HH", 7, 1) + b"cashark-echo-16b"
        msg = struct.pack("!BBH", 8, 0, 0) + body
        msg = struct.pack("!BBH", 8, 0, checksum(msg)) + body
    else:
        icmp = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        # the kernel fills in the ICMPv6 checksum (it needs the pseudo-header)
        msg = struct.pack("!BBHHH", 128, 0, 0, 7, 1) + b"cashark-echo-16b"
    icmp.settimeout(5)
    icmp.sendto(msg, (addr, 0))
    icmp.recvfrom(65535)
    icmp.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("--big", type=int, default=0, help="UDP payload size (makes fragments)")
    ap.add_argument("--timeout", type=float, default=10.0)
    a = ap.parse_args()
    if a.role == "server":
        server(a.addr, a.big, a.timeout)
    else:
        client(a.addr, a.big)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""gen_traffic.py: seeded TCP and DNS-like UDP traffic for the cashark benchmark capture.

Run by bench/run.sh inside two network namespaces it creates (csb-*): the
`server` side listens on several TCP ports and on UDP port 53, the `client`
side plays a schedule drawn from a seeded random generator. The schedule (how
many connections, their address family, port, exchanges, sizes, think times,
how they close, the DNS lookups in front of them) depends only on --seed and
--size-mb, so two captures made with the same options have the same
composition, though not the same bytes (timing, loss and ports vary).

Every loop is bounded: the client stops when its schedule is done or after
--max-seconds, whichever comes first; the server stops after --max-seconds or
on SIGTERM/SIGINT. Traffic only goes to the addresses given on the command
line, which run.sh assigns inside its own namespaces. Standard library only.
"""

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import struct
import sys
import time

TCP_PORTS = (80, 443, 8080, 9000)
DNS_PORT = 53
HDR = struct.Struct("!IIB")  # request payload length, response length, flags
FLAG_SERVER_CLOSE = 1
CHUNK = 256 * 1024
PAYLOAD_SIZE = 4 * 1024 * 1024

# Bytes a packet costs in the pcap beyond its TCP payload: record header 16,
# Ethernet 14, TCP with timestamps 32, plus the IP header (20 or 40).
OVERHEAD = {4: 16 + 14 + 20 + 32, 6: 16 + 14 + 40 + 32}
MSS = {4: 1448, 6: 1428}


def payload_buffer(seed):
    """A fixed pseudo-random buffer the sides slice their payloads from."""
    rng = random.Random(seed ^ 0x5EED)
    return rng.randbytes(PAYLOAD_SIZE)


def log_uniform(rng, lo, hi):
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def draw_session(rng, ident):
    """One TCP session: family, port, exchanges, close style, DNS lookups first."""
    family = 4 if rng.random() < 0.6 else 6
    port = rng.choice(TCP_PORTS)
    kind = rng.choices(("rpc", "bulk", "upload", "short"), weights=(74, 6, 4, 16))[0]
    exchanges = []
    if kind == "rpc":
        for _ in range(rng.randint(2, 20)):
            exchanges.append(
                (rng.randint(40, 600), log_uniform(rng, 60, 6000), rng.choice((0, 5, 20, 50, 150, 400, 1000)))
            )
    elif kind == "bulk":
        for _ in range(rng.randint(1, 2)):
            exchanges.append((rng.randint(60, 400), log_uniform(rng, 16 * 1024, 2 * 1024 * 1024), 10))
    elif kind == "upload":
        exchanges.append((log_uniform(rng, 8 * 1024, 512 * 1024), rng.randint(20, 300), 0))
    else:
        exchanges.append((rng.randint(20, 200), rng.randint(0, 400), 0))
    close = rng.choices(("fin", "srvfin", "rst"), weights=(75, 20, 5))[0]
    lookups = []
    for _ in range(rng.choices((0, 1, 2), weights=(40, 45, 15))[0]):
        answers = rng.choices((0, 1, 2, 4), weights=(10, 60, 20, 10))[0]
        lookups.append(
            {
                "family": 4 if rng.random() < 0.6 else 6,
                "qtype": rng.choice((1, 28)),  # A, AAAA
                "answers": answers,
                "name": "a%dr%d.s%d.bench.example" % (answers, rng.randint(0, 9999), ident % 97),
            }
        )
    return {
        "id": ident,
        "family": family,
        "port": port,
        "client": rng.randrange(8),
        "server": rng.randrange(2),
        "exchanges": exchanges,
        "close": close,
        "lookups": lookups,
    }


def estimate(s):
    """Rough pcap bytes and packets for a session: data segments, about one ACK
    per two, handshake and close, DNS query and answer."""
    ov = OVERHEAD[s["family"]]
    mss = MSS[s["family"]]
    total = 7 * ov
    packets = 7
    for req, resp, _ in s["exchanges"]:
        for n in (req + HDR.size, resp):
            segs = max(1, math.ceil(n / mss)) if n else 0
            acks = math.ceil(segs / 2)
            total += n + (segs + acks) * ov
            packets += segs + acks
    for q in s["lookups"]:
        total += 2 * (16 + 14 + (20 if q["family"] == 4 else 40) + 8) + 40 + 2 * len(q["name"])
        total += q["answers"] * 28
        packets += 2
    return total, packets


def make_schedule(seed, size_mb):
    rng = random.Random(seed)
    target = size_mb * 1000 * 1000
    sessions = []
    total = 0
    packets = 0
    while total < target:
        s = draw_session(rng, len(sessions))
        sessions.append(s)
        nbytes, npackets = estimate(s)
        total += nbytes
        packets += npackets
    return sessions, total, packets


CLIENT_ADDR = {4: "198.51.100.%d", 6: "2001:db8:cb::%x"}
SERVER_ADDR = {4: "198.51.100.%d", 6: "2001:db8:cb::%x"}


def client_addr(family, i):
    return CLIENT_ADDR[family] % (16 + i)


def server_addr(family, i):
    return SERVER_ADDR[family] % (1 + i)


# ---------------------------------------------------------------- DNS-like


def dns_query(qid, name, qtype):
    out = bytearray(struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0))
    for label in name.split("."):
        out.append(len(label))
        out += label.encode("ascii")
    out.append(0)
    out += struct.pack("!HH", qtype, 1)
    return bytes(out)


def dns_answer(query):
    """Answer a query built by dns_query. The answer count rides in the query's
    first label ("a<n>r<random>": n answers), and n = 0 gets NXDOMAIN."""
    if len(query) < 17:
        return None
    qid = struct.unpack_from("!H", query, 0)[0]
    pos = 12
    labels = []
    while pos < len(query) and query[pos] != 0 and len(labels) < 16:
        n = query[pos]
        labels.append(query[pos + 1 : pos + 1 + n])
        pos += 1 + n
    pos += 1
    if pos + 4 > len(query):
        return None
    qtype = struct.unpack_from("!H", query, pos)[0]
    question = query[12 : pos + 4]
    first = labels[0] if labels else b""
    digits = first[1:].split(b"r", 1)[0]
    count = min(int(digits), 8) if digits.isdigit() else 1
    rcode = 3 if count == 0 else 0
    out = bytearray(struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, count, 0, 0))
    out += question
    for i in range(count):
        if qtype == 28:
            rdata = socket.inet_pton(socket.AF_INET6, "2001:db8:dd::%x" % (i + 1))
        else:
            rdata = socket.inet_pton(socket.AF_INET, "203.0.113.%d" % (i + 1))
        out += struct.pack("!HHHIH", 0xC00C, qtype, 1, 300, len(rdata)) + rdata
    return bytes(out)


class DnsServer(asyncio.DatagramProtocol):
    def __init__(self, stats):
        self.stats = stats
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, peer):
        reply = dns_answer(data)
        if reply is not None:
            self.stats["dns"] += 1
            self.transport.sendto(reply, peer)

    def error_received(self, exc):
        self.stats["errors"] += 1


# ---------------------------------------------------------------- server


async def serve_conn(reader, writer, payload, stats):
    stats["conns"] += 1
    try:
        while True:
            hdr = await reader.readexactly(HDR.size)
            req, resp, flags = HDR.unpack(hdr)
            while req:
                got = await reader.read(min(req, CHUNK))
                if not got:
                    return
                req -= len(got)
            sent = 0
            while sent < resp:
                n = min(resp - sent, CHUNK)
                off = sent % (PAYLOAD_SIZE - CHUNK)
                writer.write(payload[off : off + n])
                sent += n
                await writer.drain()
            if flags & FLAG_SERVER_CLOSE:
                break
    except (asyncio.IncompleteReadError, ConnectionError, OSError):
        pass
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def server_main(args):
    payload = memoryview(payload_buffer(args.seed))
    stats = {"conns": 0, "dns": 0, "errors": 0}
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def handler(r, w):
        try:
            await serve_conn(r, w, payload, stats)
        except asyncio.CancelledError:  # shutting down with connections open
            pass

    servers = []
    for port in TCP_PORTS:
        servers.append(await asyncio.start_server(handler, host=None, port=port, backlog=4096))
    for fam, af in ((4, socket.AF_INET), (6, socket.AF_INET6)):
        for i in range(2):
            sock = socket.socket(af, socket.SOCK_DGRAM)
            if af == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((server_addr(fam, i), DNS_PORT))
            await loop.create_datagram_endpoint(lambda: DnsServer(stats), sock=sock)
    print("ready", flush=True)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except asyncio.TimeoutError:
        pass
    for s in servers:
        s.close()
    print(json.dumps({"server": stats}), flush=True)


# ---------------------------------------------------------------- client


async def lookup(loop, q, qid, stats):
    af = socket.AF_INET if q["family"] == 4 else socket.AF_INET6
    sock = socket.socket(af, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        sock.bind((client_addr(q["family"], qid % 8), 0))
        sock.connect((server_addr(q["family"], qid % 2), DNS_PORT))
        msg = dns_query(qid & 0xFFFF, q["name"], q["qtype"])
        for _ in range(2):  # one retry after a timeout
            await loop.sock_sendall(sock, msg)
            try:
                await asyncio.wait_for(loop.sock_recv(sock, 2048), timeout=1.0)
                stats["dns_ok"] += 1
                return
            except asyncio.TimeoutError:
                stats["dns_retry"] += 1
    except OSError:
        stats["errors"] += 1
    finally:
        sock.close()


async def tcp_session(s, payload, stats):
    fam = s["family"]
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            server_addr(fam, s["server"]), s["port"], local_addr=(client_addr(fam, s["client"]), 0)
        ),
        timeout=30,
    )
    try:
        last = len(s["exchanges"]) - 1
        for i, (req, resp, think) in enumerate(s["exchanges"]):
            flags = FLAG_SERVER_CLOSE if (i == last and s["close"] == "srvfin") else 0
            writer.write(HDR.pack(req, resp, flags))
            sent = 0
            while sent < req:
                n = min(req - sent, CHUNK)
                writer.write(payload[sent : sent + n])
                sent += n
                await writer.drain()
            await writer.drain()
            left = resp
            while left > 0:
                got = await reader.read(min(left, CHUNK))
                if not got:
                    raise ConnectionError("server closed early")
                left -= len(got)
            stats["bytes"] += req + resp
            if think:
                await asyncio.sleep(think / 1000.0)
        if s["close"] == "rst":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            stats["rst"] += 1
        elif s["close"] == "srvfin":
            await asyncio.wait_for(reader.read(1), timeout=10)
            stats["srvfin"] += 1
        else:
            stats["fin"] += 1
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def client_main(args):
    sessions, est_bytes, est_packets = make_schedule(args.seed, args.size_mb)
    payload = memoryview(payload_buffer(args.seed))
    loop = asyncio.get_running_loop()
    stats = {
        "sessions": len(sessions),
        "estimate_bytes": est_bytes,
        "estimate_packets": est_packets,
        "done": 0,
        "failed": 0,
        "bytes": 0,
        "fin": 0,
        "srvfin": 0,
        "rst": 0,
        "dns_ok": 0,
        "dns_retry": 0,
        "errors": 0,
        "active_max": 0,
    }
    sem = asyncio.Semaphore(args.concurrency)
    active = [0]

    async def run(s):
        async with sem:
            active[0] += 1
            stats["active_max"] = max(stats["active_max"], active[0])
            try:
                for j, q in enumerate(s["lookups"]):
                    await lookup(loop, q, s["id"] * 3 + j, stats)
                await asyncio.wait_for(tcp_session(s, payload, stats), timeout=args.session_timeout)
                stats["done"] += 1
            except (asyncio.TimeoutError, ConnectionError, OSError):
                stats["failed"] += 1
            finally:
                active[0] -= 1

    start = time.monotonic()
    # Ramp up: the first wave of connections opens over about a second, not all at once.
    tasks = []
    for i, s in enumerate(sessions):
        tasks.append(asyncio.create_task(run(s)))
        if i < args.concurrency and i % 250 == 249:
            await asyncio.sleep(0.02)
    done, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    stats["cancelled"] = len(pending)
    stats["seconds"] = round(time.monotonic() - start, 1)
    print(json.dumps({"client": stats}), flush=True)


def plan_main(args):
    sessions, est_bytes, est_packets = make_schedule(args.seed, args.size_mb)
    kinds = {"fin": 0, "srvfin": 0, "rst": 0}
    fam = {4: 0, 6: 0}
    lookups = 0
    for s in sessions:
        kinds[s["close"]] += 1
        fam[s["family"]] += 1
        lookups += len(s["lookups"])
    print(
        json.dumps(
            {
                "sessions": len(sessions),
                "estimate_bytes": est_bytes,
                "estimate_packets": est_packets,
                "ipv4": fam[4],
                "ipv6": fam[6],
                "close": kinds,
                "dns_lookups": lookups,
            }
        )
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("role", choices=("server", "client", "plan"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--concurrency", type=int, default=2500)
    ap.add_argument("--max-seconds", type=float, default=1800)
    ap.add_argument("--session-timeout", type=float, default=300)
    args = ap.parse_args()
    if args.role == "plan":
        plan_main(args)
    elif args.role == "server":
        asyncio.run(server_main(args))
    else:
        asyncio.run(client_main(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

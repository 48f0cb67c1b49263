#!/usr/bin/env python3
"""tcp_scenarios.py ROLE SCENARIO ADDR: the traffic of cashark's own TCP statistics captures
(make_tcp_captures.sh runs the server in one network namespace and the client in the other).

Scenarios (ports fixed so the captures are easy to read):
  slow      8090 answers a 16-byte request at once; 8091 sleeps 250 ms before its 200-byte
            reply; 8092 has a listen backlog of 1 and accepts only every 600 ms, so the kernel
            drops SYNs while the queue is full (SYN retransmissions, hs_first ~1 s). Ten
            connections to each, the 8092 ones four at a time.
  rst       8093: four connections open at once; each sends a request, reads the reply, and the
            client closes with SO_LINGER {1, 0} (a RST instead of a FIN), one every 100 ms.
  bulk      8094: the server sends 300,000 bytes; drops come from nftables (see the script).
  zerowin   8095: the server sets SO_RCVBUF 4096 and reads 1024 bytes every 40 ms, stalling
            1 s every 16 reads, while the client sends 60,000 bytes: zero windows and probes.
  steady    8096: one connection, a 100-byte message and its echo every 50 ms for 3 s (the
            capture starts in the middle).
  v6        8097 over IPv6: three request/reply connections and a SYN to the closed 8098.
Standard library only.
"""
import socket
import struct
import sys
import threading
import time


def listener(addr, port, backlog=16, rcvbuf=None):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def connect(addr, port):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.settimeout(20)
    c.connect((addr, port))
    return c


def recv_exact(c, n):
    got = b""
    while len(got) < n:
        b = c.recv(n - len(got))
        if not b:
            break
        got += b
    return got


def serve(s, handler):
    """Accepts forever, one thread per connection."""
    while True:
        c, _ = s.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def reply_after(delay, size):
    def h(c):
        req = recv_exact(c, 16)
        if req:
            time.sleep(delay)
            c.sendall(b"r" * size)
        while c.recv(4096):
            pass
        c.close()
    return h


def slow_accept(s):
    """Backlog 1, one accept every 600 ms: SYNs beyond the queue are dropped by the kernel."""
    h = reply_after(0, 200)
    while True:
        time.sleep(0.6)
        c, _ = s.accept()
        threading.Thread(target=h, args=(c,), daemon=True).start()


def server(scenario, addr):
    threads = []

    def run(target, *args):
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        threads.append(t)

    if scenario == "slow":
        run(serve, listener(addr, 8090), reply_after(0, 200))
        run(serve, listener(addr, 8091), reply_after(0.25, 200))
        run(slow_accept, listener(addr, 8092, backlog=1))
    elif scenario == "rst":
        run(serve, listener(addr, 8093), reply_after(0, 300))
    elif scenario == "bulk":
        def bulk(c):
            recv_exact(c, 16)
            c.sendall(b"b" * 300000)
            c.shutdown(socket.SHUT_WR)
            while c.recv(4096):
                pass
            c.close()
        run(serve, listener(addr, 8094), bulk)
    elif scenario == "zerowin":
        def slow_reader(c):
            n = 0
            while True:
                b = c.recv(1024)
                if not b:
                    break
                n += 1
                time.sleep(1.0 if n % 16 == 0 else 0.04)  # stalls: the sender probes
            c.close()
        run(serve, listener(addr, 8095, rcvbuf=4096), slow_reader)
    elif scenario == "steady":
        def echo(c):
            while True:
                b = recv_exact(c, 100)
                if not b:
                    break
                c.sendall(b)
            c.close()
        run(serve, listener(addr, 8096), echo)
    elif scenario == "v6":
        run(serve, listener(addr, 8097), reply_after(0, 120))
    else:
        sys.exit("unknown scenario " + scenario)
    print("ready", flush=True)
    time.sleep(3600)


def request(addr, port):
    c = connect(addr, port)
    c.sendall(b"q" * 16)
    recv_exact(c, 200)
    time.sleep(0.005)
    c.close()


def client(scenario, addr):
    if scenario == "slow":
        for i in range(10):
            request(addr, 8090)
            request(addr, 8091)
        ts = []
        for i in range(10):
            t = threading.Thread(target=request, args=(addr, 8092))
            t.start()
            ts.append(t)
            if i % 4 == 3:
                for t in ts:
                    t.join()
                ts = []
        for t in ts:
            t.join()
    elif scenario == "rst":
        cs = [connect(addr, 8093) for _ in range(4)]
        for c in cs:
            c.sendall(b"q" * 16)
            recv_exact(c, 300)
        for c in cs:
            time.sleep(0.1)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
    elif scenario == "bulk":
        c = connect(addr, 8094)
        c.sendall(b"q" * 16)
        n = 0
        while True:
            b = c.recv(65536)
            if not b:
                break
            n += len(b)
        c.close()
        print("received", n, flush=True)
    elif scenario == "zerowin":
        c = connect(addr, 8095)
        c.sendall(b"z" * 60000)
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
        c.close()
    elif scenario == "steady":
        c = connect(addr, 8096)
        end = time.time() + 3
        while time.time() < end:
            c.sendall(b"m" * 100)
            recv_exact(c, 100)
            time.sleep(0.05)
        c.close()
    elif scenario == "v6":
        for _ in range(3):
            c = connect(addr, 8097)
            c.sendall(b"q" * 16)
            recv_exact(c, 120)
            c.close()
        try:
            connect(addr, 8098)
        except OSError:
            pass
    else:
        sys.exit("unknown scenario " + scenario)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("server", "client"):
        sys.exit(__doc__)
    (server if sys.argv[1] == "server" else client)(sys.argv[2], sys.argv[3])

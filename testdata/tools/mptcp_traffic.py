#!/usr/bin/env python3
"""mptcp_traffic.py: one MPTCP (or plain TCP) transfer for make_mptcp_captures.sh.

  server ADDR PORT [--plain] [--noread S] [--reply N]
      accept one connection on PORT of every address of ADDR's family (a wildcard bind, so
      joins to announced addresses find the listener; IPPROTO_MPTCP = 262 unless --plain), read until
      the client's FIN, send an N-byte reply (default 4096), close. With --noread S: read
      nothing, wait S seconds, then close with the data unread (Linux answers that with
      MP_FASTCLOSE + MP_TCPRST on every subflow).
  client ADDR PORT [--plain] [--delay S] [--size N] [--chunk N] [--gap S] [--fill BYTE]
      connect, wait --delay seconds (default 0: joins need a moment), send N bytes (default 262144) in chunks of --chunk bytes (default 8192) with
      --gap seconds between chunks (default 0), shut down writing, read the reply to its end,
      close. Payload: the byte --fill (default 0x61 'a') repeated.
Standard library only.
"""
import argparse
import socket
import time

IPPROTO_MPTCP = 262


def sock(addr, plain):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.socket(fam, socket.SOCK_STREAM, 0 if plain else IPPROTO_MPTCP)


def server(a):
    s = sock(a.addr, a.plain)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if ":" in a.addr else "0.0.0.0", a.port))
    s.listen(1)
    c, _ = s.accept()
    if a.noread is not None:
        time.sleep(a.noread)
        c.close()
        s.close()
        return
    while c.recv(65536):
        pass
    c.sendall(b"r" * a.reply)
    c.close()
    s.close()


def client(a):
    s = sock(a.addr, a.plain)
    s.connect((a.addr, a.port))
    time.sleep(a.delay)
    chunk = bytes([a.fill]) * a.chunk
    left = a.size
    try:
        while left > 0:
            n = min(left, a.chunk)
            s.sendall(chunk[:n])
            left -= n
            if a.gap and left > 0:
                time.sleep(a.gap)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass  # the peer's fast close
    s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("role", choices=("server", "client"))
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--plain", action="store_true")
    p.add_argument("--noread", type=float)
    p.add_argument("--reply", type=int, default=4096)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--size", type=int, default=262144)
    p.add_argument("--chunk", type=int, default=8192)
    p.add_argument("--gap", type=float, default=0.0)
    p.add_argument("--fill", type=lambda v: int(v, 0), default=0x61)
    a = p.parse_args()
    (server if a.role == "server" else client)(a)


if __name__ == "__main__":
    main()

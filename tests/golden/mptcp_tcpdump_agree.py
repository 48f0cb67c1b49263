#!/usr/bin/env python3
"""mptcp_tcpdump_agree.py BINARY CAPTURE TCPDUMP_OUT: every MPTCP option cashark decodes must
read exactly as tcpdump master prints it in TCPDUMP_OUT (`mptcp <len> <text>` inside
`options [...]`), packet by packet. Prints PASS/FAIL and the first differences."""
import re
import subprocess
import sys


def split_top(s):
    """Splits an option list at the commas outside [] and {}."""
    out, depth, cur = [], 0, ''
    for ch in s:
        if ch in '[{':
            depth += 1
        elif ch in ']}':
            depth -= 1
        if ch == ',' and depth == 0:
            out.append(cur)
            cur = ''
        else:
            cur += ch
    out.append(cur)
    return out


def tcpdump_options(path):
    per, frame = {}, None
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = re.match(r'\s*(\d+)  ', line)  # "-#" numbers; -v continuation lines have none
            if m:
                frame = int(m.group(1))
            if frame is None or 'options [' not in line:
                continue
            start = line.index('options [') + len('options [')
            depth, i = 1, start
            while i < len(line) and depth:
                depth += line[i] == '['
                depth -= line[i] == ']'
                i += 1
            body = line[start:i - 1]
            opts = [o for o in split_top(body) if o.startswith('mptcp ')]
            if opts:
                per[frame] = opts
    return per


def cashark_options(binary, capture):
    out = subprocess.run([binary, '--show', 'mptcp,mptcp-dss', '--format',
                          '<ordinal> <mptcp.len> <command>', capture],
                         capture_output=True, text=True, check=False).stdout
    per = {}
    for line in out.splitlines():
        n, ln, rest = line.split(' ', 2)
        assert rest.startswith('mptcp ')
        rest = re.sub(r' \[(hmac|csum) (ok|bad)\]$', '', rest)
        per.setdefault(int(n), []).append('mptcp %s %s' % (ln, rest[len('mptcp '):]))
    return per


def main():
    binary, capture, expected = sys.argv[1:4]
    want, got = tcpdump_options(expected), cashark_options(binary, capture)
    bad = 0
    for n in sorted(set(want) | set(got)):
        w, g = want.get(n, []), got.get(n, [])
        # tcpdump stops at the first bad option of a packet
        if w and w[-1].endswith('[bad opt]'):
            g = g[:len(w)]
        if w != g:
            bad += 1
            if bad <= 5:
                print('frame %d\n  tcpdump: %s\n  cashark: %s' % (n, w, g))
    total = sum(len(v) for v in want.values())
    print('%s %s: %d options in %d packets, %d packets differ'
          % ('PASS' if not bad else 'FAIL', capture, total, len(want), bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

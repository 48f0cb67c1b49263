#!/bin/sh
# make_tcp_captures.sh [DIR]: cashark's own TCP statistics captures (testdata/README.md,
# "TCP statistics captures"). Root: two network namespaces cst-a (client, 10.78.0.1, fd78::1)
# and cst-b (server, 10.78.0.2, fd78::2) joined by the veth pair cst-va/cst-vb with offloads
# off (so the capture sees MSS-sized segments), tcpdump in cst-a, tools/tcp_scenarios.py for
# the traffic. The namespaces are deleted at the end. Each run differs (ports, ISNs, times,
# which packets the random drops hit): regenerate the golden outputs after re-running.
set -eu
DIR=${1:-$(dirname "$0")/..}
TOOLS=$(cd "$(dirname "$0")" && pwd)
PY="python3 $TOOLS/tcp_scenarios.py"
A="ip netns exec cst-a"
B="ip netns exec cst-b"

cleanup() {
    ip netns del cst-a 2>/dev/null || true
    ip netns del cst-b 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add cst-a
ip netns add cst-b
ip link add cst-va netns cst-a type veth peer name cst-vb netns cst-b
$A ip addr add 10.78.0.1/24 dev cst-va
$B ip addr add 10.78.0.2/24 dev cst-vb
$A ip addr add fd78::1/64 dev cst-va nodad
$B ip addr add fd78::2/64 dev cst-vb nodad
for ns in a b; do
    ip netns exec cst-$ns ip link set lo up
    ip netns exec cst-$ns ip link set cst-v$ns up
    ip netns exec cst-$ns ethtool -K cst-v$ns tso off gso off gro off >/dev/null 2>&1 || true
done
sleep 1

# capture NAME SCENARIO ADDR SNAPLEN: server in cst-b, tcpdump and client in cst-a
capture() {
    $B $PY server "$2" "$3" > /tmp/cst-server.log 2>&1 &
    srv=$!
    sleep 0.5
    $A tcpdump -i cst-va -s "$4" -U --immediate-mode -w "$DIR/$1" tcp 2>/dev/null &
    dump=$!
    sleep 1
    $A $PY client "$2" "$3"
    sleep 1
    kill "$dump" "$srv"
    wait "$dump" "$srv" 2>/dev/null || true
}

capture tcp_own_slow.pcap slow 10.78.0.2 262144
capture tcp_own_rst.pcap rst 10.78.0.2 262144
capture tcp_own_v6.pcap v6 fd78::2 262144
capture tcp_own_zerowin.pcap zerowin 10.78.0.2 128

# loss: 3 % of the server's segments dropped after the capture point (prerouting in cst-a),
# so the capture has each lost segment and its retransmission
$A nft -f - <<'NFT'
table inet cst {
    chain pre {
        type filter hook prerouting priority 0; policy accept;
        tcp sport 8094 tcp flags & (syn | fin) == 0 numgen random mod 100 < 3 drop
    }
}
NFT
capture tcp_own_loss.pcap bulk 10.78.0.2 128
$A nft delete table inet cst

# midstream: the capture starts 1 s into a 3 s connection and stops 1 s later
$B $PY server steady 10.78.0.2 > /tmp/cst-server.log 2>&1 &
srv=$!
sleep 0.5
$A $PY client steady 10.78.0.2 &
cli=$!
sleep 1
$A tcpdump -i cst-va -s 262144 -U --immediate-mode -w "$DIR/tcp_own_midstream.pcap" tcp 2>/dev/null &
dump=$!
sleep 1
kill "$dump"
wait "$cli"
kill "$srv"
wait "$dump" "$srv" 2>/dev/null || true

# sequence wraparound: the loss capture with the ISNs moved to 2^32 - 10 (client: its 16
# bytes cross the wrap) and 2^32 - 100 (server: 300,000 bytes and the retransmissions after it)
python3 "$TOOLS/seqshift.py" "$DIR/tcp_own_loss.pcap" "$DIR/tcp_own_wrap.pcap" 4294967286 4294967196

#!/bin/sh
# make_captures.sh [OUTDIR]: recreate cashark's self-made captures from real kernel traffic.
#
# Needs root, iproute2, tcpdump (4.99), dumpcap/mergecap (Wireshark 4.0), python3.
# Two network namespaces csg-a (10.77.0.1, fd77::1, MAC 02:00:00:77:00:01) and
# csg-b (10.77.0.2, fd77::2, MAC 02:00:00:77:00:02) joined by the veth pair
# csg-va/csg-vb; traffic never leaves them.  Captures are taken in csg-a.
# Kernel-chosen values (ports, ISNs, TS values, times) differ on every run, so
# re-running changes the files: regenerate the golden outputs afterwards.
set -eu

OUT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
TOOLS=$(cd "$(dirname "$0")" && pwd)
TRAFFIC="python3 $TOOLS/traffic.py"
A="ip netns exec csg-a"
B="ip netns exec csg-b"

cleanup() {
    ip netns del csg-a 2>/dev/null || true
    ip netns del csg-b 2>/dev/null || true
}
trap cleanup EXIT INT TERM

setup() {
    cleanup
    ip netns add csg-a
    ip netns add csg-b
    for ns in csg-a csg-b; do
        # no router solicitations or DAD noise in the captures
        ip netns exec $ns sysctl -qw net.ipv6.conf.default.router_solicitations=0
        ip netns exec $ns sysctl -qw net.ipv6.conf.default.accept_dad=0
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.router_solicitations=0
        ip -n $ns link set lo up
    done
    ip link add csg-va netns csg-a address 02:00:00:77:00:01 type veth \
        peer name csg-vb netns csg-b address 02:00:00:77:00:02
    ip -n csg-a addr add 10.77.0.1/24 dev csg-va
    ip -n csg-b addr add 10.77.0.2/24 dev csg-vb
    ip -n csg-a addr add fd77::1/64 dev csg-va nodad
    ip -n csg-b addr add fd77::2/64 dev csg-vb nodad
    ip -n csg-a link set csg-va up
    ip -n csg-b link set csg-vb up
    # let link-up MLD reports pass before any capture starts
    sleep 3
}

# exchange ADDR [traffic.py options]: one server/client run (see traffic.py)
exchange() {
    addr=$1
    shift
    fifo=$(mktemp -u)
    mkfifo "$fifo"
    # shellcheck disable=SC2086
    $B $TRAFFIC server "$addr" "$@" >"$fifo" &
    spid=$!
    read -r _ <"$fifo"
    rm -f "$fifo"
    # shellcheck disable=SC2086
    $A $TRAFFIC client "$addr" "$@"
    wait $spid
}

# flush neighbour caches so every capture starts with ARP / neighbour discovery
flushneigh() {
    ip -n csg-a neigh flush all
    ip -n csg-b neigh flush all
}

# cap FILE TCPDUMP_OPTIONS... -- EXCHANGE_ARGS...: capture one run in csg-a
cap() {
    file=$1
    shift
    opts=""
    while [ "$1" != "--" ]; do
        opts="$opts $1"
        shift
    done
    shift
    flushneigh
    # shellcheck disable=SC2086
    $A tcpdump -n -Z root --immediate-mode -w "$file" $opts 2>/dev/null &
    tpid=$!
    sleep 1
    while [ $# -gt 0 ]; do
        # each exchange argument is "ADDR[,option,option]"
        # shellcheck disable=SC2046
        exchange $(echo "$1" | tr ',' ' ')
        shift
    done
    sleep 1.5
    kill -INT $tpid
    wait $tpid || true
}

setup
cap "$OUT/tcp_v4.pcap" -i csg-va -- 10.77.0.2
cap "$OUT/tcp_v6.pcap" -i csg-va -- fd77::2
cap "$OUT/nano.pcap" -i csg-va --time-stamp-precision=nano -- 10.77.0.2
cap "$OUT/sll2.pcap" -i any -y LINUX_SLL2 -- 10.77.0.2
cap "$OUT/sll.pcap" -i any -y LINUX_SLL -- fd77::2
cap "$OUT/snap64.pcap" -i csg-va -s 64 -- 10.77.0.2 fd77::2
ip -n csg-a link set csg-va mtu 1280
ip -n csg-b link set csg-vb mtu 1280
cap "$OUT/frag.pcap" -i csg-va -- 10.77.0.2,--big,3000 fd77::2,--big,3000
ip -n csg-a link set csg-va mtu 1500
ip -n csg-b link set csg-vb mtu 1500
# one pcapng, three interfaces captured at once: EN10MB snaplen 262144, LINUX_SLL2
# snaplen 96, loopback EN10MB snaplen 128 (dumpcap options after -i apply to that -i)
flushneigh
$A dumpcap -q -i csg-va -i any -y LINUX_SLL2 -s 96 -i lo -s 128 -w "$OUT/mixed_live.pcapng" 2>/dev/null &
dpid=$!
sleep 2
exchange 10.77.0.2
$A python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b"loopback", ("127.0.0.1", 5064))'
sleep 1
kill -INT $dpid
wait $dpid || true
chmod 644 "$OUT"/*.pcap "$OUT"/*.pcapng

#!/bin/sh
# make_mptcp_captures.sh [OUTDIR]: recreate cashark's own MPTCP captures (mptcp_own_*) from real
# kernel MPTCP v1 traffic between two network namespaces.
#
# Needs root, iproute2 with `ip mptcp`, tcpdump, mergecap, nft, nstat, python3.
# csm-a (client) and csm-b (server) are joined by two veth pairs:
#   path 1: csm-a1 10.78.1.1 fd78:1::1 02:00:00:78:01:01 <-> csm-b1 10.78.1.2 fd78:1::2 02:00:00:78:01:02
#   path 2: csm-a2 10.78.2.1 fd78:2::1 02:00:00:78:02:01 <-> csm-b2 10.78.2.2 fd78:2::2 02:00:00:78:02:02
# The client routes by source address (table 102 for 10.78.2.1 / fd78:2::1), so a `subflow`
# endpoint on 10.78.2.1 joins over path 2 to the server's path-1 address.  Captures are taken in
# csm-a on both veths (merged with mergecap) unless said otherwise; the kernel's MPTcp counters
# (nstat) of each run go to OUTDIR/mptcp_own.log.  Traffic never leaves the namespaces, which are
# deleted at the end.  Kernel-chosen values (keys, ports, ISNs, times) differ on every run.
set -eu

OUT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
TOOLS=$(cd "$(dirname "$0")" && pwd)
TRAFFIC="python3 $TOOLS/mptcp_traffic.py"
TMP=$(mktemp -d)
A="ip netns exec csm-a"
B="ip netns exec csm-b"
# nstat keeps its history per user, not per namespace: one file each
NA="env NSTAT_HISTORY=$TMP/nstat.a $A nstat"
NB="env NSTAT_HISTORY=$TMP/nstat.b $B nstat"
LOG=$OUT/mptcp_own.log
PIDS=""

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    ip netns del csm-a 2>/dev/null || true
    ip netns del csm-b 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

setup() {
    ip netns del csm-a 2>/dev/null || true
    ip netns del csm-b 2>/dev/null || true
    ip netns add csm-a
    ip netns add csm-b
    for ns in csm-a csm-b; do
        ip netns exec $ns sysctl -qw net.ipv6.conf.default.router_solicitations=0
        ip netns exec $ns sysctl -qw net.ipv6.conf.all.router_solicitations=0
        ip netns exec $ns sysctl -qw net.ipv6.conf.default.accept_dad=0
        ip netns exec $ns sysctl -qw net.ipv4.conf.all.rp_filter=0
        ip netns exec $ns sysctl -qw net.ipv4.conf.default.rp_filter=0
        ip netns exec $ns sysctl -qw net.mptcp.enabled=1
        ip -n $ns link set lo up
    done
    for p in 1 2; do
        ip link add csm-a$p netns csm-a address 02:00:00:78:0$p:01 type veth \
            peer name csm-b$p netns csm-b address 02:00:00:78:0$p:02
        ip -n csm-a addr add 10.78.$p.1/24 dev csm-a$p
        ip -n csm-b addr add 10.78.$p.2/24 dev csm-b$p
        ip -n csm-a addr add fd78:$p::1/64 dev csm-a$p nodad
        ip -n csm-b addr add fd78:$p::2/64 dev csm-b$p nodad
        ip -n csm-a link set csm-a$p up
        ip -n csm-b link set csm-b$p up
    done
    ip -n csm-a rule add from 10.78.2.1 table 102
    ip -n csm-a route add default via 10.78.2.2 dev csm-a2 table 102
    ip -n csm-a -6 rule add from fd78:2::1 table 102
    ip -n csm-a -6 route add default via fd78:2::2 dev csm-a2 table 102
    # the server answers a path-2 join to its path-1 address over path 2
    ip -n csm-b rule add from 10.78.1.2 to 10.78.2.0/24 table 102
    ip -n csm-b route add 10.78.2.0/24 dev csm-b2 table 102
    # neighbours known up front: no ARP/ND in the captures
    for p in 1 2; do
        ip -n csm-a neigh replace 10.78.$p.2 lladdr 02:00:00:78:0$p:02 dev csm-a$p nud permanent
        ip -n csm-b neigh replace 10.78.$p.1 lladdr 02:00:00:78:0$p:01 dev csm-b$p nud permanent
        ip -n csm-a neigh replace fd78:$p::2 lladdr 02:00:00:78:0$p:02 dev csm-a$p nud permanent
        ip -n csm-b neigh replace fd78:$p::1 lladdr 02:00:00:78:0$p:01 dev csm-b$p nud permanent
    done
}

# pm CLIENT_SUBFLOWS CLIENT_ADD_ADDR_ACCEPTED: fresh path managers, limits set on both sides.
pm() {
    for ns in csm-a csm-b; do
        ip -n $ns mptcp endpoint flush
        ip -n $ns mptcp limits set subflows 2 add_addr_accepted 2
    done
    ip -n csm-a mptcp limits set subflows "$1" add_addr_accepted "$2"
}

# cap_start FILE SNAPLEN IFACE...: one tcpdump per interface in csm-a.
cap_start() {
    CAPFILE=$1
    snap=$2
    shift 2
    CAPPIDS=""
    CAPPARTS=""
    for i in "$@"; do
        extra=""
        [ "$i" = any ] && extra="-y LINUX_SLL2"
        $A tcpdump -q -i "$i" $extra -s "$snap" -U --immediate-mode -w "$TMP/$i.pcap" \
            'tcp port 5001' 2>"$TMP/$i.err" &
        CAPPIDS="$CAPPIDS $!"
        CAPPARTS="$CAPPARTS $TMP/$i.pcap"
    done
    PIDS="$PIDS $CAPPIDS"
    for i in "$@"; do
        until grep -q listening "$TMP/$i.err"; do sleep 0.05; done
    done
    $NA -n
    $NB -n
}

cap_stop() {
    sleep 0.3
    for p in $CAPPIDS; do kill -INT "$p"; done
    for p in $CAPPIDS; do wait "$p" || true; done
    # shellcheck disable=SC2086
    mergecap -F pcap -w "$OUT/$CAPFILE" $CAPPARTS
    {
        echo "== $CAPFILE: client (csm-a)"
        $NA -z | grep -E '^MPTcp' | awk '$2 != 0'
        echo "== $CAPFILE: server (csm-b)"
        $NB -z | grep -E '^MPTcp' | awk '$2 != 0'
    } >>"$LOG"
}

# server ADDR [ARGS]: background server in csm-b; waits until it listens.
server() {
    addr=$1
    shift
    $B $TRAFFIC server "$addr" 5001 "$@" &
    SRV=$!
    until $B ss -Hltn 'sport = :5001' | grep -q 5001; do sleep 0.05; done
}

: >"$LOG"
setup

# IPv6: an initial subflow on path 1 and a join from fd78:2::1 over path 2.
pm 2 0
ip -n csm-a mptcp endpoint add fd78:2::1 dev csm-a2 id 2 subflow
cap_start mptcp_own_v6.pcap 128 csm-a1 csm-a2
server fd78:1::2
$A $TRAFFIC client fd78:1::2 5001 --delay 0.2 --size 1048576
wait $SRV
cap_stop

# MP_PRIO: the path-2 endpoint turns backup and back during a paced upload.
pm 2 0
ip -n csm-a mptcp endpoint add 10.78.2.1 dev csm-a2 id 2 subflow
cap_start mptcp_own_prio.pcap 128 csm-a1 csm-a2
server 10.78.1.2
$A $TRAFFIC client 10.78.1.2 5001 --size 163840 --chunk 4096 --gap 0.03 &
CLI=$!
sleep 0.7
{ echo "== mptcp_own_prio.pcap: ss -Mni and ss -tni in csm-a before MP_PRIO"; $A ss -Mni; $A ss -tni 'dport = :5001'; } >>"$LOG"
ip -n csm-a mptcp endpoint change id 2 backup
sleep 0.4
ip -n csm-a mptcp endpoint change id 2 nobackup
wait $CLI
wait $SRV
cap_stop

# ADD_ADDR / REMOVE_ADDR: the server signals 10.78.2.2 (id 5), the client joins it, then the
# server deletes the endpoint mid-transfer.
pm 1 1
ip -n csm-b mptcp endpoint add 10.78.2.2 dev csm-b2 id 5 signal
cap_start mptcp_own_addaddr.pcap 128 csm-a1 csm-a2
server 10.78.1.2
$A $TRAFFIC client 10.78.1.2 5001 --size 163840 --chunk 4096 --gap 0.03 &
CLI=$!
sleep 0.8
{ echo "== mptcp_own_addaddr.pcap: ss -Mni and ss -tni in csm-a before REMOVE_ADDR"; $A ss -Mni; $A ss -tni 'dport = :5001'; } >>"$LOG"
ip -n csm-b mptcp endpoint delete id 5
wait $CLI
wait $SRV
cap_stop

# FASTCLOSE: two subflows; the server closes with 64 KB unread.
pm 2 0
ip -n csm-a mptcp endpoint add 10.78.2.1 dev csm-a2 id 2 subflow
cap_start mptcp_own_fastclose.pcap 128 csm-a1 csm-a2
server 10.78.1.2 --noread 0.5
$A $TRAFFIC client 10.78.1.2 5001 --delay 0.2 --size 65536
wait $SRV
cap_stop

# Fallback: the server uses a plain TCP socket; the client's SYN alone carries MP_CAPABLE.
pm 2 0
cap_start mptcp_own_fallback.pcap 128 csm-a1
server 10.78.1.2 --plain
$A $TRAFFIC client 10.78.1.2 5001 --size 32768
wait $SRV
cap_stop

# LINUX_SLL2: `tcpdump -i any -y LINUX_SLL2`, two subflows.
pm 2 0
ip -n csm-a mptcp endpoint add 10.78.2.1 dev csm-a2 id 2 subflow
cap_start mptcp_own_sll2.pcap 128 any
server 10.78.1.2
$A $TRAFFIC client 10.78.1.2 5001 --delay 0.2 --size 524288
wait $SRV
cap_stop

# DSS checksums with a corrupted mapping: checksums on in both namespaces, and nftables in the
# client's postrouting hook rewrites the 101st payload byte of the 3rd data segment sent on
# path 1 (after the kernel computed the DSS checksum).  Full packets.
for ns in csm-a csm-b; do ip netns exec $ns sysctl -qw net.mptcp.checksum_enabled=1; done
pm 2 0
ip -n csm-a mptcp endpoint add 10.78.2.1 dev csm-a2 id 2 subflow
$A nft -f - <<'EOF'
table inet csm_mangle {
    chain post {
        type filter hook postrouting priority 0; policy accept;
        oifname "csm-a1" tcp dport 5001 meta length > 1000 numgen inc mod 1000000 == 2 @ih,800,8 set 0x5a
    }
}
EOF
cap_start mptcp_own_csum.pcap 65535 csm-a1 csm-a2
server 10.78.1.2
$A $TRAFFIC client 10.78.1.2 5001 --delay 0.2 --size 65536 --chunk 4096 --gap 0.01
wait $SRV
cap_stop
$A nft list ruleset >>"$LOG"

# RAW (link type 101): the MP_PRIO capture with its Ethernet headers removed.
python3 "$TOOLS/pcaptool.py" relink "$OUT/mptcp_own_prio.pcap" "$OUT/mptcp_own_raw.pcap" 101

# MP_JOIN HMAC failure (no root needed): the ADD_ADDR capture with the join ACK's HMAC changed.
python3 "$TOOLS/mptcp_badhmac.py" "$OUT/mptcp_own_addaddr.pcap" "$OUT/mptcp_own_badhmac.pcap"

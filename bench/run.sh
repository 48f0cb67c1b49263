#!/usr/bin/env bash
# run.sh: build (or reuse) a large capture of real kernel traffic and time cashark against the
# libpcap read floor, tcpdump and tshark on it. See bench/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

size_mb=1024
capture=/tmp/cashark-bench.pcap
cashark="$repo/build/cashark"
workdir=/tmp/cashark-bench
runs=5
tshark_runs=3
startup_runs=20
seed=1
loss=5
concurrency=2500
gen_timeout=1800
regen=0
use_tshark=1
gen_only=0

usage() {
    cat <<EOF
Usage: bench/run.sh [OPTION]...
Build a capture of real TCP/UDP traffic between network namespaces (once, then
reused) and measure cashark against a bare libpcap read loop, tcpdump and tshark.

  --size MB          capture size to generate (default $size_mb)
  --capture PATH     capture to reuse or create (default $capture)
  --cashark PATH     cashark binary (default build/cashark in the repository)
  --runs N           paired runs per command (default $runs, at least 5 for the targets)
  --tshark-runs N    paired runs for tshark (default $tshark_runs)
  --no-tshark        skip tshark
  --startup-runs N   runs of the start-up measurement (default $startup_runs)
  --seed N           schedule seed (default $seed)
  --loss PERMILLE    TCP/UDP packets dropped per thousand by nftables (default $loss)
  --concurrency N    TCP connections open at once at most (default $concurrency)
  --gen-timeout S    stop generating after S seconds (default $gen_timeout)
  --regen            generate the capture even when PATH exists
  --gen-only         generate the capture, measure nothing
  --workdir DIR      helpers, derived captures, results (default $workdir)
  -h, --help         this text
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --size) size_mb=$2; shift 2 ;;
        --capture) capture=$2; shift 2 ;;
        --cashark) cashark=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --tshark-runs) tshark_runs=$2; shift 2 ;;
        --no-tshark) use_tshark=0; shift ;;
        --startup-runs) startup_runs=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --loss) loss=$2; shift 2 ;;
        --concurrency) concurrency=$2; shift 2 ;;
        --gen-timeout) gen_timeout=$2; shift 2 ;;
        --regen) regen=1; shift ;;
        --gen-only) gen_only=1; shift ;;
        --workdir) workdir=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
    esac
done

for n in "$size_mb" "$runs" "$tshark_runs" "$startup_runs" "$seed" "$loss" "$concurrency" \
         "$gen_timeout"; do
    case "$n" in ''|*[!0-9]*) echo "run.sh: '$n' is not a non-negative integer" >&2; exit 2 ;; esac
done

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Install a Debian package when its command is missing (root and apt only).
need() {
    local cmd=$1 pkg=$2
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing $pkg for $cmd"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null; }
    fi
    command -v "$cmd" >/dev/null 2>&1 || { echo "run.sh: '$cmd' is missing (package $pkg)" >&2; return 1; }
}

mkdir -p "$workdir"
need python3 python3
need cc gcc
need tcpdump tcpdump
need /usr/bin/time time
[ -f /usr/include/pcap/pcap.h ] || need pcap-config libpcap-dev

# The read floor.
floor="$workdir/floor"
if [ ! -x "$floor" ] || [ "$here/floor.c" -nt "$floor" ]; then
    cc -O2 -Wall -Wextra -o "$floor" "$here/floor.c" -lpcap
fi

# ------------------------------------------------------------------ capture generation

ns_cli=""
ns_srv=""
srv_pid=""
td_pid=""
cleanup() {
    local pid
    for pid in $srv_pid $td_pid; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $srv_pid $td_pid; do
        wait "$pid" 2>/dev/null || true
    done
    srv_pid=""
    td_pid=""
    if [ -n "$ns_cli" ]; then ip netns del "$ns_cli" 2>/dev/null || true; fi
    if [ -n "$ns_srv" ]; then ip netns del "$ns_srv" 2>/dev/null || true; fi
    ns_cli=""
    ns_srv=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

generate() {
    [ "$(id -u)" = 0 ] || { echo "run.sh: generating the capture needs root (namespaces)" >&2; exit 1; }
    need ip iproute2
    need nft nftables
    need ethtool ethtool
    local tmp="$capture.tmp.$$" gen="$here/gen_traffic.py" i
    ns_cli="csb-cli-$$"
    ns_srv="csb-srv-$$"
    log "namespaces $ns_cli <-> $ns_srv, $size_mb MB target, seed $seed, loss $loss/1000"
    ip netns add "$ns_cli"
    ip netns add "$ns_srv"
    ip -n "$ns_cli" link add csb-c type veth peer name csb-s netns "$ns_srv"
    for ns in "$ns_cli" "$ns_srv"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
        ip netns exec "$ns" sysctl -qw net.core.somaxconn=8192
        ip netns exec "$ns" sysctl -qw net.ipv4.tcp_max_syn_backlog=8192
    done
    # Documentation ranges only (RFC 5737, RFC 3849), inside our own namespaces.
    ip -n "$ns_srv" addr add 198.51.100.1/24 dev csb-s
    ip -n "$ns_srv" addr add 198.51.100.2/24 dev csb-s
    ip -n "$ns_srv" addr add 2001:db8:cb::1/64 dev csb-s nodad
    ip -n "$ns_srv" addr add 2001:db8:cb::2/64 dev csb-s nodad
    for i in $(seq 16 23); do
        ip -n "$ns_cli" addr add "198.51.100.$i/24" dev csb-c
        ip -n "$ns_cli" addr add "2001:db8:cb::$(printf %x "$i")/64" dev csb-c nodad
    done
    ip -n "$ns_cli" link set csb-c up
    ip -n "$ns_srv" link set csb-s up
    # Wire-sized segments: no segmentation or receive offloads.
    ip netns exec "$ns_cli" ethtool -K csb-c gro off gso off tso off >/dev/null 2>&1 || true
    ip netns exec "$ns_srv" ethtool -K csb-s gro off gso off tso off >/dev/null 2>&1 || true
    # Loss: each side drops a few TCP/UDP packets per thousand on input, after the capture
    # point for the client side, so the capture shows originals and retransmissions.
    for ns in "$ns_cli" "$ns_srv"; do
        ip netns exec "$ns" nft -f - <<EOF
table inet csb {
    chain input {
        type filter hook input priority 0; policy accept;
        meta l4proto { tcp, udp } numgen random mod 1000 < $loss drop
    }
}
EOF
    done

    ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true
    ip netns exec "$ns_srv" python3 "$gen" server --seed "$seed" \
        --max-seconds "$((gen_timeout + 60))" >"$workdir/server.out" 2>"$workdir/server.err" &
    srv_pid=$!
    ip netns exec "$ns_cli" tcpdump -i csb-c -s 262144 -B 65536 -n -Z root -w "$tmp" \
        2>"$workdir/tcpdump.err" &
    td_pid=$!
    for i in $(seq 100); do
        grep -q '^ready' "$workdir/server.out" 2>/dev/null \
            && grep -q 'listening on' "$workdir/tcpdump.err" 2>/dev/null && break
        kill -0 "$srv_pid" 2>/dev/null || { cat "$workdir/server.err" >&2; exit 1; }
        kill -0 "$td_pid" 2>/dev/null || { cat "$workdir/tcpdump.err" >&2; exit 1; }
        sleep 0.1
    done
    local t0=$SECONDS
    log "generating traffic (stops after ${gen_timeout}s at most)"
    timeout --kill-after=30 "$((gen_timeout + 60))" \
        ip netns exec "$ns_cli" python3 "$gen" client --seed "$seed" --size-mb "$size_mb" \
        --concurrency "$concurrency" --max-seconds "$gen_timeout" \
        >"$workdir/client.out" 2>"$workdir/client.err" || log "client exited with $?"
    sleep 2
    kill -INT "$td_pid" 2>/dev/null || true
    wait "$td_pid" 2>/dev/null || true
    td_pid=""
    kill -TERM "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
    srv_pid=""
    local secs=$((SECONDS - t0))
    cleanup
    mv "$tmp" "$capture"
    {
        printf '{"seed": %s, "size_mb": %s, "loss_permille": %s, "concurrency": %s, ' \
            "$seed" "$size_mb" "$loss" "$concurrency"
        printf '"generate_seconds": %s, "tcpdump": "%s", ' "$secs" \
            "$(grep -E 'captured|received|dropped' "$workdir/tcpdump.err" | tr '\n' ';' | tr -d '"')"
        printf '"client": %s, "server": %s}\n' \
            "$(grep -o '{"client".*' "$workdir/client.out" | tail -1 | sed 's/^{"client": //; s/}$//' || true)" \
            "$(grep -o '{"server".*' "$workdir/server.out" | tail -1 | sed 's/^{"server": //; s/}$//' || true)"
    } >"$capture.meta.json"
    log "capture $capture: $(stat -c %s "$capture") bytes in ${secs}s"
    log "$(cat "$capture.meta.json")"
}

if [ "$regen" = 1 ] || [ ! -s "$capture" ]; then
    generate
else
    log "reusing $capture ($(stat -c %s "$capture") bytes; --regen to make a new one)"
fi
[ "$gen_only" = 1 ] && exit 0

# ------------------------------------------------------------------ measurements

args=(--floor "$floor" --capture "$capture" --workdir "$workdir" --cashark "$cashark"
      --runs "$runs" --tshark-runs "$tshark_runs" --startup-runs "$startup_runs"
      --json "$workdir/results.json")
[ "$use_tshark" = 1 ] && command -v tshark >/dev/null 2>&1 || args+=(--no-tshark)
python3 "$here/measure.py" "${args[@]}"
python3 "$here/report.py" "$workdir/results.json"

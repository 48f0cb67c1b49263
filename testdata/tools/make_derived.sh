#!/bin/sh
# make_derived.sh [DIR]: derive the rewritten, merged, damaged and crafted captures in DIR
# (default testdata/) from the captures make_captures.sh made.  Needs python3, gzip,
# mergecap, tcpdump.  No root, no network; deterministic for given inputs and tool
# versions (mergecap records its version and the kernel release in the pcapng SHB).
set -eu

D=${1:-$(cd "$(dirname "$0")/.." && pwd)}
T="python3 $(cd "$(dirname "$0")" && pwd)/pcaptool.py"
cd "$D"

# byte order and compression
$T swap tcp_v4.pcap be.pcap
$T swap nano.pcap be_nano.pcap
gzip -9 -n -c tcp_v4.pcap >tcp_v4.pcap.gz

# the same IPv4 traffic under other link types (ARP frames dropped)
$T relink tcp_v4.pcap raw.pcap 101
$T relink tcp_v4.pcap raw14.pcap 14
$T relink tcp_v4.pcap ipv4_228.pcap 228
$T relink tcp_v6.pcap ipv6_229.pcap 229
$T relink tcp_v4.pcap null_le.pcap 0
$T relink tcp_v6.pcap null_be.pcap 0 --endian=be
$T relink tcp_v4.pcap loop.pcap 108
$T relink tcp_v4.pcap ppp.pcap 9
# the same traffic with an 802.1Q tag (vlan 100), and QinQ (802.1ad 200 outside 802.1Q 300)
$T vlan tcp_v4.pcap vlan.pcap 8100:100
$T vlan tcp_v6.pcap qinq.pcap 88a8:200,8100:300

# pcapng with interfaces of different link types, snap lengths and resolutions:
# if 0 EN10MB/262144/us (tcp_v4), if 1 LINUX_SLL2/262144/us (sll2),
# if 2 RAW/80/us (tcp_v6 as RAW cut to 80), if 3 EN10MB/262144/ns (nano)
$T relink tcp_v6.pcap raw6_full.tmp 101
$T snaplen raw6_full.tmp raw6_80.tmp 80
mergecap -F pcapng -w mixed.pcapng tcp_v4.pcap sll2.pcap raw6_80.tmp nano.pcap
rm -f raw6_full.tmp raw6_80.tmp
cp mixed.pcapng pcapng_named.pcap
# two sections: the same pcapng twice, end to end
mergecap -F pcapng -w sec1.tmp tcp_v4.pcap
mergecap -F pcapng -w sec2.tmp tcp_v6.pcap
cat sec1.tmp sec2.tmp >sections.pcapng
rm -f sec1.tmp sec2.tmp

# crafted
$T malformed malformed.pcap >/dev/null
$T unknown unknown_linktype.pcap
$T blocks blocks.pcapng

# damaged (record numbers and offsets are listed in README.md)
: >empty.pcap
printf 'This is a text file, not a capture.\n' >text.pcap
head -c 24 tcp_v4.pcap >header_only.pcap
head -c 10 tcp_v4.pcap >cut_filehdr.pcap
# record 6 starts at 24 + 5 records; cut 8 bytes into its header
off6=$($T info tcp_v4.pcap | awk '$1 == "record" && $2 == 6 { print $4 }')
$T cut tcp_v4.pcap cut_rechdr.pcap $((off6 + 8))
# cut 30 bytes into record 6's body
$T cut tcp_v4.pcap cut_body.pcap $((off6 + 16 + 30))
# record 6's caplen set to 0x20000000 (512 MiB)
$T setcaplen tcp_v4.pcap caplen_huge.pcap 6 0x20000000
# snaplen 64 in the file header, every record cut to 64 except record 6 (full length)
$T overcap tcp_v4.pcap caplen_over_snap.pcap 64 6
# pcapng: block 8 (SHB=0, 4 IDBs, so the 4th packet block) gets total length 6
$T pcapng-badlen mixed.pcapng pcapng_badlen.pcapng 8 6 >/dev/null
# pcapng: cut in the middle of the last block
size=$(wc -c <mixed.pcapng)
$T cut mixed.pcapng pcapng_cut.pcapng $((size - 10))

# tcpdump's view, for tests/golden/tcpdump_agree.sh (tcpdump cannot read raw14 or pcapng
# with several link types)
for f in tcp_v4 tcp_v6 nano be be_nano sll sll2 snap64 frag raw ipv4_228 ipv6_229 null_le \
    null_be loop ppp vlan qinq iperf-mptcp-head; do
    TZ=GMT0 tcpdump -# -n -tttt -r $f.pcap >$f.tcpdump.out 2>/dev/null
done
chmod 644 ./*.pcap ./*.pcapng ./*.gz ./*.out

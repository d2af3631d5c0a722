#!/bin/sh
# Regenerates tunnel-counts.tsv: for every capture under fixtures/ in which tshark finds TCP inside a
# tunnel or behind framing decoded since issue 12 (802.11 monitor captures and Aruba's GRE included), the frames tshark sees a TCP segment in
# (`tshark -r F -Y tcp`, which follows tunnels and reassembles outer IP fragments) and the protocol
# stacks it decodes them through. The oracle of tunnel-counts.test.ts, so the test needs no tshark.
#   sh test/decode/tunnel-counts.sh > test/decode/tunnel-counts.tsv
# tshark 4.0.
set -e
cd "$(dirname "$0")/../.."
printf 'file\ttcp_segments\tframes\tstacks\n'
find fixtures -type f \( -name '*.pcap' -o -name '*.pcapng' \) ! -path 'fixtures/fuzz/*' | LC_ALL=C sort | while read -r f; do
  rows=$(tshark -r "$f" -Y tcp -T fields -e frame.number -e frame.protocols 2>/dev/null) || continue
  [ -z "$rows" ] && continue
  # Only captures whose TCP comes through a tunnel or through the framings added with it.
  echo "$rows" | cut -f2 | grep -Eq ':(gre|vxlan|geneve|erspan|gtp|teredo|ayiya|ipip|ip:ip|ip:ipv6|ipv6:ip|ipv6:ipv6|mpls|wlan):|^(nflog|fddi|juniper|radiotap|ppi|prism|wlan|avs):|:(pbb|vntag|etag|ieee8021ah):' || continue
  n=$(echo "$rows" | wc -l)
  frames=$(echo "$rows" | cut -f1 | paste -sd, -)
  stacks=$(echo "$rows" | cut -f2 | sed 's/:tcp.*/:tcp/' | LC_ALL=C sort -u | paste -sd' ' -)
  printf '%s\t%s\t%s\t%s\n' "$f" "$n" "$frames" "$stacks"
done

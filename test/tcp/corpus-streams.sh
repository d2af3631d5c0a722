#!/bin/sh
# Regenerates corpus-streams.tsv: tshark's connections (tcp.stream) in every file of the vendored
# tcpdump corpus that holds TCP (fixtures/corpus/tcpdump/tcp) and in the kernel recordings
# (fixtures/*.pcap), the oracle of corpus-streams.test.ts, so the test needs no tshark (CI has none):
#   sh test/tcp/corpus-streams.sh > test/tcp/corpus-streams.tsv
# tshark 4.0. One line per file (relative to fixtures/) and stream:
#   file stream src sport dst dport first flags frames completeness
# - src/sport -> dst/dport: the 4-tuple of the stream's first frame, from the IP layer right
#   before the TCP header (frame.protocols says which: tunnels carry an outer IP first, and
#   OpenFlow carries packet headers after the TCP one);
# - first: the stream's first frame number; flags: that frame's tcp.flags (hex);
# - frames: how many frames tshark gives that stream;
# - completeness: tshark's tcp.completeness bitmask for the stream (1 SYN, 2 SYN-ACK, 4 ACK,
#   8 data, 16 FIN, 32 RST). Read with two passes (-2): in one pass tshark prints on each frame the
#   value before that frame's own flags, so the last frame of a stream misses its own bits; in the
#   second pass every frame shows the stream's final value.
# TCP segments tshark gives no stream (a fuzzed, cut header) are left out.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../../fixtures"
printf 'file\tstream\tsrc\tsport\tdst\tdport\tfirst\tflags\tframes\tcompleteness\n'
for file in corpus/tcpdump/tcp/* *.pcap; do
  tshark -2 -r "$file" -Y tcp -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e tcp.stream -e frame.protocols -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
    -e tcp.srcport -e tcp.dstport -e tcp.completeness -e tcp.flags 2>/dev/null |
    awk -F'\t' -v file="$file" '
      $2 == "" { next }
      {
        # Which IP layer carries the (first) TCP header: the last ip/ipv6 before "tcp".
        n = split($3, p, ":"); fam = ""; k4 = 0; k6 = 0
        for (i = 1; i <= n && p[i] != "tcp"; i++) {
          if (p[i] == "ip") { k4++; fam = 4 } else if (p[i] == "ipv6") { k6++; fam = 6 }
        }
        if (fam == 4) { split($4, s, ","); split($5, d, ","); src = s[k4]; dst = d[k4] }
        else { split($6, s, ","); split($7, d, ","); src = s[k6]; dst = d[k6] }
        split($8, sp, ","); split($9, dp, ","); split($10, cm, ","); split($11, fl, ",")
        st = $2 + 0
        if (!(st in first)) {
          first[st] = $1; flags[st] = fl[1]; tuple[st] = src "\t" sp[1] "\t" dst "\t" dp[1]; order[++streams] = st
        }
        frames[st]++
        comp[st] = cm[1]
      }
      END {
        for (i = 1; i <= streams; i++) {
          st = order[i]
          printf "%s\t%d\t%s\t%s\t%s\t%d\t%s\n", file, st, tuple[st], first[st], flags[st], frames[st], comp[st]
        }
      }'
done

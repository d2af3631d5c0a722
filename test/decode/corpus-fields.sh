#!/bin/sh
# Regenerates corpus-fields.tsv: tshark's view of every TCP segment in the vendored tcpdump
# corpus (fixtures/corpus/tcpdump) and in this folder's kernel recordings (test/decode/fixtures),
# one line per TCP layer; the oracle of corpus.test.ts, so the tests need no tshark.
#   sh test/decode/corpus-fields.sh > test/decode/corpus-fields.tsv
# tshark 4.0. Frames with TCP inside a tunnel show several values in a field, comma-separated.
# The kernel recordings are read with IP reassembly off, so a first fragment is its own TCP
# segment, as in our decoder (tshark then leaves its tcp.len empty).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
FIELDS="-e frame.number -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags
  -e tcp.window_size_value -e tcp.len -e tcp.options.mss_val -e tcp.options.wscale.shift
  -e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr -e tcp.options.sack_perm"
printf 'file\tframe\tsrcport\tdstport\tseq\tack\tflags\twindow\tlen\tmss\twscale\ttsval\ttsecr\tsack_perm\n'
cd "$HERE/../../fixtures/corpus/tcpdump"
tail -n +2 counts.tsv | while IFS="$(printf '\t')" read -r folder file format linktype tcp syn; do
  [ "$tcp" = 0 ] && continue
  # shellcheck disable=SC2086
  tshark -r "$folder/$file" -Y tcp -T fields -E separator=/t -E occurrence=a -E aggregator=, $FIELDS 2>/dev/null |
    sed "s|^|$file\t|"
done
cd "$HERE/fixtures"
for file in *.pcap; do
  # shellcheck disable=SC2086
  tshark -r "$file" -o ip.defragment:FALSE -o ipv6.defragment:FALSE -Y tcp -T fields -E separator=/t \
    -E occurrence=a -E aggregator=, $FIELDS 2>/dev/null | sed "s|^|decode-fixtures/$file\t|"
done

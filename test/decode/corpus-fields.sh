#!/bin/sh
# Regenerates corpus-fields.tsv: tshark's view of every TCP segment in the vendored tcpdump
# corpus, one line per TCP layer, used as the oracle by corpus.test.ts.
#   sh test/decode/corpus-fields.sh > test/decode/corpus-fields.tsv
# (tshark 4.0; frames with TCP inside a tunnel show several values in a field, comma-separated.)
set -e
cd "$(dirname "$0")/../../fixtures/corpus/tcpdump"
printf 'file\tframe\tsrcport\tdstport\tseq\tack\tflags\twindow\tlen\tmss\twscale\ttsval\ttsecr\tsack_perm\n'
tail -n +2 counts.tsv | while IFS="$(printf '\t')" read -r folder file format linktype tcp syn; do
  [ "$tcp" = 0 ] && continue
  tshark -r "$folder/$file" -Y tcp -T fields -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags \
    -e tcp.window_size_value -e tcp.len -e tcp.options.mss_val -e tcp.options.wscale.shift \
    -e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr -e tcp.options.sack_perm 2>/dev/null |
    sed "s|^|$file\t|"
done

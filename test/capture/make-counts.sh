#!/bin/bash
# Writes test/capture/counts.tsv (packets per capture under fixtures/corpus/, from capinfos, or tcpdump
# when capinfos cannot read the link type) and test/capture/frames.tsv (tshark's per-frame times and
# lengths for the pcapng and nanosecond captures there). Only the vendored corpus: the kernel
# recordings elsewhere in fixtures/ are re-recorded with their own NAME.tshark.tsv, which the tests use.
cd "$(dirname "$0")/../.."
out=test/capture/counts.tsv
{
  echo "# Packets per capture file under fixtures/corpus/ (vendored, never re-recorded), the truth for corpus.test.ts (CI has no tshark)."
  echo "# Made with: capinfos -c -M -T -r FILE (capinfos $(capinfos -v 2>/dev/null | head -1 | grep -o "[0-9][0-9.]*" | head -1)); for link types"
  echo "# capinfos cannot read (counted_by = tcpdump): tcpdump -n -r FILE | wc -l (tcpdump $(tcpdump --version 2>&1 | head -1 | awk '{print $3}'))."
  echo "# Regenerate after adding fixtures: run test/capture/make-counts.sh (needs capinfos and tcpdump)."
  printf 'file\tpackets\tcounted_by\n'
  find fixtures/corpus -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort | while read -r f; do
    if c=$(capinfos -c -M -T -r "$f" 2>/dev/null | tail -1 | cut -f2) && [ -n "$c" ]; then
      printf '%s\t%s\tcapinfos\n' "$f" "$c"
    else
      printf '%s\t%s\ttcpdump\n' "$f" "$(tcpdump -n -r "$f" 2>/dev/null | wc -l)"
    fi
  done
} > "$out"

# frames.tsv: per-frame timestamps and lengths for the captures pcap-parser cannot read (pcapng and
# nanosecond pcap), the oracle for their timestamps (if_tsresol, ns) in corpus.test.ts.
out=test/capture/frames.tsv
{
  echo "# Per-frame truth for every pcapng and nanosecond pcap under fixtures/corpus/, from tshark $(tshark -v 2>/dev/null | head -1 | grep -o '[0-9][0-9.]*' | head -1):"
  echo "# tshark -r FILE -T fields -e frame.number -e frame.time_epoch -e frame.cap_len -e frame.len -e frame.interface_id"
  echo "# Regenerate with test/capture/make-counts.sh."
  printf 'file\tframe\ttime_epoch\tcap_len\tlen\tinterface_id\n'
  find fixtures/corpus -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort | while read -r f; do
    magic=$(head -c4 "$f" | od -An -tx1 | tr -d ' \n')
    case "$magic" in
      0a0d0d0a|a1b23c4d|4d3cb2a1) ;;
      *) continue ;;
    esac
    tshark -r "$f" -T fields -e frame.number -e frame.time_epoch -e frame.cap_len -e frame.len -e frame.interface_id 2>/dev/null |
      sed "s|^|$f\t|"
  done
} > "$out"

#!/bin/bash
# Writes test/capture/counts.tsv: packets per capture under fixtures/, from capinfos (or tcpdump
# when capinfos cannot read the link type).
cd "$(dirname "$0")/../.."
out=test/capture/counts.tsv
{
  echo "# Packets per capture file under fixtures/, the truth for corpus.test.ts (CI has no tshark)."
  echo "# Made with: capinfos -c -M -T -r FILE (capinfos $(capinfos -v 2>/dev/null | head -1 | grep -o "[0-9][0-9.]*" | head -1)); for link types"
  echo "# capinfos cannot read (counted_by = tcpdump): tcpdump -n -r FILE | wc -l (tcpdump $(tcpdump --version 2>&1 | head -1 | awk '{print $3}'))."
  echo "# Regenerate after adding fixtures: run test/capture/make-counts.sh (needs capinfos and tcpdump)."
  printf 'file\tpackets\tcounted_by\n'
  find fixtures -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort | while read -r f; do
    if c=$(capinfos -c -M -T -r "$f" 2>/dev/null | tail -1 | cut -f2) && [ -n "$c" ]; then
      printf '%s\t%s\tcapinfos\n' "$f" "$c"
    else
      printf '%s\t%s\ttcpdump\n' "$f" "$(tcpdump -n -r "$f" 2>/dev/null | wc -l)"
    fi
  done
} > "$out"

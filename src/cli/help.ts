/**
 * The parts of `--help` that are not options: usage forms, examples, the filter language, Zeek's
 * conn_state meanings (copied from zeek/zeek scripts/base/protocols/conn/main.zeek, so the
 * `zeek` column can be read against conn.log), and the exit codes.
 */
import { FILTER_HELP } from './filter.js';

/** The usage line's forms after "tcptrace ". */
export const USAGE = `[options] <file...>
       tcptrace -i <iface> [options] [bpf filter...]
       tcptrace -D
       tcptrace check <file...> [--expect RULE ...]   (CI mode: check --help)`;

/** Zeek's conn_state codes with their meaning, as Zeek documents them. */
export const ZEEK_CONN_STATES: ReadonlyArray<[string, string]> = [
  ['S0', 'Connection attempt seen, no reply.'],
  ['S1', 'Connection established, not terminated.'],
  ['SF', 'Normal establishment and termination.'],
  ['REJ', 'Connection attempt rejected.'],
  ['S2', 'Connection established and close attempt by originator seen (but no reply from responder).'],
  ['S3', 'Connection established and close attempt by responder seen (but no reply from originator).'],
  ['RSTO', 'Connection established, originator aborted (sent a RST).'],
  ['RSTR', 'Responder sent a RST.'],
  ['RSTOS0', 'Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder.'],
  ['RSTRH', 'Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator.'],
  ['SH', 'Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was "half" open).'],
  ['SHR', 'Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator.'],
  ['OTH', 'No SYN seen, just midstream traffic (a "partial connection" that was not later closed).'],
];

const zeekTable = ZEEK_CONN_STATES.map(([code, text]) => `  ${code.padEnd(7)} ${text}`).join('\n');

/** Printed after the options. */
export const HELP_AFTER = `
Examples:
  tcptrace capture.pcap                       ladders of every connection, then a summary
  tcptrace --explain --lang zh capture.pcap   ... with the reason for each step, in Chinese
  tcptrace --filter 'state CLOSE-WAIT' big.pcapng --summary
  tcptrace --json capture.pcap | jq '.connections[] | {id, open: .open.kind, close: .close.kind}'
  tcpdump -i lo -w - 'tcp port 8080' | tcptrace --ndjson -
  tcptrace capture.pcapng.gz                  gzip and zstd captures are read as they are (also from -)
  sudo tcptrace -i lo tcp port 8080           live through dumpcap or tcpdump; Ctrl-C prints the summary
  tcptrace --fail-on check fixtures/*.pcap    exit 1 if any seq/ack check fails

${FILTER_HELP}

Text output: each connection is a ladder, client on the left, server on the right; states are
written beside the lifelines when they change (* = inferred from the peer, ? = never observed);
sequence numbers are relative to each side's ISN (x for the client, y for the server) unless
--absolute; ✓/✗ mark the seq/ack checks of each step.

JSON: --json prints one document per input ({schema, input, connections, summary,
diagnostics}; schema tcptrace/2, every key always present); several inputs give several documents
in a row, which jq reads one after another (jq -s makes an array). --ndjson prints one connection
record per line as it finishes, with schema and input first; ids run on across the inputs.

Zeek conn_state (the "zeek" field; history letters: s h a d f r t w, upper case = originator):
${zeekTable}

Exit status: 0 ok; 1 a --fail-on condition happened; 2 bad usage or an unreadable input;
70 internal error. A damaged capture (or compressed stream) prints a warning on stderr and the results
up to the damage.
`;

/**
 * `text` fitted to `width` columns: a paragraph (lines that start at the margin, up to a blank
 * line or a heading ending in ':') is refilled; a longer indented line (a table row) wraps with its
 * continuation hanging under its description column (after its first gap of two or more spaces).
 */
export function wrapHelp(text: string, width: number): string {
  if (width <= 0) return text;
  const cols = (t: string) => [...t].length;
  const fill = (words: string[], hang: number, first = ''): string[] => {
    const lines: string[] = [];
    let cur = first;
    for (const w of words) {
      const next = cur === '' || cur.endsWith(' ') ? cur + w : `${cur} ${w}`;
      if (cols(next) > width && cur.trim() !== '') {
        lines.push(cur);
        cur = ' '.repeat(hang) + w;
      } else cur = next;
    }
    lines.push(cur);
    return lines;
  };
  const out: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const isPara = (l: string | undefined) => l !== undefined && /^\S/.test(l) && !l.endsWith(':');
    if (isPara(line)) {
      const words: string[] = [];
      let j = i;
      for (; isPara(lines[j]); j++) words.push(...lines[j]!.split(/\s+/).filter(Boolean));
      out.push(...fill(words, 0));
      i = j - 1;
      continue;
    }
    if (cols(line) <= width) {
      out.push(line);
      continue;
    }
    const indent = /^ */.exec(line)![0].length;
    const gap = / {2,}(?=\S)/g;
    gap.lastIndex = indent;
    const m = gap.exec(line);
    const hang = m !== null && m.index + m[0].length < width / 2 ? m.index + m[0].length : indent + 2;
    const head = m !== null && hang === m.index + m[0].length ? line.slice(0, hang) : ' '.repeat(indent);
    out.push(...fill(line.slice(head.length).split(/\s+/).filter(Boolean), hang, head));
  }
  return out.join('\n');
}

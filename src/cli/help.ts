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
       tcptrace check <file...> [--expect RULE ...]   (CI mode: tcptrace check --help)`;

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
diagnostics}); several inputs give several documents in a row, which jq reads one after another
(jq -s makes an array). --ndjson prints one connection record per line as it finishes; with
several inputs, records of each input follow those of the one before (ids restart at 0).

Zeek conn_state (the "zeek" field; history letters: s h a d f r t w, upper case = originator):
${zeekTable}

Exit status: 0 ok; 1 a --fail-on condition happened; 2 bad usage or an unreadable input;
70 internal error. A damaged capture (or compressed stream) prints a warning on stderr and the results
up to the damage.
`;

/**
 * `--json` and `--ndjson`: the model exactly as ARCHITECTURE.md's contract states it.
 *
 * `--json` prints one Report document per input. With one input that is the contract's single
 * document; with several, the documents follow one another, which is what jq reads natively
 * (`jq '.summary' a.pcap.json` works on each in turn, `jq -s` collects them into an array).
 *
 * `--ndjson` prints one ConnectionRecord per line, each the same object as in `connections`.
 *
 * Control and bidi characters that came from the capture (paths, warnings) are written as
 * `\uXXXX` escapes, so the output is valid JSON and safe on a terminal.
 */
import type { Report } from '../diagnose/types.js';
import type { ConnectionRecord } from '../tcp/model.js';
import { escJson } from './format.js';

/** One input's document, pretty-printed, ending with a newline. */
export function renderJson(report: Report): string {
  return escJson(JSON.stringify(report, null, 2)) + '\n';
}

/** One connection record as one NDJSON line (newline included). */
export function renderNdjsonLine(record: ConnectionRecord): string {
  return escJson(JSON.stringify(record)) + '\n';
}

/**
 * Per-segment analysis flags against tshark's own verdicts on the kernel recordings
 * (fixtures/NAME.tshark.tsv, tshark 4.0.17: see fixtures/README.md). CI has no tshark; the TSV is
 * the oracle. tshark's fast and spurious retransmissions are also retransmissions here.
 *
 * One deliberate disagreement (PRODUCT: "tshark calls a simultaneous open a retransmission"): in a
 * simultaneous open (RFC 9293 §3.5 figure 7) each endpoint answers the peer's crossing SYN with a
 * SYN,ACK that carries its own ISN again. tshark sees a sequence number below the next expected one
 * and flags a retransmission; it is the handshake's next segment, not a copy of the SYN. So a
 * SYN,ACK whose seq equals an earlier bare SYN's seq in the same stream (ISNs are random 32-bit
 * values: the same seq is the same sender) and that repeats no earlier SYN,ACK is expected to
 * carry no retransmission flag. A later copy of that SYN,ACK still is one, as tshark says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import type { SegmentFlag } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';

const DIR = join(import.meta.dirname, '../../fixtures');
const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.tshark.tsv') && readdirSync(DIR).includes(f.replace('.tshark.tsv', '.pcap')))
  .map((f) => f.replace('.tshark.tsv', ''))
  .sort();

const COLUMN: Record<string, SegmentFlag> = {
  'tcp.analysis.retransmission': 'retransmission',
  'tcp.analysis.fast_retransmission': 'retransmission',
  'tcp.analysis.spurious_retransmission': 'spurious-retransmission',
  'tcp.analysis.out_of_order': 'out-of-order',
  'tcp.analysis.lost_segment': 'previous-segment-not-captured',
  'tcp.analysis.ack_lost_segment': 'acked-unseen-segment',
  'tcp.analysis.duplicate_ack_num': 'dup-ack',
  'tcp.analysis.keep_alive': 'keep-alive',
  'tcp.analysis.keep_alive_ack': 'keep-alive-ack',
  'tcp.analysis.zero_window': 'zero-window',
};

/** Frames of a tshark TSV that are a simultaneous open's first SYN,ACK per sender (see the module comment). */
function crossingSynAcks(cols: string[], rows: string[][]): Set<number> {
  const [fr, st, fl, sq] = ['frame.number', 'tcp.stream', 'tcp.flags.str', 'tcp.seq_raw'].map((c) => cols.indexOf(c));
  const syns = new Set<string>();
  const synAcks = new Set<string>();
  const out = new Set<number>();
  for (const v of rows) {
    const flags = v[fl!]!;
    if (!flags.includes('S') || flags.includes('R')) continue;
    const key = `${v[st!]}:${v[sq!]}`;
    if (!flags.includes('A')) syns.add(key);
    else if (!synAcks.has(key)) {
      synAcks.add(key);
      if (syns.has(key)) out.add(Number(v[fr!]));
    }
  }
  return out;
}

describe('analysis flags agree with tshark frame by frame', () => {
  it('there are recordings with tshark verdicts', () => expect(names.length).toBeGreaterThan(10));
  it.each(names)('%s', async (name) => {
    const report = await trace(openCapture(join(DIR, `${name}.pcap`)), { allSegments: true });
    const ours = new Map<number, SegmentFlag[]>();
    for (const c of report.connections) for (const s of c.segments) ours.set(s.packet, s.analysis);
    const [head, ...rows] = readFileSync(join(DIR, `${name}.tshark.tsv`), 'utf8')
      .trim()
      .split('\n');
    const cols = head!.split('\t');
    const diffs: string[] = [];
    let flagged = 0;
    const split = rows.map((line) => line.split('\t'));
    const crossing = crossingSynAcks(cols, split);
    // The exception is exercised where it belongs and nowhere else.
    expect(crossing.size).toBe(name === 'simultaneous-open' ? 2 : 0);
    for (const v of split) {
      const frame = Number(v[0]);
      const want = new Set<SegmentFlag>();
      cols.forEach((col, i) => {
        const flag = COLUMN[col];
        if (flag && v[i]) want.add(flag);
      });
      if (want.has('spurious-retransmission')) want.add('retransmission');
      if (crossing.has(frame)) {
        // tshark's mistake, documented above: check that it is still there, then expect no flag.
        expect(want.has('retransmission')).toBe(true);
        want.delete('retransmission');
      }
      const got = new Set(ours.get(frame) ?? []);
      // window-probe is ours alone (tshark has zero_window_probe, not exported to the TSV).
      got.delete('window-probe');
      if (want.size > 0) flagged++;
      const a = [...want].sort().join(',');
      const b = [...got].sort().join(',');
      if (a !== b) diffs.push(`frame ${frame}: tshark [${a}] ours [${b}]`);
    }
    expect(diffs).toEqual([]);
    // Keep the comparison honest: the packet numbers we looked up exist.
    expect(ours.size).toBe(rows.length);
    if (['loss', 'keepalive', 'unanswered', 'syn-flood', 'lost-last-ack'].includes(name)) expect(flagged).toBeGreaterThan(0);
  });
});

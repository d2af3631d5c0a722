/**
 * Per-segment analysis flags against tshark's own verdicts on the kernel recordings
 * (fixtures/NAME.tshark.tsv, tshark 4.0.17: see fixtures/README.md). CI has no tshark; the TSV is
 * the oracle. tshark's fast and spurious retransmissions are also retransmissions here.
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

describe('analysis flags agree with tshark frame by frame', () => {
  it('there are recordings with tshark verdicts', () => expect(names.length).toBeGreaterThan(10));
  it.each(names)('%s', async (name) => {
    const report = await trace(openCapture(join(DIR, `${name}.pcap`)), { allSegments: true });
    const ours = new Map<number, SegmentFlag[]>();
    for (const c of report.connections) for (const s of c.segments) ours.set(s.packet, s.analysis);
    const [head, ...rows] = readFileSync(join(DIR, `${name}.tshark.tsv`), 'utf8').trim().split('\n');
    const cols = head!.split('\t');
    const diffs: string[] = [];
    let flagged = 0;
    for (const line of rows) {
      const v = line.split('\t');
      const frame = Number(v[0]);
      const want = new Set<SegmentFlag>();
      cols.forEach((col, i) => {
        const flag = COLUMN[col];
        if (flag && v[i]) want.add(flag);
      });
      if (want.has('spurious-retransmission')) want.add('retransmission');
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

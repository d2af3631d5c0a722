/**
 * Well-formedness of every record the tracker produces on real captures: the vendored tcpdump
 * corpus (odd stacks, partial captures, scans) and the kernel recordings. Each endpoint's timeline
 * must be a chain (each step starts where the last ended) that ends in the reported state, the
 * last kept segment must show the final states, and each check must appear once per side.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { CHECK_IDS, TcpState, type ConnectionRecord } from '../../src/tcp/model.js';
import { summarize } from '../../src/tcp/summary.js';
import { trace } from '../../src/trace.js';

const ROOT = join(import.meta.dirname, '../../fixtures');
const files = [
  ...readdirSync(join(ROOT, 'corpus/tcpdump/tcp')).map((f) => join('corpus/tcpdump/tcp', f)),
  ...readdirSync(ROOT).filter((f) => f.endsWith('.pcap')),
].filter((f) => /\.(pcap|pcapng|cap)$/.test(f));

const STATES = new Set<string>(Object.values(TcpState));
const ZEEK = new Set(['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH']);

function problems(c: ConnectionRecord): string[] {
  const out: string[] = [];
  for (const side of ['client', 'server'] as const) {
    const e = c[side];
    if (!STATES.has(e.state)) out.push(`${side} state ${e.state}`);
    const steps = c.timeline.filter((t) => t.side === side);
    for (let i = 1; i < steps.length; i++) {
      if (steps[i]!.from !== steps[i - 1]!.to) out.push(`${side} timeline breaks at packet ${steps[i]!.packet}: ${steps[i - 1]!.to} then ${steps[i]!.from}`);
    }
    for (const t of steps) {
      if (t.from === t.to && t.to !== 'TIME-WAIT') out.push(`${side} self-transition ${t.to}`);
      if (!(t.time >= 0) || !t.why) out.push(`${side} bad entry at ${t.packet}`);
    }
    const last = steps[steps.length - 1];
    if (last && last.to !== e.state) out.push(`${side} ends ${e.state} but its timeline ends ${last.to}`);
    if (e.stateBasis === 'unseen' && (e.state !== 'CLOSED' || steps.length > 0)) out.push(`${side} unseen but ${e.state}`);
    const seg = c.segments[c.segments.length - 1];
    if (seg && seg[side] !== e.state && !(e.state === 'CLOSED' && seg[side] === 'TIME-WAIT' && last?.from === 'TIME-WAIT')) {
      out.push(`${side}: last segment shows ${seg[side]}, final ${e.state}`);
    }
  }
  const seen = new Set<string>();
  for (const k of c.checks) {
    if (!CHECK_IDS.includes(k.id)) out.push(`check id ${k.id}`);
    const key = `${k.id}/${k.side}`;
    if (seen.has(key)) out.push(`check ${key} twice`);
    seen.add(key);
  }
  for (const s of c.segments) {
    if (s.relSeq < 0 || s.relSeq > 0xffffffff || !Number.isInteger(s.relSeq)) out.push(`relSeq ${s.relSeq} at ${s.packet}`);
  }
  if (!ZEEK.has(c.zeek.conn_state)) out.push(`zeek ${c.zeek.conn_state}`);
  if (c.packets < c.segments.length) out.push('more segments than packets');
  return out;
}

describe('records are well-formed on every real capture', () => {
  it('there are captures', () => expect(files.length).toBeGreaterThan(100));
  it.each(files)('%s', async (file) => {
    const report = await trace(openCapture(join(ROOT, file)), { allSegments: true });
    const bad = report.connections.flatMap((c) => problems(c).map((p) => `#${c.id}: ${p}`));
    expect(bad).toEqual([]);
    const s = summarize(report.connections);
    expect(s.connections).toBe(report.connections.length);
    // Kept segments are exactly the packets the connections were fed (allSegments).
    expect(report.connections.reduce((n, c) => n + c.segments.length, 0)).toBe(report.connections.reduce((n, c) => n + c.packets, 0));
  });
});

/**
 * Every TCP segment tshark finds inside a tunnel (or behind the framings decoded with them) is
 * traced, in the frame tshark finds it in: tunnel-counts.tsv (tunnel-counts.sh, tshark 4.0, which
 * follows every tunnel here and reassembles outer IP fragments) lists, per capture under fixtures/,
 * the frames with a TCP segment and the protocol stacks they came through. The tracer reads each
 * capture as `tcptrace` does (trace(): tunnels followed, outer fragments reassembled), and the
 * decoder alone (decodeFrame with a run's context) must name the same frames.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { decodeFrame, newDecodeContext } from '../../src/decode/decode-frame.js';
import { trace } from '../../src/trace.js';

const ROOT = join(import.meta.dirname, '../..');
const rows = readFileSync(join(import.meta.dirname, 'tunnel-counts.tsv'), 'utf8')
  .trimEnd()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map(([file, n, frames, stacks]) => ({ file: file!, n: Number(n), frames: frames!.split(',').map(Number), stacks: stacks! }));

describe('TCP inside tunnels: every segment tshark finds is traced', () => {
  it('the oracle covers every kind of tunnel the fixtures hold', () => {
    const all = rows.map((r) => r.stacks).join(' ');
    for (const p of [':vxlan:', ':geneve:', ':gre:', ':erspan:', ':gtp:', ':ip:ip:', ':ip:ipv6:', ':ipv6:ip:', ':ipv6:ipv6:', ':mpls:', 'nflog:', 'juniper:']) {
      expect(all, p).toContain(p);
    }
    expect(rows.length).toBeGreaterThanOrEqual(24);
  });

  it.each(rows.map((r) => [r.file, r] as const))('%s', async (_name, r) => {
    const frames: number[] = [];
    const ctx = newDecodeContext();
    await openCapture(join(ROOT, r.file)).run({
      frame(f) {
        if (typeof decodeFrame(f, ctx) !== 'string') frames.push(f.index);
      },
    });
    expect(frames).toEqual(r.frames);
    const report = await trace(openCapture(join(ROOT, r.file)));
    expect(report.input.tcpSegments).toBe(r.n);
    // What tshark decodes through a tunnel, the record says it came through.
    if (/:(vxlan|geneve|gre|gtp|ip:ip|ip:ipv6|ipv6:ip|ipv6:ipv6):/.test(r.stacks)) {
      expect(report.connections.some((c) => (c.tunnel?.length ?? 0) > 0)).toBe(true);
    }
  });
});

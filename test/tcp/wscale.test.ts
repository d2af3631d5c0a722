/**
 * Window scale above 14 (RFC 7323 §2.3: "If a Window Scale option is received with a shift.cnt value
 * larger than 14, the TCP SHOULD log the error but MUST use 14 instead of the specified value"; Linux
 * logs "Illegal window scaling value"): the failing check `wscale-at-most-14` (expected 14, actual the
 * shift), worded by report/, and 14 wherever a window is scaled. No capture in the corpora announces
 * a shift above 14 (tshark -Y 'tcp.options.wscale.shift > 14' finds none), so the segments are built.
 */
import { describe, expect, it } from 'vitest';
import { newTrack, windowBytes } from '../../src/tcp/classify.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { renderConnection, TEXT_DEFAULTS } from '../../src/report/text.js';
import { mkSeg, tracker } from './helpers.js';

const X = 1000;
const Y = 5000;
const T0 = 1_000;

/** A handshake whose SYN announces `c` and SYN,ACK `s` as window scale. */
function handshake(c: number, s: number): ConnectionRecord {
  const tr = tracker({ allSegments: true });
  tr.observe(mkSeg({ dir: 'c', flags: 'S', seq: X, t: T0, packet: 1, options: { mss: 1460, wscale: c } }), true);
  tr.observe(mkSeg({ dir: 's', flags: 'S.', seq: Y, ack: X + 1, t: T0 + 0.01, packet: 2, options: { mss: 1460, wscale: s } }), false);
  tr.observe(mkSeg({ dir: 'c', flags: '.', seq: X + 1, ack: Y + 1, t: T0 + 0.02, packet: 3 }), true);
  return tr.finish(T0 + 1, 0);
}

describe('wscale-at-most-14', () => {
  it('a SYN announcing 15 fails it (expected 14, actual 15), on that SYN and that side only', () => {
    const r = handshake(15, 7);
    const k = r.checks.filter((c) => c.id === 'wscale-at-most-14');
    expect(k).toEqual([expect.objectContaining({ ok: false, packet: 1, side: 'client', expected: 14, actual: 15 })]);
    expect(r.segments[0]!.checks).toContain('wscale-at-most-14');
    expect(r.client.options.wscale).toBe(15); // what it announced
  });
  it('a SYN,ACK announcing 16 fails it for the server', () => {
    const k = handshake(7, 16).checks.filter((c) => c.id === 'wscale-at-most-14');
    expect(k).toEqual([expect.objectContaining({ ok: false, packet: 2, side: 'server', expected: 14, actual: 16 })]);
  });
  it('14 and below: no such check (it is listed only when broken)', () => {
    expect(handshake(14, 14).checks.map((c) => c.id)).not.toContain('wscale-at-most-14');
    expect(handshake(0, 7).checks.map((c) => c.id)).not.toContain('wscale-at-most-14');
  });
  it('worded by report/ in English and Chinese', () => {
    const r = handshake(15, 7);
    expect(renderConnection(r, { ...TEXT_DEFAULTS })).toContain('window scale ≤ 14 ✗ expected 14, got 15');
    expect(renderConnection(r, { ...TEXT_DEFAULTS, lang: 'zh' })).toContain('窗口缩放 ≤ 14 ✗ 应为 14，实为 15');
  });
});

describe('the scale applied is at most 14', () => {
  it('windowBytes scales by 2^14 for a shift of 15 or more', () => {
    const t = newTrack('ESTABLISHED');
    const peer = newTrack('ESTABLISHED');
    t.windowRaw = 3;
    peer.wscale = 7;
    for (const [ws, bytes] of [
      [7, 3 * 2 ** 7],
      [14, 3 * 2 ** 14],
      [15, 3 * 2 ** 14],
      [255, 3 * 2 ** 14],
    ] as const) {
      t.wscale = ws;
      expect(windowBytes(t, peer)).toBe(bytes);
    }
  });
});

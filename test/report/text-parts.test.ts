// A connection's ladder in two parts, as live capture prints it: the opening once it is over, the
// rest once the connection finished. Checked on the real fixtures against the whole ladder.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { newTextContext, renderConnection, renderConnectionClosing, renderConnectionOpening, TEXT_DEFAULTS, type TextOptions } from '../../src/report/text.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';

const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', name);

/** The final records and, for each connection whose opening got over, its record at that moment. */
async function records(name: string, allSegments = false) {
  const atOpen = new Map<number, ConnectionRecord>();
  const r = await trace(openCapture(FIX(`${name}.pcap`)), { allSegments, onOpen: (c) => atOpen.set(c.id, c) });
  return { final: r.connections, atOpen };
}

/** The ladder's lines (from the column header to the end-of-capture row). */
function ladder(text: string): string[] {
  const ls = text.split('\n');
  const start = ls.findIndex((l) => /^\s+(pkt|包)\s/.test(l));
  const end = ls.findIndex((l) => l.includes('╵'));
  const out = ls.slice(start, end < 0 ? undefined : end + 1);
  while (out.at(-1) === '') out.pop();
  return out;
}
/** The words of some ladder lines, geometry taken out (fill, padding, where long lines wrap). */
const words = (ls: string[]) =>
  ls
    .join(' ')
    .replace(/[│┆─]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '·'); // packed items drop the separator where they wrap

const KINDS = ['handshake-client-close', 'simultaneous-open', 'mid-stream', 'half-close', 'fast-open', 'port-reuse', 'lost-last-ack', 'loss', 'keepalive'];

describe.each([
  ['en', {}],
  ['en --explain', { explain: true }],
  ['zh', { lang: 'zh' }],
] as Array<[string, Partial<TextOptions>]>)('opening and closing printed apart (%s)', (_, over) => {
  const opts: TextOptions = { ...TEXT_DEFAULTS, ...over };

  it.each(KINDS)('%s: the two parts hold the whole ladder, split where the opening ends', async (name) => {
    const { final } = await records(name);
    for (const c of final) {
      const whole = ladder(renderConnection(c, opts));
      const open = ladder(renderConnectionOpening(c, opts));
      const rest = ladder(renderConnectionClosing(c, opts));
      // header, resume row, then exactly the whole ladder's rows from the split on (same geometry).
      expect(rest[0]).toBe(whole[0]);
      expect(rest[1]).toMatch(/│ +(opening printed above|打开过程见上文) +│/);
      const tail = rest.slice(2);
      expect(whole.slice(whole.length - tail.length)).toEqual(tail);
      // The opening part is the rest of it (in its own width, where long lines may wrap elsewhere:
      // it is printed before the rest exists).
      expect(words([...open, ...tail])).toEqual(words(whole));
      expect(open.length).toBeGreaterThan(2);
      // The opening part holds the opening exchange and nothing of the closing.
      for (const p of c.open.packets) if (c.segments.some((s) => s.packet === p)) expect(open.some((l) => new RegExp(`^\\s+${p}\\s`).test(l))).toBe(true);
      for (const p of c.close.packets) if (!c.open.packets.includes(p)) expect(open.some((l) => new RegExp(`^\\s+${p}\\s`).test(l))).toBe(false);
      expect(open.some((l) => l.includes('╵'))).toBe(false);
    }
  });
});

describe('the opening as printed live (the record when the opening is over)', () => {
  it('heading says how it opened and when, nothing about an end not yet seen', async () => {
    const { atOpen } = await records('handshake-client-close');
    const out = renderConnectionOpening(atOpen.get(0)!, TEXT_DEFAULTS);
    expect(out.split('\n').slice(0, 2)).toEqual(['#0  198.18.0.1:41001 ⇄ 198.18.0.2:4700', '    three-way handshake · started 2026-11-24T11:55:16.805169Z']);
    expect(out).not.toMatch(/at the end|zeek|close|FIN|end of capture/);
    expect(out).toMatch(/^\s+3\s+0\.000047\s+│── ACK seq=1 ack=1 win=63 len=0 ─+►│ ESTABLISHED$/m);
  });

  it('the rest continues from the states the opening left, lifelines aligned with the opening above', async () => {
    const { atOpen, final } = await records('handshake-client-close');
    const open = ladder(renderConnectionOpening(atOpen.get(0)!, TEXT_DEFAULTS));
    const rest = ladder(renderConnectionClosing(final[0]!, TEXT_DEFAULTS));
    expect(rest[1]).toMatch(/^\s+ESTABLISHED │   opening printed above +│ ESTABLISHED$/);
    const bar = (l: string) => [...l].map((ch, i) => (ch === '│' ? i : -1)).filter((i) => i >= 0);
    expect(bar(rest[1]!)).toEqual(bar(open[1]!));
    expect(rest.at(-1)).toMatch(/TIME-WAIT ╵   end of capture +╵ CLOSED\*$/);
  });

  it('mid-stream: the opening is the assumed ESTABLISHED at the first packet, columns aligned', async () => {
    const { atOpen } = await records('mid-stream');
    const open = ladder(renderConnectionOpening(atOpen.get(0)!, TEXT_DEFAULTS));
    expect(open).toHaveLength(3);
    // The server has sent nothing yet at its first packet: the model does not guess its state.
    expect(open[2]).toMatch(/^\s+1\s+0\.000000\s+ESTABLISHED ┆   \(on a segment not drawn\) +┆$/);
    // The state column lines up with the header's "client".
    expect(open[2]!.indexOf('ESTABLISHED ┆') + 'ESTABLISHED'.length).toBe(open[0]!.indexOf('client') + 'client'.length);
  });

  it('--explain: a topic told in the opening part is not told again in the rest, nor in the next connection', async () => {
    const { atOpen, final } = await records('port-reuse');
    const opts = { ...TEXT_DEFAULTS, explain: true };
    const ctx = newTextContext();
    const out = [
      renderConnectionOpening(atOpen.get(0)!, opts, ctx),
      renderConnectionClosing(final[0]!, opts, ctx),
      renderConnectionOpening(atOpen.get(1)!, opts, ctx),
      renderConnectionClosing(final[1]!, opts, ctx),
    ].join('\n');
    const count = (s: string) => out.split(s).length - 1;
    expect(count('Why a third segment')).toBe(1);
    expect(count('Why closing takes four segments')).toBe(1);
    expect(count('A SYN consumes one sequence number')).toBe(1);
    // ... and each of them was told once (the whole output of a file says them once too).
    const file = [renderConnection(final[0]!, opts, newTextContext())].join('');
    expect(file).toContain('Why a third segment');
  });
});

// The pictures' data (report/svg/picture.ts) against the model and against tshark, and the page's
// bundle of the drawing code: the same functions, drawing the same SVG as in Node.
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { drawingScript } from '../../src/report/html/bundle.js';
import { messages } from '../../src/report/messages.js';
import { drawLadder } from '../../src/report/svg/draw-ladder.js';
import { drawSeq } from '../../src/report/svg/draw-seq.js';
import { buildPictures } from '../../src/report/svg/picture.js';
import { trace } from '../../src/trace.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
const m = messages('en');

async function records(file: string) {
  return (await trace(openCapture(path.join(FIXTURES, file)), { allSegments: true, segmentTimestamps: true })).connections;
}

describe('time-sequence data', () => {
  it('slow-link.pcap: every client segment with sequence space, every server ACK, every SACK block (tshark counts)', async () => {
    const [c] = await records('metrics/slow-link.pcap');
    const p = buildPictures(c!, m);
    // tshark -Y 'tcp.srcport==41100 && (tcp.len>0 || tcp.flags.syn==1 || tcp.flags.fin==1)' | wc -l
    expect(p.seq[0].data.length / 4).toBe(288);
    // tshark -Y 'tcp.srcport==4800' | wc -l: 196 segments, all with ACK but the SYN... the SYN-ACK has one too.
    expect(p.seq[0].acks.length / 2).toBe(196);
    // tshark -Y 'tcp.srcport==4800' -e tcp.options.sack_le -E occurrence=a: 425 blocks
    expect(p.seq[0].sack.length / 3).toBe(425);
    // Bars marked as the model flags them.
    const kinds = (k: number) => p.seq[0].data.filter((_, i) => i % 4 === 3 && p.seq[0].data[i] === k).length;
    expect(kinds(1)).toBe(c!.flags.retransmissions);
    // The window edge is the ACK plus the window scaled by the server's shift (both SYNs had the option).
    const ws = c!.server.options.wscale!;
    const last = c!.segments.filter((s) => s.from === 'server').at(-1)!;
    expect(p.seq[0].win.at(-1)! - p.seq[0].acks.at(-1)!).toBe(last.window * 2 ** ws);
  });

  it("each side's phases follow its timeline: opening, established, closing, TIME-WAIT", async () => {
    const [c] = await records('half-close.pcap');
    const [client, server] = buildPictures(c!, m).seq[0].phases;
    const order = (ph: number[]) => ph.filter((_, i) => i % 3 === 2);
    expect(order(client)).toEqual([0, 1, 2, 3]); // SYN-SENT, ESTABLISHED, FIN-WAIT-1/2, TIME-WAIT
    expect(order(server)).toEqual([0, 1, 2]); // SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT/LAST-ACK, then CLOSED
    const t = c!.timeline.find((x) => x.side === 'client' && x.to === 'TIME-WAIT')!.time;
    expect(client.at(-3)).toBe(t);
  });
});

describe('ladder data', () => {
  it("arrows for the exchanges, the rest folded with the model's own counts", async () => {
    const [c] = await records('loss.pcap');
    const l = buildPictures(c!, m).ladder;
    const arrows = l.rows.filter((r) => r.k === 's').map((r) => (r.k === 's' ? r.p : 0));
    for (const p of [...c!.open.packets, ...c!.close.packets]) expect(arrows).toContain(p);
    // Every segment is an arrow or inside a fold.
    const folded = l.rows.filter((r) => r.k === 'f').map((r) => Number(/^(\d+) segment/.exec(r.text)![1]));
    expect(arrows.length + folded.reduce((a, b) => a + b, 0)).toBe(c!.segments.length);
    // The hover explains the state changes in words.
    const syn = l.rows.find((r) => r.k === 's' && r.p === 1);
    expect(syn?.k === 's' && syn.hover).toContain('client CLOSED → SYN-SENT: active open: sent SYN');
  });
});

describe("the page's bundle", () => {
  it('draws byte for byte what Node draws', async () => {
    const [c] = await records('simultaneous-close.pcap');
    const p = buildPictures(c!, m);
    const window: { tcptraceDraw?: { drawLadder: typeof drawLadder; drawSeq: typeof drawSeq } } = {};
    runInNewContext(drawingScript(), { window });
    const d = window.tcptraceDraw!;
    // Through JSON, as the page gets it.
    const q = JSON.parse(JSON.stringify(p)) as typeof p;
    expect(d.drawLadder(q.ladder, m.picture)).toBe(drawLadder(p.ladder, m.picture));
    expect(d.drawSeq(q.seq[0], m.picture)).toBe(drawSeq(p.seq[0], m.picture));
    expect(d.drawSeq(q.seq[1], m.picture)).toBe(drawSeq(p.seq[1], m.picture));
  });
});

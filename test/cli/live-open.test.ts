// Live capture prints each connection's opening as it happens and its closing as it ends (issue 5):
// trace()'s onOpen on real recordings, and `tcptrace -i` in text mode fed real frames one by one.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureSource, CaptureStats, Frame, FrameSink } from '../../src/capture/frame.js';
import { openCapture } from '../../src/capture/open.js';
import { main, type LiveApi } from '../../src/cli/main.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { argv, fakeIO } from './io.js';

const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', name);

/** Calls in order: which hook, which connection, and the record it got. */
async function hooks(name: string) {
  const calls: Array<{ hook: 'open' | 'end'; id: number; record: ConnectionRecord }> = [];
  const report = await trace(openCapture(FIX(`${name}.pcap`)), {
    onOpen: (record) => calls.push({ hook: 'open', id: record.id, record }),
    onConnection: (record) => calls.push({ hook: 'end', id: record.id, record }),
  });
  return { calls, report, opens: calls.filter((c) => c.hook === 'open') };
}

describe('trace() onOpen: once per connection, when its opening exchange is over', () => {
  it('three-way handshake: at the final ACK (packet 3), before the connection ends', async () => {
    const { calls, opens } = await hooks('handshake-client-close');
    expect(opens).toHaveLength(1);
    const r = opens[0]!.record;
    expect(r.packets).toBe(3);
    expect(r.open).toMatchObject({ kind: 'three-way', complete: true, packets: [1, 2, 3] });
    expect(r.close.kind).toBe('none');
    expect([r.client.state, r.server.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(calls.map((c) => c.hook)).toEqual(['open', 'end']);
  });

  it('simultaneous open: after both SYN-ACKs, at the first segment that is neither SYN nor SYN-ACK', async () => {
    const { opens, report } = await hooks('simultaneous-open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.record.packets).toBe(7);
    expect(opens[0]!.record.open.kind).toBe('simultaneous');
    expect(opens[0]!.record.open.packets).toEqual(report.connections[0]!.open.packets);
  });

  it('refused: at the RST, and the end follows at once', async () => {
    const { calls } = await hooks('refused');
    expect(calls.map((c) => [c.hook, c.record.packets])).toEqual([
      ['open', 2],
      ['end', 2],
    ]);
    expect(calls[0]!.record.open.kind).toBe('refused');
  });

  it('mid-stream: at its first segment', async () => {
    const { opens } = await hooks('mid-stream');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.record.packets).toBe(1);
    expect(opens[0]!.record.open.kind).toBe('mid-stream');
  });

  it('unanswered SYNs and half-open openings never get one (their opening never ended)', async () => {
    expect((await hooks('unanswered')).opens).toEqual([]);
    const flood = await hooks('syn-flood');
    const halfOpen = flood.report.connections.filter((c) => c.server.state === 'SYN-RECEIVED').map((c) => c.id);
    expect(halfOpen.length).toBeGreaterThan(0);
    for (const id of halfOpen) expect(flood.opens.some((o) => o.id === id)).toBe(false);
    // ... while every connection that did complete its handshake got exactly one, before its end.
    for (const c of flood.report.connections.filter((x) => x.open.complete)) {
      const i = flood.calls.findIndex((x) => x.hook === 'open' && x.id === c.id);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(flood.calls.filter((x) => x.hook === 'open' && x.id === c.id)).toHaveLength(1);
      const end = flood.calls.findIndex((x) => x.hook === 'end' && x.id === c.id);
      expect(end === -1 || end > i).toBe(true);
    }
  });

  it('port reuse: each connection on the 4-tuple opens on its own', async () => {
    const { calls } = await hooks('port-reuse');
    expect(calls.map((c) => `${c.hook}${c.id}`)).toEqual(['open0', 'end0', 'open1', 'end1']);
  });

  it('changes nothing in the report (the record it gets comes from the pure finish())', async () => {
    const a = await trace(openCapture(FIX('half-close.pcap')));
    const b = await trace(openCapture(FIX('half-close.pcap')), { onOpen: () => {} });
    expect(b).toEqual(a);
  });
});

/** Every frame of a capture, copied (a source reuses its Frame and buffer). */
async function framesOf(file: string): Promise<{ frames: Frame[]; stats: CaptureStats }> {
  const frames: Frame[] = [];
  const stats = await openCapture(file).run({
    frame(f: Frame) {
      frames.push({ ...f, buf: f.buf.slice(f.offset, f.offset + f.capLen), offset: 0 });
    },
  });
  return { frames, stats };
}

/**
 * A live source that hands over real frames only when the test says so: `feed(n)` delivers the
 * next n frames and waits until the sink has taken them; `end()` finishes the capture.
 */
function slowSource(frames: Frame[], stats: CaptureStats) {
  let sink: FrameSink | null = null;
  let next = 0;
  let wake: (() => void) | null = null;
  let ended = false;
  let started: () => void;
  const ready = new Promise<void>((r) => (started = r));
  const source: CaptureSource = {
    name: 'fake0',
    async run(s) {
      sink = s;
      started();
      while (!ended) await new Promise<void>((r) => (wake = r));
      return { ...stats, format: 'live', packets: next };
    },
  };
  return {
    source,
    async feed(n: number) {
      await ready;
      for (const stop = next + n; next < stop; next++) sink!.frame(frames[next]!);
      await new Promise((r) => setImmediate(r));
    },
    async end() {
      ended = true;
      wake?.();
    },
  };
}

describe('tcptrace -i (text): the opening prints before the closing frames arrive', () => {
  it('handshake-client-close fed frame by frame', async () => {
    const { frames, stats } = await framesOf(FIX('handshake-client-close.pcap'));
    expect(frames).toHaveLength(10);
    const live = slowSource(frames, stats);
    const api: LiveApi = { listInterfaces: async () => [], openLive: async () => live.source };
    const io = fakeIO();
    const done = main(argv('--no-color', '--width', '0', '-i', 'fake0'), io, { loadLive: async () => api });

    await live.feed(2); // SYN, SYN-ACK: the opening is not over yet
    expect(io.out()).toBe('');
    await live.feed(1); // the final ACK
    const opening = io.out();
    expect(opening).toMatch(/^#0  198\.18\.0\.1:41001 ⇄ 198\.18\.0\.2:4700\n    three-way handshake · started /);
    expect(opening).toMatch(/^\s+3\s+0\.000047\s+│── ACK seq=1 ack=1 win=63 len=0 ─+►│ ESTABLISHED$/m);
    expect(opening).not.toMatch(/FIN|end of capture|opening printed above/);

    await live.feed(6); // data, FIN+ACK, FIN+ACK: the client's last ACK is still to come
    expect(io.out()).toBe(opening);
    await live.feed(1); // the last ACK: both ends closed, the rest prints now
    const rest = io.out().slice(opening.length);
    expect(opening.endsWith('│\n\n')).toBe(true); // a blank line after each part, as after a whole ladder
    expect(rest).toMatch(/^#0  198\.18\.0\.1:41001 ⇄ 198\.18\.0\.2:4700\n    three-way handshake · three-segment close, client first/);
    expect(rest).toMatch(/ESTABLISHED │   opening printed above +│ ESTABLISHED/);
    expect(rest).toMatch(/^\s+8\s+0\.000358\s+FIN-WAIT-1 │── FIN\+ACK/m);
    expect(rest).toMatch(/TIME-WAIT ╵   end of capture +╵ CLOSED\*/);
    expect(rest).not.toMatch(/SYN seq=0/);
    expect(rest).not.toContain('Summary of');

    await live.end();
    expect(await done).toBe(0);
    expect(io.out().slice(opening.length + rest.length)).toMatch(/^Summary of fake0\n  connections      1\n/);
    expect(io.err()).toMatch(/^tcptrace: capturing on fake0;/);
  });

  it('a connection still open when the capture stops: its rest prints then; a refused one prints whole at once', async () => {
    const hs = await framesOf(FIX('handshake-client-close.pcap'));
    const live = slowSource(hs.frames, hs.stats);
    const io = fakeIO();
    const done = main(argv('--no-color', '-i', 'fake0'), io, {
      loadLive: async () => ({ listInterfaces: async () => [], openLive: async () => live.source }),
    });
    await live.feed(5);
    expect(io.out()).toMatch(/three-way handshake · started/);
    expect(io.out()).not.toContain('opening printed above');
    await live.end();
    expect(await done).toBe(0);
    expect(io.out()).toMatch(/opening printed above[\s\S]*ESTABLISHED ╵   end of capture +╵ ESTABLISHED[\s\S]*Summary of fake0/);

    const refused = await framesOf(FIX('refused.pcap'));
    const live2 = slowSource(refused.frames, refused.stats);
    const io2 = fakeIO();
    const done2 = main(argv('--no-color', '-i', 'fake0'), io2, {
      loadLive: async () => ({ listInterfaces: async () => [], openLive: async () => live2.source }),
    });
    await live2.feed(2);
    expect(io2.out()).toMatch(/^#0  198\.18\.0\.1:41008 ⇄ 198\.18\.0\.2:4701\n    refused · reset, server first/);
    expect(io2.out()).not.toContain('opening printed above');
    await live2.end();
    expect(await done2).toBe(0);
  });

  it('a --filter only the end can answer: each ladder prints whole when it finishes', async () => {
    const { frames, stats } = await framesOf(FIX('handshake-client-close.pcap'));
    const live = slowSource(frames, stats);
    const io = fakeIO();
    const done = main(argv('--no-color', '--filter', 'state TIME-WAIT', '-i', 'fake0'), io, {
      loadLive: async () => ({ listInterfaces: async () => [], openLive: async () => live.source }),
    });
    await live.feed(3);
    expect(io.out()).toBe('');
    await live.feed(7);
    expect(io.out()).toMatch(/^#0 .*\n    three-way handshake · three-segment close/);
    expect(io.out()).not.toContain('opening printed above');
    await live.end();
    expect(await done).toBe(0);
  });

  it('--port (decided at the opening): the opening prints early for the selected connections only', async () => {
    const { frames, stats } = await framesOf(FIX('handshake-client-close.pcap'));
    for (const [port, shown] of [
      [4700, true],
      [4701, false],
    ] as const) {
      const live = slowSource(frames, stats);
      const io = fakeIO();
      const done = main(argv('--no-color', '--port', String(port), '-i', 'fake0'), io, {
        loadLive: async () => ({ listInterfaces: async () => [], openLive: async () => live.source }),
      });
      await live.feed(3);
      expect(io.out().includes('three-way handshake · started'), `port ${port}`).toBe(shown);
      await live.feed(7);
      expect(io.out().includes('opening printed above'), `port ${port}`).toBe(shown);
      await live.end();
      expect(await done).toBe(0);
    }
  });
});

/**
 * Keep-alive probes (RFC 9293 §3.8.4; Linux tcp_keepalive_timer → tcp_write_wakeup): seq =
 * SND.NXT - 1 with 0 or 1 byte, sent when the peer had acknowledged everything up to SND.NXT and had
 * been silent for the keep-alive time (Linux's smallest TCP_KEEPIDLE/KEEPINTVL is 1 s; 0.9 s leaves
 * room for its jiffies), or
 * had closed its window. A segment at SND.NXT - 1 with that byte still unacknowledged, or sooner
 * than a keep-alive timer can fire, is a retransmission (tshark calls both keep-alives).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { KEEPALIVE_IDLE_SEC } from '../../src/tcp/analysis.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { runTimed, type TimedSpec } from './helpers.js';

const X = 0xffffff00;
const Y = 7000;
const T0 = 1_000;
const add = (a: number, n: number) => (a + n) >>> 0;
type Spec = TimedSpec;
const run = (specs: Spec[]): ConnectionRecord => runTimed(specs, T0);
const hs: Spec[] = [
  { dir: 'c', flags: 'S', seq: X, at: 0 },
  { dir: 's', flags: 'S.', seq: Y, ack: add(X, 1), at: 0.05 },
  { dir: 'c', flags: '.', seq: add(X, 1), ack: Y + 1, at: 0.1 },
];
const flagsOf = (r: ConnectionRecord) => r.segments.slice(3).map((s) => s.analysis);
/** The client's one byte at X+1, and the server's ACK of it. */
const byte = (at: number): Spec => ({ dir: 'c', flags: 'P.', seq: add(X, 1), ack: Y + 1, len: 1, at });
const acked = (at: number, win?: number): Spec => ({ dir: 's', flags: '.', seq: Y + 1, ack: add(X, 2), at, ...(win === undefined ? {} : { win }) });
const probe = (at: number, len = 0): Spec => ({ dir: 'c', flags: '.', seq: add(X, 1), ack: Y + 1, len, at });

describe('keep-alive or retransmission', () => {
  it('the issue: a 1-byte segment retransmitted 200 ms later, never acknowledged, is a retransmission, not a keep-alive', () => {
    const r = run([...hs, byte(1), { ...byte(1.2), flags: 'P.' }]);
    expect(flagsOf(r)).toEqual([[], ['retransmission']]);
    expect(r.flags).toMatchObject({ keepAlives: 0, retransmissions: 1 });
    // So nothing reports keep-alive use (the summary and the keep-alive finding read this).
    expect(r.keepAlive).toBeNull();
  });

  it('still unacknowledged after a long silence: a retransmission (something is outstanding)', () => {
    expect(flagsOf(run([...hs, byte(1), byte(30)]))).toEqual([[], ['retransmission']]);
  });

  it('everything acknowledged, then 1 s of silence: a probe of 0 bytes (Linux) or 1 byte (Windows) is a keep-alive; its ACK a keep-alive ACK', () => {
    expect(KEEPALIVE_IDLE_SEC).toBe(0.9);
    for (const len of [0, 1]) {
      const r = run([...hs, byte(1), acked(1.05), probe(2.05, len), acked(2.06)]);
      expect(flagsOf(r)).toEqual([[], [], ['keep-alive'], ['keep-alive-ack']]);
      expect(r.keepAlive).toEqual({ probes: 1, intervalSec: null });
    }
  });

  it('everything acknowledged but only 300 or 800 ms of silence: the ACK was lost after the capture point, the byte is retransmitted (spuriously)', () => {
    for (const at of [1.35, 1.85]) {
      const r = run([...hs, byte(1), acked(1.05), probe(at, 1)]);
      expect(flagsOf(r)).toEqual([[], [], ['retransmission', 'spurious-retransmission']]);
      expect(r.keepAlive).toBeNull();
    }
    // A probe a jiffy short of Linux's 1 s minimum is still one.
    expect(flagsOf(run([...hs, byte(1), acked(1.05), probe(2.04)]))[2]).toEqual(['keep-alive']);
  });

  it('the peer closed its window: Linux probes it with the same segment, a keep-alive as tshark says, whatever the silence', () => {
    const r = run([...hs, byte(1), acked(1.05, 0), probe(1.3)]);
    expect(flagsOf(r)).toEqual([[], ['zero-window'], ['keep-alive']]);
  });
});

describe("fixtures/keepalive.pcap: the kernel's probes are still found", () => {
  it('4 probes 1 s apart, the frames tshark flags keep_alive, each answered by a keep-alive ACK', async () => {
    const dir = join(import.meta.dirname, '../../fixtures');
    const [c] = (await trace(openCapture(join(dir, 'keepalive.pcap')), { allSegments: true })).connections;
    const [head, ...rows] = readFileSync(join(dir, 'keepalive.tshark.tsv'), 'utf8').trimEnd().split('\n');
    const col = (name: string) => head!.split('\t').indexOf(name);
    const want = (name: string) =>
      rows
        .map((r) => r.split('\t'))
        .filter((v) => v[col(name)])
        .map((v) => Number(v[0]));
    const ours = (flag: string) => c!.segments.filter((s) => s.analysis.includes(flag as never)).map((s) => s.packet);
    expect(ours('keep-alive')).toEqual(want('tcp.analysis.keep_alive'));
    expect(ours('keep-alive-ack')).toEqual(want('tcp.analysis.keep_alive_ack'));
    expect(ours('keep-alive')).toHaveLength(4);
    expect(c!.keepAlive?.probes).toBe(4);
    expect(c!.keepAlive?.intervalSec).toBeGreaterThan(1);
    expect(c!.keepAlive?.intervalSec).toBeLessThan(1.1);
    expect(c!.flags.retransmissions).toBe(0);
  });
});

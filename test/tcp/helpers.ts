/**
 * Test helpers: build Segments from a tcpdump-like description, and play sequence tables through
 * a ConnectionTracker. Segments are built here, never by hand in tests.
 */
import { TcpFlag, type Segment, type TcpOptions } from '../../src/decode/segment.js';
import { ConnectionTracker, type TrackerOptions } from '../../src/tcp/connection.js';
import type { ConnectionRecord, TcpState } from '../../src/tcp/model.js';

export const CLIENT = { ip: '198.18.0.1', port: 41000 };
export const SERVER = { ip: '198.18.0.2', port: 80 };
const C_IP = ((198 << 24) | (18 << 16) | (0 << 8) | 1) >>> 0;
const S_IP = ((198 << 24) | (18 << 16) | (0 << 8) | 2) >>> 0;

/** tcpdump flag letters -> TcpFlag bits ("S.", "FP.", "R", "."). */
export function flagBits(s: string): number {
  let f = 0;
  for (const ch of s) {
    if (ch === 'F') f |= TcpFlag.FIN;
    else if (ch === 'S') f |= TcpFlag.SYN;
    else if (ch === 'R') f |= TcpFlag.RST;
    else if (ch === 'P') f |= TcpFlag.PSH;
    else if (ch === '.') f |= TcpFlag.ACK;
    else if (ch === 'U') f |= TcpFlag.URG;
    else if (ch === 'E') f |= TcpFlag.ECE;
    else if (ch === 'W') f |= TcpFlag.CWR;
    else throw new Error(`bad flag letter ${ch}`);
  }
  return f;
}

export interface SegSpec {
  /** 'c' client -> server, 's' server -> client. */
  dir: 'c' | 's';
  flags: string;
  seq: number;
  ack?: number | null;
  len?: number;
  win?: number;
  /** Seconds since the epoch (float). */
  t?: number;
  packet?: number;
  options?: TcpOptions | null;
  /** IPv4 Identification (default -1: none, as IPv6). */
  ipId?: number;
}

/** One Segment from a spec (ack taken only when the flags carry '.'). */
export function mkSeg(x: SegSpec): Segment {
  const flags = flagBits(x.flags);
  const fromC = x.dir === 'c';
  const t = x.t ?? 1_700_000_000;
  const sec = Math.floor(t);
  return {
    packet: x.packet ?? 1,
    tsSec: sec,
    tsNsec: Math.round((t - sec) * 1e9),
    ipVersion: 4,
    ipId: x.ipId ?? -1,
    src0: fromC ? C_IP : S_IP,
    src1: 0,
    src2: 0,
    src3: 0,
    dst0: fromC ? S_IP : C_IP,
    dst1: 0,
    dst2: 0,
    dst3: 0,
    srcPort: fromC ? CLIENT.port : SERVER.port,
    dstPort: fromC ? SERVER.port : CLIENT.port,
    seq: x.seq >>> 0,
    ack: flags & TcpFlag.ACK ? (x.ack ?? 0) >>> 0 : null,
    flags,
    window: x.win ?? 64240,
    payloadLen: x.len ?? 0,
    options: x.options ?? null,
    truncated: false,
    tunnel: 0,
    tunnelFlip: 0,
  };
}

/** A row of a sequence table: [dir, flags, seq, ack, len, expected client state, expected server state]. */
export type Row = [dir: 'c' | 's', flags: string, seq: number, ack: number | null, len: number, client: TcpState, server: TcpState];

export function tracker(opts: Partial<TrackerOptions> = {}, heuristic: string | null = null): ConnectionTracker {
  return new ConnectionTracker(0, CLIENT, SERVER, { mslSec: 30, allSegments: false, ...opts }, { heuristic, reusedFrom: null });
}

export interface Played {
  tr: ConnectionTracker;
  /** States after each row, as [client, server]. */
  states: Array<[TcpState, TcpState]>;
  record: ConnectionRecord;
}

/**
 * Plays rows through a tracker, packet numbers from 1, `dt` seconds apart, and returns the
 * states after each row (read back from the record's kept segments when allSegments is on).
 */
export function play(
  rows: Row[],
  opts: { dt?: number; t0?: number; options?: Record<number, TcpOptions>; msl?: number; heuristic?: string | null; endAfter?: number } = {},
): Played {
  const tr = tracker({ allSegments: true, mslSec: opts.msl ?? 30 }, opts.heuristic ?? null);
  const t0 = opts.t0 ?? 1_700_000_000;
  const dt = opts.dt ?? 0.01;
  rows.forEach(([dir, flags, seq, ack, len], i) => {
    tr.observe(mkSeg({ dir, flags, seq, ack, len, t: t0 + i * dt, packet: i + 1, options: opts.options?.[i + 1] ?? null }), dir === 'c');
  });
  const endT = t0 + (rows.length - 1) * dt + (opts.endAfter ?? 0);
  const sec = Math.floor(endT);
  const record = tr.finish(sec, Math.round((endT - sec) * 1e9));
  const states = record.segments.map((s) => [s.client, s.server] as [TcpState, TcpState]);
  return { tr, states, record };
}

/** Asserts rows' expected states against what play() produced; returns a readable mismatch list (empty when fine). */
export function mismatches(rows: Row[], p: Played): string[] {
  const out: string[] = [];
  rows.forEach((r, i) => {
    const got = p.states[i];
    if (!got || got[0] !== r[5] || got[1] !== r[6]) {
      out.push(`#${i + 1} ${r[0]} [${r[1]}] seq=${r[2]} ack=${r[3]}: want ${r[5]} | ${r[6]}, got ${got ? `${got[0]} | ${got[1]}` : 'nothing'}`);
    }
  });
  return out;
}

/** A segment for runTimed(): a SegSpec whose time is `at` seconds after the start. */
export type TimedSpec = Omit<SegSpec, 't' | 'packet'> & { at: number };

/**
 * Feeds `specs` (packets numbered from 1, times `t0 + at`) to one tracker that keeps every segment
 * and returns its record as of `t0 + 100`. A small `t0` keeps nanoseconds exact in a double.
 */
export function runTimed(specs: TimedSpec[], t0: number): ConnectionRecord {
  const tr = tracker({ allSegments: true });
  specs.forEach((s, i) => tr.observe(mkSeg({ ...s, t: t0 + s.at, packet: i + 1 }), s.dir === 'c'));
  return tr.finish(t0 + 100, 0);
}

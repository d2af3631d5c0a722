/**
 * Hand-built ConnectionRecords for the diagnose/ and check/ unit tests: a plain connection with
 * everything filled in, and scenario builders that state the model facts a real trace would
 * (timeline transitions, final states, open/close kinds), with times relative to `start`.
 */
import type { ConnectionRecord, Side, TcpState, Transition } from '../../src/tcp/model.js';
import { noOptions, SCHEMA } from '../../src/tcp/model.js';
import type { Report } from '../../src/diagnose/types.js';

/** `ip:port` or `[ip]:port` split into its parts. */
function parseEp(s: string): { ip: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m) throw new Error(`bad endpoint ${s}`);
  return { ip: m[1]!, port: Number(m[2]) };
}

/** Fields a test may set; everything else gets a healthy default. */
export interface ConnSpec {
  id?: number;
  client?: string;
  server?: string;
  /** Epoch seconds of the first packet. */
  start?: number;
  /** Seconds after start of the last packet. */
  duration?: number;
  /** First packet number of this connection (packets are numbered from here in timeline order). */
  firstPacket?: number;
}

let nextId = 0;

/** A connection with a complete three-way handshake and no close yet (both ESTABLISHED). */
export function conn(spec: ConnSpec = {}, patch: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const id = spec.id ?? nextId++;
  const c = parseEp(spec.client ?? `198.18.0.1:${40000 + (id % 20000)}`);
  const s = parseEp(spec.server ?? '198.18.0.2:80');
  const start = spec.start ?? 1_700_000_000;
  const p = spec.firstPacket ?? id * 100 + 1;
  const duration = spec.duration ?? 0.01;
  const timeline: Transition[] = [
    { packet: p, time: 0, side: 'client', from: 'CLOSED', to: 'SYN-SENT', why: 'sent SYN', code: null },
    { packet: p, time: 0, side: 'server', from: 'LISTEN', to: 'SYN-RECEIVED', why: 'received SYN', code: null },
    { packet: p + 1, time: 0.0005, side: 'client', from: 'SYN-SENT', to: 'ESTABLISHED', why: 'received SYN-ACK', code: null },
    { packet: p + 2, time: 0.001, side: 'server', from: 'SYN-RECEIVED', to: 'ESTABLISHED', why: 'received ACK of our SYN', code: null },
  ];
  const dir = { segments: 0, bytes: 0, retransmissions: 0, firstPacket: null, lastPacket: null };
  const base: ConnectionRecord = {
    id,
    client: { ...c, state: 'ESTABLISHED', stateBasis: 'observed', isn: 1000, options: noOptions(), segments: 2, bytes: 0 },
    server: { ...s, state: 'ESTABLISHED', stateBasis: 'observed', isn: 5000, options: noOptions(), segments: 1, bytes: 0 },
    start,
    end: start + duration,
    packets: 3,
    open: { kind: 'three-way', complete: true, rttMs: 1, packets: [p, p + 1, p + 2], heuristic: null, synRetransmits: null },
    close: { kind: 'none', initiator: null, dataAfterFin: 0, packets: [], reset: null },
    timeline,
    checks: [
      { id: 'synack-acks-isn', ok: true, packet: p + 1, expected: 1001, actual: 1001, side: 'server', message: 'SYN-ACK acknowledges ISN+1' },
      { id: 'handshake-ack-acks-isn', ok: true, packet: p + 2, expected: 5001, actual: 5001, side: 'client', message: 'ACK acknowledges ISN+1' },
    ],
    flags: { retransmissions: 0, outOfOrder: 0, dupAcks: 0, keepAlives: 0, zeroWindows: 0, lostSegments: 0, ackedUnseen: 0, duplicates: 0, reordered: 0 },
    zeek: { conn_state: 'S1', history: 'ShA', records: null },
    reusedFrom: null,
    segments: [],
    data: { client: { ...dir }, server: { ...dir } },
    keepAlive: null,
    notes: [],
    tunnel: null,
    metrics: null,
  };
  return { ...base, ...patch };
}

function other(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

/**
 * A four-way close begun by `closer` at `closeAt` s after start: the closer ends in TIME-WAIT
 * (or CLOSED when `expired`), the other side CLOSED.
 */
export function graceful(spec: ConnSpec & { closer?: Side; closeAt?: number; expired?: boolean } = {}): ConnectionRecord {
  const r = conn(spec);
  const a = spec.closer ?? 'client';
  const b = other(a);
  const t = spec.closeAt ?? 0.005;
  const p = r.open.packets[2]! + 1;
  const tl: Transition[] = [
    { packet: p, time: t, side: a, from: 'ESTABLISHED', to: 'FIN-WAIT-1', why: 'sent FIN', code: null },
    { packet: p, time: t, side: b, from: 'ESTABLISHED', to: 'CLOSE-WAIT', why: 'received FIN', code: null },
    { packet: p + 1, time: t + 0.0005, side: a, from: 'FIN-WAIT-1', to: 'FIN-WAIT-2', why: 'received ACK of our FIN', code: null },
    { packet: p + 2, time: t + 0.001, side: b, from: 'CLOSE-WAIT', to: 'LAST-ACK', why: 'sent FIN', code: null },
    { packet: p + 2, time: t + 0.001, side: a, from: 'FIN-WAIT-2', to: 'TIME-WAIT', why: 'received FIN', code: null },
    { packet: p + 3, time: t + 0.0015, side: b, from: 'LAST-ACK', to: 'CLOSED', why: 'received ACK of our FIN', code: null },
  ];
  r.timeline.push(...tl);
  r[a].state = spec.expired ? 'CLOSED' : 'TIME-WAIT';
  r[b].state = 'CLOSED';
  r.close = { kind: 'four-way', initiator: a, dataAfterFin: 0, packets: [p, p + 1, p + 2, p + 3], reset: null };
  r.end = Math.max(r.end, r.start + t + 0.0015);
  r.packets += 4;
  r.zeek = { conn_state: 'SF', history: 'ShAFaf', records: null };
  return r;
}

/** `closer` sent FIN at `finAt`, the other side acknowledged it and never closed (stays CLOSE-WAIT). */
export function closeWait(spec: ConnSpec & { closer?: Side; finAt?: number } = {}): ConnectionRecord {
  const r = conn(spec);
  const a = spec.closer ?? 'client';
  const b = other(a);
  const t = spec.finAt ?? 0.005;
  const p = r.open.packets[2]! + 1;
  r.timeline.push(
    { packet: p, time: t, side: a, from: 'ESTABLISHED', to: 'FIN-WAIT-1', why: 'sent FIN', code: null },
    { packet: p, time: t, side: b, from: 'ESTABLISHED', to: 'CLOSE-WAIT', why: 'received FIN', code: null },
    { packet: p + 1, time: t + 0.0005, side: a, from: 'FIN-WAIT-1', to: 'FIN-WAIT-2', why: 'received ACK of our FIN', code: null },
  );
  r[a].state = 'FIN-WAIT-2';
  r[b].state = 'CLOSE-WAIT';
  r[b].stateBasis = 'inferred';
  r.close = { kind: 'half-closed', initiator: a, dataAfterFin: 0, packets: [p, p + 1], reset: null };
  r.end = Math.max(r.end, r.start + t + 0.0005);
  return r;
}

/** An opening answered by RST-ACK. */
export function refused(spec: ConnSpec = {}): ConnectionRecord {
  const r = conn(spec);
  const p = r.open.packets[0]!;
  r.timeline = [
    { packet: p, time: 0, side: 'client', from: 'CLOSED', to: 'SYN-SENT', why: 'sent SYN', code: null },
    { packet: p + 1, time: 0.0002, side: 'client', from: 'SYN-SENT', to: 'CLOSED', why: 'received RST', code: null },
  ];
  r.client.state = 'CLOSED';
  r.server.state = 'CLOSED';
  r.server.isn = null;
  r.open = { kind: 'refused', complete: false, rttMs: null, packets: [p, p + 1], heuristic: null, synRetransmits: null };
  r.close = { kind: 'reset', initiator: 'server', dataAfterFin: 0, packets: [p + 1], reset: { by: 'server', state: 'CLOSED', packet: p + 1 } };
  r.checks = [];
  r.packets = 2;
  r.end = r.start + 0.0002;
  r.zeek = { conn_state: 'REJ', history: 'Sr', records: null };
  return r;
}

/** SYNs with no answer; `retransmits` are seconds after the first SYN. */
export function unanswered(spec: ConnSpec & { retransmits?: number[] } = {}): ConnectionRecord {
  const r = conn(spec);
  const re = spec.retransmits ?? [1, 3, 7];
  const p = r.open.packets[0]!;
  r.timeline = [
    { packet: p, time: 0, side: 'client', from: 'CLOSED', to: 'SYN-SENT', why: 'sent SYN', code: null },
    { packet: p, time: 0, side: 'server', from: 'LISTEN', to: 'SYN-RECEIVED', why: 'received SYN', code: null },
  ];
  r.client.state = 'SYN-SENT';
  r.server.state = 'SYN-RECEIVED';
  r.server.stateBasis = 'inferred';
  r.server.segments = 0;
  r.server.isn = null;
  r.client.segments = 1 + re.length;
  r.open = { kind: 'unanswered', complete: false, rttMs: null, packets: [p, ...re.map((_, i) => p + 1 + i)], synRetransmits: re, heuristic: null };
  r.checks = [];
  r.packets = 1 + re.length;
  r.end = r.start + (re[re.length - 1] ?? 0);
  r.zeek = { conn_state: 'S0', history: 'S', records: null };
  return r;
}

/** SYN, SYN-ACK, and no final ACK: the server stays in SYN-RECEIVED. */
export function halfOpen(spec: ConnSpec = {}): ConnectionRecord {
  const r = conn(spec);
  const p = r.open.packets[0]!;
  r.timeline = r.timeline.slice(0, 3);
  r.client.state = 'ESTABLISHED';
  r.server.state = 'SYN-RECEIVED';
  r.open = { kind: 'incomplete', complete: false, rttMs: null, packets: [p, p + 1], heuristic: null, synRetransmits: null };
  r.checks = r.checks.slice(0, 1);
  r.packets = 2;
  r.zeek = { conn_state: 'S1', history: 'Sh', records: null };
  return r;
}

/** Sets a final state (and the timeline transition into it) on one side. */
export function endIn(r: ConnectionRecord, side: Side, state: TcpState, packet: number, time = 0.002): ConnectionRecord {
  r.timeline.push({ packet, time, side, from: r[side].state, to: state, why: 'test', code: null });
  r[side].state = state;
  return r;
}

/** A report around records, as trace() would return it (no diagnostics unless given). */
export function report(connections: ConnectionRecord[], path = 'test.pcap'): Report {
  return {
    schema: SCHEMA,
    input: { path, format: 'pcap', linkTypes: ['ETHERNET'], packets: 0, tcpSegments: 0, skipped: {}, warnings: [], compression: null, drops: null },
    connections,
    summary: {
      connections: connections.length,
      byOpen: {},
      byClose: {},
      finalStates: { client: {}, server: {} },
      checksFailed: connections.reduce((n, c) => n + c.checks.filter((k) => !k.ok).length, 0),
      anomalies: {},
      tableFull: null,
    },
  };
}

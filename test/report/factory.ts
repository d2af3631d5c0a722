/**
 * Hand-built connection records for renderer tests: a ladder is written as a list of steps
 * (who sent what, and both states after it), and the factory fills in absolute numbers from the
 * ISNs, the timeline from the state changes, and the rest of the record with plain defaults.
 * These are test inputs for the renderers, not a model of TCP: the states are whatever the step
 * says.
 */
import type { Report } from '../../src/diagnose/types.js';
import {
  SCHEMA,
  type Check,
  type CheckId,
  type ConnectionRecord,
  type EndpointRecord,
  noOptions,
  type SegmentOptions,
  type SegmentFlag,
  type SegmentRecord,
  type Side,
  type TcpState,
  type Transition,
} from '../../src/tcp/model.js';

export const CLIENT_ISN = 1_000_000;
export const SERVER_ISN = 5_000_000;

/** One arrow of a ladder. */
export interface Step {
  from: Side;
  flags: string;
  /** Relative seq and ack (ack null without the ACK flag). */
  seq: number;
  ack: number | null;
  len?: number;
  win?: number;
  time: number;
  /** States after this segment. */
  client: TcpState;
  server: TcpState;
  options?: SegmentRecord['options'];
  analysis?: SegmentFlag[];
  /** Checks on this segment: [id, ok, expected rel, actual rel]. */
  checks?: Array<[CheckId, boolean, number | null, number | null]>;
}

const isnOf = (side: Side) => (side === 'client' ? CLIENT_ISN : SERVER_ISN);
const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');

/** A connection record from its steps; `over` replaces any top-level field. */
export function connection(steps: Step[], over: Partial<ConnectionRecord> = {}, firstPacket = 1): ConnectionRecord {
  const segments: SegmentRecord[] = [];
  const timeline: Transition[] = [];
  const checks: Check[] = [];
  let prevC: TcpState = over.timeline?.[0]?.from ?? 'CLOSED';
  let prevS: TcpState = 'LISTEN';
  steps.forEach((s, i) => {
    const packet = firstPacket + i;
    const seqAbs = (isnOf(s.from) + s.seq) >>> 0;
    const ackAbs = s.ack === null ? null : (isnOf(other(s.from)) + s.ack) >>> 0;
    segments.push({
      packet,
      time: s.time,
      from: s.from,
      flags: s.flags,
      seq: seqAbs,
      ack: ackAbs,
      relSeq: s.seq,
      relAck: s.ack,
      len: s.len ?? 0,
      window: s.win ?? 64240,
      // In the order tcp/segment-record.ts makes them, the order the JSON writer writes.
      client: s.client,
      server: s.server,
      analysis: s.analysis ?? [],
      checks: (s.checks ?? []).map(([id]) => id),
      options: s.options ?? null,
    });
    if (s.client !== prevC) timeline.push({ packet, time: s.time, side: 'client', from: prevC, to: s.client, why: '', code: null });
    if (s.server !== prevS) timeline.push({ packet, time: s.time, side: 'server', from: prevS, to: s.server, why: '', code: null });
    prevC = s.client;
    prevS = s.server;
    for (const [id, ok, e, a] of s.checks ?? []) {
      const base = isnOf(other(s.from));
      checks.push({
        id,
        ok,
        packet,
        expected: e === null ? null : (base + e) >>> 0,
        actual: a === null ? null : (base + a) >>> 0,
        side: s.from,
        message: ok ? 'ok' : `${id} failed`,
      });
    }
  });
  const last = steps[steps.length - 1];
  const endpoint = (side: Side, ip: string, port: number, fallback: TcpState): EndpointRecord => ({
    ip,
    port,
    state: last?.[side] ?? fallback,
    stateBasis: 'observed',
    isn: isnOf(side),
    options: negotiated(steps.find((s) => s.from === side && s.flags.includes('S'))?.options ?? null),
    segments: steps.filter((s) => s.from === side).length,
    bytes: 0,
  });
  const record: ConnectionRecord = {
    id: 0,
    client: endpoint('client', '198.18.0.1', 41000, 'CLOSED'),
    server: endpoint('server', '198.18.0.2', 80, 'LISTEN'),
    start: 1_764_000_000.25,
    end: 1_764_000_000.25 + (last?.time ?? 0),
    packets: steps.length,
    open: { kind: 'three-way', complete: true, rttMs: 0.052, packets: [firstPacket, firstPacket + 1, firstPacket + 2], heuristic: null, synRetransmits: null },
    close: { kind: 'none', initiator: null, dataAfterFin: 0, packets: [], reset: null },
    timeline,
    checks,
    flags: { retransmissions: 0, outOfOrder: 0, dupAcks: 0, keepAlives: 0, zeroWindows: 0, lostSegments: 0, ackedUnseen: 0, duplicates: 0, reordered: 0 },
    zeek: { conn_state: 'SF', history: 'ShADadFf', records: null },
    reusedFrom: null,
    segments,
    data: {
      client: { segments: 0, bytes: 0, retransmissions: 0, firstPacket: null, lastPacket: null },
      server: { segments: 0, bytes: 0, retransmissions: 0, firstPacket: null, lastPacket: null },
    },
    keepAlive: null,
    notes: [],
    tunnel: null,
    metrics: null,
  };
  return { ...record, ...over };
}

/** A SYN's options as the model writes them (every key). */
export function synOptions(o: Partial<SegmentOptions> = {}): SegmentOptions {
  return { ...noOptions(), sackPermitted: false, timestamps: false, sack: null, ...o };
}

/** An endpoint's negotiated options from its SYN's (no SACK blocks). */
function negotiated(o: SegmentOptions | null) {
  if (o === null) return noOptions();
  const { sack: _sack, ...rest } = o;
  return rest;
}

const OPTS = synOptions({ mss: 1460, wscale: 7, sackPermitted: true, timestamps: true });

/** SYN, SYN-ACK, ACK steps of a normal handshake. */
export function handshake(): Step[] {
  return [
    { from: 'client', flags: 'S', seq: 0, ack: null, time: 0, client: 'SYN-SENT', server: 'SYN-RECEIVED', options: OPTS },
    {
      from: 'server',
      flags: 'S.',
      seq: 0,
      ack: 1,
      time: 0.000041,
      client: 'ESTABLISHED',
      server: 'SYN-RECEIVED',
      options: OPTS,
      win: 65160,
      checks: [['synack-acks-isn', true, 1, 1]],
    },
    {
      from: 'client',
      flags: '.',
      seq: 1,
      ack: 1,
      time: 0.000052,
      client: 'ESTABLISHED',
      server: 'ESTABLISHED',
      win: 502,
      checks: [['handshake-ack-acks-isn', true, 1, 1]],
    },
  ];
}

/** A whole connection: handshake, 100 bytes each way (folded), client-first four-way close. */
export function classic(): ConnectionRecord {
  const steps: Step[] = [
    ...handshake(),
    { from: 'client', flags: 'F.', seq: 101, ack: 201, time: 0.01, client: 'FIN-WAIT-1', server: 'CLOSE-WAIT' },
    {
      from: 'server',
      flags: '.',
      seq: 201,
      ack: 102,
      time: 0.010041,
      client: 'FIN-WAIT-2',
      server: 'CLOSE-WAIT',
      checks: [['fin-acked', true, 102, 102]],
    },
    { from: 'server', flags: 'F.', seq: 201, ack: 102, time: 0.0102, client: 'TIME-WAIT', server: 'LAST-ACK' },
    {
      from: 'client',
      flags: '.',
      seq: 102,
      ack: 202,
      time: 0.010241,
      client: 'TIME-WAIT',
      server: 'CLOSED',
      checks: [['fin-acked', true, 202, 202]],
    },
  ];
  const c = connection(steps, {}, 1);
  // Packets 4..7 were the folded data; the close starts at 8.
  c.segments.slice(3).forEach((s, i) => (s.packet = 8 + i));
  for (const t of c.timeline) if (t.packet > 3) t.packet += 4;
  for (const k of c.checks) if (k.packet > 3) k.packet += 4;
  c.packets = 11;
  c.close = { kind: 'four-way', initiator: 'client', dataAfterFin: 0, packets: [8, 9, 10, 11], reset: null };
  c.data = {
    client: { segments: 2, bytes: 100, retransmissions: 0, firstPacket: 4, lastPacket: 6 },
    server: { segments: 2, bytes: 200, retransmissions: 1, firstPacket: 5, lastPacket: 7 },
  };
  c.client.bytes = 100;
  c.server.bytes = 200;
  return c;
}

/** A report around some connections, with a summary tallied from them. */
export function report(connections: ConnectionRecord[], over: Partial<Report['input']> = {}): Report {
  const byOpen: Record<string, number> = {};
  const byClose: Record<string, number> = {};
  const fc: Record<string, number> = {};
  const fs: Record<string, number> = {};
  for (const c of connections) {
    byOpen[c.open.kind] = (byOpen[c.open.kind] ?? 0) + 1;
    byClose[c.close.kind] = (byClose[c.close.kind] ?? 0) + 1;
    fc[c.client.state] = (fc[c.client.state] ?? 0) + 1;
    fs[c.server.state] = (fs[c.server.state] ?? 0) + 1;
  }
  return {
    schema: SCHEMA,
    input: {
      path: 'test.pcap',
      format: 'pcap',
      linkTypes: ['ETHERNET'],
      packets: connections.reduce((n, c) => n + c.packets, 0),
      tcpSegments: connections.reduce((n, c) => n + c.packets, 0),
      skipped: {},
      warnings: [],
      compression: null,
      drops: null,
      ...over,
    },
    connections,
    summary: {
      connections: connections.length,
      byOpen,
      byClose,
      finalStates: { client: fc, server: fs },
      checksFailed: connections.reduce((n, c) => n + c.checks.filter((k) => !k.ok).length, 0),
      anomalies: {},
      tableFull: null,
    },
  };
}

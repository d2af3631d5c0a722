/**
 * `computeMetrics(record)`: a connection's metrics from the segments its record kept. The record
 * must keep every segment (trace's `allSegments`) and, for the timestamp RTT, their timestamps
 * (`segmentTimestamps`); with only the exchanges kept the numbers describe those alone.
 *
 * One pass over the segments in capture order; nothing here runs per packet while tracing.
 */
import type { ConnectionRecord, SegmentRecord, Side } from '../tcp/model.js';
import { RETRANSMISSIONS_MAX, type ConnectionMetrics, type DirectionMetrics, type Retransmission } from '../tcp/metrics-model.js';
import { ByteRanges, Unwrapper } from './ranges.js';
import { AckRtt, TsRtt } from './rtt.js';

/** What one direction accumulates while the segments go by. */
class Direction {
  readonly seqs = new Unwrapper();
  /** The peer's ACKs of this direction's sequence space. */
  readonly acks = new Unwrapper();
  readonly seen = new ByteRanges();
  readonly ackRtt = new AckRtt();
  readonly tsRtt = new TsRtt();
  packets = 0;
  bytes = 0;
  unique = 0;
  retransBytes = 0;
  retransSegments = 0;
  /** The last window this side advertised (raw: only zero matters), −1 before any. */
  lastWindow = -1;
  zeroSince: number | null = null;
  zeroSec = 0;

  result(durationSec: number): DirectionMetrics {
    const rate = (b: number) => (durationSec > 0 ? Math.round(b / durationSec) : null);
    return {
      rtt: this.ackRtt.samples.stats(),
      tsRtt: this.tsRtt.samples.stats(),
      bytes: this.bytes,
      uniqueBytes: this.unique,
      retransmittedBytes: this.retransBytes,
      retransmittedSegments: this.retransSegments,
      throughputBps: rate(this.bytes),
      goodputBps: rate(this.unique),
      zeroWindowSec: Math.round(this.zeroSec * 1e6) / 1e6,
    };
  }
}

const has = (s: SegmentRecord, flag: string) => s.flags.includes(flag);

/** The metrics of `record`, from its kept segments. */
export function computeMetrics(record: ConnectionRecord): ConnectionMetrics {
  const dirs: Record<Side, Direction> = { client: new Direction(), server: new Direction() };
  const retransmissions: Retransmission[] = [];
  let omitted = 0;
  // From the segments' own times (seconds since the first packet, to the microsecond): the
  // record's epoch times are doubles near 2·10⁹, a quarter of a microsecond apart.
  const last = record.segments[record.segments.length - 1];
  const durationSec = last === undefined ? Math.max(0, record.end - record.start) : last.time;

  for (const s of record.segments) {
    // A frame captured twice is one segment (C tcptrace counts such "hardware duplicates" apart too).
    if (s.analysis.includes('duplicate')) continue;
    const d = dirs[s.from];
    const peer = dirs[s.from === 'client' ? 'server' : 'client'];
    const t = s.time;
    const syn = has(s, 'S');
    const fin = has(s, 'F');
    const rst = has(s, 'R');
    d.packets++;
    d.bytes += s.len;

    // A zero-window probe (the peer's last window was zero) is neither new nor retransmitted data
    // (C tcptrace: "don't consider for rexmit if the send window is 0").
    const probe = peer.lastWindow === 0 && peer.packets > 0;
    const seqLen = s.len + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (!probe && seqLen > 0) {
      const off = d.seqs.unwrap(s.relSeq);
      const dataStart = off + (syn ? 1 : 0);
      // SYN and FIN occupy a sequence number each but are not data: only the payload's overlap with
      // what was seen counts as retransmitted bytes.
      if (syn) d.seen.add(off, off + 1);
      const again = d.seen.add(dataStart, dataStart + s.len);
      if (fin) d.seen.add(dataStart + s.len, dataStart + s.len + 1);
      d.unique += s.len - again;
      d.retransBytes += again;
      if (again > 0) d.retransSegments++;
      d.ackRtt.sent(off, off + seqLen, t);
    }
    // An RST's ACK counts too (a refused SYN's round trip), as in C tcptrace.
    if (s.relAck !== null) peer.ackRtt.ack(peer.acks.unwrap(s.relAck), t);
    if (s.ts !== undefined) {
      d.tsRtt.sent(s.ts[0], t);
      if (s.ack !== null) peer.tsRtt.echo(s.ts[1], t);
    }
    if (s.analysis.includes('retransmission')) {
      if (retransmissions.length < RETRANSMISSIONS_MAX) {
        retransmissions.push({ packet: s.packet, time: t, from: s.from, relSeq: s.relSeq, len: s.len });
      } else omitted++;
    }
    // Window: an RST's says nothing (Linux sends 0); a SYN's is never zero in practice, but counts.
    if (!rst) {
      if (s.window === 0 && d.zeroSince === null) d.zeroSince = t;
      else if (s.window > 0 && d.zeroSince !== null) {
        d.zeroSec += t - d.zeroSince;
        d.zeroSince = null;
      }
      d.lastWindow = s.window;
    }
  }
  for (const d of [dirs.client, dirs.server]) {
    if (d.zeroSince !== null) d.zeroSec += Math.max(0, durationSec - d.zeroSince);
  }
  return {
    durationSec: Math.round(durationSec * 1e6) / 1e6,
    client: dirs.client.result(durationSec),
    server: dirs.server.result(durationSec),
    retransmissions,
    retransmissionsOmitted: omitted,
  };
}

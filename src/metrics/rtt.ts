/**
 * RTT samples of one direction, two ways.
 *
 * `AckRtt` follows C tcptrace (rexmit.c, `ack_in`/`rtt_ackin`), so the numbers can be compared:
 * each range of sequence space sent (a SYN or FIN counts one) is a segment; an ACK from the peer
 * marks every unacknowledged segment it covers as acknowledged, and gives a sample only for the one
 * whose end it acknowledges exactly, and only if that segment was never sent again (Karn's rule:
 * an ACK of a retransmitted segment is ambiguous), and only if no segment before it that the ACK
 * covers was sent after it (tcptrace's "post-loss acks": the segment waited while earlier losses
 * were repaired, so the time is not a round trip). A cumulative ACK of several segments samples
 * the last of them only.
 *
 * `TsRtt` uses timestamp echoes (RFC 7323 §4.3): a TSval first sent at t1 and first echoed by the
 * peer (TSecr) at t2 gives t2 − t1. It samples pure ACKs and retransmissions too, where ACK
 * matching cannot.
 */
import { Samples } from './stats.js';

interface Sent {
  start: number;
  end: number;
  time: number;
  retrans: number;
  acked: boolean;
}

export class AckRtt {
  readonly samples = new Samples();
  /** Segments in sequence order; entries before `head` are all acknowledged. */
  private readonly segs: Sent[] = [];
  private head = 0;
  /** The newest (re)transmission time among the segments before `head`. */
  private headTime = -Infinity;

  /** The sender sent [start, end) at `time` (seconds). */
  sent(start: number, end: number, time: number): void {
    const segs = this.segs;
    const last = segs[segs.length - 1];
    if (last === undefined || start >= last.end) {
      segs.push({ start, end, time, retrans: 0, acked: false });
      return;
    }
    // Overlaps what was sent: each overlapped segment is retransmitted (rexmit.c addseg); the
    // bytes no segment held yet become new segments, in order.
    const pieces: Sent[] = [];
    let from = start;
    for (let k = 0; k < segs.length && from < end; k++) {
      const s = segs[k]!;
      if (s.end <= from) continue;
      if (s.start >= end) break;
      if (from < s.start) pieces.push({ start: from, end: s.start, time, retrans: 0, acked: false });
      s.retrans++;
      s.time = time;
      from = Math.max(from, s.end);
    }
    if (from < end) pieces.push({ start: from, end, time, retrans: 0, acked: false });
    if (pieces.length > 0) {
      for (const p of pieces) segs.push(p);
      segs.sort((a, b) => a.start - b.start);
      this.head = 0;
      this.headTime = -Infinity;
    }
  }

  /** The peer acknowledged everything below `ack` at `time`. */
  ack(ack: number, time: number): void {
    const segs = this.segs;
    let k = this.head;
    while (k < segs.length && segs[k]!.acked) this.headTime = Math.max(this.headTime, segs[k++]!.time);
    this.head = k;
    let lastXmit = this.headTime;
    for (; k < segs.length; k++) {
      const s = segs[k]!;
      if (ack <= s.start) break;
      const before = lastXmit;
      if (s.time > lastXmit) lastXmit = s.time;
      if (s.acked) continue;
      s.acked = true;
      if (ack === s.end && s.retrans === 0 && !(before > s.time)) this.samples.add((time - s.time) * 1000);
    }
  }
}

export class TsRtt {
  readonly samples = new Samples();
  /** TSval → when it was first sent; deleted once echoed (a TSval is sampled once). */
  private readonly first = new Map<number, number>();
  private readonly echoed = new Set<number>();

  /** The sender sent TSval `val` at `time`. */
  sent(val: number, time: number): void {
    if (!this.first.has(val) && !this.echoed.has(val)) this.first.set(val, time);
  }

  /** The peer echoed `ecr` at `time`. */
  echo(ecr: number, time: number): void {
    const t = this.first.get(ecr);
    if (t === undefined) return;
    this.first.delete(ecr);
    this.echoed.add(ecr);
    this.samples.add((time - t) * 1000);
  }
}

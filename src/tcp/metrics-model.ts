/**
 * Per-connection metrics (`--metrics`, and behind the pictures of `--svg`/`--html`): computed after
 * the fact from a record that kept every segment, never on the per-packet path. Additive to the
 * record as its `metrics` key, null unless asked for (README's field table).
 *
 * A direction is named by its sender: `client` is what the client sent (its bytes, its
 * retransmissions, the RTT its segments saw, the zero window it advertised).
 */
import type { Side } from './model.js';

/** Round-trip time samples of one kind, milliseconds. */
export interface RttStats {
  samples: number;
  minMs: number;
  meanMs: number;
  maxMs: number;
  /** Population standard deviation (as C tcptrace's "RTT stdev"). */
  stddevMs: number;
}

/** One retransmitted segment on the retransmission timeline. */
export interface Retransmission {
  packet: number;
  /** Seconds since the connection's first packet. */
  time: number;
  from: Side;
  /** Sequence number relative to the sender's ISN. */
  relSeq: number;
  len: number;
}

export interface DirectionMetrics {
  /**
   * RTT from the peer's ACKs, C tcptrace's way: a segment (SYN and FIN count one byte) sent once and
   * acknowledged exactly at its end gives a sample (Karn: never a retransmitted one).
   */
  rtt: RttStats | null;
  /** RTT from timestamp echoes (RFC 7323): first send of a TSval to the peer's first echo of it. */
  tsRtt: RttStats | null;
  /** Payload bytes sent, counting retransmissions (C tcptrace's "actual data bytes"). */
  bytes: number;
  /** Bytes of sequence space sent for the first time (C tcptrace's "unique bytes sent"). */
  uniqueBytes: number;
  /** Bytes sent again (C tcptrace's "rexmt data bytes"); zero-window probes are neither. */
  retransmittedBytes: number;
  /** Segments carrying any retransmitted byte. */
  retransmittedSegments: number;
  /**
   * Bytes per second over the connection's duration: `bytes` (throughput) and `uniqueBytes`
   * (goodput, C tcptrace's "throughput"); null when the connection lasted no time.
   */
  throughputBps: number | null;
  goodputBps: number | null;
  /** Time this side advertised a zero receive window, seconds. */
  zeroWindowSec: number;
}

export interface ConnectionMetrics {
  /** Seconds from the first to the last packet (the rates' denominator). */
  durationSec: number;
  client: DirectionMetrics;
  server: DirectionMetrics;
  /** Retransmitted segments in capture order, at most RETRANSMISSIONS_MAX (then `retransmissionsOmitted`). */
  retransmissions: Retransmission[];
  retransmissionsOmitted: number;
}

/** The retransmission timeline's length cap: a pathological connection cannot make its record unbounded. */
export const RETRANSMISSIONS_MAX = 1000;

/**
 * A kept segment as the ladder draws it (SegmentRecord): flags spelled as tcpdump does, sequence
 * numbers absolute and relative, both endpoints' states after it, its analysis flags and the
 * checks it decided, and its options where they matter (SYNs, SACK blocks). Built only for the
 * opening and closing exchanges (every segment with --all), never for --summary.
 */
import { TcpFlag, type Segment, type TcpOptions } from '../decode/segment.js';
import { flagNames } from './analysis.js';
import { segmentChecks } from './checks.js';
import type { End } from './endpoint.js';
import { round6, tcpdumpFlags } from './format.js';
import type { CheckId, SegmentFlag, SegmentOptions, SegmentRecord, TcpState } from './model.js';
import { seqAdd } from './seq.js';

/** Shared, frozen empty lists for kept segments without analysis flags or checks (most of them). */
const NO_FLAGS: SegmentFlag[] = Object.freeze([]) as unknown as SegmentFlag[];
const NO_CHECKS: CheckId[] = Object.freeze([]) as unknown as CheckId[];

/**
 * A kept SYN's options as the record shows them. Connections of one capture mostly announce the
 * same few option sets, so equal ones are shared (frozen) instead of built per segment; Fast Open
 * cookies are not shared.
 */
const SYN_OPTIONS = new Map<number, Readonly<SegmentOptions>>();
const SYN_OPTIONS_MAX = 4096;

/** Segment `seg` sent by `S` to `R` at `t` s into the connection, with the states after it and its analysis `mask`. */
export function segmentRecord(seg: Segment, S: End, R: End, client: TcpState, server: TcpState, t: number, mask: number): SegmentRecord {
  const f = seg.flags;
  const rec: SegmentRecord = {
    packet: seg.packet,
    time: round6(t),
    from: S.name,
    flags: tcpdumpFlags(f),
    seq: seg.seq,
    ack: seg.ack,
    relSeq: S.t.base === null ? seg.seq : seqAdd(seg.seq, -S.t.base),
    relAck: seg.ack === null ? null : R.t.base === null ? seg.ack : seqAdd(seg.ack, -R.t.base),
    len: seg.payloadLen,
    window: seg.window,
    client,
    server,
    analysis: mask === 0 ? NO_FLAGS : flagNames(mask),
    checks: segmentChecks(NO_CHECKS),
    options: null,
  };
  const o = seg.options;
  const sackBlocks = o !== null && o.sack !== undefined && o.sack.length > 0;
  if (f & TcpFlag.SYN && !sackBlocks && (o === null || o.fastOpen === undefined)) {
    rec.options = synOptions(o);
  } else if (f & TcpFlag.SYN || sackBlocks) {
    const syn = (f & TcpFlag.SYN) !== 0;
    rec.options = {
      mss: syn ? (o?.mss ?? null) : null,
      wscale: syn ? (o?.wscale ?? null) : null,
      sackPermitted: syn ? o?.sackPermitted === true : null,
      timestamps: syn ? o?.tsVal !== undefined : null,
      fastOpenCookie: syn ? (o?.fastOpen?.cookie ?? null) : null,
      sack: sackBlocks ? o!.sack!.map(([l, r]) => [l, r] as [number, number]) : null,
    };
  }
  return rec;
}

/** The options object of a kept SYN without Fast Open or SACK blocks (shared, see SYN_OPTIONS). */
function synOptions(o: TcpOptions | null): SegmentOptions {
  const mss = o?.mss ?? null;
  const wscale = o?.wscale ?? null;
  const sackPermitted = o?.sackPermitted === true;
  const timestamps = o?.tsVal !== undefined && o !== null;
  // 17 bits of MSS (65536: none), 9 of window scale (256: none), SACK-permitted, timestamps.
  const key = (((mss ?? 65536) * 512 + (wscale ?? 256)) * 2 + (sackPermitted ? 1 : 0)) * 2 + (timestamps ? 1 : 0);
  const hit = SYN_OPTIONS.get(key);
  if (hit !== undefined) return hit as SegmentOptions;
  const opt: SegmentOptions = { mss, wscale, sackPermitted, timestamps, fastOpenCookie: null, sack: null };
  if (SYN_OPTIONS.size < SYN_OPTIONS_MAX) SYN_OPTIONS.set(key, Object.freeze(opt));
  return opt;
}

/** A copy of a kept segment that a later change to the tracker's own cannot reach. */
export function copySegment(r: SegmentRecord): SegmentRecord {
  return { ...r, checks: r.checks.length === 0 ? NO_CHECKS : r.checks.slice() };
}

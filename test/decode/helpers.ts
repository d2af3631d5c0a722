/** Shared helpers for the decoder tests: hex byte arrays and frames around them. */
import type { Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import type { Segment } from '../../src/decode/segment.js';
import { concat } from '../helpers/bytes.js';

/** Bytes from hex text; whitespace is ignored so layers can be written one per line. */
export function hex(...parts: string[]): Uint8Array {
  const s = parts.join('').replace(/\s+/g, '');
  if (s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s)) throw new Error(`bad hex: ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export { concat };

/** `n` copies of byte `v`. */
export function fill(n: number, v: number): Uint8Array {
  return new Uint8Array(n).fill(v);
}

export interface FrameOpts {
  /** Bytes on the wire (default: the byte array's length). */
  wireLen?: number;
  /** Bytes captured (default: the byte array's length); the array is not cut, the frame says less. */
  capLen?: number;
  /** Put the frame at this offset inside a larger buffer filled with 0xee (checks offset handling). */
  offset?: number;
  index?: number;
}

/** A Frame over `bytes`, as a capture source would hand it over. */
export function frame(linkType: number, bytes: Uint8Array, opts: FrameOpts = {}): Frame {
  const offset = opts.offset ?? 0;
  const buf = new Uint8Array(offset + bytes.length + 16).fill(0xee);
  buf.set(bytes, offset);
  return {
    index: opts.index ?? 1,
    tsSec: 1_700_000_000,
    tsNsec: 123_456_789,
    linkType,
    iface: 0,
    buf,
    offset,
    capLen: opts.capLen ?? bytes.length,
    wireLen: opts.wireLen ?? bytes.length,
  };
}

/** Decodes and insists on a segment (the failure message names the skip reason). */
export function seg(linkType: number, bytes: Uint8Array, opts: FrameOpts = {}): Segment {
  const r = decodeFrame(frame(linkType, bytes, opts));
  if (typeof r === 'string') throw new Error(`expected a segment, got '${r}'`);
  return r;
}

/** Decodes and returns the skip reason (or 'segment'). */
export function skip(linkType: number, bytes: Uint8Array, opts: FrameOpts = {}): string {
  const r = decodeFrame(frame(linkType, bytes, opts));
  return typeof r === 'string' ? r : 'segment';
}

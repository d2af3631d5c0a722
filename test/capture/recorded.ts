/**
 * The packets of a real recorded fixture (fixtures/*.pcap, see fixtures/record.sh), read by the
 * real reader, for tests that wrap real packets in crafted files: hostile timestamps, or one
 * segment copied a hundred thousand times. The TCP in them is what a kernel sent; only the
 * capture-file fields around them are chosen by the test.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type FrameData } from './build.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every frame of `fixtures/<name>`, copied out of the reader. */
export function recordedFrames(name: string): FrameData[] {
  const r = parse(readFileSync(path.join(ROOT, 'fixtures', name)), [], name);
  if (r.error !== undefined) throw new Error(r.error);
  return r.frames;
}

/**
 * fixtures/handshake-client-close.pcap's first four packets (Ethernet, 198.18.0.1:41001 →
 * 198.18.0.2:4700): SYN, SYN-ACK, ACK, then the client's first data segment (100 bytes, PSH+ACK).
 */
export function recordedHandshake(): FrameData[] {
  const f = recordedFrames('handshake-client-close.pcap').slice(0, 4);
  if (f.length !== 4 || f[3]!.capLen <= 54) throw new Error('the fixture changed: expected SYN, SYN-ACK, ACK, data');
  return f;
}

/**
 * What every layer declares about a segment's length, and the IPv4 id, against tshark on public
 * captures (fixtures/arkime, see its README: Arkime's test captures, Apache 2.0, and one capture
 * crafted from them, marked CRAFTED). The oracle is each capture's NAME.tshark.tsv (tshark 4.0.17:
 * tcp.len, frame.len, pppoe.payload_length, ip.len, ip.id), so the test needs no tshark.
 *
 * - The payload length is the smallest any layer allows: the PPPoE session header's length
 *   (RFC 2516 §4), the IP total length, the frame's wire length. A segment whose IP length runs
 *   past what PPPoE declared is `truncated` (the IP header claimed more than was carried).
 * - `ipId` is IPv4's Identification field; -1 for IPv6, which has none.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { openCapture } from '../../src/capture/open.js';
import { decodeFrame } from '../../src/decode/decode-frame.js';
import type { Segment } from '../../src/decode/segment.js';
import { seg, skip } from './helpers.js';
import { readTsv } from '../helpers/tsv.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

const tsv = (path: string) => readTsv(join(FIXTURES, path));

/** Every frame of a capture decoded, with a copy of its bytes (for re-framing under another link type). */
async function decodeAll(path: string): Promise<Array<{ seg: Segment | string; bytes: Uint8Array }>> {
  const out: Array<{ seg: Segment | string; bytes: Uint8Array }> = [];
  await openCapture(join(FIXTURES, path)).run({
    frame(f: Frame) {
      out.push({ seg: decodeFrame(f), bytes: f.buf.slice(f.offset, f.offset + f.capLen) });
    },
  });
  return out;
}

const asSeg = (s: Segment | string): Segment => {
  if (typeof s === 'string') throw new Error(`expected a segment, got '${s}'`);
  return s;
};

describe('PPPoE: the smallest declared length wins', () => {
  it('pppoe.pcap (real): every payload length and IPv4 id equal tshark, nothing truncated', async () => {
    const truth = tsv('arkime/pppoe.tshark.tsv');
    const ours = await decodeAll('arkime/pppoe.pcap');
    expect(ours).toHaveLength(truth.length);
    truth.forEach((t, i) => {
      const s = asSeg(ours[i]!.seg);
      // The PPPoE length counts the 2-byte PPP protocol field, then the IP packet.
      expect(Number(t['pppoe.payload_length'])).toBe(Number(t['ip.len']) + 2);
      expect([s.payloadLen, s.ipId, s.truncated]).toEqual([Number(t['tcp.len']), parseInt(t['ip.id']!, 16), false]);
    });
  });

  it('pppoe-iplen.crafted.pcap (CRAFTED): an IP total length past the PPPoE length is not believed', async () => {
    const truth = tsv('arkime/pppoe-iplen.crafted.tshark.tsv');
    const ours = await decodeAll('arkime/pppoe-iplen.crafted.pcap');
    expect(ours).toHaveLength(truth.length);
    const clamped: number[] = [];
    truth.forEach((t, i) => {
      const s = asSeg(ours[i]!.seg);
      expect(s.payloadLen).toBe(Number(t['tcp.len']));
      const over = Number(t['ip.len']) + 2 > Number(t['pppoe.payload_length']);
      expect(s.truncated).toBe(over);
      if (over) clamped.push(s.packet);
    });
    // The two pure ACKs whose IP length says 6 bytes more than PPPoE carried (and 6 bytes follow).
    expect(clamped).toEqual([3, 7]);
    expect(truth.filter((t) => t['frame.number'] === '3').map((t) => [t['ip.len'], t['pppoe.payload_length'], t['tcp.len']])).toEqual([['46', '42', '0']]);
  });

  it('LINKTYPE_PPP_ETHER (51), the PPPoE header without Ethernet: the same rule', async () => {
    const frames = await decodeAll('arkime/pppoe-iplen.crafted.pcap');
    const ack = frames[2]!.bytes.subarray(14); // frame 3 without its Ethernet header
    const s = seg(51, ack);
    expect([s.payloadLen, s.truncated, s.ipId]).toEqual([0, true, 0x013d]);
    // A PPPoE length too short for the IP header it announces: nothing is believed.
    const short = ack.slice();
    short[4] = 0;
    short[5] = 2; // the PPP protocol field only
    expect(skip(51, short)).toBe('malformed');
  });
});

describe('ipId', () => {
  it('IPv4: the Identification field of every frame (imap.pcap, real), as tshark reads it', async () => {
    const truth = tsv('arkime/imap.tshark.tsv');
    const ours = await decodeAll('arkime/imap.pcap');
    expect(ours).toHaveLength(truth.length);
    let n = 0;
    truth.forEach((t, i) => {
      const s = ours[i]!.seg;
      if (typeof s === 'string') return; // the UDP frames
      expect(s.ipId).toBe(parseInt(t['ip.id']!, 16));
      n++;
    });
    expect(n).toBeGreaterThan(100);
  });

  it('IPv6: -1 (fixtures/ipv6.pcap, a kernel recording)', async () => {
    const ours = await decodeAll('ipv6.pcap');
    expect(ours.length).toBeGreaterThan(5);
    for (const { seg: s } of ours) expect([asSeg(s).ipVersion, asSeg(s).ipId]).toEqual([6, -1]);
  });
});

/**
 * Outer fragment reassembly (decode/reassembly.ts): a tunnelled datagram cut into IP fragments is
 * decoded whole at the frame that completes it, in any order; duplicates are ignored; overlaps,
 * timeouts, limits and snaplen cuts drop the chain and are counted; TCP's own fragments are not
 * reassembled (the first one is decoded, truncated, as before).
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { decodeFrame, newDecodeContext, skipKey, type DecodeContext } from '../../src/decode/decode-frame.js';
import { Reassembler } from '../../src/decode/reassembly.js';
import { TunnelPaths } from '../../src/decode/tunnel-path.js';
import { be16, concat, eth, hex, ipv4, tcpSyn, udp, v6, vxlan } from './tunnel-frames.js';

/** The UDP datagram (VXLAN around the inner SYN, with 40 bytes of inner payload) that gets fragmented. */
const INNER = ipv4(6, '198.19.0.1', '198.19.0.2', tcpSyn(40000, 80, 5, new Uint8Array(40).fill(0x61)));
const DATAGRAM = udp(50000, 4789, vxlan(42, eth(0x0800, INNER)));

/** IPv4 fragments of DATAGRAM at the given byte offsets (multiples of 8). */
function frags4(cuts: number[], id = 0x77, data = DATAGRAM): Uint8Array[] {
  const edges = [0, ...cuts, data.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const more = i + 2 < edges.length;
    const piece = data.subarray(edges[i]!, edges[i + 1]!);
    out.push(eth(0x0800, ipv4(17, '198.18.0.1', '198.18.0.2', piece, { id, frag: (more ? 0x2000 : 0) | (edges[i]! >> 3) })));
  }
  return out;
}

/** IPv6 fragments (fragment header, RFC 8200 §4.5) of DATAGRAM. */
function frags6(cuts: number[], id = 0x01020304): Uint8Array[] {
  const edges = [0, ...cuts, DATAGRAM.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    const more = i + 2 < edges.length;
    const piece = DATAGRAM.subarray(edges[i]!, edges[i + 1]!);
    const fh = concat(new Uint8Array([17, 0]), be16(edges[i]! | (more ? 1 : 0)), be16(id >>> 16), be16(id & 0xffff));
    const payload = concat(fh, piece);
    out.push(eth(0x86dd, concat(hex('60000000'), be16(payload.length), new Uint8Array([44, 64]), v6(1), v6(2), payload)));
  }
  return out;
}

let index = 0;
function fr(bytes: Uint8Array, tsSec = 1000, capLen = bytes.length): Frame {
  return { index: ++index, tsSec, tsNsec: 0, linkType: 1, iface: 0, buf: bytes, offset: 0, capLen, wireLen: bytes.length };
}

/** Decodes frames in order; the skip keys and the segments (as "sport>dport len"). */
function run(frames: Array<Uint8Array | Frame>, ctx: DecodeContext = newDecodeContext()): string[] {
  return frames.map((f) => {
    const r = decodeFrame(f instanceof Uint8Array ? fr(f) : f, ctx);
    return typeof r === 'string' ? skipKey(r) : `${r.srcPort}>${r.dstPort} ${r.payloadLen}${r.truncated ? ' truncated' : ''} t${r.tunnel}`;
  });
}

const WHOLE = '40000>80 40 t1';

describe('IPv4 fragments of a tunnelled datagram', () => {
  it('in order: the last fragment completes it and carries the inner segment', () => {
    const ctx = newDecodeContext();
    expect(run(frags4([24, 48]), ctx)).toEqual(['fragment', 'fragment', WHOLE]);
    expect(ctx.reasm!.stats.datagrams).toBe(1);
    expect(ctx.reasm!.pending).toBe(0);
  });
  it('any order, and an exact duplicate is ignored', () => {
    const [a, b, c] = frags4([24, 48]);
    expect(run([c!, a!, b!])).toEqual(['fragment', 'fragment', WHOLE]);
    expect(run([b!, b!, a!, c!])).toEqual(['fragment', 'fragment', 'fragment', WHOLE]);
  });
  it('an overlapping fragment with other bytes drops the chain (RFC 5722; Linux does the same for IPv4)', () => {
    const ctx = newDecodeContext();
    const [a, b] = frags4([24]);
    const evil = frags4([16], 0x77, concat(DATAGRAM.subarray(0, 16), new Uint8Array(DATAGRAM.length - 16).fill(0xee)));
    expect(run([a!, evil[1]!, b!], ctx)).toEqual(['fragment', 'fragment', 'fragment']);
    expect(ctx.reasm!.stats.overlaps).toBe(1);
    expect(ctx.reasm!.finish().incomplete).toBe(1);
  });
  it('a chain older than 30 s of capture time is dropped', () => {
    const ctx = newDecodeContext();
    const [a, b] = frags4([24]);
    expect(run([fr(a!, 1000), fr(b!, 1031)], ctx)).toEqual(['fragment', 'fragment']);
    expect(ctx.reasm!.stats.timedOut).toBe(1);
    expect(run([fr(a!, 1000), fr(b!, 1029)])).toEqual(['fragment', WHOLE]);
  });
  it('limits: chains, fragments per chain, bytes', () => {
    const few: DecodeContext = { paths: new TunnelPaths(), reasm: new Reassembler({ maxChains: 2 }) };
    const x = frags4([24], 1);
    const y = frags4([24], 2);
    const z = frags4([24], 3);
    // The third chain pushes out the oldest (x); z and y still complete.
    expect(run([x[0]!, y[0]!, z[0]!, z[1]!, y[1]!], few)).toEqual(['fragment', 'fragment', 'fragment', WHOLE, WHOLE]);
    expect(few.reasm!.stats.overLimit).toBe(1);
    const tiny: DecodeContext = { paths: new TunnelPaths(), reasm: new Reassembler({ maxFragments: 3 }) };
    expect(run(frags4([8, 16, 24, 32]), tiny).at(-1)).toBe('fragment');
    expect(tiny.reasm!.stats.overLimit).toBe(1);
    const small: DecodeContext = { paths: new TunnelPaths(), reasm: new Reassembler({ maxBytes: 128 }) };
    // Each fragment would need a 256-byte buffer: both are refused.
    expect(run(frags4([24]), small)).toEqual(['fragment', 'fragment']);
    expect(small.reasm!.stats.overLimit).toBe(2);
  });
  it('a fragment the snaplen cut cannot be stored; a non-last fragment not a multiple of 8 is invalid', () => {
    const ctx = newDecodeContext();
    const [a, b] = frags4([24]);
    expect(run([fr(a!, 1000, a!.length - 4), b!], ctx)).toEqual(['fragment', 'fragment']);
    expect(ctx.reasm!.stats.truncated).toBe(1);
    const odd = newDecodeContext();
    const bad = eth(0x0800, ipv4(17, '198.18.0.1', '198.18.0.2', DATAGRAM.subarray(0, 20), { id: 5, frag: 0x2000 }));
    expect(run([bad], odd)).toEqual(['fragment']);
    expect(odd.reasm!.stats.invalid).toBe(1);
  });
  it('a reassembled datagram that is plain UDP is counted once, as udp', () => {
    const dns = udp(5353, 53, new Uint8Array(64));
    expect(run(frags4([32], 9, dns))).toEqual(['fragment', 'udp']);
  });
  it('without a reassembler (decodeFrame with no context) fragments are skipped as before', () => {
    expect(
      frags4([24, 48]).map((f) => {
        const r = decodeFrame(fr(f));
        return typeof r === 'string' ? r : 'segment';
      }),
    ).toEqual(['udp', 'fragment', 'fragment']);
  });
  it('TCP’s own fragments are not reassembled: the first is decoded (truncated), the rest are fragments', () => {
    const seg = tcpSyn(40000, 80, 5, new Uint8Array(40));
    const first = eth(0x0800, ipv4(6, '198.18.0.1', '198.18.0.2', seg.subarray(0, 32), { frag: 0x2000 }));
    const rest = eth(0x0800, ipv4(6, '198.18.0.1', '198.18.0.2', seg.subarray(32), { frag: 4 }));
    expect(run([first, rest])).toEqual(['40000>80 12 truncated t0', 'fragment']);
  });
});

describe('IPv6 fragments of a tunnelled datagram', () => {
  it('reassembled through the fragment header, in any order', () => {
    const [a, b, c] = frags6([24, 48]);
    expect(run([b!, c!, a!])).toEqual(['fragment', 'fragment', WHOLE]);
  });
  it('an atomic fragment (offset 0, no more fragments) needs no reassembly', () => {
    expect(run(frags6([]))).toEqual([WHOLE]);
  });
});

describe('the inner segment keeps its own addresses', () => {
  it('outer fragments, inner TCP', () => {
    const ctx = newDecodeContext();
    const frames = frags4([24, 48]);
    run(frames.slice(0, 2), ctx);
    const r = decodeFrame(fr(frames[2]!), ctx);
    if (typeof r === 'string') throw new Error(r);
    expect([r.src0, r.dst0]).toEqual([0xc6130001, 0xc6130002]);
    expect(ctx.paths.describe(r.tunnel, r.tunnelFlip)).toEqual([{ type: 'vxlan', outer: '198.18.0.1 -> 198.18.0.2', id: 42 }]);
  });
});

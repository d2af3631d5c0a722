/**
 * Hostile input: decodeFrame sees whatever a capture file holds, so these are real assertions.
 * Random bytes reach only the first layers; mutated real frames (smoltcp's fuzz seed corpus
 * idea) reach the IP, TCP and option parsers.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { decodeFrame, newDecodeContext, SKIP_REASONS, SUPPORTED_LINK_TYPES } from '../../src/decode/decode-frame.js';
import { Reassembler } from '../../src/decode/reassembly.js';
import type { Segment } from '../../src/decode/segment.js';
import { TunnelPaths } from '../../src/decode/tunnel-path.js';
import { hex } from './helpers.js';
import { concat, eth, geneve, gre, gtpu, INNER4, INNER6, ipv4, ipv6, overUdp4, udp, vxlan } from './tunnel-frames.js';

// Real frames as seeds (see decode-frame.test.ts for their sources): Ethernet/IPv4 SYN with
// options, Ethernet/IPv6 with hop-by-hop + destination options, SLL2, raw IPv4 with an unknown option.
const SEEDS: Array<[number, Uint8Array]> = [
  [
    1,
    hex(
      '18fd740745cd000c29f78012 0800 4500003c000040004006 1a4f1f8592f842e42b0c 40310050741d4a2d00000000a1c2ffff209c0000 020405b4010303060402080a06af3c1500000000',
    ),
  ],
  [
    1,
    hex(
      'f6ce0eff497fb69257a6cf73 86dd 600ae30300380040 20010db8000100000000000000000001 20010db8000200000000000000000001',
      '3c00010400000000 0600010400000000 85be1f907659ac8e00000000a002fd205ba50000 020405a00402080a2d6524e6000000000103030a',
    ),
  ],
  [
    276,
    hex(
      '0800000000000002000104 06b69257a6cf730000 4500003cedf340004006bda1c6120101c6120201 8d001f9016f46acc00000000a002faf08f550000 020405b40402080a56e04143000000000103030a',
    ),
  ],
  [101, hex('4500002c00000000ff06ed05c0000201c0a84c1c d9bb1f900000000181bdc2866014 0100f4700000 1e048000')],
  [9, hex('ff030281 18930d40 45c000479f0f00004006b6ca0c0404040c080808 100400b36ee724a6b0fe802780184000fd1b0000 0101080a050db418050d7dbe')],
  // IPv4 first fragment (headers only: the IP length outruns the frame), in QinQ tags
  [
    1,
    hex(
      'b28c712402ec4ab30f00612c 88a8 0064 8100 00c8 0800 450004fc0bab20003f06bc2ac6120101c6120201 c5461f90b4f7f8b37b5c82f78010003ffbeb0000 0101080a0b6c6f6acc9958c8',
    ),
  ],
  // IPv6 first fragment (crafted as in decode-frame.test.ts), over NULL
  [
    0,
    hex(
      '1c000000 600ae30300300640 20010db8000100000000000000000001 20010db8000200000000000000000001 06000001 0000abcd 85be1f907659ac8e00000000a002fd205ba50000 020405a00402080a2d6524e6000000000103030a',
    ),
  ],
  // Tunnels (tunnel-frames.ts builds them as the RFCs lay them out; tunnels.test.ts decodes each):
  // VXLAN, Geneve with an option, GTP-U with an extension header, Teredo with an origin indicator,
  // GRE/ERSPAN II/VXLAN nested, keyed GRE, 4in6, NFLOG, Juniper Ethernet.
  [1, overUdp4(4789, vxlan(42, eth(0x0800, INNER4)))],
  [1, overUdp4(6081, geneve(9, 0x6558, eth(0x86dd, INNER6), hex('0103 0102 00000000')))],
  [1, overUdp4(2152, gtpu(7, INNER4, [hex('01 0009 00')], 0x85))],
  [1, overUdp4(3544, concat(hex('0000 f185 3f57fefd'), INNER6))],
  [
    1,
    eth(
      0x0800,
      ipv4(
        47,
        '198.18.0.1',
        '198.18.0.2',
        gre(
          0x1000,
          0x88be,
          [1],
          concat(hex('1000 0014 00000000'), eth(0x0800, ipv4(17, '198.18.1.1', '198.18.1.2', udp(1, 4789, vxlan(5, eth(0x0800, INNER4)))))),
        ),
      ),
    ),
  ],
  [1, eth(0x0800, ipv4(47, '198.18.0.1', '198.18.0.2', gre(0xb000, 0x6558, [0, 7, 1], eth(0x0800, INNER4))))],
  [1, eth(0x86dd, ipv6(4, 1, 2, INNER4))],
  [239, concat(hex('02 00 0000'), new Uint8Array([8, 0, 1, 0]), hex('0800 0300'), new Uint8Array([4 + INNER4.length, 0, 9, 0]), INNER4)],
  [178, concat(hex('4d4743 80 0004 01020304'), eth(0x0800, INNER4))],
];

const REASONS = new Set<string>(SKIP_REASONS);
const U32 = 0x1_0000_0000;

function asFrame(linkType: number, bytes: Uint8Array, capLen: number, wireLen: number, offset: number, tail: number): Frame {
  const buf = new Uint8Array(offset + bytes.length + 32).fill(tail);
  buf.set(bytes, offset);
  return { index: 1, tsSec: 0, tsNsec: 0, linkType, iface: 0, buf, offset, capLen, wireLen };
}

/** Every invariant a result must hold, whatever the input. */
function checkResult(r: Segment | string): void {
  if (typeof r === 'string') {
    expect(REASONS.has(r)).toBe(true);
    return;
  }
  expect(Number.isInteger(r.tunnel) && r.tunnel >= 0).toBe(true);
  expect(Number.isInteger(r.tunnelFlip) && r.tunnelFlip >= 0 && r.tunnelFlip < 256).toBe(true);
  expect(Number.isSafeInteger(r.payloadLen) && r.payloadLen >= 0).toBe(true);
  for (const v of [r.seq, r.src0, r.src1, r.src2, r.src3, r.dst0, r.dst1, r.dst2, r.dst3]) {
    expect(Number.isInteger(v) && v >= 0 && v < U32).toBe(true);
  }
  if (r.ack !== null) expect(Number.isInteger(r.ack) && r.ack >= 0 && r.ack < U32).toBe(true);
  expect(r.ack === null).toBe((r.flags & 0x10) === 0);
  for (const v of [r.srcPort, r.dstPort, r.window]) expect(Number.isInteger(v) && v >= 0 && v <= 0xffff).toBe(true);
  expect(r.flags >= 0 && r.flags <= 0x1ff).toBe(true);
  expect(r.ipVersion === 4 || r.ipVersion === 6).toBe(true);
  if (r.ipVersion === 4) expect([r.src1, r.src2, r.src3, r.dst1, r.dst2, r.dst3]).toEqual([0, 0, 0, 0, 0, 0]);
  expect(typeof r.truncated).toBe('boolean');
  if (r.options !== null) {
    const o = r.options;
    expect(Object.keys(o).length).toBeGreaterThan(0);
    if (o.mss !== undefined) expect(o.mss >= 0 && o.mss <= 0xffff).toBe(true);
    if (o.wscale !== undefined) expect(o.wscale >= 0 && o.wscale <= 255).toBe(true);
    if (o.sack !== undefined) {
      expect(o.sack.length).toBeGreaterThan(0);
      expect(o.sack.length).toBeLessThanOrEqual(4); // 40 bytes of options hold at most 4 blocks
    }
    if (o.fastOpen !== undefined) expect(o.fastOpen.cookie).toMatch(/^([0-9a-f]{2}){0}$|^([0-9a-f]{2}){4,16}$/);
  }
}

const linkType = fc.oneof(fc.constantFrom(...SUPPORTED_LINK_TYPES), fc.integer({ min: 0, max: 0xffff }));

/** A seed frame with random edits: byte overwrites, a cut, and lying lengths. */
const mutated = fc
  .record({
    seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.nat(),
    wireExtra: fc.oneof(fc.constant(0), fc.nat(), fc.integer({ min: -100, max: 0 })),
    linkShuffle: fc.boolean(),
    lt: linkType,
  })
  .map(({ seed, edits, cut, wireExtra, linkShuffle, lt }) => {
    const [seedLt, seedBytes] = SEEDS[seed]!;
    const bytes = seedBytes.slice();
    for (const [at, v] of edits) bytes[at % bytes.length] = v;
    const capLen = cut % (bytes.length + 1);
    return { linkType: linkShuffle ? lt : seedLt, bytes, capLen, wireLen: Math.max(0, bytes.length + wireExtra) };
  });

describe('decodeFrame on hostile input', () => {
  fc.configureGlobal({ interruptAfterTimeLimit: 8_000, markInterruptAsFailure: false });

  it('random bytes, any link type: never throws, every result well-formed', () => {
    fc.assert(
      fc.property(linkType, fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat({ max: 64 }), (lt, bytes, wire, offset) => {
        const f = asFrame(lt, bytes, bytes.length, wire % 70000, offset, 0);
        checkResult(decodeFrame(f));
      }),
      { numRuns: 20_000 },
    );
  });

  it('mutated real frames: never throws, every result well-formed', () => {
    fc.assert(
      fc.property(mutated, ({ linkType: lt, bytes, capLen, wireLen }) => {
        checkResult(decodeFrame(asFrame(lt, bytes, capLen, wireLen, 3, 0)));
      }),
      { numRuns: 50_000 },
    );
  });

  it('never reads past capLen: bytes beyond it do not change the result', () => {
    fc.assert(
      fc.property(mutated, fc.integer({ min: 0, max: 255 }), ({ linkType: lt, bytes, capLen, wireLen }, tail) => {
        const a = decodeFrame(asFrame(lt, bytes.slice(0, capLen), capLen, wireLen, 5, 0x00));
        const b = decodeFrame(asFrame(lt, bytes, capLen, wireLen, 5, tail));
        expect(b).toEqual(a);
      }),
      { numRuns: 20_000 },
    );
  });

  it('a capLen larger than the buffer is not trusted', () => {
    fc.assert(
      fc.property(mutated, fc.nat(), ({ linkType: lt, bytes }, extra) => {
        const f: Frame = { index: 1, tsSec: 0, tsNsec: 0, linkType: lt, iface: 0, buf: bytes, offset: 0, capLen: bytes.length + extra, wireLen: 0 };
        checkResult(decodeFrame(f));
      }),
      { numRuns: 5_000 },
    );
  });

  it('no state leaks from one frame to the next (the decoder reuses one cursor)', async () => {
    // Baselines from a fresh copy of the decoder modules, untouched by the runs above.
    vi.resetModules();
    const fresh = await import('../../src/decode/decode-frame.js');
    expect(fresh.decodeFrame).not.toBe(decodeFrame);
    // A tunnel path's id depends on which paths the decoder met before; its hops do not.
    const noId = (r: Segment | string) => (typeof r === 'string' ? r : { ...r, tunnel: r.tunnel > 0 });
    const baseline = SEEDS.map(([lt, b]) => noId(fresh.decodeFrame(asFrame(lt, b, b.length, b.length, 0, 0))));
    fc.assert(
      fc.property(mutated, fc.integer({ min: 0, max: SEEDS.length - 1 }), (m, i) => {
        decodeFrame(asFrame(m.linkType, m.bytes, m.capLen, m.wireLen, 0, 0));
        const [lt, b] = SEEDS[i]!;
        expect(noId(decodeFrame(asFrame(lt, b, b.length, b.length, 0, 0)))).toEqual(baseline[i]);
      }),
      { numRuns: 10_000 },
    );
  });

  it('the seeds themselves decode to segments', () => {
    for (const [lt, b] of SEEDS) expect(typeof decodeFrame(asFrame(lt, b, b.length, b.length, 0, 0))).toBe('object');
  });
});

describe('tunnels and reassembly on hostile input', () => {
  /** A tunnelled datagram cut into IPv4 fragments with random offsets, lengths, ids and flags. */
  const fragments = fc.array(
    fc.record({
      id: fc.integer({ min: 0, max: 3 }),
      off: fc.integer({ min: 0, max: 8191 }),
      len: fc.integer({ min: 0, max: 300 }),
      more: fc.boolean(),
      proto: fc.constantFrom(17, 47, 4, 41),
      sec: fc.integer({ min: 0, max: 100 }),
      fill: fc.integer({ min: 0, max: 255 }),
      v6: fc.boolean(),
    }),
    { maxLength: 60 },
  );

  it('any fragments, any order: never throws; chains and bytes stay within the limits', () => {
    fc.assert(
      fc.property(fragments, (list) => {
        const limits = { maxChains: 4, maxBytes: 1 << 16, maxFragments: 8, timeoutSec: 30 };
        const reasm = new Reassembler(limits);
        const ctx = { paths: new TunnelPaths(8), reasm };
        for (const f of list) {
          const data = new Uint8Array(f.len).fill(f.fill);
          // The first fragment of a chain carries a real VXLAN datagram's start, so some complete.
          if (f.off === 0) data.set(udp(1, 4789, vxlan(1, eth(0x0800, INNER4))).subarray(0, f.len));
          const pkt = f.v6
            ? eth(
                0x86dd,
                ipv6(44, 1, 2, concat(new Uint8Array([f.proto, 0, (f.off >> 5) & 255, ((f.off << 3) & 0xf8) | (f.more ? 1 : 0), 0, 0, 0, f.id]), data)),
              )
            : eth(0x0800, ipv4(f.proto, '198.18.0.1', '198.18.0.2', data, { id: f.id, frag: (f.more ? 0x2000 : 0) | f.off }));
          const fr: Frame = { index: 1, tsSec: f.sec, tsNsec: 0, linkType: 1, iface: 0, buf: pkt, offset: 0, capLen: pkt.length, wireLen: pkt.length };
          checkResult(decodeFrame(fr, ctx));
          expect(reasm.pending).toBeLessThanOrEqual(limits.maxChains);
        }
        const st = reasm.finish();
        for (const v of Object.values(st)) expect(Number.isInteger(v) && v >= 0).toBe(true);
        expect(ctx.paths.size).toBeLessThanOrEqual(8);
      }),
      { numRuns: 3_000 },
    );
  });

  it('mutated tunnel frames through one run’s context: never throws, paths bounded', () => {
    const ctx = { paths: new TunnelPaths(64), reasm: new Reassembler() };
    fc.assert(
      fc.property(mutated, ({ linkType: lt, bytes, capLen, wireLen }) => {
        checkResult(decodeFrame(asFrame(lt, bytes, capLen, wireLen, 1, 0), ctx));
        expect(ctx.paths.size).toBeLessThanOrEqual(64);
      }),
      { numRuns: 20_000 },
    );
    expect(newDecodeContext().reasm).not.toBeNull();
  });
});

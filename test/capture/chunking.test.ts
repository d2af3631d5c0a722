/**
 * Properties (fast-check): the readers give the same frames, warnings and errors whatever the
 * chunk boundaries, on valid, truncated and corrupted inputs alike; they never throw anything but
 * a CaptureError; and the timestamp split is exact against a BigInt reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TS_SEC, splitTimestamp, tsResolution } from '../../src/capture/timestamp.js';
import { concat, epb, idb, otherBlock, parse, pb, pcapHeader, pcapRecord, shb, spb } from './build.js';
import type { PcapHeaderSpec } from './build.js';

/** CAP_FUZZ_SCALE=20 multiplies every run count, for a longer local hunt. */
const SCALE = Number(process.env.CAP_FUZZ_SCALE ?? 1);
fc.configureGlobal({ interruptAfterTimeLimit: 20_000 * SCALE });

const data = fc.uint8Array({ maxLength: 120 });

const pcapCapture = fc
  .record({
    le: fc.boolean(),
    variant: fc.constantFrom('us', 'ns', 'kuznetsov') as fc.Arbitrary<PcapHeaderSpec['variant']>,
    minor: fc.constantFrom(4, 4, 3, 2),
    linkType: fc.constantFrom(1, 101, 113, 276, 0x1c000001),
    records: fc.array(fc.record({ sec: fc.nat({ max: 0xffffffff }), frac: fc.nat({ max: 2_000_000_000 }), data, extra: fc.nat({ max: 3000 }) }), {
      maxLength: 12,
    }),
  })
  .map((c) => {
    const h: PcapHeaderSpec = { le: c.le, variant: c.variant, minor: c.minor, linkType: c.linkType };
    // Version 2.2 files have the two lengths swapped: write them equal so the file stays valid.
    const extra = (r: { extra: number }) => (c.minor === 2 ? 0 : r.extra);
    return concat(pcapHeader(h), ...c.records.map((r) => pcapRecord({ sec: r.sec, frac: r.frac, data: r.data, wire: r.data.length + extra(r) }, h)));
  });

const item = (le: boolean) =>
  fc.oneof(
    fc.record({ iface: fc.nat({ max: 3 }), ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), data }).map((e) => epb(le, e.iface, e.ts, e.data)),
    data.map((d) => spb(le, d, d.length + 3)),
    fc.record({ iface: fc.nat({ max: 3 }), ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), data }).map((e) => pb(le, e.iface, e.ts, e.data)),
    fc.record({ type: fc.constantFrom(4, 5, 10, 0xbad, 0x40000bad, 0x1234), n: fc.nat({ max: 300 }) }).map((o) => otherBlock(le, o.type, o.n)),
  );

const section = fc.boolean().chain((le) =>
  fc
    .record({
      ifaces: fc.array(
        fc.record({
          linkType: fc.constantFrom(1, 101, 113, 228, 229, 276),
          snapLen: fc.constantFrom(0, 64, 262144),
          tsresol: fc.option(fc.constantFrom(0, 3, 6, 9, 12, 0x8a, 0x94, 0x9e), { nil: undefined }),
          tsoffset: fc.option(fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }), { nil: undefined }),
        }),
        { minLength: 0, maxLength: 3 },
      ),
      items: fc.array(item(le), { maxLength: 10 }),
    })
    .map((s) => concat(shb(le), ...s.ifaces.map((i) => idb(le, i)), ...s.items)),
);

const pcapngCapture = fc.array(section, { minLength: 1, maxLength: 3 }).map((parts) => concat(...parts));

/** A capture, possibly cut short and possibly with some bytes overwritten. */
const damaged = (capture: fc.Arbitrary<Uint8Array>) =>
  fc
    .record({
      file: capture,
      cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined, freq: 3 }),
      flips: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.nat({ max: 255 }) }), { maxLength: 3 }),
    })
    .map(({ file, cut, flips }) => {
      const out = file.slice(0, cut === undefined ? file.length : Math.floor(cut * file.length));
      for (const f of flips) if (out.length > 0) out[Math.min(out.length - 1, Math.floor(f.at * out.length))] = f.value;
      return out;
    });

/** Chunk boundaries: a few random offsets, or every k bytes. */
const cutsFor = (len: number) =>
  fc.oneof(
    fc.uniqueArray(fc.nat({ max: len }), { maxLength: 12 }).map((c) => c.sort((a, b) => a - b)),
    fc.integer({ min: 1, max: 64 }).map((k) => Array.from({ length: Math.floor(len / k) }, (_, i) => (i + 1) * k)),
  );

function sameWhateverTheChunks(capture: fc.Arbitrary<Uint8Array>, runs: number) {
  fc.assert(
    fc.property(
      capture.chain((file) => fc.tuple(fc.constant(file), cutsFor(file.length))),
      ([file, cuts]) => {
        const whole = parse(file);
        const chunked = parse(file, cuts);
        expect(chunked).toEqual(whole);
      },
    ),
    { numRuns: runs * SCALE },
  );
}

describe('chunk boundaries do not matter', () => {
  it('random bytes behind each magic: only CaptureErrors or warnings, the same for every chunking', () => {
    const magics = [
      [0xd4, 0xc3, 0xb2, 0xa1],
      [0xa1, 0xb2, 0xc3, 0xd4],
      [0x4d, 0x3c, 0xb2, 0xa1],
      [0xa1, 0xb2, 0xcd, 0x34],
      [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    const garbage = fc.tuple(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 600 })).map(([m, rest]) => concat(Uint8Array.from(m), rest));
    sameWhateverTheChunks(garbage, 300);
  });

  it('a valid classic pcap yields every record and no warning', () => {
    fc.assert(
      fc.property(pcapCapture, (file) => {
        const r = parse(file);
        expect(r.error).toBeUndefined();
        // Random times go back: only the one warning that says so (issue 11 item 6).
        expect(r.stats!.warnings.filter((w) => !/timestamp goes back/.test(w.message))).toEqual([]);
        expect(r.stats!.warnings.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 * SCALE },
    );
  });

  it('classic pcap, valid', () => sameWhateverTheChunks(pcapCapture, 300));
  it('pcapng, valid', () => sameWhateverTheChunks(pcapngCapture, 300));
  it('classic pcap, truncated or corrupted', () => sameWhateverTheChunks(damaged(pcapCapture), 400));
  it('pcapng, truncated or corrupted', () => sameWhateverTheChunks(damaged(pcapngCapture), 400));

  it('a valid capture yields every record and no warning', () => {
    fc.assert(
      fc.property(pcapngCapture, (file) => {
        const r = parse(file);
        expect(r.error).toBeUndefined();
        // Only packets for undefined interfaces, timestamps past the year 9999 (the generator
        // makes both: any 64-bit count, in units up to whole seconds) and times that go back
        // (random ones do; one warning for all, issue 11 item 6) may warn.
        for (const w of r.stats!.warnings) expect(w.message).toMatch(/is not defined|no interface is defined|timestamp out of range|timestamp goes back/);
        expect(r.stats!.warnings.filter((w) => /timestamp goes back/.test(w.message)).length).toBeLessThanOrEqual(1);
        // And every time handed on is in range (the out-of-range ones taken as an earlier one).
        for (const f of r.frames) expect(f.tsSec >= 0 && f.tsSec <= MAX_TS_SEC && f.tsNsec >= 0 && f.tsNsec < 1e9).toBe(true);
      }),
      { numRuns: 200 * SCALE },
    );
  });
});

describe('timestamps', () => {
  const codes = [...Array.from({ length: 20 }, (_, n) => n), ...Array.from({ length: 64 }, (_, n) => 0x80 | n)];

  it('split exactly, for every resolution, as BigInt arithmetic says', () => {
    const out = { tsSec: 0, tsNsec: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        (code, hi, lo, offset) => {
          const r = tsResolution(code, offset)!;
          splitTimestamp(hi, lo, r, out);
          const units = (BigInt(hi) << 32n) | BigInt(lo);
          const d = code & 0x80 ? 1n << BigInt(code & 0x7f) : 10n ** BigInt(code);
          expect(out.tsSec).toBe(Number(units / d) + offset);
          expect(out.tsNsec).toBe(Number(((units % d) * 1_000_000_000n) / d));
        },
      ),
      { numRuns: 5000 * SCALE },
    );
  });

  it('split exactly around second boundaries (µs and ns)', () => {
    const out = { tsSec: 0, tsNsec: 0 };
    for (const code of [6, 9]) {
      const d = 10n ** BigInt(code);
      for (const sec of [0n, 1n, 1_700_000_000n, 4_294_967_295n, 9_007_199_254n]) {
        for (const frac of [0n, 1n, d - 1n]) {
          const units = sec * d + frac;
          if (units >> 64n) continue;
          splitTimestamp(Number(units >> 32n), Number(units & 0xffffffffn), tsResolution(code)!, out);
          expect([out.tsSec, out.tsNsec]).toEqual([Number(sec), Number((frac * 1_000_000_000n) / d)]);
        }
      }
    }
  });
});

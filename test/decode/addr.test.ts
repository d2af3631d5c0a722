/** Address formatting (RFC 5952) and parsing, with round-trip properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEndpoint, formatIp, parseIp, segmentEndpoints } from '../../src/decode/addr.js';
import { isLinkTypeSupported, SUPPORTED_LINK_TYPES } from '../../src/decode/decode-frame.js';
import { hex, seg } from './helpers.js';

const w6 = (s: string) => {
  const p = parseIp(s);
  if (p === null || p.ipVersion !== 6) throw new Error(`not IPv6: ${s}`);
  return [p.w0, p.w1, p.w2, p.w3] as const;
};

describe('formatIp', () => {
  it('IPv4 dotted quad from word 0', () => {
    expect(formatIp(4, 0xc6120101, 0, 0, 0)).toBe('198.18.1.1');
    expect(formatIp(4, 0, 0, 0, 0)).toBe('0.0.0.0');
    expect(formatIp(4, 0xffffffff, 0, 0, 0)).toBe('255.255.255.255');
  });

  // RFC 5952 §4 and its examples.
  it.each([
    [[0x20010db8, 0, 0, 1], '2001:db8::1'],
    [[0x20010db8, 0x00000000, 0x00010000, 0x00000001], '2001:db8::1:0:0:1'], // §4.2.3: first of equal runs
    [[0x20010db8, 0x00000001, 0x00010001, 0x00010001], '2001:db8:0:1:1:1:1:1'], // §4.2.2: one 0 group is not compressed
    [[0x20010db8, 0x00000000, 0x00000001, 0x00000001], '2001:db8::1:0:1'], // the longest run wins
    [[0x20010db8, 0x00aa0000, 0x00000000, 0x00bb0000], '2001:db8:aa::bb:0'],
    [[0, 0, 0, 0], '::'],
    [[0, 0, 0, 1], '::1'],
    [[0x20010db8, 0, 0, 0], '2001:db8::'],
    [[0xfe800000, 0, 0x0a0027ff, 0xfef44dcf], 'fe80::a00:27ff:fef4:4dcf'],
    [[0x20010db8, 0x00010000, 0x0a0027ff, 0xfef44dcf], '2001:db8:1:0:a00:27ff:fef4:4dcf'],
    [[0x0000ffff, 0, 0, 0], '0:ffff::'],
    [[0, 0, 0xffff, 0xc0000201], '::ffff:192.0.2.1'], // §5: IPv4-mapped
    [[0, 0, 0, 0xc0000201], '::c000:201'], // IPv4-compatible is deprecated: plain hex
    [[0xabcdef01, 0x23456789, 0xabcdef01, 0x23456789], 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'], // lowercase
  ] as const)('%j -> %s', (w, text) => {
    expect(formatIp(6, w[0], w[1], w[2], w[3])).toBe(text);
  });

  it('formatEndpoint brackets IPv6 (RFC 5952 §6)', () => {
    expect(formatEndpoint(4, 0xc6120101, 0, 0, 0, 80)).toBe('198.18.1.1:80');
    expect(formatEndpoint(6, ...w6('2001:db8::1'), 443)).toBe('[2001:db8::1]:443');
  });

  it('segmentEndpoints formats a decoded segment', () => {
    const s = seg(
      229,
      hex('60000000 0014 06 40 20010db8000100000000000000000001 20010db8000200000000000000000001', '85be 1f90 00000001 00000000 5002 ffff 0000 0000'),
    );
    expect(segmentEndpoints(s)).toEqual({ srcIp: '2001:db8:1::1', srcPort: 34238, dstIp: '2001:db8:2::1', dstPort: 8080 });
  });
});

describe('parseIp', () => {
  it.each([
    ['198.18.0.1', { ipVersion: 4, w0: 0xc6120001, w1: 0, w2: 0, w3: 0 }],
    ['2001:DB8::1', { ipVersion: 6, w0: 0x20010db8, w1: 0, w2: 0, w3: 1 }],
    ['::ffff:192.0.2.1', { ipVersion: 6, w0: 0, w1: 0, w2: 0xffff, w3: 0xc0000201 }],
    ['1:2:3:4:5:6:7:8', { ipVersion: 6, w0: 0x10002, w1: 0x30004, w2: 0x50006, w3: 0x70008 }],
    ['1:2:3:4:5:6:1.2.3.4', { ipVersion: 6, w0: 0x10002, w1: 0x30004, w2: 0x50006, w3: 0x01020304 }],
  ] as const)('%s', (text, want) => {
    expect(parseIp(text)).toEqual(want);
  });
  it.each(['', '1.2.3', '1.2.3.256', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '12345::', '::1.2.3', 'localhost'])(
    'rejects %j',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  it('format then parse is the identity, and the format is canonical (property)', () => {
    fc.assert(
      fc.property(
        // Words biased toward zero groups, where compression decisions happen.
        fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (g) => {
          const w = [0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0) as [number, number, number, number];
          const text = formatIp(6, ...w);
          expect(parseIp(text)).toEqual({ ipVersion: 6, w0: w[0], w1: w[1], w2: w[2], w3: w[3] });
          expect(text).toBe(text.toLowerCase());
          expect(text).not.toMatch(/:::|(^|:)0[0-9a-f]/); // no leading zeros
          expect(text.split('::').length).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('isLinkTypeSupported', () => {
  it('names exactly the decoders in the table', () => {
    expect(SUPPORTED_LINK_TYPES).toEqual([0, 1, 9, 10, 12, 14, 50, 51, 101, 104, 105, 108, 113, 119, 127, 129, 163, 178, 192, 228, 229, 239, 242, 276]);
    for (const lt of SUPPORTED_LINK_TYPES) expect(isLinkTypeSupported(lt)).toBe(true);
    for (const lt of [2, 7, 147, 177, 277, 1000, 65535, -1, 0.5, NaN]) expect(isLinkTypeSupported(lt)).toBe(false);
  });
});

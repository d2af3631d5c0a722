/**
 * TCP options, table-driven (smoltcp's assert_option_parses!): option bytes in, TcpOptions out.
 * Each row is run twice: through parseTcpOptions directly, and inside a whole frame, where the
 * options area is padded with NOPs to a 4-byte multiple as the data offset requires.
 */
import { describe, expect, it } from 'vitest';
import type { TcpOptions } from '../../src/decode/segment.js';
import { parseTcpOptions } from '../../src/decode/tcp-options.js';
import { concat, hex, seg } from './helpers.js';

function parse(bytes: Uint8Array, capLen = bytes.length): TcpOptions | null {
  // Put the options at an offset inside a larger buffer whose other bytes would parse as options.
  const buf = new Uint8Array(bytes.length + 20).fill(0x02);
  buf.set(bytes, 7);
  return parseTcpOptions(buf, 7, 7 + bytes.length, 7 + capLen);
}

/** A raw IPv4 frame whose TCP header carries `opts` (NOP-padded), with 3 bytes of payload. */
function frameWith(opts: Uint8Array): Uint8Array {
  const padded = concat(opts, new Uint8Array((4 - (opts.length % 4)) % 4).fill(1));
  const hdrLen = 20 + padded.length;
  const total = 20 + hdrLen + 3;
  const ip = hex('4500', total.toString(16).padStart(4, '0'), '0000 4000 4006 0000 c6120001 c6120002');
  const tcp = hex('a000 0050 00000001 00000000', ((hdrLen / 4) << 4).toString(16).padStart(2, '0'), '02 ffff 0000 0000');
  return concat(ip, tcp, padded, hex('616263'));
}

const ok: Array<[string, string, TcpOptions | null]> = [
  ['no options', '', null],
  ['NOPs only', '01010101', null],
  ['EOL only', '00000000', null],
  ['MSS', '020405b4', { mss: 1460 }],
  ['MSS 65535', '0204ffff', { mss: 65535 }],
  ['window scale', '030307', { wscale: 7 }],
  ['window scale 15 (kept raw; RFC 7323 clamps at the receiver)', '03030f', { wscale: 15 }],
  ['SACK permitted', '0402', { sackPermitted: true }],
  ['SACK, 1 block', '050a 00000001 00000005', { sack: [[1, 5]] }],
  [
    'SACK, 4 blocks',
    '0522 00000001 00000002 00000003 00000004 fffffff0 00000010 80000000 80000001',
    {
      sack: [
        [1, 2],
        [3, 4],
        [0xfffffff0, 0x10],
        [0x80000000, 0x80000001],
      ],
    },
  ],
  ['timestamps', '080a 12345678 9abcdef0', { tsVal: 0x12345678, tsEcr: 0x9abcdef0 }],
  ['Fast Open cookie request (34)', '2202', { fastOpen: { cookie: '' } }],
  ['Fast Open cookie (34)', '220a 0011223344556677', { fastOpen: { cookie: '0011223344556677' } }],
  ['Fast Open 16-byte cookie (34)', '2212 000102030405060708090a0b0c0d0e0f', { fastOpen: { cookie: '000102030405060708090a0b0c0d0e0f' } }],
  ['experimental Fast Open request (254, 0xF989)', 'fe04 f989', { fastOpen: { cookie: '' } }],
  ['experimental Fast Open cookie (254, 0xF989)', 'fe0a f989 deadbeef0000', { fastOpen: { cookie: 'deadbeef0000' } }],
  ['other experiment (254, not 0xF989)', 'fe06 1234 abcd', { unknown: [254] }],
  ['experiment 253', 'fd04 0000', { unknown: [253] }],
  ['MPTCP (30) is recorded by number', '1e04 8000', { unknown: [30] }],
  ['TCP-AO (29) and MD5 (19)', '1d04 0000 1312 00000000000000000000000000000000', { unknown: [29, 19] }],
  [
    'a Linux SYN: mss, sackOK, TS, nop, wscale',
    '020405b4 0402 080a 0616d4de 00000000 01 03030a',
    { mss: 1460, sackPermitted: true, tsVal: 102159582, tsEcr: 0, wscale: 10 },
  ],
  ['EOL stops the parse (what follows is padding)', '020405b4 00 030307', { mss: 1460 }],
  ['unknown option with length 2', '0b02 020405b4', { unknown: [11], mss: 1460 }],
];

describe('TCP options', () => {
  it.each(ok)('%s', (_name, bytes, want) => {
    expect(parse(hex(bytes))).toEqual(want);
  });

  it.each(ok)('%s, inside a frame', (_name, bytes, want) => {
    const s = seg(228, frameWith(hex(bytes)));
    expect(s.options).toEqual(want);
    expect(s.payloadLen).toBe(3);
    expect(s.truncated).toBe(false);
  });

  // Impossible lengths stop the parse (Linux: "silly options"); what came before is kept.
  const stop: Array<[string, string, TcpOptions]> = [
    ['length 0', '020405b4 0800 080a00000001 00000002', { mss: 1460, malformed: true }],
    ['length 1', '020405b4 0801 080a00000001 00000002', { mss: 1460, malformed: true }],
    ['length past the header', '020405b4 080b 00000001 00000002', { mss: 1460, malformed: true }],
    ['kind in the last byte, no length', '01 01 01 02', { malformed: true }],
    ['unknown kind, length past the header', '0bff 0000', { malformed: true }],
  ];
  it.each(stop)('bad length stops the parse: %s', (_name, bytes, want) => {
    expect(parse(hex(bytes))).toEqual(want);
  });

  // A well-framed option of a known kind with the wrong length is ignored, the parse goes on.
  const skipOne: Array<[string, string, TcpOptions]> = [
    ['MSS of length 3', '020305 0402', { sackPermitted: true, malformed: true }],
    ['window scale of length 4', '03040700 0402', { sackPermitted: true, malformed: true }],
    ['SACK permitted of length 3', '040300 020405b4', { mss: 1460, malformed: true }],
    ['SACK of length 9', '0509 00000001000000 0402', { sackPermitted: true, malformed: true }],
    ['SACK with no block', '0502 0402', { sackPermitted: true, malformed: true }],
    ['timestamps of length 8', '0808 0000000100 00 0402', { sackPermitted: true, malformed: true }],
    ['Fast Open with a 2-byte cookie', '2204 abcd 0402', { sackPermitted: true, malformed: true }],
    ['Fast Open with a 17-byte cookie', '2213 000102030405060708090a0b0c0d0e0f10 0402', { sackPermitted: true, malformed: true }],
    ['experimental Fast Open with a 1-byte cookie', 'fe05 f989 aa 0402', { sackPermitted: true, malformed: true }],
  ];
  it.each(skipOne)('wrong length for the kind: %s', (_name, bytes, want) => {
    expect(parse(hex(bytes))).toEqual(want);
  });

  it('a bad option leaves the segment decoded', () => {
    const s = seg(228, frameWith(hex('020405b4 0800')));
    expect(s.options).toEqual({ mss: 1460, malformed: true });
    expect(s.payloadLen).toBe(3);
    expect(s.truncated).toBe(false);
  });

  // Snaplen cuts: parse what is whole, never read past the captured bytes, never guess.
  it.each([
    [0, null],
    [3, null],
    [4, { mss: 1460 }],
    [5, { mss: 1460 }], // and the NOP
    [6, { mss: 1460 }], // the next option's kind only
    [7, { mss: 1460 }], // its length byte too, but not its value
    [14, { mss: 1460 }],
    [15, { mss: 1460, tsVal: 1, tsEcr: 2 }],
  ] as const)('options cut after %i captured bytes', (capLen, want) => {
    // mss, NOP, then timestamps; the bytes after the cut are 0x02 (which would parse as MSS kinds).
    expect(parse(hex('020405b4 01 080a 00000001 00000002'), capLen)).toEqual(want);
  });

  it('options cut by the snaplen inside a frame: truncated, payloadLen from the IP header', () => {
    const b = frameWith(hex('020405b4 01 080a 00000001 00000002 0402'));
    const s = seg(228, b.subarray(0, 20 + 20 + 10), { wireLen: b.length });
    expect(s.options).toEqual({ mss: 1460 });
    expect(s.truncated).toBe(true);
    expect(s.payloadLen).toBe(3);
  });
});

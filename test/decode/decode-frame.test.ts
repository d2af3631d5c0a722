/**
 * decodeFrame on real frames, one annotated byte array per layer (gopacket's layers/*_test.go
 * style): the tcpdump line above, the bytes below, every field asserted.
 *
 * Sources: fixtures/corpus/tcpdump (named per frame) and test/decode/fixtures/*.pcap, recorded
 * from the Linux kernel by test/decode/record-fixtures.sh. Frames marked CRAFTED are real
 * frames with one layer changed, for cases no kernel available here produces; each says why.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, isSkip, SKIP_REASONS } from '../../src/decode/decode-frame.js';
import { TcpFlag } from '../../src/decode/segment.js';
import { concat, fill, frame, hex, seg, skip } from './helpers.js';

const { FIN, SYN, RST, PSH, ACK, ECE, CWR, AE } = TcpFlag;
const ip4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// ---------------------------------------------------------------------------------------------
// fixtures/corpus/tcpdump/tcp/accecn_handshake.pcap, frame 1
// 06:26:07.794026 IP 31.133.146.248.16433 > 66.228.43.12.http: Flags [SEW], seq 1948076589, win 65535,
//   options [mss 1460,nop,wscale 6,sackOK,TS val 112147477 ecr 0], length 0
const ACCECN_ETH = hex('18fd740745cd 000c29f78012 0800'); // dst, src, type IPv4
const ACCECN_IP = hex('4500 003c 0000 4000 4006 1a4f 1f8592f8 42e42b0c'); // IHL 5, total 60, DF, TTL 64, TCP
const ACCECN_TCP = hex(
  '4031 0050', // ports 16433 -> 80
  '741d4a2d 00000000', // seq, ack (0: ACK clear)
  'a1c2 ffff 209c 0000', // data offset 10, AE (low bit of byte 12) + CWR ECE SYN; window; cksum; urg
);
const ACCECN_OPTS = hex('020405b4 01 030306 0402 080a06af3c1500000000'); // mss, nop, ws 6, sackOK, TS
const ACCECN = concat(ACCECN_ETH, ACCECN_IP, ACCECN_TCP, ACCECN_OPTS);

describe('Ethernet / IPv4 / TCP', () => {
  it('decodes every field of a SYN (AccECN: the AE bit is flag 0x100)', () => {
    const s = seg(1, ACCECN, { index: 7 });
    expect(s).toEqual({
      packet: 7,
      tsSec: 1_700_000_000,
      tsNsec: 123_456_789,
      ipVersion: 4,
      ipId: 0, // the Identification field of ACCECN_IP
      src0: ip4(31, 133, 146, 248),
      src1: 0,
      src2: 0,
      src3: 0,
      dst0: ip4(66, 228, 43, 12),
      dst1: 0,
      dst2: 0,
      dst3: 0,
      srcPort: 16433,
      dstPort: 80,
      seq: 1948076589,
      ack: null,
      flags: AE | CWR | ECE | SYN,
      window: 65535,
      payloadLen: 0,
      options: { mss: 1460, wscale: 6, sackPermitted: true, tsVal: 112147477, tsEcr: 0 },
      truncated: false,
      tunnel: 0,
      tunnelFlip: 0,
    });
  });

  it('reads the frame at its offset inside a larger buffer', () => {
    const s = seg(1, ACCECN, { offset: 1001 });
    expect(s.seq).toBe(1948076589);
    expect(s.options?.tsVal).toBe(112147477);
  });

  it('the Segment holds no reference to the capture buffer', () => {
    const s = seg(1, ACCECN);
    expect(Object.values(s).some((v) => v instanceof Uint8Array)).toBe(false);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  // fixtures/corpus/tcpdump/tcp/whois.pcap, frame 5: a 54-byte frame padded to Ethernet's 60.
  // 17:25:19.183927 IP 192.0.47.59.43 > 10.0.2.15.44188: Flags [.], ack 14, win 65535, length 0
  const PADDED = hex(
    '0800273eac31 525400123502 0800',
    '4500 0028 485e 0000 4006 3728 c0002f3b 0a00020f', // total length 40: no payload
    '002b ac9c 00975e02 857b5910 5010 ffff ca9d 0000',
    '000000000000', // Ethernet padding (IEEE 802.3 minimum frame)
  );
  it('does not count Ethernet padding as payload', () => {
    const s = seg(1, PADDED);
    expect(PADDED.length).toBe(60);
    expect(s.payloadLen).toBe(0);
    expect(s.truncated).toBe(false);
    expect(s.flags).toBe(ACK);
    expect(s.ack).toBe(0x857b5910);
    expect([s.srcPort, s.dstPort, s.seq, s.window]).toEqual([43, 44188, 0x00975e02, 65535]);
    expect(s.options).toBeNull();
  });

  // test/decode/fixtures/snaplen.pcap (tcpdump -s 60), frame 4: 60 of 71 bytes captured.
  // 11:51:07.916534 IP 198.18.1.1.34182 > 198.18.2.1.8080: Flags [P.], seq 1:6, ack 1, win 63, options [nop,nop,TS [|tcp]>
  const SNAPPED = hex(
    'f6ce0eff497f b69257a6cf73 0800',
    '4500 0039 a160 4000 4006 0a38 c6120101 c6120201', // total length 57
    '8586 1f90 47e0ae3d f23e8887 8018 003f 8f52 0000', // data offset 8
    '01 01 080acf66', // nop, nop, and the first 4 of the timestamp option's 10 bytes
  );
  it('counts payload from the IP header when the snaplen cut the frame', () => {
    const s = seg(1, SNAPPED, { wireLen: 71 });
    expect(SNAPPED.length).toBe(60);
    expect(s.payloadLen).toBe(5); // 57 - 20 - 32: tcpdump's "seq 1:6"
    expect(s.truncated).toBe(true);
    expect(s.flags).toBe(PSH | ACK);
    expect([s.srcPort, s.dstPort, s.seq, s.ack]).toEqual([34182, 8080, 0x47e0ae3d, 0xf23e8887]);
    // The cut timestamp option is not guessed at; nothing else was there.
    expect(s.options).toBeNull();
  });

  it('cut anywhere inside the IP or fixed TCP header => truncated', () => {
    for (let n = 14; n < 14 + 20 + 20; n++) {
      expect(skip(1, ACCECN.subarray(0, n), { wireLen: ACCECN.length }), `capLen ${n}`).toBe('truncated');
    }
  });

  it('cut one byte short of the whole frame => a segment marked truncated, the cut option dropped', () => {
    const s = seg(1, ACCECN.subarray(0, ACCECN.length - 1), { wireLen: ACCECN.length });
    expect(s.truncated).toBe(true);
    expect(s.payloadLen).toBe(0);
    expect(s.options).toEqual({ mss: 1460, wscale: 6, sackPermitted: true });
  });

  it('honours capLen even when the buffer holds more bytes', () => {
    const f = frame(1, ACCECN, { capLen: 40 });
    expect(decodeFrame(f)).toBe('truncated');
  });

  it('data offset < 5 => malformed', () => {
    for (const off of [0, 1, 4]) {
      const b = ACCECN.slice();
      b[14 + 20 + 12] = (off << 4) | (b[14 + 20 + 12]! & 0x0f);
      expect(skip(1, b)).toBe('malformed');
    }
  });

  it('data offset beyond the IP payload => malformed', () => {
    const b = ACCECN.slice();
    b[14 + 20 + 12] = 0xf0; // 60-byte header in a 40-byte TCP segment
    expect(skip(1, b)).toBe('malformed');
  });

  it('impossible IP lengths => malformed', () => {
    const ihl4 = ACCECN.slice();
    ihl4[14] = 0x44;
    expect(skip(1, ihl4)).toBe('malformed');
    const short = ACCECN.slice();
    short[16] = 0;
    short[17] = 19; // total length below the header length
    expect(skip(1, short)).toBe('malformed');
    const tiny = ACCECN.slice();
    tiny[17] = 30; // 10 bytes of TCP
    expect(skip(1, tiny)).toBe('malformed');
    const v6 = ACCECN.slice();
    v6[14] = 0x65; // ethertype says IPv4, version says 6
    expect(skip(1, v6)).toBe('malformed');
  });

  // fixtures/corpus/tcpdump/tcp/kday4.pcap frame 10 has IP total length 820 in a 66-byte frame
  // (wire length 66): Wireshark clamps to the wire ("IPv4 total length exceeds packet length").
  it('an IP total length beyond the wire length is clamped to the wire and marked truncated', () => {
    const b = PADDED.slice(0, 54);
    b[16] = 0x03;
    b[17] = 0x34; // 820
    const s = seg(1, b);
    expect(s.payloadLen).toBe(0);
    expect(s.truncated).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
describe('TCP fields', () => {
  // fixtures/corpus/tcpdump/tcp/ssh.pcap, frame 67
  // 10:50:10.446501 IP 223.132.53.222.22 > 202.108.87.165.62146: Flags [.], ack 5186, win 340,
  //   options [nop x14, sack 1 {5282:5283}], length 0
  const SACK = hex(
    '8c85903f77dd d4ca6d2e7f67 0800',
    '4548 0040 e202 4000 3606 2af9 df8435de ca6c57a5',
    '0016 f2c2 9257b836 f352059a b010 0154 e1f3 0000', // data offset 11
    '0101010101010101010101010101', // 14 NOPs
    '050a f35205fa f35205fb', // SACK, one block
  );
  it('SACK blocks as raw sequence numbers, after 14 NOPs', () => {
    const s = seg(1, SACK);
    expect(s.options).toEqual({ sack: [[0xf35205fa, 0xf35205fb]] });
    expect(s.ack).toBe(0xf352059a);
    expect(s.window).toBe(340);
    expect(s.flags).toBe(ACK);
    expect(s.payloadLen).toBe(0);
  });

  // test/decode/fixtures/tfo.pcap, frame 9: Linux Fast Open, data on the SYN (kind 34).
  // 11:51:10.276630 IP 198.18.1.1.34192 > 198.18.2.1.8080: Flags [S], seq 1544910913:1544910916, win 64240,
  //   options [mss 1460,sackOK,TS val 71468512 ecr 0,nop,wscale 10,tfo  cookie 18c38cd021e3672b,nop,nop], length 3
  const TFO = hex(
    'f6ce0eff497f b69257a6cf73 0800',
    '4500 004b 3938 4000 4006 724e c6120101 c6120201', // total 75
    '8590 1f90 5c157841 00000000 d002 faf0 8f64 0000', // data offset 13
    '020405b4 0402 080a044285e000000000 01 03030a', // mss, sackOK, TS, nop, ws
    '220a 18c38cd021e3672b 0101', // Fast Open with an 8-byte cookie, nop, nop
    '74666f', // "tfo"
  );
  it('Fast Open (kind 34) with a cookie and data on the SYN', () => {
    const s = seg(1, TFO);
    expect(s.flags).toBe(SYN);
    expect(s.payloadLen).toBe(3);
    expect(s.seq).toBe(1544910913);
    expect(s.ack).toBeNull();
    expect(s.options).toEqual({
      mss: 1460,
      sackPermitted: true,
      tsVal: 71468512,
      tsEcr: 0,
      wscale: 10,
      fastOpen: { cookie: '18c38cd021e3672b' },
    });
  });

  // fixtures/corpus/tcpdump/tcp/tfo-5c1fa7f9ae91.pcap, frame 1: the experimental option.
  // 16:26:20.467968 IP 192.168.0.100.13047 > 3.3.3.3.13054: Flags [S], seq 218476388, win 1400, options [exp-tfo cookiereq], length 0
  const EXP_TFO = hex(
    '1c7ee54ca1cb b0750c000001 0800',
    '4500 002c 0006 0000 ff06 f4b3 c0a80064 03030303',
    '32f7 32fe 0d05af64 00000000 6002 0578 b966 0000',
    'fe04f989', // kind 254, length 4, ExID 0xF989: a cookie request
  );
  it('experimental Fast Open (254, magic 0xF989): cookie request', () => {
    const s = seg(1, EXP_TFO);
    expect(s.options).toEqual({ fastOpen: { cookie: '' } });
    expect([s.srcPort, s.dstPort, s.seq, s.window]).toEqual([13047, 13054, 218476388, 1400]);
  });

  it('every flag bit lands where TcpFlag says', () => {
    for (const [bit, value] of [
      [FIN, 0x001],
      [SYN, 0x002],
      [RST, 0x004],
      [PSH, 0x008],
      [ACK, 0x010],
      [TcpFlag.URG, 0x020],
      [ECE, 0x040],
      [CWR, 0x080],
      [AE, 0x100],
    ] as const) {
      const b = ACCECN.slice();
      b[46] = (b[46]! & 0xf0) | (value >> 8);
      b[47] = value & 0xff;
      const s = seg(1, b);
      expect(s.flags).toBe(bit);
      expect(s.ack === null).toBe(bit !== ACK);
    }
  });

  it('ignores the 3 reserved bits of byte 12', () => {
    const b = ACCECN.slice();
    b[46] = 0xae; // data offset 10, reserved 111, AE 0
    expect(seg(1, b).flags).toBe(CWR | ECE | SYN);
  });
});

// ---------------------------------------------------------------------------------------------
describe('IPv4 options and fragments', () => {
  // test/decode/fixtures/ipv4-options.pcap, frame 1 (IP_OPTIONS set on the socket)
  // 11:50:57.022817 IP (... length 64, options (NOP,NOP,NOP,EOL)) 198.18.1.1.36114 > 198.18.2.1.8080: Flags [S],
  //   seq 3813957025, win 64240, options [mss 1460,sackOK,TS val 69684279 ecr 0,nop,wscale 10], length 0
  const IPOPT = hex(
    'f6ce0eff497f b69257a6cf73 0800',
    '4600 0040 b9c0 4000 4006 eecf c6120101 c6120201', // IHL 6, total 64
    '01010100', // IP options: NOP NOP NOP EOL
    '8d12 1f90 e3545da1 00000000 a002 faf0 8f55 0000',
    '020405b4 0402 080a04274c3700000000 01 03030a',
  );
  it('skips IP options by IHL', () => {
    const s = seg(1, IPOPT);
    expect(s.src0).toBe(ip4(198, 18, 1, 1));
    expect(s.dst0).toBe(ip4(198, 18, 2, 1));
    expect([s.srcPort, s.dstPort, s.seq, s.flags, s.window]).toEqual([36114, 8080, 3813957025, SYN, 64240]);
    expect(s.options).toEqual({ mss: 1460, sackPermitted: true, tsVal: 69684279, tsEcr: 0, wscale: 10 });
    expect(s.payloadLen).toBe(0);
  });
  it('IP options not captured => truncated', () => {
    expect(skip(1, IPOPT.subarray(0, 14 + 22), { wireLen: IPOPT.length })).toBe('truncated');
  });

  // test/decode/fixtures/ipv4-frag.pcap, frames 4 and 5: DF clear, fragmented by the router onto a 1280 link.
  // 11:51:05.702699 IP (ttl 63, id 2987, offset 0, flags [+], length 1276) 198.18.1.1.50502 > 198.18.2.1.8080:
  //   Flags [.], seq 1:1225, ack 1, win 63, options [nop,nop,TS val 191655786 ecr 3432601800], length 1224
  const FRAG1 = concat(
    hex(
      'b28c712402ec 4ab30f00612c 0800',
      '4500 04fc 0bab 2000 3f06 bc2a c6120101 c6120201', // total 1276, MF, offset 0
      'c546 1f90 b4f7f8b3 7b5c82f7 8010 003f fbeb 0000',
      '0101 080a0b6c6f6acc9958c8',
    ),
    fill(1224, 0x78), // the client sent "xxx…"
  );
  // 11:51:05.702704 IP (ttl 63, id 2987, offset 1256, flags [none], length 244) 198.18.1.1 > 198.18.2.1: ip-proto-6
  const FRAG2 = concat(
    hex('b28c712402ec 4ab30f00612c 0800', '4500 00f4 0bab 009d 3f06 df95 c6120101 c6120201'), // offset 0x9d * 8 = 1256
    fill(224, 0x78),
  );
  it('decodes a first fragment, payloadLen = its share, marked truncated', () => {
    const s = seg(1, FRAG1);
    expect(s.payloadLen).toBe(1224);
    expect(s.truncated).toBe(true);
    expect([s.srcPort, s.dstPort, s.seq, s.ack]).toEqual([50502, 8080, 0xb4f7f8b3, 0x7b5c82f7]);
    expect(s.options).toEqual({ tsVal: 191655786, tsEcr: 3432601800 });
  });
  it('a later fragment => fragment', () => {
    expect(skip(1, FRAG2)).toBe('fragment');
  });
  it('a first fragment too short for the TCP header => fragment', () => {
    const b = FRAG1.slice(0, 14 + 20 + 16);
    b[16] = 0;
    b[17] = 36; // 16 bytes of TCP in this fragment
    expect(skip(1, b)).toBe('fragment');
  });
});

// ---------------------------------------------------------------------------------------------
// test/decode/fixtures/ipv6-ext.pcap, frame 1 (IPV6_HOPOPTS and IPV6_DSTOPTS set on the socket)
// 11:50:59.192313 IP6 2001:db8:1::1 > 2001:db8:2::1: HBH DSTOPT 34238 > 8080: Flags [S], seq 1985588366, win 64800,
//   options [mss 1440,sackOK,TS val 761603302 ecr 0,nop,wscale 10], length 0
const V6EXT_ETH = hex('f6ce0eff497f b69257a6cf73 86dd');
const V6EXT_IP = hex(
  '600ae303 0038 00 40', // version 6, flow label; payload length 56; next header 0 (hop-by-hop); hop limit 64
  '20010db8000100000000000000000001 20010db8000200000000000000000001',
  '3c00 0104 00000000', // hop-by-hop: next 60, length 0 (8 bytes), PadN 4
  '0600 0104 00000000', // destination options: next 6 (TCP), PadN 4
);
const V6EXT_TCP = hex('85be 1f90 7659ac8e 00000000 a002 fd20 5ba5 0000', '020405a0 0402 080a2d6524e600000000 01 03030a');
const V6EXT = concat(V6EXT_ETH, V6EXT_IP, V6EXT_TCP);
// The same IPv6 packet without its Ethernet header.
const V6_PACKET = V6EXT.subarray(14);

describe('IPv6 extension headers', () => {
  const A1 = [0x20010db8, 0x00010000, 0, 1];
  const B1 = [0x20010db8, 0x00020000, 0, 1];

  it('walks hop-by-hop and destination options to TCP', () => {
    const s = seg(1, V6EXT);
    expect(s.ipVersion).toBe(6);
    expect([s.src0, s.src1, s.src2, s.src3]).toEqual(A1);
    expect([s.dst0, s.dst1, s.dst2, s.dst3]).toEqual(B1);
    expect([s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.window]).toEqual([34238, 8080, 1985588366, null, SYN, 64800]);
    expect(s.options).toEqual({ mss: 1440, sackPermitted: true, tsVal: 761603302, tsEcr: 0, wscale: 10 });
    expect(s.payloadLen).toBe(0); // 56 - 16 of extension headers - 40 of TCP header
    expect(s.truncated).toBe(false);
  });
  it('an extension header not captured => truncated', () => {
    expect(skip(1, V6EXT.subarray(0, 14 + 40 + 9), { wireLen: V6EXT.length })).toBe('truncated');
  });
  it('extension headers running past the payload length => malformed', () => {
    const b = V6EXT.slice();
    b[14 + 40 + 1] = 20; // hop-by-hop claims 168 bytes
    expect(skip(1, b)).toBe('malformed');
  });

  // test/decode/fixtures/ipv6-srh.pcap, frame 1 (SRv6 inline mode: a routing header, type 4)
  // 11:51:01.381073 IP6 2001:db8:1::1 > 2001:db8:2::fe: RT6 (len=4, type=4, segleft=1, last-entry=1, tag=0,
  //   [0]2001:db8:2::1, [1]2001:db8:2::fe) 34254 > 8080: Flags [S], seq 2540245712, win 64400, options [mss 1400,...], length 0
  const SRH = hex(
    'f6ce0eff497f b69257a6cf73 86dd',
    '600e34d7 0050 2b 40', // payload 80, next header 43 (routing)
    '20010db8000100000000000000000001 20010db80002000000000000000000fe',
    '06 04 04 01 01 00 0000', // next 6, length 4 (40 bytes), type 4, segments left 1, last entry 1, flags, tag
    '20010db8000200000000000000000001 20010db80002000000000000000000fe',
    '85ce 1f90 976912d0 00000000 a002 fb90 5ba5 0000',
    '02040578 0402 080a0c5e6d2900000000 01 03030a',
  );
  it('walks a routing header', () => {
    const s = seg(1, SRH);
    expect([s.srcPort, s.dstPort, s.seq, s.window]).toEqual([34254, 8080, 2540245712, 64400]);
    expect(s.dst3).toBe(0xfe);
    expect(s.options?.mss).toBe(1400);
    expect(s.payloadLen).toBe(0);
  });

  // CRAFTED: an IPv6 fragment header (44) in the ipv6-ext frame. Linux never fragments its own TCP
  // over IPv6 (it segments to the path MTU, and RFC 8021 ended atomic fragments), so no kernel
  // recording exists; the layout is RFC 8200 §4.5.
  function withFragHeader(offsetUnits: number, more: boolean): Uint8Array {
    const ip = V6EXT_IP.slice(0, 40);
    ip[4] = 0;
    ip[5] = 8 + 40; // payload: the fragment header and the TCP header
    ip[6] = 44;
    const offM = (offsetUnits << 3) | (more ? 1 : 0);
    const fragHdr = hex('06 00', (offM >> 8).toString(16).padStart(2, '0') + (offM & 0xff).toString(16).padStart(2, '0'), '0000abcd');
    return concat(V6EXT_ETH, ip, fragHdr, V6EXT_TCP);
  }
  it('first fragment (offset 0, M set) is decoded; later ones are skipped', () => {
    const first = seg(1, withFragHeader(0, true));
    expect(first.seq).toBe(1985588366);
    expect(first.truncated).toBe(true);
    expect(first.payloadLen).toBe(0);
    // offset 0 and M clear is an atomic fragment: a whole packet (RFC 6946).
    expect(seg(1, withFragHeader(0, false)).truncated).toBe(false);
    expect(skip(1, withFragHeader(1, true))).toBe('fragment');
    expect(skip(1, withFragHeader(157, false))).toBe('fragment');
  });

  // fixtures/corpus/tcpdump/tcp/bigtcp-ipv6-hbh.pcap: Linux BIG TCP, payload length 0 + Jumbo option (RFC 2675).
  // 14:13:27.172200 IP6 2604:1380:4091:ce00::d > 2604:1380:4091:ce00::b: HBH 41851 > 43913: Flags [P.],
  //   seq 592820498:592900498, ack 2512896041, win 2128, options [nop,nop,TS val 1186840160 ecr 4237097528], length 80000
  const JUMBO = hex(
    '0600deadbeef b8cef6048b14 86dd',
    '600a31ee 0000 00 40', // payload length 0, next header 0
    '26041380 4091ce00 00000000 0000000d 26041380 4091ce00 00000000 0000000b',
    '0600 c204 000138a8', // hop-by-hop: next TCP; Jumbo Payload option, length 80040
    'a37b ab89 2355b912 95c7c029 8018 0850 c8eb 0000',
    '0101 080a46bdbe60fc8cfa38',
  );
  it('BIG TCP jumbogram: payload length from the Jumbo option', () => {
    const s = seg(1, JUMBO, { wireLen: 14 + 40 + 80040 });
    expect(s.payloadLen).toBe(80000);
    expect(s.seq).toBe(592820498);
    expect(s.ack).toBe(2512896041);
    expect(s.truncated).toBe(true); // only the headers are in this byte array
  });

  // fixtures/corpus/tcpdump/tcp/bigtcp-ipv4.pcap: IPv4 BIG TCP leaves total length 0; the wire length is the only length.
  // 15:05:40.030951 IP bad-len 0
  const BIG4 = hex(
    '0600deadbeef b8cef6048b14 0800',
    '4500 0000 2eff 4000 4006 efae 0a19840d 0a19840b',
    '8c1f 8e49 f7adbd8e 0103c225 8018 027b 54f2 0000',
    '0101 080ae9b7eb15bbedeb2f',
  );
  it('IPv4 total length 0 (TSO/BIG TCP): payload from the wire length', () => {
    const s = seg(1, BIG4, { wireLen: 14 + 20 + 32 + 70000 });
    expect(s.payloadLen).toBe(70000);
    expect(s.truncated).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
describe('link layers', () => {
  const SYN_IP = ACCECN.subarray(14); // the AccECN SYN's IPv4 packet
  const expectAccecn = (s: ReturnType<typeof seg>) => {
    expect([s.srcPort, s.dstPort, s.seq, s.flags, s.payloadLen]).toEqual([16433, 80, 1948076589, AE | CWR | ECE | SYN, 0]);
    expect(s.options?.tsVal).toBe(112147477);
  };

  // CRAFTED: 802.1ad S-tag 100 carrying an 802.1Q C-tag 200 around the AccECN SYN. This kernel is
  // built without VLAN support (CONFIG_VLAN_8021Q unset), so no QinQ recording could be made.
  it('any stack of 802.1Q / 802.1ad / 0x9100 tags (QinQ)', () => {
    const qinq = concat(hex('18fd740745cd 000c29f78012', '88a8 0064', '8100 00c8', '0800'), SYN_IP);
    expectAccecn(seg(1, qinq));
    const triple = concat(hex('18fd740745cd 000c29f78012', '9100 0001', '88a8 0064', '8100 00c8', '0800'), SYN_IP);
    expectAccecn(seg(1, triple));
    expect(skip(1, qinq.subarray(0, 14 + 2), { wireLen: qinq.length })).toBe('truncated');
  });

  // CRAFTED: 802.3 length field + LLC/SNAP (RFC 1042) around the same SYN.
  it('802.3 + LLC/SNAP with OUI 0 carries an ethertype', () => {
    const snap = concat(hex('18fd740745cd 000c29f78012', '0044', 'aaaa03 000000 0800'), SYN_IP);
    expectAccecn(seg(1, snap));
    // kday4.pcap frame 1: an 802.3 frame with a non-SNAP LLC header
    const llc = hex('0cc47a08e912 84b59cbe3048 0034 4410 3400 00000000 00000000 00000000');
    expect(skip(1, llc)).toBe('non-ip');
  });

  it('ARP and other ethertypes => non-ip', () => {
    expect(skip(1, hex('ffffffffffff 000c29f78012 0806 0001080006040001'))).toBe('non-ip');
  });

  // test/decode/fixtures/sll2.pcap, frame 1 (tcpdump -i any -y LINUX_SLL2)
  // 11:50:52.439865 ifb0 Out IP 198.18.1.1.36096 > 198.18.2.1.8080: Flags [S], seq 385116876, win 64240,
  //   options [mss 1460,sackOK,TS val 1457537347 ecr 0,nop,wscale 10], length 0
  const SLL2 = hex(
    '0800 0000 00000002 0001 04 06 b69257a6cf730000', // protocol, reserved, ifindex, ARPHRD_ETHER, outgoing, addr len, addr
    '4500 003c edf3 4000 4006 bda1 c6120101 c6120201',
    '8d00 1f90 16f46acc 00000000 a002 faf0 8f55 0000',
    '020405b4 0402 080a56e0414300000000 01 03030a',
  );
  it('Linux cooked v2 (276)', () => {
    const s = seg(276, SLL2);
    expect([s.srcPort, s.dstPort, s.seq, s.flags]).toEqual([36096, 8080, 385116876, SYN]);
    expect(s.options).toEqual({ mss: 1460, sackPermitted: true, tsVal: 1457537347, tsEcr: 0, wscale: 10 });
    expect(skip(276, SLL2.subarray(0, 19), { wireLen: SLL2.length })).toBe('truncated');
  });

  // test/decode/fixtures/sll.pcap, frame 1 (tcpdump -i any -y LINUX_SLL)
  // 11:50:54.703536 IP 198.18.1.1.36108 > 198.18.2.1.8080: Flags [S], seq 1775816933, win 64240, options [...], length 0
  const SLL = hex(
    '0004 0001 0006 b69257a6cf730000 0800', // outgoing, ARPHRD_ETHER, addr len 6, addr, protocol
    '4500 003c b915 4000 4006 f27f c6120101 c6120201',
    '8d0c 1f90 69d8d0e5 00000000 a002 faf0 8f55 0000',
    '020405b4 0402 080ac57db38000000000 01 03030a',
  );
  it('Linux cooked v1 (113)', () => {
    const s = seg(113, SLL);
    expect([s.srcPort, s.dstPort, s.seq, s.flags]).toEqual([36108, 8080, 1775816933, SYN]);
    expect(s.options?.tsVal).toBe(3313349504);
    expect(skip(113, SLL.subarray(0, 15), { wireLen: SLL.length })).toBe('truncated');
  });

  // fixtures/corpus/tcpdump/tcp/tcp_rst_diag_payload.pcap, frame 1 (NULL, little-endian AF_INET)
  // 16:59:13.939985 IP 192.0.2.1.39829 > 192.168.0.1.http-alt: Flags [R.], seq 1:9, ack 334797553, win 0, length 8
  const NULL_IP = hex(
    '4500 0030 0000 0000 ff06 391d c0000201 c0a80001',
    '9b95 1f90 00000001 13f49af1 5014 0000 86a8 0000',
    '33aa0001 00000000', // 8 bytes of RST diagnostic payload
  );
  it('NULL (0), AF in little-endian host order', () => {
    const s = seg(0, concat(hex('02000000'), NULL_IP));
    expect([s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.window, s.payloadLen]).toEqual([39829, 8080, 1, 334797553, RST | ACK, 0, 8]);
  });
  // CRAFTED: the same frame as a big-endian machine (SPARC, POWER) writes it; none is available here.
  it('NULL (0), AF in big-endian host order', () => {
    expect(seg(0, concat(hex('00000002'), NULL_IP)).payloadLen).toBe(8);
  });
  // fixtures/corpus/tcpdump/other/icmpv6-RFC2894-RR.pcap (AF 28, FreeBSD) and quic_vn.pcap (AF 30, Darwin)
  it('NULL (0): BSD IPv6 address families 24, 28, 30', () => {
    const icmp6 = hex('1c000000', '60000000 0048 3a 40', '20010db8000100000a0027fffef44dcf 20010db8000100000a0027fffef44dcf', '8a00df3a');
    expect(skip(0, icmp6)).toBe('icmp');
    const udp6 = hex('1e000000', '60060e00 04b8 11 40', '00000000000000000000000000000001 00000000000000000000000000000001', 'e03e01bb04b804cb');
    expect(skip(0, udp6, { wireLen: 8 + 40 + 1208 })).toBe('udp');
    expect(seg(0, concat(hex('18000000'), V6_PACKET)).ipVersion).toBe(6);
    expect(seg(0, concat(hex('0000001e'), V6_PACKET)).ipVersion).toBe(6);
    expect(skip(0, concat(hex('07000000'), NULL_IP))).toBe('non-ip');
    expect(skip(0, hex('020000'))).toBe('truncated');
  });
  // CRAFTED: LOOP (108) is OpenBSD's; the NULL frame with the AF in network order.
  it('LOOP (108), AF in network order', () => {
    expect(seg(108, concat(hex('00000002'), NULL_IP)).payloadLen).toBe(8);
    expect(seg(108, concat(hex('00000018'), V6_PACKET)).ipVersion).toBe(6);
    expect(skip(108, concat(hex('02000000'), NULL_IP))).toBe('non-ip');
  });

  // fixtures/corpus/tcpdump/tcp/mptcp-tcprst.pcap, frame 1 (RAW, 101)
  // 14:27:19.175792 IP 192.0.2.1.55739 > 192.168.76.28.http-alt: Flags [R.], seq 1, ack 2176696966, win 256, options [mptcp 4 unknown], length 0
  const RAW4 = hex(
    '4500 002c 0000 0000 ff06 ed05 c0000201 c0a84c1c',
    'd9bb 1f90 00000001 81bdc286 6014 0100 f470 0000',
    '1e048000', // MPTCP (30): not interpreted
  );
  it.each([101, 12, 14, 228])('raw IPv4 (link type %i)', (lt) => {
    const s = seg(lt, RAW4);
    expect([s.srcPort, s.dstPort, s.seq, s.ack, s.flags, s.window]).toEqual([55739, 8080, 1, 2176696966, RST | ACK, 256]);
    expect(s.options).toEqual({ unknown: [30] });
  });
  it.each([101, 12, 14, 229])('raw IPv6 (link type %i)', (lt) => {
    expect(seg(lt, V6_PACKET).seq).toBe(1985588366);
  });
  it('raw IP: 228 insists on IPv4, 229 on IPv6, raw on 4 or 6', () => {
    expect(skip(228, V6_PACKET)).toBe('malformed');
    expect(skip(229, RAW4)).toBe('malformed');
    expect(skip(101, hex('5000'))).toBe('non-ip');
    expect(skip(101, new Uint8Array(0))).toBe('truncated');
  });

  // fixtures/corpus/tcpdump/tcp/scps_invalid.pcap, frame 1 (LINKTYPE_IPV4): bytes after the IP total length are not payload.
  // 19:37:40.000000 IP 182.181.202.230.52750 > 83.253.102.83.63764: Flags [S], seq 3757264999, win 8192, options [mss 1452,nop,wscale 2,nop,nop,scps[bad opt]]
  it('raw IPv4 with trailing bytes beyond the IP total length', () => {
    const b = hex(
      '4500 0034 7b86 0000 6e06 9551 b6b5cae6 53fd6653',
      'ce0e f914 dff35067 00000000 8002 2000 1bb3 0000',
      '020405ac 01 030302 01 01 1402', // mss, nop, ws, nop, nop, SCPS (20)
      '00000000 3525 0e57 00000000 90f60e00 00000000 68000000',
    );
    const s = seg(228, b);
    expect(s.payloadLen).toBe(0);
    expect(s.options).toEqual({ mss: 1452, wscale: 2, unknown: [20] });
    expect(s.truncated).toBe(false);
  });

  // fixtures/corpus/tcpdump/tcp/bgp_vpn_attrset.pcap, frame 1 (PPP, 9): first 64 of 177 bytes.
  // 12:51:14.453556 IP 12.4.4.4.2051 > 12.1.1.1.bgp: Flags [P.], seq 3293077573:3293077694, ack 3348108582, win 16384, options [...], length 121
  const PPP = hex(
    'ff03 0021', // address, control, protocol IPv4
    '45c0 00ad e504 0000 3e06 797d 0c040404 0c010101',
    '0803 00b3 c4486045 c7901526 8018 4000 cf18 0000',
    '0101 080a0005d89b000d95bb ffffffffffffffffffff', // options, then the BGP marker
  );
  it('PPP (9) with address/control bytes', () => {
    const s = seg(9, PPP, { wireLen: 177 });
    expect([s.srcPort, s.dstPort, s.seq, s.ack, s.payloadLen, s.truncated]).toEqual([2051, 179, 3293077573, 3348108582, 121, true]);
  });
  it('PPP (9) without address/control, and with a 1-byte protocol field (RFC 1661 §6.5)', () => {
    expect(seg(9, PPP.subarray(2), { wireLen: 175 }).payloadLen).toBe(121);
    expect(seg(9, concat(hex('21'), PPP.subarray(4)), { wireLen: 174 }).payloadLen).toBe(121);
    expect(skip(9, hex('ff03 c021 0101'))).toBe('non-ip'); // LCP
  });
  it('PPP_HDLC (50)', () => {
    expect(seg(50, PPP, { wireLen: 177 }).payloadLen).toBe(121);
  });

  // fixtures/corpus/tcpdump/tcp/lspping-fec-ldp.pcap, frame 1 (PPP, MPLS): first 64 bytes.
  // 10:17:05.850284 MPLS (label 100656, tc 6, [S], ttl 64) IP 12.4.4.4.4100 > 12.8.8.8.179: Flags [P.], seq 1860641958:1860641977, ..., length 19
  const MPLS = hex(
    'ff03 0281', // PPP: MPLS unicast
    '18930d40', // label 100656, TC 6, bottom of stack, TTL 64
    '45c0 0047 9f0f 0000 4006 b6ca 0c040404 0c080808',
    '1004 00b3 6ee724a6 b0fe8027 8018 4000 fd1b 0000',
    '0101 080a050db418050d7dbe ffffffffffffffffffffffffffffffff 0013 04',
  );
  it('MPLS label stack (over PPP)', () => {
    const s = seg(9, MPLS);
    expect([s.srcPort, s.dstPort, s.seq, s.payloadLen]).toEqual([4100, 179, 1860641958, 19]);
  });
  // CRAFTED: a two-label stack over Ethernet, and PPPoE, around the AccECN SYN's IPv4 packet.
  it('MPLS over Ethernet with two labels; PPPoE session', () => {
    expectAccecn(seg(1, concat(hex('18fd740745cd 000c29f78012 8847', '00064040', '00c8c140'), SYN_IP)));
    expect(skip(1, concat(hex('18fd740745cd 000c29f78012 8847', '00064040', '00c8c140'), hex('0000 0000')))).toBe('non-ip');
    expectAccecn(seg(1, concat(hex('18fd740745cd 000c29f78012 8864', '1100 1234 003e', '0021'), SYN_IP)));
    expectAccecn(seg(51, concat(hex('1100 1234 003e', '0021'), SYN_IP)));
  });
  // CRAFTED: Cisco HDLC (104), and PPP_HDLC (50) in Cisco framing, around the same packet.
  it('C_HDLC (104)', () => {
    expectAccecn(seg(104, concat(hex('0f00 0800'), SYN_IP)));
    expectAccecn(seg(50, concat(hex('8f00 0800'), SYN_IP)));
    expect(skip(104, hex('8f00 8035 0000'))).toBe('non-ip'); // SLARP
  });

  // fixtures/corpus/tcpdump/tcp/ipoib.pcap, frame 10 (IPOIB, 242)
  // 16:32:45.050083 IP 192.168.56.10.34170 > 192.168.56.24.22: Flags [SEW], seq 798232822, win 32983,
  //   options [mss 65480,sackOK,TS val 62202209 ecr 0,nop,wscale 8], length 0
  const IPOIB = hex(
    '00000000000000000000000000000000 30200003 80000550fe800000 000000000010e000664ab451', // 40 bytes of addresses
    '0800 0000', // ethertype, reserved
    '4500 003c 0044 4000 4006 4905 c0a8380a c0a83818',
    '857a 0016 2f9410f6 00000000 a0c2 80d7 efae 0000',
    '0204ffc8 0402 080a03b5216100000000 01 030308',
  );
  it('IPoIB (242)', () => {
    const s = seg(242, IPOIB);
    expect([s.srcPort, s.dstPort, s.seq, s.flags, s.window]).toEqual([34170, 22, 798232822, CWR | ECE | SYN, 32983]);
    expect(s.options).toEqual({ mss: 65480, sackPermitted: true, tsVal: 62202209, tsEcr: 0, wscale: 8 });
  });

  // fixtures/corpus/tcpdump/tcp/arcnet-rfc1201-arp-icmp-http.pcap and arcnet-rfc1051-arp-icmp-http.pcap (ARCNET_LINUX, 129)
  // 13:20:28.299292 IP 10.80.131.1.1027 > 146.190.240.163.80: Flags [S], seq 2567257385, win 1872, options [...], length 0
  it('ARCnet Linux (129), RFC 1201 and RFC 1051 headers', () => {
    const rfc1201 = hex(
      'be 50 c000 d4 00 016b', // src, dst, offset, ARCTYPE_IP, split flag, sequence
      '4500 003c 942d 4000 4006 95db 0a508301 92bef0a3',
      '0403 0050 99053d29 00000000 a002 0750 b059 0000',
      '020401d4 0402 080a0004a90400000000 01 030300',
    );
    expect(seg(129, rfc1201).seq).toBe(2567257385);
    const rfc1051 = hex(
      'be 50 c300 f0', // src, dst, offset, ARCTYPE_IP_OLD
      '45 00003c d754 4000 4006 52b4 0a508301 92bef0a3',
      '0402 0050 8effb399 00000000 a002 0750 8827 0000',
      '020401d4 0402 080a000464cd00000000 01 030300',
    );
    const s = seg(129, rfc1051);
    expect([s.srcPort, s.seq, s.options?.mss]).toEqual([1026, 2399122329, 468]);
  });

  it('unsupported link types => unsupported-link, without reading the frame', () => {
    for (const lt of [7, 147, 177, 65535, 99999, -1, 1.5, NaN]) {
      expect(skip(lt, ACCECN)).toBe('unsupported-link');
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('skip reasons', () => {
  it('UDP, ICMP, other IP protocols', () => {
    const withProto = (p: number) => {
      const b = ACCECN.slice();
      b[14 + 9] = p;
      return b;
    };
    expect(skip(1, withProto(17))).toBe('udp');
    expect(skip(1, withProto(1))).toBe('icmp');
    // GRE (47) and IP in IP (4, 41) are tunnels, followed (tunnels.test.ts): what follows here is
    // a TCP header, not GRE or IP, so the frame is damaged or truncated inside the tunnel.
    expect(skip(1, withProto(47))).not.toBe('segment');
    expect(skip(1, withProto(4))).toBe('malformed'); // a TCP header read as IPv4: version 8
    expect(skip(1, withProto(50))).toBe('other-ip'); // ESP
    expect(skip(1, withProto(0))).toBe('other-ip'); // 0 is not hop-by-hop in IPv4
  });
  it('isSkip and SKIP_REASONS', () => {
    expect(isSkip('udp')).toBe(true);
    expect(isSkip(seg(1, ACCECN))).toBe(false);
    expect(new Set(SKIP_REASONS).size).toBe(9);
  });
});

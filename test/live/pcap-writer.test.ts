// The -w writer: classic pcap, µs, little-endian. Checked against real captures from the tcpdump
// corpus: re-writing a µs little-endian file record by record must give back the same bytes, and an
// independent reader (pcap-parser) must read back what was written.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/capture/frame.js';
import { openCapture } from '../../src/capture/open.js';
import { PCAP_FILE_HEADER_LEN, PcapFileWriter, PcapWriter, pcapFileHeader } from '../../src/capture/pcap-writer.js';
import { readPcap } from '../helpers/pcap-oracle.js';

const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/corpus/tcpdump/tcp');
const tmp = mkdtempSync(path.join(tmpdir(), 'live-pcapw-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes every record of `file` through a PcapWriter with the given chunk size; returns the bytes. */
async function rewrite(file: string, chunkSize: number, snaplen?: number): Promise<Buffer> {
  const src = await readPcap(file);
  const parts: Buffer[] = [];
  const w = new PcapWriter((c) => parts.push(Buffer.from(c)), src.header.linkLayerType, snaplen ?? src.header.snapshotLength, chunkSize);
  for (const r of src.records) w.writeRecord(r.tsSec, r.tsUsec * 1000, r.data, 0, r.capLen, r.wireLen);
  w.flush();
  const out = Buffer.concat(parts);
  expect(w.bytes).toBe(out.length);
  expect(w.records).toBe(src.records.length);
  return out;
}

describe('pcapFileHeader', () => {
  it('lays out magic, version 2.4, zone 0, sigfigs 0, snaplen and link type little-endian', () => {
    const h = Buffer.from(pcapFileHeader(113, 65535));
    expect(h.length).toBe(PCAP_FILE_HEADER_LEN);
    expect(h.toString('hex')).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '71000000');
  });
});

describe('PcapWriter on real captures', () => {
  // Ethernet, Linux cooked, BSD NULL, raw IP, an 80 KB BIG TCP frame, and a snaplen-96 capture.
  const files = ['accecn_handshake.pcap', 'resp_2_inline.pcap', 'tcp_rst_diag_payload.pcap', 'mptcp-tcprst.pcap', 'bigtcp-ipv4.pcap', 'bgp-infinite-loop.pcap'];

  it.each(files)('%s: rewriting gives back the original bytes, whatever the chunk size', async (name) => {
    const file = path.join(CORPUS, name);
    const original = readFileSync(file);
    expect(await rewrite(file, 256 * 1024)).toEqual(original);
    // Tiny chunks: record headers and data straddle chunk boundaries.
    expect(await rewrite(file, 41)).toEqual(original);
  });

  it.each(files)('%s: an independent reader reads back every record', async (name) => {
    const file = path.join(CORPUS, name);
    const src = await readPcap(file);
    const outPath = path.join(tmp, name);
    const w = new PcapFileWriter(outPath, src.header.linkLayerType, src.header.snapshotLength);
    for (const r of src.records) {
      // Put the frame at an offset inside a larger buffer, as the capture sources hand it over.
      const holder = Buffer.alloc(r.data.length + 7, 0xee);
      r.data.copy(holder, 7);
      w.write({
        index: 0,
        tsSec: r.tsSec,
        tsNsec: r.tsUsec * 1000 + 999,
        linkType: src.header.linkLayerType,
        iface: 0,
        buf: holder,
        offset: 7,
        capLen: r.capLen,
        wireLen: r.wireLen,
      });
    }
    w.close();
    w.close(); // idempotent
    const back = await readPcap(outPath);
    expect(back.header.linkLayerType).toBe(src.header.linkLayerType);
    expect(back.header.snapshotLength).toBe(src.header.snapshotLength);
    expect(back.header.majorVersion).toBe(2);
    expect(back.header.minorVersion).toBe(4);
    expect(back.records.length).toBe(src.records.length);
    expect(back.records.length).toBeGreaterThan(0);
    for (let i = 0; i < src.records.length; i++) expect(back.records[i]).toEqual(src.records[i]);
  });
});

describe("PcapWriter read back by the project's own reader", () => {
  it.each(['accecn_handshake.pcap', 'resp_2_inline.pcap', 'bigtcp-ipv4.pcap'])('%s', async (name) => {
    const src = await readPcap(path.join(CORPUS, name));
    const outPath = path.join(tmp, `own-${name}`);
    const w = new PcapFileWriter(outPath, src.header.linkLayerType, src.header.snapshotLength);
    // Nanosecond input times: the file keeps microseconds, truncated.
    for (const r of src.records) w.writeRecord(r.tsSec, r.tsUsec * 1000 + 789, r.data, 0, r.capLen, r.wireLen);
    w.close();
    const got: Array<Omit<Frame, 'buf' | 'offset'> & { data: Buffer }> = [];
    const stats = await openCapture(outPath).run({
      frame(f) {
        const { buf, offset, ...rest } = f;
        got.push({ ...rest, data: Buffer.from(buf.subarray(offset, offset + f.capLen)) });
      },
    });
    expect(stats.format).toBe('pcap');
    expect(stats.warnings).toEqual([]);
    expect(stats.linkTypes).toEqual([src.header.linkLayerType]);
    expect(got.length).toBe(src.records.length);
    got.forEach((g, i) => {
      const r = src.records[i]!;
      expect(g).toEqual({
        index: i + 1,
        tsSec: r.tsSec,
        tsNsec: r.tsUsec * 1000,
        linkType: src.header.linkLayerType,
        iface: 0,
        capLen: r.capLen,
        wireLen: r.wireLen,
        data: r.data,
      });
    });
  });
});

describe('PcapWriter edge cases', () => {
  it('cuts frames to the snaplen and keeps the wire length', async () => {
    const file = path.join(CORPUS, 'accecn_handshake.pcap');
    const src = await readPcap(file);
    const out = await rewrite(file, 1000, 60);
    const outPath = path.join(tmp, 'cut.pcap');
    writeFileSync(outPath, out);
    const back = await readPcap(outPath);
    expect(back.header.snapshotLength).toBe(60);
    expect(back.records.length).toBe(src.records.length);
    for (let i = 0; i < src.records.length; i++) {
      const s = src.records[i]!;
      const b = back.records[i]!;
      expect(b.capLen).toBe(Math.min(60, s.capLen));
      expect(b.wireLen).toBe(s.wireLen);
      expect(b.data).toEqual(s.data.subarray(0, Math.min(60, s.capLen)));
    }
    expect(src.records.some((r) => r.capLen > 60)).toBe(true);
  });

  it('truncates nanoseconds to microseconds (never rounds into the next second)', () => {
    const parts: Buffer[] = [];
    const w = new PcapWriter((c) => parts.push(Buffer.from(c)), 1, 65535);
    w.writeRecord(1_700_000_000, 999_999_999, new Uint8Array(4), 0, 4, 4);
    w.flush();
    const b = Buffer.concat(parts);
    expect(b.readUInt32LE(24)).toBe(1_700_000_000);
    expect(b.readUInt32LE(28)).toBe(999_999);
    expect(b.readUInt32LE(32)).toBe(4);
    expect(b.readUInt32LE(36)).toBe(4);
  });

  it('never writes an original length below the included length', () => {
    const parts: Buffer[] = [];
    const w = new PcapWriter((c) => parts.push(Buffer.from(c)), 1, 65535);
    w.writeRecord(1, 0, new Uint8Array(10), 0, 10, 0);
    w.flush();
    expect(Buffer.concat(parts).readUInt32LE(36)).toBe(10);
  });

  it('fails at construction on a path it cannot create', () => {
    expect(() => new PcapFileWriter(path.join(tmp, 'no/such/dir/x.pcap'), 1, 65535)).toThrow(/ENOENT/);
  });
});

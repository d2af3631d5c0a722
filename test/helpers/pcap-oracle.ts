// Test helper: reads a whole classic pcap with pcap-parser (an independent implementation, so a
// writer bug cannot hide behind a matching reader bug).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pcapParser = require('pcap-parser') as {
  parse(path: string): import('node:events').EventEmitter;
};

export interface PcapRecord {
  tsSec: number;
  tsUsec: number;
  capLen: number;
  wireLen: number;
  data: Buffer;
}
export interface PcapFile {
  header: { magicNumber: number; majorVersion: number; minorVersion: number; snapshotLength: number; linkLayerType: number };
  records: PcapRecord[];
}

/** Every record of a classic pcap file, in order. */
export function readPcap(path: string): Promise<PcapFile> {
  return new Promise((resolve, reject) => {
    const p = pcapParser.parse(path);
    let header: PcapFile['header'] | null = null;
    const records: PcapRecord[] = [];
    p.on('globalHeader', (h: PcapFile['header']) => (header = h));
    p.on('packet', (pkt: { header: Record<string, number>; data: Buffer }) =>
      records.push({
        tsSec: pkt.header.timestampSeconds!,
        tsUsec: pkt.header.timestampMicroseconds!,
        capLen: pkt.header.capturedLength!,
        wireLen: pkt.header.originalLength!,
        data: Buffer.from(pkt.data),
      }),
    );
    p.on('end', () => (header ? resolve({ header, records }) : reject(new Error(`${path}: no pcap header`))));
    p.on('error', reject);
  });
}

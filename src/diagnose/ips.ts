/**
 * Numbers the records' IP strings once per diagnose() call. Each record carries its own copy of
 * its address strings, so grouping by string costs a string comparison or hash per record and
 * per grouping; with an index, TIME-WAIT and openings group by plain integers.
 */
import type { ConnectionRecord } from '../tcp/model.js';

/** Distinct IP strings and, per record (by position), the number of its client's and its server's. */
export interface IpIndex {
  /** Distinct IP strings by number, in order of first appearance. */
  ips: string[];
  /** The number of each IP string. */
  id: Map<string, number>;
  /** records[i].client.ip is ips[client[i]]; likewise for the server. */
  client: Int32Array;
  server: Int32Array;
}

/** Indexes the client and server IPs of `records`. */
export function indexIps(records: readonly ConnectionRecord[]): IpIndex {
  const ips: string[] = [];
  const id = new Map<string, number>();
  const client = new Int32Array(records.length);
  const server = new Int32Array(records.length);
  // Consecutive records mostly share their addresses: compare with the last two before hashing.
  let lastA = '';
  let idA = -1;
  let lastB = '';
  let idB = -1;
  const number = (ip: string): number => {
    if (ip === lastA && idA >= 0) return idA;
    if (ip === lastB && idB >= 0) return idB;
    let n = id.get(ip);
    if (n === undefined) {
      n = ips.length;
      ips.push(ip);
      id.set(ip, n);
    }
    lastB = lastA;
    idB = idA;
    lastA = ip;
    idA = n;
    return n;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    client[i] = number(r.client.ip);
    server[i] = number(r.server.ip);
  }
  return { ips, id, client, server };
}

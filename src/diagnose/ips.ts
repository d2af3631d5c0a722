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
  /** records[i].server.port, read in the same pass (the endpoint object is already loaded). */
  serverPort: Float64Array;
}

/** Indexes the client and server IPs of `records`. */
export function indexIps(records: readonly ConnectionRecord[]): IpIndex {
  const ips: string[] = [];
  const id = new Map<string, number>();
  const client = new Int32Array(records.length);
  const server = new Int32Array(records.length);
  const serverPort = new Float64Array(records.length);
  // Consecutive records mostly share their addresses: compare with the last client's and the last
  // server's before hashing.
  let lastC = '';
  let idC = -1;
  let lastS = '';
  let idS = -1;
  const number = (ip: string): number => {
    let n = id.get(ip);
    if (n === undefined) {
      n = ips.length;
      ips.push(ip);
      id.set(ip, n);
    }
    return n;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const c = r.client.ip;
    if (idC < 0 || c !== lastC) {
      idC = idS >= 0 && c === lastS ? idS : number(c);
      lastC = c;
    }
    client[i] = idC;
    const sv = r.server;
    const s = sv.ip;
    if (idS < 0 || s !== lastS) {
      idS = s === lastC ? idC : number(s);
      lastS = s;
    }
    server[i] = idS;
    serverPort[i] = sv.port;
  }
  return { ips, id, client, server, serverPort };
}

/**
 * IP strings numbered once per run. Each record carries its own copy of its address strings, so
 * grouping by string costs a string comparison or hash per record and per grouping; numbered, the
 * TIME-WAIT and openings collectors group by plain integers.
 */

/** Distinct IP strings by number, in order of first appearance. */
export class IpNumbers {
  /** IP strings by number. */
  readonly ips: string[] = [];
  private readonly id = new Map<string, number>();
  // Consecutive records mostly share their server's address (and sometimes their client's): the
  // last one asked for in each role is compared before hashing.
  private readonly last = ['', ''];
  private readonly lastId = [-1, -1];

  /** The number of `ip`, assigning the next one on first sight; `role` picks the cache (0 client, 1 server). */
  number(ip: string, role: 0 | 1 = 0): number {
    if (this.lastId[role]! >= 0 && ip === this.last[role]) return this.lastId[role]!;
    let n = this.id.get(ip);
    if (n === undefined) {
      n = this.ips.length;
      this.ips.push(ip);
      this.id.set(ip, n);
    }
    this.last[role] = ip;
    this.lastId[role] = n;
    return n;
  }

  /** The number of `ip` if it has one. */
  get(ip: string): number | undefined {
    return this.id.get(ip);
  }
}

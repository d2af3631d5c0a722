/**
 * Failed openings grouped by the server endpoint they were aimed at (one group per endpoint and
 * way of failing), for openings.ts: the counts, the client addresses, the 20 smallest ids, and
 * what the kind of failure keeps besides (its accumulator). Groups fed different connections merge
 * (`state()`, `absorb()`), by endpoint: everything in a group is a sum, a set union, or the smallest
 * ids, so no group depends on the order connections finish in or on how they were split.
 */
import type { ConnectionRecord } from '../tcp/model.js';
import { endpointText } from './endpoint.js';
import type { OpeningGroup } from './types.js';

const ID_CAP = 20;

/** What one way of failing adds to the common group: its fields `G`, and an accumulator `X` kept beside it. */
export interface GroupKind<G extends OpeningGroup, X> {
  /** The kind's fields of a new group. */
  make: () => Omit<G, keyof OpeningGroup>;
  /** A new group's accumulator (plain data: it is part of the state). */
  extra: () => X;
  /** Folds a record into its group (after the common counts). */
  fold?: (g: G, x: X, r: ConnectionRecord) => void;
  /** Adds the kind's part of another group of the same endpoint, `from` and `fx` (not kept: copy what is taken). */
  merge?: (g: G, x: X, from: G, fx: X) => void;
}

/** One group as collected: the group, the numbers of its client addresses, the accumulator. */
interface Entry<G, X> {
  g: G;
  clients: Set<number>;
  x: X;
}

/**
 * One group as plain data: `key` is the server's address number (in the IpNumbers the groups were
 * collected with) times 65536 plus its port, `clients` its client address numbers there.
 */
export interface GroupState<G, X> {
  key: number;
  g: G;
  clients: Int32Array;
  x: X;
}

/**
 * Openings to one server endpoint that failed one way, grouped as they arrive. Ids are the 20
 * smallest, the client count exact (a set of address numbers), so the group does not depend on the
 * order in which connections finish.
 */
export class Groups<G extends OpeningGroup, X> {
  private readonly out = new Map<number, Entry<G, X>>();

  constructor(private readonly kind: GroupKind<G, X>) {}

  /** Folds `r` into its server's group; `evicted`: a full table ended it early. */
  add(r: ConnectionRecord, clientIp: number, serverIp: number, evicted: boolean): void {
    // Keyed by numbers (the server's address number and port): a string per record costs more.
    const key = serverIp * 65536 + r.server.port;
    let e = this.out.get(key);
    if (!e) {
      const base: OpeningGroup = { server: endpointText(r.server), ip: r.server.ip, port: r.server.port, connections: 0, clients: 0, ids: [], evicted: 0 };
      const g = { ...base, ...this.kind.make() } as unknown as G;
      this.out.set(key, (e = { g, clients: new Set(), x: this.kind.extra() }));
    }
    const g = e.g;
    g.connections++;
    if (evicted) g.evicted++;
    e.clients.add(clientIp);
    g.clients = e.clients.size;
    insertId(g.ids, r.id);
    this.kind.fold?.(g, e.x, r);
  }

  /** The groups with their accumulators, most connections first, then by server. */
  list(): Array<{ g: G; x: X }> {
    return [...this.out.values()].sort((a, b) => b.g.connections - a.g.connections || a.g.server.localeCompare(b.g.server));
  }

  /** The groups as plain data (copies). */
  state(): Array<GroupState<G, X>> {
    return [...this.out].map(([key, e]) => ({ key, g: structuredClone(e.g), clients: Int32Array.from(e.clients), x: structuredClone(e.x) }));
  }

  /** Adds the groups of another `state()`, its address numbers translated by `ip` (IpNumbers.absorb). */
  absorb(s: ReadonlyArray<GroupState<G, X>>, ip: Int32Array): void {
    for (const from of s) {
      const key = ip[Math.floor(from.key / 65536)]! * 65536 + (from.key % 65536);
      const e = this.out.get(key);
      if (e === undefined) {
        const clients = new Set<number>();
        for (const c of from.clients) clients.add(ip[c]!);
        this.out.set(key, { g: structuredClone(from.g), clients, x: structuredClone(from.x) });
        continue;
      }
      const g = e.g;
      g.connections += from.g.connections;
      g.evicted += from.g.evicted;
      for (const c of from.clients) e.clients.add(ip[c]!);
      g.clients = e.clients.size;
      for (const id of from.g.ids) insertId(g.ids, id);
      this.kind.merge?.(g, e.x, from.g, from.x);
    }
  }
}

/** Keeps `ids` the ID_CAP smallest ids seen, ascending. */
function insertId(ids: number[], id: number): void {
  if (ids.length === ID_CAP && id >= ids[ID_CAP - 1]!) return;
  let i = ids.length;
  while (i > 0 && ids[i - 1]! > id) i--;
  ids.splice(i, 0, id);
  if (ids.length > ID_CAP) ids.length = ID_CAP;
}

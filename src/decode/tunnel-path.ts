/**
 * Tunnel paths: the tunnels a frame's TCP segment came through, outermost first, and the small
 * number (a path id) that stands for them in the Segment and in flow/'s key.
 *
 * While a frame is decoded, each tunnel decoder pushes a hop into the cursor (`pushHop`): its type,
 * the outer IP addresses that carried it and its id (VNI, GRE key, ERSPAN session, TEID). When the
 * frame turns out to be TCP, `TunnelPaths.intern` turns the hops into a path id: the same tunnels
 * give the same id whichever way the packet travels (each hop's outer addresses are put in a
 * canonical order, lower first, and the flip is kept per hop in `Segment.tunnelFlip`). A hit
 * allocates nothing; only a new path makes an object.
 *
 * Ids (VNI, GRE key, ERSPAN session) are part of the key, so two tenants' identical inner 4-tuples
 * between the same tunnel endpoints are two connections. Each direction of a tunnel may carry its
 * own id, though: GTP-U always does (3GPP TS 29.281 §5.1: each end picks the TEID it receives on),
 * and real Geneve/GRE setups do too (the tcpdump corpus's geneve.pcap: VNI 0xb one way, 0xa back;
 * Linux GRE's ikey/okey). So a path keeps one id per direction, and the id of the way not yet seen
 * is learned from the first packet that comes back: a path whose other direction carries the same
 * id is taken first, else the only path between those endpoints still waiting for its way back,
 * else it is a new path. A GTP-U TEID is never part of the key (many sessions share two tunnel
 * endpoints, each with a TEID per direction: a packet back could not tell which it belongs to);
 * the path shows it.
 *
 * A frame's hops are looked up by a hash of the hops as that frame carries them (direction and id
 * per hop): one Map probe, nothing allocated, on every frame after a direction's first.
 *
 * Memory is bounded: beyond `cap` paths, the least recently seen half is forgotten (and a path that
 * comes back gets a new id, so a connection on it would start again as a new one: only when more
 * than `cap / 2` distinct tunnel paths are in use at once). Ids are never reused.
 */
import { formatIp } from './addr.js';
import { HOP_WORDS, MAX_HOPS, type Cursor } from './cursor.js';
import { mix } from './hash.js';

/** Tunnel kinds, as the record spells them (`tunnel[].type`). */
export const TUNNEL_TYPES = ['', 'vxlan', 'geneve', 'gre', 'erspan', 'ipip', '6in4', '4in6', '6in6', 'teredo', 'ayiya', 'gtp-u', 'gre-udp'] as const;
export type TunnelType = Exclude<(typeof TUNNEL_TYPES)[number], ''>;

/** Tunnel type codes (indexes into TUNNEL_TYPES). */
export const Tun = {
  Vxlan: 1,
  Geneve: 2,
  Gre: 3,
  Erspan: 4,
  Ipip: 5,
  SixIn4: 6,
  FourIn6: 7,
  SixIn6: 8,
  Teredo: 9,
  Ayiya: 10,
  GtpU: 11,
  GreUdp: 12,
} as const;

/** One tunnel a connection's segments came through (the record's `tunnel[]`). */
export interface TunnelHop {
  /** vxlan, geneve, gre, erspan, ipip, 6in4, 4in6, 6in6, teredo, ayiya, gtp-u, gre-udp. */
  type: TunnelType;
  /** The outer IP addresses, "src -> dst", as the client's first packet in the tunnel carried them. */
  outer: string;
  /** VNI (vxlan, geneve), GRE key, ERSPAN session id, GTP-U TEID; null when the tunnel has none. */
  id: number | null;
}

const W_TYPE = 0;
const W_VER = 1;
const W_ID = 10;
const W_HASID = 11;

/**
 * Pushes a hop for a tunnel carried by the IP header the cursor last decoded (its addresses are
 * the hop's outer ones). False when the frame already holds MAX_HOPS tunnels.
 */
export function pushHop(c: Cursor, type: number, id: number, hasId: boolean): boolean {
  if (c.depth >= MAX_HOPS) return false;
  const h = c.hops;
  const o = c.depth * HOP_WORDS;
  h[o + W_TYPE] = type;
  h[o + W_VER] = c.ipVersion;
  h[o + 2] = c.src0 | 0;
  h[o + 3] = c.src1 | 0;
  h[o + 4] = c.src2 | 0;
  h[o + 5] = c.src3 | 0;
  h[o + 6] = c.dst0 | 0;
  h[o + 7] = c.dst1 | 0;
  h[o + 8] = c.dst2 | 0;
  h[o + 9] = c.dst3 | 0;
  h[o + W_ID] = id | 0;
  h[o + W_HASID] = hasId ? 1 : 0;
  c.depth++;
  return true;
}

/** The innermost hop's type code, 0 when the frame is not tunnelled. */
export function innermostType(c: Cursor): number {
  return c.depth === 0 ? 0 : c.hops[(c.depth - 1) * HOP_WORDS + W_TYPE]!;
}

/** Whether hop `o`'s source sorts after its destination (unsigned, word by word). */
function srcAbove(h: Int32Array, o: number): boolean {
  for (let i = 0; i < 4; i++) {
    const s = h[o + 2 + i]! >>> 0;
    const d = h[o + 6 + i]! >>> 0;
    if (s !== d) return s > d;
  }
  return false;
}

// A path's words per hop: type, IP version, lower outer address (4), higher (4), the id sent from
// the lower address, the id sent from the higher one, flags.
const K_WORDS = 13;
const K_FWD = 10;
const K_REV = 11;
const K_FLAGS = 12;
/** The hop has ids (VNI, key, session, TEID). */
const F_ID = 1;
/** The hop was seen from the lower / higher address (and that way's id is known). */
const F_FWD = 2;
const F_REV = 4;

/** Whether the hop's id takes part in the key (GTP-U's TEID does not: see the module comment). */
const keyed = (type: number) => type !== Tun.GtpU;

/** An interned path: its canonical words and the frame hashes it answers to. */
class Path {
  /** Cached description in canonical orientation (built on first use, rebuilt if ids are learned). */
  private hops: TunnelHop[] | null = null;
  /** Frame hashes this path is registered under (for the index rebuild). */
  readonly sigs: number[] = [];
  /** Last `intern` tick that used it. */
  used = 0;
  constructor(
    readonly id: number,
    /** Hash of the hops without directions or ids: paths between the same endpoints share it. */
    readonly shape: number,
    readonly key: Int32Array,
  ) {}

  get hopCount(): number {
    return this.key.length / K_WORDS;
  }

  /** Forgets the cached description (an id was learned). */
  changed(): void {
    this.hops = null;
  }

  /** The hops as the record shows them: hop i's outer addresses higher first where `flip` has bit i, and that way's id. */
  describe(flip: number): TunnelHop[] {
    if (flip === 0 && this.hops !== null) return this.hops;
    const k = this.key;
    const out: TunnelHop[] = [];
    for (let i = 0; i < this.hopCount; i++) {
      const o = i * K_WORDS;
      const v = k[o + 1] === 6 ? 6 : 4;
      const a = formatIp(v, k[o + 2]! >>> 0, k[o + 3]! >>> 0, k[o + 4]! >>> 0, k[o + 5]! >>> 0);
      const b = formatIp(v, k[o + 6]! >>> 0, k[o + 7]! >>> 0, k[o + 8]! >>> 0, k[o + 9]! >>> 0);
      const rev = (flip & (1 << i)) !== 0;
      const f = k[o + K_FLAGS]!;
      let id: number | null = null;
      if (f & F_ID) {
        // The id of the way shown; the other way's when that one was never seen.
        const mine = rev ? F_REV : F_FWD;
        id = (f & mine ? k[o + (rev ? K_REV : K_FWD)]! : k[o + (rev ? K_FWD : K_REV)]!) >>> 0;
      }
      out.push({ type: TUNNEL_TYPES[k[o]!] as TunnelType, outer: rev ? `${b} -> ${a}` : `${a} -> ${b}`, id });
    }
    if (flip === 0) this.hops = out;
    return out;
  }
}

/** Paths held at most (the least recently seen half goes beyond it). */
export const PATH_CAP = 131072;
/** Paths between the same endpoints still waiting for a way back that a first packet back considers. */
const MAX_WAITING = 64;

/** The interned tunnel paths of one run. See the module comment. */
export class TunnelPaths {
  /** Frame hash -> paths (chained through arrays: collisions are rare). */
  private bySig = new Map<number, Path[]>();
  /** Shape hash -> paths still waiting for an id of a way back, most recent last. */
  private waiting = new Map<number, Path[]>();
  private readonly byId = new Map<number, Path>();
  private nextId = 1;
  private tick = 0;
  /** Set by `intern`: which hops of the frame run against their path's canonical order (bit i = hop i). */
  flip = 0;

  constructor(private readonly cap = PATH_CAP) {}

  /** Distinct paths held now. */
  get size(): number {
    return this.byId.size;
  }

  /** The id of the cursor's hops (making or completing a path when new), and `flip` for this frame. */
  intern(c: Cursor): number {
    const h = c.hops;
    const n = c.depth;
    let flip = 0;
    let sig = n;
    let shape = n;
    for (let i = 0; i < n; i++) {
      const o = i * HOP_WORDS;
      const rev = srcAbove(h, o);
      if (rev) flip |= 1 << i;
      const tv = h[o + W_TYPE]! | (h[o + W_VER]! << 8);
      sig = mix(sig, tv | (rev ? 0x10000 : 0));
      shape = mix(shape, tv);
      const s = rev ? 6 : 2;
      const d = rev ? 2 : 6;
      for (let j = 0; j < 4; j++) {
        sig = mix(sig, h[o + s + j]!);
        shape = mix(shape, h[o + s + j]!);
      }
      for (let j = 0; j < 4; j++) {
        sig = mix(sig, h[o + d + j]!);
        shape = mix(shape, h[o + d + j]!);
      }
      sig = mix(sig, keyed(h[o + W_TYPE]!) ? h[o + W_ID]! : 0);
    }
    this.flip = flip;
    this.tick++;
    const list = this.bySig.get(sig);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        if (this.fits(p, h, n, flip) === 0) {
          p.used = this.tick;
          return p.id;
        }
      }
    }
    return this.slow(h, n, flip, sig, shape).id;
  }

  /** The hops of path `id` as the record shows them (see Path.describe), or [] for 0 or a forgotten id. */
  describe(id: number, flip: number): TunnelHop[] {
    if (id === 0) return [];
    return this.byId.get(id)?.describe(flip) ?? [];
  }

  /**
   * How the frame's hops fit path `p`: 0 exactly; 1 once the ids of ways not seen yet are learned,
   * each the same as the other way's (symmetric); 2 once learned otherwise; -1 not at all.
   */
  private fits(p: Path, h: Int32Array, n: number, flip: number): number {
    const k = p.key;
    if (k.length !== n * K_WORDS) return -1;
    let fit = 0;
    for (let i = 0; i < n; i++) {
      const o = i * HOP_WORDS;
      const q = i * K_WORDS;
      const rev = (flip >> i) & 1;
      if (k[q] !== h[o + W_TYPE] || k[q + 1] !== h[o + W_VER]) return -1;
      for (let j = 0; j < 4; j++) {
        if (k[q + 2 + j] !== h[o + (rev ? 6 : 2) + j] || k[q + 6 + j] !== h[o + (rev ? 2 : 6) + j]) return -1;
      }
      const f = k[q + K_FLAGS]!;
      if (((f & F_ID) !== 0) !== (h[o + W_HASID] === 1)) return -1;
      const mine = rev ? F_REV : F_FWD;
      const id = h[o + W_ID]!;
      if (f & mine) {
        if (f & F_ID && keyed(k[q]!) && k[q + (rev ? K_REV : K_FWD)] !== id) return -1;
      } else if (f & F_ID && keyed(k[q]!)) {
        // A way not seen yet: its id is learned, preferably the same as the other way's.
        const other = rev ? F_FWD : F_REV;
        const symmetric = (f & other) !== 0 && k[q + (rev ? K_FWD : K_REV)] === id;
        fit = Math.max(fit, symmetric ? 1 : 2);
      } else {
        fit = Math.max(fit, 1);
      }
    }
    return fit;
  }

  /** A frame whose hops were not seen this way before: complete a waiting path, or make a new one. */
  private slow(h: Int32Array, n: number, flip: number, sig: number, shape: number): Path {
    const waiting = this.waiting.get(shape);
    let best: Path | null = null;
    let bestFit = 3;
    let candidates = 0;
    if (waiting !== undefined) {
      for (let i = waiting.length - 1; i >= 0; i--) {
        const f = this.fits(waiting[i]!, h, n, flip);
        if (f < 0) continue;
        candidates++;
        if (f < bestFit) {
          best = waiting[i]!;
          bestFit = f;
        }
      }
    }
    // A path learned otherwise than symmetrically only when it is the one candidate.
    if (best !== null && (bestFit <= 1 || candidates === 1)) {
      this.learn(best, h, n, flip);
    } else {
      best = this.make(h, n, flip, shape);
    }
    best.used = this.tick;
    this.register(best, sig);
    return best;
  }

  private make(h: Int32Array, n: number, flip: number, shape: number): Path {
    if (this.byId.size >= this.cap) this.forget();
    const key = new Int32Array(n * K_WORDS);
    for (let i = 0; i < n; i++) {
      const o = i * HOP_WORDS;
      const q = i * K_WORDS;
      const rev = (flip >> i) & 1;
      key[q] = h[o + W_TYPE]!;
      key[q + 1] = h[o + W_VER]!;
      for (let j = 0; j < 4; j++) {
        key[q + 2 + j] = h[o + (rev ? 6 : 2) + j]!;
        key[q + 6 + j] = h[o + (rev ? 2 : 6) + j]!;
      }
      key[q + K_FLAGS] = (h[o + W_HASID] === 1 ? F_ID : 0) | (rev ? F_REV : F_FWD);
      key[q + (rev ? K_REV : K_FWD)] = h[o + W_ID]!;
    }
    const p = new Path(this.nextId++, shape, key);
    this.byId.set(p.id, p);
    if (this.incomplete(p)) this.wait(p);
    return p;
  }

  /** Fills in the ids of the ways the frame shows for the first time. */
  private learn(p: Path, h: Int32Array, n: number, flip: number): void {
    const k = p.key;
    for (let i = 0; i < n; i++) {
      const q = i * K_WORDS;
      const f = k[q + K_FLAGS]!;
      const rev = (flip >> i) & 1;
      const mine = rev ? F_REV : F_FWD;
      if (f & mine) continue;
      k[q + (rev ? K_REV : K_FWD)] = h[i * HOP_WORDS + W_ID]!;
      k[q + K_FLAGS] = f | mine;
    }
    p.changed();
    if (!this.incomplete(p)) {
      const w = this.waiting.get(p.shape);
      if (w !== undefined) {
        const at = w.indexOf(p);
        if (at >= 0) w.splice(at, 1);
        if (w.length === 0) this.waiting.delete(p.shape);
      }
    }
  }

  /** Whether some hop was not seen both ways yet. */
  private incomplete(p: Path): boolean {
    const k = p.key;
    for (let q = 0; q < k.length; q += K_WORDS) {
      if ((k[q + K_FLAGS]! & (F_FWD | F_REV)) !== (F_FWD | F_REV)) return true;
    }
    return false;
  }

  private wait(p: Path): void {
    const w = this.waiting.get(p.shape);
    if (w === undefined) this.waiting.set(p.shape, [p]);
    else {
      w.push(p);
      if (w.length > MAX_WAITING) w.shift();
    }
  }

  private register(p: Path, sig: number): void {
    if (!p.sigs.includes(sig)) p.sigs.push(sig);
    const list = this.bySig.get(sig);
    if (list === undefined) this.bySig.set(sig, [p]);
    else if (!list.includes(p)) list.push(p);
  }

  /** Keeps the most recently seen half of the paths and rebuilds the indexes from them. */
  private forget(): void {
    const paths = [...this.byId.values()].sort((a, b) => b.used - a.used);
    const keep = paths.slice(0, this.cap >> 1).reverse();
    this.byId.clear();
    this.bySig = new Map();
    this.waiting = new Map();
    for (const p of keep) {
      this.byId.set(p.id, p);
      for (const s of p.sigs) {
        const list = this.bySig.get(s);
        if (list === undefined) this.bySig.set(s, [p]);
        else list.push(p);
      }
      if (this.incomplete(p)) this.wait(p);
    }
  }
}

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
 * GTP-U's TEID is not part of the key: each direction of a GTP tunnel has its own TEID
 * (3GPP TS 29.281 §5.1), so keying on it would split every connection in two. The path shows
 * the TEID of the first packet that made it. Every other id is the same both ways (VNI, GRE key,
 * ERSPAN session) and is part of the key.
 *
 * Memory is bounded: paths live in two generations of at most `generation` each; a path not seen
 * for a whole generation is forgotten, and if it comes back it gets a new id (a connection on it
 * would then start again as a new one: only when more than `generation` distinct tunnel paths are
 * in use at once). Ids are never reused, so two different paths never share one.
 */
import { formatIp } from './addr.js';
import { HOP_WORDS, MAX_HOPS, type Cursor } from './cursor.js';

/** Tunnel kinds, as the record spells them (`tunnel[].type`). */
export const TUNNEL_TYPES = [
  '',
  'vxlan',
  'geneve',
  'gre',
  'erspan',
  'ipip',
  '6in4',
  '4in6',
  '6in6',
  'teredo',
  'ayiya',
  'gtp-u',
  'gre-udp',
] as const;
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

/** murmur3's mix of one word into a running hash (flow/'s, which decode/ may not import). */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** An interned path: its canonical words (the key) and what the record shows. */
class Path {
  /** Cached description in canonical orientation (built on first use). */
  private hops: TunnelHop[] | null = null;
  constructor(
    readonly id: number,
    readonly hash: number,
    /** Canonical words, HOP_WORDS per hop (outer addresses lower first, GTP-U id zeroed). */
    readonly key: Int32Array,
    /** The id each hop showed on the packet that made the path (GTP-U's TEID of that direction). */
    readonly shownIds: Int32Array,
    public next: Path | null,
  ) {}

  /** The hops as the record shows them, each hop's outer addresses reversed where `flip` has its bit. */
  describe(flip: number): TunnelHop[] {
    const n = this.key.length / HOP_WORDS;
    if (flip === 0 && this.hops !== null) return this.hops;
    const out: TunnelHop[] = [];
    for (let i = 0; i < n; i++) {
      const k = this.key;
      const o = i * HOP_WORDS;
      const v = k[o + W_VER] === 6 ? 6 : 4;
      const a = formatIp(v, k[o + 2]! >>> 0, k[o + 3]! >>> 0, k[o + 4]! >>> 0, k[o + 5]! >>> 0);
      const b = formatIp(v, k[o + 6]! >>> 0, k[o + 7]! >>> 0, k[o + 8]! >>> 0, k[o + 9]! >>> 0);
      out.push({
        type: TUNNEL_TYPES[k[o + W_TYPE]!] as TunnelType,
        outer: flip & (1 << i) ? `${b} -> ${a}` : `${a} -> ${b}`,
        id: k[o + W_HASID] === 1 ? this.shownIds[i]! >>> 0 : null,
      });
    }
    if (flip === 0) this.hops = out;
    return out;
  }
}

/** Paths kept per generation by default: far more tunnels than a capture of one site holds. */
export const PATH_GENERATION = 65536;

/** The interned tunnel paths of one run. See the module comment. */
export class TunnelPaths {
  private young = new Map<number, Path>();
  private old = new Map<number, Path>();
  private youngCount = 0;
  private nextId = 1;
  private readonly byId = new Map<number, Path>();
  /** Set by `intern`: which hops of the frame run against their path's canonical order (bit i = hop i). */
  flip = 0;

  constructor(private readonly generation = PATH_GENERATION) {}

  /** Distinct paths held now. */
  get size(): number {
    return this.byId.size;
  }

  /** The id of the cursor's hops (making a path when new), and `flip` for this frame. */
  intern(c: Cursor): number {
    const h = c.hops;
    const n = c.depth;
    let flip = 0;
    let hash = n;
    for (let i = 0; i < n; i++) {
      const o = i * HOP_WORDS;
      const rev = srcAbove(h, o);
      if (rev) flip |= 1 << i;
      hash = mix(hash, h[o + W_TYPE]! | (h[o + W_VER]! << 8));
      const s = rev ? 6 : 2;
      const d = rev ? 2 : 6;
      for (let j = 0; j < 4; j++) hash = mix(hash, h[o + s + j]!);
      for (let j = 0; j < 4; j++) hash = mix(hash, h[o + d + j]!);
      hash = mix(hash, keyedId(h, o));
    }
    this.flip = flip;
    let p = this.find(this.young.get(hash), h, n, flip);
    if (p !== null) return p.id;
    p = this.find(this.old.get(hash), h, n, flip);
    if (p !== null) {
      this.unlink(this.old, p);
      this.add(p);
      return p.id;
    }
    const key = new Int32Array(n * HOP_WORDS);
    const shown = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * HOP_WORDS;
      const rev = (flip >> i) & 1;
      key[o + W_TYPE] = h[o + W_TYPE]!;
      key[o + W_VER] = h[o + W_VER]!;
      for (let j = 0; j < 4; j++) {
        key[o + 2 + j] = h[o + (rev ? 6 : 2) + j]!;
        key[o + 6 + j] = h[o + (rev ? 2 : 6) + j]!;
      }
      key[o + W_ID] = keyedId(h, o);
      key[o + W_HASID] = h[o + W_HASID]!;
      shown[i] = h[o + W_ID]!;
    }
    p = new Path(this.nextId++, hash, key, shown, null);
    this.add(p);
    return p.id;
  }

  /** The hops of path `id` as the record shows them (see Path.describe), or [] for 0 or a forgotten id. */
  describe(id: number, flip: number): TunnelHop[] {
    if (id === 0) return [];
    return this.byId.get(id)?.describe(flip) ?? [];
  }

  private find(p: Path | undefined, h: Int32Array, n: number, flip: number): Path | null {
    for (let q = p ?? null; q !== null; q = q.next) {
      const k = q.key;
      if (k.length !== n * HOP_WORDS) continue;
      let same = true;
      for (let i = 0; i < n && same; i++) {
        const o = i * HOP_WORDS;
        const rev = (flip >> i) & 1;
        if (k[o + W_TYPE] !== h[o + W_TYPE] || k[o + W_VER] !== h[o + W_VER] || k[o + W_ID] !== keyedId(h, o) || k[o + W_HASID] !== h[o + W_HASID]) {
          same = false;
          break;
        }
        for (let j = 0; j < 4; j++) {
          if (k[o + 2 + j] !== h[o + (rev ? 6 : 2) + j] || k[o + 6 + j] !== h[o + (rev ? 2 : 6) + j]) {
            same = false;
            break;
          }
        }
      }
      if (same) return q;
    }
    return null;
  }

  private add(p: Path): void {
    if (this.youngCount >= this.generation) {
      // The old generation is forgotten: its paths were not seen for a whole generation.
      for (const q of this.old.values()) for (let r: Path | null = q; r !== null; r = r.next) this.byId.delete(r.id);
      this.old = this.young;
      this.young = new Map();
      this.youngCount = 0;
    }
    p.next = this.young.get(p.hash) ?? null;
    this.young.set(p.hash, p);
    this.youngCount++;
    this.byId.set(p.id, p);
  }

  private unlink(m: Map<number, Path>, p: Path): void {
    let q = m.get(p.hash) ?? null;
    if (q === p) {
      if (p.next === null) m.delete(p.hash);
      else m.set(p.hash, p.next);
    } else {
      while (q !== null && q.next !== p) q = q.next;
      if (q !== null) q.next = p.next;
    }
    p.next = null;
  }
}

/** The id that takes part in the key: GTP-U's TEID does not (each direction has its own). */
function keyedId(h: Int32Array, o: number): number {
  return h[o + W_TYPE] === Tun.GtpU ? 0 : h[o + W_ID]!;
}

/**
 * The decoder's working state: one module-level instance, reset for every frame.
 *
 * Each layer decoder reads the bytes of `b` between `off` and `capEnd`, writes what the next
 * layer needs into the same object, and returns null (go on) or a `SkipReason` constant. Nothing
 * here is allocated per packet. `b` aliases the capture buffer and is valid only until the next
 * frame: nothing in this object may leave decode/.
 */
import type { SkipReason } from './segment.js';

/** What the link layer says the next header is (internal codes, not ethertypes). */
export const Net = {
  /** Not an IP packet (ARP, LLDP, STP, an unknown ethertype, …). */
  None: 0,
  IPv4: 1,
  IPv6: 2,
  /** Raw IP: the version nibble of the first byte decides. */
  IpByVersion: 3,
} as const;

/** Per-frame decode state, shared by the layer decoders. */
export class Cursor {
  /** The capture buffer (aliased). */
  b: Uint8Array = new Uint8Array(0);
  /** Start of the layer being decoded. */
  off = 0;
  /** End of the captured bytes (exclusive), as an offset into `b`. */
  capEnd = 0;
  /**
   * End of the frame as it was on the wire (`capEnd` plus the bytes the snaplen cut), lowered by a
   * link layer that declares its payload's length (PPPoE's length field, RFC 2516 §4) to the end of
   * that payload: the smallest length any layer declares. No IP length is believed beyond it.
   */
  wireEnd = 0;
  /** Set by the link layer: one of `Net`. */
  net: number = Net.None;

  /** Set by the IP layer. */
  ipVersion: 4 | 6 = 4;
  src0 = 0;
  src1 = 0;
  src2 = 0;
  src3 = 0;
  dst0 = 0;
  dst1 = 0;
  dst2 = 0;
  dst3 = 0;
  /** IPv4's Identification field (RFC 791, RFC 6864); -1 for IPv6, whose header has none. */
  ipId = -1;
  /** Start of the TCP header. */
  l4Off = 0;
  /**
   * End of the IP payload as the IP header states it (may lie beyond `capEnd` when the snaplen
   * cut the frame, and before it when the link layer padded the frame).
   */
  l4End = 0;
  /** True for a first fragment (MF set, offset 0): the payload continues in other packets. */
  firstFragment = false;
  /** True when the IP header announced more bytes than the frame had on the wire (l4End was cut back). */
  lengthClamped = false;

  /**
   * Set by a tunnel decoder (tunnels.ts, gre.ts): the network layer found an encapsulated packet
   * at `off`, of kind `net`, instead of TCP. decodeFrameInto then decodes that packet the same way.
   */
  inner = false;
  /** Tunnel hops entered so far in this frame, outermost first (tunnel-path.ts's layout). */
  depth = 0;
  readonly hops = new Int32Array(MAX_HOPS * HOP_WORDS);
  /** Capture time of the frame in seconds (the fragment reassembler's clock). */
  now = 0;
  /** Reassemblies done in this frame (a reassembled datagram may hold fragments itself: bounded). */
  reassembled = 0;
  /** The run's fragment reassembler, or null: fragments are then skipped as before. */
  reasm: FragmentSink | null = null;
}

/** The most tunnel headers one frame may nest (VLAN, MPLS and other link tags do not count). */
export const MAX_HOPS = 8;
/** Int32 words per hop: type, IP version, outer source (4), outer destination (4), id, id present. */
export const HOP_WORDS = 12;

/**
 * Where the IP decoders hand a fragment that may carry a tunnel (reassembly.ts implements it):
 * returns true when the fragment completed a datagram, which then sits in the cursor (`b`, `off`,
 * `capEnd`, `wireEnd` point at it), false when it was kept (or dropped) for now.
 */
export interface FragmentSink {
  ipv4(c: Cursor, o: number, hl: number, total: number, frag: number): boolean;
  ipv6(c: Cursor, o: number, fragHdr: number, end: number): boolean;
}

/** The one cursor every decoder shares (decoding is synchronous, so one is enough). */
export const cur = new Cursor();

/** A layer decoder: reads `cur`, advances it, returns null to go on or why the frame is skipped. */
export type LayerDecoder = (c: Cursor) => SkipReason | null;

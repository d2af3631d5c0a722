/**
 * TCP options (RFC 9293 §3.2): MSS (2), window scale (3, RFC 7323), SACK-permitted (4) and
 * SACK blocks (5, RFC 2018), timestamps (8, RFC 7323), Fast Open (34, RFC 7413, and the
 * pre-assignment experimental kind 254 with magic 0xF989, RFC 6994). EOL ends the list, NOP is
 * padding; any other kind is recorded by number in `unknown`.
 *
 * Bad lengths follow Linux (net/ipv4/tcp_input.c, tcp_parse_options): a length below 2 or one
 * running past the header stops the parse ("silly options"); a known kind whose length is wrong
 * for it is skipped. Either way `malformed` is set. Options the snaplen cut are not guessed at:
 * the parse stops at the last whole option captured (the segment says `truncated`).
 */
import { u16, u32 } from './bytes.js';
import type { TcpOptions } from './segment.js';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

function hex(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += HEX[b[i]];
  return s;
}

/** RFC 7413 §4.1.1: a cookie is 4 to 16 bytes; an empty one is a cookie request. */
function cookieLenOk(n: number): boolean {
  return n === 0 || (n >= 4 && n <= 16);
}

/**
 * `reuse` cleared for another segment's options (every field present, so fresh and reused
 * options objects share one hidden class), or a new object.
 */
function blank(reuse: TcpOptions | null): TcpOptions {
  const o = reuse ?? {};
  o.mss = undefined;
  o.wscale = undefined;
  o.sackPermitted = undefined;
  o.sack = undefined;
  o.tsVal = undefined;
  o.tsEcr = undefined;
  o.fastOpen = undefined;
  o.unknown = undefined;
  o.malformed = undefined;
  return o;
}

/**
 * Parses the options in `b[start .. hdrEnd)`, reading no byte at or beyond `capEnd`.
 * Returns null when there is nothing to report (no options, or only NOP/EOL padding), so the
 * common option-less segment allocates nothing. With `reuse`, that object is cleared and filled
 * instead of a new one (its SACK list and Fast Open cookie are still new: they are rare).
 */
export function parseTcpOptions(b: Uint8Array, start: number, hdrEnd: number, capEnd: number, reuse: TcpOptions | null = null): TcpOptions | null {
  let o: TcpOptions | null = null;
  const end = hdrEnd < capEnd ? hdrEnd : capEnd;
  let p = start;
  while (p < end) {
    const kind = b[p];
    if (kind === 0) break; // EOL: the rest is padding
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 1 >= hdrEnd) {
      // The length byte would lie past the header.
      (o ??= blank(reuse)).malformed = true;
      break;
    }
    if (p + 1 >= capEnd) break; // length byte not captured
    const len = b[p + 1];
    if (len < 2 || p + len > hdrEnd) {
      (o ??= blank(reuse)).malformed = true;
      break;
    }
    if (p + len > capEnd) break; // option cut by the snaplen
    const v = p + 2;
    switch (kind) {
      case 2:
        if (len === 4) (o ??= blank(reuse)).mss = u16(b, v);
        else (o ??= blank(reuse)).malformed = true;
        break;
      case 3:
        // The raw shift count; RFC 7323 §2.3's clamp to 14 is the receiver's business (tcp/).
        if (len === 3) (o ??= blank(reuse)).wscale = b[v];
        else (o ??= blank(reuse)).malformed = true;
        break;
      case 4:
        if (len === 2) (o ??= blank(reuse)).sackPermitted = true;
        else (o ??= blank(reuse)).malformed = true;
        break;
      case 5:
        if (len >= 10 && (len - 2) % 8 === 0) {
          o ??= blank(reuse);
          const blocks: Array<[number, number]> = (o.sack ??= []);
          for (let q = v; q < p + len; q += 8) blocks.push([u32(b, q), u32(b, q + 4)]);
        } else (o ??= blank(reuse)).malformed = true;
        break;
      case 8:
        if (len === 10) {
          o ??= blank(reuse);
          o.tsVal = u32(b, v);
          o.tsEcr = u32(b, v + 4);
        } else (o ??= blank(reuse)).malformed = true;
        break;
      case 34:
        if (cookieLenOk(len - 2)) (o ??= blank(reuse)).fastOpen = { cookie: hex(b, v, p + len) };
        else (o ??= blank(reuse)).malformed = true;
        break;
      case 254:
        // RFC 6994 shared experimental option: the 16-bit ExID 0xF989 is Fast Open (RFC 7413 §4.1.1).
        if (len >= 4 && u16(b, v) === 0xf989) {
          if (cookieLenOk(len - 4)) (o ??= blank(reuse)).fastOpen = { cookie: hex(b, v + 2, p + len) };
          else (o ??= blank(reuse)).malformed = true;
        } else ((o ??= blank(reuse)).unknown ??= []).push(kind);
        break;
      default:
        ((o ??= blank(reuse)).unknown ??= []).push(kind);
    }
    p += len;
  }
  return o;
}

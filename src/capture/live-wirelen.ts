/**
 * The on-the-wire length of a live frame that was cut short.
 *
 * The `cap` binding reports only the captured length (it drops pcap_pkthdr.len), so when a frame
 * was cut (by our snaplen, or by cap's fixed libpcap snaplen of 65535 on a 64 KiB loopback MTU) its
 * wire length is read back from the IP header: link header + IPv4 total length, or + 40 + IPv6
 * payload length. Only the `-w` file's orig_len depends on this; the decoder never trusts the
 * frame lengths for payload sizes. Runs only for cut frames, so it is off the hot path.
 */
import { LinkType } from './link-types.js';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

/**
 * Best estimate of the wire length of a frame of `capLen` captured bytes at `buf[off..]`:
 * never less than `capLen`; `capLen` itself when the headers do not tell.
 */
export function wireLenFromHeaders(linkType: number, buf: Uint8Array, off: number, capLen: number): number {
  const end = off + capLen;
  let ip = -1;
  let ethertype = -1;
  switch (linkType) {
    case LinkType.ETHERNET: {
      let p = off + 12;
      // 802.1Q / 802.1ad / old QinQ tags: 4 bytes each, the real ethertype after them.
      while (p + 2 <= end) {
        const t = (buf[p]! << 8) | buf[p + 1]!;
        if (t === 0x8100 || t === 0x88a8 || t === 0x9100) {
          p += 4;
          continue;
        }
        ethertype = t;
        ip = p + 2;
        break;
      }
      break;
    }
    case LinkType.LINUX_SLL: // 16-byte header, protocol at 14 (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html)
      if (off + 16 <= end) {
        ethertype = (buf[off + 14]! << 8) | buf[off + 15]!;
        ip = off + 16;
      }
      break;
    case LinkType.LINUX_SLL2: // 20-byte header, protocol first
      if (off + 20 <= end) {
        ethertype = (buf[off]! << 8) | buf[off + 1]!;
        ip = off + 20;
      }
      break;
    case LinkType.NULL:
    case LinkType.LOOP: // 4-byte address family; the IP version nibble tells the rest
      ip = off + 4;
      break;
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6:
      ip = off;
      break;
    default:
      return capLen;
  }
  if (ip < 0 || ip + 6 > end) return capLen;
  if (ethertype !== -1 && ethertype !== ETHERTYPE_IPV4 && ethertype !== ETHERTYPE_IPV6) return capLen;
  const version = buf[ip]! >> 4;
  let ipLen: number;
  if (version === 4) ipLen = (buf[ip + 2]! << 8) | buf[ip + 3]!;
  else if (version === 6) {
    const payload = (buf[ip + 4]! << 8) | buf[ip + 5]!;
    // Payload length 0 is a jumbogram (RFC 2675) or TSO output: the length is not in this header.
    if (payload === 0) return capLen;
    ipLen = 40 + payload;
  } else return capLen;
  const wire = ip - off + ipLen;
  return wire > capLen ? wire : capLen;
}

/**
 * Entering an encapsulated packet: the one step every tunnel decoder ends with.
 *
 * The inner packet starts at `off` and ends where the carrier's payload ends (`end`, from the
 * outer IP or UDP length): bytes past that are the outer frame's padding or trailer, never the
 * inner packet's, so `capEnd` and `wireEnd` are lowered to it. An outer length beyond what the
 * wire carried is not believed (the segment is then marked truncated, as for plain TCP).
 */
import type { Cursor } from './cursor.js';

/** Points the cursor at an inner packet of kind `net` (a `Net` code) at `off`, ending at `end`. */
export function enterInner(c: Cursor, net: number, off: number, end: number): null {
  if (end > c.wireEnd) {
    end = c.wireEnd;
    c.lengthClamped = true;
  }
  c.wireEnd = end;
  if (end < c.capEnd) c.capEnd = end;
  c.off = off;
  c.net = net;
  c.inner = true;
  return null;
}

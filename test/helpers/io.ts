/** Captured stdout/stderr for code that takes injectable streams (runCheck, main). */
import { esc } from '../../src/report/format.js';
import { Writable } from 'node:stream';

/** A pair of in-memory writable streams and what was written to each. */
export function captureIo(): { io: { stdout: Writable; stderr: Writable; esc: (text: string) => string }; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        into.push(String(chunk));
        cb();
      },
    });
  // check/'s runCheck escapes with the function main() hands it (report/format.ts's, as here).
  return { io: { stdout: sink(out), stderr: sink(err), esc }, out: () => out.join(''), err: () => err.join('') };
}

/** Captured stdout/stderr for code that takes injectable streams (runCheck, main). */
import { Writable } from 'node:stream';

/** A pair of in-memory writable streams and what was written to each. */
export function captureIo(): { io: { stdout: Writable; stderr: Writable }; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _enc, cb) {
        into.push(String(chunk));
        cb();
      },
    });
  return { io: { stdout: sink(out), stderr: sink(err) }, out: () => out.join(''), err: () => err.join('') };
}

/** A fake process for main(): collected stdout/stderr, an environment, TTY flags. */
import type { CliIO } from '../../src/cli/main.js';

export interface FakeIO extends CliIO {
  out(): string;
  err(): string;
}

export function fakeIO(opts: { env?: Record<string, string>; stdoutTTY?: boolean; stderrTTY?: boolean; stdin?: AsyncIterable<Uint8Array> } = {}): FakeIO {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (s: string) => out.push(s), isTTY: opts.stdoutTTY ?? false },
    stderr: { write: (s: string) => err.push(s), isTTY: opts.stderrTTY ?? false },
    env: opts.env ?? {},
    stdin: opts.stdin,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

/** argv as process.argv would hold it. */
export const argv = (...args: string[]) => ['node', 'tcptrace', ...args];

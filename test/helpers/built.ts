/** For tests that spawn bin/tcptrace.js: it runs dist/, which must not be older than src/. */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The command-line entry point. */
export const BIN = path.join(ROOT, 'bin/tcptrace.js');

/** Newest modification time of any file below `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds dist/ when it is older than src/ (`npm test` builds first; this covers a direct
 * `vitest run test/cli`). Use as `beforeAll(ensureBuilt, 120_000)`.
 */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(path.join(ROOT, 'dist/cli/main.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newest(path.join(ROOT, 'src'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore' });
}

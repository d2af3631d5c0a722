/**
 * Hostile captures through the whole CLI: the quick, fixed-seed version of `npm run fuzz`
 * (scripts/fuzz.mjs), and every input the fuzzer ever caught (fixtures/fuzz/cases.json), replayed
 * with the mode and chunking it failed with. Each input is a real capture from fixtures/ with
 * structured mutations (test/fuzz/mutate.mjs says how each is made); the assertion is the
 * contract for hostile input: exit 0 or 2 (1 for check's verdict), no internal error or stack
 * trace, no raw control character on either stream.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
// @ts-expect-error: plain JavaScript shared with scripts/fuzz.mjs
import { chunks, MODES, mutate, problems, rng } from './mutate.mjs';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

async function run(bytes: Uint8Array, args: string[], chunkSeed: number): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const parts: Uint8Array[] = chunks(bytes, rng(chunkSeed));
  const stdin = {
    async *[Symbol.asyncIterator]() {
      for (const p of parts) yield p;
    },
  };
  const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {}, stdin };
  const code = await main(['node', 'tcptrace', ...args, '-'], io);
  return problems(args, code, out.join(''), err.join(''));
}

function seeds(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) return seeds(p);
      return /\.(pcap|pcapng|cap)$/.test(n) && statSync(p).size <= 2 << 20 ? [p] : [];
    });
}

describe('fuzzed captures through the CLI', () => {
  const cases: Array<{ file: string; args: string[]; chunkSeed: number; problem: string }> = JSON.parse(
    readFileSync(join(FIXTURES, 'fuzz/cases.json'), 'utf8'),
  );
  it.each(cases.map((c) => [`${c.file} (${c.args.join(' ') || 'text'}): was "${c.problem.slice(0, 60)}"`, c] as const))('%s', async (_, c) => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'fuzz', c.file)));
    expect(await run(bytes, c.args, c.chunkSeed)).toEqual([]);
  });

  it('400 fixed-seed mutations of the fixtures end cleanly in every mode', async () => {
    const files = seeds(FIXTURES).filter((f) => !f.includes('/fuzz/'));
    expect(files.length).toBeGreaterThan(150);
    const r = rng(20261206);
    const failures: string[] = [];
    for (let i = 0; i < 400; i++) {
      const from = r.pick(files);
      const { bytes, applied } = mutate(new Uint8Array(readFileSync(from)), r);
      const mode: string[] = r.pick(MODES);
      const p = await run(bytes, mode, r.int(2 ** 31));
      if (p.length > 0) failures.push(`#${i} ${from} [${applied.join(', ')}] ${mode.join(' ')}: ${p.join('; ')}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

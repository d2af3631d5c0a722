// The pipeline's one rule, enforced: a stage imports only from stages to its left
// (ARCHITECTURE.md "Conventions"). trace.ts, index.ts, cli/ and shard/ (threads that each run a
// trace) sit on top and may import anything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');
/**
 * Left to right. report and check are siblings: neither imports the other; so are diagnose and
 * metrics (computed from finished records, used by report/ for the pictures).
 */
const ORDER: Record<string, number> = { capture: 0, decode: 1, flow: 2, tcp: 3, diagnose: 4, metrics: 4, report: 5, check: 5 };

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

function stageOf(file: string): string | null {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : null;
}

describe('module layout', () => {
  const violations: string[] = [];
  let checked = 0;
  for (const file of files(SRC)) {
    const from = stageOf(file);
    if (from === null || from === 'cli' || !(from in ORDER)) continue;
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
      checked++;
      const target = path.resolve(path.dirname(file), m[1]!);
      const to = stageOf(target);
      if (to === null) {
        violations.push(`${path.relative(SRC, file)} imports top-level ${m[1]}`);
      } else if (to !== from && !(ORDER[to]! < ORDER[from]!)) {
        violations.push(`${path.relative(SRC, file)} (${from}) imports ${to}: ${m[1]}`);
      }
    }
  }

  it('has imports to check', () => {
    expect(checked).toBeGreaterThan(0);
  });

  it('imports only toward the left of the pipeline', () => {
    expect(violations).toEqual([]);
  });
});

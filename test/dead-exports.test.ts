/**
 * No dead code behind an `export`: every exported function, constant or class of src/ is used
 * somewhere other than its own declaration (in src/, the tests, bench/ or scripts/), or is part of
 * the package's API (src/index.ts). Types are left out (they cost nothing at run time).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/built.js';

function* files(dir: string, ext: RegExp): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== '.data') yield* files(p, ext);
    } else if (ext.test(p)) yield p;
  }
}

describe('exports', () => {
  it('every exported value is used somewhere else, or is the package API', () => {
    const src = [...files(path.join(ROOT, 'src'), /\.ts$/)];
    const users = [...src, ...['test', 'bench', 'scripts'].flatMap((d) => [...files(path.join(ROOT, d), /\.(ts|mjs|js)$/)])];
    const text = new Map(users.map((f) => [f, readFileSync(f, 'utf8')]));
    const api = text.get(path.join(ROOT, 'src/index.ts'))!;
    const dead: string[] = [];
    for (const file of src) {
      const own = text.get(file)!;
      for (const m of own.matchAll(/^export (?:async )?(?:function\*?|const|class|let) (\w+)/gm)) {
        const name = m[1]!;
        const word = new RegExp(`\\b${name}\\b`);
        const elsewhere = [...text].some(([f, t]) => f !== file && word.test(t));
        const inOwn = own.match(new RegExp(`\\b${name}\\b`, 'g'))!.length > 1;
        if (!elsewhere && !inOwn && !word.test(api)) dead.push(`${path.relative(ROOT, file)}: ${name}`);
      }
    }
    expect(dead).toEqual([]);
  });
});

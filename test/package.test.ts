/**
 * The package as npm publishes it: a typed entry point behind `exports`, the JSON Schema, a
 * LICENSE, no install-time build, and no source maps that point at sources the package does not
 * ship. (Checked by hand with `npm pack` and `npm i` of the tarball on 2026-12-06: `import('tcptrace')`
 * and `tcptrace --version` work there.)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { ROOT } from './helpers/built.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, any>;
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };

describe('package.json', () => {
  it('exports a typed ESM entry that the build makes', () => {
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.types).toBe('dist/index.d.ts');
    // tsc maps src/index.ts to dist/index.js: the entry exists once built.
    expect(existsSync(join(ROOT, 'src/index.ts'))).toBe(true);
  });

  it('the entry gives the API', () => {
    expect(typeof api.trace).toBe('function');
    expect(typeof api.openCapture).toBe('function');
    expect(api.SCHEMA).toBe('tcptrace/2');
  });

  it('ships a LICENSE, the schema, no install-time build and no dangling source maps', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg.license).toBe('MIT');
    expect(pkg.files).toEqual(['bin', 'dist', 'schema']);
    expect(pkg.scripts.prepare).toBeUndefined();
    // prepack builds a clean dist/ for `npm pack` / `npm publish`.
    expect(pkg.scripts.prepack).toMatch(/rmSync\('dist'.*tsc -p tsconfig.json/);
    // src/ is not shipped, so maps into it would dangle.
    expect(tsconfig.compilerOptions.sourceMap).toBe(false);
    expect(tsconfig.compilerOptions.declarationMap ?? false).toBe(false);
  });
});

describe('bin/tcptrace.js', () => {
  it('in a clone installed but not built, says what to run in one line (no loader stack trace), exit 70', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcptrace-unbuilt-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin/tcptrace.js'), join(dir, 'bin/tcptrace.js'));
    const r = spawnSync(process.execPath, [join(dir, 'bin/tcptrace.js'), 'x.pcap'], { encoding: 'utf8' });
    expect(r.status).toBe(70);
    expect(r.stderr).toBe(`tcptrace: not built: ${join(dir, 'dist/cli/main.js')} is missing; run npm run build in ${dir}/\n`);
  });
});

// The command `tcptrace -i` prints when cap cannot be loaded, for each way tcptrace and cap can be
// installed. The layouts below are the ones npm 11 and pnpm 10 leave (looked at in real installs:
// a clone, a project with tcptrace as a dependency, a global install); which command works in
// each was tried there too (see src/capture/cap-hint.ts).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CapInstall, capCommand, findCapInstall, installHint, pnpmIgnoredCap } from '../../src/capture/cap-hint.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'cap-hint-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes `files` (path → content) under a new directory `name`; a content starting with '->' makes a symlink to the rest. */
function layout(name: string, files: Record<string, string>): string {
  const root = path.join(tmp, name);
  for (const [p, content] of Object.entries(files)) {
    const full = path.join(root, p);
    mkdirSync(path.dirname(full), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), full);
    else writeFileSync(full, content);
  }
  return root;
}

const PKG = '{"name":"tcptrace","version":"0.1.0","optionalDependencies":{"cap":"^0.2.1"}}';
const CAP = '{"name":"cap","version":"0.2.1","main":"lib/Cap"}';
/** pnpm 10's node_modules/.modules.yaml (it writes JSON), with `ignored` in ignoredBuilds. */
const modulesYaml = (ignored: string[]) => JSON.stringify({ ignoredBuilds: ignored, layoutVersion: 5, nodeLinker: 'isolated', pendingBuilds: [] }, null, 2);

describe('pnpmIgnoredCap', () => {
  it("reads pnpm's list of skipped builds, as JSON (pnpm 10.34) or YAML (10.4)", () => {
    expect(pnpmIgnoredCap(modulesYaml(['cap@0.2.1']))).toBe(true);
    expect(pnpmIgnoredCap(modulesYaml([]))).toBe(false);
    expect(pnpmIgnoredCap(modulesYaml(['capnp@1.0.0', '@x/cap@1.0.0']))).toBe(false);
    expect(pnpmIgnoredCap('layoutVersion: 5\nignoredBuilds:\n  - esbuild@0.25.0\n  - cap@0.2.1\nnodeLinker: isolated\n')).toBe(true);
    expect(pnpmIgnoredCap('layoutVersion: 5\nignoredBuilds: []\npendingBuilds:\n  - cap@0.2.1\n')).toBe(false);
    // pnpm 10.4 writes YAML and names without versions.
    expect(pnpmIgnoredCap("hoistPattern:\n  - '*'\nignoredBuilds:\n  - cap\nincluded:\n  dependencies: true\n")).toBe(true);
    expect(pnpmIgnoredCap('ignoredBuilds:\n  - capnp\nincluded:\n  dependencies: true\n')).toBe(false);
    expect(pnpmIgnoredCap('layoutVersion: 5\n')).toBe(false);
  });
});

describe('findCapInstall and capCommand', () => {
  const cases: { name: string; files: Record<string, string>; root: string; want: Omit<CapInstall, 'dir'>; dir: string; command: string }[] = [
    {
      name: 'npm clone, cap unbuilt (npm install --ignore-scripts)',
      files: { 'package.json': PKG, 'node_modules/cap/package.json': CAP, 'node_modules/.package-lock.json': '{}' },
      root: '',
      want: { manager: 'npm', present: true, ignored: false, global: false },
      dir: '',
      command: 'npm rebuild cap in DIR',
    },
    {
      name: 'npm clone, cap dropped (its build failed)',
      files: { 'package.json': PKG, 'node_modules/.package-lock.json': '{}' },
      root: '',
      want: { manager: 'npm', present: false, ignored: false, global: false },
      dir: '',
      command: 'npm install --no-save cap in DIR (npm dropped cap when its build failed)',
    },
    {
      name: 'npm dependency of a project, cap dropped',
      files: { 'package.json': '{"name":"app"}', 'node_modules/tcptrace/package.json': PKG },
      root: 'node_modules/tcptrace',
      want: { manager: 'npm', present: false, ignored: false, global: false },
      dir: '',
      command: 'npm install --no-save cap in DIR (npm dropped cap when its build failed)',
    },
    {
      name: 'npm global install, cap unbuilt',
      files: { 'lib/node_modules/tcptrace/package.json': PKG, 'lib/node_modules/tcptrace/node_modules/cap/package.json': CAP },
      root: 'lib/node_modules/tcptrace',
      want: { manager: 'npm', present: true, ignored: false, global: true },
      dir: 'lib',
      command: 'npm rebuild -g cap',
    },
    {
      name: 'npm global install, cap dropped',
      files: { 'lib/node_modules/tcptrace/package.json': PKG },
      root: 'lib/node_modules/tcptrace',
      want: { manager: 'npm', present: false, ignored: false, global: true },
      dir: 'lib',
      command: 'npm install -g tcptrace again, from where you installed it (npm dropped cap when its build failed)',
    },
    {
      name: 'pnpm clone, cap allowed but its build failed',
      files: {
        'package.json': PKG,
        'node_modules/.modules.yaml': modulesYaml([]),
        'node_modules/.pnpm/cap@0.2.1/node_modules/cap/package.json': CAP,
        'node_modules/cap': '->.pnpm/cap@0.2.1/node_modules/cap',
      },
      root: '',
      want: { manager: 'pnpm', present: true, ignored: false, global: false },
      dir: '',
      command: 'pnpm rebuild cap in DIR',
    },
    {
      name: 'pnpm clone without optional dependencies',
      files: { 'package.json': PKG, 'node_modules/.modules.yaml': modulesYaml([]) },
      root: '',
      want: { manager: 'pnpm', present: false, ignored: false, global: false },
      dir: '',
      command: 'pnpm install in DIR',
    },
    {
      name: "pnpm dependency of a project that does not allow cap's build",
      files: {
        'package.json': '{"name":"app"}',
        'node_modules/.modules.yaml': modulesYaml(['cap@0.2.1']),
        'node_modules/.pnpm/cap@0.2.1/node_modules/cap/package.json': CAP,
        'node_modules/.pnpm/tcptrace@0.1.0/node_modules/tcptrace/package.json': PKG,
        'node_modules/.pnpm/tcptrace@0.1.0/node_modules/cap': '->../../cap@0.2.1/node_modules/cap',
        'node_modules/tcptrace': '->.pnpm/tcptrace@0.1.0/node_modules/tcptrace',
      },
      root: 'node_modules/tcptrace',
      want: { manager: 'pnpm', present: true, ignored: true, global: false },
      dir: '',
      command: 'pnpm approve-builds in DIR (and pick cap: pnpm skipped its build script)',
    },
    {
      name: 'pnpm global install (its virtual store beside its node_modules)',
      files: {
        'pnpm/global/5/package.json': '{"dependencies":{"tcptrace":"file:tcptrace-0.1.0.tgz"}}',
        'pnpm/global/5/node_modules/.modules.yaml': modulesYaml(['cap@0.2.1']),
        'pnpm/global/5/.pnpm/cap@0.2.1/node_modules/cap/package.json': CAP,
        'pnpm/global/5/.pnpm/tcptrace@file+tcptrace-0.1.0.tgz/node_modules/tcptrace/package.json': PKG,
        'pnpm/global/5/.pnpm/tcptrace@file+tcptrace-0.1.0.tgz/node_modules/cap': '->../../cap@0.2.1/node_modules/cap',
        'pnpm/global/5/node_modules/tcptrace': '->../.pnpm/tcptrace@file+tcptrace-0.1.0.tgz/node_modules/tcptrace',
      },
      root: 'pnpm/global/5/node_modules/tcptrace',
      want: { manager: 'pnpm', present: true, ignored: true, global: true },
      dir: 'pnpm/global/5',
      command: 'pnpm approve-builds -g (and pick cap)',
    },
  ];

  it.each(cases)('$name', ({ name, files, root, want, dir, command }) => {
    const base = layout(name.replace(/\W+/g, '-'), files);
    const found = findCapInstall(path.join(base, root));
    const where = path.join(base, dir);
    expect(found).toEqual({ ...want, dir: where });
    expect(capCommand(found)).toBe(command.replace('DIR', where));
    expect(installHint(found)).toMatch(/^install libpcap's headers \(Debian\/Ubuntu: apt-get install libpcap-dev; .*\), then run /);
    expect(installHint(found).endsWith(capCommand(found))).toBe(true);
  });
});

/**
 * What to run when the optional `cap` addon cannot be loaded. The command depends on the package
 * manager that installed tcptrace and on what it left behind, and a wrong one reports success and
 * changes nothing. Each case below was tried with npm 11.19 and pnpm 10.34, in a clone, in a
 * project that has tcptrace as a dependency (the same commands, run in that project) and globally:
 *   - npm drops an optional dependency whose build failed (no libpcap headers): `node_modules/cap`
 *     is absent, `npm rebuild cap` reports success and builds nothing, `npm install --no-save cap`
 *     builds it (and leaves package.json and the lockfile alone).
 *   - npm installed cap without building it (`--ignore-scripts`): `npm install --no-save cap` says
 *     "up to date" and builds nothing, `npm rebuild cap` builds it. Globally (`npm i -g` of a
 *     tarball) `npm rebuild -g cap` builds a present cap; a dropped one comes back only by
 *     installing tcptrace again (`npm rebuild -g cap` reports success and builds nothing).
 *   - pnpm keeps a package whose build failed: `pnpm rebuild cap` builds it, but only where the
 *     project allows cap's build script (this repository's pnpm-workspace.yaml does). Where it does
 *     not (tcptrace as a dependency of another project, or installed globally), pnpm lists cap under
 *     `ignoredBuilds` in node_modules/.modules.yaml, `pnpm rebuild cap` silently does nothing, and
 *     `pnpm approve-builds` (`-g` for a global install) allows and builds it.
 *   - pnpm without optional dependencies (`--no-optional`): cap is absent; `pnpm install` adds it.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** How tcptrace and its `cap` were installed, as far as the hint needs to know. */
export interface CapInstall {
  /** The package manager that laid out the node_modules that holds (or would hold) cap. */
  manager: 'npm' | 'pnpm';
  /** cap's package is installed (its addon unbuilt or broken), rather than absent altogether. */
  present: boolean;
  /** pnpm skipped cap's build script because the installing project does not allow it. */
  ignored: boolean;
  /** tcptrace was installed globally (not a clone, nor a project's dependency). */
  global: boolean;
  /** Where to run the command: the clone, or the project that has tcptrace as a dependency. */
  dir: string;
}

const NM = `${path.sep}node_modules${path.sep}`;
const PNPM_STORE = `${path.sep}.pnpm${path.sep}`;

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** tcptrace's own package directory (this file is src/capture/ or dist/capture/ in it). */
function packageRoot(): string {
  return real(fileURLToPath(new URL('../../', import.meta.url)));
}

/**
 * The node_modules of the project whose pnpm virtual store holds `p`, or null: a project's store
 * is node_modules/.pnpm, a global install's is <global dir>/.pnpm beside its node_modules.
 */
function pnpmModules(p: string): string | null {
  const at = p.indexOf(PNPM_STORE);
  if (at < 0) return null;
  const base = p.slice(0, at);
  return path.basename(base) === 'node_modules' ? base : path.join(base, 'node_modules');
}

/**
 * Whether pnpm's node_modules/.modules.yaml lists cap among the builds it skipped: JSON with
 * `cap@0.2.1` in pnpm 10.34, YAML with a bare `cap` in 10.4 (10.0 keeps no such list).
 */
export function pnpmIgnoredCap(modulesYaml: string): boolean {
  const m = /["']?ignoredBuilds["']?\s*:\s*(\[[^\]]*\]|(?:\s*\n\s*-\s*[^\n]*)+)/.exec(modulesYaml);
  return m !== null && /(^|[\s"'[,-])cap(@|["'\s,\]]|$)/.test(m[1]!);
}

/** Finds how tcptrace (in `root`, its package directory) and cap were installed. */
export function findCapInstall(root: string = packageRoot()): CapInstall {
  const rootReal = real(root);
  let capDir: string | null = null;
  try {
    capDir = real(path.dirname(createRequire(path.join(rootReal, 'package.json')).resolve('cap/package.json')));
  } catch {
    capDir = null;
  }
  const storeModules = pnpmModules(rootReal);
  const at = rootReal.indexOf(NM);
  // A clone (or `npm link`, `npm i -g .`, which link to one) is not inside a node_modules; a
  // dependency is in its project's node_modules, directly (npm) or in pnpm's virtual store.
  const dir = storeModules !== null ? path.dirname(storeModules) : at < 0 ? rootReal : rootReal.slice(0, at);
  // The node_modules that holds cap, or would.
  const modules = storeModules ?? (capDir === null ? null : pnpmModules(capDir)) ?? path.join(dir, 'node_modules');
  const pnpm = storeModules !== null || (capDir !== null && pnpmModules(capDir) !== null) || existsSync(path.join(modules, '.modules.yaml'));
  let ignored = false;
  if (pnpm && capDir !== null) {
    try {
      ignored = pnpmIgnoredCap(readFileSync(path.join(modules, '.modules.yaml'), 'utf8'));
    } catch {
      ignored = false;
    }
  }
  // npm's global packages sit in <prefix>/lib/node_modules, with no package.json beside it;
  // pnpm's in its global directory, <PNPM_HOME>/global/<layout version>.
  const global = pnpm ? /[\\/]global[\\/]\d+$/.test(dir) : at >= 0 && !existsSync(path.join(dir, 'package.json'));
  return { manager: pnpm ? 'pnpm' : 'npm', present: capDir !== null, ignored, global, dir };
}

/** The command that builds cap for this install, with where to run it. */
export function capCommand(i: CapInstall): string {
  const where = ` in ${i.dir}`;
  if (i.manager === 'pnpm') {
    // A global pnpm install allows no build script unless told: approve-builds -g runs cap's.
    if (i.global) return 'pnpm approve-builds -g (and pick cap)';
    if (!i.present) return `pnpm install${where}`;
    return i.ignored ? `pnpm approve-builds${where} (and pick cap: pnpm skipped its build script)` : `pnpm rebuild cap${where}`;
  }
  if (i.global) return i.present ? 'npm rebuild -g cap' : 'npm install -g tcptrace again, from where you installed it (npm dropped cap when its build failed)';
  return i.present ? `npm rebuild cap${where}` : `npm install --no-save cap${where} (npm dropped cap when its build failed)`;
}

/** What to install, per platform, for cap to build, and then what to run. */
export function installHint(i: CapInstall = findCapInstall()): string {
  return (
    "install libpcap's headers (Debian/Ubuntu: apt-get install libpcap-dev; Fedora/RHEL: dnf install libpcap-devel; " +
    `macOS: xcode-select --install), then run ${capCommand(i)}`
  );
}

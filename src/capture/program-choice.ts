/**
 * Which capture program live capture runs, where it is, and the command line it gets
 * (live-program.ts runs it). dumpcap first (Wireshark's capture program, the one Debian lets the
 * `wireshark` group run), then tcpdump; `--capture-with` picks one, or the in-process `cap`.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CaptureError } from './frame.js';
import type { LiveOptions } from './live.js';

/** The programs live capture can run. */
export type CaptureProgram = 'dumpcap' | 'tcpdump';
/** What `--capture-with` names: a program, or the in-process `cap` binding. */
export type CaptureWith = CaptureProgram | 'cap';

/** A program found on this machine. */
export interface FoundProgram {
  kind: CaptureProgram;
  path: string;
}

/** Directories searched after PATH: capture programs live in sbin, often not in a user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

let searchPath: () => string = () => process.env.PATH ?? '';

/** Replaces the PATH the programs are looked for in (tests: a PATH without them). */
export function setProgramSearchPath(path: string | null, extra = true): void {
  searchPath = path === null ? () => process.env.PATH ?? '' : () => path;
  useExtraDirs = extra;
}
let useExtraDirs = true;

/** The executable `name` in PATH (then sbin), or null. */
export function findProgram(name: string): string | null {
  const dirs = searchPath()
    .split(delimiter)
    .filter((d) => d !== '');
  if (useExtraDirs) dirs.push(...EXTRA_DIRS);
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * The capture program to use: the one asked for, else dumpcap, else tcpdump; null when none is
 * installed (or `cap` was asked for). Throws CaptureError when the one asked for is missing.
 */
export function chooseProgram(want: CaptureWith | undefined): FoundProgram | null {
  if (want === 'cap') return null;
  if (want !== undefined) {
    const path = findProgram(want);
    if (path === null) {
      throw new CaptureError('live capture', null, `--capture-with ${want}: ${want} is not installed (${installHint(want)})`);
    }
    return { kind: want, path };
  }
  for (const kind of ['dumpcap', 'tcpdump'] as const) {
    const path = findProgram(kind);
    if (path !== null) return { kind, path };
  }
  return null;
}

/** How to install a capture program (Debian/Ubuntu names; others named too). */
export function installHint(kind: CaptureProgram): string {
  return kind === 'dumpcap'
    ? 'Debian/Ubuntu: apt-get install wireshark-common; Fedora: dnf install wireshark-cli; macOS: brew install wireshark'
    : 'Debian/Ubuntu: apt-get install tcpdump; Fedora: dnf install tcpdump';
}

/** tcpdump's kernel buffer in KiB when -B is not given (see captureArgs). */
export const TCPDUMP_DEFAULT_BUFFER_KIB = 32768;

/** The child's arguments for `o`. */
export function captureArgs(kind: CaptureProgram, o: LiveOptions): string[] {
  const a: string[] = ['-i', o.iface];
  if (kind === 'dumpcap') {
    a.push('-w', '-');
    if (o.filter !== '') a.push('-f', o.filter);
    if (o.snaplen !== undefined) a.push('-s', String(o.snaplen));
    // dumpcap takes MiB; never less than what was asked for.
    if (o.bufferSize !== undefined) a.push('-B', String(Math.max(1, Math.ceil(o.bufferSize / (1024 * 1024)))));
    if (o.count !== undefined) a.push('-c', String(o.count));
    return a;
  }
  a.push('-U', '--immediate-mode', '--time-stamp-precision=nano', '-w', '-');
  if (o.snaplen !== undefined) a.push('-s', String(o.snaplen));
  // --immediate-mode makes libpcap use TPACKET_V2, whose ring holds a frame of the full snaplen
  // per packet: its 2 MiB default is 8 packets at tcpdump's 262144, and a burst on a loaded
  // machine dropped 4 of 36 on lo. 32 MiB, as fixtures/record.sh uses, unless -B says otherwise.
  a.push('-B', String(o.bufferSize !== undefined ? Math.max(1, Math.ceil(o.bufferSize / 1024)) : TCPDUMP_DEFAULT_BUFFER_KIB));
  if (o.count !== undefined) a.push('-c', String(o.count));
  // `--` so a filter starting with '-' is not taken for an option.
  if (o.filter !== '') a.push('--', o.filter);
  return a;
}

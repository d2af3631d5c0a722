/**
 * What the capture programs say on stderr, read: their end-of-run counts (said back as tcpdump
 * says them), their error lines (without their banners), and a failed start as one line with the
 * fix. The samples in test/live/program.test.ts are dumpcap 4.0.17's and tcpdump 4.99.3's own words.
 */
import { CaptureError } from './frame.js';
import type { CaptureProgram, FoundProgram } from './program-choice.js';

/** Lines the programs print that are not errors: their banners, progress and statistics. */
const INFO = [
  /^tcpdump: listening on /,
  /^tcpdump: data link type /,
  /^\d+ packets? (captured|received by filter|dropped by kernel|dropped by interface)$/,
  /^Capturing on /,
  /^File: /,
  /^Packets( captured)?: \d+/,
  /^Packets received\/dropped on interface /,
  /^Running as user "root"/,
  /^\s*$/,
];

/** The end-of-run counts a program printed or wrote (null: it did not say). */
export interface ProgramCounts {
  received: number | null;
  kernel: number | null;
  iface: number | null;
}

/** The counts in a program's stderr (tcpdump's three lines; dumpcap's received/dropped line). */
export function parseCounts(stderr: string): ProgramCounts {
  const c: ProgramCounts = { received: null, kernel: null, iface: null };
  for (const line of stderr.split(/[\r\n]+/)) {
    let m = /^(\d+) packets? received by filter$/.exec(line);
    if (m) c.received = Number(m[1]);
    m = /^(\d+) packets? dropped by kernel$/.exec(line);
    if (m) c.kernel = Number(m[1]);
    m = /^(\d+) packets? dropped by interface$/.exec(line);
    if (m) c.iface = Number(m[1]);
    m = /^Packets received\/dropped on interface .*: (\d+)\/(\d+) \(pcap:(\d+)\/dumpcap:(\d+)\/flushed:(\d+)\/ps_ifdrop:(\d+)\)/.exec(line);
    if (m) {
      c.received = Number(m[1]);
      // What tcpdump calls "dropped by kernel" (ps_drop), and dumpcap's own drops with it.
      c.kernel = Number(m[3]) + Number(m[4]) + Number(m[5]);
      c.iface = Number(m[6]);
    }
  }
  // tcpdump says nothing of the interface when it dropped nothing there.
  if (c.kernel !== null && c.iface === null && /packets? dropped by kernel/.test(stderr)) c.iface = 0;
  return c;
}

/** tcpdump's wording of the counts, on one line, with the program that counted. */
export function countsLine(captured: number, c: ProgramCounts, program: string): string {
  const n = (k: number, what: string) => `${k} packet${k === 1 ? '' : 's'} ${what}`;
  const parts = [n(captured, 'captured')];
  if (c.received !== null) parts.push(n(c.received, 'received by filter'));
  parts.push(c.kernel !== null ? n(c.kernel, 'dropped by kernel') : 'kernel drops unknown');
  if (c.iface !== null) parts.push(n(c.iface, 'dropped by interface'));
  return `${parts.join(', ')} (${program})`;
}

/** The error lines of a program's stderr (without its banners and counts), its own prefix removed. */
export function errorLines(stderr: string, kind: CaptureProgram): string[] {
  return stderr
    .split(/[\r\n]+/)
    .filter((l) => !INFO.some((re) => re.test(l)))
    .map((l) => l.replace(new RegExp(`^${kind}: `), '').trim())
    .filter((l) => l !== '');
}

const PERMISSION = /permission|operation not permitted|EPERM|EACCES/i;
const NO_DEVICE = /no such device|there is no device|doesn't exist|does not exist|no suitable device/i;
const BAD_FILTER = /capture filter|parse filter|syntax error|filter expression/i;

/** The fix for a capture the kernel refused, per program: the privilege goes to the program, not to node. */
export function privilegeFix(p: FoundProgram): string {
  const setcap = `sudo setcap cap_net_raw,cap_net_admin=eip ${p.path}`;
  if (p.kind === 'dumpcap') {
    return (
      `let dumpcap capture for the wireshark group (sudo dpkg-reconfigure wireshark-common, answer Yes; then sudo usermod -aG wireshark $USER and log in again), ` +
      `or grant it the capability (${setcap}), or run as root`
    );
  }
  return `grant tcpdump the capability (${setcap}), or run as root`;
}

/** One actionable line for a child that failed before capturing. */
export function classifyStartError(p: FoundProgram, iface: string, filter: string, stderr: string, status: string): CaptureError {
  const lines = errorLines(stderr, p.kind);
  const first = lines[0] ?? status;
  // The line that says it best (dumpcap first warns "cap_set_proc() fail return: ..." when it cannot raise its capabilities).
  const best = (re: RegExp) => lines.find((l) => /permission/i.test(l) && re === PERMISSION) ?? lines.find((l) => re.test(l)) ?? first;
  const all = lines.join(' ');
  if (PERMISSION.test(all)) return new CaptureError(iface, null, `no permission to capture (${p.kind}: ${best(PERMISSION)}): ${privilegeFix(p)}`);
  if (NO_DEVICE.test(all)) return new CaptureError(iface, null, `no such interface (${p.kind}: ${best(NO_DEVICE)}); tcptrace -D lists them`);
  if (filter !== '' && BAD_FILTER.test(all)) {
    // dumpcap puts libpcap's reason in parentheses on a later line.
    const why = /\(([^)]*syntax error[^)]*)\)/.exec(all)?.[1] ?? first;
    return new CaptureError(iface, null, `bad capture filter ${JSON.stringify(filter)}: ${why}`);
  }
  return new CaptureError(iface, null, `cannot capture: ${p.kind}: ${first}`);
}

/**
 * Small text helpers shared by the renderers: escaping of anything that came from outside
 * (capture paths, warnings, model strings), display width for padding (CJK is two columns
 * wide, ANSI colour codes are zero), and number/time/address formatting.
 *
 * Everything here is pure and locale-independent, so golden output does not depend on the
 * machine that produced it.
 */

import stringWidth from 'string-width';
import { hostPort } from '../diagnose/endpoint.js';

/**
 * C0 and C1 control characters, DEL, and the Unicode bidirectional overrides/isolates and
 * line/paragraph separators: each could move the cursor, recolour the terminal or reorder
 * what the reader sees (CVE-2021-42574, "Trojan Source"), so none reaches the terminal raw.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same characters, to test for (not global: no lastIndex to keep). */
const HAS_UNSAFE = new RegExp(UNSAFE.source);

/** Escapes control and bidi characters in text from the capture or the filesystem (`\x1b`, `\u202e`). */
export function esc(text: string): string {
  // Nearly every text has nothing to escape (state names, addresses): one test is a fourth of a replace().
  if (!HAS_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/** What `esc` escapes beyond C0, which JSON.stringify already escapes inside strings (and a raw newline is layout). */
const UNSAFE_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same characters as `esc`, for JSON text (from JSON.stringify): `\uXXXX` escapes, so the JSON stays valid. */
export function escJson(json: string): string {
  return json.replace(UNSAFE_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/** Removes the colour codes this program itself writes (SGR sequences only). */
export function stripAnsi(text: string): string {
  // Most text carries no colour (pipes, files): skip the regex then.
  return text.indexOf('\u001b') < 0 ? text : text.replace(SGR, '');
}

/**
 * The characters the ladder itself draws with, one column each by string-width too (text
 * presentation, East Asian Width narrow or ambiguous): punctuation (’ – … ·), arrows (→ ⇄ ↳),
 * box drawing (│ ─ ┆ ╵), geometric shapes up to U+25FC (► ◄; U+25FD and U+25FE are emoji), ✓ and ✗.
 * Counted here: handing every ladder cell to string-width took twice the time of a whole trace.
 */
function narrow(c: number): boolean {
  return (c >= 0x2010 && c <= 0x2027) || (c >= 0x2190 && c <= 0x21ff) || (c >= 0x2500 && c <= 0x25fc) || c === 0x2713 || c === 0x2717;
}

/** Text every character of which the loop in displayWidth counts as one column (no ESC, no control, nothing wide). */
const ONE_COLUMN = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2190-\u21ff\u2500-\u25fc\u2713\u2717]*$/;

/**
 * The columns of `text` when every character of it is one column (ONE_COLUMN: its length), else -1.
 * Such widths add up, colour codes around them aside: the columns of a line joined from plain
 * pieces, painted or not, are the sum of theirs, so a ladder pads the line it builds from measured
 * pieces without measuring it again (which made a copy of the joined line first).
 */
export function plainWidth(text: string): number {
  return ONE_COLUMN.test(text) ? text.length : -1;
}

/**
 * Columns `text` occupies on a terminal (colour codes excluded). Plain ASCII and Latin text, which
 * is nearly all of a ladder, is counted here in one pass over the code units without a string made;
 * anything else (CJK, emoji, combining marks, zero-width joiners) goes to string-width, which
 * follows Unicode's East Asian Width and grapheme clusters as terminals do.
 */
export function displayWidth(text: string): number {
  // Printable ASCII, Latin and the ladder's own symbols only (what narrow() accepts): one column a
  // character. One regex test is 1.7 times faster than the loop below on a ladder's cells.
  if (ONE_COLUMN.test(text)) return text.length;
  const n = text.length;
  let w = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x300) {
      if (narrow(c)) {
        w++;
        continue;
      }
      return stringWidth(text);
    }
    if (c === 0x1b && text.charCodeAt(i + 1) === 0x5b) {
      // An SGR sequence (ESC [ digits and semicolons m, as stripAnsi removes) takes no column.
      let j = i + 2;
      for (let d = text.charCodeAt(j); (d >= 0x30 && d <= 0x39) || d === 0x3b; d = text.charCodeAt(++j));
      if (text.charCodeAt(j) === 0x6d) {
        i = j;
        continue;
      }
    }
    w++;
  }
  return w;
}

/** Runs of one character made so far, by length (see `run`). */
const RUNS = new Map<string, string[]>();
/** Longest run kept: a ladder's lines are a few hundred columns at most. */
const RUN_MAX = 512;

/**
 * `ch` repeated `n` times, the same string for the same run: every line of a ladder is padded
 * with spaces and drawn with ─, and a fresh repeat() per cell was 6% of what rendering allocates.
 */
export function run(ch: string, n: number): string {
  if (n <= 0) return '';
  if (n > RUN_MAX) return ch.repeat(n);
  let runs = RUNS.get(ch);
  if (runs === undefined) RUNS.set(ch, (runs = []));
  return (runs[n] ??= ch.repeat(n));
}

/** Pads on the right to `width` display columns. */
export function padEnd(text: string, width: number, fill = ' '): string {
  const w = displayWidth(text);
  return w >= width ? text : text + run(fill, width - w);
}

/** Pads on the left to `width` display columns. */
export function padStart(text: string, width: number, fill = ' '): string {
  const w = displayWidth(text);
  return w >= width ? text : run(fill, width - w) + text;
}

/** Characters that must not begin a line in CJK text (they may hang one column past the width). */
const NO_LINE_START = '，。、；：！？）》」』】,.;:!?)';

const OPEN = '（“「『《【';
const CJK = '\\u2e80-\\u9fff\\uac00-\\ud7a3\\uff00-\\uffe6';
const TOKENS = new RegExp(`[${OPEN}]*(?:[^\\s${CJK}${OPEN}]+|[${CJK}])|[${OPEN}]+|\\s`, 'g');

/**
 * Breaks `text` into lines of at most `width` columns: at spaces for Latin text, between any two
 * characters for CJK (which has no spaces between words). A word longer than the width is cut.
 */
export function wrap(text: string, width: number): string[] {
  const simple = simpleWidth(text);
  // Most text fits: one measure instead of one per token.
  if (text.indexOf('\n') < 0 && (simple >= 0 ? simple : displayWidth(text)) <= width) {
    // Nothing to trim (no leading space; a printable ASCII last character, or in simple text, whose
    // only whitespace here is spaces, any but a space): the text itself.
    const last = text.charCodeAt(text.length - 1);
    if (text.charCodeAt(0) !== 0x20 && ((last > 0x20 && last < 0x7f) || (simple > 0 && last !== 0x20))) return [text];
    // As the token loop would give it: leading spaces dropped, trailing whitespace trimmed.
    const t = text.replace(/^ +/, '').trimEnd();
    return t.trim() === '' ? [] : [t];
  }
  if (simple >= 0 && width >= 1) return wrapSimple(text, width);
  return wrapTokens(text, width);
}

/** wrap()'s general case: a regex token at a time, each measured. Exported for the test that holds wrapSimple to it. */
export function wrapTokens(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  let lineW = 0;
  // Tokens: a run of non-space Latin characters, one CJK character, or one space; opening
  // brackets stick to what follows them (kinsoku: "（" never ends a line).
  for (const tok of text.match(TOKENS) ?? []) {
    const tw = displayWidth(tok);
    if (tok === ' ' || tok === '\n') {
      if (tok === '\n') {
        out.push(line.trimEnd());
        line = '';
        lineW = 0;
      } else if (lineW > 0 && lineW < width) {
        line += ' ';
        lineW++;
      }
      continue;
    }
    // Kinsoku: closing CJK punctuation never starts a line; it hangs past the width instead.
    if (lineW + tw > width && lineW > 0 && !NO_LINE_START.includes(tok)) {
      out.push(line.trimEnd());
      line = '';
      lineW = 0;
    }
    let t = tok;
    let w = tw;
    while (w > width) {
      // A single token wider than the line: cut it.
      let cut = '';
      for (const ch of t) {
        // At least one character a line, or a character wider than the line would never be cut.
        if (cut !== '' && displayWidth(cut + ch) > width) break;
        cut += ch;
      }
      out.push(cut);
      t = t.slice(cut.length);
      w = displayWidth(t);
    }
    line += t;
    lineW += w;
  }
  if (line.trim() !== '') out.push(line.trimEnd());
  return out;
}

/**
 * The width of `text` when every character of it is one column, the only whitespace in it is
 * spaces and newlines, and none is an opening bracket that sticks to the next word (OPEN): ASCII
 * and Latin text and the ladder's own symbols, without colour codes. Else -1.
 * Such text is nearly all that is wrapped, and it can be wrapped by index (wrapSimple).
 */
function simpleWidth(text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21) {
      if (c !== 0x20 && c !== 0x0a) return -1;
    } else if (c >= 0x7f && (c < 0xa1 || (c >= 0x300 && !narrow(c)) || c === 0x201c)) return -1; // DEL, C1, NBSP; wide; “ opens (OPEN)
  }
  return n;
}

/**
 * wrap() for text that simpleWidth() accepts, the same lines as its token loop gives (a word is a
 * run of characters between spaces and newlines, each one column): words are cut out of the text
 * by index instead of a regex match and a measure per token. `width` ≥ 1.
 */
function wrapSimple(text: string, width: number): string[] {
  const out: string[] = [];
  const n = text.length;
  // The line so far is `head` and then text[from, to), `len` characters in all (none: '' and an
  // empty range). What joins it right at `to` only moves `to`, so a line is one slice of the text
  // rather than a string built a word at a time; only a word hanging past spaces dropped at the
  // width starts a `head`.
  let head = '';
  let from = 0;
  let to = 0;
  let len = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      out.push(lineOf(text, head, from, to));
      head = '';
      to = from;
      len = 0;
      i++;
      continue;
    }
    let j = i + 1;
    if (c === 0x20) {
      // A space: kept between words on a line with room left, else dropped.
      if (len === 0 || len >= width) {
        i = j;
        continue;
      }
    } else {
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x20 || d === 0x0a) break;
        j++;
      }
      if (len > 0 && len + (j - i) > width && !NO_LINE_START.includes(text.slice(i, j))) {
        out.push(lineOf(text, head, from, to));
        head = '';
        to = from;
        len = 0;
      }
      // A single word wider than the line: cut it.
      while (j - i > width) {
        out.push(text.slice(i, i + width));
        i += width;
      }
    }
    // text[i, j) joins the line.
    if (len === 0) from = i;
    else if (to !== i) {
      head += text.slice(from, to);
      from = i;
    }
    to = j;
    len += j - i;
    i = j;
  }
  if (len > 0) out.push(lineOf(text, head, from, to));
  return out;
}

/** A line of wrapSimple (`head` and text[from, to)) without the spaces it ends with. */
function lineOf(text: string, head: string, from: number, to: number): string {
  while (to > from && text.charCodeAt(to - 1) === 0x20) to--;
  if (head === '') return text.slice(from, to);
  return to > from ? head + text.slice(from, to) : head.trimEnd();
}

/** An integer with thousands separators, locale-independent: 1234567 -> "1,234,567". */
export function int(n: number): string {
  // Most counts have no separator to put in: no regex for them.
  if (n >= 0 && n < 1000 && Number.isInteger(n)) return String(n);
  const s = String(Math.trunc(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** Seconds with microsecond precision: 0.000412. */
export function secs(s: number): string {
  return s.toFixed(6);
}

/** A duration for people: "412 µs", "12.345 ms", "1.234 s", "2 min 5 s". Any number in, never a throw. */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return `${s} s`; // "NaN s", "Infinity s": nothing better to say
  if (s < 0) return `-${duration(-s)}`; // once: -s is positive
  if (s < 0.001) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${(s * 1000).toFixed(3)} ms`;
  if (s < 120) return Number.isInteger(s) ? `${s} s` : `${s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  // Past 2^53 s the minutes are not exact and the remainder means nothing: minutes alone.
  return s < 2 ** 53 ? `${m} min ${Math.round(s - m * 60)} s` : `${m} min`;
}

/** Milliseconds as given by the model (handshake RTT): "0.052 ms". */
export function millis(ms: number): string {
  return ms < 1 ? `${ms.toFixed(3)} ms` : ms < 1000 ? `${ms.toFixed(2)} ms` : `${(ms / 1000).toFixed(3)} s`;
}

/** Seconds either side of 1970 that a JavaScript Date holds (±100,000,000 days, ECMA-262 §21.4.1.1). */
const DATE_LIMIT_SEC = 8.64e12;

/**
 * Epoch seconds as an ISO-8601 UTC timestamp with microseconds: 2026-11-24T11:40:01.123456Z.
 * Total: years outside 0000-9999 are written expanded, as Date does (+010000-01-01T…Z), and a
 * value no Date holds (beyond ±8.64e12 s, NaN, ±Infinity) as "@" and the number, the epoch
 * notation of GNU date (`date -d @1700000000`). The readers keep capture times within 1970-9999
 * (capture/timestamp.ts); this is for every other caller, and so that a bug shows, not throws.
 */
export function isoTime(epochSec: number): string {
  const whole = Math.floor(epochSec);
  const micros = Math.round((epochSec - whole) * 1e6);
  // Rounding can carry into the next second.
  const sec = micros === 1_000_000 ? whole + 1 : whole;
  const us = micros === 1_000_000 ? 0 : micros;
  // !(a <= b) rather than a > b: NaN fails every comparison and must take this branch.
  if (!(Math.abs(sec) <= DATE_LIMIT_SEC)) return `@${epochSec}`;
  // Connections that end together mostly started in the same second: its date made once.
  if (sec !== isoSecond) {
    isoSecond = sec;
    isoPrefix = new Date(sec * 1000).toISOString().slice(0, -5); // 2026-11-24T11:40:01(.000Z), or ±YYYYYY-…
  }
  return `${isoPrefix}.${String(us).padStart(6, '0')}Z`;
}
/** The second isoTime wrote last, and its date and time up to the second. */
let isoSecond = Number.NaN;
let isoPrefix = '';

/** `ip:port`, IPv6 in brackets (RFC 5952 §6), escaped for the terminal. */
export function endpoint(ip: string, port: number): string {
  return hostPort(esc(ip), port);
}

/** tcpdump's flag letters -> names, in the order a reader expects them. */
const FLAG_NAMES: Array<[string, string]> = [
  ['S', 'SYN'],
  ['F', 'FIN'],
  ['R', 'RST'],
  ['P', 'PSH'],
  ['U', 'URG'],
  ['.', 'ACK'],
  ['E', 'ECE'],
  ['W', 'CWR'],
  ['N', 'AE'],
];

/** flagNames' answers so far, by flag string: a capture has a handful of combinations (bounded all the same). */
const FLAG_TEXT = new Map<string, string>();
const FLAG_TEXT_MAX = 1024;

/** tcpdump's flag string (`S.`, `FP.`, `R`) as names joined with '+': `SYN+ACK`, `FIN+PSH+ACK`. */
export function flagNames(flags: string): string {
  let text = FLAG_TEXT.get(flags);
  if (text === undefined) {
    text = namesOf(flags);
    if (FLAG_TEXT.size < FLAG_TEXT_MAX) FLAG_TEXT.set(flags, text);
  }
  return text;
}

function namesOf(flags: string): string {
  const names: string[] = [];
  for (const [letter, name] of FLAG_NAMES) if (flags.includes(letter)) names.push(name);
  // Letters this table does not know are shown as they are (escaped), never dropped.
  const unknown = [...flags].filter((c) => !FLAG_NAMES.some(([l]) => l === c)).join('');
  if (unknown) names.push(esc(unknown));
  return names.length > 0 ? names.join('+') : 'none';
}

/** A 32-bit sequence-space value minus a base, wrapped (presentation of relative numbers). */
export function rel32(value: number, base: number): number {
  return (value - base + 0x1_0000_0000) % 0x1_0000_0000;
}

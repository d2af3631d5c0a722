/**
 * JSON text written as UTF-8 bytes straight into a buffer: the primitive pieces json-record.ts
 * makes a record of, by JSON.stringify's rules exactly (the same bytes as `JSON.stringify(v)` or
 * `JSON.stringify(v, null, 2)` encoded as UTF-8).
 *
 * Why bytes and not a string: a record built by concatenation is a rope of a thousand pieces,
 * and flattening and encoding it cost as much as making it (NDJSON: about 7 µs of 16 per record);
 * JSON.stringify makes a flat string, but walks every key through the object's map (about 20 µs).
 * The long strings of a record (a transition's `why`, a check's message) are constants of the
 * model, so each is encoded once and its bytes copied after (`constant()`).
 *
 * Bytes handed out by `take()` are valid until the next write: the writer starts again at the
 * start of its buffer, so a record costs no allocation (a caller that keeps the bytes copies them,
 * as the CLI's Output and a thread's batch do). The buffer grows only for a record longer than it.
 */

/** Bytes of the first buffer (a record takes 7 KB compact, 15 KB indented). */
const CHUNK = 1 << 16;
/** Remembered strings before the memory is cleared (sentences with numbers in them are unique). */
const CACHE_MAX = 4096;

/** What JSON.stringify escapes in a string: quotes, backslashes, control characters, surrogates (lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters JSON escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = '0123456789abcdef';

/** A buffer being filled with JSON text, compact or indented by two spaces per level. */
export class JsonWriter {
  buf: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  pos = 0;
  private readonly cache = new Map<string, Uint8Array>();
  /** Between a key and its value. */
  readonly colon: string;

  constructor(readonly pretty: boolean) {
    this.colon = pretty ? ': ' : ':';
  }

  /** The bytes written since the last take(), as a view valid until the next write (copy what you keep). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** The text written since the last take(). */
  text(): string {
    const s = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return s;
  }

  /** Room for `n` more bytes: a buffer twice as large (the record so far copied to it) when this one is full. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(2 * (this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Text known to be ASCII with nothing to escape (punctuation, keys, enum values, numbers). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Text as it is, encoded as UTF-8 (already JSON: an escaped head, a stringified value). */
  raw(s: string): void {
    this.room(3 * s.length);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A newline and the indentation of depth `d` (indented), else nothing. */
  nl(d: number): void {
    if (!this.pretty) return;
    const n = 1 + 2 * d;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x0a;
    for (let i = 1; i < n; i++) b[p++] = 0x20;
    this.pos = p;
  }

  /** `,` unless first, then the member's line and `"key":` (key: ASCII, nothing to escape). */
  key(first: boolean, d: number, key: string): void {
    const n = key.length;
    this.room(n + 2 * d + 6);
    const b = this.buf;
    let p = this.pos;
    if (!first) b[p++] = 0x2c;
    if (this.pretty) {
      b[p++] = 0x0a;
      for (let i = 0; i < d; i++) {
        b[p++] = 0x20;
        b[p++] = 0x20;
      }
    }
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) b[p++] = key.charCodeAt(i);
    b[p++] = QUOTE;
    b[p++] = 0x3a;
    if (this.pretty) b[p++] = 0x20;
    this.pos = p;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }

  /** A number as JSON.stringify writes it (NaN and the infinities as null). */
  num(v: number): void {
    if (Number.isSafeInteger(v)) {
      this.room(17);
      if (v < 0) {
        this.buf[this.pos++] = 0x2d;
        v = -v;
      }
      this.digits(v, 0);
      return;
    }
    // Times and durations are rounded to microseconds (tcp/format.ts round6): when `v` is exactly
    // the double nearest k·10⁻⁶, with k of 15 digits or fewer, the shortest text that reads back
    // as `v` (what Number#toString writes) is k's digits with a point before the last six, less
    // trailing zeros: no other decimal of 15 digits or fewer reads back as the same double. This
    // is 10 times faster than V8's double-to-text, which every time in a record cost.
    const k = Math.round(v * 1e6);
    if (k / 1e6 === v && k !== 0 && Math.abs(k) < 1e15 && Math.abs(v) >= 1e-6) {
      this.room(19);
      let m = k;
      if (m < 0) {
        this.buf[this.pos++] = 0x2d;
        m = -m;
      }
      this.digits(Math.floor(m / 1e6), 0);
      let frac = m % 1e6;
      let width = 6;
      while (frac % 10 === 0) {
        frac /= 10;
        width--;
      }
      this.buf[this.pos++] = 0x2e;
      this.digits(frac, width);
      return;
    }
    this.ascii(Number.isFinite(v) ? `${v}` : 'null');
  }

  /** The decimal digits of integer `v` ≥ 0, at least `width` of them (leading zeros). */
  private digits(v: number, width: number): void {
    let n = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
    if (n < width) n = width;
    const b = this.buf;
    let p = this.pos + n;
    this.pos = p;
    for (let i = 0; i < n; i++) {
      const q = Math.floor(v / 10);
      b[--p] = 0x30 + (v - 10 * q);
      v = q;
    }
  }

  numOrNull(v: number | null): void {
    if (v === null) this.ascii('null');
    else this.num(v);
  }

  bool(v: boolean): void {
    this.ascii(v ? 'true' : 'false');
  }

  /** A string, quoted and escaped as JSON.stringify does, encoded as UTF-8. */
  str(s: string): void {
    // Short strings (states, flags, addresses) in a loop here; longer ones by Node's encoder once a
    // regex says there is nothing to escape (a call to C++ costs about as much as 20 characters here).
    if (s.length < 20 || ESCAPED.test(s)) {
      this.encode(s);
      return;
    }
    this.room(3 * s.length + 2);
    const b = this.buf;
    b[this.pos++] = QUOTE;
    this.pos += b.write(s, this.pos);
    b[this.pos++] = QUOTE;
  }

  /**
   * A string that is most likely one of the model's constants (a state, a side, a key, a
   * transition's `why`, a passing check's message): encoded once, its bytes copied after. A
   * constant's hash is kept in the string, so the lookup does not read it. Others (notes,
   * addresses) are not remembered: most are unique, and remembering costs more than encoding.
   */
  constant(s: string): void {
    let bytes = this.cache.get(s);
    if (bytes === undefined) {
      // Room first, so that what encode() writes is contiguous from `at`.
      this.room(6 * s.length + 2);
      const at = this.pos;
      this.encode(s);
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(s, new Uint8Array(this.buf.subarray(at, this.pos)));
      return;
    }
    const n = bytes.length;
    this.room(n);
    const b = this.buf;
    const p = this.pos;
    if (n < 64) for (let i = 0; i < n; i++) b[p + i] = bytes[i]!;
    else b.set(bytes, p);
    this.pos = p + n;
  }

  strOrNull(s: string | null): void {
    if (s === null) this.ascii('null');
    else this.str(s);
  }

  /** `s` quoted, escaped and encoded: at most 6 bytes per UTF-16 unit (`\u001f`, a lone surrogate). */
  private encode(s: string): void {
    const n = s.length;
    this.room(6 * n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) b[p++] = c;
        else p = escapeAscii(b, p, c);
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 0x3f);
          b[p++] = 0x80 | ((cp >> 6) & 0x3f);
          b[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else p = unicodeEscape(b, p, c); // a lone surrogate (well-formed JSON.stringify)
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
    b[p++] = QUOTE;
    this.pos = p;
  }
}

/** The escape of ASCII character `c` (a quote, a backslash, a control character) at `p`. */
function escapeAscii(b: Buffer, p: number, c: number): number {
  const short = c === QUOTE ? 0x22 : c === BACKSLASH ? 0x5c : c === 8 ? 0x62 : c === 9 ? 0x74 : c === 10 ? 0x6e : c === 12 ? 0x66 : c === 13 ? 0x72 : 0;
  if (short === 0) return unicodeEscape(b, p, c);
  b[p++] = BACKSLASH;
  b[p++] = short;
  return p;
}

function unicodeEscape(b: Buffer, p: number, c: number): number {
  b[p++] = BACKSLASH;
  b[p++] = 0x75;
  for (let shift = 12; shift >= 0; shift -= 4) b[p++] = HEX.charCodeAt((c >> shift) & 15);
  return p;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import {
  displayWidth,
  duration,
  esc,
  escJson,
  flagNames,
  int,
  isoTime,
  millis,
  padEnd,
  padStart,
  rel32,
  secs,
  wrap,
  wrapTokens,
} from '../../src/report/format.js';

describe('esc', () => {
  it.each([
    ['plain.pcap', 'plain.pcap'],
    ['a\u001b[31mb', 'a\\x1b[31mb'],
    ['tab\tnl\ncr\r', 'tab\\tnl\\ncr\\r'],
    ['del\u007f c1\u009b', 'del\\x7f c1\\x9b'],
    ['rtl\u202eabc\u2066', 'rtl\\u202eabc\\u2066'],
    ['中文 ok', '中文 ok'],
  ])('%j -> %j', (input, want) => {
    expect(esc(input)).toBe(want);
  });

  it('keeps JSON valid while escaping', () => {
    const json = escJson(JSON.stringify({ p: 'x\u009by\u202e' }));
    expect(json).toBe('{"p":"x\\u009by\\u202e"}');
    expect(JSON.parse(json)).toEqual({ p: 'x\u009by\u202e' });
  });
});

describe('widths', () => {
  it('counts CJK as two columns and colour codes as none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('客户端')).toBe(6);
    expect(displayWidth('\u001b[31mred\u001b[39m')).toBe(3);
    expect(padEnd('客户', 6)).toBe('客户  ');
    expect(padStart('ab', 4)).toBe('  ab');
  });

  it('the one-pass width equals string-width (the reference) on all text a renderer measures', () => {
    // Renderers measure escaped text (no control characters) with the SGR codes they add themselves.
    const text = fc.string({ unit: 'grapheme' }).map((t) => t.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''));
    const piece = fc.oneof(
      text,
      fc.string().map((t) => t.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')),
      fc.constantFrom(
        '\u001b[31m',
        '\u001b[39m',
        '\u001b[1;32m',
        '│',
        '►',
        '◄',
        '─',
        '┆',
        '╵',
        '⇄',
        '→',
        '↳',
        '·',
        '–',
        '’',
        '…',
        '✓',
        '✗',
        '客户',
        'e\u0301',
        '😀',
        '👨‍👩‍👧',
        '한국어',
        'ｱ',
        '◽',
        '✅',
      ),
      // Every code point of the ranges counted without string-width, alone and in text.
      fc
        .oneof(fc.integer({ min: 0x2010, max: 0x2027 }), fc.integer({ min: 0x2190, max: 0x21ff }), fc.integer({ min: 0x2500, max: 0x25ff }))
        .map((c) => String.fromCharCode(c)),
    );
    fc.assert(
      fc.property(fc.array(piece), (parts) => {
        const t = parts.join('');
        expect(displayWidth(t)).toBe(stringWidth(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('the ranges counted without string-width agree with it, code point by code point', () => {
    for (const [lo, hi] of [
      [0x2010, 0x2027],
      [0x2190, 0x21ff],
      [0x2500, 0x25fc],
      [0x2713, 0x2713],
      [0x2717, 0x2717],
    ] as const) {
      for (let c = lo; c <= hi; c++)
        expect([c.toString(16), displayWidth(String.fromCharCode(c))]).toEqual([c.toString(16), stringWidth(String.fromCharCode(c))]);
    }
  });

  it('emoji and combining marks as a terminal draws them (the old hand-made table did not)', () => {
    expect(displayWidth('😀')).toBe(2);
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\u001b[31m客户\u001b[39m ok')).toBe(7);
  });

  it('wraps Latin at spaces and CJK anywhere, never starting a line with closing punctuation', () => {
    expect(wrap('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps']);
    // Text that fits takes a shortcut; it must give what the token loop gives (a newline forces the loop).
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', ' ', '（', '二', '，', 'é', '✓') }), fc.integer({ min: 1, max: 30 }), (t, w) => {
        fc.pre(t.trim() !== '' && t === t.trimEnd() && displayWidth(t) <= w);
        expect(wrap(t, w)).toEqual(wrap(`${t}\n`, w));
      }),
      { numRuns: 500 },
    );
    // Text of one-column characters is cut by index (wrapSimple): the lines of the token loop.
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'bc', ' ', ' ', '\n', '.', ')', '!?', '─', '→', 'é', '·') }),
        fc.integer({ min: 1, max: 20 }),
        (t, w) => {
          expect(wrap(t, w)).toEqual(wrapTokens(t, w));
        },
      ),
      { numRuns: 2000 },
    );
    // A character wider than the line still gets a line of its own (this once looped forever).
    expect(wrap('一二', 1)).toEqual(['一', '二']);
    const zh = wrap('一二三四五，六七', 10);
    expect(zh).toEqual(['一二三四五，', '六七']);
    for (const l of wrap('为什么需要第三个报文：SYN-ACK 只能证明服务器收到了某个 SYN。', 12)) {
      expect(displayWidth(l)).toBeLessThanOrEqual(14);
      expect(l).not.toMatch(/^[，。；：]/);
    }
    expect(wrap('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
    // An opening bracket never ends a line: it moves down with what it opens.
    expect(wrap('一二三四五六（RFC 9293）', 14)).toEqual(['一二三四五六', '（RFC 9293）']);
  });
});

describe('numbers and names', () => {
  it('formats without the locale', () => {
    expect(int(1234567)).toBe('1,234,567');
    expect(int(999)).toBe('999');
    expect(duration(0.000412)).toBe('412 µs');
    expect(duration(0.012345)).toBe('12.345 ms');
    expect(duration(60)).toBe('60 s');
    expect(duration(125)).toBe('2 min 5 s');
    expect(isoTime(1764000000.25)).toBe('2025-11-24T16:00:00.250000Z');
    // biome-ignore lint/correctness/noPrecisionLoss: a double just below the next second is the point
    expect(isoTime(1764000000.9999996)).toBe('2025-11-24T16:00:01.000000Z');
  });

  it('names tcpdump flags and keeps unknown letters', () => {
    expect(flagNames('S')).toBe('SYN');
    expect(flagNames('S.')).toBe('SYN+ACK');
    expect(flagNames('FP.')).toBe('FIN+PSH+ACK');
    expect(flagNames('R')).toBe('RST');
    expect(flagNames('SEW')).toBe('SYN+ECE+CWR');
    expect(flagNames('.Z')).toBe('ACK+Z');
  });

  it('subtracts in 32-bit sequence space', () => {
    expect(rel32(5, 4294967295)).toBe(6);
    expect(rel32(1000, 1000)).toBe(0);
  });
});

describe('time and number formatting is total (issue 10: "Invalid time value" killed the text output)', () => {
  // fc.double() draws any double, NaN, ±Infinity, -0 and the extremes included.
  const anyNumber = fc.double();

  it('never throws, for any number, and always says something', () => {
    // A throw fails the property too, and fast-check reports the number that caused it.
    const fns = [isoTime, duration, secs, millis, int];
    fc.assert(
      fc.property(anyNumber, (x) => fns.every((f) => /^[^\n]*\S[^\n]*$/.test(f(x)) && !/Invalid|undefined/.test(f(x)))),
      { numRuns: 20000 },
    );
  });

  it('writes every second a Date holds as Date does (expanded years beyond 0000-9999 included)', () => {
    // Whole seconds across the Date range, ±8.64e12 s: toISOString is the reference.
    fc.assert(
      fc.property(fc.integer({ min: -8.64e12, max: 8.64e12 }), (s) => {
        expect(isoTime(s)).toBe(new Date(s * 1000).toISOString().replace(/\.000Z$/, '.000000Z'));
      }),
      { numRuns: 20000 },
    );
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(isoTime(-0.5)).toBe('1969-12-31T23:59:59.500000Z');
    // biome-ignore lint/correctness/noPrecisionLoss: a double just below the next second is the point
    expect(isoTime(253402300799.9999996)).toBe('+010000-01-01T00:00:00.000000Z');
    expect(isoTime(8.64e12)).toBe('+275760-09-13T00:00:00.000000Z');
    expect(isoTime(-8.64e12)).toBe('-271821-04-20T00:00:00.000000Z');
  });

  it('writes what no Date holds as "@" and the number (GNU date\'s epoch notation)', () => {
    expect(isoTime(8.64e12 + 1)).toBe('@8640000000001');
    expect(isoTime(2 ** 64)).toBe('@18446744073709552000');
    expect(isoTime(-(2 ** 62))).toBe('@-4611686018427388000');
    expect(isoTime(Number.MAX_VALUE)).toBe(`@${Number.MAX_VALUE}`);
    expect(isoTime(NaN)).toBe('@NaN');
    expect(isoTime(Infinity)).toBe('@Infinity');
    expect(isoTime(-Infinity)).toBe('@-Infinity');
  });

  it('durations: non-finite and negative values, and beyond 2^53 s, without nonsense', () => {
    expect(duration(NaN)).toBe('NaN s');
    expect(duration(Infinity)).toBe('Infinity s');
    expect(duration(-2)).toBe('-2 s');
    expect(duration(-0.000412)).toBe('-412 µs');
    expect(duration(2 ** 62)).toBe(`${Math.floor(2 ** 62 / 60)} min`);
    expect(duration(3600)).toBe('60 min 0 s');
  });
});

// The model's notes are codes with numbers (tcp/notes.ts); report/notes.ts words them in every
// language. Chinese output then has no English sentence from the model (issue 11, the notes block
// "备注（英文原文）" is gone), and the English wording is what --json has always written.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { main } from '../../src/cli/main.js';
import { NOTE_TEXT, noteText } from '../../src/report/notes.js';
import { NOTE } from '../../src/tcp/notes.js';
import { trace } from '../../src/trace.js';
import { argv, fakeIO } from '../cli/io.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Every kernel recording and the folders of odd exchanges: between them, most note codes occur. */
const CAPTURES = [
  ...readdirSync(path.join(ROOT, 'fixtures'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => `fixtures/${f}`),
  ...['one-sided', 'injected', 'duplicated', 'crafted', 'reordered'].flatMap((d) => {
    try {
      return readdirSync(path.join(ROOT, 'fixtures', d))
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => `fixtures/${d}/${f}`);
    } catch {
      return [];
    }
  }),
];

/** Four words of English in a row: a sentence, not a state name, a flag or a code. */
const ENGLISH = /[A-Za-z]+ [a-z]+ [a-z]+ [a-z]+/;

describe('notes as codes', () => {
  it('every code has words in every language', () => {
    for (const lang of ['en', 'zh'] as const) {
      for (const code of Object.values(NOTE)) expect(typeof NOTE_TEXT[lang][code], `${lang} ${code}`).toBe('function');
    }
  });

  it.each(CAPTURES)('%s: --lang zh prints no English sentence; every note is worded in both languages', async (file) => {
    const io = fakeIO({ env: {} });
    // --width 0: a warning wrapped at 80 columns would leave its continuation without the 警告 mark.
    await main(argv('--no-color', '--width', '0', '--lang', 'zh', '--explain', file), io);
    // Capture warnings (the reader's, about the file) are not the model's notes.
    const lines = io
      .out()
      .split('\n')
      .filter((l) => !l.includes('警告'));
    for (const l of lines) expect(l).not.toMatch(ENGLISH);
    const r = await trace(openCapture(path.join(ROOT, file)));
    for (const c of r.connections) {
      for (const n of c.notes) {
        expect(noteText(n, 'en')).toMatch(/^[A-Z0-9].*\.$/);
        expect(noteText(n, 'zh')).not.toMatch(ENGLISH);
        expect(noteText(n, 'zh')).toMatch(/。$/);
      }
    }
  });

  it('the notes seen across the fixtures cover most codes', async () => {
    const seen = new Set<string>();
    for (const file of CAPTURES) {
      const r = await trace(openCapture(path.join(ROOT, file)));
      for (const c of r.connections) for (const n of c.notes) seen.add(n.code);
    }
    for (const code of [
      'time-wait-until',
      'time-wait-reused',
      'unseen-side',
      'no-syn-captured',
      'rst-ignored',
      'rst-sender-went-on',
      'unexpected-segment',
      'retransmitted-unanswered',
      'no-retransmission-after',
    ]) {
      expect(seen, code).toContain(code);
    }
  });
});

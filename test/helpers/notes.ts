// The model's notes are codes with numbers (tcp/notes.ts); tests that read their words use the
// English wording report/notes.ts gives them (the same text `--json` writes in `notes`).
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { noteText } from '../../src/report/notes.js';

/** The record's notes in English. */
export function noteTexts(r: ConnectionRecord): string[] {
  return r.notes.map((n) => noteText(n, 'en'));
}

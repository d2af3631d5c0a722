/**
 * Decisions taken from the environment: colour (NO_COLOR, FORCE_COLOR, TTY, the flags) and the
 * output language (LC_ALL, LC_MESSAGES, LANG). Pure functions of what they are given, so tests
 * pass an environment instead of changing the process's.
 */
import type { Lang } from '../report/messages.js';

/** An environment: variable name -> value. */
export type Env = Record<string, string | undefined>;

/** A chalk colour level: 0 none, 1 basic 16 colours, 2 256 colours, 3 truecolor. */
export type ColorLevel = 0 | 1 | 2 | 3;

/** FORCE_COLOR as chalk reads it: '' / 'true' / '1' -> 1, '2', '3', '0' / 'false' -> 0; null when unset. */
function forced(env: Env): ColorLevel | null {
  const v = env.FORCE_COLOR;
  if (v === undefined) return null;
  if (v === '' || v === 'true') return 1;
  if (v === 'false') return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 && n <= 3 ? (n as ColorLevel) : 1;
}

/** What the terminal can show, from TERM and COLORTERM. */
function detected(env: Env): ColorLevel {
  const ct = env.COLORTERM ?? '';
  if (ct === 'truecolor' || ct === '24bit') return 3;
  if (/256/.test(env.TERM ?? '')) return 2;
  return 1;
}

/**
 * The colour level for stdout. Precedence: --no-color, --color, FORCE_COLOR, NO_COLOR (any
 * non-empty value, https://no-color.org), then on only for a terminal that is not TERM=dumb.
 */
export function colorLevel(flag: boolean | undefined, env: Env, isTTY: boolean): ColorLevel {
  if (flag === false) return 0;
  const f = forced(env);
  if (flag === true) return f !== null && f > 0 ? f : detected(env);
  if (f !== null) return f;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return detected(env);
}

/** The language: --lang, else the first set of LC_ALL, LC_MESSAGES, LANG (POSIX order); zh* -> zh. */
export function languageFrom(flag: Lang | undefined, env: Env): Lang {
  if (flag) return flag;
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '') ?? '';
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

import { describe, expect, it } from 'vitest';
import { colorLevel, languageFrom } from '../../src/cli/env.js';

describe('colour', () => {
  it.each<[string, boolean | undefined, Record<string, string>, boolean, number]>([
    ['a terminal', undefined, {}, true, 1],
    ['a pipe', undefined, {}, false, 0],
    ['NO_COLOR on a terminal', undefined, { NO_COLOR: '1' }, true, 0],
    ['NO_COLOR empty is unset', undefined, { NO_COLOR: '' }, true, 1],
    ['TERM=dumb', undefined, { TERM: 'dumb' }, true, 0],
    ['FORCE_COLOR on a pipe', undefined, { FORCE_COLOR: '1' }, false, 1],
    ['FORCE_COLOR beats NO_COLOR', undefined, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, 1],
    ['FORCE_COLOR=0 on a terminal', undefined, { FORCE_COLOR: '0' }, true, 0],
    ['FORCE_COLOR=3', undefined, { FORCE_COLOR: '3' }, false, 3],
    ['--color on a pipe', true, {}, false, 1],
    ['--color with NO_COLOR', true, { NO_COLOR: '1' }, false, 1],
    ['--no-color on a terminal', false, {}, true, 0],
    ['--no-color beats FORCE_COLOR', false, { FORCE_COLOR: '1' }, true, 0],
    ['256-colour terminal', undefined, { TERM: 'xterm-256color' }, true, 2],
    ['truecolor terminal', undefined, { COLORTERM: 'truecolor' }, true, 3],
  ])('%s', (_name, flag, env, tty, level) => {
    expect(colorLevel(flag, env, tty)).toBe(level);
  });
});

describe('language', () => {
  it.each<[Record<string, string>, string]>([
    [{}, 'en'],
    [{ LANG: 'zh_CN.UTF-8' }, 'zh'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'zh_TW.UTF-8', LC_MESSAGES: 'en_GB.UTF-8' }, 'en'],
    [{ LANG: 'en_US.UTF-8', LC_ALL: 'zh_CN.UTF-8' }, 'zh'],
    [{ LC_ALL: '', LANG: 'zh_CN' }, 'zh'],
    [{ LANG: 'C' }, 'en'],
  ])('%j -> %s', (env, lang) => {
    expect(languageFrom(undefined, env)).toBe(lang);
  });

  it('--lang wins over the locale', () => {
    expect(languageFrom('en', { LANG: 'zh_CN.UTF-8' })).toBe('en');
  });
});

/**
 * Command-line arguments of `tcptrace check`, declared in one table (description, argument,
 * how the value is checked), the vitest way. Parsed by hand rather than with commander so that
 * `--expect no-state CLOSE-WAIT` works unquoted: a rule word that needs an argument takes the
 * next word with it.
 */
import { RULES_WITH_ARGUMENT } from './rules.js';
import { checkForInvalidKey, mustBePort, mustBePositiveNumber, quote, UsageError } from './validate.js';

/** Parsed `tcptrace check` arguments. */
export interface CheckArgs {
  /** Captures to check, as given (`-` is standard input). */
  files: string[];
  /** `--expect` rule texts, in order. */
  expect: string[];
  /** `--expect-file` paths, in order. */
  expectFiles: string[];
  junit: string | null;
  /** null: trace()'s default. */
  mslSec: number | null;
  portRange: [number, number] | null;
  verbose: boolean;
  /** Judge a capture that was read only up to damage (a warning) instead of failing it. */
  allowDamaged: boolean;
  help: boolean;
}

interface OptionSpec {
  /** Argument placeholder for --help; null for a switch. */
  arg: string | null;
  short?: string;
  description: string;
  /** Stores the (checked) value; throws a UsageError on a bad one. */
  apply(a: CheckArgs, value: string): void;
}

/** Every option of `tcptrace check`. */
export const CHECK_OPTIONS: Record<string, OptionSpec> = {
  '--expect': {
    arg: 'RULE',
    short: '-e',
    description: 'an expectation, e.g. handshakes-complete, resets<=1, "no-state CLOSE-WAIT", rtt<50ms (repeatable)',
    apply: (a, v) => void a.expect.push(v),
  },
  '--expect-file': {
    arg: 'FILE',
    short: '-f',
    description: 'expectations file: one "name: rule" a line, # comments (repeatable)',
    apply: (a, v) => void a.expectFiles.push(v),
  },
  '--junit': {
    arg: 'FILE',
    description: 'write a JUnit XML report (one test case per rule per capture)',
    apply: (a, v) => {
      a.junit = v;
    },
  },
  '--msl': {
    arg: 'SECONDS',
    description: 'maximum segment lifetime; TIME-WAIT lasts 2*MSL (default 30)',
    apply: (a, v) => {
      const bad = mustBePositiveNumber(v);
      if (bad !== null) throw new UsageError(`${quote('--msl')} must be ${bad} (got ${quote(v)})`);
      a.mslSec = Number(v);
    },
  },
  '--port-range': {
    arg: 'LOW-HIGH',
    description: 'ephemeral port range for the TIME-WAIT diagnostic (default 32768-60999, Linux)',
    apply: (a, v) => {
      const m = /^(\d+)-(\d+)$/.exec(v);
      const what = 'two port numbers LOW-HIGH with LOW <= HIGH, e.g. 32768-60999';
      if (!m || mustBePort(m[1]!) !== null || mustBePort(m[2]!) !== null || Number(m[1]) > Number(m[2])) {
        throw new UsageError(`${quote('--port-range')} must be ${what} (got ${quote(v)})`);
      }
      a.portRange = [Number(m[1]), Number(m[2])];
    },
  },
  '--verbose': {
    arg: null,
    short: '-v',
    description: 'also print passing rules, and every connection that broke a failing one',
    apply: (a) => {
      a.verbose = true;
    },
  },
  '--allow-damaged': {
    arg: null,
    description: 'judge a damaged capture (cut short, bad records) on what could be read, instead of failing it',
    apply: (a) => {
      a.allowDamaged = true;
    },
  },
  '--help': {
    arg: null,
    short: '-h',
    description: 'show this help',
    apply: (a) => {
      a.help = true;
    },
  },
};

const SHORT = new Map(
  Object.entries(CHECK_OPTIONS)
    .filter(([, o]) => o.short !== undefined)
    .map(([k, o]) => [o.short!, k]),
);

/** Parses `tcptrace check` arguments (without the `check` word). */
export function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const a: CheckArgs = { files: [], expect: [], expectFiles: [], junit: null, mslSec: null, portRange: null, verbose: false, allowDamaged: false, help: false };
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (onlyFiles || word === '-' || !word.startsWith('-')) {
      a.files.push(word);
      continue;
    }
    if (word === '--') {
      onlyFiles = true;
      continue;
    }
    const eq = word.startsWith('--') ? word.indexOf('=') : -1;
    let key = eq >= 0 ? word.slice(0, eq) : word;
    key = SHORT.get(key) ?? key;
    checkForInvalidKey(key, Object.keys(CHECK_OPTIONS), 'option for "tcptrace check"');
    const spec = CHECK_OPTIONS[key]!;
    if (spec.arg === null) {
      if (eq >= 0) throw new UsageError(`${quote(key)} takes no value`);
      spec.apply(a, '');
      continue;
    }
    let value: string;
    if (eq >= 0) value = word.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`${quote(key)} must be followed by ${spec.arg}`);
      value = argv[++i]!;
    }
    // `--expect no-state CLOSE-WAIT` unquoted: the rule word takes the next word as its argument.
    if (key === '--expect' && RULES_WITH_ARGUMENT.includes(value.trim()) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      value = `${value.trim()} ${argv[++i]!}`;
    }
    spec.apply(a, value);
  }
  if (!a.help && a.files.length === 0) throw new UsageError('no capture given: tcptrace check FILE... [--expect RULE] [--expect-file FILE]');
  if (a.files.filter((f) => f === '-').length > 1) throw new UsageError('standard input ("-") can be read only once');
  return a;
}

/** The --help text, from the option table. */
export function checkHelp(): string {
  const rows = Object.entries(CHECK_OPTIONS).map(([k, o]) => {
    const left = `${o.short ? `${o.short}, ` : '    '}${k}${o.arg ? ` ${o.arg}` : ''}`;
    return `  ${left.padEnd(28)} ${o.description}`;
  });
  return [
    'Usage: tcptrace check FILE... [options]',
    '',
    'Checks expectations on each capture and exits 0 when all hold, 1 when one fails, 2 on a usage or',
    'input error. Without --expect/--expect-file, each FILE uses the expectations file next to it',
    '(captures/login.pcap -> captures/login.expect).',
    '',
    'Options:',
    ...rows,
    '',
    'Rules (docs/check.md):',
    '  handshakes-complete        every connection completed its opening',
    '  no-failed-checks           no seq/ack check failed',
    '  no-resets, resets<=N       reset connections (refused included); ops = < <= > >=',
    '  graceful-close             every connection closed with FINs both ways, acknowledged',
    '  no-state STATE             no endpoint left in STATE at capture end (e.g. CLOSE-WAIT)',
    '  connections=N, >=N, ...    number of connections',
    '  accepts HOST:PORT          HOST:PORT completed at least one opening (*:PORT for any host)',
    '  rtt<DURATION               every measured handshake RTT below DURATION (50ms, 1.5s, 800us)',
    '  no-warnings                no diagnostic warning (TIME-WAIT, CLOSE-WAIT, failed openings)',
    '',
  ].join('\n');
}

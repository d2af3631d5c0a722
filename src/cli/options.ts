/**
 * The command line, declared in ONE typed table (vitest's cli-config style): every option has its
 * flags, help text, group, default and a parse/validate function. `OptionTable` maps every key of
 * `CliOptions` to a spec, so an option without help text or parser does not compile.
 *
 * commander does the tokenising (short/long forms, `--opt=value`, `--`, help, version); the
 * table's `parse` functions turn each raw string into a typed value and reject bad ones with
 * esbuild-style messages (`--msl must be a positive number (got "x")`).
 */
import { existsSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULTS } from '../trace.js';
import type { Lang } from '../report/messages.js';
import { mustBePort, mustBePositiveNumber, quote, UsageError } from '../check/validate.js';
import { canonicalIp, compileFilter, FilterError, hostPredicate, type ConnectionPredicate } from './filter.js';
import { HELP_AFTER, USAGE, wrapHelp } from './help.js';
import { esc } from '../report/format.js';

/** What `--fail-on` can name. */
export type FailOn = 'check';

/** A compiled `--filter`, with its text for messages. */
export interface FilterOption {
  text: string;
  test: ConnectionPredicate;
}

/** Everything the command line can say, typed. */
export interface CliOptions {
  json: boolean;
  ndjson: boolean;
  summary: boolean;
  all: boolean;
  metrics: boolean;
  svg: string | undefined;
  html: string | undefined;
  absolute: boolean;
  explain: boolean;
  lang: Lang | undefined;
  color: boolean | undefined;
  conn: number[];
  host: string[];
  port: number[];
  filter: FilterOption[];
  msl: number;
  idleTimeout: number;
  maxConnections: number;
  portRange: [number, number];
  threads: number | undefined;
  failOn: FailOn[];
  interface: string | undefined;
  listInterfaces: boolean;
  count: number | undefined;
  duration: number | undefined;
  write: string | undefined;
  snaplen: number | undefined;
  bufferSize: number | undefined;
  captureWith: 'dumpcap' | 'tcpdump' | 'cap' | undefined;
  // Habits of tcpdump/tshark users and the terminal (issue 15).
  read: string[];
  numeric: boolean;
  merge: boolean;
  width: number | undefined;
}

const GROUPS = {
  output: 'Output:',
  select: 'Selection:',
  track: 'Tracking:',
  live: 'Live capture (through dumpcap or tcpdump, which need the privilege to capture):',
} as const;

/** One option of the table. */
export interface OptionSpec<T> {
  /** commander flags: '-c, --count <n>'. The long name is the key in camelCase. */
  flags: string;
  description: string;
  group: (typeof GROUPS)[keyof typeof GROUPS];
  default: T;
  /** Shown as "(default: …)" in the help when set. */
  defaultText?: string;
  /** Turns one occurrence's argument into the value, given the value so far; throws UsageError. */
  parse?: (raw: string, previous: T, name: string) => T;
  /** The negated form (`--no-color`) and its help text. */
  negate?: { flags: string; description: string };
}

/** Every option, each with help text and parser: a missing one fails to compile. */
export type OptionTable = { [K in keyof CliOptions]-?: OptionSpec<CliOptions[K]> };

// --- esbuild-style validators: `${name} must be ${what} (got "raw")` ---------------------------

// The value checks are check/'s (the same rules for `tcptrace check` and the main command).
const mustBe = (name: string, what: string, raw: string) => new UsageError(`${name} must be ${what} (got ${quote(raw)})`);

function positiveNumber(raw: string, _p: number, name: string): number {
  const why = mustBePositiveNumber(raw.trim());
  if (why !== null) throw mustBe(name, why, raw);
  return Number(raw);
}

function positiveInteger(raw: string, _p: number | undefined, name: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n <= 0) throw mustBe(name, 'a positive integer', raw);
  return n;
}

/** Comma-separated and repeatable: `--conn 1,2 --conn 5`. */
function list<T>(item: (raw: string, name: string) => T): (raw: string, prev: T[], name: string) => T[] {
  return (raw, prev, name) => [...prev, ...raw.split(',').map((r) => item(r.trim(), name))];
}

const connId = (raw: string, name: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw mustBe(name, 'a connection number (0, 1, 2, ...)', raw);
  return n;
};

const portNumber = (raw: string, name: string): number => {
  const why = mustBePort(raw);
  if (why !== null) throw mustBe(name, why, raw);
  return Number(raw);
};

const hostAddr = (raw: string, name: string): string => {
  if (hostPredicate(raw) === null) throw mustBe(name, 'an IPv4 or IPv6 address, or a CIDR network', raw);
  // Canonical spelling (RFC 5952), so `2001:DB8:0::1` and `2001:db8::1` select the same.
  return raw.includes('/') ? raw : (canonicalIp(raw) ?? raw);
};

function oneOf<T extends string>(values: readonly T[]): (raw: string, prev: unknown, name: string) => T {
  return (raw, _prev, name) => {
    const v = values.find((x) => x === raw.toLowerCase());
    if (v === undefined) throw mustBe(name, `one of ${values.join(', ')}`, raw);
    return v;
  };
}

function portRange(raw: string, _p: [number, number], name: string): [number, number] {
  const m = /^(\d{1,5})\s*[-:]\s*(\d{1,5})$/.exec(raw.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw mustBe(name, 'a port range LOW-HIGH within 1-65535 (32768-60999)', raw);
  return [lo, hi];
}

function filterExpr(raw: string, prev: FilterOption[], name: string): FilterOption[] {
  try {
    return [...prev, { text: raw, test: compileFilter(raw) }];
  } catch (e) {
    if (e instanceof FilterError) throw new UsageError(`${name}: ${e.message}`);
    throw e;
  }
}

function nonEmpty(raw: string, _p: string | undefined, name: string): string {
  if (raw === '') throw mustBe(name, 'a name', raw);
  return raw;
}

/** `-w FILE`: a file, never standard output, which carries the trace's own output (text or JSON). */
function pcapFileName(raw: string, p: string | undefined, name: string): string {
  if (raw === '-') throw mustBe(name, 'a file name, not - (standard output carries the trace)', raw);
  return nonEmpty(raw, p, name);
}

/** The table. Order here is the order in `--help` within each group. */
export const OPTIONS: OptionTable = {
  json: {
    flags: '--json',
    description: 'print the whole model as JSON, one document per input (schema tcptrace/2)',
    group: GROUPS.output,
    default: false,
  },
  ndjson: {
    flags: '--ndjson',
    description: 'print one JSON connection record per line, as each connection finishes',
    group: GROUPS.output,
    default: false,
  },
  summary: { flags: '--summary', description: 'print only the summary table', group: GROUPS.output, default: false },
  all: {
    flags: '--all',
    description: 'draw every segment, not only the opening and closing (keeps them all in memory)',
    group: GROUPS.output,
    default: false,
  },
  metrics: {
    flags: '--metrics',
    description:
      'add each connection’s metrics to JSON/NDJSON records: RTT per direction (from ACKs and timestamp echoes), unique and retransmitted bytes, throughput, goodput, zero-window time, retransmissions (keeps every segment in memory, as --all)',
    group: GROUPS.output,
    default: false,
  },
  svg: {
    flags: '--svg <dir>',
    description: 'write each connection’s ladder and its two time-sequence graphs as SVG files into DIR (keeps every segment, as --all)',
    group: GROUPS.output,
    default: undefined,
    parse: pcapFileName,
  },
  html: {
    flags: '--html <file>',
    description:
      'write one self-contained HTML page: summary, diagnostics, a sortable filterable table of connections, each one’s pictures on demand (keeps every segment, as --all)',
    group: GROUPS.output,
    default: undefined,
    parse: pcapFileName,
  },
  absolute: {
    flags: '--absolute',
    description: 'absolute sequence numbers (default: relative to each side’s ISN, as tcpdump)',
    group: GROUPS.output,
    default: false,
  },
  explain: {
    flags: '--explain',
    description: 'add the reason behind each step (RFC 9293): why three segments, why TIME-WAIT, …',
    group: GROUPS.output,
    default: false,
  },
  lang: {
    flags: '--lang <lang>',
    description: 'language of the text output: en or zh (default: from LC_ALL, LC_MESSAGES, LANG)',
    group: GROUPS.output,
    default: undefined,
    parse: oneOf(['en', 'zh'] as const),
  },
  color: {
    flags: '--color',
    description: 'colour even when stdout is not a terminal (default: on for a terminal unless NO_COLOR is set; FORCE_COLOR honoured)',
    group: GROUPS.output,
    default: undefined,
    negate: { flags: '--no-color', description: 'never colour' },
  },
  conn: {
    flags: '--conn <id>',
    description: 'only connection ID (repeatable, or comma-separated: 0,3)',
    group: GROUPS.select,
    default: [],
    parse: list(connId),
  },
  host: {
    flags: '--host <addr>',
    description: 'only connections with an endpoint at ADDR, or inside a CIDR network (repeatable)',
    group: GROUPS.select,
    default: [],
    parse: list(hostAddr),
  },
  port: {
    flags: '--port <n>',
    description: 'only connections with an endpoint on port N (repeatable)',
    group: GROUPS.select,
    default: [],
    parse: list(portNumber),
  },
  filter: {
    flags: '--filter <expr>',
    description: 'only connections matching EXPR, e.g. "host 198.18.0.1 and port 80" (see Filter expressions)',
    group: GROUPS.select,
    default: [],
    parse: filterExpr,
  },
  msl: {
    flags: '--msl <seconds>',
    description: 'maximum segment lifetime; TIME-WAIT lasts 2·MSL',
    group: GROUPS.track,
    default: DEFAULTS.mslSec,
    defaultText: String(DEFAULTS.mslSec),
    parse: positiveNumber,
  },
  idleTimeout: {
    flags: '--idle-timeout <seconds>',
    description: 'a connection with no packet for this long is finished',
    group: GROUPS.track,
    default: DEFAULTS.idleTimeoutSec,
    defaultText: String(DEFAULTS.idleTimeoutSec),
    parse: positiveNumber,
  },
  maxConnections: {
    flags: '--max-connections <n>',
    description: "most connections open at once; beyond it an unfinished opening (a SYN flood's) is ended early, else the least recently active connection",
    group: GROUPS.track,
    default: DEFAULTS.maxConnections,
    defaultText: String(DEFAULTS.maxConnections),
    parse: positiveInteger,
  },
  portRange: {
    flags: '--port-range <lo-hi>',
    description: 'ephemeral port range for the TIME-WAIT diagnostics',
    group: GROUPS.track,
    default: DEFAULTS.portRange,
    defaultText: DEFAULTS.portRange.join('-'),
    parse: portRange,
  },
  threads: {
    flags: '--threads <n>',
    description: 'trace a capture file over N threads, each its share of the connections (not with a selection, --explain or pictures)',
    group: GROUPS.track,
    default: undefined,
    defaultText: '1',
    parse: positiveInteger,
  },
  failOn: {
    flags: '--fail-on <what>',
    description: 'exit 1 when WHAT happened; WHAT is check (a seq/ack check failed)',
    group: GROUPS.track,
    default: [],
    parse: list((raw, name) => oneOf(['check'] as const)(raw, undefined, name)),
  },
  interface: {
    flags: '-i, --interface <iface>',
    description: 'capture live from IFACE (any = all, Linux); trailing words are a BPF filter',
    group: GROUPS.live,
    default: undefined,
    parse: nonEmpty,
  },
  listInterfaces: {
    flags: '-D, --list-interfaces',
    description: 'list the interfaces live capture can use, and exit',
    group: GROUPS.live,
    default: false,
  },
  count: {
    flags: '-c, --count <n>',
    description: 'stop after N packets (of each file, or of the live capture)',
    group: GROUPS.live,
    default: undefined,
    parse: positiveInteger,
  },
  duration: {
    flags: '--duration <seconds>',
    description: 'stop after this many seconds',
    group: GROUPS.live,
    default: undefined,
    parse: (raw, _p, name) => positiveNumber(raw, 0, name),
  },
  write: {
    flags: '-w, --write <file>',
    description: 'also write the captured packets to FILE as the capture program wrote them (dumpcap: pcapng; tcpdump: pcap, ns; cap: pcap, µs)',
    group: GROUPS.live,
    default: undefined,
    parse: pcapFileName,
  },
  snaplen: {
    flags: '-s, --snaplen <bytes>',
    description: "bytes kept per packet: 0 or up to 262144 as tcpdump (default: the capture program's, 262144; cap keeps at most 65535)",
    group: GROUPS.live,
    default: undefined,
    parse: (raw, _p, name) => {
      // tcpdump: -s 0 is the maximum; values up to 262144 are accepted (cap keeps at most 65535).
      if (/^\s*0+\s*$/.test(raw)) return 262144;
      const n = positiveInteger(raw, undefined, name);
      // libpcap's MAXIMUM_SNAPLEN.
      if (n > 262144) throw mustBe(name, 'a positive integer up to 262144, or 0 for the maximum', raw);
      return n;
    },
  },
  bufferSize: {
    flags: '-B, --buffer-size <KiB>',
    description: "the kernel's capture buffer in KiB, as tcpdump -B: raise it when bursts drop packets (default: 4096)",
    group: GROUPS.live,
    default: undefined,
    parse: (raw, _p, name) => {
      const n = positiveInteger(raw, undefined, name);
      // libpcap takes an int of bytes.
      if (n > 2_097_151) throw mustBe(name, 'a positive integer up to 2097151 (KiB)', raw);
      return n;
    },
  },
  captureWith: {
    flags: '--capture-with <program>',
    description: 'dumpcap, tcpdump or cap: what captures (default: dumpcap, else tcpdump, else the in-process cap module, whose times are at receipt)',
    group: GROUPS.live,
    default: undefined,
    parse: oneOf(['dumpcap', 'tcpdump', 'cap'] as const),
  },
  read: {
    flags: '-r, --read <file>',
    description: 'read FILE, as tcpdump -r and tshark -r (repeatable; the same as naming it)',
    group: GROUPS.output,
    default: [],
    parse: (raw, prev, name) => [...prev, nonEmpty(raw, undefined, name)],
  },
  numeric: {
    flags: '-n, --numeric',
    description: 'accepted for tcpdump habits (-n, -nn): addresses and ports are always numbers',
    group: GROUPS.output,
    default: false,
  },
  merge: {
    flags: '--merge',
    description: 'read the files as one capture, packets in time order (as mergecap): both sides of a link captured apart',
    group: GROUPS.output,
    default: false,
  },
  width: {
    flags: '--width <columns>',
    description: 'fit the text to COLUMNS (default: the terminal width, else $COLUMNS, else 80; 0: no limit)',
    group: GROUPS.output,
    default: undefined,
    parse: (raw, _p, name) => {
      const n = Number(raw);
      if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || (n > 0 && n < 40))
        throw mustBe(name, 'a number of columns, at least 40 (or 0: no limit)', raw);
      return n;
    },
  },
};

/** What the command line asks for. */
export type Invocation = { kind: 'run'; options: CliOptions; inputs: string[]; bpf: string } | { kind: 'exit'; code: number };

/** Where parsing writes help, version and errors. */
export interface ParseOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The long flag of a spec (`--max-connections`), for messages. */
function longName(flags: string): string {
  return /--[a-z][a-z-]*/.exec(flags)?.[0] ?? flags;
}

/** Builds the commander program from the table. Fresh for each parse (commander keeps state). */
export function buildProgram(version: string, out: ParseOutput, helpWidth = 80): Command {
  const program = new Command('tcptrace')
    .usage(USAGE)
    .description(
      'Trace TCP handshakes: infer the RFC 9293 state of both endpoints of every connection in a capture ' +
        'and draw its opening and closing as an annotated ladder.',
    )
    .argument('[inputs...]', 'capture files (pcap, pcapng); - reads standard input; with -i: a BPF filter')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      getOutHelpWidth: () => helpWidth,
      getErrHelpWidth: () => helpWidth,
      writeOut: (s) => out.stdout(s),
      // Everything commander writes to stderr (its errors echo the words it was given: `unknown
      // option '\x1b[2J'`) is escaped here, line by line so that a multi-line text keeps its layout.
      writeErr: (s) => out.stderr(s.split('\n').map(esc).join('\n')),
      // commander's "error: unknown option '--x'\n(Did you mean --y?)" -> one line of ours (`write`
      // is writeErr above, which escapes it).
      outputError: (s, write) => {
        const line = s
          .replace(/^error: /, '')
          .trim()
          .replace(/\s*\n\s*\(Did you mean (.*)\?\)/, '; did you mean $1?')
          .replace(/\s*\n\s*/g, ' ');
        write(`tcptrace: ${line} (see tcptrace --help)\n`);
      },
    })
    // commander leaves a description column narrower than 40 unwrapped: a 60-column terminal too.
    .configureHelp({ minWidthToWrap: 20 })
    .addHelpText('after', () => wrapHelp(HELP_AFTER, helpWidth));
  for (const spec of Object.values(OPTIONS) as Array<OptionSpec<unknown>>) {
    const description = spec.defaultText ? `${spec.description} (default: ${spec.defaultText})` : spec.description;
    const opt = new Option(spec.flags, description).helpGroup(spec.group);
    const parse = spec.parse;
    if (parse) {
      const name = longName(spec.flags);
      opt.argParser((raw: string, prev: unknown) => parse(raw, prev === undefined ? spec.default : prev, name));
    }
    program.addOption(opt);
    if (spec.negate) program.addOption(new Option(spec.negate.flags, spec.negate.description).helpGroup(spec.group));
  }
  return program;
}

/** Checks that need several options at once. */
function validate(o: CliOptions, inputs: string[]): void {
  if (o.json && o.ndjson) throw new UsageError('--json and --ndjson cannot be used together');
  if (o.summary && (o.json || o.ndjson)) throw new UsageError('--summary prints text; it cannot be used with --json or --ndjson');
  if (o.interface === undefined) {
    const liveOnly: Array<[keyof CliOptions, string]> = [
      ['duration', '--duration'],
      ['write', '-w/--write'],
      ['snaplen', '-s/--snaplen'],
      ['bufferSize', '-B/--buffer-size'],
    ];
    for (const [k, flag] of liveOnly) {
      if (o[k] !== undefined) throw new UsageError(`${flag} is for live capture: use it with -i IFACE`);
    }
    if (o.captureWith !== undefined && !o.listInterfaces) throw new UsageError('--capture-with is for live capture: use it with -i IFACE or -D');
    const bpf = bpfWords(inputs);
    if (bpf !== null) {
      throw new UsageError(
        `"${bpf}" reads as a BPF filter, not files: a file's connections are selected with --filter '${bpf}' (tcp, host, port, net, src, dst, and, or, not), or capture live with -i IFACE ${bpf}`,
      );
    }
    if (o.merge && inputs.length < 2) throw new UsageError('--merge reads several files as one capture: name at least two');
    if (!o.listInterfaces && inputs.length === 0) {
      throw new UsageError('no input: name a capture file, - for standard input, or -i IFACE to capture live (see tcptrace --help)');
    }
    if (inputs.filter((x) => x === '-').length > 1) throw new UsageError('- (standard input) can be read only once');
  }
}

/** Words a BPF filter starts with (pcap-filter(7)); a number or address may follow them. */
const BPF_WORDS = new Set(['tcp', 'udp', 'icmp', 'ip', 'ip6', 'host', 'port', 'portrange', 'net', 'src', 'dst', 'and', 'or', 'not', 'ether', 'vlan', 'arp']);

/**
 * The operands from the first BPF word that is not a file on, joined (`tcp port 80` of
 * `f.pcap tcp port 80`), or null. A file that happens to be named `tcp` is still read.
 */
function bpfWords(inputs: string[]): string | null {
  const i = inputs.findIndex((x) => BPF_WORDS.has(x.toLowerCase()) && !existsSync(x));
  return i < 0 ? null : inputs.slice(i).join(' ');
}

/**
 * Parses `args` (without node and script). Help and version are written to `out.stdout` and
 * give `{ kind: 'exit', code: 0 }`; a usage error is one line on `out.stderr` and code 2.
 */
export function parseCommandLine(args: string[], version: string, out: ParseOutput, helpWidth = 80): Invocation {
  const program = buildProgram(version, out, helpWidth);
  try {
    program.parse(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; commander already printed its error line through outputError.
      return { kind: 'exit', code: e.exitCode === 0 ? 0 : 2 };
    }
    if (e instanceof UsageError) {
      // Messages quote the option values (and --filter's the expression) as they were given.
      out.stderr(`tcptrace: ${esc(e.message)}\n`);
      return { kind: 'exit', code: 2 };
    }
    throw e;
  }
  const raw = program.opts<Partial<CliOptions>>();
  const options = {} as Record<keyof CliOptions, unknown>;
  for (const key of Object.keys(OPTIONS) as Array<keyof CliOptions>) options[key] = raw[key] ?? OPTIONS[key].default;
  const o = options as CliOptions;
  const operands = program.args;
  try {
    validate(o, o.interface === undefined ? [...o.read, ...operands] : []);
  } catch (e) {
    if (e instanceof UsageError) {
      // These messages are fixed text today; escaped anyway, as every line that may quote input is.
      out.stderr(`tcptrace: ${esc(e.message)}\n`);
      return { kind: 'exit', code: 2 };
    }
    throw e;
  }
  // With -i the trailing words are a BPF filter, as tcpdump takes them.
  if (o.interface !== undefined) return { kind: 'run', options: o, inputs: [], bpf: operands.join(' ') };
  return { kind: 'run', options: o, inputs: [...o.read, ...operands], bpf: '' };
}

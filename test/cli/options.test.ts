// The command line as strings, vitest's cli-test style: argv in, typed options (or one error line) out.
import { describe, expect, it } from 'vitest';
import { OPTIONS, buildProgram, parseCommandLine, type CliOptions } from '../../src/cli/options.js';
import { classic } from '../report/factory.js';

/** Splits like a shell for these tests: spaces, and '...' quoting. */
function words(s: string): string[] {
  return (s.match(/'[^']*'|\S+/g) ?? []).map((w) => (w.startsWith("'") ? w.slice(1, -1) : w));
}

function parse(argv: string) {
  const out: string[] = [];
  const err: string[] = [];
  const r = parseCommandLine(words(argv), '9.9.9', { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) });
  return { r, out: out.join(''), err: err.join('') };
}

/** The options of a successful parse. */
function options(argv: string): CliOptions & { inputs: string[]; bpf: string } {
  const { r, err } = parse(argv);
  if (r.kind !== 'run') throw new Error(`parse failed: ${err}`);
  const { test: _t, ...rest } = { test: 0, ...r.options };
  return { ...rest, filter: r.options.filter, inputs: r.inputs, bpf: r.bpf } as CliOptions & { inputs: string[]; bpf: string };
}

/** The one error line of a failed parse. */
function error(argv: string): string {
  const { r, err } = parse(argv);
  expect(r).toEqual({ kind: 'exit', code: 2 });
  expect(err.split('\n').filter(Boolean)).toHaveLength(1);
  return err.trimEnd();
}

describe('defaults', () => {
  it('gives every option its default', () => {
    const o = options('x.pcap');
    expect(o).toMatchObject({
      json: false,
      ndjson: false,
      summary: false,
      all: false,
      absolute: false,
      explain: false,
      lang: undefined,
      color: undefined,
      conn: [],
      host: [],
      port: [],
      filter: [],
      msl: 30,
      idleTimeout: 300,
      maxConnections: 100_000,
      portRange: [32768, 60999],
      failOn: [],
      interface: undefined,
      listInterfaces: false,
      inputs: ['x.pcap'],
      bpf: '',
    });
  });

  it('declares every option in the one table, each with help text, under its commander name', () => {
    const program = buildProgram('0', { stdout() {}, stderr() {} });
    const names = program.options.map((o) => o.attributeName());
    for (const [key, spec] of Object.entries(OPTIONS)) {
      expect(names, key).toContain(key);
      expect(spec.description.length, key).toBeGreaterThan(10);
    }
  });
});

describe('options', () => {
  it.each<[string, Partial<CliOptions> & { inputs?: string[] }]>([
    ['--json a.pcap b.pcapng', { json: true, inputs: ['a.pcap', 'b.pcapng'] }],
    ['--ndjson -', { ndjson: true, inputs: ['-'] }],
    ['--summary --all --absolute --explain x', { summary: true, all: true, absolute: true, explain: true }],
    ['--lang zh x', { lang: 'zh' }],
    ['--lang EN x', { lang: 'en' }],
    ['--color x', { color: true }],
    ['--no-color x', { color: false }],
    ['--conn 3 --conn 0,7 x', { conn: [3, 0, 7] }],
    ['--host 2001:DB8:0::1 --host 198.18.0.0/15 x', { host: ['2001:db8::1', '198.18.0.0/15'] }],
    ['--port 80,443 x', { port: [80, 443] }],
    ['--msl 60 --idle-timeout 12.5 --max-connections 1000 x', { msl: 60, idleTimeout: 12.5, maxConnections: 1000 }],
    ['--msl=0.5 x', { msl: 0.5 }],
    ['--port-range 1024-65535 x', { portRange: [1024, 65535] }],
    ['--fail-on check x', { failOn: ['check'] }],
    ['-- -weird-name.pcap', { inputs: ['-weird-name.pcap'] }],
  ])('%s', (argv, want) => {
    expect(options(argv)).toMatchObject(want);
  });

  it('takes the trailing words as a BPF filter with -i', () => {
    expect(options('-i lo tcp port 8080')).toMatchObject({ interface: 'lo', inputs: [], bpf: 'tcp port 8080' });
    expect(options('-i any -B 16384 tcp')).toMatchObject({ interface: 'any', bufferSize: 16384, bpf: 'tcp' });
    expect(options('-i any -c 10 --duration 2.5 -w out.pcap -s 96 tcp')).toMatchObject({
      interface: 'any',
      count: 10,
      duration: 2.5,
      write: 'out.pcap',
      snaplen: 96,
      bpf: 'tcp',
    });
    expect(options('-D')).toMatchObject({ listInterfaces: true, inputs: [] });
  });

  it('compiles --filter once, at parse time', () => {
    const o = options("--filter 'state TIME-WAIT' --filter 'port 80' x");
    expect(o.filter.map((f) => f.text)).toEqual(['state TIME-WAIT', 'port 80']);
    expect(o.filter.every((f) => f.test(classic()))).toBe(true);
  });
});

describe('errors: one line, esbuild-style, exit 2', () => {
  it.each([
    ['--msl abc x', 'tcptrace: --msl must be a positive number (got "abc")'],
    ['--msl 0 x', 'tcptrace: --msl must be a positive number (got "0")'],
    ['--msl -5 x', 'tcptrace: --msl must be a positive number (got "-5")'],
    ['--max-connections 1.5 x', 'tcptrace: --max-connections must be a positive integer (got "1.5")'],
    ['--port 70000 x', 'tcptrace: --port must be a port number (1-65535) (got "70000")'],
    ['--msl 1e3 x', 'tcptrace: --msl must be a positive number (got "1e3")'],
    ['--conn x1 x', 'tcptrace: --conn must be a connection number (0, 1, 2, ...) (got "x1")'],
    ['--host nothost x', 'tcptrace: --host must be an IPv4 or IPv6 address, or a CIDR network (got "nothost")'],
    ['--lang fr x', 'tcptrace: --lang must be one of en, zh (got "fr")'],
    ['--fail-on reset x', 'tcptrace: --fail-on must be one of check (got "reset")'],
    ['--port-range 9-3 x', 'tcptrace: --port-range must be a port range LOW-HIGH within 1-65535 (32768-60999) (got "9-3")'],
    [
      "--filter 'hots 1.2.3.4' x",
      'tcptrace: --filter: unknown word "hots" (word 1); expected one of: host, net, port, state, open, close, conn, zeek, failed, reused, tunnel, vni, tunnel-id, tcp, ip, ip6, client, server, src, dst, not, (',
    ],
    ['--json --ndjson x', 'tcptrace: --json and --ndjson cannot be used together'],
    ['--summary --json x', 'tcptrace: --summary prints text; it cannot be used with --json or --ndjson'],
    ['', 'tcptrace: no input: name a capture file, - for standard input, or -i IFACE to capture live (see tcptrace --help)'],
    ['--duration 5 x.pcap', 'tcptrace: --duration is for live capture: use it with -i IFACE'],
    [
      'x.pcap tcp port 80',
      `tcptrace: "tcp port 80" reads as a BPF filter, not files: a file's connections are selected with --filter 'tcp port 80' (tcp, host, port, net, src, dst, and, or, not), or capture live with -i IFACE tcp port 80`,
    ],
    ['--merge x.pcap', 'tcptrace: --merge reads several files as one capture: name at least two'],
    ['--width 10 x.pcap', 'tcptrace: --width must be a number of columns, at least 40 (or 0: no limit) (got "10")'],
    ['- -', 'tcptrace: - (standard input) can be read only once'],
    ['-s 270000 -i lo', 'tcptrace: --snaplen must be a positive integer up to 262144, or 0 for the maximum (got "270000")'],
    ['--capture-with wireshark -i lo', 'tcptrace: --capture-with must be one of dumpcap, tcpdump, cap (got "wireshark")'],
    ['--capture-with tcpdump x.pcap', 'tcptrace: --capture-with is for live capture: use it with -i IFACE or -D'],
    ['-B 1024 x.pcap', 'tcptrace: -B/--buffer-size is for live capture: use it with -i IFACE'],
    ['-i lo -B 0', 'tcptrace: --buffer-size must be a positive integer (got "0")'],
    ['-i lo -w -', 'tcptrace: --write must be a file name, not - (standard output carries the trace) (got "-")'],
  ])('%j', (argv, line) => {
    expect(error(argv)).toBe(line);
  });

  it('reformats commander’s own errors to the same one-line shape', () => {
    expect(error('--jsn x')).toBe("tcptrace: unknown option '--jsn'; did you mean --json? (see tcptrace --help)");
    expect(error('--msl')).toBe("tcptrace: option '--msl <seconds>' argument missing (see tcptrace --help)");
  });
});

describe('help and version', () => {
  it('--version prints the version and exits 0', () => {
    const { r, out } = parse('--version');
    expect(r).toEqual({ kind: 'exit', code: 0 });
    expect(out).toBe('9.9.9\n');
  });

  it('--help lists every option by group, examples, the filter language, Zeek codes, exit codes', () => {
    const { r, out } = parse('--help');
    expect(r).toEqual({ kind: 'exit', code: 0 });
    for (const spec of Object.values(OPTIONS)) expect(out).toContain(spec.flags);
    expect(out).toContain('--no-color');
    for (const head of ['Output:', 'Selection:', 'Tracking:', 'Live capture', 'Examples:', 'Filter expressions', 'Exit status:']) {
      expect(out).toContain(head);
    }
    expect(out).toMatch(/^ {2}REJ {5}Connection attempt rejected\.$/m);
    expect(out).toContain('(default: 30)');
    expect(out).toContain('tcptrace check');
  });
});

describe("tcpdump's and tshark's habits (issue 15)", () => {
  it('-r FILE reads FILE (repeatable), before the names given plainly', () => {
    expect(options('-r a.pcap b.pcap -r c.pcap').inputs).toEqual(['a.pcap', 'c.pcap', 'b.pcap']);
  });

  it('-n and -nn are accepted and change nothing', () => {
    expect(options('-n x.pcap')).toMatchObject({ numeric: true, inputs: ['x.pcap'] });
    expect(options('-nn x.pcap')).toMatchObject({ numeric: true, inputs: ['x.pcap'] });
    expect(options('-nn -r x.pcap')).toMatchObject({ numeric: true, inputs: ['x.pcap'] });
  });

  it('-c N works on files; -s 0 is the maximum and 262144 is accepted', () => {
    expect(options('-c 5 x.pcap')).toMatchObject({ count: 5, inputs: ['x.pcap'] });
    // tcpdump's maximum; the live source keeps at most what cap does (65535).
    expect(options('-i lo -s 0').snaplen).toBe(262144);
    expect(options('-i lo -s 262144').snaplen).toBe(262144);
  });

  it('--width N, --width 0 (no limit), --merge', () => {
    expect(options('--width 100 x.pcap').width).toBe(100);
    expect(options('--width 0 x.pcap').width).toBe(0);
    expect(options('x.pcap').width).toBeUndefined();
    expect(options('--merge a.pcap b.pcap')).toMatchObject({ merge: true, inputs: ['a.pcap', 'b.pcap'] });
  });

  it('a file really named like a BPF word is read', () => {
    // "tcp" is no file here: refused with the hint; the hint names every word from it on.
    expect(error('a.pcap tcp')).toContain('"tcp" reads as a BPF filter');
    expect(error('a.pcap host 198.18.0.1 and port 80')).toContain("--filter 'host 198.18.0.1 and port 80'");
    expect(options('package.json').inputs).toEqual(['package.json']);
  });
});

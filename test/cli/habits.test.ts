/**
 * Issue 15 through main(): ids unique across inputs, NDJSON lines naming their input, -c on a
 * file, --conn naming a connection no input has, the heading when a selection hid connections,
 * --merge, and the width the text fits.
 */
import { describe, expect, it } from 'vitest';
import { main, outputWidth } from '../../src/cli/main.js';
import { parseCommandLine, type CliOptions } from '../../src/cli/options.js';
import { argv, fakeIO } from './io.js';

const F = (n: string) => `fixtures/${n}.pcap`;

async function run(...args: string[]) {
  const io = fakeIO({ env: {} });
  const code = await main(argv('--no-color', ...args), io);
  return { code, out: io.out(), err: io.err() };
}

describe('several inputs', () => {
  it('ids go on from one input to the next; each NDJSON line names its input and the schema', async () => {
    const r = await run('--ndjson', F('refused'), F('port-reuse'), F('half-close'));
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; input: string; schema: string; reusedFrom: number | null });
    expect(lines.map((l) => [l.input, l.id])).toEqual([
      [F('refused'), 0],
      [F('port-reuse'), 1],
      [F('port-reuse'), 2],
      [F('half-close'), 3],
    ]);
    expect(new Set(lines.map((l) => l.schema))).toEqual(new Set(['tcptrace/2']));
    // reusedFrom names the earlier connection by the same run-wide id.
    expect(lines[2]!.reusedFrom).toBe(1);
  });

  it('--conn takes the run-wide id, and says so when no input holds one', async () => {
    const r = await run('--ndjson', '--conn', '3,9', F('refused'), F('port-reuse'), F('half-close'));
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: number }).id),
    ).toEqual([3]);
    expect(r.err).toBe('tcptrace: --conn 9: no such connection (the inputs hold connections 0-3)\n');
  });
});

describe('a selection that hides connections', () => {
  it('the heading says how many there are and how many are shown', async () => {
    const r = await run('--width', '0', '--conn', '5', F('refused'));
    expect(r.out.split('\n')[0]).toBe(`${F('refused')} — pcap · ETHERNET · 2 packets · 2 TCP segments · 1 connection, 0 shown`);
    expect(r.err).toBe('tcptrace: --conn 5: no such connection (the input holds only connection 0)\n');
  });
});

describe('-c on a file (tcpdump -c)', () => {
  it('reads only the first N packets', async () => {
    const r = await run('--json', '-c', '3', F('half-close'));
    const doc = JSON.parse(r.out) as { input: { packets: number }; connections: Array<{ packets: number; open: { kind: string } }> };
    expect(doc.input.packets).toBe(3);
    expect(doc.connections).toHaveLength(1);
    expect(doc.connections[0]!.packets).toBe(3);
    expect(doc.connections[0]!.open.kind).toBe('three-way');
    expect(r.err).toBe('');
  });

  it('one packet is "1 packet"', async () => {
    const r = await run('--width', '0', '-c', '1', F('half-close'));
    expect(r.out.split('\n')[0]).toBe(`${F('half-close')} — pcap · ETHERNET · 1 packet · 1 TCP segment · 1 connection`);
    expect(r.out).toContain('1 packet in ');
  });
});

describe('--merge', () => {
  it('two one-direction captures read as one, named together', async () => {
    const r = await run('--json', '--merge', 'fixtures/merge/half-close.client.pcap', 'fixtures/merge/half-close.server.pcap');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { input: { path: string; packets: number }; connections: Array<{ close: { kind: string } }> };
    expect(doc.input).toMatchObject({ path: 'fixtures/merge/half-close.client.pcap + fixtures/merge/half-close.server.pcap', packets: 19 });
    expect(doc.connections.map((c) => c.close.kind)).toEqual(['four-way']);
  });
});

describe('the width', () => {
  const o = (args: string) => {
    const r = parseCommandLine(args.split(' '), 'v', { stdout: () => {}, stderr: () => {} });
    if (r.kind !== 'run') throw new Error('parse failed');
    return r.options as CliOptions;
  };
  const tty = (columns: number) => ({ write: () => true, isTTY: true, columns });
  const pipe = { write: () => true, isTTY: false };

  it('--width, else the terminal, else $COLUMNS, else 80', () => {
    expect(outputWidth(o('--width 120 x'), tty(100), { COLUMNS: '90' })).toBe(120);
    expect(outputWidth(o('x'), tty(100), { COLUMNS: '90' })).toBe(100);
    expect(outputWidth(o('x'), pipe, { COLUMNS: '90' })).toBe(90);
    expect(outputWidth(o('x'), pipe, {})).toBe(80);
    expect(outputWidth(o('--width 0 x'), pipe, {})).toBe(0);
  });

  it('every line of every kind of output fits 80 columns in a pipe', async () => {
    for (const args of [[F('half-close')], ['--explain', F('handshake-client-close')], ['--summary', F('timewait-pile')], ['--help']]) {
      const r = await run(...args);
      const wide = r.out.split('\n').filter((l) => [...l].length > 80);
      expect(wide, args.join(' ')).toEqual([]);
    }
  });

  it('--width 0 draws the ladder as wide as it needs', async () => {
    const r = await run('--width', '0', F('half-close'));
    expect(r.out).toContain('│── SYN seq=0 win=64240 len=0 ──');
    expect(Math.max(...r.out.split('\n').map((l) => [...l].length))).toBeGreaterThan(80);
  });
});

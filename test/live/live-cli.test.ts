// `tcptrace -i` as a user runs it: the built bin script in a child process capturing lo, stopped by
// -c or by SIGINT. Root only (CI runs it as root); skipped elsewhere with the reason in its name.
import { spawn, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from '../helpers/built.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { closedPort, client, kernelStates, leftOpen, refusedClient, startServer, whyNoCapture } from './live-harness.js';

const skip = await whyNoCapture();
const title = (s: string) => (skip === null ? s : `${s} [skipped: ${skip}]`);

/** A running `tcptrace` child: resolves `ready` once it says it is capturing. */
function tcptrace(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      // run() opens the capture in the same tick as this line; a moment more for the scheduler.
      if (err.includes('capturing on')) setTimeout(resolve, 150);
    });
    child.on('exit', () => reject(new Error(`tcptrace exited before capturing: ${err}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out, err })),
  );
  ready.catch(() => {});
  return { child, ready, exited };
}

beforeAll(ensureBuilt, 120_000);

// Needs only a built cap: an unprivileged process (root drops CAP_NET_RAW with setpriv) is the point.
const capBuilt = await import('cap' as string).then(
  () => true,
  () => false,
);
const isRoot = process.getuid?.() === 0;
const noPriv = !capBuilt ? 'cap is not built' : isRoot && spawnSync('setpriv', ['--version']).status !== 0 ? 'setpriv not installed' : null;
// The cap fallback's privilege error (the capture programs' are in program.test.ts).
describe.skipIf(noPriv !== null)(`tcptrace -i --capture-with cap without the privilege to capture${noPriv ? ` [skipped: ${noPriv}]` : ''}`, () => {
  it('says how to get it, in one line, exit 2', () => {
    const cmd = [process.execPath, BIN, '-i', 'lo', '--capture-with', 'cap', 'tcp'];
    const r = isRoot
      ? spawnSync('setpriv', ['--bounding-set=-net_raw,-net_admin', ...cmd], { cwd: ROOT, encoding: 'utf8' })
      : spawnSync(cmd[0]!, cmd.slice(1), { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'tcptrace: lo: no permission to capture (socket: Operation not permitted): run as root, or grant node the capability: ' +
        'sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))\n',
    );
  });
  it('-D still lists the interfaces (listing needs no privilege)', () => {
    const cmd = [process.execPath, BIN, '-D', '--capture-with', 'cap'];
    const r = isRoot
      ? spawnSync('setpriv', ['--bounding-set=-net_raw,-net_admin', ...cmd], { cwd: ROOT, encoding: 'utf8' })
      : spawnSync(cmd[0]!, cmd.slice(1), { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\. lo\b.*127\.0\.0\.1/m);
    expect(r.stdout).toMatch(/^\d+\. any \(/m);
  });
});

describe.skipIf(skip !== null)(title('tcptrace -i lo (the bin script, live)'), () => {
  it('-c N stops by itself and --ndjson streams one record per connection', async () => {
    // Refused connections are exactly two packets each (SYN, RST-ACK), so -c 6 is three of them.
    const port = await closedPort();
    const t = tcptrace(['-i', 'lo', '-c', '6', '--ndjson', 'tcp', 'port', String(port)]);
    await t.ready;
    for (let i = 0; i < 3; i++) await refusedClient(port);
    const r = await t.exited;
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^tcptrace: capturing on lo \(tcp port \d+\)/);
    // The capture program's counts (dumpcap or tcpdump, whichever captured), or cap's where neither is installed.
    expect(r.err).toMatch(
      /tcptrace: lo: (6 packets captured, \d+ packets received by filter, 0 packets dropped by kernel, 0 packets dropped by interface \((dumpcap|tcpdump)\)|\d+ packets dropped by interface; kernel drops unknown)/,
    );
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    const recs = lines.map((l) => JSON.parse(l) as ConnectionRecord);
    for (const c of recs) {
      expect(c.server.port).toBe(port);
      expect(c.client.ip).toBe('127.0.0.1');
      expect(c.open.kind).toBe('refused');
      expect(c.client.state).toBe('CLOSED');
      expect(c.packets).toBe(2);
    }
    expect(new Set(recs.map((c) => c.client.port)).size).toBe(3);
  });

  it('SIGINT stops capturing and prints the report with every endpoint as of that moment', async () => {
    const server = await startServer();
    const t = tcptrace(['-i', 'lo', '--json', 'tcp', 'port', String(server.port)]);
    await t.ready;
    const ports = {
      hold: await client(server.port, 'hold'),
      closeWait: await client(server.port, 'close-wait'),
      clientClose: await client(server.port, 'client-close'),
    };
    await new Promise((r) => setTimeout(r, 500)); // let the child read everything first
    const kernel = kernelStates();
    t.child.kill('SIGINT');
    const r = await t.exited;
    for (const s of leftOpen) s.destroy();
    await server.close();
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/internal error|at .*\.js:\d+/);
    const doc = JSON.parse(r.out) as { schema: string; input: { format: string; path: string }; connections: ConnectionRecord[] };
    expect(doc.schema).toBe('tcptrace/2');
    expect(doc.input.format).toBe('live');
    expect(doc.input.path).toBe('lo');
    expect(doc.connections).toHaveLength(3);
    for (const [name, port] of Object.entries(ports)) {
      const c = doc.connections.find((x) => x.client.port === port);
      expect(c, name).toBeDefined();
      expect(c!.open.kind).toBe('three-way');
      expect(c!.client.state, `${name} client`).toBe(kernel(port, server.port));
      expect(c!.server.state, `${name} server`).toBe(kernel(server.port, port));
    }
    // The kernel agreed with these, so they are not vacuous:
    expect(kernel(ports.hold, server.port)).toBe('ESTABLISHED');
    expect(kernel(server.port, ports.closeWait)).toBe('CLOSE-WAIT');
    expect(kernel(ports.clientClose, server.port)).toBe('TIME-WAIT');
  });

  it('SIGINT in text mode prints the summary table with the states at that moment', async () => {
    const server = await startServer();
    const t = tcptrace(['-i', 'lo', 'tcp', 'port', String(server.port)]);
    await t.ready;
    await client(server.port, 'close-wait');
    await new Promise((r) => setTimeout(r, 500)); // let the child read everything first
    t.child.kill('SIGINT');
    const r = await t.exited;
    for (const s of leftOpen) s.destroy();
    await server.close();
    expect(r.code).toBe(0);
    expect(r.out).toContain('CLOSE-WAIT');
    expect(r.out).toContain('FIN-WAIT-2');
  });

  it('a bad filter is one line on stderr and exit 2', async () => {
    const r = spawnSync(process.execPath, [BIN, '-i', 'lo', 'tcp', 'porrt', '80'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('tcptrace: lo: bad capture filter "tcp porrt 80": can\'t parse filter expression: syntax error\n');
  });
});

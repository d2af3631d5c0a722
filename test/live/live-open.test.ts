// Issue 5 as a user sees it: `tcptrace -i lo` in text mode prints a connection's opening while the
// connection is still open, and the rest of its ladder once it has closed. The built bin script in
// a child process, capturing lo as root; skipped elsewhere with the reason in its name.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from '../helpers/built.js';
import { whyNoCapture } from './live-harness.js';

const skip = await whyNoCapture();

beforeAll(ensureBuilt, 120_000);

/** Resolves once `test()` holds, polling every 20 ms; rejects after `ms` with what `what()` says. */
async function until(test: () => boolean, ms: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip !== null)(`tcptrace -i lo (text): openings as they happen${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  it('prints the opening while the connection is open, the closing once it closed, the summary on SIGINT', async () => {
    // An echo server that closes when the client does (no half-open: allowHalfOpen is off).
    const server = net.createServer((s) => s.on('data', (d) => s.write(d)).on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;

    const child = spawn(process.execPath, [BIN, '-i', 'lo', '--no-color', '--width', '0', 'tcp', 'port', String(port)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await until(
        () => err.includes('capturing on'),
        10_000,
        () => `no "capturing on" line: ${err}`,
      );
      await new Promise((r) => setTimeout(r, 150)); // the capture opens in the same tick as that line

      const client = net.connect({ port, host: '127.0.0.1' });
      await new Promise<void>((r, j) => client.once('connect', () => r()).once('error', j));
      const local = client.localPort!;
      client.write('hello\n');
      await new Promise((r) => client.once('data', r));

      // The opening: while the connection is open (this process still holds it).
      const heading = `#0  127.0.0.1:${local} ⇄ 127.0.0.1:${port}`;
      await until(
        () => out.includes('three-way handshake · started'),
        5000,
        () => `no opening on stdout: ${JSON.stringify(out)} ${err}`,
      );
      expect(client.destroyed).toBe(false);
      expect(out.startsWith(`${heading}\n    three-way handshake · started `)).toBe(true);
      expect(out).toMatch(/SYN-SENT │── SYN seq=0 .*►│/);
      expect(out).toMatch(/ESTABLISHED │◄─+ SYN\+ACK seq=0 ack=1 .*──│ SYN-RECEIVED/);
      expect(out).toMatch(/│── ACK seq=1 ack=1 .*►│ ESTABLISHED/);
      expect(out).not.toMatch(/FIN|opening printed above|end of capture/);
      const opening = out;

      // Close it: client FIN, the server's FIN follows, the last ACK; then the closing prints.
      client.end();
      await new Promise((r) => client.once('close', r));
      await until(
        () => out.includes('end of capture'),
        5000,
        () => `no closing on stdout: ${JSON.stringify(out)} ${err}`,
      );
      const rest = out.slice(opening.length);
      expect(rest.startsWith(`${heading}\n    three-way handshake · `)).toBe(true);
      expect(rest).toMatch(/close, client first/);
      expect(rest).toMatch(/ESTABLISHED │   opening printed above +│ ESTABLISHED/);
      expect(rest).toMatch(/FIN-WAIT-1 │── FIN\+ACK/);
      expect(rest).toMatch(/TIME-WAIT ╵   end of capture +╵ CLOSED/);
      expect(rest).not.toMatch(/SYN seq=0/);
      expect(out).not.toContain('Summary of');

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out.slice(opening.length + rest.length)).toMatch(/^Summary of lo\n  connections      1\n/);
      expect(err).not.toMatch(/internal error|at .*\.js:\d+/);
    } finally {
      child.kill('SIGKILL');
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 30_000);
});

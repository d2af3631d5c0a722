// Test helpers for real live capture on the loopback interface: a TCP server whose behaviour
// each client picks with its first line, the client side of each way of closing, and a wrapper
// that records the frames a live source hands over while passing them on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { installHint } from '../../src/capture/cap-hint.js';
import type { CaptureSource, Frame, FrameSink } from '../../src/capture/frame.js';

/** Why live capture cannot run here, or null when it can (root and a built cap). */
export async function whyNoCapture(): Promise<string | null> {
  if (process.platform !== 'linux') return 'live tests use Linux loopback (lo)';
  if (process.getuid?.() !== 0) return 'not root: capturing needs CAP_NET_RAW (CI runs these as root)';
  let cap: { Cap: new () => { open(d: string, f: string, n: number, b: Buffer): string; close(): boolean } };
  try {
    cap = (await import('cap' as string)) as typeof cap;
  } catch (e) {
    return `cap is not built (${String((e as Error).message).split('\n')[0]}): ${installHint()}`;
  }
  // Root is not always enough (a container without CAP_NET_RAW): try the real thing.
  const probe = new cap.Cap();
  probes.push(probe); // a Cap whose open() failed must never be garbage-collected (see src/capture/live.ts)
  try {
    probe.open('lo', '', 1 << 16, Buffer.alloc(64));
  } catch (e) {
    return `cannot capture on lo here (${String((e as Error).message).split('\n')[0]})`;
  }
  probe.close();
  return null;
}
const probes: unknown[] = [];

/** The scenarios: what the server does once it has read the client's first line. */
export type Scenario = 'client-close' | 'half-close' | 'server-close' | 'client-rst' | 'server-rst' | 'hold' | 'close-wait';

/**
 * What the kernel holds for each scenario's sockets when capture stops, [scenario, client, server]:
 * the oracle of the live tests (they also check the kernel really says so).
 */
export const FINAL_STATES: ReadonlyArray<[Scenario, string, string]> = [
  ['client-close', 'TIME-WAIT', 'CLOSED'],
  ['half-close', 'TIME-WAIT', 'CLOSED'],
  ['server-close', 'CLOSED', 'TIME-WAIT'],
  ['client-rst', 'CLOSED', 'CLOSED'],
  ['server-rst', 'CLOSED', 'CLOSED'],
  ['hold', 'ESTABLISHED', 'ESTABLISHED'],
  ['close-wait', 'FIN-WAIT-2', 'CLOSE-WAIT'],
];

/** A server on 127.0.0.1 (random free port) acting out each client's requested scenario. */
export async function startServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let line = '';
    let scenario: Scenario | null = null;
    s.on('data', (d) => {
      if (scenario !== null) return;
      line += d.toString('latin1');
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      scenario = line.slice(0, nl) as Scenario;
      switch (scenario) {
        case 'server-close': // we close first: our FIN, the client answers with its own
          s.end('bye');
          break;
        case 'client-rst': // tells the client the handshake and data are done; it then resets
        case 'hold': // tells the client the connection is up; it then stays open
          s.write('ok');
          break;
        case 'server-rst':
          s.resetAndDestroy();
          break;
        default: // the client closes first: nothing to send before its FIN
      }
    });
    s.on('end', () => {
      // The client's FIN arrived.
      if (scenario === 'client-close') s.end();
      else if (scenario === 'half-close') setTimeout(() => s.end('late data'), 250); // data after their FIN, then ours
      // 'close-wait': never close, so this side stays in CLOSE-WAIT.
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening (bound once, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sockets left open on purpose (closed by the caller after capture stops). */
export const leftOpen: net.Socket[] = [];

/** Plays one scenario as the client; resolves with the client's port once its part is done. */
export function client(port: number, scenario: Scenario): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let local = 0;
    c.on('error', (e) => {
      if (scenario === 'server-rst' && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      reject(e);
    });
    c.on('connect', () => {
      local = c.localPort!;
      c.write(`${scenario}\n`);
      if (scenario === 'client-close' || scenario === 'half-close' || scenario === 'close-wait') c.end();
    });
    c.on('data', () => {
      if (scenario === 'client-rst') c.resetAndDestroy();
      else if (scenario === 'hold') {
        leftOpen.push(c);
        resolve(local);
      }
    });
    c.on('finish', () => {
      // Our FIN is sent; give the server's ACK a moment, then leave this side in FIN-WAIT-2.
      if (scenario === 'close-wait') {
        setTimeout(() => {
          leftOpen.push(c);
          resolve(local);
        }, 100);
      }
    });
    c.on('end', () => {
      if (scenario === 'server-close') c.end(); // answer the server's FIN with ours
    });
    c.on('close', () => {
      if (scenario !== 'hold' && scenario !== 'close-wait') resolve(local);
    });
  });
}

/** Connects to a port nobody listens on; resolves with the client port once refused. */
export function refusedClient(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    c.on('connect', () => reject(new Error(`port ${port} unexpectedly accepted`)));
    c.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') return reject(e);
      // The socket is gone; its port shows only in the capture: the caller finds it there.
      resolve(0);
    });
  });
}

/** A copy of what a live source handed to its sink. */
export interface Copied {
  index: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  capLen: number;
  wireLen: number;
  data: Buffer;
}

/** A frame as a Copied: its fields and its bytes, which outlive the frame() call. */
export function copyFrame(f: Frame): Copied {
  return {
    index: f.index,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    linkType: f.linkType,
    capLen: f.capLen,
    wireLen: f.wireLen,
    data: Buffer.from(f.buf.subarray(f.offset, f.offset + f.capLen)),
  };
}

/**
 * Wraps a source so every frame is copied into `into` before going on to the real sink, and
 * `quiet(ms)` can wait until no frame has arrived for `ms`.
 */
export function tee(source: CaptureSource, into: Copied[]) {
  let last = performance.now();
  const wrapped: CaptureSource = {
    name: source.name,
    run(sink: FrameSink, options) {
      return source.run(
        {
          frame(f: Frame) {
            last = performance.now();
            into.push(copyFrame(f));
            sink.frame(f);
          },
        },
        options,
      );
    },
  };
  const quiet = async (ms: number, maxMs = 5000): Promise<void> => {
    const t0 = performance.now();
    while (performance.now() - last < ms && performance.now() - t0 < maxMs) await new Promise((r) => setTimeout(r, 20));
  };
  return { source: wrapped, quiet };
}

/** True when `user` exists on this system (for the no-privilege test). */
export function userExists(user: string): boolean {
  try {
    execFileSync('id', ['-u', user], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** /proc/net/tcp `st` codes (include/net/tcp_states.h) in RFC 9293 spelling. */
const PROC_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN-SENT',
  '03': 'SYN-RECEIVED',
  '04': 'FIN-WAIT-1',
  '05': 'FIN-WAIT-2',
  '06': 'TIME-WAIT',
  '07': 'CLOSED',
  '08': 'CLOSE-WAIT',
  '09': 'LAST-ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/**
 * The kernel's own view, the oracle for final states: state of the IPv4 socket bound to local
 * port `local` talking to remote port `remote`, from /proc/net/tcp (TIME-WAIT sockets included).
 * A socket the kernel no longer has is CLOSED.
 */
export function kernelStates(): (local: number, remote: number) => string {
  const rows = new Map<string, string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const lp = parseInt(f[1]!.split(':')[1]!, 16);
    const rp = parseInt(f[2]!.split(':')[1]!, 16);
    rows.set(`${lp}>${rp}`, PROC_STATES[f[3]!] ?? `?${f[3]}`);
  }
  return (local, remote) => rows.get(`${local}>${remote}`) ?? 'CLOSED';
}

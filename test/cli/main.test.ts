// main() driven directly with a fake process (streams, environment) and fake stage loaders.
import { describe, expect, it } from 'vitest';
import { CaptureError, type CaptureSource } from '../../src/capture/frame.js';
import { main, type CliDeps, type LiveApi } from '../../src/cli/main.js';
import { argv, fakeIO } from './io.js';

const fakeLive = (over: Partial<LiveApi> = {}): LiveApi => ({
  listInterfaces: async () => [
    { name: 'lo', description: null, addresses: ['127.0.0.1', '::1'] },
    { name: 'eth0\u001b[2J', description: 'Ethernet', addresses: [] },
  ],
  openLive: async (o) => {
    throw new CaptureError(o.iface, null, 'no such interface (see tcptrace -D)');
  },
  ...over,
});

describe('usage and input errors', () => {
  it('bad usage: one line on stderr, nothing on stdout, exit 2', async () => {
    const io = fakeIO();
    expect(await main(argv('--msl', 'x', 'a.pcap'), io)).toBe(2);
    expect(io.err()).toBe('tcptrace: --msl must be a positive number (got "x")\n');
    expect(io.out()).toBe('');
  });

  it('an unreadable file: one line naming it, exit 2, no stack trace', async () => {
    const io = fakeIO();
    expect(await main(argv('/nonexistent/x.pcap'), io)).toBe(2);
    expect(io.err()).toBe('tcptrace: /nonexistent/x.pcap: cannot open: no such file or directory\n');
  });

  it('escapes a hostile path in the error line', async () => {
    const io = fakeIO();
    expect(await main(argv('/nonexistent/\u001b[31mred.pcap'), io)).toBe(2);
    expect(io.err()).toBe('tcptrace: /nonexistent/\\x1b[31mred.pcap: cannot open: no such file or directory\n');
  });

  it('an unexpected failure is one "internal error" line and exit 70', async () => {
    const io = fakeIO();
    const source: CaptureSource = {
      name: 'x',
      run: async () => {
        throw new TypeError('boom\n    at somewhere');
      },
    };
    expect(await main(argv('x.pcap'), io, { openCapture: () => source })).toBe(70);
    expect(io.err()).toBe('tcptrace: x.pcap: internal error: boom\n');
  });

  it('--help and --version exit 0 on stdout', async () => {
    const io = fakeIO();
    expect(await main(argv('--version'), io)).toBe(0);
    expect(io.out()).toMatch(/^tcptrace \d+\.\d+\.\d+ \(node \d+\.\d+\.\d+, live capture: cap (\d+\.\d+\.\d+(, not built)?|not installed)\)\n$/);
    const h = fakeIO();
    expect(await main(argv('--help'), h)).toBe(0);
    expect(h.out()).toContain('Usage: tcptrace [options] <file...>');
  });
});

describe('live capture wiring', () => {
  it('-D lists interfaces, escaped', async () => {
    const io = fakeIO();
    expect(await main(argv('-D'), io, { loadLive: async () => fakeLive() })).toBe(0);
    expect(io.out()).toBe('1. lo  127.0.0.1, ::1\n2. eth0\\x1b[2J (Ethernet)\n');
  });

  it('passes -i, the BPF words and the stop conditions to openLive; its error is one line, exit 2', async () => {
    const io = fakeIO();
    let got: unknown;
    const live = fakeLive({
      openLive: async (o) => {
        got = o;
        throw new CaptureError(o.iface, null, 'you need root or cap_net_raw to capture');
      },
    });
    expect(
      await main(argv('-i', 'lo', '-c', '5', '--duration', '2', '-w', 'o.pcap', '-B', '64', 'tcp', 'port', '8080'), io, { loadLive: async () => live }),
    ).toBe(2);
    // -B is in KiB, as for tcpdump; libpcap takes bytes.
    expect(got).toEqual({ iface: 'lo', filter: 'tcp port 8080', snaplen: undefined, bufferSize: 65536, count: 5, durationSec: 2, writeFile: 'o.pcap' });
    expect(io.err()).toBe('tcptrace: lo: you need root or cap_net_raw to capture\n');
  });

  it('a missing libpcap binding is one line, exit 2', async () => {
    const io = fakeIO();
    const deps: Partial<CliDeps> = {
      loadLive: async () => {
        throw new CaptureError('live capture', null, "the optional module 'cap' (libpcap binding) is not built: install libpcap-dev");
      },
    };
    expect(await main(argv('-i', 'lo'), io, deps)).toBe(2);
    expect(io.err()).toBe("tcptrace: live capture: the optional module 'cap' (libpcap binding) is not built: install libpcap-dev\n");
  });
});

describe('tcptrace check', () => {
  it('dispatches the subcommand with its own arguments and a loader', async () => {
    const io = fakeIO();
    let seen: string[] = [];
    let loader: unknown;
    const deps: Partial<CliDeps> = {
      loadCheck: async () => ({
        runCheck: async (args, _io, load) => {
          seen = args;
          loader = load;
          return 1;
        },
      }),
    };
    expect(await main(argv('check', 'a.pcap', '--expect', 'no-resets'), io, deps)).toBe(1);
    expect(seen).toEqual(['a.pcap', '--expect', 'no-resets']);
    expect(typeof loader).toBe('function');
  });

  it('reaches the real check/ module', async () => {
    const io = fakeIO();
    expect(await main(argv('check', '--help'), io)).toBe(0);
    expect(io.out()).toContain('check');
  });
});

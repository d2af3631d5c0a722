// Golden output of `tcptrace --no-color FIXTURE` for one real capture per kind of exchange.
// Each golden file was reviewed by eye against fixtures/<name>.tcpdump.txt (tcpdump -nn -S) when it
// was written: after `vitest -u`, inspect the diff before committing it (esbuild's rule).
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { argv, fakeIO } from './io.js';

async function run(...args: string[]): Promise<string> {
  const io = fakeIO({ env: {} });
  const code = await main(argv('--no-color', ...args), io);
  expect(io.err()).toBe('');
  expect(code).toBe(0);
  return io.out();
}

/** One fixture per kind of exchange (fixtures/README.md says how each was recorded). */
const LADDERS = [
  'handshake-client-close', // three-way handshake, client closes first, three-segment close
  'server-close', // the server closes first
  'three-segment-close',
  'four-way-close', // the passive side's ACK and FIN 200 ms apart
  'half-close', // data from the CLOSE-WAIT side after the first FIN
  'simultaneous-close', // FINs crossing: CLOSING on both sides
  'simultaneous-close-lossy', // lost FINs, retransmissions no longer crossing
  'simultaneous-open', // SYNs crossing, both SYN-RECEIVED
  'refused', // RST-ACK answering the SYN
  'unanswered', // SYN retransmitted, no answer
  'reset-client', // abort by the client (SO_LINGER 0)
  'reset-server', // abort by the server
  'reset-unread', // RST because of unread data
  'lost-last-ack', // FIN retransmitted by the LAST-ACK side
  'port-reuse', // a new SYN with a new ISN on the same 4-tuple
  'keepalive', // keep-alive probes
  'mid-stream', // no opening captured
  'fast-open', // TFO cookie request, then data on the SYN
  'ipv6', // IPv6 addresses in the heading
  'closewait-leak', // three connections left in CLOSE-WAIT
  'loss', // retransmissions and duplicate ACKs, folded
  'vlan', // 802.1Q frames: same ladder as handshake-client-close
  'tunnels/gre', // inside a keyed GRE tunnel: the heading names it
  'tunnels/vxlan-frag', // inside VXLAN, the outer datagrams of full-size segments fragmented
];

/** Captures with many connections: the summary is the readable part. */
const SUMMARIES = ['timewait-pile', 'syn-flood'];

describe('golden output', () => {
  it.each(LADDERS)('%s', async (name) => {
    await expect(await run(`fixtures/${name}.pcap`)).toMatchFileSnapshot(`../../fixtures/golden/${name}.txt`);
  });

  it.each(SUMMARIES)('%s --summary', async (name) => {
    await expect(await run('--summary', `fixtures/${name}.pcap`)).toMatchFileSnapshot(`../../fixtures/golden/${name}.summary.txt`);
  });

  it('--explain, English and Chinese', async () => {
    const f = 'fixtures/handshake-client-close.pcap';
    await expect(await run('--explain', f)).toMatchFileSnapshot('../../fixtures/golden/handshake-client-close.explain.txt');
    await expect(await run('--explain', '--lang', 'zh', f)).toMatchFileSnapshot('../../fixtures/golden/handshake-client-close.explain.zh.txt');
  });

  it('--absolute', async () => {
    await expect(await run('--absolute', 'fixtures/four-way-close.pcap')).toMatchFileSnapshot('../../fixtures/golden/four-way-close.absolute.txt');
  });
});

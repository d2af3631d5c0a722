// Ladder labels that come from the record, checked on the real fixtures: the handshake's ack
// checks say what they expected (ISN + 1 + SYN data), the close heading names the side that sent
// the first FIN/RST, and a simultaneous open says whom it calls client and server.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open.js';
import { renderConnection, TEXT_DEFAULTS, type TextOptions } from '../../src/report/text.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import { connection, handshake } from './factory.js';

const FIX = (name: string) => path.resolve(import.meta.dirname, '../../fixtures', `${name}.pcap`);
const records = async (name: string) => (await trace(openCapture(FIX(name)), {})).connections;
const render = (c: ConnectionRecord, o: Partial<TextOptions> = {}) => renderConnection(c, { ...TEXT_DEFAULTS, ...o });
/** The lines under the ladder row of packet `n`, up to the next row with a packet number. */
const under = (out: string, n: number) => {
  const ls = out.split('\n');
  const i = ls.findIndex((l) => new RegExp(`^\\s+${n}\\s+\\d+\\.\\d{6}`).test(l));
  const rest = ls.slice(i + 1);
  const j = rest.findIndex((l) => /^\s+\d+\s+\d+\.\d{6}/.test(l));
  return rest.slice(0, j < 0 ? undefined : j).join('\n');
};

describe('handshake ack labels from the check (fixtures/fast-open.pcap)', () => {
  it('labels the Fast Open SYN-ACK ack=x+101 (ISN + 1 + 100 bytes of SYN data), as its check expected', async () => {
    const [plain, tfo] = await records('fast-open');
    const k = tfo!.checks.find((x) => x.id === 'synack-acks-isn')!;
    expect(k.ok).toBe(true);
    expect(k.expected! - tfo!.client.isn!).toBe(101);
    for (const lang of ['en', 'zh'] as const) {
      const out = render(tfo!, { lang });
      expect(under(out, 10)).toContain('ack=x+101 ✓');
      expect(out).not.toContain('ack=x+1 ✓');
      expect(under(out, 11)).toContain('ack=y+1 ✓');
    }
    // The plain connection of the same capture keeps x+1.
    expect(under(render(plain!), 2)).toContain('ack=x+1 ✓');
  });

  it('a failed ack check keeps the expected amount in its label', async () => {
    const [, tfo] = await records('fast-open');
    const c = structuredClone(tfo!);
    const k = c.checks.find((x) => x.id === 'synack-acks-isn')!;
    k.ok = false;
    k.actual = (c.client.isn! + 1) >>> 0;
    expect(render(c)).toContain('ack=x+101 ✗ expected 101, got 1');
  });
});

describe('close heading names who sent the first FIN/RST', () => {
  it('on the real resets (reset-client, reset-unread, reset-server, refused): the RST sender the record names', async () => {
    // Classifying the close is tcp/'s job (its tests); here the heading must say what the record says.
    for (const name of ['reset-client', 'reset-unread', 'reset-server', 'refused']) {
      const [c] = await records(name);
      const head = render(c!).split('\n').slice(0, 3).join('\n');
      if (c!.close.kind !== 'reset') continue;
      const by = c!.close.reset?.by ?? c!.close.initiator!;
      const other = by === 'client' ? 'server' : 'client';
      expect(head, name).toContain(c!.close.initiator === null || c!.close.initiator === by ? `reset, ${by} first` : `reset, by ${by} after ${other}’s FIN`);
      expect(head, name).not.toContain(`reset, ${other} first`);
    }
  });

  it('a client RST after the server’s FIN is headed by both, never “reset, server first”', () => {
    const c = connection(handshake(), {
      close: { kind: 'reset', initiator: 'server', dataAfterFin: 0, packets: [4, 5], reset: { by: 'client', state: 'CLOSE-WAIT', packet: 5 } },
    });
    const en = render(c);
    expect(en).toContain('reset, by client after server’s FIN');
    expect(en).not.toContain('reset, server first');
    expect(en).toContain('Reset by the client in CLOSE-WAIT (packet #5).');
    expect(render(c, { lang: 'zh' })).toContain('重置，服务器先发 FIN，客户端发送 RST');
  });

  it('a reset without the RST record falls back to close.initiator', () => {
    const c = connection(handshake(), { close: { kind: 'reset', initiator: 'client', dataAfterFin: 0, packets: [4], reset: null } });
    expect(render(c)).toContain('reset, client first');
  });
});

describe('simultaneous open roles (fixtures/simultaneous-open.pcap)', () => {
  it('draws the record’s client (the first SYN’s sender) on the left and says neither listened', async () => {
    const [c] = await records('simultaneous-open');
    expect(c!.open.kind).toBe('simultaneous');
    const firstSyn = c!.segments.find((s) => s.flags.includes('S'))!;
    expect(firstSyn.from).toBe('client');
    const out = render(c!);
    // The heading lists the record's client first, and the first SYN is drawn from the left lifeline.
    expect(out.split('\n')[0]).toBe(`#0  ${c!.client.ip}:${c!.client.port} ⇄ ${c!.server.ip}:${c!.server.port}`);
    expect(out).toMatch(/\n\s+1\s+0\.000000\s+SYN-SENT │── SYN seq=0/);
    expect(out).toContain(
      `Neither side listened: “client” here is the sender of the first SYN (${c!.client.ip}:${c!.client.port}), “server” the other (${c!.server.ip}:${c!.server.port}).`,
    );
    expect(render(c!, { lang: 'zh' })).toContain(`这里的“客户端”是先发 SYN 的一方（${c!.client.ip}:${c!.client.port}）`);
  });
});

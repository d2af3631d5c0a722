import { describe, expect, it } from 'vitest';
import { displayWidth, stripAnsi } from '../../src/report/format.js';
import { newTextContext, renderConnection, renderText, TEXT_DEFAULTS, type TextOptions } from '../../src/report/text.js';
import { noOptions, type ConnectionRecord } from '../../src/tcp/model.js';
import { classic, connection, handshake, report, type Step } from './factory.js';

const render = (c: ConnectionRecord, o: Partial<TextOptions> = {}) => renderConnection(c, { ...TEXT_DEFAULTS, ...o });
const lines = (s: string) => s.split('\n');
/** The ladder row of packet `n` (the row starting with its number). */
const row = (out: string, n: number) => lines(out).find((l) => new RegExp(`^\\s+${n}\\s+\\d+\\.\\d{6}`).test(l)) ?? '';

describe('ladder of a whole connection (handshake, folded data, four-way close)', () => {
  const out = render(classic());

  it('heads the connection with id, both endpoints, kinds and final states', () => {
    expect(lines(out)[0]).toBe('#0  198.18.0.1:41000 ⇄ 198.18.0.2:80');
    expect(out).toContain('three-way handshake · four-way close, client first · 11 packets in 10.241 ms · zeek SF ShADadFf');
    expect(out).toContain('at the end: client TIME-WAIT, server CLOSED');
  });

  it('draws each segment as an arrow from its sender with flags, relative seq/ack, win, len', () => {
    expect(row(out, 1)).toMatch(/SYN-SENT │── SYN seq=0 win=64240 len=0 ─+►│ SYN-RECEIVED$/);
    expect(row(out, 2)).toMatch(/ESTABLISHED │◄─+ SYN\+ACK seq=0 ack=1 win=65160 len=0 ──│$/);
    expect(row(out, 3)).toMatch(/│── ACK seq=1 ack=1 win=502 len=0 ─+►│ ESTABLISHED$/);
    expect(row(out, 8)).toMatch(/FIN-WAIT-1 │── FIN\+ACK seq=101 ack=201/);
    expect(row(out, 11)).toMatch(/►│ CLOSED$/);
  });

  it('writes a state only where it changes', () => {
    // Packet 3 changes only the server; the client column stays blank.
    expect(row(out, 3)).toMatch(/^\s+3\s+0\.000052\s+│/);
    expect(row(out, 9)).toContain('FIN-WAIT-2');
    expect(row(out, 9)).not.toMatch(/│ \S/);
  });

  it('starts with the initial states and ends with the final ones', () => {
    const ls = lines(out);
    const top = ls.findIndex((l) => /CLOSED │ +│ LISTEN$/.test(l));
    expect(top).toBeGreaterThan(0);
    expect(ls.some((l) => /TIME-WAIT ╵ +end of capture +╵ CLOSED$/.test(l))).toBe(true);
  });

  it('shows ISN and options on the SYNs and the checks under their arrow', () => {
    expect(out).toContain('ISN x=1000000 · mss 1460 · ws 7 · sack · ts');
    expect(out).toContain('ISN y=5000000 · mss 1460 · ws 7 · sack · ts');
    const ls = lines(out);
    const syn = ls.indexOf(row(out, 2));
    expect(ls.slice(syn + 1, syn + 3).join('\n')).toContain('ack=x+1 ✓');
    expect(out).toContain('ack=y+1 ✓');
  });

  it('folds the data in between into one line per direction, before the close', () => {
    const ls = lines(out);
    const c2s = ls.findIndex((l) => l.includes('──► 2 segments · 100 bytes · #4–#6'));
    const s2c = ls.findIndex((l) => l.includes('◄── 2 segments · 200 bytes · 1 retransmitted · #5–#7'));
    expect(c2s).toBeGreaterThan(ls.indexOf(row(out, 3)));
    expect(s2c).toBe(c2s + 1);
    expect(ls.indexOf(row(out, 8))).toBeGreaterThan(s2c);
  });

  it('names options in use, the RTT, the close in words and when TIME-WAIT expires', () => {
    expect(out).toContain('in use         window scaling · SACK · timestamps');
    expect(out).toContain('handshake RTT  0.052 ms');
    expect(out).toContain('Four-way close: the client sent the first FIN');
    expect(out).toContain('the client in TIME-WAIT; it expires at +60.010200 s (2·MSL = 60 s after packet #10)');
    expect(render(classic(), { mslSec: 60 })).toContain('expires at +120.010200 s (2·MSL = 120 s');
  });

  it('keeps both lifelines in the same columns on every row', () => {
    const ladder = lines(out).filter((l) => /[│┆╵]/.test(l));
    const cols = (l: string) => {
      const at: number[] = [];
      let w = 0;
      for (const ch of l) {
        if ('│┆╵'.includes(ch)) at.push(w);
        w += displayWidth(ch);
      }
      return at;
    };
    const first = cols(ladder[0]!);
    expect(first).toHaveLength(2);
    for (const l of ladder) expect(cols(l)).toEqual(first);
  });

  it('prints absolute numbers with --absolute', () => {
    const abs = render(classic(), { absolute: true });
    expect(row(abs, 1)).toContain('SYN seq=1000000 win=64240');
    expect(row(abs, 2)).toContain('SYN+ACK seq=5000000 ack=1000001');
  });

  it('draws every segment and folds nothing with --all', () => {
    const all = render(classic(), { all: true });
    expect(all).not.toContain('2 segments · 100 bytes');
  });
});

describe('checks', () => {
  const bad = (): ConnectionRecord => {
    const steps = handshake();
    steps[1]!.checks = [['synack-acks-isn', false, 1, 0]];
    return connection(steps);
  };

  it('writes a failed check with expected and actual, relative like the label', () => {
    const out = render(bad());
    expect(out).toContain('ack=x+1 ✗ expected 1, got 0');
    expect(render(bad(), { absolute: true })).toContain('ack=x+1 ✗ expected 1000001, got 1000000');
  });

  it('colours a failed check red and a passed one green, and nothing without colour', () => {
    const c = bad();
    c.checks.push({ ...c.checks[0]!, id: 'syn-no-data', ok: true, expected: null, actual: null, packet: 1 });
    const out = render(c, { color: 1 });
    expect(out).toMatch(/\u001b\[31m\u001b\[1mack=x\+1 ✗ expected 1, got 0/);
    expect(out).toMatch(/\u001b\[32mno data on SYN ✓/);
    expect(render(c)).not.toMatch(/\u001b/);
    expect(stripAnsi(out)).toBe(render(c));
  });

  it('lists checks on folded segments under the ladder; failures in full', () => {
    const c = classic();
    c.checks.push({ id: 'no-data-after-fin', ok: false, packet: 6, expected: null, actual: null, side: 'client', message: 'data after FIN' });
    c.checks.push({ id: 'rst-in-window', ok: true, packet: 5, expected: null, actual: null, side: 'client', message: 'ok' });
    const out = render(c);
    expect(out).toContain('checks on folded segments:');
    expect(out).toContain('#6 no data after FIN ✗ data after FIN');
    expect(out).toContain('1 more check passed on folded segments');
  });
});

describe('unusual exchanges are named in words', () => {
  it('refused: RST answering the SYN; no data fold', () => {
    const c = connection(
      [
        { from: 'client', flags: 'S', seq: 0, ack: null, time: 0, client: 'SYN-SENT', server: 'LISTEN' },
        { from: 'server', flags: 'R.', seq: 0, ack: 1, time: 0.00003, client: 'CLOSED', server: 'LISTEN' },
      ],
      {
        open: { kind: 'refused', complete: false, rttMs: null, packets: [1, 2], heuristic: null, synRetransmits: null },
        zeek: { conn_state: 'REJ', history: 'Sr', records: null },
      },
    );
    const out = render(c);
    expect(out).toContain('refused · not closed');
    expect(out).toContain('Refused: the server answered the SYN with RST; nothing accepted connections on port 80.');
    expect(out).not.toContain('Still open');
    expect(out).not.toContain('┆');
    expect(row(out, 2)).toContain('RST+ACK seq=0 ack=1');
  });

  it('unanswered: SYN retransmission times', () => {
    const syn = (t: number): Step => ({
      from: 'client',
      flags: 'S',
      seq: 0,
      ack: null,
      time: t,
      client: 'SYN-SENT',
      server: 'LISTEN',
      analysis: t > 0 ? ['retransmission'] : [],
    });
    const c = connection([syn(0), syn(1.01), syn(3.05)], {
      open: { kind: 'unanswered', complete: false, rttMs: null, packets: [1, 2, 3], synRetransmits: [1.01, 3.05], heuristic: null },
      server: { ip: '198.18.0.2', port: 81, state: 'LISTEN', stateBasis: 'unseen', isn: null, options: noOptions(), segments: 0, bytes: 0 },
    });
    const out = render(c);
    expect(out).toContain('Unanswered: 3 SYNs and no reply; retransmitted at +1.010 s, +3.050 s.');
    expect(out).toContain('retransmission');
    expect(out).toContain('Nothing was captured from the server: LISTEN is only the RFC default, not observed.');
    expect(out).toMatch(/╵ LISTEN\?$/m);
  });

  it('simultaneous open and simultaneous close', () => {
    const c = connection(handshake(), {
      open: { kind: 'simultaneous', complete: true, rttMs: null, packets: [1, 2, 3], heuristic: null, synRetransmits: null },
      close: { kind: 'simultaneous', initiator: 'client', dataAfterFin: 0, packets: [], reset: null },
    });
    const out = render(c);
    expect(out).toContain('simultaneous open · simultaneous close ·');
    expect(out).not.toContain('simultaneous close, client first');
    expect(out).toContain('Simultaneous open: the two SYNs crossed');
    expect(out).toContain('Simultaneous close: the FINs crossed; both sides went FIN-WAIT-1 → CLOSING → TIME-WAIT.');
  });

  it('three-segment close, half-close in use, and a reset by whom in which state', () => {
    const three = render(connection(handshake(), { close: { kind: 'three-segment', initiator: 'server', dataAfterFin: 1234, packets: [], reset: null } }));
    expect(three).toContain('three-segment close, server first');
    expect(three).toContain('Three-segment close: the client acknowledged the server’s FIN and sent its own FIN in the same segment.');
    expect(three).toContain('Half-close in use: the client sent 1,234 bytes after the server’s FIN.');
    const reset = render(
      connection(handshake(), {
        close: { kind: 'reset', initiator: 'server', dataAfterFin: 0, packets: [4], reset: { by: 'server', state: 'ESTABLISHED', packet: 4 } },
      }),
    );
    expect(reset).toContain('Reset by the server in ESTABLISHED (packet #4).');
  });

  it('half-close in use: the data after the FIN is folded after the FIN’s ACK, not before the FIN', () => {
    const c = classic();
    c.close.dataAfterFin = 2500;
    c.data.server = { segments: 6, bytes: 2700, retransmissions: 0, firstPacket: 5, lastPacket: 9 };
    // Renumber the close: client FIN #7, its ACK #8, server data #9 (folded), server FIN #11, last ACK #12.
    const close = c.segments.slice(3);
    [7, 8, 11, 12].forEach((p, i) => (close[i]!.packet = p));
    c.close.packets = [7, 8, 11, 12];
    const ls = lines(render(c));
    const at = (re: RegExp) => ls.findIndex((l) => re.test(l));
    const fin = at(/^\s+7 .*FIN\+ACK/);
    const ackOfFin = at(/^\s+8 .*ACK seq=201/);
    const after = at(/2,500 bytes after the client’s FIN · until #9/);
    const serverFin = at(/^\s+11 .*FIN\+ACK/);
    expect(fin).toBeGreaterThan(0);
    expect(ackOfFin).toBeGreaterThan(fin);
    expect(after).toBeGreaterThan(ackOfFin);
    expect(serverFin).toBeGreaterThan(after);
  });

  it('half-closed at the end, CLOSE-WAIT left behind, port reuse', () => {
    const steps = [...handshake(), { from: 'client', flags: 'F.', seq: 1, ack: 1, time: 0.5, client: 'FIN-WAIT-2', server: 'CLOSE-WAIT' } as Step];
    const c = connection(steps, { close: { kind: 'half-closed', initiator: 'client', dataAfterFin: 0, packets: [4], reset: null }, reusedFrom: 3 });
    const out = render(c);
    expect(out).toContain('Half-closed at the end of the capture: only the client’s FIN was seen');
    expect(out).toContain('The capture ended with the server in CLOSE-WAIT: its application had not closed the socket yet.');
    expect(out).toContain('Port reuse: the same 4-tuple as connection #3');
  });

  it('mid-stream: the heuristic, and states inferred', () => {
    const c = connection([{ from: 'client', flags: 'P.', seq: 1, ack: 1, len: 10, time: 0, client: 'ESTABLISHED', server: 'ESTABLISHED' }], {
      open: { kind: 'mid-stream', complete: false, rttMs: null, packets: [], heuristic: 'well-known-port', synRetransmits: null },
      timeline: [],
      zeek: { conn_state: 'OTH', history: 'D', records: null },
    });
    c.server.stateBasis = 'inferred';
    const out = render(c);
    expect(out).toContain('Mid-stream: the opening was not captured; the states before the first segment are inferred (client chosen by: well-known-port).');
    expect(out).toMatch(/ESTABLISHED │ +│ ESTABLISHED$/m);
    expect(out).toMatch(/╵ ESTABLISHED\*$/m);
    expect(out).toContain('server ESTABLISHED*');
  });
});

describe('IPv6', () => {
  it('stacks a long heading and keeps the ladder as wide as for IPv4', () => {
    const v4 = classic();
    const v6 = classic();
    v6.client.ip = '2001:db8:1234:5678:9abc:def0:1234:5678';
    v6.server.ip = '2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa';
    const out = render(v6);
    expect(lines(out)[0]).toBe('#0  [2001:db8:1234:5678:9abc:def0:1234:5678]:41000');
    expect(lines(out)[1]).toBe('  ⇄ [2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa]:80');
    const width = (s: string) =>
      Math.max(
        ...lines(s)
          .filter((l) => l.includes('│'))
          .map(displayWidth),
      );
    expect(width(out)).toBe(width(render(v4)));
  });

  it('keeps a short IPv6 heading on one line', () => {
    const c = classic();
    c.client.ip = '2001:db8::1';
    c.server.ip = '2001:db8::2';
    expect(lines(render(c))[0]).toBe('#0  [2001:db8::1]:41000 ⇄ [2001:db8::2]:80');
  });
});

describe('escaping', () => {
  it('never lets control characters from the capture reach the terminal', () => {
    const c = classic();
    // (Notes are codes with numbers since they left the model's English: nothing of the capture in them.)
    const r = report([c], { path: 'a\u001b]0;pwned\u0007.pcap', warnings: ['offset 9: \u001b[31mred'] });
    for (const color of [0, 1] as const) {
      const out = renderText(r, { ...TEXT_DEFAULTS, color });
      // Only SGR colour sequences of our own may remain.
      expect(stripAnsi(out)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
      expect(out).toContain('a\\x1b]0;pwned\\x07.pcap');
    }
  });
});

describe('--explain', () => {
  it('gives the reason for each state change and each topic once per output', () => {
    const ctx = newTextContext();
    const o = { ...TEXT_DEFAULTS, explain: true };
    const first = renderConnection(classic(), o, ctx);
    const second = renderConnection(classic(), o, ctx);
    for (const out of [first, second]) {
      expect(out).toContain('↳ client CLOSED → SYN-SENT: active open: sent SYN');
      expect(out).toContain('↳ server LAST-ACK → CLOSED: its FIN was acknowledged');
    }
    const flat = (s: string) =>
      lines(s)
        .map((l) => l.replace(/[│┆╵↳]/g, ' ').trim())
        .join(' ');
    expect(flat(first)).toMatch(/Why a third segment: the SYN-ACK only proves/);
    expect(flat(first)).toMatch(/Why TIME-WAIT lasts 2·MSL/);
    expect(flat(first)).toMatch(/Why closing takes four segments/);
    expect(flat(second)).not.toMatch(/Why a third segment/);
  });

  it('uses the model’s own sentence in English when it has one', () => {
    const c = classic();
    c.timeline[0]!.why = 'sent SYN (active OPEN, RFC 9293 §3.10.1)';
    const flat = lines(render(c, { explain: true }))
      .map((l) => l.replace(/[│↳]/g, ' ').trim())
      .join(' ');
    expect(flat).toContain('client CLOSED → SYN-SENT: sent SYN (active OPEN, RFC 9293 §3.10.1)');
  });

  it('speaks Chinese with --lang zh, keeping state names', () => {
    const out = render(classic(), { explain: true, lang: 'zh' });
    expect(out).toContain('客户端 CLOSED → SYN-SENT：主动打开：发送 SYN');
    expect(out).toContain('三次握手 · 四次挥手，客户端先关闭');
    expect(out).toContain('为什么需要第三个报文');
    expect(out).not.toMatch(/Why|the client|handshake RTT/);
  });
});

describe('renderText', () => {
  it('prints the input line, each connection, then the summary', () => {
    const c1 = classic();
    const c2 = { ...classic(), id: 1 };
    const out = renderText(report([c1, c2]), TEXT_DEFAULTS);
    expect(lines(out)[0]).toBe('test.pcap — pcap · ETHERNET · 22 packets · 22 TCP segments · 2 connections');
    const i0 = out.indexOf('#0  ');
    const i1 = out.indexOf('#1  ');
    const s = out.indexOf('Summary of test.pcap');
    expect(i0).toBeGreaterThan(0);
    expect(i1).toBeGreaterThan(i0);
    expect(s).toBeGreaterThan(i1);
  });

  it('says so when there is no connection', () => {
    expect(renderText(report([]), TEXT_DEFAULTS)).toContain('no TCP connections');
  });
});

// The whole pipeline on a live capture: the live source feeds trace() directly, as `tcptrace -i`
// does, while the kernel's TCP on lo plays out every way of closing. The final states are checked
// against the kernel's own socket table (/proc/net/tcp) read at the moment capture stopped.
// Root only (CI runs it as root); skipped elsewhere with the reason in its name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLive } from '../../src/capture/live.js';
import type { Report } from '../../src/diagnose/types.js';
import type { ConnectionRecord } from '../../src/tcp/model.js';
import { trace } from '../../src/trace.js';
import {
  FINAL_STATES,
  closedPort,
  client,
  kernelStates,
  leftOpen,
  refusedClient,
  startServer,
  tee,
  whyNoCapture,
  type Copied,
  type Scenario,
} from './live-harness.js';

const skip = await whyNoCapture();
const title = (s: string) => (skip === null ? s : `${s} [skipped: ${skip}]`);

const SCENARIOS: Scenario[] = ['client-close', 'half-close', 'server-close', 'client-rst', 'server-rst', 'hold', 'close-wait'];

describe.skipIf(skip !== null)(title('trace() on a live capture of lo'), () => {
  let report: Report;
  let serverPort = 0;
  let refusedPort = 0;
  const ports = new Map<string, number>();
  const streamed: Array<{ record: ConnectionRecord; beforeStop: boolean }> = [];
  const frames: Copied[] = [];
  let kernel: (local: number, remote: number) => string = () => '?';

  beforeAll(async () => {
    const server = await startServer();
    serverPort = server.port;
    refusedPort = await closedPort();
    const live = await openLive({ iface: 'lo', filter: `tcp and (port ${serverPort} or port ${refusedPort})` });
    const t = tee(live, frames);
    const ac = new AbortController();
    let stopped = false;
    const done = trace(t.source, { signal: ac.signal, onConnection: (record) => streamed.push({ record, beforeStop: !stopped }) });
    try {
      for (const sc of SCENARIOS) ports.set(sc, await client(serverPort, sc));
      await refusedClient(refusedPort);
      await t.quiet(250);
    } finally {
      kernel = kernelStates();
      stopped = true;
      ac.abort();
    }
    report = await done;
    await server.close();
  });
  afterAll(() => {
    for (const s of leftOpen) s.destroy();
  });

  /** The record of the connection whose client port is that of scenario `sc`. */
  function rec(sc: string): ConnectionRecord {
    const port = sc === 'refused' ? -1 : ports.get(sc)!;
    const r =
      sc === 'refused'
        ? report.connections.find((c) => c.server.port === refusedPort)
        : report.connections.find((c) => c.client.port === port && c.server.port === serverPort);
    expect(r, sc).toBeDefined();
    return r!;
  }

  it('reports the input as a live capture of every frame the source handed over', () => {
    expect(report.input.format).toBe('live');
    expect(report.input.path).toBe('lo');
    expect(report.input.linkTypes).toEqual(['ETHERNET']);
    expect(report.input.packets).toBe(frames.length);
    expect(report.input.tcpSegments).toBe(frames.length);
    expect(report.input.warnings.some((w) => /packets dropped by interface; kernel drops unknown/.test(w))).toBe(true);
    expect(report.connections.length).toBe(SCENARIOS.length + 1);
  });

  it.each(SCENARIOS)('%s: a complete three-way handshake from the client to the server', (sc) => {
    const r = rec(sc);
    expect(r.client.ip).toBe('127.0.0.1');
    expect(r.client.port).toBe(ports.get(sc));
    expect(r.server.port).toBe(serverPort);
    expect(r.open.kind).toBe('three-way');
    expect(r.open.complete).toBe(true);
    expect(r.open.rttMs).not.toBeNull();
    expect(r.open.rttMs!).toBeGreaterThanOrEqual(0);
    expect(r.client.options.mss).toBeGreaterThan(0);
    expect(r.server.options.mss).toBeGreaterThan(0);
    for (const id of ['synack-acks-isn', 'handshake-ack-acks-isn'] as const) {
      const c = r.checks.find((k) => k.id === id);
      expect(c, id).toBeDefined();
      expect(c!.ok).toBe(true);
    }
  });

  // Final states, as the kernel had them when capture stopped.
  it.each(FINAL_STATES)('%s: client ends %s, server %s, as the kernel says', (sc, clientState, serverState) => {
    const r = rec(sc);
    const port = ports.get(sc)!;
    expect(kernel(port, serverPort)).toBe(clientState);
    expect(kernel(serverPort, port)).toBe(serverState);
    expect(r.client.state).toBe(clientState);
    expect(r.server.state).toBe(serverState);
  });

  it('tells the closes apart: who closed first, and how', () => {
    expect(['four-way', 'three-segment']).toContain(rec('client-close').close.kind);
    expect(rec('client-close').close.initiator).toBe('client');
    expect(rec('server-close').close.initiator).toBe('server');
    expect(['four-way', 'three-segment']).toContain(rec('server-close').close.kind);
    for (const [sc, by] of [
      ['client-rst', 'client'],
      ['server-rst', 'server'],
    ] as const) {
      const c = rec(sc).close;
      expect(c.kind).toBe('reset');
      expect(c.initiator).toBe(by);
      if (c.reset) {
        expect(c.reset.by).toBe(by);
        expect(c.reset.state).toBe('ESTABLISHED');
      }
    }
    expect(rec('hold').close.kind).toBe('none');
    expect(rec('hold').close.initiator).toBeNull();
    expect(rec('close-wait').close.kind).toBe('half-closed');
    expect(rec('close-wait').close.initiator).toBe('client');
  });

  it('half-close: counts the data the server sent after the client FIN', () => {
    const c = rec('half-close').close;
    expect(c.initiator).toBe('client');
    expect(c.dataAfterFin).toBe('late data'.length);
    // The server's ACK of the client FIN came 250 ms before its own FIN: four segments.
    expect(c.kind).toBe('four-way');
  });

  it('refused: RST answering the SYN, client CLOSED', () => {
    const r = rec('refused');
    expect(r.open.kind).toBe('refused');
    expect(r.client.state).toBe('CLOSED');
  });

  it("Zeek's conn_state for each", () => {
    expect(rec('client-close').zeek.conn_state).toBe('SF');
    expect(rec('server-close').zeek.conn_state).toBe('SF');
    expect(rec('client-rst').zeek.conn_state).toBe('RSTO');
    expect(rec('server-rst').zeek.conn_state).toBe('RSTR');
    expect(rec('hold').zeek.conn_state).toBe('S1');
    expect(rec('close-wait').zeek.conn_state).toBe('S2');
    expect(rec('refused').zeek.conn_state).toBe('REJ');
  });

  it('streams finished connections while capturing, the rest when capture stops', () => {
    const when = new Map(streamed.map((s) => [s.record.id, s.beforeStop]));
    expect(streamed.length).toBe(report.connections.length);
    // Reset connections are over the moment the RST passes.
    expect(when.get(rec('client-rst').id)).toBe(true);
    expect(when.get(rec('server-rst').id)).toBe(true);
    // Still open at the stop: described as of that moment.
    expect(when.get(rec('hold').id)).toBe(false);
    expect(when.get(rec('close-wait').id)).toBe(false);
  });

  it('sums the final states per side', () => {
    const fs = report.summary.finalStates;
    expect(fs.client['TIME-WAIT']).toBe(2);
    expect(fs.server['TIME-WAIT']).toBe(1);
    expect(fs.server['CLOSE-WAIT']).toBe(1);
    expect(fs.client['FIN-WAIT-2']).toBe(1);
    expect(fs.client.ESTABLISHED).toBe(1);
  });
});

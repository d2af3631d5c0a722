// The installed command as a user runs it: `node bin/tcptrace.js ...` as a child process, checking
// exit codes, stdout/stderr separation, stdin, damaged input and the colour rules.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, ensureBuilt } from '../helpers/built.js';

const FIX = (name: string) => path.join(ROOT, 'fixtures', name);

beforeAll(ensureBuilt, 120_000);

function tcptrace(args: string[], opts: { input?: Buffer; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: opts.input,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Byte offsets of each record in a little-endian µs classic pcap: [record header offset, frame offset, caplen]. */
function records(buf: Buffer): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let o = 24; o + 16 <= buf.length; ) {
    const cap = buf.readUInt32LE(o + 8);
    out.push([o, o + 16, cap]);
    o += 16 + cap;
  }
  return out;
}

describe('tcptrace (the bin script)', () => {
  it('reads a capture: ladders and summary on stdout, nothing on stderr, exit 0', () => {
    const r = tcptrace([FIX('handshake-client-close.pcap')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('#0  198.18.0.1:41001 ⇄ 198.18.0.2:4700');
    expect(r.out).toContain('Summary of');
    expect(r.out).not.toMatch(/\u001b\[/); // a pipe: no colour
  });

  it('colours when forced, not with NO_COLOR or --no-color', () => {
    expect(tcptrace([FIX('refused.pcap')], { env: { FORCE_COLOR: '1' } }).out).toMatch(/\u001b\[\d+m/);
    expect(tcptrace(['--color', FIX('refused.pcap')]).out).toMatch(/\u001b\[\d+m/);
    expect(tcptrace(['--no-color', FIX('refused.pcap')], { env: { FORCE_COLOR: '1' } }).out).not.toMatch(/\u001b/);
  });

  it('reads standard input with -', () => {
    const r = tcptrace(['--json', '-'], { input: readFileSync(FIX('refused.pcap')) });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.schema).toBe('tcptrace/2');
    expect(doc.connections[0].open.kind).toBe('refused');
  });

  it('--json with several files: one document per input, in order (a stream jq reads)', () => {
    const r = tcptrace(['--json', FIX('refused.pcap'), FIX('unanswered.pcap')]);
    expect(r.code).toBe(0);
    const docs = r.out.split(/\n(?=\{)/).map((d) => JSON.parse(d));
    expect(docs.map((d) => d.connections[0].open.kind)).toEqual(['refused', 'unanswered']);
  });

  it('--ndjson: one connection record per line', () => {
    const r = tcptrace(['--ndjson', FIX('closewait-leak.pcap')]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(JSON.parse(l).server.state).toBe('CLOSE-WAIT');
  });

  it('--ndjson over --max-connections: every connection still has a line, and stderr says the table was full', () => {
    const r = tcptrace(['--ndjson', '--max-connections', '5', FIX('syn-flood.pcap')]);
    expect(r.code).toBe(0);
    const records = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { notes: string[] });
    const evicted = records.filter((x) => x.notes.some((n) => n.startsWith('Evicted before it ended')));
    expect(evicted.length).toBeGreaterThan(0);
    expect(r.err).toContain(`more than 5 connections open at once (--max-connections): ${evicted.length} were ended early`);
  });

  it('exit 2 and one line for bad usage and for an unreadable file; the other files still run', () => {
    const u = tcptrace(['--msl', 'soon', FIX('refused.pcap')]);
    expect([u.code, u.err, u.out]).toEqual([2, 'tcptrace: --msl must be a positive number (got "soon")\n', '']);
    const m = tcptrace(['/nonexistent.pcap', FIX('refused.pcap')]);
    expect(m.code).toBe(2);
    expect(m.err).toBe('tcptrace: /nonexistent.pcap: cannot open: no such file or directory\n');
    expect(m.out).toContain('refused');
    const junk = path.join(mkdtempSync(path.join(tmpdir(), 'rep-')), 'junk.pcap');
    writeFileSync(junk, 'this is not a capture file at all, just text');
    const j = tcptrace([junk]);
    expect(j.code).toBe(2);
    expect(j.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(j.err).toMatch(/^tcptrace: .*junk\.pcap: /);
    expect(j.err).not.toMatch(/\n\s+at /);
  });

  it('a damaged capture: the warning on stderr, the partial result on stdout, exit 0', () => {
    const buf = readFileSync(FIX('handshake-client-close.pcap'));
    const recs = records(buf);
    const [, lastFrame] = recs[recs.length - 1]!;
    const cut = path.join(mkdtempSync(path.join(tmpdir(), 'rep-')), 'cut.pcap');
    writeFileSync(cut, buf.subarray(0, lastFrame + 10)); // the last record stops 10 bytes into its frame
    const r = tcptrace([cut]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^tcptrace: .*cut\.pcap: .*offset \d+.*\n$/);
    expect(r.out).toContain('#0  198.18.0.1:41001 ⇄ 198.18.0.2:4700');
    expect(r.out).toMatch(/warnings +.*offset \d+/);
  });

  it('--fail-on check: exit 1 when a seq/ack check fails, 0 without the option', () => {
    // CRAFTED from a real capture, for a case no kernel produces: the SYN-ACK's ack is set to the
    // client's ISN instead of ISN + 1 (the TCP checksum is not updated; the decoder does not verify it).
    const buf = Buffer.from(readFileSync(FIX('handshake-client-close.pcap')));
    const [, frame] = records(buf)[1]!; // packet 2: the SYN-ACK
    const ip = frame + 14;
    const tcp = ip + (buf[ip]! & 0x0f) * 4;
    expect(buf[tcp + 13]! & 0x12).toBe(0x12); // SYN and ACK set: it is the SYN-ACK
    buf.writeUInt32BE((buf.readUInt32BE(tcp + 8) - 1) >>> 0, tcp + 8);
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'rep-')), 'bad-ack.pcap');
    writeFileSync(bad, buf);
    const r = tcptrace(['--fail-on', 'check', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('ack=x+1 ✗ expected 1, got 0');
    expect(tcptrace([bad]).code).toBe(0);
    expect(tcptrace(['--fail-on', 'check', FIX('handshake-client-close.pcap')]).code).toBe(0);
  });

  it('--filter works on files and recomputes the summary', () => {
    const r = tcptrace(['--summary', '--filter', 'client port 41018', FIX('fast-open.pcap')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/connections +1 {2}\(1 of 2 connections selected\)/);
  });

  it('SIGINT stops reading a pipe that never ends and prints what was read, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, '--no-color', '-'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // The whole capture, but the pipe stays open: only the signal can end the read.
    child.stdin.write(readFileSync(FIX('closewait-leak.pcap')));
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      setTimeout(() => child.kill('SIGINT'), 1500);
    });
    expect(code).toBe(0);
    expect(err).toBe('tcptrace: standard input: interrupted; the results so far follow\n');
    expect(out).toContain('standard input — pcap · ETHERNET · 27 packets');
    expect(out).toMatch(/final states +client {2}FIN-WAIT-2\* 3\n +server {2}CLOSE-WAIT 3/);
  });

  it('tcptrace check reaches the CI mode', () => {
    const r = tcptrace(['check', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('check');
  });
});

// --metrics, --svg and --html from the command line: what they write, that the usual output is
// unchanged by them, and their errors (one line, exit 2).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { argv, fakeIO } from './io.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
const dir = mkdtempSync(path.join(tmpdir(), 'tcptrace-cli-pictures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const io = fakeIO({ env: { LANG: 'en_US.UTF-8' } });
  const status = await main(argv(...args), io);
  return { status, out: io.out(), err: io.err() };
}

const pcaps = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.pcap'))
  .map((f) => path.join(FIXTURES, f));

describe('--metrics', () => {
  it.each(pcaps.map((p) => [path.basename(p), p]))('%s: JSON is the same plus a metrics key per record', async (_name, file) => {
    const plain = JSON.parse((await run('--json', file)).out);
    const withMetrics = JSON.parse((await run('--json', '--metrics', file)).out);
    expect(withMetrics.connections.length).toBe(plain.connections.length);
    for (const c of withMetrics.connections) {
      expect(c.metrics.client).toHaveProperty('uniqueBytes');
      // The client's bytes in the record and in the metrics agree (duplicates aside, which neither counts twice).
      expect(c.metrics.client.bytes).toBeLessThanOrEqual(c.client.bytes);
      c.metrics = null;
    }
    for (const c of plain.connections) expect(c.metrics).toBeNull();
    expect(withMetrics).toEqual(plain);
  });

  it('NDJSON records carry it too; the text output is unchanged by --svg', async () => {
    const file = path.join(FIXTURES, 'loss.pcap');
    const line = JSON.parse((await run('--ndjson', '--metrics', file)).out.trim());
    expect(line.metrics.client.uniqueBytes).toBe(204_800);
    expect(line.metrics.client.retransmittedBytes).toBe(10_136);
    const text = (await run(file)).out;
    expect((await run('--svg', path.join(dir, 'same'), file)).out).toBe(text);
  });
});

describe('--svg', () => {
  it('writes a ladder and two graphs per selected connection, in the chosen language', async () => {
    const out = path.join(dir, 'svg');
    const r = await run('--svg', out, '--summary', '--lang', 'zh', '--conn', '1', path.join(FIXTURES, 'timewait-pile.pcap'));
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['timewait-pile.1.ladder.svg', 'timewait-pile.1.seq-client.svg', 'timewait-pile.1.seq-server.svg']);
    const ladder = readFileSync(path.join(out, 'timewait-pile.1.ladder.svg'), 'utf8');
    expect(ladder.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(ladder).toContain('客户端'); // the words are Chinese
    expect(ladder).toContain('<title>'); // explanations on hover
    expect(ladder).toMatch(/<text[^>]*>SYN seq=0 win=\d+ len=0<\/text>/); // text as text
    expect(readFileSync(path.join(out, 'timewait-pile.1.seq-client.svg'), 'utf8')).toContain('时间-序列号图');
  });

  it('a directory that cannot be made is one line and exit 2', async () => {
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    const r = await run('--svg', path.join(blocker, 'sub'), path.join(FIXTURES, 'loss.pcap'));
    expect(r.status).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^tcptrace: cannot write .*a-file\/sub/);
  });

  it('a write that fails during the trace: the usual output still comes, then one line and exit 2', async () => {
    const out = path.join(dir, 'eisdir');
    mkdirSync(path.join(out, 'loss.0.ladder.svg'), { recursive: true }); // a directory where the file goes
    const r = await run('--svg', out, path.join(FIXTURES, 'loss.pcap'));
    expect(r.status).toBe(2);
    expect(r.out).toContain('Summary of');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^tcptrace: cannot write the pictures: EISDIR.*loss\.0\.ladder\.svg/);
    const full = await run('--html', '/dev/full', path.join(FIXTURES, 'loss.pcap'));
    expect(full.status).toBe(2);
    expect(full.err).toMatch(/^tcptrace: cannot write \/dev\/full: ENOSPC/);
  });

  it('refuses live capture and - as a name', async () => {
    expect((await run('--svg', 'x', '-i', 'lo')).status).toBe(2);
    const r = await run('--html', '-', path.join(FIXTURES, 'loss.pcap'));
    expect(r.status).toBe(2);
    expect(r.err).toContain('--html');
  });
});

describe('--html', () => {
  it('one self-contained page: rows and pictures in compressed blocks, summaries, nothing from the network', async () => {
    const file = path.join(dir, 'page.html');
    const r = await run('--html', file, '--summary', path.join(FIXTURES, 'timewait-pile.pcap'), path.join(FIXTURES, 'refused.pcap'));
    expect(r.status).toBe(0);
    const page = readFileSync(file, 'utf8');
    expect(page).not.toMatch(/\b(src|href)=/); // no external script, style, image or link
    // No URL but the SVG and XHTML namespace names (identifiers, never fetched).
    expect(page.replace(/http:\/\/www\.w3\.org\/(2000\/svg|1999\/xhtml)/g, '')).not.toMatch(/https?:\/\//);
    const blocks = [...page.matchAll(/<script type="application\/x-tcptrace-rows" class="rows">([^<]*)<\/script>/g)];
    const rows = blocks.flatMap((b) => JSON.parse(gunzipSync(Buffer.from(b[1]!, 'base64')).toString('utf8')));
    expect(rows).toHaveLength(51);
    // The second input's connection: ids go on across inputs (50 after the pile's 0-49).
    expect(rows.filter((x: unknown[]) => x[0] === 1)).toEqual([
      [1, 50, '198.18.0.1:41008', '198.18.0.2:4701', 'CLOSED*', 'CLOSED', 'refused', 'reset', 0.044, 0, 0, 'REJ', 0],
    ]);
    const pics = [...page.matchAll(/class="pics" data-input="(\d)" data-first="(\d+)" data-last="(\d+)">([^<]*)</g)];
    const first = JSON.parse(gunzipSync(Buffer.from(pics[0]![4]!, 'base64')).toString('utf8'));
    expect(Object.keys(first)).toHaveLength(50);
    expect(first['0'].ladder.rows.length).toBeGreaterThan(5);
    expect(page).toContain('Summary of');
    expect(page.indexOf('Summary of')).toBeGreaterThan(page.lastIndexOf('class="pics"'));
  });
});

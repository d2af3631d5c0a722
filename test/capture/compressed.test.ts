// Compressed captures (issue 12): gzip and zstd read transparently from files and standard input,
// sniffed from the magic; damage in the compressed stream is a warning with the packets before it,
// or the error when nothing came out. The reference for every count is Wireshark's own reader
// (tshark/capinfos read .gz and .zst themselves), not this tool.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sniffCompression } from '../../src/capture/compression.js';
import { decompress, setZstdProgram } from '../../src/capture/decompress.js';
import { CaptureError, type CaptureStats } from '../../src/capture/frame.js';
import { openCapture } from '../../src/capture/open.js';
import { BIN, ROOT, ensureBuilt } from '../helpers/built.js';
import { parse, snapshot, type FrameData } from './build.js';
import { errorOf } from './build.js';

const FX = join(ROOT, 'fixtures');
const LOSS = join(FX, 'loss.pcap');
const NG = join(FX, 'corpus/tcpdump/tcp/of13_ericsson.pcapng');
const tmp = mkdtempSync(join(tmpdir(), 'cap-gz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => setZstdProgram('zstd'));

const hasTshark = spawnSync('tshark', ['--version']).status === 0;
const hasZstd = spawnSync('zstd', ['--version']).status === 0;

async function read(path: string, stdin?: AsyncIterable<Uint8Array>): Promise<{ frames: FrameData[]; stats: CaptureStats }> {
  const frames: FrameData[] = [];
  const stats = await openCapture(path, { stdin, chunkSize: 4096 }).run({ frame: (f) => frames.push(snapshot(f)) });
  return { frames, stats };
}

/** `bytes` as a stream of `size`-byte chunks (1: the magic arrives a byte at a time). */
function chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.slice(i, i + size));
  return Readable.from(parts);
}

/** Packets tshark reads from `path` (its own gzip/zstd reader), and whether it reported the file cut or damaged. */
function tsharkCount(path: string): number {
  const r = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l !== '').length;
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

describe('sniffCompression', () => {
  it.each([
    [[0x1f, 0x8b, 8, 0], 'gzip'],
    [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    [[0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
    [[0x42, 0x5a, 0x68, 0x30], null], // "BZh0" is no bzip2 block size
    [[0xfd, 0x37, 0x7a, 0x58, 0x5a], null], // xz needs all six
    [[0xd4, 0xc3, 0xb2, 0xa1], null], // pcap
    [[0x0a, 0x0d, 0x0d, 0x0a], null], // pcapng
    [[0x1f], null],
  ])('%j -> %s', (bytes, kind) => {
    expect(sniffCompression(Uint8Array.from(bytes))).toBe(kind);
  });
});

describe('reading compressed captures', () => {
  const plain = parse(readFileSync(LOSS), [], 'loss');
  const plainNg = parse(readFileSync(NG), [], 'ng');

  it.each([
    ['loss.pcap.gz', plain],
    ['loss.two-members.pcap.gz', plain], // a capture split over two gzip members (gzip -dc reads both)
    ['of13_ericsson.pcapng.gz', plainNg],
  ])('%s gives exactly the frames of the uncompressed file', async (name, expected) => {
    const { frames, stats } = await read(join(FX, 'compressed', name));
    expect(frames).toEqual(expected.frames);
    expect(stats.packets).toBe(expected.stats!.packets);
    expect(stats.warnings).toEqual([]);
    expect(stats.compression).toBe('gzip');
  });

  it('reads gzip from standard input too, even when the magic arrives a byte at a time', async () => {
    const gz = readFileSync(join(FX, 'compressed/loss.pcap.gz'));
    for (const size of [1, 7, 65536]) {
      const { frames, stats } = await read('-', chunked(gz, size));
      expect(frames).toEqual(plain.frames);
      expect(stats.compression).toBe('gzip');
    }
  });

  it.skipIf(!hasZstd)(`loss.pcap.zst through the zstd program, from a file and from stdin${hasZstd ? '' : ' [skipped: zstd not installed]'}`, async () => {
    const zst = join(FX, 'compressed/loss.pcap.zst');
    const a = await read(zst);
    expect(a.frames).toEqual(plain.frames);
    expect(a.stats.compression).toBe('zstd');
    const b = await read('-', chunked(readFileSync(zst), 3));
    expect(b.frames).toEqual(plain.frames);
  });

  it.skipIf(!hasTshark)('counts what tshark counts in each compressed fixture', async () => {
    for (const name of ['loss.pcap.gz', 'loss.two-members.pcap.gz', 'of13_ericsson.pcapng.gz', 'loss.pcap.zst']) {
      const p = join(FX, 'compressed', name);
      if (name.endsWith('.zst') && !hasZstd) continue;
      expect((await read(p)).stats.packets, name).toBe(tsharkCount(p));
    }
  });

  it('a missing zstd program is one line naming the fixes', async () => {
    setZstdProgram('/nonexistent/zstd');
    const e = await errorOf(read(join(FX, 'compressed/loss.pcap.zst')));
    expect(e.message).toMatch(/zstd-compressed, and no zstd program is installed: decompress it first \(zstd -dc FILE \| tcptrace -\), or install/);
    expect(e.message).toContain('Node >= 22.15');
    setZstdProgram(null);
    expect((await errorOf(read(join(FX, 'compressed/loss.pcap.zst')))).message).toContain('no zstd program is installed');
  });

  it.each([
    ['bz2', ['bzip2', '-c']],
    ['xz', ['xz', '-c']],
  ])('.%s is named, with the command that decompresses it', async (ext, cmd) => {
    if (spawnSync(cmd[0]!, ['--version']).status !== 0) return;
    const p = write(`x.pcap.${ext}`, execFileSync(cmd[0]!, cmd.slice(1), { input: readFileSync(LOSS) }));
    const kind = ext === 'bz2' ? 'bzip2' : 'xz';
    expect((await errorOf(read(p))).message).toBe(`${p}: offset 0: ${kind}-compressed: decompress it first (${kind} -dc FILE | tcptrace -)`);
  });

  it('gzip of something that is not a capture says so about the decompressed data', async () => {
    const p = write('text.gz', gzipSync(Buffer.from('hello, this is not a capture\n')));
    expect((await errorOf(read(p))).message).toBe(`${p}: offset 0: not a pcap or pcapng file (magic 0x68656c6c) in the gzip-decompressed data`);
  });
});

describe('damage in the compressed stream', () => {
  const gz = readFileSync(join(FX, 'compressed/loss.pcap.gz'));

  it.each([0.25, 0.5, 0.9, 0.999])('cut at %f of the file: the packets before the cut, and a warning at the cut', async (frac) => {
    const cut = Math.floor(gz.length * frac);
    const p = write(`cut-${frac}.pcap.gz`, gz.subarray(0, cut));
    const { stats } = await read(p);
    const last = stats.warnings.at(-1)!;
    expect(last).toEqual({ offset: cut, message: `gzip data cut short at offset ${cut} (the input ends inside a gzip member); reading stopped` });
    // Every packet whole in what the cut file still inflates to: gzip -dc on the same bytes is the reference.
    const inflated = spawnSync('gzip', ['-dc'], { input: gz.subarray(0, cut), maxBuffer: 1 << 26 }).stdout;
    expect(stats.packets).toBe(parse(inflated, [], 'x').stats?.packets);
    if (hasTshark) expect(stats.packets).toBe(tsharkCount(p));
    expect(stats.packets).toBeGreaterThan(0);
    expect(stats.packets).toBeLessThanOrEqual(200); // a cut inside the 8-byte trailer loses no packet
  });

  it('a bad CRC: the packets before the last block, and a warning; the same from stdin', async () => {
    const bad = Buffer.from(gz);
    bad[bad.length - 6] = bad[bad.length - 6]! ^ 0xff; // inside the CRC-32 of the trailer
    const p = write('badcrc.pcap.gz', bad);
    const { stats } = await read(p);
    const last = stats.warnings.at(-1)!;
    expect(last.message).toMatch(/^gzip data damaged at or after offset \d+ \(zlib: incorrect data check\); reading stopped$/);
    expect(last.offset).toBeLessThanOrEqual(bad.length - 8);
    // zlib finds a bad CRC only at the end, and drops what its last call inflated (at most 16 KiB).
    expect(stats.packets).toBeGreaterThan(150);
    expect(stats.packets).toBeLessThan(200);
    // zlib's offset is where the calls that succeeded ended: it depends on how the input was sliced.
    const fromStdin = (await read('-', chunked(bad, 1000))).stats;
    expect(fromStdin.warnings.at(-1)!.message).toMatch(/^gzip data damaged at or after offset \d+ \(zlib: incorrect data check\); reading stopped$/);
    expect(fromStdin.packets).toBeGreaterThan(150);
  });

  it('garbage in the middle of the deflate data: whichever notices first, zlib or the pcap reader, stops the reading', async () => {
    const bad = Buffer.from(gz);
    bad.fill(0xff, 2000, 2100);
    const { stats } = await read(write('garbage.pcap.gz', bad));
    // Deflate has no check of its own before the trailer: garbage can inflate to garbage first.
    expect(stats.warnings.at(-1)!.message).toMatch(
      /^(gzip data damaged at or after offset \d+ \(zlib: [^)]+\)|.* \(offset in the decompressed data\)); reading stopped$/,
    );
    expect(stats.packets).toBeGreaterThan(0);
    expect(stats.packets).toBeLessThan(200);
  });

  it('garbage right after the gzip header: zlib says so, and nothing was read', async () => {
    const bad = Buffer.from(gz);
    bad.fill(0xff, 10, 40);
    const p = write('garbage-head.pcap.gz', bad);
    expect((await errorOf(read(p))).message).toMatch(new RegExp(`^${p}: offset 0: gzip data damaged at or after offset 0 \\(zlib: invalid block type\\)$`));
  });

  it('garbage after the last member is damage too, after every packet', async () => {
    const { stats } = await read(write('trailing.pcap.gz', Buffer.concat([gz, Buffer.from('trailing garbage')])));
    expect(stats.packets).toBeGreaterThan(150);
    expect(stats.warnings.at(-1)!.message).toMatch(/^gzip data damaged at or after offset \d+ \(zlib: incorrect header check\); reading stopped$/);
  });

  it('nothing readable at all is the error, with the compressed offset', async () => {
    const tiny = gzipSync(readFileSync(LOSS).subarray(0, 300));
    const bad = Buffer.from(tiny);
    bad[bad.length - 6] = bad[bad.length - 6]! ^ 0xff;
    const p = write('tiny-badcrc.pcap.gz', bad);
    expect((await errorOf(read(p))).message).toBe(`${p}: offset 0: gzip data damaged at or after offset 0 (zlib: incorrect data check)`);
    const q = write('header-only.gz', gz.subarray(0, 5));
    expect((await errorOf(read(q))).message).toBe(`${q}: offset 5: gzip data cut short at offset 5 (the input ends inside a gzip member)`);
  });

  it.skipIf(!hasZstd)('zstd cut short: the packets before the cut, and the words of zstd', async () => {
    const zst = readFileSync(join(FX, 'compressed/loss.pcap.zst'));
    const p = write('cut.pcap.zst', zst.subarray(0, 1500));
    const { stats } = await read(p);
    expect(stats.warnings.at(-1)!.message).toMatch(/^zstd data damaged or cut short in its 1500 bytes \(zstd: .+\); reading stopped$/);
    const inflated = spawnSync('zstd', ['-dcq'], { input: zst.subarray(0, 1500), maxBuffer: 1 << 26 }).stdout;
    expect(stats.packets).toBe(parse(inflated, [], 'x').stats?.packets);
  });
});

describe('the command line', () => {
  beforeAll(ensureBuilt, 120_000);

  it('tcptrace x.pcap.gz prints what tcptrace x.pcap prints, and reads it from a pipe', () => {
    const a = spawnSync(process.execPath, [BIN, '--json', LOSS], { encoding: 'utf8' });
    const gzPath = join(FX, 'compressed/loss.pcap.gz');
    const b = spawnSync(process.execPath, [BIN, '--json', gzPath], { encoding: 'utf8' });
    const c = spawnSync(process.execPath, [BIN, '--json', '-'], { encoding: 'utf8', input: readFileSync(gzPath) });
    expect(b.status).toBe(0);
    expect(c.status).toBe(0);
    const ja = JSON.parse(a.stdout);
    const jb = JSON.parse(b.stdout);
    const jc = JSON.parse(c.stdout);
    expect(jb.input.compression).toBe('gzip');
    expect(jc.input.compression).toBe('gzip');
    expect(ja.input.compression).toBeNull();
    for (const j of [jb, jc]) {
      j.input.compression = null;
      j.input.path = ja.input.path;
    }
    expect(jb).toEqual(ja);
    expect(jc).toEqual(ja);
    const text = spawnSync(process.execPath, [BIN, '--width', '0', gzPath], { encoding: 'utf8' });
    expect(text.stdout.split('\n')[0]).toBe(`${gzPath} — pcap (gzip) · ETHERNET · 200 packets · 200 TCP segments · 1 connection`);
  });

  it('a cut .gz: warnings on stderr, results, exit 0; an unreadable one: one line, exit 2', () => {
    const gz = readFileSync(join(FX, 'compressed/loss.pcap.gz'));
    const p = write('cli-cut.pcap.gz', gz.subarray(0, 2000));
    const r = spawnSync(process.execPath, [BIN, '--summary', p], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`tcptrace: ${p}: gzip data cut short at offset 2000 (the input ends inside a gzip member); reading stopped\n`);
    expect(r.stdout).toContain('connections');
    const q = write('cli-head.gz', gz.subarray(0, 8));
    const s = spawnSync(process.execPath, [BIN, q], { encoding: 'utf8' });
    expect(s.status).toBe(2);
    expect(s.stdout).toBe('');
    expect(s.stderr).toBe(`tcptrace: ${q}: offset 8: gzip data cut short at offset 8 (the input ends inside a gzip member)\n`);
  });
});

describe('memory: the reader paces the decompressor', () => {
  it.each(['gzip', 'zstd'] as const)('%s: a reader that stops reading stops the compressed input being read', async (kind) => {
    if (kind === 'zstd' && !hasZstd) return;
    // 8 MiB that compress about 2:1 (hex digits of random bytes).
    const raw = Buffer.from(randomBytes(4 << 20).toString('hex'));
    const comp = kind === 'gzip' ? gzipSync(raw) : execFileSync('zstd', ['-1', '-c'], { input: raw, maxBuffer: 1 << 26 });
    let pulled = 0;
    let at = 0;
    const input: AsyncIterator<Uint8Array> = {
      async next() {
        if (at >= comp.length) return { done: true, value: undefined };
        const c = comp.subarray(at, at + 65536);
        at += c.length;
        pulled += c.length;
        return { done: false, value: c };
      },
    };
    const d = decompress(kind, [], input);
    const it = d.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    // Held back: about 1 MiB of output waits, and the input stops a little beyond what made it.
    expect(pulled).toBeLessThan(comp.length / 2);
    expect(d.queuedBytes).toBeLessThan(3 << 20);
    let total = first.value!.length;
    for (let r = await it.next(); !r.done; r = await it.next()) total += r.value.length;
    expect(total).toBe(raw.length);
    expect(pulled).toBe(comp.length);
    expect(d.damage()).toBeNull();
  });
});

describe('mutated compressed input (fast-check)', () => {
  const cases: Array<[string, number]> = [
    ['loss.pcap.gz', 60],
    ['loss.pcap.zst', hasZstd ? 15 : 0],
  ];
  it.each(cases)(
    '%s with bytes changed and cut anywhere: a result with one-line warnings, or one CaptureError',
    async (name, runs) => {
      if (runs === 0) return;
      const bytes = readFileSync(join(FX, 'compressed', name));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 0, max: bytes.length }),
          fc.integer({ min: 1, max: 70000 }),
          async (flips, cut, chunk) => {
            const b = Buffer.from(bytes.subarray(0, cut));
            for (const [i, v] of flips) if (i < b.length) b[i] = v;
            try {
              const { stats } = await read('-', chunked(b, chunk));
              for (const w of stats.warnings) expect(w.message).not.toContain('\n');
            } catch (e) {
              expect(e).toBeInstanceOf(CaptureError);
              expect((e as Error).message).not.toContain('\n');
            }
          },
        ),
        { numRuns: runs, seed: 12 },
      );
    },
    120_000,
  );
});

#!/usr/bin/env node
// The pipeline fuzzer (`npm run fuzz -- --iterations N --seed S [--save] [--timeout SEC]`; not part
// of CI, which runs a short fixed-seed version in test/fuzz/pipeline.test.ts).
//
// Each iteration takes a real capture from fixtures/ (kernel recordings, the tcpdump corpus),
// applies one to four structured mutations (test/fuzz/mutate.mjs: record and block lengths, block
// types, interface options, timestamps, IP lengths, TCP data offset, flags and option lengths,
// link types, truncation, a record repeated thousands of times, bit flips), feeds it through
// standard input in random chunks to the real CLI (dist/cli/main.js) in a random output mode, and
// judges the outcome (mutate.mjs's problems(): exit 0/2, no internal error, no raw control byte).
//
// The CLI runs in a worker thread with a 1 GiB heap, watched from here: an input that takes longer
// than --timeout (default 20 s) or exhausts the heap is a failure too (a hang or unbounded memory),
// and the worker is replaced. Failing inputs are written to /tmp/tcptrace-fuzz/, or with --save to
// fixtures/fuzz/ with a line in fixtures/fuzz/cases.json, where test/fuzz/pipeline.test.ts replays
// every one of them on every test run. Exit 1 when anything failed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

if (!isMainThread) {
  // The worker: runs one input at a time through the real CLI.
  const { main } = await import(pathToFileURL(path.join(root, 'dist/cli/main.js')).href);
  const { chunks, rng } = await import(pathToFileURL(path.join(root, 'test/fuzz/mutate.mjs')).href);
  parentPort.on('message', async ({ bytes, args, chunkSeed }) => {
    const out = [];
    const err = [];
    const parts = chunks(new Uint8Array(bytes), rng(chunkSeed));
    const stdin = {
      async *[Symbol.asyncIterator]() {
        for (const p of parts) yield p;
      },
    };
    const io = { stdout: { write: (s) => out.push(s) }, stderr: { write: (s) => err.push(s) }, env: {}, stdin };
    let code;
    try {
      code = await main(['node', 'tcptrace', ...args, '-'], io);
    } catch (e) {
      code = 70;
      err.push(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
    }
    parentPort.postMessage({ code, out: out.join(''), err: err.join('') });
  });
} else {
  const args = process.argv.slice(2);
  const value = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const iterations = Number(value('--iterations', '2000'));
  const seed = Number(value('--seed', String(Date.now() % 1e9)));
  const timeoutMs = Number(value('--timeout', '20')) * 1000;
  const save = args.includes('--save');
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) {
    console.error('fuzz: dist/ is missing: run `npm run build` first');
    process.exit(2);
  }
  const { mutate, MODES, problems, rng } = await import(pathToFileURL(path.join(root, 'test/fuzz/mutate.mjs')).href);

  const seeds = [];
  (function walk(dir) {
    for (const n of readdirSync(dir).sort()) {
      const p = path.join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)$/.test(n) && statSync(p).size <= 2 << 20) seeds.push(p);
    }
  })(path.join(root, 'fixtures'));

  const outDir = save ? path.join(root, 'fixtures/fuzz') : '/tmp/tcptrace-fuzz';
  mkdirSync(outDir, { recursive: true });
  const casesFile = path.join(outDir, 'cases.json');
  const cases = existsSync(casesFile) ? JSON.parse(readFileSync(casesFile, 'utf8')) : [];

  let worker = null;
  const spawn = () => new Worker(fileURLToPath(import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
  /** One input through the worker: its result, or a hang/crash verdict. */
  function run(msg) {
    worker ??= spawn();
    const w = worker;
    return new Promise((resolve) => {
      const done = (r) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        resolve(r);
      };
      const onMessage = (r) => done(r);
      const onError = (e) => {
        worker = null;
        done({ code: -1, out: '', err: `worker died: ${e.code ?? ''} ${e.message}` });
      };
      const timer = setTimeout(() => {
        worker = null;
        w.terminate();
        done({ code: -1, out: '', err: `no result within ${timeoutMs / 1000} s (a hang, or time far beyond the input's size)` });
      }, timeoutMs);
      w.on('message', onMessage);
      w.once('error', onError);
      w.postMessage(msg);
    });
  }

  const r = rng(seed);
  let failures = 0;
  const started = Date.now();
  console.log(`fuzz: seed ${seed}, ${iterations} iterations over ${seeds.length} captures`);
  for (let i = 0; i < iterations; i++) {
    const from = r.pick(seeds);
    const { bytes, applied } = mutate(new Uint8Array(readFileSync(from)), r);
    const mode = r.pick(MODES);
    const chunkSeed = r.int(2 ** 31);
    const res = await run({ bytes, args: mode, chunkSeed });
    const p = res.code === -1 ? [res.err] : problems(mode, res.code, res.out, res.err);
    if (p.length > 0) {
      failures++;
      const sha = createHash('sha1').update(bytes).digest('hex').slice(0, 10);
      const file = `${sha}.bin`;
      writeFileSync(path.join(outDir, file), bytes);
      if (!cases.some((c) => c.file === file)) {
        cases.push({ file, args: mode, chunkSeed, from: path.relative(root, from), mutations: applied, problem: p[0] });
      }
      console.log(
        `FAIL #${i} ${path.relative(root, from)} [${applied.join(', ')}] ${mode.join(' ') || '(text)'}: ${p.join('; ')} -> ${path.join(outDir, file)}`,
      );
    }
    if ((i + 1) % 500 === 0) console.log(`fuzz: ${i + 1} done, ${failures} failing, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  if (failures > 0) writeFileSync(casesFile, JSON.stringify(cases, null, 2) + '\n');
  await worker?.terminate();
  console.log(`fuzz: ${iterations} inputs, ${failures} failing (seed ${seed})`);
  process.exit(failures > 0 ? 1 : 0);
}

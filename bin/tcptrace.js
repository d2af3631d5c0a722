#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (`npm run build` makes it in a clone; the package ships it).
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

// A trace allocates fast and keeps a steady set of live connections, and V8's default lets the old
// generation grow to about 3.4x its live size before collecting it: 650 MB RSS for 150 MB live on
// the short benchmark workload. Growing by 30% instead holds it to 355 MB, and is faster there
// (7.6 s instead of 9.7 s; bench/README.md). Set before anything is allocated.
v8.setFlagsFromString('--heap-growing-percent=30');

// A clone that was installed but not built (`npm ci` alone) has no dist/: say what to run, not a
// loader's stack trace.
const built = new URL('../dist/cli/main.js', import.meta.url);
const heap = new URL('../dist/cli/heap.js', import.meta.url);
let main;
try {
  // V8's young generation held at 16 MiB (src/cli/heap.ts says why), watched from before the CLI's
  // modules load: they allocate enough to grow it.
  (await import(heap.href)).capYoungGeneration();
  ({ main } = await import(built.href));
} catch (err) {
  const missing = String(err?.message);
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !(missing.includes(fileURLToPath(built)) || missing.includes(fileURLToPath(heap)))) throw err;
  process.stderr.write(`tcptrace: not built: ${fileURLToPath(built)} is missing; run npm run build in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(70);
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // main() maps every expected failure to a one-line message; this is the last guard.
    process.stderr.write(`tcptrace: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 70;
  },
);

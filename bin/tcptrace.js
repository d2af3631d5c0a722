#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm install` via the prepare script).
import v8 from 'node:v8';

// A trace allocates fast and keeps a steady set of live connections, and V8's default lets the old
// generation grow to about 3.4x its live size before collecting it: 650 MB RSS for 150 MB live on
// the short benchmark workload. Growing by 30% instead holds it to 355 MB, and is faster there
// (7.6 s instead of 9.7 s; bench/README.md). Set before anything is allocated.
v8.setFlagsFromString('--heap-growing-percent=30');

const { main } = await import('../dist/cli/main.js');

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

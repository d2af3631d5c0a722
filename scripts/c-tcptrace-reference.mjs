#!/usr/bin/env node
// The reference numbers test/metrics/c-tcptrace.test.ts compares the metrics with: C tcptrace
// (Ostermann's, Debian package `tcptrace`, 6.6.7) run as `tcptrace -l -r --csv` on every kernel
// recording in fixtures/ and fixtures/metrics/ (real RTTs of tens of ms through a slow link), reduced to the columns we compare, one line per connection, into
// fixtures/c-tcptrace.tsv. CI has no C tcptrace: it reads the committed TSV. Rerun after adding a
// fixture: `node scripts/c-tcptrace-reference.mjs`.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const fixtures = path.join(root, 'fixtures');
/** C tcptrace's CSV column -> our TSV column (a2b/b2a are by C's host a, the first packet's sender). */
const COLUMNS = [
  'host_a',
  'port_a',
  'host_b',
  'port_b',
  'first_packet',
  'unique_bytes_sent_a2b',
  'unique_bytes_sent_b2a',
  'actual_data_bytes_a2b',
  'actual_data_bytes_b2a',
  'rexmt_data_bytes_a2b',
  'rexmt_data_bytes_b2a',
  'RTT_samples_a2b',
  'RTT_samples_b2a',
  'RTT_min_a2b',
  'RTT_min_b2a',
  'RTT_max_a2b',
  'RTT_max_b2a',
  'RTT_avg_a2b',
  'RTT_avg_b2a',
  'throughput_a2b',
  'throughput_b2a',
];

const version =
  spawnSync('tcptrace', ['-v'], { encoding: 'utf8' })
    .stderr.split('\n')
    .find((l) => l.includes('version'))
    ?.trim() ?? '?';
const out = [['file', ...COLUMNS].join('\t')];
const files = [
  ...readdirSync(fixtures)
    .filter((f) => f.endsWith('.pcap'))
    .sort(),
  ...readdirSync(path.join(fixtures, 'metrics'))
    .filter((f) => f.endsWith('.pcap'))
    .sort()
    .map((f) => `metrics/${f}`),
];
for (const f of files) {
  // -l long stats, -r RTT stats, --csv machine-readable, -n no name lookups.
  const text = execFileSync('tcptrace', ['-n', '-l', '-r', '--csv', path.join(fixtures, f)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = text.split('\n');
  const h = lines.findIndex((l) => l.startsWith('conn_#,'));
  if (h < 0) continue;
  const head = lines[h].split(',').map((c) => c.trim());
  for (const line of lines.slice(h + 1)) {
    if (!/^\d+,/.test(line)) continue;
    const cells = line.split(',').map((c) => c.trim());
    const row = Object.fromEntries(head.map((c, i) => [c, cells[i] ?? '']));
    out.push([f, ...COLUMNS.map((c) => row[c] ?? '')].join('\t'));
  }
}
writeFileSync(path.join(fixtures, 'c-tcptrace.tsv'), `${out.join('\n')}\n`);
console.log(`${out.length - 1} connections from ${files.length} captures (${version})`);

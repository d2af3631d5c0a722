/** tshark's field TSVs (committed beside the captures, since CI has no tshark) as records. */
import { readFileSync } from 'node:fs';

/** A TSV with a header line as one record per row, by column name ('' for a missing cell). */
export function readTsv(path: string): Array<Record<string, string>> {
  const [head, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const cols = head!.split('\t');
  return rows.map((r) => {
    const v = r.split('\t');
    return Object.fromEntries(cols.map((c, i) => [c, v[i] ?? '']));
  });
}

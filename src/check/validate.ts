/**
 * Validation helpers in esbuild's style (lib/shared/common.ts): a `mustBe*` function returns null
 * when the value is fine, or what it must be; the caller throws `"key" must be <what>`. Unknown
 * keys get one `Invalid ... : "key"` error, with a suggestion when one name is close.
 */

/** A user error: one line, no stack, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** JSON-quotes a value for a message, as esbuild's `quote`. */
export function quote(v: string): string {
  return JSON.stringify(v);
}

/** Null for a non-negative integer in decimal, else what it must be. */
export function mustBeCount(v: string): string | null {
  return /^\d{1,9}$/.test(v) ? null : 'a non-negative integer';
}

/** Null for a positive decimal number, else what it must be. */
export function mustBePositiveNumber(v: string): string | null {
  return /^(\d+(\.\d*)?|\.\d+)$/.test(v) && Number(v) > 0 ? null : 'a positive number';
}

/** Null for a port number 1..65535, else what it must be. */
export function mustBePort(v: string): string | null {
  return /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? null : 'a port number (1-65535)';
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest of `known` to `key` when it is close enough to be a typo, else null. */
export function suggest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 4)) ? best : null;
}

/** Throws `Invalid <what>: "key"` (+ "did you mean") unless `key` is one of `known`. */
export function checkForInvalidKey(key: string, known: readonly string[], what: string): void {
  if (known.includes(key)) return;
  const s = suggest(key, known);
  throw new UsageError(`Invalid ${what}: ${quote(key)}${s === null ? '' : ` (did you mean ${quote(s)}?)`}`);
}

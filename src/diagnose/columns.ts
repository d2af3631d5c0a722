/**
 * Growable typed columns: the diagnostics keep per-socket and per-address numbers in these rather
 * than an object each, so tens of thousands of TIME-WAIT sockets cost a few bytes apiece.
 */

/** A column of numbers in a typed array that doubles when full; `data` is valid up to `length`. */
class Column<A extends Int32Array | Float64Array> {
  length = 0;

  constructor(
    public data: A,
    private readonly make: (n: number) => A,
  ) {}

  /** Makes `data` long enough for index `i` (new room is zero). */
  protected reach(i: number): void {
    if (i < this.data.length) return;
    let n = this.data.length * 2;
    while (n <= i) n *= 2;
    const next = this.make(n);
    next.set(this.data);
    this.data = next;
  }

  push(v: number): void {
    this.reach(this.length);
    this.data[this.length++] = v;
  }
}

/** A growable Int32 column. */
export class IntColumn extends Column<Int32Array> {
  constructor() {
    super(new Int32Array(16), (n) => new Int32Array(n));
  }

  /** `data[i] += by`, growing (with zeros) to reach index i. */
  bump(i: number, by = 1): void {
    this.reach(i);
    if (i >= this.length) this.length = i + 1;
    this.data[i]! += by;
  }

  get(i: number): number {
    return i < this.length ? this.data[i]! : 0;
  }
}

/** A growable Float64 column. */
export class FloatColumn extends Column<Float64Array> {
  constructor() {
    super(new Float64Array(16), (n) => new Float64Array(n));
  }
}

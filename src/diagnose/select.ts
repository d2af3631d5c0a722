/**
 * The first few of many items in an order, without sorting them all. The TIME-WAIT diagnostics
 * list 20 hosts and 20 tuples out of one per client (hundreds of thousands on a busy server's
 * capture); sorting every one of them, as objects, was most of the diagnostics' time there.
 */

/**
 * The first `k` of the items 0..n-1 in the order `before` defines (a strict total order: for
 * a ≠ b exactly one of before(a, b), before(b, a)), in that order. A bounded heap holds the best
 * `k` so far with the last of them on top, so most items cost one comparison.
 */
export function firstInOrder(n: number, k: number, before: (a: number, b: number) => boolean): number[] {
  const heap: number[] = [];
  if (k <= 0) return heap;
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      // Sift up: a parent comes after its children.
      let c = heap.length;
      heap.push(i);
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!before(heap[p]!, heap[c]!)) break;
        const t = heap[p]!;
        heap[p] = heap[c]!;
        heap[c] = t;
        c = p;
      }
    } else if (before(i, heap[0]!)) {
      // Replaces the last of the kept ones, then sifts down.
      heap[0] = i;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        if (l >= k) break;
        const r = l + 1;
        const c = r < k && before(heap[l]!, heap[r]!) ? r : l;
        if (!before(heap[p]!, heap[c]!)) break;
        const t = heap[p]!;
        heap[p] = heap[c]!;
        heap[c] = t;
        p = c;
      }
    }
  }
  return heap.sort((a, b) => (a === b ? 0 : before(a, b) ? -1 : 1));
}

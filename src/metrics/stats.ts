/** Running min/mean/max/standard deviation of samples (milliseconds). */
import type { RttStats } from '../tcp/metrics-model.js';

export class Samples {
  private n = 0;
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private sum2 = 0;

  add(ms: number): void {
    this.n++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.sum += ms;
    this.sum2 += ms * ms;
  }

  /** The statistics, rounded to the microsecond; null without a sample. */
  stats(): RttStats | null {
    if (this.n === 0) return null;
    const mean = this.sum / this.n;
    // Population variance (C tcptrace's rtt stdev divides by n), never negative from rounding.
    const variance = Math.max(0, this.sum2 / this.n - mean * mean);
    return { samples: this.n, minMs: r3(this.min), meanMs: r3(mean), maxMs: r3(this.max), stddevMs: r3(Math.sqrt(variance)) };
  }
}

/** Milliseconds to the microsecond. */
function r3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

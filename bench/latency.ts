// What the processes of `npm run bench:ingest` share to time an update: one clock that all
// of them read alike, and the percentiles of what they measured.

/**
 * Epoch milliseconds with sub-millisecond resolution. The generator writes it into each
 * datagram (W_SEND_TIME); the reader and the bare receiver subtract it from their own.
 */
export const now = (): number => performance.timeOrigin + performance.now();

/** The p-quantile (0..1) of ascending values, by rank; null when there are none. */
const percentile = (sorted: Float64Array, p: number): number | null =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null;

/** The median of values in any order (the upper one of an even count); null when there are none. */
export const median = (xs: readonly number[]): number | null => percentile(Float64Array.from(xs).sort(), 0.5);

/** What the reader and the bare receiver report of their latencies (ms): how many, p50, p99, max, and how many over 5 ms. */
export interface LatencySummary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  over5: number;
}

/** The summary of latencies (ms, in any order; sorted here). */
export function summarize(latencies: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  let over5 = 0;
  for (let i = sorted.length - 1; i >= 0 && sorted[i] > 5; i--) over5++;
  return { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : null, over5 };
}

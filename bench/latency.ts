// What the processes of `npm run bench:ingest` share to time an update: one clock that all
// of them read alike, and the percentiles of what they measured.

/**
 * Epoch milliseconds with sub-millisecond resolution. The generator writes it into each
 * datagram (W_SEND_TIME); the reader and the bare receiver subtract it from their own.
 */
export const now = (): number => performance.timeOrigin + performance.now();

/** The p-quantile (0..1) of ascending values, by rank; null when there are none. */
export const percentile = (sorted: Float64Array, p: number): number | null =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null;

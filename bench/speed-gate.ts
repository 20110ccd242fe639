// The gate every step of `npm run bench:ingest` passes: the step starts only on the machine
// the run's other steps started on. This VM has slowed by 10-20% for minutes at a time, in no
// counter the guest can read (run Z12 in docs/performance.md), and the fraction of the
// ceiling compares steps taken minutes apart: a slowdown that met only recvstats' steps was
// measured as recvstats' own. The probe (bench/ingest-probe.ts) reads the machine's speed
// as several measures of fixed work (time per unit: higher is slower); while any of them reads
// the machine more than `slow` slower than usual, the step waits, bounded per step and per
// run, as it already waits for core 0 to be quiet. Each measure's "usual" is the median of
// its readings the steps started on (and a few taken first), so a change of speed that lasts
// becomes the usual one instead of stalling the run. Apart from its probe and its pause,
// injected, it is plain arithmetic, so that its rules are tested with scripted readings.

import { median } from "./latency";

export interface SpeedGateOptions {
  /** How much slower than usual (0.05: 5%) the machine may read before a step waits. */
  slow: number;
  /** The longest wait before one step. */
  waitMs: number;
  /** The most a run waits in all; past it, steps start on whatever machine there is. */
  totalMs: number;
  /** The probe: the machine's speed now, each measure as time per unit of fixed work (higher is slower); always as many. */
  probe: () => Promise<number[]>;
  /** What happens between two readings while a step waits (a second's sleep, then core 0 quiet). */
  pause: () => Promise<void>;
  /** The clock the waits are measured by. */
  now?: () => number;
}

/** What the gate saw before one step: the reading the step started on, the usual one then (by measure), how long it waited. */
export interface GateReading {
  us: number[];
  /** the first reading, that made the step wait when it did */
  first: number[];
  usualUs: number[];
  waitedMs: number;
  /** the machine still read slow when the step started (it waited the most allowed, or the run had) */
  ranSlow: boolean;
}

export class SpeedGate {
  private readonly readings: number[][] = [];
  private readonly now: () => number;
  /** Steps that waited, steps that started on a slow machine all the same, and the ms waited in all. */
  stepsWaited = 0;
  stepsRanSlow = 0;
  waitedMs = 0;

  constructor(private readonly o: SpeedGateOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Takes n readings before any step, the usual speed until steps have readings of their own. */
  async calibrate(n: number): Promise<void> {
    for (let i = 0; i < n; i++) this.readings.push(await this.o.probe());
  }

  /** The usual speed, by measure: the median of each measure's readings so far (none before any reading). */
  usualUs(): number[] {
    const n = this.readings[0]?.length ?? 0;
    return Array.from({ length: n }, (_, i) => median(this.readings.map((r) => r[i]))!);
  }

  /** Whether a reading is slower than limits in any measure. */
  private slower(us: number[], limits: number[]): boolean {
    return us.some((u, i) => u > limits[i]);
  }

  /** Before a step: probes, and while the machine reads slow, pauses and probes again, within the bounds. */
  async before(): Promise<GateReading> {
    const usualUs = this.usualUs();
    const limits = usualUs.map((u) => (1 + this.o.slow) * u);
    const first = await this.o.probe();
    let us = first;
    const t0 = this.now();
    const budget = Math.min(this.o.waitMs, this.o.totalMs - this.waitedMs);
    let waitedMs = 0;
    while (this.slower(us, limits) && waitedMs < budget) {
      await this.o.pause();
      us = await this.o.probe();
      waitedMs = this.now() - t0;
    }
    // still slow after the longest wait, or with the run's waiting spent
    const ranSlow = this.slower(us, limits);
    if (waitedMs > 0) {
      this.stepsWaited++;
      this.waitedMs += waitedMs;
    }
    if (ranSlow) this.stepsRanSlow++;
    this.readings.push(us);
    return { us, first, usualUs, waitedMs, ranSlow };
  }
}

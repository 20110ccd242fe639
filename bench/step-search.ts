// The search `npm run bench:ingest` makes for the highest zero-loss rate, the same for the
// bare receiver's ceiling and for recvstats: the rate doubles until a step loses, then
// bisects between the best passing and the first failing rate. Apart from the step it runs,
// injected, it is plain arithmetic, so that its rules are tested with scripted outcomes
// (tests/node/step-search.test.ts).
//
// A step that fails is repeated once, at the same rate, in two cases, and the repeat decides:
// - other processes took core 0 during it (`disturbed`): the step measured them;
// - it lost only a small share of what was offered (`smallLoss`, under 0.2%). On this VM a
//   single stall longer than the 32 MiB receive buffer holds loses a few thousand datagrams
//   at a rate the receiver keeps up with everywhere else (runs Z19 and Z22 in
//   docs/performance.md), and without a repeat that one stall caps the search there. A rate
//   really beyond the receiver loses again on its repeat, so it still bounds the search.
// Zero loss stays the issue's: a rate counts when one of its steps lost nothing at all. The
// rule is the goal exceed ratio of RFC 9971 (MLRsearch) at its smallest: of a rate's trials,
// one may miss the loss goal, since the test system as well as the one measured can lose.
// Both searches run under it alike, so neither side of the fraction of the ceiling gains by it.

/** How a step went, for the search. */
export interface StepOutcome {
  /** zero loss: no kernel drop and all that was offered arrived */
  pass: boolean;
  /** the rate the generator reached when it fell short of the one asked (null: it did not) */
  achieved: number | null;
  /** other processes (or the hypervisor) took a share of core 0 during the step */
  disturbed: boolean;
  /** the share of what was offered that was lost (0 when it passed) */
  lostShare: number;
}

/** Why a step repeats the one before it, at the same rate. */
export type Repeat = "disturbed" | "small loss";

export interface SearchOptions {
  /** the first rate */
  start: number;
  /** the search ends when the first failing rate is within this factor of the best passing one */
  precision: number;
  /** at most this many rates (a repeat is not one more) */
  maxSteps: number;
  /** a failed step that lost less than this share of what was offered is repeated once */
  smallLoss: number;
  /** at most this many repeats for a small loss in one search (a disturbed step always repeats once) */
  smallLossRepeats: number;
  /** a rate rounded so the steps read well */
  round: (rate: number) => number;
  /** where the search says what it repeated and found */
  log: (line: string) => void;
}

export interface SearchResult {
  /** the best zero-loss rate (0: none) */
  best: number;
  /** the lowest failing rate (null: none failed) */
  firstFail: number | null;
  /** the generator fell short of a rate asked, and passed at what it reached: nothing is known above */
  limited: boolean;
  /** steps repeated, by why */
  repeated: Record<Repeat, number>;
}

/**
 * Searches with run(rate, repeat), where repeat says why the step repeats the one before (null:
 * a new rate). A step the generator could not keep up with counts at the rate it achieved:
 * failing there still bounds the search (at the rate asked, if it achieved no more than a
 * rate passed), passing there ends it.
 */
export async function searchRate(label: string, run: (rate: number, repeat: Repeat | null) => Promise<StepOutcome>, o: SearchOptions): Promise<SearchResult> {
  let lo = 0;
  let hi = Infinity;
  let rate = o.start;
  let limited = false;
  const repeated: Record<Repeat, number> = { disturbed: 0, "small loss": 0 };
  for (let i = 0; i < o.maxSteps; i++) {
    let r = await run(rate, null);
    const why: Repeat | null = r.pass
      ? null
      : r.disturbed
        ? "disturbed"
        : r.lostShare > 0 && r.lostShare < o.smallLoss && repeated["small loss"] < o.smallLossRepeats
          ? "small loss"
          : null;
    if (why) {
      repeated[why]++;
      o.log(
        why === "disturbed"
          ? "  (core 0 was busy with other processes during that step: repeated once)"
          : `  (that step lost ${(100 * r.lostShare).toFixed(3)}% of what was offered, under ${100 * o.smallLoss}%: repeated once, and the repeat decides)`,
      );
      r = await run(rate, why);
    }
    if (r.pass) lo = Math.max(lo, r.achieved !== null ? Math.floor(r.achieved) : rate);
    // a generator held up past a rate already passed, then sending what fell due in one
    // burst, bounds the search at the rate asked, not under its own best (run Z23)
    else hi = Math.min(hi, r.achieved !== null && r.achieved > lo ? o.round(r.achieved) : rate);
    if (r.achieved !== null && r.pass) {
      limited = true;
      break;
    }
    if (lo === 0) rate = o.round(rate / 2);
    else if (hi === Infinity) rate = o.round(rate * 2);
    else if (hi / lo <= o.precision) break;
    else rate = o.round(Math.sqrt(lo * hi));
    if (rate <= lo || rate >= hi || rate < 100) break;
  }
  const times = (n: number): string => `${n} step${n === 1 ? "" : "s"}`;
  const repeats = (Object.entries(repeated) as Array<[Repeat, number]>).filter(([, n]) => n).map(([why, n]) => `${times(n)} repeated for ${why}`);
  o.log(
    `${label}: best zero-loss ${lo || "none"}${hi < Infinity ? `, first loss at ${hi}` : ""}${limited ? " (generator-limited)" : ""}` +
      (repeats.length ? ` (${repeats.join(", ")})` : ""),
  );
  return { best: lo, firstFail: hi === Infinity ? null : hi, limited, repeated };
}

/**
 * The share of a step's offer that was lost, by the worst of its counts, each [lost, offered]
 * (datagrams dropped of those sent, updates not published of those offered): StepOutcome's
 * lostShare, 0 exactly when nothing was lost.
 */
export const lostShare = (...counts: Array<[number, number]>): number => Math.max(0, ...counts.map(([lost, offered]) => Math.abs(lost) / Math.max(1, offered)));

/** A rate rounded to three significant digits, so the steps read well (with two, steps above 100,000 were 10% apart: coarser than the search's 3%). */
export const nice = (x: number): number => {
  const p = 10 ** Math.max(0, Math.floor(Math.log10(x)) - 2);
  return Math.round(x / p) * p;
};

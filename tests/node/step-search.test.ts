// The search bench:ingest makes for the highest zero-loss rate (bench/step-search.ts), driven
// by scripted steps: a receiver that keeps up to a capacity and loses above it, stalls that
// lose a few datagrams once at a rate it keeps, a generator that falls short, other
// processes on core 0. Checks the rates it asks in order, what it finds, and which failed
// steps it repeats: a disturbed one, and one that lost under the small-loss share, at most
// so many times a search, while a rate really beyond the receiver still bounds it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Repeat, SearchOptions, StepOutcome, nice, searchRate } from "../../bench/step-search";

const OPTIONS: SearchOptions = { start: 4000, precision: 1.03, maxSteps: 12, smallLoss: 0.002, smallLossRepeats: 3, round: nice, log: () => undefined };

interface Model {
  /** the highest rate kept without loss */
  capacity: number;
  /** the share lost by a step above capacity (default: 5%) */
  overLoss?: number;
  /** how many times a step at each of these rates stalls first (loses stallLoss) */
  stalls?: Record<number, number>;
  stallLoss?: number;
  /** steps (by their number, from 0) during which others took core 0, losing over the limit */
  disturbedSteps?: number[];
  /** the most the generator reaches */
  generatorMax?: number;
  /** rates at which the generator is held up once, reaches only this, and its burst loses */
  heldUp?: Record<number, number>;
}

/** Runs a search against a model; returns its result and every step asked, with why it repeated. */
async function scripted(m: Model, o: Partial<SearchOptions> = {}) {
  const steps: Array<[number, Repeat | null]> = [];
  const stalls = { ...m.stalls };
  const run = async (rate: number, repeat: Repeat | null): Promise<StepOutcome> => {
    const n = steps.push([rate, repeat]) - 1;
    const achieved = m.generatorMax !== undefined && rate > m.generatorMax ? m.generatorMax : null;
    const offered = achieved ?? rate;
    if (m.heldUp?.[rate] !== undefined) return { pass: false, achieved: m.heldUp[rate], disturbed: false, lostShare: 0.05 };
    if (m.disturbedSteps?.includes(n)) return { pass: false, achieved, disturbed: true, lostShare: 0.01 };
    if (stalls[rate]) {
      stalls[rate]--;
      return { pass: false, achieved, disturbed: false, lostShare: m.stallLoss ?? 0.001 };
    }
    const pass = offered <= m.capacity;
    return { pass, achieved, disturbed: false, lostShare: pass ? 0 : (m.overLoss ?? 0.05) };
  };
  const lines: string[] = [];
  const result = await searchRate("test", run, { ...OPTIONS, log: (l) => lines.push(l), ...o });
  return { result, steps, lines };
}

test("the rate doubles until a step loses, then bisects to within 3% of the best zero-loss rate", async () => {
  const { result, steps } = await scripted({ capacity: 100_000 });
  assert.deepEqual(
    steps.map(([r]) => r),
    [4000, 8000, 16_000, 32_000, 64_000, 128_000, 90_500, 108_000, 98_900, 103_000, 101_000],
  );
  assert.ok(steps.every(([, why]) => why === null), "a step repeated on a steady receiver");
  assert.equal(result.best, 98_900);
  assert.equal(result.firstFail, 101_000);
  assert.ok(result.firstFail! / result.best <= 1.03);
  assert.deepEqual(result.repeated, { disturbed: 0, "small loss": 0 });
});

test("one stall at a rate the receiver keeps is repeated once, and the search goes on above it", async () => {
  const { result, steps, lines } = await scripted({ capacity: 100_000, stalls: { 90_500: 1 } });
  // the stalled step and its repeat, then the same search as without the stall
  assert.deepEqual(steps.slice(6, 8), [
    [90_500, null],
    [90_500, "small loss"],
  ]);
  assert.equal(result.best, 98_900);
  assert.deepEqual(result.repeated, { disturbed: 0, "small loss": 1 });
  assert.ok(lines.some((l) => /lost 0\.100% of what was offered, under 0\.2%: repeated once/.test(l)), lines.join("\n"));
  assert.match(lines[lines.length - 1], /best zero-loss 98900, first loss at 101000 \(1 step repeated for small loss\)/);
});

test("a rate beyond the receiver that loses little loses again on its repeat, and still bounds the search", async () => {
  // just above capacity the buffer absorbs most of the overload: a small loss, every time
  const { result, steps } = await scripted({ capacity: 100_000, overLoss: 0.0005 });
  const repeats = steps.filter(([, why]) => why === "small loss").map(([r]) => r);
  assert.deepEqual(repeats, [128_000, 108_000, 103_000], "the first three failures repeat, no more");
  assert.equal(result.best, 98_900);
  assert.equal(result.firstFail, 101_000);
  assert.deepEqual(result.repeated, { disturbed: 0, "small loss": 3 });
});

test("a loss of the small-loss share or more is not repeated: the search stops there as before", async () => {
  // a stall at 90,500 that lost exactly 0.2% caps the search under it
  const { result, steps } = await scripted({ capacity: 100_000, stalls: { 90_500: 1 }, stallLoss: 0.002 });
  assert.ok(steps.every(([, why]) => why === null));
  assert.ok(result.best < 90_500 && result.firstFail === 90_500, JSON.stringify(result));
});

test("a stall that comes back on the repeat fails the rate, and a step is repeated once only", async () => {
  const { result, steps } = await scripted({ capacity: 100_000, stalls: { 90_500: 2 } });
  assert.deepEqual(steps.filter(([r]) => r === 90_500), [
    [90_500, null],
    [90_500, "small loss"],
  ]);
  assert.equal(result.firstFail, 90_500);
  assert.ok(result.best < 90_500);
});

test("the small-loss repeats are bounded per search; a disturbed step repeats apart from them", async () => {
  // stalls at four rates the receiver keeps: the fourth caps the search
  const { result, steps } = await scripted({ capacity: 1_000_000, stalls: { 8000: 1, 16_000: 1, 32_000: 1, 64_000: 1 }, disturbedSteps: [0] }, { smallLossRepeats: 3 });
  assert.deepEqual(steps.slice(0, 8), [
    [4000, null],
    [4000, "disturbed"],
    [8000, null],
    [8000, "small loss"],
    [16_000, null],
    [16_000, "small loss"],
    [32_000, null],
    [32_000, "small loss"],
  ]);
  assert.deepEqual(steps[8], [64_000, null]);
  assert.equal(result.firstFail, 64_000);
  assert.deepEqual(result.repeated, { disturbed: 1, "small loss": 3 });
  // with none allowed, the first stall caps it
  const none = await scripted({ capacity: 1_000_000, stalls: { 8000: 1 } }, { smallLossRepeats: 0 });
  assert.equal(none.result.firstFail, 8000);
  assert.equal(none.result.best, 7830); // bisected under the stall: 5660, 6730, 7340, 7660, 7830
});

test("a generator that falls short ends the search at what it reached, and the search is bounded in steps", async () => {
  const { result, steps } = await scripted({ capacity: 1_000_000, generatorMax: 50_000 });
  assert.equal(result.limited, true);
  assert.equal(result.best, 50_000);
  assert.equal(steps[steps.length - 1][0], 64_000);
  const bounded = await scripted({ capacity: 100_000 }, { maxSteps: 4 });
  assert.equal(bounded.steps.length, 4);
  assert.equal(bounded.result.best, 32_000);
  assert.equal(bounded.result.firstFail, null);
});

test("a generator held up under a rate already passed bounds the search at the rate asked, not under its best", async () => {
  // at 128,000 the generator reaches 50,000 (a stall, then a burst that loses): the search
  // bisects between 64,000 and 128,000 as without it
  const { result, steps } = await scripted({ capacity: 100_000, heldUp: { 128_000: 50_000 } });
  assert.equal(result.best, 98_900);
  assert.equal(result.firstFail, 101_000);
  assert.equal(steps.length, 11);
  // held up above the best passed, the rate it reached is the bound
  const above = await scripted({ capacity: 1_000_000, heldUp: { 128_000: 100_000 } });
  assert.equal(above.result.firstFail, 100_000);
  assert.ok(above.result.best >= 64_000 && above.result.best < 100_000);
});

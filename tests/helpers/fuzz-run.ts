// Runs one fuzzing property with fast-check, bounded by runs and/or time, and says what
// happened in the words `npm run fuzz` prints and the tests fail with: the seed, the runs
// done and their rate, and on a failure the counterexample (as hex, by the property's own
// describe) with the command that replays it.

import fc from "fast-check";

/** A property: its inputs, the check that throws when a promise is broken, and how to show an input. */
export interface Fuzzed<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  check(value: T): void | Promise<void>;
  describe(value: T): string;
  /** state carries over between runs (a live collector): runs are async and not shrunk, as a shrunk input would not fail alone */
  stateful?: boolean;
}

export interface FuzzOutcome {
  name: string;
  seed: number;
  runs: number;
  seconds: number;
  failed: boolean;
  /** the lines to print: one of summary, then the failure's report if any */
  report: string;
}

const indent = (s: string): string => s.replace(/^/gm, "    ");

/**
 * Runs p from seed for at most runs runs and budgetMs milliseconds (either may be absent, not
 * both); path replays one counterexample. replay(seed, details) is the command line to print.
 */
export async function runFuzzed<T>(
  p: Fuzzed<T>,
  o: { seed: number; runs?: number; budgetMs?: number; path?: string; replay: (extra: string) => string },
): Promise<FuzzOutcome> {
  const started = performance.now();
  const params: fc.Parameters<[T]> = {
    seed: o.seed,
    path: o.path,
    numRuns: o.runs ?? 2 ** 31 - 1,
    plugins: o.budgetMs === undefined ? [] : [fc.interruptAfterTimeLimit(o.budgetMs) as fc.Plugin<[T]>],
    endOnFailure: p.stateful === true,
  };
  const details = p.stateful
    ? await fc.check(fc.asyncProperty(p.arbitrary, async (v) => p.check(v)), params)
    : fc.check(fc.property(p.arbitrary, (v) => void p.check(v)), params);
  const seconds = (performance.now() - started) / 1000;
  const rate = details.numRuns / Math.max(seconds, 1e-9);
  const lines = [`${p.name}: seed ${o.seed}, ${details.numRuns} runs in ${seconds.toFixed(1)} s (${rate.toFixed(0)}/s): ${details.failed ? "FAILED" : "ok"}`];
  if (details.failed) {
    const how = p.stateful ? `--runs ${details.numRuns}` : `--path ${details.counterexamplePath}`;
    lines.push(`  replay: ${o.replay(how)}`);
    lines.push(`  ${p.stateful ? "the failing run (not shrunk: the collector's state carries over between runs)" : `counterexample, shrunk ${details.numShrinks} times`}:`);
    lines.push(indent(p.describe((details.counterexample as [T])[0])));
    const err = details.errorInstance;
    lines.push(indent(err instanceof Error ? err.message : String(err)));
  }
  return { name: p.name, seed: o.seed, runs: details.numRuns, seconds, failed: details.failed, report: lines.join("\n") };
}

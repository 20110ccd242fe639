// The comparison at the heart of differential fuzzing, shared by tests/node/differential.test.ts
// and `npm run fuzz`: one /proc file parsed by the WASM core (and read back from its table) and
// by the reference parser must give the same values, failed paths, status bits and failure
// offset. The inputs are the generators of arbitraries.ts, by kind.

import assert from "node:assert/strict";
import type fc from "fast-check";
import { parseMachine } from "../../src/machine";
import type { Core } from "../../src/wasm";
import { KNOWN_CORE_BUGS, parsedView, referenceParse } from "../reference";
import { ProcSection, mutatedFixture, randomInput, structuredInput } from "./arbitraries";

/** The kinds of input each parser is fuzzed with. */
export const PARSER_INPUTS = {
  random: (): fc.Arbitrary<Uint8Array> => randomInput,
  structured: structuredInput,
  mutated: mutatedFixture,
} as const;
export type InputKind = keyof typeof PARSER_INPUTS;

/** Bytes shown in a failure message: JSON of the latin1 text, so NUL, CR and high bytes are visible. */
export const show = (bytes: Uint8Array): string => JSON.stringify(Buffer.from(bytes).toString("latin1"));

/**
 * The reference reproduces the core's known bugs (each has a failing test in
 * regressions.test.ts), so that every input is compared in full rather than skipped.
 */
export const AS_CORE_TODAY = new Set(KNOWN_CORE_BUGS);

/**
 * Asserts that the core and the reference agree on one file of a section. A core reused
 * across inputs (one per section: a record keeps the sections of earlier reports) also shows
 * that no parse leaks state into the next.
 */
export function agree(core: Core, section: ProcSection, bytes: Uint8Array): void {
  const files = { [section]: bytes };
  const ref = referenceParse(files, AS_CORE_TODAY);
  // the parse alone allocates nothing (STYLE.md rule 1), on every input; the commit that
  // follows may grow the table, which is allocation by design
  const top = core.heapProbe();
  core.parse(section, bytes);
  assert.equal(core.heapProbe(), top, `heap top moved parsing ${section} ${show(bytes)}`);
  const got = parseMachine(core, files, -1, 0);
  assert.deepStrictEqual(got.outcomes, ref.outcomes, `outcome of ${section} ${show(bytes)}`);
  assert.deepStrictEqual(parsedView(got.status), ref.view, `values of ${section} ${show(bytes)}`);
}

// The parsers allocate nothing (STYLE.md rule 1): the core's heap top, as heapProbe() reads
// it, is the same after parsing every fixture file and a thousand fuzzed inputs as before.
// A last test shows the probe does move when the core allocates, so the others can fail.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseMachine } from "../../src/machine";
import { Core, SectionName } from "../../src/wasm";
import { PROC_SECTIONS, anyInput } from "../helpers/arbitraries";
import { fixtureCases } from "../helpers/fixtures";

test("parsing every fixture file leaves the heap top where it was", () => {
  const core = new Core(1);
  const before = core.heapProbe();
  let parsed = 0;
  for (const c of fixtureCases()) {
    for (const [section, bytes] of Object.entries(c.files) as Array<[SectionName, Uint8Array]>) {
      core.parse(section, bytes);
      assert.equal(core.heapProbe(), before, `after ${c.name} ${section}`);
      parsed++;
    }
  }
  assert.ok(parsed > 40, `${parsed} files parsed`);
});

test("parsing 1,000 fuzzed inputs leaves the heap top where it was", () => {
  const core = new Core(1);
  const before = core.heapProbe();
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`alloc fuzz: seed ${seed} (replay with FUZZ_SEED=${seed})`);
  const input = fc.constantFrom(...PROC_SECTIONS).chain((section) => anyInput(section).map((bytes) => [section, bytes] as const));
  fc.assert(
    fc.property(input, ([section, bytes]) => {
      core.parse(section, bytes);
      assert.equal(core.heapProbe(), before);
    }),
    { seed, numRuns: 1000 },
  );
});

test("the heap probe moves when the core does allocate: a commit that grows the table", () => {
  const core = new Core(1);
  const before = core.heapProbe();
  const big = fixtureCases().find((c) => c.name === "hp-bl920gen8-x86_64-480cpu")!;
  parseMachine(core, big.files, -1, 0); // 480 CPUs and 49 interfaces need extents beyond the initial table
  assert.notEqual(core.heapProbe(), before);
});

// Differential fuzzing: each /proc parser of the WASM core (Core.parse, commit, and the
// record read back by parseMachine) against the reference parser in tests/reference, on
// random bytes, structured lines and mutated fixtures: values, failed paths, status bits
// and failure offsets must all be equal. Each property prints its seed; FUZZ_SEED=<n>
// replays a run, FUZZ_RUNS=<n> sets the inputs per parser (10,000 by default).

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Core } from "../../src/wasm";
import { PROC_SECTIONS, ProcSection } from "../helpers/arbitraries";
import { AS_CORE_TODAY, InputKind, PARSER_INPUTS, agree as agreeOn } from "../helpers/differential";
import { referenceParse } from "../reference";
import { L } from "../reference/text";

/** Inputs per parser: random bytes, structured lines, mutated fixtures. */
const RUNS: Record<InputKind, number> = { random: 3000, structured: 4000, mutated: 3000 };
const scale = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) / 10000 : 1;

/**
 * One core per section: a node's record keeps the sections of earlier reports, so a core fed
 * only stat shows only stat. Reusing it across inputs also checks that no parse leaks state
 * into the next.
 */
const cores = new Map<ProcSection, Core>(PROC_SECTIONS.map((s) => [s, new Core(1)]));

/** Asserts that the core and the reference agree on one file of a section. */
const agree = (section: ProcSection, bytes: Uint8Array): void => agreeOn(cores.get(section)!, section, bytes);

for (const section of PROC_SECTIONS) {
  for (const kind of Object.keys(RUNS) as InputKind[]) {
    test(`${section}: the core and the reference agree on ${kind} input`, () => {
      const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
      const numRuns = Math.max(1, Math.round(RUNS[kind] * scale));
      console.log(`differential ${section} ${kind}: seed ${seed}, ${numRuns} runs (replay with FUZZ_SEED=${seed})`);
      fc.assert(
        fc.property(PARSER_INPUTS[kind](section), (bytes) => agree(section, bytes)),
        { seed, numRuns },
      );
    });
  }
}

/** Files at and past the core's limits, which random inputs never reach, and whether each must report S_LIMIT. */
const AT_THE_LIMITS: Array<[string, ProcSection, string, boolean]> = [
  [
    "x86 cpuinfo with two CPUs more than MAX_CPUS and six distinct models",
    "cpuinfo",
    Array.from({ length: L.MAX_CPUS + 2 }, (_, i) => `processor\t: ${i}\nmodel name\t: M${i % 6}\ncpu MHz\t\t: ${1000 + i}.5\ncache size\t: ${i} KB\n\n`).join("") +
      "vendor_id : global\ncpu MHz : 1\n",
    true,
  ],
  [
    "arm64 cpuinfo listing MAX_CPUS+1 processors in one block",
    "cpuinfo",
    `Processor\t: AArch64\n${Array.from({ length: L.MAX_CPUS + 1 }, (_, i) => `processor\t: ${i}\n`).join("")}CPU part\t: 0x000\nclock : 7MHz\n`,
    true,
  ],
  ["s390x cpuinfo counting MAX_CPUS processors", "cpuinfo", `vendor_id : IBM/S390\n# processors : ${L.MAX_CPUS}\n`, false],
  ["s390x cpuinfo counting MAX_CPUS+1 processors", "cpuinfo", `vendor_id : IBM/S390\n# processors : ${L.MAX_CPUS + 1}\n`, true],
  [
    "stat with two CPU lines more than MAX_CPUS",
    "stat",
    `cpu 1 2 3 4\n${Array.from({ length: L.MAX_CPUS + 2 }, (_, i) => `cpu${i} ${i} 1 2 3 4 5 6 7 8 9 10\n`).join("")}ctxt 5\n`,
    true,
  ],
  [
    "net/dev with one interface more than MAX_IFACES and a cut last line",
    "net/dev",
    `Inter-|\n face |\n${Array.from({ length: L.MAX_IFACES + 1 }, (_, i) => `if${i}: ${i} 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n`).join("")}cut: 1`,
    true,
  ],
];

for (const [name, section, text, limited] of AT_THE_LIMITS) {
  test(`${section}: the core and the reference agree on ${name}`, () => {
    const bytes = new Uint8Array(Buffer.from(text, "latin1"));
    agree(section, bytes);
    const { outcomes } = referenceParse({ [section]: bytes }, AS_CORE_TODAY);
    assert.equal((outcomes[section]!.status & L.S_LIMIT) !== 0, limited, "S_LIMIT exactly when past the limit");
  });
}

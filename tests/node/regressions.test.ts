// The WASM core against its own documentation on minimal inputs where it was found wrong,
// checked as a node's JSON. A test naming a knownBug (tests/reference KNOWN_CORE_BUGS) FAILS
// until the core is fixed (assembly/ belongs to another engineer); then delete the name
// from KNOWN_CORE_BUGS, so that differential fuzzing stops reproducing the bug, and here.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMachine } from "../../src/machine";
import { Core, ParseOutcome, SectionName } from "../../src/wasm";
import { KNOWN_CORE_BUGS, KnownCoreBug, ParsedView, parsedView, referenceParse } from "../reference";
import { L } from "../reference/text";

interface Regression {
  /** what the documentation promises, as the test's name */
  promise: string;
  section: SectionName;
  /** the input, one char per byte */
  text: string;
  /** the documented result, by hand, on top of the reference's */
  check(view: ParsedView, outcome: ParseOutcome): void;
  /** the known core bug the input shows, while it is not fixed */
  knownBug?: KnownCoreBug;
}

const REGRESSIONS: Regression[] = [
  {
    promise: "a model of bytes with no UTF-8 boundary is cut at 63 bytes, never to nothing, and keeps its slot",
    section: "cpuinfo",
    text: `processor:0\nmodel name:${"\x80".repeat(64)}\nprocessor:1\nmodel name:x\n`,
    check(view) {
      assert.deepEqual(
        view.cpuinfo!.map((c) => c.model),
        ["\ufffd".repeat(63), "x"],
      );
    },
  },
  // found by reading the core against its status table, and fixed in 2648a0d
  {
    promise: "a global model that outranks four CPUs' own models is every CPU's model, not MODEL_OTHER",
    section: "cpuinfo",
    text: "Processor:G\nprocessor:0\nCPU part:a\nprocessor:1\nCPU part:b\nprocessor:2\nCPU part:c\nprocessor:3\nCPU part:d\n",
    check(view) {
      assert.deepEqual(
        view.cpuinfo!.map((c) => c.model),
        ["G", "G", "G", "G"],
      );
    },
  },
  {
    promise: "a '# processors' count above MAX_CPUS keeps MAX_CPUS CPUs and reports LIMIT",
    section: "cpuinfo",
    text: `# processors : ${L.MAX_CPUS + 1}\n`,
    check(view, outcome) {
      assert.equal(view.cpu_count, L.MAX_CPUS);
      assert.deepEqual(view.failed, []);
      assert.deepEqual(outcome, { status: L.S_LIMIT, failAt: "# processors : ".length });
    },
  },
  {
    promise: "a model name with a NUL byte in it is a bad field, not a name cut at the NUL",
    section: "cpuinfo",
    text: "processor:0\nmodel name:a\0b\n",
    check(view, outcome) {
      assert.equal(view.cpuinfo![0].model, null);
      assert.deepEqual(outcome, { status: L.S_BAD_FIELD, failAt: "processor:0\nmodel name:".length });
    },
  },
  {
    promise: "an extra column after the unit kB is ignored",
    section: "meminfo",
    text: "MemTotal: 10 kB 20\n",
    check(view, outcome) {
      assert.equal(view.meminfo!.total, 10 * 1024);
      assert.deepEqual(outcome, { status: 0, failAt: null });
    },
  },
  {
    promise: "a line whose interface name (its key) has a NUL byte is skipped as an unknown key",
    section: "net/dev",
    text: "a\0b: 1\nc: 2\n",
    check(view, outcome) {
      assert.deepEqual(
        view.net_dev!.map((d) => d.name),
        ["c"],
      );
      assert.deepEqual(outcome, { status: 0, failAt: null });
    },
  },
];

test("every known core bug has a regression test", () => {
  assert.deepEqual(KNOWN_CORE_BUGS.filter((bug) => !REGRESSIONS.some((r) => r.knownBug === bug)), []);
});

for (const r of REGRESSIONS) {
  test(`${r.section}: ${r.promise}`, () => {
    const files = { [r.section]: new Uint8Array(Buffer.from(r.text, "latin1")) };
    const core = parseMachine(new Core(1), files, -1, 0);
    const documented = referenceParse(files);
    // the promise by hand and the reference agree on what the documentation says ...
    r.check(documented.view, documented.outcomes[r.section]!);
    // ... the reference reproduces the core only with the bug named ...
    if (r.knownBug) assert.notDeepStrictEqual(referenceParse(files, new Set([r.knownBug])), documented, "the input meets the bug");
    // ... and the core must do as documented
    assert.deepStrictEqual({ view: parsedView(core.status), outcomes: core.outcomes }, documented, r.knownBug && `known core bug: ${r.knownBug}`);
  });
}

// Golden tests: every fixture case parsed by the real WASM core (Core + parseMachine) must
// give exactly the node JSON in fixtures/golden/<case>.json, and the reference parser must
// agree with the same files. UPDATE_GOLDEN=1 rewrites the files (review the diff by hand:
// a golden file is only as right as the person who read it against the capture).

import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "../../src/json";
import { parseMachine } from "../../src/machine";
import type { NodeStatus } from "../../src/record";
import { Core, SectionName } from "../../src/wasm";
import { FixtureCase, GOLDEN, fixtureCases } from "../helpers/fixtures";
import { KNOWN_CORE_BUGS, parsedView, referenceParse } from "../reference";

const UPDATE = process.env.UPDATE_GOLDEN === "1";
const cases = fixtureCases();
const layout = new Core(1).layout;

/**
 * The fixtures with a real problem, and the status bits each file must give; every other
 * file of every case must parse with status 0. arm7legacy and arm7legacyv1 are inline Go
 * test constants of prometheus/procfs that end without a newline after their last line
 * ("Serial : ..."): the core ignores a line it cannot know is complete.
 */
const KNOWN_PROBLEMS: Record<string, Partial<Record<SectionName, string[]>>> = {
  "cpuinfo-arch-arm7legacy": { cpuinfo: ["S_TRUNCATED"] },
  "cpuinfo-arch-arm7legacyv1": { cpuinfo: ["S_TRUNCATED"] },
};

/** The core's node JSON for a case, from a fresh core (a record keeps sections of earlier reports). */
function coreParse(c: FixtureCase): ReturnType<typeof parseMachine> {
  return parseMachine(new Core(1), c.files, -1, 0);
}

function readGolden(name: string): NodeStatus {
  const path = join(GOLDEN, `${name}.json`);
  assert.ok(existsSync(path), `${path} is missing: run the tests with UPDATE_GOLDEN=1, then read it against the fixture`);
  return parse(readFileSync(path, "utf8")) as NodeStatus;
}

/**
 * Values read by hand from the fixture text (not from the core), checked in the golden
 * files: CPU counts and MHz per the table in assembly/proc/cpuinfo.ts, names net/dev makes
 * hard, and counters at and above 2^53 that must stay exact.
 */
const HAND_CHECKED: Array<[string, string, (s: NodeStatus) => unknown, unknown]> = [
  ["cpuinfo-arch-arm7", "4 processors; BogoMIPS is never MHz", (s) => [s.cpu_count, s.MHz], [4, null]],
  ["cpuinfo-arch-arm7legacy", "the global 'Processor' model for both CPUs", (s) => s.cpuinfo!.map((c) => c.model), ["ARMv7 Processor rev 5 (v7l)", "ARMv7 Processor rev 5 (v7l)"]],
  ["cpuinfo-arch-arm7legacyv1", "one CPU described but not numbered", (s) => [s.cpu_count, s.cpuinfo![0].cpu, s.cpuinfo![0].model], [1, 0, "ARMv6-compatible processor rev 5 (v6l)"]],
  ["cpuinfo-arch-loong64", "'Model Name' and 'CPU MHz'", (s) => [s.cpu_count, s.MHz, s.cpuinfo![3].model], [4, 2500, "Loongson-3A5000"]],
  ["cpuinfo-arch-mips", "'cpu model' beats 'isa'", (s) => [s.cpu_count, s.cpuinfo![1].model, s.MHz], [2, "Cavium Octeon+ V0.1", null]],
  ["cpuinfo-arch-pcp-1cpu-powermac", "one CPU from 'cpu' and 'clock : 120MHz'", (s) => [s.cpu_count, s.MHz, s.cpuinfo![0].model], [1, 120, "604"]],
  ["cpuinfo-arch-pcp-2cpu-s390x-linux-2.6.32", "'# processors : 2' and a global vendor_id", (s) => [s.cpu_count, s.cpuinfo![1].model, s.MHz], [2, "IBM/S390", null]],
  ["cpuinfo-arch-pcp-32cpu-amd-6132", "32 x86 CPUs", (s) => [s.cpu_count, s.MHz, s.cpuinfo![31].cache_kb, s.cpuinfo![31].model], [32, 2200.072, 512, "AMD Opteron(tm) Processor 6132 HE"]],
  ["cpuinfo-arch-pcp-4cpu-alpha", "'cpus detected : 4'; 'cpu model' beats 'cpu'", (s) => [s.cpu_count, s.cpuinfo![3].model, s.MHz], [4, "EV56", null]],
  ["cpuinfo-arch-pcp-4cpu-ia64-linux-2.6.32", "'cpu number' lines inside processor blocks are details", (s) => [s.cpu_count, s.MHz, s.cpuinfo!.map((c) => c.cpu)], [4, 1594.007, [0, 1, 2, 3]]],
  ["cpuinfo-arch-pcp-8cpu-aarch64-linux-3.17.0", "the global 'Processor' beats CPU 7's 'CPU part'", (s) => [s.cpu_count, s.cpuinfo![7].model], [8, "AArch64 Processor rev 0 (aarch64)"]],
  ["cpuinfo-arch-ppc64", "'clock : 3000.000000MHz'", (s) => [s.cpu_count, s.MHz, s.cpuinfo![5].model], [6, 3000, "POWER7 (architected), altivec supported"]],
  ["cpuinfo-arch-riscv64", "'isa' as the model, no MHz", (s) => [s.cpu_count, s.cpuinfo![1].model, s.MHz], [2, "rv64imafdcsu", null]],
  ["cpuinfo-arch-s390x", "'cpu number' blocks and 'cpu MHz dynamic'", (s) => [s.cpu_count, s.MHz, s.cpuinfo![3].model], [4, 5000, "IBM/S390"]],
  ["net-dev-edge", "a counter glued to the colon", (s) => [s.net_dev![3].name, s.net_dev![3].recv.bytes], ["eth0", 68210035552]],
  ["net-dev-edge", "names with a colon, a dot, an emoji", (s) => s.net_dev!.slice(7).map((d) => d.name), ["ibr10:30", "flannel.1", "💩0"]],
  ["net-dev-edge", "the emoji interface's multicast and flannel.1's transmit drops", (s) => [s.net_dev![9].multicast, s.net_dev![8].trans.drop], [72, 64]],
  ["hp-bl920gen8-x86_64-480cpu", "480 CPUs in cpuinfo and stat, 49 interfaces", (s) => [s.cpu_count, s.stat_cpu!.length, s.net_dev!.length, s.MHz, s.cpuinfo![479].cache_kb], [480, 480, 49, 1200, 38400]],
  ["hp-bl920gen8-x86_64-480cpu", "9 stat columns: guest_nice absent, not failed", (s) => [s.stat_cpu![0].guest, s.stat_cpu![0].guest_nice, s.failed], [0, null, []]],
  ["hp-bl920gen8-x86_64-480cpu", "no meminfo or loadavg captured", (s) => [s.meminfo, s.loadavg], [null, null]],
  ["sysstat-x86_64-10cpu-7col-stat", "7 stat columns", (s) => [s.stat!.cpu_total!.softirq, s.stat!.cpu_total!.steal, s.stat_cpu!.length], [25855, null, 10]],
  ["sysstat-x86_64-t0", "8 CPUs in cpuinfo, 9 lines in stat", (s) => [s.cpu_count, s.stat_cpu!.map((c) => c.cpu)], [8, [0, 1, 2, 3, 4, 5, 6, 7, 8]]],
  ["sysstat-x86_64-t1-cpu6-offline", "cpu6 and cpu8 absent from stat", (s) => s.stat_cpu!.map((c) => c.cpu), [0, 1, 2, 3, 4, 5, 7]],
  ["kvm-x86_64-2cpu-linux6.18", "loadavg '0.42 0.32 0.19 3/103 12670'", (s) => s.loadavg, { load: [0.42, 0.32, 0.19], num_active_procs: 3, total_procs: 103, last_pid: 12670 }],
  ["kvm-x86_64-2cpu-linux6.18", "meminfo in bytes; Shmem, not ShmemHugePages", (s) => [s.meminfo!.total, s.meminfo!.mem.free, s.meminfo!.shared], [24684084 * 1024, 22802472 * 1024, 8872 * 1024]],
  ["procfs-x86_64-8cpu", "no MemAvailable line: absent, not 0", (s) => [s.meminfo!.available, s.MHz], [null, 799.998]],
  ["edge-u64-counters", "net/dev counters at 2^53-1, 2^53, 2^53+1, 2^64-1", (s) => Object.values(s.net_dev![0].recv).slice(0, 4), [9007199254740991, 9007199254740992n, 9007199254740993n, 18446744073709551615n]],
  ["edge-u64-counters", "stat counters above 2^53", (s) => [s.stat!.ctxt, s.stat!.btime, s.stat_cpu![0].user, s.stat!.procs_running], [18446744073709551615n, 9007199254740993n, 18446744073709551615n, 4294967295]],
  ["edge-u64-counters", "MemTotal of 2^54-1 kB in bytes, and used memory", (s) => [s.meminfo!.total, s.meminfo!.mem.used], [(2n ** 54n - 1n) * 1024n, (2n ** 54n - 1n) * 1024n - 2n ** 53n]],
];

test("machines, single cpuinfo files and the net/dev edge file are all golden cases", () => {
  const names = cases.map((c) => c.name);
  for (const name of ["hp-bl920gen8-x86_64-480cpu", "edge-u64-counters", "cpuinfo-arch-s390x", "cpuinfo-arch-riscv64", "net-dev-edge"]) {
    assert.ok(names.includes(name), `${name} in ${names}`);
  }
});

for (const c of cases) {
  test(`${c.name}: the core's node JSON equals the golden file`, () => {
    const { status } = coreParse(c);
    if (UPDATE) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(join(GOLDEN, `${c.name}.json`), stringify(status, 2) + "\n");
    }
    assert.deepStrictEqual(status, readGolden(c.name));
  });

  test(`${c.name}: the reference parser gives the golden file's values and the core's outcomes`, () => {
    const ref = referenceParse(c.files);
    assert.deepStrictEqual(ref.view, parsedView(readGolden(c.name)));
    assert.deepStrictEqual(ref.outcomes, coreParse(c).outcomes);
    // no real capture meets a known core bug
    assert.deepStrictEqual(referenceParse(c.files, new Set(KNOWN_CORE_BUGS)), ref);
  });

  test(`${c.name}: each file parses cleanly unless the fixture has a known problem`, () => {
    const { outcomes, warnings } = coreParse(c);
    const sections = Object.keys(c.files) as SectionName[];
    assert.deepEqual(Object.keys(outcomes).sort(), [...sections].sort(), "every file given was parsed");
    for (const section of sections) {
      const expected = (KNOWN_PROBLEMS[c.name]?.[section] ?? []).reduce((bits, name) => bits | layout[name], 0);
      const text = Buffer.from(c.files[section]!).toString("latin1");
      assert.deepEqual(
        outcomes[section],
        // a cut last line fails where that line starts
        { status: expected, failAt: expected ? text.lastIndexOf("\n") + 1 : null },
        `${section}: ${warnings.join("; ")}`,
      );
    }
  });
}

// after the cases, so that an UPDATE_GOLDEN=1 run checks the files it has just written
test("every golden file belongs to a fixture case (none is left from a removed fixture)", () => {
  const names = new Set(cases.map((c) => `${c.name}.json`));
  assert.deepEqual(readdirSync(GOLDEN).filter((f) => !names.has(f)), []);
});

for (const [name, what, pick, expected] of HAND_CHECKED) {
  test(`${name}: the golden file holds the values read from the capture (${what})`, () => {
    assert.deepStrictEqual(pick(readGolden(name)), expected);
  });
}

// The reference parser: an independent, plain-TypeScript reading of the five /proc files,
// written for clarity, that must agree with the WASM core on every input (values, absent
// fields, failed paths, status bits and failure offsets). The golden and differential tests
// compare the two through ParsedView, the part of a node's JSON that parsing determines.

import type { ProcFiles } from "../../src/proc";
import type { NodeStatus } from "../../src/record";
import type { ParseOutcome, SectionName } from "../../src/wasm";
import { parseCpuinfo } from "./cpuinfo";
import { parseLoadavg } from "./loadavg";
import { parseMeminfo } from "./meminfo";
import { parseNetDev } from "./net_dev";
import { parseStat } from "./stat";
import { latin1 } from "./text";

/**
 * Where the core differs from its own documentation today (status table in
 * assembly/status.ts, header comments of assembly/proc/*.ts). The reference follows the
 * documentation; given a bug's name it reproduces the core instead, so that differential
 * fuzzing keeps comparing everything else. Each has a failing test in
 * tests/node/regressions.test.ts: when the core is fixed, delete the name here and its branch.
 */
export const KNOWN_CORE_BUGS = [
  // none open: each fixed bug keeps its input in tests/node/regressions.test.ts
] as const;
export type KnownCoreBug = (typeof KNOWN_CORE_BUGS)[number] | never;

const VIEW_KEYS = ["cpu_count", "MHz", "cpuinfo", "loadavg", "meminfo", "stat_cpu", "net_dev", "stat", "failed"] as const;
export type ParsedView = Pick<NodeStatus, (typeof VIEW_KEYS)[number]>;

/** The keys of a node's JSON that parsing determines (not identity, time, or rates from two samples). */
export function parsedView(status: NodeStatus): ParsedView {
  return Object.fromEntries(VIEW_KEYS.map((k) => [k, status[k]])) as ParsedView;
}

export interface ReferenceResult {
  view: ParsedView;
  outcomes: Partial<Record<SectionName, ParseOutcome>>;
}

/**
 * Parses the files given, as one report of a node with no earlier data, as the core's
 * documentation says (or reproducing the known core bugs named in asCoreToday). Called per test input.
 */
export function referenceParse(files: ProcFiles, asCoreToday: ReadonlySet<KnownCoreBug> = new Set()): ReferenceResult {
  const outcomes: ReferenceResult["outcomes"] = {};
  const view: ParsedView = {
    cpu_count: null,
    MHz: null,
    cpuinfo: null,
    loadavg: null,
    meminfo: null,
    stat_cpu: null,
    net_dev: null,
    stat: null,
    failed: [],
  };
  // failed paths are listed section by section in this order, as a node's JSON lists them
  const failed: Record<"cpuinfo" | "loadavg" | "meminfo" | "stat" | "net/dev", string[]> = {
    cpuinfo: [],
    loadavg: [],
    meminfo: [],
    stat: [],
    "net/dev": [],
  };
  const text = (section: SectionName): string | null => {
    const bytes = files[section];
    return bytes === undefined ? null : latin1(bytes);
  };

  const cpuinfo = text("cpuinfo");
  if (cpuinfo !== null) {
    const r = parseCpuinfo(cpuinfo, asCoreToday);
    Object.assign(view, { cpu_count: r.cpu_count, MHz: r.MHz, cpuinfo: r.cpuinfo });
    failed.cpuinfo = r.failed;
    outcomes.cpuinfo = r.outcome.result();
  }
  const meminfo = text("meminfo");
  if (meminfo !== null) {
    const r = parseMeminfo(meminfo);
    view.meminfo = r.meminfo;
    failed.meminfo = r.failed;
    outcomes.meminfo = r.outcome.result();
  }
  const loadavg = text("loadavg");
  if (loadavg !== null) {
    const r = parseLoadavg(loadavg);
    view.loadavg = r.loadavg;
    failed.loadavg = r.failed;
    outcomes.loadavg = r.outcome.result();
  }
  const netDev = text("net/dev");
  if (netDev !== null) {
    const r = parseNetDev(netDev);
    view.net_dev = r.net_dev;
    failed["net/dev"] = r.failed;
    outcomes["net/dev"] = r.outcome.result();
  }
  const stat = text("stat");
  if (stat !== null) {
    const r = parseStat(stat);
    view.stat = r.stat;
    view.stat_cpu = r.stat_cpu;
    failed.stat = r.failed;
    outcomes.stat = r.outcome.result();
  }
  view.failed = [...failed.cpuinfo, ...failed.loadavg, ...failed.meminfo, ...failed.stat, ...failed["net/dev"]];
  return { view, outcomes };
}

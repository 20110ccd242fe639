// Reference reading of /proc/stat for the differential and golden tests: what
// assembly/proc/stat.ts must produce, with token splitting. A line's key is its first token
// (from the line start). "cpu" is the aggregate, "cpuN" a CPU (4 to 10 tick columns, more
// ignored); ctxt, btime, processes (u64) and procs_running, procs_blocked (u32) take their
// first token. Other lines (intr, softirq, "cpufreq"...) are skipped.

import type { CpuTicks, Stat, StatCpu, U64 } from "../../src/record";
import { L, Line, Outcome, U32_MAX, splitLines, tokens, u64, wholeU64 } from "./text";

const TICKS = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"] as const;
/** The columns every kernel prints; a line with fewer is a bad field where the line ends. */
const REQUIRED_TICKS = 4;
/** CPU numbers go up to 2^32-2: 2^32-1 marks the aggregate line in a record. */
const MAX_CPU_NUMBER = U32_MAX - 1n;
const SCALARS = new Map<string, { path: "ctxt" | "btime" | "processes" | "procs_running" | "procs_blocked"; u32: boolean }>([
  ["ctxt", { path: "ctxt", u32: false }],
  ["btime", { path: "btime", u32: false }],
  ["processes", { path: "processes", u32: false }],
  ["procs_running", { path: "procs_running", u32: true }],
  ["procs_blocked", { path: "procs_blocked", u32: true }],
]);

export interface StatResult {
  stat: Stat;
  stat_cpu: StatCpu[];
  failed: string[];
  outcome: Outcome;
}

interface Columns {
  ticks: CpuTicks;
  /** names of the columns given but garbled */
  bad: string[];
}

/** Reads stat text (latin1 string of the file's bytes). */
export function parseStat(text: string): StatResult {
  const outcome = new Outcome();
  let total: Columns | null = null;
  const cpus: Array<{ cpu: number } & Columns> = [];
  const scalar = new Map<string, U64 | null>(); // path -> value, or null when given but garbled
  let found = false;

  /** The tick columns after a cpu line's key. */
  const columns = (line: Line, keyLength: number): Columns => {
    const given = tokens(line.text.slice(keyLength), line.at + keyLength).slice(0, TICKS.length);
    const ticks = Object.fromEntries(TICKS.map((name) => [name, null])) as Record<string, U64 | null>;
    const bad: string[] = [];
    given.forEach((t, i) => {
      const n = wholeU64(t.text);
      if (n.error) {
        outcome.fail(t.at, n.error);
        bad.push(TICKS[i]);
      } else ticks[TICKS[i]] = u64(n.value);
    });
    if (given.length < REQUIRED_TICKS) outcome.fail(line.at + line.text.length, L.S_BAD_FIELD);
    return { ticks: ticks as unknown as CpuTicks, bad };
  };

  const { lines, cutAt } = splitLines(text);
  for (const line of lines) {
    const key = /^[^ \t\r\v\f]*/.exec(line.text)![0];
    if (key.startsWith("cpu")) {
      if (key === "cpu") {
        found = true;
        total = columns(line, key.length);
      } else if (/^[0-9-]/.test(key.slice(3))) {
        found = true;
        const n = wholeU64(key.slice(3));
        if (n.error || n.value > MAX_CPU_NUMBER) outcome.fail(line.at + 3, n.error || L.S_OVERFLOW); // the line cannot be placed
        else if (cpus.length === L.MAX_CPUS) outcome.fail(line.at, L.S_LIMIT);
        else cpus.push({ cpu: Number(n.value), ...columns(line, key.length) });
      }
      continue;
    }
    const kind = SCALARS.get(key);
    if (!kind) continue;
    found = true;
    const [first] = tokens(line.text.slice(key.length), line.at + key.length);
    const n = wholeU64(first ? first.text : "");
    const error = n.error || (kind.u32 && n.value > U32_MAX ? L.S_OVERFLOW : 0);
    if (error) outcome.fail(first ? first.at : line.at + line.text.length, error);
    scalar.set(kind.path, error ? null : u64(n.value));
  }
  if (cutAt !== null) outcome.fail(cutAt, L.S_TRUNCATED);
  if (!found) outcome.fail(0, L.S_EMPTY);

  const failed: string[] = [];
  if (total) failed.push(...total.bad.map((name) => `stat.cpu_total.${name}`));
  for (const { path } of SCALARS.values()) if (scalar.has(path) && scalar.get(path) === null) failed.push(`stat.${path}`);
  cpus.forEach((c, i) => failed.push(...c.bad.map((name) => `stat_cpu[${i}].${name}`)));
  const value = (path: string): number | null => (scalar.get(path) ?? null) as number | null;
  return {
    stat: {
      cpu_total: total ? total.ticks : null,
      ctxt: scalar.get("ctxt") ?? null,
      btime: scalar.get("btime") ?? null,
      processes: scalar.get("processes") ?? null,
      procs_running: value("procs_running"),
      procs_blocked: value("procs_blocked"),
    },
    stat_cpu: cpus.map((c) => ({ cpu: c.cpu, ...c.ticks })),
    failed,
    outcome,
  };
}

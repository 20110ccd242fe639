// `npm run bench:ingest -- --rates R --perf`: where recvstats' own work goes, by function,
// measured against the bare receiver. Linux perf samples core 0 (cpu-clock, no hardware
// counters needed) in the middle of the bare receiver's step and of recvstats' step at the
// same rate, in the same run; both run with node's --perf-basic-prof, so that JIT code and
// the WASM core have names. What recvstats spends per update in a function beyond what the
// bare receiver spends in it is its own work there: the kernel, libuv and dgram's share
// cancels out, and the machine's speed of the day is in both.

import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../tests/helpers/paths";

/** Samples per second: enough for a fine profile of a step, little for the core to carry. */
const HZ = 1999;

/** Whether perf can sample here (installed, and allowed: root, or perf_event_paranoid low enough). */
export function perfUsable(): string | null {
  try {
    execFileSync("perf", ["record", "-e", "cpu-clock", "-o", "/dev/null", "--", "true"], { stdio: "ignore" });
    return null;
  } catch (err) {
    return `perf cannot record here (${(err as Error).message.split("\n")[0]}): install linux-perf, run as root`;
  }
}

/** Records core 0 into file for seconds, starting after delay seconds (the step's start left out). */
export function recordCore0(file: string, delay: number, seconds: number): Promise<void> {
  const child: ChildProcess = spawn("sh", ["-c", `sleep ${delay} && exec perf record -q -e cpu-clock -F ${HZ} -C 0 -o '${file}' -- sleep ${seconds}`], {
    stdio: "ignore",
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited with ${code}`))));
  });
}

/** The functions of the WASM core in index order, from the text the build writes beside it (the module keeps no names). */
function wasmNames(): string[] {
  const wat = join(ROOT, "build/core.wat");
  if (!existsSync(wat)) return [];
  const text = readFileSync(wat, "utf8");
  const imported = (text.match(/^\s*\(import .*\(func /gm) ?? []).length;
  const names: string[] = Array.from({ length: imported }, (_, i) => `import ${i}`);
  for (const m of text.matchAll(/^\s*\(func \$(\S+)/gm)) names.push(m[1]);
  return names;
}

/** Samples of pid in file, by symbol (WASM functions by their names, JS by its place in the source). */
function samplesOf(file: string, pid: number, names: string[]): Map<string, number> {
  // (perf script prints no symbol without its address)
  const out = execFileSync("perf", ["script", "-i", file, "-F", "pid,ip,sym", "--pid", String(pid)], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const counts = new Map<string, number>();
  for (const line of out.split("\n")) {
    const m = /^\s*\d+\s+[0-9a-f]+\s+(.*)$/.exec(line);
    if (!m) continue;
    let sym = m[1].trim() || "[unknown]";
    const w = /wasm-function\[(\d+)\]/.exec(sym);
    if (w) sym = `wasm ${names[Number(w[1])] ?? `function ${w[1]}`}`;
    else sym = sym.replace(/^JS:[*~^]?/, "js ").replace(/ \/\S+\/build\//, " build/");
    counts.set(sym, (counts.get(sym) ?? 0) + 1);
  }
  return counts;
}

/** The comparison of one rate: totals and the functions where recvstats spends the most beyond the bare receiver. */
export interface PerfDiff {
  rate: number;
  bare_us_per_update: number;
  recvstats_us_per_update: number;
  own_us_per_update: number;
  wasm_us_per_update: number;
  top: Array<{ symbol: string; bare_us: number; recvstats_us: number; own_us: number }>;
}

/**
 * Compares the samples of the bare receiver (pid bare in bareFile) and of recvstats (pid rs
 * in rsFile), each taken over seconds at rate node updates/s, per update.
 */
export function perfDiff(rate: number, seconds: number, bareFile: string, bare: number, rsFile: string, rs: number, top = 25): PerfDiff {
  const names = wasmNames();
  const b = samplesOf(bareFile, bare, names);
  const r = samplesOf(rsFile, rs, names);
  const us = 1e6 / HZ / (rate * seconds); // µs per update of one sample
  const sum = (m: Map<string, number>, f: (s: string) => boolean = () => true): number => [...m].reduce((n, [s, c]) => n + (f(s) ? c : 0), 0);
  const symbols = [...new Set([...b.keys(), ...r.keys()])].sort((x, y) => (r.get(y) ?? 0) - (b.get(y) ?? 0) - ((r.get(x) ?? 0) - (b.get(x) ?? 0)));
  return {
    rate,
    bare_us_per_update: sum(b) * us,
    recvstats_us_per_update: sum(r) * us,
    own_us_per_update: (sum(r) - sum(b)) * us,
    wasm_us_per_update: sum(r, (s) => s.startsWith("wasm ")) * us,
    top: symbols.slice(0, top).map((symbol) => ({
      symbol,
      bare_us: (b.get(symbol) ?? 0) * us,
      recvstats_us: (r.get(symbol) ?? 0) * us,
      own_us: ((r.get(symbol) ?? 0) - (b.get(symbol) ?? 0)) * us,
    })),
  };
}

/** The comparison as the lines the benchmark prints. */
export function perfLines(d: PerfDiff): string[] {
  const f = (x: number): string => x.toFixed(3).padStart(7);
  return [
    `perf, ${d.rate} updates/s, CPU µs per update: bare receiver ${d.bare_us_per_update.toFixed(2)}, recvstats ${d.recvstats_us_per_update.toFixed(2)}: ` +
      `its own work ${d.own_us_per_update.toFixed(2)} (${(d.own_us_per_update / d.bare_us_per_update).toFixed(2)}x the receiving), the WASM core ${d.wasm_us_per_update.toFixed(2)}`,
    "     own    bare  recvstats  function (what recvstats spends beyond the bare receiver, most first)",
    ...d.top.map((t) => `  ${f(t.own_us)} ${f(t.bare_us)} ${f(t.recvstats_us)}  ${t.symbol}`),
  ];
}

// `npm run bench:ingest -- --rates R --perf`: where recvstats' own work goes, by function,
// measured against the bare receiver. Linux perf samples core 0 (cpu-clock, no hardware
// counters needed) in the middle of the bare receiver's step and of recvstats' step at the
// same rate, in the same run; both run with node's --perf-basic-prof, so that JIT code and
// the WASM core have names. What recvstats spends per update in a function beyond what the
// bare receiver spends in it is its own work there: the kernel, libuv and dgram's share
// cancels out, and the machine's speed of the day is in both.
//
// The latency step is sampled too, on the clock of its scheduler trace (CLOCK_MONOTONIC):
// where the reader saw updates wait over 5 ms with recvstats alone on its core (its episodes),
// spanPerf compares recvstats' samples per second there with the rest of the step, by kind of
// code. The kernel's share (receiving the datagrams) counts what arrived; the user-space
// kinds count what handling them cost. Both up alike: more datagrams came. User space up,
// the kernel not: the same datagrams cost more, the same code ran slower.

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

/**
 * Records core 0 into file for seconds, starting after delay seconds (the step's start left
 * out); mono: samples stamped with CLOCK_MONOTONIC, the scheduler trace's clock.
 */
export function recordCore0(file: string, delay: number, seconds: number, mono = false): Promise<void> {
  const clock = mono ? "-k mono " : "";
  const child: ChildProcess = spawn("sh", ["-c", `sleep ${delay} && exec perf record -q ${clock}-e cpu-clock -F ${HZ} -C 0 -o '${file}' -- sleep ${seconds}`], {
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
    const sym = symbolName(m[1], names);
    counts.set(sym, (counts.get(sym) ?? 0) + 1);
  }
  return counts;
}

/** A symbol as perf prints it, named for the reader: WASM functions by their names, JS by its place in the source. */
function symbolName(printed: string, names: string[]): string {
  const sym = printed.trim() || "[unknown]";
  const w = /wasm-function\[(\d+)\]/.exec(sym);
  if (w) return `wasm ${names[Number(w[1])] ?? `function ${w[1]}`}`;
  return sym.replace(/^JS:[*~^]?/, "js ").replace(/ \/\S+\/build\//, " build/");
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

/**
 * What a sample of core 0 ran: recvstats' WASM core, its JS (JIT code and V8's builtins),
 * its other code in user space (node, V8, libuv, libc), the kernel on its behalf (receiving
 * the datagrams, mostly); or not recvstats: the core idle, or another task.
 */
export type SampleKind = "wasm" | "js" | "native" | "kernel" | "idle" | "other";
/** recvstats' own kinds, in the order they are printed. */
export const OWN_KINDS: readonly SampleKind[] = ["wasm", "js", "native", "kernel"];

/** One sample: its time (ms, on the clock it was recorded with), what it ran, and the function. */
export interface TimedSample {
  ms: number;
  kind: SampleKind;
  symbol: string;
}

/**
 * The samples of `perf script -F pid,tid,time,ip,sym,dso` text, each with its kind: pid is
 * recvstats' (all of its threads count as it), pid 0 the idle task; names: the WASM
 * core's functions in index order.
 */
export function parseTimedSamples(text: string, pid: number, names: string[]): TimedSample[] {
  const out: TimedSample[] = [];
  for (const line of text.split("\n")) {
    // "  1234/1240  65622.112709:   7fe0a7bc38b9 malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)"
    const m = /^\s*(\d+)\/\d+\s+([\d.]+):\s+[0-9a-f]+\s+(.*)\s+\(([^()]*)\)\s*$/.exec(line);
    if (!m) continue;
    const [, p, t, printed, dso] = m;
    let kind: SampleKind;
    if (Number(p) !== pid) kind = p === "0" ? "idle" : "other";
    else if (/wasm-function\[/.test(printed)) kind = "wasm";
    else if (dso.startsWith("[kernel")) kind = "kernel";
    else if (/^\s*(JS:|Builtins_)/.test(printed)) kind = "js";
    else kind = "native";
    out.push({ ms: Number(t) * 1000, kind, symbol: symbolName(printed, names) });
  }
  return out;
}

/** recvstats' (pid) samples of core 0 in file, recorded by recordCore0 with mono, in time order. */
export function timedSamples(file: string, pid: number): TimedSample[] {
  const out = execFileSync("perf", ["script", "-i", file, "-F", "pid,tid,time,ip,sym,dso"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return parseTimedSamples(out, pid, wasmNames()).sort((a, b) => a.ms - b.ms);
}

/** Samples per second in some stretches of time against the rest, and their ratio (null: none in the rest). */
export interface Rates {
  window_per_s: number;
  rest_per_s: number;
  ratio: number | null;
}

/** spanPerf's comparison: recvstats' samples per second in windows of time against the rest of the sampled time. */
export interface SpanPerf {
  window_ms: number;
  rest_ms: number;
  /** recvstats' share of core 0 */
  busy_window: number;
  busy_rest: number;
  /** by kind of code (OWN_KINDS) */
  kinds: Array<{ kind: SampleKind } & Rates>;
  /** user-space samples per kernel sample, windows over rest: about 1 when the same code kept its speed */
  user_per_kernel_ratio: number | null;
  /** the functions whose samples per second rose the most */
  risen: Array<{ symbol: string } & Rates>;
}

/**
 * recvstats' samples per second within windows ([from, to] ms pairs, on the samples' clock;
 * overlapping ones count once) against the rest of the sampled time, which runs from the
 * first sample to the last; hz: the sampling rate. Null when either side has no time.
 */
export function spanPerf(samples: readonly TimedSample[], windows: ReadonlyArray<readonly [number, number]>, hz = HZ, risen = 5): SpanPerf | null {
  if (!samples.length) return null;
  const first = samples[0].ms;
  const last = samples[samples.length - 1].ms;
  // the windows clipped to the sampled time, in order, overlaps merged
  const merged: Array<[number, number]> = [];
  for (const [a, b] of [...windows].map(([a, b]) => [Math.max(a, first), Math.min(b, last)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])) {
    const top = merged[merged.length - 1];
    if (top && a <= top[1]) top[1] = Math.max(top[1], b);
    else merged.push([a, b]);
  }
  const windowMs = merged.reduce((n, [a, b]) => n + b - a, 0);
  const restMs = last - first - windowMs;
  if (windowMs <= 0 || restMs <= 0) return null;
  const inside = (ms: number): boolean => merged.some(([a, b]) => ms >= a && ms < b);
  const win = new Map<string, number>();
  const rest = new Map<string, number>();
  const add = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  for (const s of samples) {
    if (s.kind === "idle" || s.kind === "other") continue;
    const m = inside(s.ms) ? win : rest;
    add(m, `kind ${s.kind}`);
    add(m, s.symbol);
  }
  const rates = (key: string): Rates => {
    const w = ((win.get(key) ?? 0) * 1000) / windowMs;
    const r = ((rest.get(key) ?? 0) * 1000) / restMs;
    return { window_per_s: w, rest_per_s: r, ratio: r ? w / r : null };
  };
  const kinds = OWN_KINDS.map((kind) => ({ kind, ...rates(`kind ${kind}`) }));
  const sum = (m: Map<string, number>, f: (k: SampleKind) => boolean): number => OWN_KINDS.filter(f).reduce((n, k) => n + (m.get(`kind ${k}`) ?? 0), 0);
  const user = (m: Map<string, number>): number => sum(m, (k) => k !== "kernel");
  const kernel = (m: Map<string, number>): number => sum(m, (k) => k === "kernel");
  const perKernel = (m: Map<string, number>): number | null => (kernel(m) ? user(m) / kernel(m) : null);
  const pw = perKernel(win);
  const pr = perKernel(rest);
  const symbols = [...new Set([...win.keys(), ...rest.keys()])].filter((k) => !k.startsWith("kind "));
  return {
    window_ms: windowMs,
    rest_ms: restMs,
    busy_window: (sum(win, () => true) * 1000) / hz / windowMs,
    busy_rest: (sum(rest, () => true) * 1000) / hz / restMs,
    kinds,
    user_per_kernel_ratio: pw !== null && pr ? pw / pr : null,
    risen: symbols
      .map((symbol) => ({ symbol, ...rates(symbol) }))
      .sort((a, b) => b.window_per_s - b.rest_per_s - (a.window_per_s - a.rest_per_s))
      .slice(0, risen),
  };
}

/** spanPerf's comparison in words, for a line of the benchmark's output. */
export function spanPerfText(p: SpanPerf): string {
  const x = (r: number | null): string => (r === null ? "-" : `${r.toFixed(2)}x`);
  const short = (s: string): string => s.replace(/^wasm assembly\/(\S+\/)*/, "").replace(/^js (\S+) .*$/, "$1");
  return (
    `recvstats ${(100 * p.busy_window).toFixed(0)}% of core 0 (${(100 * p.busy_rest).toFixed(0)}% in the rest of the step); samples/s against the rest: ` +
    p.kinds.map((k) => `${k.kind === "wasm" ? "WASM" : k.kind === "js" ? "JS" : k.kind} ${x(k.ratio)}`).join(", ") +
    `; user space per kernel sample ${x(p.user_per_kernel_ratio)}; most risen: ` +
    p.risen.slice(0, 3).map((r) => `${short(r.symbol)} ${x(r.ratio)}`).join(", ")
  );
}

// The perf samples that bench:ingest --perf takes of core 0 through its latency step
// (bench/perfdiff.ts): perf script's lines sorted into kinds of code, the samples per second
// of a stretch of time compared with the rest, and, as root with perf, a real recording of a
// process that spends one stretch in user space and the next in the kernel, which the
// comparison must tell apart.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { TimedSample, parseTimedSamples, perfUsable, recordCore0, spanPerf, timedSamples } from "../../bench/perfdiff";

// samples as `perf script -F pid,tid,time,ip,sym,dso` prints them: the idle task, another
// task, and recvstats (pid 300) in its WASM core, JIT code, a builtin, libc and the kernel
const TEXT = `    0/0     65622.112709:  ffffffff821f4dab pv_native_safe_halt ([kernel.kallsyms])
   77/77    65622.113209:  ffffffff8112aa10 damon_pa_check_accesses ([kernel.kallsyms])
  300/300   65622.113709:      3aa52979fb22 JS:wasm-function[2]-2-turbofan (/tmp/perf-300.map)
  300/300   65622.114209:      3aa52979fc00 JS:*onDatagram /srv/recvstats/build/recvstats.js:1735:13 (/tmp/perf-300.map)
  300/300   65622.114709:           13a27ed Builtins_CreateTypedArray (/usr/bin/node)
  300/305   65622.115209:      7fe0a7bc38b9 _int_free (/usr/lib/x86_64-linux-gnu/libc.so.6)
  300/300   65622.115709:  ffffffff81c4e2a0 _copy_to_iter ([kernel.kallsyms])
  300/300   65622.116209:           13a27ed v8::internal::LookupIterator::NextInternal<false> (/usr/bin/node)
not a sample line
`;

test("perf script's lines become timed samples, each of its kind", () => {
  const s = parseTimedSamples(TEXT, 300, ["import 0", "assembly/scan/readU64", "assembly/scan/digitFields"]);
  assert.deepEqual(
    s.map((x) => [x.kind, x.symbol]),
    [
      ["idle", "pv_native_safe_halt"],
      ["other", "damon_pa_check_accesses"],
      ["wasm", "wasm assembly/scan/digitFields"],
      ["js", "js onDatagram build/recvstats.js:1735:13"],
      ["js", "Builtins_CreateTypedArray"],
      ["native", "_int_free"], // another of recvstats' threads counts as recvstats
      ["kernel", "_copy_to_iter"],
      ["native", "v8::internal::LookupIterator::NextInternal<false>"],
    ],
  );
  assert.equal(Math.round(s[0].ms * 1000), 65622112709);
  assert.equal(Math.round((s[7].ms - s[0].ms) * 1000), 3500); // µs: seconds became milliseconds
});

/** n samples of kind at even steps over [from, to) ms. */
function even(kind: TimedSample["kind"], symbol: string, from: number, to: number, n: number): TimedSample[] {
  return Array.from({ length: n }, (_, i) => ({ ms: from + ((to - from) * i) / n, kind, symbol }));
}

test("a window's samples per second against the rest's: by kind, per kernel sample, the most risen functions", () => {
  // 1 s sampled at 1000 Hz: the kernel receives at the same rate throughout, the WASM core
  // takes 1.5 times the samples per second in [400, 600), the core idle for the rest
  const samples = [
    ...even("kernel", "udp_recvmsg", 0, 1000, 100),
    ...even("wasm", "wasm digitFields", 0, 400, 80),
    ...even("wasm", "wasm digitFields", 400, 600, 60),
    ...even("wasm", "wasm digitFields", 600, 1000, 80),
    ...even("js", "js onDatagram", 0, 1000, 50),
    ...even("idle", "halt", 0, 1000, 500),
    ...even("other", "agent", 999, 1000, 1),
  ].sort((a, b) => a.ms - b.ms);
  const p = spanPerf(samples, [[400, 500], [450, 600], [-50, -10]], 1000)!;
  assert.ok(p);
  const last = samples[samples.length - 1].ms;
  assert.equal(p.window_ms, 200); // overlapping windows once, one outside the samples not at all
  assert.equal(p.rest_ms, last - 200);
  const kind = (k: string): number | null => p.kinds.find((x) => x.kind === k)!.ratio;
  assert.ok(Math.abs(kind("wasm")! - 1.5) < 0.02, `wasm ${kind("wasm")}`);
  assert.ok(Math.abs(kind("kernel")! - 1) < 0.05, `kernel ${kind("kernel")}`);
  assert.ok(Math.abs(kind("js")! - 1) < 0.05, `js ${kind("js")}`);
  assert.equal(kind("native"), null); // none in the rest
  // user space per kernel sample: (60 + 10) / 20 in the window against (160 + 40) / 80
  assert.ok(Math.abs(p.user_per_kernel_ratio! - 3.5 / 2.5) < 0.001, `per kernel ${p.user_per_kernel_ratio}`);
  assert.equal(p.risen[0].symbol, "wasm digitFields");
  // busy: 90 of recvstats' samples in 200 ms at 1000 Hz, 280 in the rest; idle and other tasks left out
  assert.ok(Math.abs(p.busy_window - 0.45) < 0.001, `busy ${p.busy_window}`);
  assert.ok(Math.abs(p.busy_rest - 280 / p.rest_ms) < 0.001, `busy in the rest ${p.busy_rest}`);
  // no window within the samples, or no time left beside it: nothing to compare
  assert.equal(spanPerf(samples, [[2000, 3000]], 1000), null);
  assert.equal(spanPerf(samples, [[-1, 2000]], 1000), null);
  assert.equal(spanPerf([], [[0, 1]], 1000), null);
  // a window without one kernel sample has no ratio per kernel sample, and its kernel rate is 0
  const userOnly = [...even("js", "js f", 0, 1000, 100), ...even("kernel", "udp_recvmsg", 500, 1000, 50)].sort((a, b) => a.ms - b.ms);
  const u = spanPerf(userOnly, [[0, 400]], 1000)!;
  assert.equal(u.user_per_kernel_ratio, null);
  assert.equal(u.kinds.find((x) => x.kind === "kernel")!.window_per_s, 0);
});

const perfHere = process.getuid?.() === 0 && perfUsable() === null;

test("a real recording tells a stretch in the kernel from one in user space", { skip: perfHere ? false : "needs root and perf" }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "perfdiff-test-"));
  const file = join(dir, "core0.data");
  try {
    const recorded = recordCore0(file, 0, 2.5, true);
    await new Promise((r) => setTimeout(r, 400)); // perf has started
    // on core 0: 400 ms of JS arithmetic, then 400 ms of reading /dev/zero (the kernel fills
    // the buffer); it prints where each began and ended, on CLOCK_MONOTONIC (hrtime's clock)
    const script = `
      const { openSync, readSync } = require("node:fs");
      const now = () => Number(process.hrtime.bigint()) / 1e6;
      const t = [now()];
      let x = 0;
      while (now() - t[0] < 400) for (let i = 0; i < 1e5; i++) x = (x * 31 + i) | 0;
      t.push(now());
      const fd = openSync("/dev/zero", "r"), buf = Buffer.alloc(1 << 20);
      while (now() - t[1] < 400) readSync(fd, buf);
      t.push(now());
      console.log(JSON.stringify({ t, x }));`;
    // (in dir: --perf-basic-prof writes V8's log, isolate-*.log, where it runs)
    const child = spawn("taskset", ["-c", "0", process.execPath, "--perf-basic-prof", "-e", script], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    assert.equal(await new Promise((r) => child.once("exit", r)), 0);
    await recorded;
    const [user0, kernel0, kernel1] = JSON.parse(out).t as number[];
    const samples = timedSamples(file, child.pid!);
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
    assert.ok(samples.some((s) => s.kind === "js"), "the child's JIT code is named");
    const inKernel = spanPerf(samples, [[kernel0, kernel1]])!;
    const inUser = spanPerf(samples, [[user0, kernel0]])!;
    assert.ok(inKernel.busy_window > 0.8 && inUser.busy_window > 0.8, `busy ${inKernel.busy_window} ${inUser.busy_window}`);
    // most of each stretch's samples (at 1999 Hz) are of its kind, several times the rest's rate
    const kernel = inKernel.kinds.find((x) => x.kind === "kernel")!;
    const js = inUser.kinds.find((x) => x.kind === "js")!;
    assert.ok(kernel.window_per_s > 1000 && kernel.window_per_s > 3 * kernel.rest_per_s, `kernel samples/s in the kernel's stretch: ${JSON.stringify(kernel)}`);
    assert.ok(js.window_per_s > 1000 && js.window_per_s > 3 * js.rest_per_s, `JS samples/s in the arithmetic: ${JSON.stringify(js)}`);
    // user space per kernel sample: below 1 in the kernel's stretch; above 1 in the
    // arithmetic's, or no ratio at all when not one kernel sample fell in it (CI saw that)
    const userKernel = inUser.kinds.find((x) => x.kind === "kernel")!;
    const userRatioOk = inUser.user_per_kernel_ratio === null ? userKernel.window_per_s === 0 : inUser.user_per_kernel_ratio > 1;
    assert.ok(inKernel.user_per_kernel_ratio! < 1 && userRatioOk, `${inKernel.user_per_kernel_ratio} ${inUser.user_per_kernel_ratio} ${JSON.stringify(userKernel)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The scheduler trace that bench:ingest takes of core 0 in its latency step
// (bench/sched-trace.ts): the kernel's sched_switch lines parsed into runs, the runs summed
// over a stretch of time and merged into holds, and, as root with tracefs, a real trace
// that must show a busy process pinned to the core for the CPU time it spent there. And,
// as root, which threads of a process run at real-time priority (the latency reader's main
// thread alone must).

import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { Run, SchedTrace, holds, parseSwitches, realtimeThreads, split } from "../../bench/sched-trace";

// three switches as the kernel prints them (trace_clock mono), one comm with a space in it
const TEXT = `# tracer: nop
#
# entries-in-buffer/entries-written: 3/3   #P:2
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
            node-100     [000] d..2. 1000.000000: sched_switch: prev_comm=node prev_pid=100 prev_prio=120 prev_state=R+ ==> next_comm=tokio-rt-worker next_pid=7 next_prio=110
 tokio-rt-worker-7       [000] d..2. 1000.012500: sched_switch: prev_comm=tokio-rt-worker prev_pid=7 prev_prio=110 prev_state=S ==> next_comm=my prog next_pid=8 next_prio=120
         my prog-8       [000] d..2. 1000.013000: sched_switch: prev_comm=my prog prev_pid=8 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
          <idle>-0       [000] d..2. 1000.020000: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=node next_pid=100 next_prio=120
`;

test("sched_switch lines become the runs between them, in milliseconds", () => {
  const runs = parseSwitches(TEXT);
  assert.equal(runs.length, 3);
  assert.deepEqual(
    runs.map((r) => [r.comm, r.pid, Math.round((r.end - r.start) * 1000) / 1000]),
    [
      ["tokio-rt-worker", 7, 12.5],
      ["my prog", 8, 0.5],
      ["swapper/0", 0, 7],
    ],
  );
  assert.equal(runs[0].start, 1_000_000);
});

const own = (pid: number): boolean => pid === 100;
const RUNS: Run[] = [
  { start: 0, end: 10, pid: 100, comm: "node" },
  { start: 10, end: 13, pid: 7, comm: "agent" },
  { start: 13, end: 14, pid: 8, comm: "kworker" },
  { start: 14, end: 20, pid: 0, comm: "swapper/0" },
  { start: 20, end: 21, pid: 7, comm: "agent" },
  { start: 21, end: 30, pid: 100, comm: "node" },
];

test("a stretch of time is split into own work, idle and the other tasks, clipped at its ends", () => {
  const s = split(RUNS, 5, 25, own);
  assert.equal(s.own, 5 + 4);
  assert.equal(s.idle, 6);
  assert.equal(s.other, 3 + 1 + 1);
  assert.deepEqual(s.others, [
    { task: "agent/7", ms: 4 },
    { task: "kworker/8", ms: 1 },
  ]);
  assert.deepEqual(s.owns, [{ task: "node/100", ms: 9 }]);
});

test("holds: other tasks back to back are one hold, broken by own work or idle; short ones are left out", () => {
  const h = holds(RUNS, own, 2);
  assert.deepEqual(h, [{ start: 10, ms: 4, task: "agent/7" }]);
  assert.equal(holds(RUNS, own, 0.5).length, 2);
});

const tracefs = ["/sys/kernel/tracing/instances", "/sys/kernel/debug/tracing/instances"].some(existsSync);

test("a real trace of core 0 shows a busy process pinned there, for the CPU time it spent", { skip: process.getuid?.() !== 0 || !tracefs ? "needs root and tracefs" : false }, async () => {
  const name = `sched-trace-test-${process.pid}`;
  const t = SchedTrace.start([0], name);
  assert.ok(t instanceof SchedTrace, String(t));
  // 60 ms of CPU time on core 0, however the core is shared meanwhile
  const child = spawn("taskset", ["-c", "0", process.execPath, "-e", "const s = process.cpuUsage(); while (process.cpuUsage(s).user < 60000);"], { stdio: "ignore" });
  const code = await new Promise((r) => child.once("exit", r));
  assert.equal(code, 0);
  const { runs: byCore, overran } = t.stop();
  const runs = byCore.get(0)!;
  assert.equal(overran, false);
  assert.ok(runs.length > 0);
  const s = split(runs, runs[0].start, runs[runs.length - 1].end, () => false);
  const busy = s.others.find((o) => o.task === `node/${child.pid}`);
  assert.ok(busy && busy.ms >= 55, `the busy process on core 0: ${JSON.stringify(s.others.slice(0, 5))}`);
  // the trace's instance is gone: the machine's tracing is as it was
  assert.equal(existsSync(`/sys/kernel/tracing/instances/${name}`) || existsSync(`/sys/kernel/debug/tracing/instances/${name}`), false);
});

/** Starts node running for 2 s (optionally under a command, such as chrt) and resolves with it once its script runs. */
async function idleNode(prefix: string[]): Promise<ChildProcess> {
  const argv = [...prefix, process.execPath, "-e", "console.log('up'); setTimeout(() => {}, 2000)"];
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", () => reject(new Error(`${argv.join(" ")} exited`)));
  });
  return child;
}

test("realtimeThreads: a policy given once node runs stays with its main thread; given at its start, every thread has it", { skip: process.getuid?.() !== 0 ? "needs root" : false }, async () => {
  // the benchmark's latency reader: chrt -p on the running process
  const later = await idleNode([]);
  assert.deepEqual(realtimeThreads(later.pid!), []);
  execFileSync("chrt", ["-f", "-p", "5", String(later.pid)]); // (a priority unlike any policy number)
  assert.deepEqual(realtimeThreads(later.pid!), [later.pid]);
  later.kill();
  // what the reader had until runs Z: the policy in place before node made its threads
  const early = await idleNode(["chrt", "-r", "5"]); // SCHED_RR counts too
  const rt = realtimeThreads(early.pid!);
  assert.ok(rt.includes(early.pid!) && rt.length > 1, `threads at real-time priority: ${rt.length}`);
  early.kill();
});

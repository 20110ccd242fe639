// The gate bench:ingest's steps pass (bench/speed-gate.ts), driven by scripted probe readings
// and a clock that only the pauses move: a step waits while the machine reads more than
// `slow` over its usual speed, in any of the probe's measures, and starts as soon as it reads
// within it in all; the waits are bounded
// per step and per run; the usual speed is the median of the readings steps started on, so a
// lasting change of speed becomes the usual one.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SpeedGate } from "../../bench/speed-gate";

/** A gate whose probe answers readings in order (a number: one measure), each pause a second of its clock. */
function scripted(readings: (number | number[])[], o: { waitMs?: number; totalMs?: number } = {}): { gate: SpeedGate; probes: () => number; left: () => number } {
  let t = 0;
  let probes = 0;
  const queue = [...readings];
  const gate = new SpeedGate({
    slow: 0.05,
    waitMs: o.waitMs ?? 10_000,
    totalMs: o.totalMs ?? 60_000,
    probe: async () => {
      probes++;
      const r = queue.shift();
      if (r === undefined) throw new Error("the gate probed more often than the script has readings");
      return typeof r === "number" ? [r] : r;
    },
    pause: async () => {
      t += 1000;
    },
    now: () => t,
  });
  return { gate, probes: () => probes, left: () => queue.length };
}

test("a step on a machine at its usual speed (within 5%) starts at once, on one reading", async () => {
  const { gate, probes } = scripted([8, 7.9, 8, 8.2, 8.4]);
  await gate.calibrate(3);
  assert.deepEqual(gate.usualUs(), [8]);
  const first = await gate.before();
  assert.deepEqual(first, { us: [8.2], first: [8.2], usualUs: [8], waitedMs: 0, ranSlow: false });
  // the usual speed is still 8 (the upper median of 7.9, 8, 8, 8.2), and 8.4 is exactly 5% over it: not over it
  const second = await gate.before();
  assert.equal(second.waitedMs, 0);
  assert.equal(second.ranSlow, false);
  assert.equal(probes(), 5);
  assert.equal(gate.stepsWaited, 0);
  assert.equal(gate.waitedMs, 0);
});

test("a step on a slow machine waits, probing again after each pause, until it reads usual", async () => {
  const { gate, left } = scripted([8, 8, 8, 10, 9.6, 8.5, 8.3, 8.1]);
  await gate.calibrate(3);
  const r = await gate.before();
  // 10, 9.6 and 8.5 are over 8.4; 8.3 is not: three pauses of a second
  assert.deepEqual(r, { us: [8.3], first: [10], usualUs: [8], waitedMs: 3000, ranSlow: false });
  assert.equal(gate.stepsWaited, 1);
  assert.equal(gate.waitedMs, 3000);
  assert.equal(gate.stepsRanSlow, 0);
  // the next step starts on its first reading: the usual speed now includes 8.3
  assert.equal((await gate.before()).waitedMs, 0);
  assert.equal(left(), 0);
});

test("a step waits at most waitMs, then starts on the slow machine and says so", async () => {
  const { gate } = scripted([8, 8, 8, 12, 12, 12, 12, 12], { waitMs: 3000 });
  await gate.calibrate(3);
  const r = await gate.before();
  assert.equal(r.waitedMs, 3000);
  assert.deepEqual(r.us, [12]);
  assert.equal(r.ranSlow, true);
  assert.equal(gate.stepsRanSlow, 1);
  assert.equal(gate.stepsWaited, 1);
});

test("once a run has waited totalMs in all, later steps start without waiting, counted as slow", async () => {
  const { gate, probes } = scripted([8, 8, 8, 12, 12, 12, 8, 12, 12], { waitMs: 5000, totalMs: 2000 });
  await gate.calibrate(3);
  const first = await gate.before(); // waits its two seconds, the run's whole allowance
  assert.equal(first.waitedMs, 2000);
  assert.equal(first.ranSlow, true);
  const second = await gate.before(); // the usual speed, at once
  assert.equal(second.waitedMs, 0);
  const third = await gate.before(); // slow, with nothing left to wait
  assert.deepEqual(third, { us: [12], first: [12], usualUs: [8], waitedMs: 0, ranSlow: true });
  assert.equal(gate.stepsRanSlow, 2);
  assert.equal(gate.waitedMs, 2000);
  assert.equal(probes(), 8);
});

test("a lasting slowdown becomes the usual speed: once most readings are slow, steps stop waiting", async () => {
  // calibrated at 8; from then on the machine reads 10, and each step waits its one second
  const readings = [8, 8, 8];
  for (let i = 0; i < 8; i++) readings.push(10, 10);
  const { gate } = scripted(readings, { waitMs: 1000 });
  await gate.calibrate(3);
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) waits.push((await gate.before()).waitedMs);
  // three slow readings against three usual: the median (the upper of an even count) is 10
  assert.deepEqual(waits, [1000, 1000, 1000, 0, 0]);
  assert.deepEqual(gate.usualUs(), [10]);
});

test("a faster machine never waits", async () => {
  const { gate } = scripted([8, 8, 8, 6, 5, 7]);
  await gate.calibrate(3);
  for (let i = 0; i < 3; i++) assert.equal((await gate.before()).waitedMs, 0);
  assert.equal(gate.stepsRanSlow, 0);
});

test("with two measures, either one reading slow holds a step back, each against its own usual", async () => {
  // the parse steady at 8 µs, the receive path at 2 µs: then the receive path 8% slower for two readings
  const { gate, left } = scripted([[8, 2], [8, 2], [8, 2], [8.1, 2.16], [8, 2.16], [8.2, 2.05], [9, 2], [9, 2], [9, 2]], { waitMs: 2000 });
  await gate.calibrate(3);
  const r = await gate.before();
  assert.deepEqual(r, { us: [8.2, 2.05], first: [8.1, 2.16], usualUs: [8, 2], waitedMs: 2000, ranSlow: false });
  // and the parse 12.5% slow, the receive path usual: it waits its two seconds and starts slow
  const s = await gate.before();
  assert.equal(s.ranSlow, true);
  assert.equal(s.waitedMs, 2000);
  assert.deepEqual(s.usualUs, [8, 2]);
  assert.equal(left(), 0);
});

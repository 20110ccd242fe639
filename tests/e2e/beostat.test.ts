// The shipped build/beostat.js run as a user runs it: --proc-root on real captures, its
// --json output read back with a BigInt-aware parser and checked against the capture text,
// and the exit statuses of help, version, usage errors and runtime errors.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "../../src/json";
import type { NodeStatus } from "../../src/record";
import { FIXTURES, bundle } from "../helpers/paths";

const run = (...args: string[]) => spawnSync(process.execPath, [bundle("beostat"), ...args], { encoding: "utf8" });

test("beostat --proc-root --json shows a capture's values", () => {
  const dir = join(FIXTURES, "procfs-x86_64-8cpu");
  const r = run("--proc-root", dir, "--json");
  assert.equal(r.status, 0, r.stderr);
  const [node] = parse(r.stdout) as NodeStatus[];
  const meminfo = readFileSync(join(dir, "meminfo"), "latin1");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(meminfo)![1]) * 1024;
  assert.equal(node.meminfo!.total, kb("MemTotal"));
  assert.equal(node.meminfo!.mem.free, kb("MemFree"));
  assert.equal(node.meminfo!.mem.used, kb("MemTotal") - kb("MemFree"));
  const cpuinfo = readFileSync(join(dir, "cpuinfo"), "latin1");
  assert.equal(node.cpu_count, cpuinfo.match(/^processor\s*:/gm)!.length);
  const [l1, l5, l15, procs, pid] = readFileSync(join(dir, "loadavg"), "latin1").trim().split(/\s+/);
  assert.deepEqual(node.loadavg!.load, [Number(l1), Number(l5), Number(l15)]);
  assert.equal(`${node.loadavg!.num_active_procs}/${node.loadavg!.total_procs}`, procs);
  assert.equal(node.loadavg!.last_pid, Number(pid));
  const stat = readFileSync(join(dir, "stat"), "latin1");
  assert.equal(node.stat_cpu!.length, stat.match(/^cpu\d+ /gm)!.length);
  assert.deepEqual(node.failed, []);
});

test("beostat --json prints counters above 2^53 exactly", () => {
  const r = run("--proc-root", join(FIXTURES, "procfs-x86_64-8cpu"), "--json", "-N");
  assert.equal(r.status, 0, r.stderr);
  const dev = readFileSync(join(FIXTURES, "procfs-x86_64-8cpu/net/dev"), "latin1");
  const [node] = parse(r.stdout) as NodeStatus[];
  for (const d of node.net_dev!) {
    const line = dev.split("\n").find((l) => l.trim().startsWith(`${d.name}:`))!;
    const fields = line.slice(line.lastIndexOf(":") + 1).trim().split(/\s+/);
    assert.equal(String(d.recv.bytes), fields[0]);
    assert.equal(String(d.trans.bytes), fields[8]);
  }
});

test("beostat text output names each section", () => {
  const r = run("--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18"));
  assert.equal(r.status, 0, r.stderr);
  for (const word of ["cpuinfo:", "meminfo:", "loadavg:", "net/dev:", "stat:"]) assert.ok(r.stdout.includes(word), word);
  const only = run("--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18"), "-L");
  assert.ok(only.stdout.includes("loadavg:"));
  assert.ok(!only.stdout.includes("meminfo:"));
});

test("beostat -h and -v print to stdout and exit 0", () => {
  const h = run("-h");
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^Usage: beostat /);
  const v = run("--version");
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^beostat \d+\.\d+\.\d+\n$/);
});

test("a bad option prints usage and exits 2; a missing directory exits 1 with one line", () => {
  const bad = run("--no-such-option");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --no-such-option/);
  assert.match(bad.stderr, /Usage: beostat/);
  const missing = run("--proc-root", "/nonexistent/proc");
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split("\n").length, 1);
});

// libbeostat's calls against a status file published from fixture machines, with every
// expected value worked out here from the fixture text (not from the code under test);
// then beostat's shm mode, run as the shipped bundle against the same file.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "../../src/json";
import { openBeostat } from "../../src/libbeostat";
import { parseMachine } from "../../src/machine";
import { readProcRoot } from "../../src/proc";
import type { NodeStatus } from "../../src/record";
import { SHM_FILE, ShmWriter } from "../../src/shm";
import { Core } from "../../src/wasm";
import { FIXTURES, bundle } from "../helpers/paths";

const DOWN_AFTER_MS = 60_000;
const top = mkdtempSync(join(tmpdir(), "recvstats-libbeostat-"));
after(() => rmSync(top, { recursive: true, force: true }));

const fixture = (machine: string, file: string): string => readFileSync(join(FIXTURES, machine, file), "latin1");
const KVM = "kvm-x86_64-2cpu-linux6.18";
const T0 = "sysstat-x86_64-t0";
const T1 = "sysstat-x86_64-t1-cpu6-offline";
const HP = "hp-bl920gen8-x86_64-480cpu";
const PROCFS = "procfs-x86_64-8cpu";

/** The columns of each `cpu`/`cpuN` line of a stat file, by N (-1 for the aggregate). */
function statLines(text: string): Map<number, number[]> {
  const lines = new Map<number, number[]>();
  for (const m of text.matchAll(/^cpu(\d*) +(.*)$/gm)) lines.set(m[1] === "" ? -1 : Number(m[1]), m[2].trim().split(/\s+/).map(Number));
  return lines;
}

/** 1 - Δ(idle+iowait)/Δ(user..steal) between two stat lines; null when a counter went back or nothing moved. */
function busy(a: number[], b: number[]): number | null {
  let total = 0;
  for (let i = 0; i < 8; i++) {
    if (b[i] < a[i]) return null;
    total += b[i] - a[i];
  }
  return total === 0 ? null : 1 - (b[3] - a[3] + b[4] - a[4]) / total;
}

/** The expected busy share of each CPU of node 0 (t0 then t1), by N; -1 the aggregate. */
function expectedUsage(): Map<number, number | null> {
  const t0 = statLines(fixture(T0, "stat"));
  const usage = new Map<number, number | null>();
  for (const [n, cols] of statLines(fixture(T1, "stat"))) usage.set(n, t0.has(n) ? busy(t0.get(n)!, cols) : null);
  return usage;
}

/** A net/dev text with every interface's rx bytes raised by rx and tx bytes by tx. */
function netDevPlus(text: string, rx: number, tx: number): string {
  return text
    .split("\n")
    .map((line) => {
      const colon = line.lastIndexOf(":");
      if (colon < 0 || line.includes("|")) return line;
      const f = line.slice(colon + 1).trim().split(/\s+/);
      f[0] = String(Number(f[0]) + rx);
      f[8] = String(Number(f[8]) + tx);
      return `${line.slice(0, colon + 1)} ${f.join(" ")}`;
    })
    .join("\n");
}

const NOW = Date.now();
const DISK = { total: 500107862016, free: 123456789012 };
const NET_DT_MS = 5000;

/**
 * node -1: kvm (one sample); 0: sysstat t0 then t1; 1: the 480-CPU machine (no meminfo);
 * 2: procfs 8cpu with two net/dev samples and a statfs; 3: t0 then t1, silent too long
 * (down); 4: only a loadavg.
 */
function cluster(): Core {
  const core = new Core(16);
  const L = core.layout;
  const machine = (node: number, name: string, sampleMs: number): void => void parseMachine(core, readProcRoot(join(FIXTURES, name)), node, sampleMs);
  machine(-1, KVM, 1000);
  machine(0, T0, 1000);
  machine(0, T1, 11000);
  machine(1, HP, 1000);
  machine(2, PROCFS, 1000);
  const dev = fixture(PROCFS, "net/dev");
  parseMachine(core, { "net/dev": Buffer.from(netDevPlus(dev, 1000, 500)) }, 2, 1000 + NET_DT_MS);
  // statfs is not a /proc file: the wire decoder fills it into the parse record, as here
  const pr = core.parseRecord();
  const dv = new DataView(core.memory().buffer);
  dv.setBigUint64(pr + L.NODE_DISK_TOTAL, BigInt(DISK.total), true);
  dv.setBigUint64(pr + L.NODE_DISK_FREE, BigInt(DISK.free), true);
  const bits = (1n << BigInt(L.F_DISK)) | (1n << BigInt(L.F_DISK + 1)) | (1n << BigInt(L.F_SECTION + L.SEC_STATFS));
  dv.setBigUint64(pr + L.NODE_PRESENT, dv.getBigUint64(pr + L.NODE_PRESENT, true) | bits, true);
  assert.equal(core.commit(2, ["statfs"]), 0);
  machine(3, T0, 1000);
  machine(3, T1, 11000);
  parseMachine(core, { loadavg: readFileSync(join(FIXTURES, KVM, "loadavg")) }, 4, 1000);
  for (const n of [-1, 0, 1, 2, 4]) stamp(core, n, NOW);
  stamp(core, 3, NOW - 2 * DOWN_AFTER_MS);
  return core;
}

/** Sets a record's receive time and down-after in WASM memory, as the wire decoder does on receive. */
function stamp(core: Core, node: number, timeMs: number): void {
  const dv = new DataView(core.memory().buffer);
  const rec = core.tableBase() + core.tableRecord(node);
  dv.setFloat64(rec + core.layout.NODE_TIME, timeMs, true);
  dv.setUint32(rec + core.layout.NODE_DOWN_AFTER, DOWN_AFTER_MS, true);
}

const NODES = [-1, 0, 1, 2, 3, 4];
let dirs = 0;
/** A directory with the cluster published by a live collector. */
function publish(core: Core, nodes = NODES): { dir: string; writer: ShmWriter } {
  const dir = join(top, `d${++dirs}`);
  const writer = ShmWriter.create(dir, core.layout, { maxBytes: 1 << 30 });
  writer.publishHeader(core.memory(), core.tableBase());
  for (const n of nodes) writer.publishNode(core.memory(), core.tableBase(), core.tableRecord(n));
  writer.setHostFields({ pid: process.pid, heartbeatMs: Date.now(), startedMs: NOW });
  return { dir, writer };
}

const { dir, writer } = publish(cluster());
const bs = openBeostat(dir);
/** Keeps the collector alive for the tests that look at `up` (its heartbeat counts for 5 s). */
const beat = (): void => writer.setHostFields({ heartbeatMs: Date.now() });
after(() => {
  bs.close();
  writer.close();
});

test("getCpuCount and getMHz give cpuinfo's CPU count and first clock", () => {
  assert.equal(bs.getCpuCount(-1), fixture(KVM, "cpuinfo").match(/^processor\s*:/gm)!.length);
  assert.equal(bs.getCpuCount(1), fixture(HP, "cpuinfo").match(/^processor\s*:/gm)!.length);
  assert.equal(bs.getMHz(-1), Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(fixture(KVM, "cpuinfo"))![1]));
  assert.equal(bs.getMHz(1), Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(fixture(HP, "cpuinfo"))![1]));
});

test("getStatCpu gives a CPU's ticks by its number, the aggregate when the CPU is omitted or -1", () => {
  const t1 = statLines(fixture(T1, "stat"));
  const ticks = (cols: number[]) => ({
    user: cols[0], nice: cols[1], system: cols[2], idle: cols[3], iowait: cols[4], irq: cols[5], softirq: cols[6], steal: cols[7],
  });
  assert.deepEqual(bs.getStatCpu(0, 3), ticks(t1.get(3)!));
  assert.deepEqual(bs.getStatCpu(0, 7), ticks(t1.get(7)!), "found by its number, not its position (cpu6 is offline)");
  assert.deepEqual(bs.getStatCpu(0), ticks(t1.get(-1)!));
  assert.deepEqual(bs.getStatCpu(0, -1), ticks(t1.get(-1)!));
  assert.equal(bs.getStatCpu(0, 6), null, "offline in the last sample");
  assert.equal(bs.getStatCpu(0, 8), null);
});

test("getCpuPercent is 1 - Δ(idle+iowait)/Δtotal over the last two samples", () => {
  const usage = expectedUsage();
  for (const [cpu, want] of usage) {
    const got = cpu === -1 ? bs.getCpuPercent(0) : bs.getCpuPercent(0, cpu);
    if (want === null) assert.equal(got, null, `cpu ${cpu}`);
    else assert.ok(got !== null && Math.abs(got - want) <= 0.00005 + 1e-12, `cpu ${cpu}: ${got} vs ${want}`);
  }
  assert.ok([...usage.values()].filter((u) => u !== null).length >= 6, "the samples give most CPUs a usage");
  assert.equal(bs.getCpuPercent(0, 6), null, "offline in the last sample");
  assert.equal(bs.getCpuPercent(-1, 0), null, "one sample: unknown, not zero");
  assert.equal(bs.getCpuPercent(-1), null);
});

test("countIdleCpus counts CPUs of up nodes below the threshold; CPUs of unknown usage are not counted", () => {
  beat();
  const usage = [...expectedUsage()].filter(([cpu]) => cpu >= 0).map(([, u]) => u);
  const below = (threshold: number): number => usage.filter((u) => u !== null && u < threshold).length;
  for (const threshold of [0, 0.05, 0.5, 0.9, 1.01]) {
    // node 0 alone: node 3 has the same samples but is down, the others have one sample
    assert.equal(bs.countIdleCpus(threshold), below(threshold), `threshold ${threshold}`);
    assert.equal(bs.countIdleCpusOnNode(0, threshold), below(threshold), `threshold ${threshold}`);
  }
  assert.ok(below(1.01) > below(0.05), "the thresholds tell CPUs apart");
  assert.equal(bs.countIdleCpusOnNode(3, 1.01), 0, "a down node offers no CPU");
  assert.equal(bs.countIdleCpusOnNode(1, 1.01), 0, "480 CPUs of unknown usage");
  assert.equal(bs.countIdleCpusOnNode(4, 1.01), null, "no stat");
  assert.equal(bs.countIdleCpusOnNode(42, 1.01), null, "no such node");
});

test("getLoadavg, getMeminfo and getNetDev give the capture's values", () => {
  const [l1, l5, l15, procs, pid] = fixture(KVM, "loadavg").trim().split(/\s+/);
  const [active, total] = procs.split("/").map(Number);
  assert.deepEqual(bs.getLoadavg(-1), { load: [Number(l1), Number(l5), Number(l15)], num_active_procs: active, total_procs: total, last_pid: Number(pid) });
  const meminfo = fixture(KVM, "meminfo");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(meminfo)![1]) * 1024;
  const m = bs.getMeminfo(-1)!;
  assert.equal(m.total, kb("MemTotal"));
  assert.equal(m.mem.free, kb("MemFree"));
  assert.equal(m.mem.used, kb("MemTotal") - kb("MemFree"));
  assert.equal(m.available, kb("MemAvailable"));
  assert.equal(m.buffers, kb("Buffers"));
  assert.equal(m.cached, kb("Cached"));
  assert.equal(m.swap.total, kb("SwapTotal"));
  assert.equal(m.swap.free, kb("SwapFree"));
  assert.equal(bs.getMeminfo(1), null, "the 480-CPU capture has no meminfo");
  const lines = fixture(KVM, "net/dev").split("\n").slice(2).filter((l) => l.includes(":"));
  const dev = bs.getNetDev(-1)!;
  assert.deepEqual(dev.map((d) => d.name), lines.map((l) => l.slice(0, l.lastIndexOf(":")).trim()));
  lines.forEach((l, i) => {
    const f = l.slice(l.lastIndexOf(":") + 1).trim().split(/\s+/).map(Number);
    assert.equal(dev[i].recv.bytes, f[0]);
    assert.equal(dev[i].recv.packets, f[1]);
    assert.equal(dev[i].trans.bytes, f[8]);
    assert.equal(dev[i].trans.packets, f[9]);
  });
});

test("getNetRate: bytes/s of all interfaces but lo over the last two samples; null when unknown", () => {
  const names = fixture(PROCFS, "net/dev").split("\n").slice(2).filter((l) => l.includes(":")).map((l) => l.slice(0, l.lastIndexOf(":")).trim());
  const counted = names.filter((n) => n !== "lo").length;
  assert.equal(bs.getNetRate(2), (counted * 1500) / (NET_DT_MS / 1000));
  assert.equal(bs.getNetRate(-1), null, "one sample");
  assert.equal(bs.getNetRate(0), null, "enp6s0's counters went back between t0 and t1: a reset, no rate");
});

test("getTime, getStatfs, isNodeUp and nodes()", () => {
  beat();
  assert.equal(bs.getTime(0), Math.floor(NOW / 1000));
  assert.equal(bs.getTime(3), Math.floor((NOW - 2 * DOWN_AFTER_MS) / 1000));
  assert.deepEqual(bs.getStatfs(2), DISK);
  assert.equal(bs.getStatfs(-1), null, "never reported");
  assert.equal(bs.isNodeUp(-1), true);
  assert.equal(bs.isNodeUp(0), true);
  assert.equal(bs.isNodeUp(3), false);
  assert.equal(bs.isNodeUp(42), null);
  assert.deepEqual(bs.nodes().map((s) => [s.node, s.up]), NODES.map((n) => [n, n !== 3]));
});

test("getLastMulticast: null before the first request, then its epoch second", () => {
  assert.equal(bs.getLastMulticast(), null);
  writer.setHostFields({ lastRequestMs: NOW - 1500 });
  assert.equal(bs.getLastMulticast(), Math.floor((NOW - 1500) / 1000));
});

test("every call gives null for a missing node, and for a field the node never reported", () => {
  for (const n of [42, 4]) {
    assert.equal(bs.getCpuCount(n), null);
    assert.equal(bs.getMHz(n), null);
    assert.equal(bs.getStatCpu(n, 0), null);
    assert.equal(bs.getStatCpu(n), null);
    assert.equal(bs.getCpuPercent(n, 0), null);
    assert.equal(bs.getCpuPercent(n), null);
    assert.equal(bs.countIdleCpusOnNode(n, 1), null);
    assert.equal(bs.getMeminfo(n), null);
    assert.equal(bs.getNetDev(n), null);
    assert.equal(bs.getNetRate(n), null);
    assert.equal(bs.getStatfs(n), null);
  }
  assert.equal(bs.getLoadavg(42), null);
  assert.equal(bs.getTime(42), null);
  assert.equal(bs.node(42), null);
  assert.notEqual(bs.getLoadavg(4), null, "node 4 has its loadavg");
});

test("a library kept open follows the file to its replacement by a restarted collector", () => {
  const core = cluster();
  const first = publish(core, [-1, 0]);
  const lib = openBeostat(first.dir);
  assert.deepEqual(lib.nodes().map((s) => s.node), [-1, 0]);
  const second = ShmWriter.create(first.dir, core.layout, { maxBytes: 1 << 30 });
  second.publishHeader(core.memory(), core.tableBase());
  second.publishNode(core.memory(), core.tableBase(), core.tableRecord(2));
  second.setHostFields({ heartbeatMs: Date.now() });
  assert.deepEqual(lib.nodes().map((s) => s.node), [2]);
  assert.equal(lib.isNodeUp(2), true);
  lib.close();
  lib.close();
  first.writer.close();
  second.close();
});

// ---- beostat's shm mode, as users run it ---------------------------------------------------

const run = (...args: string[]) => spawnSync(process.execPath, [bundle("beostat"), ...args], { encoding: "utf8" });

test("beostat --shm-dir prints every node, the master first, and marks a down node", () => {
  beat();
  const r = run("--shm-dir", dir);
  assert.equal(r.status, 0, r.stderr);
  const headings = r.stdout.match(/^== node .* ==$/gm)!;
  assert.deepEqual(headings, NODES.map((n) => `== node ${n}${n === 3 ? " down" : ""} ==`));
  assert.ok(r.stdout.includes("loadavg: 0.42 0.32 0.19 3/103 12670"));
});

test("beostat --shm-dir --node N --json prints that node as the library reads it", () => {
  beat();
  const r = run("--shm-dir", dir, "--node", "2", "--json");
  assert.equal(r.status, 0, r.stderr);
  const nodes = parse(r.stdout) as NodeStatus[];
  assert.deepStrictEqual(nodes, [bs.node(2)]);
  const missing = run("--shm-dir", dir, "--node", "42", "--json");
  assert.equal(missing.status, 0, "a node not there (yet) is an empty list, as with --proc-root");
  assert.deepEqual(parse(missing.stdout), []);
});

test("beostat without a status file says so in one line and exits 1", () => {
  const none = join(top, "nothing-here");
  const r = run("--shm-dir", none);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, `beostat: no status file at ${join(none, SHM_FILE)}: is recvstats running?\n`);
  const both = run("--shm-dir", none, "--proc-root", join(FIXTURES, KVM));
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--shm-dir and --proc-root exclude each other/);
});

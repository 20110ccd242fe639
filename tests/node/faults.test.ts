// What real nodes do to the master over time, through the real WASM decoder: a node restarts
// (a new instance, its counters back near zero), its clock jumps, its CPUs change; each is
// recorded as it is, and counters that go backwards never turn into huge rates or usages.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readProcRoot, type ProcFiles } from "../../src/proc";
import { NodeStatus, RecordReader } from "../../src/record";
import { Core, namesOf } from "../../src/wasm";
import { Encoder, Update } from "../../src/wire";
import { FIXTURES } from "../helpers/paths";

const LOCAL = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
const KVM = readProcRoot(join(FIXTURES, "kvm-x86_64-2cpu-linux6.18"));

/** A node agent in the test's hands: instance, sequence numbers, update ids, its clock. */
class Node {
  seq = 0n;
  update = 0;
  constructor(
    readonly n: number,
    public instance: bigint,
  ) {}

  datagrams(files: ProcFiles, sampleMs: number): Buffer[] {
    const f: Update["files"] = {};
    for (const [k, v] of Object.entries(files)) f[k as keyof Update["files"]] = { text: v!, sampleMs };
    const u: Update = { node: this.n, hostname: `n${this.n}`, instance: this.instance, updateId: ++this.update, intervalMs: 1000, userHz: 100, arch: 1, files: f };
    const ds = new Encoder(new Core(1), 1472).encode(u, () => ++this.seq).datagrams;
    // the send time is the node's clock: the same as its samples here
    for (const d of ds) d.writeDoubleLE(sampleMs, new Core(1).layout.W_SEND_TIME);
    return ds;
  }
}

const core = new Core(16);
const L = core.layout;
const reasons = namesOf(L, "R_");

function deliver(ds: Buffer[], recvMs: number): string[] {
  return ds.map((d) => reasons.get(core.check(d, L.WT_STATUS) || core.apply(core.datagramNode(), LOCAL, recvMs, 0)) ?? "ok");
}

function read(n: number): NodeStatus {
  const t = core.tableBase();
  return new RecordReader(L, core.memory()).node(t, t + core.tableRecord(n));
}

function raw(n: number, at: number): DataView {
  return new DataView(core.memory().buffer, core.tableBase() + core.tableRecord(n) + at);
}

/** The kvm capture with every stat tick and net/dev byte counter multiplied by k (k < 1: a reboot). */
function scaled(k: number): ProcFiles {
  const scale = (text: Uint8Array, re: RegExp) =>
    Buffer.from(Buffer.from(text).toString("latin1").replace(re, (line) => line.replace(/\b\d+\b/g, (v) => String(Math.floor(Number(v) * k)))), "latin1");
  return {
    ...KVM,
    stat: scale(KVM.stat!, /^cpu\d* .*$/gm),
    "net/dev": scale(KVM["net/dev"]!, /^\s*\w+:.*$/gm),
  };
}

test("a node that restarts: the new instance is taken, the old one's late datagrams are not, no huge rates", () => {
  const a = new Node(3, 1_000_000n);
  assert.deepEqual(deliver(a.datagrams(scaled(1), 10_000), 10_000), ["ok"]);
  assert.deepEqual(deliver(a.datagrams(scaled(1.01), 11_000), 11_000), ["ok"]);
  const before = read(3);
  assert.ok(before.net_rate !== null && before.net_rate > 0);
  // it reboots: a new instance, counters back near zero
  const b = new Node(3, 2_000_000n);
  assert.deepEqual(deliver(b.datagrams(scaled(0.001), 12_000), 12_000), ["ok"]);
  const after = read(3);
  assert.equal(after.net_rate, null, "counters went back: no rate rather than a huge one");
  assert.ok(after.cpu_percent!.every((p) => p === null), "no usage from counters that went back");
  assert.equal(raw(3, L.NODE_INSTANCE).getBigUint64(0, true), 2_000_000n);
  // a late datagram of the old instance is refused (the newer one wins)
  assert.deepEqual(deliver(a.datagrams(scaled(1.02), 12_500), 12_500), ["stale_instance"]);
  assert.equal(raw(3, L.NODE_INSTANCE).getBigUint64(0, true), 2_000_000n);
  // and the new instance goes on with sensible rates
  assert.deepEqual(deliver(b.datagrams(scaled(0.002), 13_000), 13_000), ["ok"]);
  const settled = read(3);
  assert.ok(settled.net_rate !== null && settled.net_rate >= 0 && settled.net_rate < 1e12);
  assert.ok(settled.cpu_percent!.every((p) => p !== null && p >= 0 && p <= 1));
});

test("a node whose clock jumps: recorded as the offset from the master's clock, counted, not rejected", () => {
  const n = new Node(4, 5_000_000n);
  const master = 1_000_000_000;
  deliver(n.datagrams(scaled(1), master - 2000), master);
  assert.ok(Math.abs(raw(4, L.NODE_CLOCK_OFFSET).getFloat64(0, true) - 2000) < 1);
  const jumps = () => Number(new DataView(core.memory().buffer).getBigUint64(core.tableBase() + L.TABLE_COUNTERS + 8 * L.C_CLOCK_JUMPS, true));
  const j0 = jumps();
  // its clock jumps an hour back: the datagram is still taken, the jump recorded
  assert.deepEqual(deliver(n.datagrams(scaled(1.01), master + 1000 - 3_600_000), master + 1000), ["ok"]);
  assert.ok(Math.abs(raw(4, L.NODE_CLOCK_OFFSET).getFloat64(0, true) - 3_600_000) < 1);
  assert.equal(jumps(), j0 + 1);
  // its samples went back in time: no rate from a negative interval
  assert.equal(read(4).net_rate, null);
});

test("a node whose CPUs change (hot-plug) lists exactly its CPUs of each update", () => {
  const n = new Node(5, 7_000_000n);
  const stat = Buffer.from(KVM.stat!).toString("latin1");
  deliver(n.datagrams(KVM, 1000), 1000);
  assert.deepEqual(read(5).stat_cpu!.map((c) => c.cpu), [0, 1]);
  // cpu1 offline
  const one = { ...KVM, stat: Buffer.from(stat.replace(/^cpu1 .*\n/m, ""), "latin1") };
  deliver(n.datagrams(one, 2000), 2000);
  assert.deepEqual(read(5).stat_cpu!.map((c) => c.cpu), [0]);
  // two CPUs added as cpu2 and cpu3
  const more = stat.replace(/^(cpu1 .*)$/m, (l) => `${l}\n${l.replace("cpu1", "cpu2")}\n${l.replace("cpu1", "cpu3")}`);
  deliver(n.datagrams({ ...KVM, stat: Buffer.from(more, "latin1") }, 3000), 3000);
  assert.deepEqual(read(5).stat_cpu!.map((c) => c.cpu), [0, 1, 2, 3]);
  assert.deepEqual(read(5).cpu_percent!.slice(2), [null, null], "a new CPU has no usage before its second sample");
});

test("a node that stops keeps its last report; time says how old it is", () => {
  const n = new Node(6, 9_000_000n);
  deliver(n.datagrams(KVM, 1_700_000_000_000), 1_700_000_000_000);
  const s = read(6);
  assert.equal(s.time, 1_700_000_000);
  assert.equal(raw(6, L.NODE_DOWN_AFTER).getUint32(0, true), 3000, "three of its one-second intervals");
  assert.ok(s.stat && s.meminfo);
});

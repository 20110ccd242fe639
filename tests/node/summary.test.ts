// The snapshot of beostatus against the status file it is taken from: summaries filled by
// the WASM core agree with the records as beostat --json reads them (values, what is
// unknown, up and down, names), full records round-trip exactly, a summary stays well
// under 100 bytes a node, and a damaged answer is refused rather than misread.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { NodeStatus } from "../../src/record";
import { ShmReader } from "../../src/shm";
import { Snapshotter, parseNodeRange } from "../../src/snapshot";
import { decodeRecords, decodeSummaries } from "../../src/summary";
import { Core } from "../../src/wasm";
import { LiveCluster, fixtureFiles, liveCluster, twoSamples } from "../helpers/statusfile";

const core = new Core(1);
const L = core.layout;
const snapshots = new Snapshotter(core);
const GiB = 2n ** 30n;
let live: LiveCluster;
let reader: ShmReader;

before(() => {
  live = liveCluster("beostatus-summary-", [
    { node: -1, hostname: "master", updates: [fixtureFiles("kvm-x86_64-2cpu-linux6.18")] },
    { node: 0, hostname: "alpha", updates: twoSamples("procfs-x86_64-8cpu", (k) => 5 * k), statfs: { total: 100n * GiB, free: 25n * GiB } },
    { node: 7, hostname: "", updates: [fixtureFiles("hp-bl920gen8-x86_64-480cpu")] },
    { node: 9, hostname: "ünïcode-név", updates: [fixtureFiles("sysstat-x86_64-t0")], agoMs: 20_000, downAfterMs: 3000 },
  ]);
  reader = live.reader;
});

after(() => live.close());

const mib = (x: number | bigint | null): number => Math.round(Number(x) / 2 ** 20);

test("each summary agrees with the node's record as beostat --json reads it", () => {
  const now = Date.now();
  const snap = decodeSummaries(L, snapshots.summaries(reader, now).bytes);
  assert.equal(snap.count, 4);
  assert.equal(snap.total, 4);
  assert.equal(snap.time, now);
  assert.ok(snap.alive);
  const direct = new Map<number, NodeStatus>(reader.nodes(now).map((n) => [n.node, n]));
  assert.deepEqual(snap.nodes.map((n) => n.node), [-1, 0, 7, 9]);
  for (const s of snap.nodes) {
    const d = direct.get(s.node)!;
    assert.equal(s.up, d.up, `node ${s.node} up`);
    assert.equal(s.name, d.name, `node ${s.node} name`);
    assert.equal(s.cpus, d.stat_cpu?.length ?? 0);
    assert.equal(s.load, d.loadavg?.load[0] ?? null);
    const m = d.meminfo;
    if (m === null) assert.equal(s.mem, null);
    else {
      const used = m.available !== null ? BigInt(m.total!) - BigInt(m.available) : BigInt(m.mem.used!) - BigInt(m.buffers!) - BigInt(m.cached!);
      assert.deepEqual(s.mem, { total: mib(m.total), used: mib(used) }, `node ${s.node} memory`);
      assert.deepEqual(s.swap, { total: mib(m.swap.total), used: mib(m.swap.used) }, `node ${s.node} swap`);
    }
    assert.equal(s.net === null, d.net_rate === null);
    if (d.net_rate !== null) assert.equal(s.net, Math.fround(d.net_rate));
    assert.ok(s.ageMs !== null && Math.abs(s.ageMs - (now - d.time! * 1000)) < 1000);
  }
  const alpha = snap.nodes.find((n) => n.node === 0)!;
  assert.equal(alpha.cpu, (5 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7)) / 800);
  assert.deepEqual(alpha.disk, { total: 100 * 1024, used: 75 * 1024 });
  const big = snap.nodes.find((n) => n.node === 7)!;
  assert.equal(big.name, null, "an empty hostname is no name");
  assert.equal(big.cpu, null, "one sample: no usage yet");
  assert.equal(big.mem, null, "the capture has no meminfo");
  assert.equal(big.disk, null);
  const late = snap.nodes.find((n) => n.node === 9)!;
  assert.equal(late.up, false);
  assert.ok(late.ageMs! >= 20_000);
  assert.equal(late.name, "ünïcode-név");
});

test("a summary is well under 100 bytes a node", () => {
  const bytes = snapshots.summaries(reader).bytes;
  assert.equal(L.SUM_SIZE, 48);
  assert.ok((bytes.length - L.SNAP_HEADER_BYTES) / 4 < 70);
});

test("nodes turn down when the collector's heartbeat stops", () => {
  const later = Date.now() + 10_000; // past the heartbeat's 5 s
  const snap = decodeSummaries(L, snapshots.summaries(reader, later).bytes);
  assert.equal(snap.alive, false);
  assert.ok(snap.nodes.every((n) => !n.up));
});

test("full records round-trip to exactly what the file holds", () => {
  const all = decodeRecords(L, snapshots.records(reader, -1, 100));
  assert.deepEqual(all.records.map((r) => r.status.node), [-1, 0, 7, 9]);
  for (const { status, summary } of all.records) {
    const direct = reader.node(status.node)!;
    assert.deepEqual(status, direct, `node ${status.node}`);
    assert.equal(summary.up, direct.up);
  }
  const one = decodeRecords(L, snapshots.records(reader, 7, 7));
  assert.equal(one.records.length, 1);
  assert.equal(one.records[0].status.stat_cpu!.length, 480);
  assert.equal(one.records[0].status.cpuinfo!.length, 480);
  assert.equal(decodeRecords(L, snapshots.records(reader, 1, 6)).records.length, 0);
});

test("damaged or foreign answers are refused", () => {
  const bytes = snapshots.summaries(reader).bytes;
  assert.throws(() => decodeSummaries(L, bytes.subarray(0, 20)), /not a beostatus snapshot/);
  const other = Uint8Array.from(bytes);
  new DataView(other.buffer).setUint32(L.SNAP_VERSION, 99, true);
  assert.throws(() => decodeSummaries(L, other), /snapshot format 99/);
  assert.throws(() => decodeSummaries(L, bytes.subarray(0, bytes.length - 3)), /cut short/);
  assert.throws(() => decodeRecords(L, bytes), /not records/);
  const records = snapshots.records(reader, 0, 0);
  assert.throws(() => decodeRecords(L, records.subarray(0, records.length - 8)), /cut short/);
});

test("?node= takes N and FIRST-LAST, the master included", () => {
  assert.deepEqual(parseNodeRange("5"), { first: 5, last: 5 });
  assert.deepEqual(parseNodeRange("-1"), { first: -1, last: -1 });
  assert.deepEqual(parseNodeRange("-1-10"), { first: -1, last: 10 });
  assert.deepEqual(parseNodeRange("3-9"), { first: 3, last: 9 });
  for (const bad of ["", "x", "9-3", "1-2-3", "1.5", "12345678"]) assert.equal(parseNodeRange(bad), null, bad);
});

// Memory stays bounded whatever arrives: datagrams claiming 2^31 nodes, CPUs or interfaces
// (in header counts and in real payloads), a flood of distinct node numbers, and fields far
// larger than any machine prints. The table grows only by what the limits let in (its
// TABLE_USED is checked against the exact cost), every cut or refusal is counted, nothing throws.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { readProcRoot } from "../../src/proc";
import { NodeStatus, RecordReader } from "../../src/record";
import { Core, Layout } from "../../src/wasm";
import { Encoder, Update } from "../../src/wire";
import { statusDatagram } from "../helpers/datagrams";
import { FIXTURES } from "../helpers/paths";

const ADDR = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
const align64 = (n: number): number => Math.ceil(n / 64) * 64;

const used = (core: Core): number => new DataView(core.memory().buffer).getUint32(core.tableBase() + core.layout.TABLE_USED, true);
const header = (core: Core, at: number): number => new DataView(core.memory().buffer).getUint32(core.tableBase() + at, true);
const counter = (core: Core, c: number): number => Number(new DataView(core.memory().buffer).getBigUint64(core.tableBase() + core.layout.TABLE_COUNTERS + 8 * c, true));
const rejected = (core: Core, r: number): number => counter(core, core.layout.C_REJECT + r);

/** Checks and applies one datagram as its own node number says (or as node); the check's or the apply's reason, 0 if applied. */
function deliver(core: Core, d: Buffer, node?: number): number {
  const why = core.check(d, core.layout.WT_STATUS);
  return why || core.apply(node ?? core.datagramNode(), ADDR, 5000, 0);
}

function read(core: Core, node: number): NodeStatus {
  const t = core.tableBase();
  return new RecordReader(core.layout, core.memory()).node(t, t + core.tableRecord(node));
}

/** The whole of one machine's update in one datagram (the largest MTU). */
function oneDatagram(L: Layout, machine: string, node: number): Buffer {
  const files = readProcRoot(join(FIXTURES, machine));
  const f: Update["files"] = {};
  for (const [k, v] of Object.entries(files)) if (k !== "statfs") f[k as keyof Update["files"]] = { text: v!, sampleMs: 1000 };
  const u: Update = { node, hostname: "big", instance: 9n, updateId: 1, intervalMs: 5000, userHz: 100, arch: L.ARCH_X86_64, files: f };
  let seq = 0n;
  const ds = new Encoder(new Core(1), 65507).encode(u, () => ++seq).datagrams;
  assert.equal(ds.length, 1, `${machine} fits one datagram`);
  return ds[0];
}

test("header counts claiming 2^31 CPUs, cpuinfo CPUs and interfaces allocate nothing for them", () => {
  const honest = new Core(8);
  const L = honest.layout;
  const d = oneDatagram(L, "kvm-x86_64-2cpu-linux6.18", 1);
  const claims = Buffer.from(d);
  claims.writeUInt32LE(2 ** 31, L.W_CPUS);
  claims.writeUInt32LE(2 ** 32 - 1, L.W_CIS);
  claims.writeUInt32LE(2 ** 31, L.W_IFACES);
  const liar = new Core(8);
  assert.equal(deliver(honest, d), 0);
  assert.equal(deliver(liar, claims), 0);
  assert.equal(used(liar), used(honest), "the claims cost no byte of table");
  assert.deepEqual(read(liar, 1), read(honest, 1), "and change nothing a reader sees");
  assert.equal(read(liar, 1).stat_cpu!.length, 2);
});

test("node numbers at +-2^31, beyond --max-nodes or unset are refused as R_NODE and create no record", () => {
  const core = new Core(1000);
  const L = core.layout;
  const before = used(core);
  const nodes = [-(2 ** 31), -(2 ** 31) + 1, -2, 1000, 1001, 65535, 2 ** 31 - 2];
  for (const node of nodes) assert.equal(deliver(core, statusDatagram(L, [], { node })), L.R_NODE, `node ${node}`);
  // without a number and without --iprange the host applies it as NODE_UNSET
  assert.equal(deliver(core, statusDatagram(L, [], { node: L.NODE_UNSET })), L.R_NODE, "no node number");
  assert.equal(rejected(core, L.R_NODE), nodes.length + 1);
  assert.equal(used(core), before, "no byte of table");
  assert.equal(header(core, L.TABLE_NODE_COUNT), 0);
});

test("a flood of 100,000 distinct node numbers against a 1000-node table keeps 1001 records and refuses the rest", () => {
  const core = new Core(1000);
  const L = core.layout;
  const before = used(core);
  const memory = core.memory().byteLength;
  // -1 .. 49998, then 50,000 numbers spread over the whole i32 range (distinct: a stride of 85,899)
  const nodes = [...Array(50_000).keys()].map((i) => i - 1).concat([...Array(50_000).keys()].map((i) => -(2 ** 31) + 1 + i * 85_899));
  assert.equal(new Set(nodes).size, 100_000);
  const template = statusDatagram(L, [{ sec: L.SEC_LOADAVG, flags: L.WSF_FIRST | L.WSF_LAST, payload: "0.50 0.40 0.30 1/100 42\n" }]);
  const outcomes = new Map<number, number>();
  for (const node of nodes) {
    template.writeInt32LE(node, L.W_NODE);
    const why = deliver(core, template);
    outcomes.set(why, (outcomes.get(why) ?? 0) + 1);
  }
  const inRange = nodes.filter((n) => n >= -1 && n < 1000).length;
  assert.equal(inRange, 1001);
  assert.deepEqual(Object.fromEntries(outcomes), { 0: inRange, [L.R_NODE]: 100_000 - inRange });
  assert.equal(header(core, L.TABLE_NODE_COUNT), 1001);
  assert.equal(used(core), before + 1001 * L.NODE_SIZE, "one record per node, nothing else (loadavg has no lists)");
  assert.equal(counter(core, L.C_RECEIVED), 100_000);
  assert.ok(core.memory().byteLength - memory <= 4 << 20, `memory grew by ${core.memory().byteLength - memory} bytes`);
});

test("stat, cpuinfo and net/dev listing more than --max-cpus and --max-ifaces keep the first N, flag the cut and count it", () => {
  const core = new Core(8);
  const L = core.layout;
  core.setLimits(64, 8);
  const whole = L.WSF_FIRST | L.WSF_LAST;
  // CPU numbers up to 2^32 - 2 (the largest a cpuN may have) cost one entry each, like any other
  const cpus = [...Array(998).keys()].map((i) => `cpu${i} 1 2 3 4\n`).join("") + "cpu2147483648 1 2 3 4\ncpu4294967294 1 2 3 4\n";
  const d = statusDatagram(L, [
    { sec: L.SEC_STAT, flags: whole, payload: `cpu 1 2 3 4\n${cpus}` },
    { sec: L.SEC_CPUINFO, flags: whole, payload: [...Array(1000).keys()].map((i) => `processor\t: ${i}\n`).join("") },
    { sec: L.SEC_NETDEV, flags: whole, payload: [...Array(100).keys()].map((i) => `if${i}: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n`).join("") },
  ]);
  const before = used(core);
  assert.equal(deliver(core, d), 0);
  const n = read(core, 3);
  assert.deepEqual([n.stat_cpu!.length, n.cpuinfo!.length, n.cpu_count, n.net_dev!.length], [64, 64, 64, 8]);
  const state = new DataView(core.memory().buffer).getUint32(core.tableBase() + core.tableRecord(3) + L.NODE_STATE, true);
  assert.equal(state & (L.NSTATE_CPUS_CUT | L.NSTATE_CIS_CUT | L.NSTATE_IFS_CUT), L.NSTATE_CPUS_CUT | L.NSTATE_CIS_CUT | L.NSTATE_IFS_CUT);
  assert.equal(counter(core, L.C_LIMITS), 3, "one cut section each");
  assert.equal(used(core) - before, L.NODE_SIZE + align64(64 * L.CPU_SIZE) + align64(64 * L.CI_SIZE) + align64(8 * L.IF_SIZE), "the node costs its limits, no more");

  // s390x counts its CPUs on one line: a count of 2^31 is cut to the limit too
  const s390 = statusDatagram(L, [{ sec: L.SEC_CPUINFO, flags: whole, payload: "vendor_id : IBM/S390\n# processors : 2147483648\n" }], { node: 4 });
  assert.equal(deliver(core, s390), 0);
  assert.equal(read(core, 4).cpu_count, 64);
  assert.equal(counter(core, L.C_LIMITS), 4);
});

test("fields far larger than any machine prints are cut or marked failed, and cost no more than the node's record", () => {
  const core = new Core(8);
  const L = core.layout;
  const whole = L.WSF_FIRST | L.WSF_LAST;
  const before = used(core);
  // a hostname of 64 bytes without a NUL, a 60,000-byte line without its newline, a 60,000-digit
  // counter, a 40,000-byte model name, a 30,000-byte interface name
  const d = statusDatagram(
    L,
    [
      { sec: L.SEC_MEMINFO, flags: whole, payload: `MemTotal: ${"9".repeat(60_000)} kB\n` },
      { sec: L.SEC_LOADAVG, flags: whole, payload: "1".repeat(60_000) },
      { sec: L.SEC_CPUINFO, flags: whole, payload: `processor : 0\nmodel name : ${"M".repeat(40_000)}\n` },
      { sec: L.SEC_NETDEV, flags: whole, payload: `${"i".repeat(30_000)}: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n` },
    ],
    { hostname: Buffer.alloc(64, 0x68) },
  );
  assert.ok(d.length < 65536 * 4);
  assert.equal(deliver(core, d), 0);
  const n = read(core, 3);
  assert.equal(n.name, "h".repeat(63), "a NUL always ends the name");
  assert.ok(n.failed.includes("meminfo.total"), "the counter that overflows u64 is failed");
  assert.equal(n.cpuinfo![0].model, "M".repeat(63), "the model is cut to its slot");
  assert.deepEqual([n.net_dev!.length, n.net_dev![0].name], [1, null], "an interface name too long is failed, one entry");
  assert.equal(used(core) - before, L.NODE_SIZE + align64(4 * L.CI_SIZE) + align64(4 * L.IF_SIZE), "the record and its smallest extents");
  // the overflowing counter and the failed name; a cut line or model is not garbled
  assert.equal(counter(core, L.C_BAD_SECTIONS), 2, "the garbled sections are counted");
});

test("a datagram larger than the input buffer is refused as R_TOO_LARGE and counted, without being copied", () => {
  const core = new Core(8);
  const L = core.layout;
  const memory = core.memory().byteLength;
  const huge = Buffer.alloc(L.INPUT_CAPACITY + 1);
  statusDatagram(L, []).copy(huge);
  assert.equal(core.check(huge, L.WT_STATUS), L.R_TOO_LARGE);
  assert.equal(rejected(core, L.R_TOO_LARGE), 1);
  assert.equal(counter(core, L.C_RECEIVED), 1);
  assert.equal(core.memory().byteLength, memory);
});

test("a request claiming 2^31 nodes is answered with a span, and allocates nothing", () => {
  const core = new Core(1);
  const L = core.layout;
  const before = core.memory().byteLength;
  const tableBefore = Uint8Array.from(core.tableBytes());
  const req = Buffer.alloc(L.W_REQUEST_LEN);
  req.writeUInt32LE(L.WIRE_MAGIC, L.W_MAGIC);
  req[L.W_VERSION] = L.WIRE_VERSION;
  req[L.W_TYPE] = L.WT_REQUEST;
  req.writeUInt16LE(L.W_REQUEST_LEN, L.W_HEADER_LEN);
  req[L.W_TARGET] = L.WTG_ALL;
  req.writeInt32LE(2 ** 31 - 1, L.W_LAST);
  assert.equal(core.check(req, L.WT_REQUEST), 0);
  assert.equal(core.requestSpan(), 2 ** 31 - 1);
  req[L.W_TARGET] = L.WTG_RANGE;
  req.writeInt32LE(-(2 ** 31), L.W_FIRST);
  req.writeInt32LE(2 ** 31 - 2, L.W_LAST);
  assert.equal(core.check(req, L.WT_REQUEST), 0);
  assert.equal(core.requestSpan(), 2 ** 32 - 1, "the span of the whole i32 range less one, in a u32");
  assert.equal(core.memory().byteLength, before);
  const after = core.tableBytes();
  // only the counters moved (received twice)
  const L0 = L.TABLE_COUNTERS;
  assert.deepEqual(after.subarray(0, L0), tableBefore.subarray(0, L0));
  assert.deepEqual(after.subarray(L0 + 8 * L.COUNTERS), tableBefore.subarray(L0 + 8 * L.COUNTERS));
});

// Every crash or disagreement the fuzzers found (npm run fuzz, tests/node/fuzz-decoder.test.ts),
// as a named test on the minimal input, in hex. A test of an open finding FAILS until the code
// is fixed (assembly/ and src/recvstats.ts belong to other engineers); then delete the
// finding's name from OPEN_FINDINGS (tests/helpers/fuzz-rigs.ts), so that the fuzzers check
// the promise again instead of relaxing it.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createLog } from "../../src/log";
import { NodeStatus, RecordReader } from "../../src/record";
import { Collector } from "../../src/recvstats";
import { ShmReader } from "../../src/shm";
import { DEFAULT_GROUP } from "../../src/udp";
import { Core } from "../../src/wasm";
import { OPEN_FINDINGS } from "../helpers/fuzz-rigs";

const ADDR = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ""), "hex");

/** Checks and applies each datagram to core as its own node number says; returns [check, apply] per datagram. */
function deliver(core: Core, datagrams: Buffer[]): Array<[number, number]> {
  return datagrams.map((d) => {
    const why = core.check(d, core.layout.WT_STATUS);
    return [why, why || core.apply(core.datagramNode(), ADDR, 5000, 0)];
  });
}

function read(core: Core, node: number): NodeStatus {
  const t = core.tableBase();
  return new RecordReader(core.layout, core.memory()).node(t, t + core.tableRecord(node));
}

const u32Of = (core: Core, node: number, field: number): number =>
  new DataView(core.memory().buffer).getUint32(core.tableBase() + core.tableRecord(node) + field, true);
const counter = (core: Core, c: number): bigint => new DataView(core.memory().buffer).getBigUint64(core.tableBase() + core.layout.TABLE_COUNTERS + 8 * c, true);

/** Whether the finding is still open: its test then documents it (and fails), the fuzzers relax its check. */
const open = (finding: string): string => (OPEN_FINDINGS.has(finding) ? ` [open: ${finding}]` : "");

// ---- one node, two chunks of one file: --max-cpus and --max-ifaces 2 -------------------
// Each datagram: node 3, instance 7, sequence 1, update 1, part 0 of 1, two sections of the
// same file, the first with WSF_FIRST and two entries, the second with WSF_LAST and two more.
// The parser cuts each chunk at the limit, but the table merges chunk after chunk by key with
// no limit, so the node ends with four (assembly/table.ts chunkStat, chunkCpuinfo,
// chunkNetDev); MAX_PARTS chunks of a few lines each reach the extent's top class (8192).

test(`a stat split in two chunks lists no more CPUs than --max-cpus, and the cut is counted${open("chunks pass the list limits")}`, () => {
  const core = new Core(16);
  core.setLimits(2, 2);
  const L = core.layout;
  // stat chunk 1: "cpu0 1 2 3 4\ncpu1 1 2 3 4\n"; chunk 2: "cpu2 1 2 3 4\ncpu3 1 2 3 4\n"
  const d = bytes(`
    425354570101000000009000000000000700000000000000010000000000000003000000010000000000010000000000881300000000000000000000
    000000000000000000408f40000200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000004011a0000000000000000000000f03f6370753020312032203320340a63707531203120
    32203320340a04021a0000000000000000000000f03f6370753220312032203320340a6370753320312032203320340a`);
  assert.deepEqual(deliver(core, [d]), [[0, 0]]);
  assert.deepEqual(read(core, 3).stat_cpu!.map((c) => c.cpu), [0, 1], "the first --max-cpus CPUs");
  assert.ok(u32Of(core, 3, L.NODE_STATE) & L.NSTATE_CPUS_CUT, "the record says the list was cut");
  assert.equal(counter(core, L.C_LIMITS), 1n, "the cut is counted");
});

test(`a cpuinfo split in two chunks lists no more CPUs than --max-cpus, and the cut is counted${open("chunks pass the list limits")}`, () => {
  const core = new Core(16);
  core.setLimits(2, 2);
  const L = core.layout;
  // cpuinfo chunk 1: "processor : 0\nprocessor : 1\n"; chunk 2: "processor : 2\nprocessor : 3\n"
  const d = bytes(`
    425354570101000000009000000000000700000000000000010000000000000003000000010000000000010000000000881300000000000000000000
    000000000000000000408f40000200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000011c0000000000000000000000f03f70726f636573736f72203a20300a70726f636573
    736f72203a20310a00021c0000000000000000000000f03f70726f636573736f72203a20320a70726f636573736f72203a20330a`);
  assert.deepEqual(deliver(core, [d]), [[0, 0]]);
  const n = read(core, 3);
  assert.deepEqual(n.cpuinfo!.map((c) => c.cpu), [0, 1], "the first --max-cpus CPUs");
  assert.equal(n.cpu_count, 2);
  assert.ok(u32Of(core, 3, L.NODE_STATE) & L.NSTATE_CIS_CUT, "the record says the list was cut");
  assert.equal(counter(core, L.C_LIMITS), 1n, "the cut is counted");
});

test(`a net/dev split in two chunks lists no more interfaces than --max-ifaces, and the cut is counted${open("chunks pass the list limits")}`, () => {
  const core = new Core(16);
  core.setLimits(2, 2);
  const L = core.layout;
  // net/dev chunk 1: "a: 1\nb: 1\n"; chunk 2: "c: 1\nd: 1\n"
  const d = bytes(`
    425354570101000000009000000000000700000000000000010000000000000003000000010000000000010000000000881300000000000000000000
    000000000000000000408f40000200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000003010a0000000000000000000000f03f613a20310a623a20310a03020a00000000000000
    00000000f03f633a20310a643a20310a`);
  assert.deepEqual(deliver(core, [d]), [[0, 0]]);
  assert.deepEqual(read(core, 3).net_dev!.map((i) => i.name).sort(), ["a", "b"], "the first --max-ifaces interfaces");
  assert.ok(u32Of(core, 3, L.NODE_STATE) & L.NSTATE_IFS_CUT, "the record says the list was cut");
  assert.equal(counter(core, L.C_LIMITS), 1n, "the cut is counted");
});

test(`two chunks of a net/dev in one datagram keep its interfaces in file order${open("chunks of one part interleave")}`, () => {
  const core = new Core(16);
  // the datagram above, without limits: IF_ORDER is part x 65536 + line, and both chunks are
  // part 0, so c (line 0 of chunk 2) sorts before b (line 1 of chunk 1)
  const d = bytes(`
    425354570101000000009000000000000700000000000000010000000000000003000000010000000000010000000000881300000000000000000000
    000000000000000000408f40000200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000003010a0000000000000000000000f03f613a20310a623a20310a03020a00000000000000
    00000000f03f633a20310a643a20310a`);
  assert.deepEqual(deliver(core, [d]), [[0, 0]]);
  assert.deepEqual(read(core, 3).net_dev!.map((i) => i.name), ["a", "b", "c", "d"]);
});

// ---- derived values from hostile header fields ---------------------------------------------

test(`a net rate is a finite number whatever the sample times${open("net rate not finite")}`, () => {
  const core = new Core(16);
  // node 4, two updates of a whole net/dev with one interface "e": rx and tx bytes 0 sampled
  // at 5e-324 ms (the least double), then rx 1 sampled at 1e-323 ms. The rate is bytes over
  // (t1 - t0) / 1000 s, and 5e-324 / 1000 is 0 in doubles: 1 / 0 = Infinity (0 / 0 = NaN).
  const first = bytes(`
    425354570101000000009000000000000700000000000000010000000000000004000000010000000000010000000000881300000000000000000000
    000000000000000000408f40000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000003031500000000000100000000000000653a203020302030203020302030203020302030
    0a`);
  // update 2, sequence 2, sampled at 1e-323 ms, "e: 1 0 0 0 0 0 0 0 0\n"
  const second = bytes(`
    425354570101000000009000000000000700000000000000020000000000000004000000020000000000010000000000881300000000000000000000
    000000000000000000408f40000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000003031500000000000200000000000000653a203120302030203020302030203020302030
    0a`);
  assert.deepEqual(deliver(core, [first, second]), [[0, 0], [0, 0]]);
  const rate = read(core, 4).net_rate;
  assert.ok(rate === null || (Number.isFinite(rate) && rate >= 0), `net rate ${rate}`);
});

test(`three of a node's reporting intervals saturate rather than wrap around in NODE_DOWN_AFTER${open("down-after wraps")}`, () => {
  const core = new Core(16);
  const L = core.layout;
  // node 5, no sections, W_INTERVAL 0x55555556 ms: 3 x 0x55555556 = 2^32 + 2, stored in a u32 as 2
  const d = bytes(`
    425354570101000000009000000000000700000000000000010000000000000005000000010000000000010000000000565555550000000000000000
    000000000000000000408f40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
    000000000000000000000000000000000000000000000000`);
  assert.deepEqual(deliver(core, [d]), [[0, 0]]);
  assert.equal(u32Of(core, 5, L.NODE_DOWN_AFTER), 0xffffffff, "down after as long as a u32 holds, not 2 ms");
});

// ---- the host path -----------------------------------------------------------------------

test(`--max-skew rejects a datagram whose send time is NaN, and counts it${open("NaN send time passes --max-skew")}`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "recvstats-skew-"));
  // binds an ephemeral UDP port it never receives on and, without -i, sends nothing
  const collector = await Collector.start(
    {
      port: 0, group: DEFAULT_GROUP, shmDir: dir, downAfterMs: 0, requestIntervalMs: 60_000, maxNodes: 16,
      maxCpus: 8192, maxIfaces: 4096, auth: "off", maxSkewMs: 60_000,
    },
    createLog("recvstats", () => {}),
  );
  try {
    // node 2, no sections, send time NaN (bytes 64-71: 000000000000f87f)
    const nan = bytes(`
      425354570101000000009000000000000700000000000000010000000000000002000000010000000000010000000000881300000000000000000000
      00000000000000000000f87f000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
      000000000000000000000000000000000000000000000000`);
    // the same sent at 1 s after the epoch: far off the master's clock, rejected today
    const early = Buffer.from(nan);
    early.writeDoubleLE(1000, 64);
    collector.onDatagram(early, "10.0.0.1");
    collector.onDatagram(nan, "10.0.0.1");
  } finally {
    collector.close();
  }
  const reader = ShmReader.open(dir);
  try {
    assert.equal(reader.header().rejected.skew, 2, "both datagrams rejected for skew");
    assert.equal(reader.node(2), null, "node 2 was never published");
  } finally {
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The wire protocol through the real WASM decoder: datagrams made by sendstats' encoder from
// fixture machines are checked and applied into a table, and must give exactly what parsing
// the files directly gives, in any arrival order; every proper prefix, a trailing byte and
// each broken header field are rejected with their reason and counted; parts merge without
// blanking what they do not carry, and CPUs an update no longer lists go when it completes.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseMachine } from "../../src/machine";
import { readProcRoot, type ProcFiles } from "../../src/proc";
import { NodeStatus, RecordReader } from "../../src/record";
import { Core, SECTION_NAMES, namesOf } from "../../src/wasm";
import { Encoder, Update, encodeRequest } from "../../src/wire";
import { FIXTURES } from "../helpers/paths";

const LOCAL = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);

function parsed(n: NodeStatus): Partial<NodeStatus> {
  const { cpu_count, MHz, cpuinfo, loadavg, meminfo, stat_cpu, net_dev, stat, failed } = n;
  return { cpu_count, MHz, cpuinfo, loadavg, meminfo, stat_cpu, net_dev, stat, failed };
}

function update(files: ProcFiles, over: Partial<Update> = {}): Update {
  const f: Update["files"] = {};
  for (const [k, v] of Object.entries(files)) if (k !== "statfs") f[k as keyof Update["files"]] = { text: v!, sampleMs: 1000 };
  return { node: 5, hostname: "n5", instance: 1000n, updateId: 1, intervalMs: 5000, userHz: 100, arch: 1, files: f, ...over };
}

/** Encodes u with a fresh encoder at mtu; sequence numbers from seq0 + 1. */
function encode(u: Update, mtu = 1472, seq0 = 0n): Buffer[] {
  let seq = seq0;
  return new Encoder(new Core(1), mtu).encode(u, () => ++seq).datagrams;
}

/** Checks and applies each datagram; returns the reasons (0 = applied). */
function deliver(core: Core, datagrams: Buffer[], node?: number): number[] {
  return datagrams.map((d) => {
    const why = core.check(d, core.layout.WT_STATUS);
    return why || core.apply(node ?? core.datagramNode(), LOCAL, 2000, 0);
  });
}

function read(core: Core, node: number): NodeStatus {
  const t = core.tableBase();
  return new RecordReader(core.layout, core.memory()).node(t, t + core.tableRecord(node));
}

function counters(core: Core): Record<string, number> {
  const L = core.layout;
  const dv = new DataView(core.memory().buffer);
  const out: Record<string, number> = {};
  for (const [c, name] of namesOf(L, "C_")) out[name] = Number(dv.getBigUint64(core.tableBase() + L.TABLE_COUNTERS + 8 * c, true));
  for (const [r, name] of namesOf(L, "R_")) out[`rejected_${name}`] = Number(dv.getBigUint64(core.tableBase() + L.TABLE_COUNTERS + 8 * (L.C_REJECT + r), true));
  return out;
}

const MACHINES = ["procfs-x86_64-8cpu", "hp-bl920gen8-x86_64-480cpu", "sysstat-x86_64-t1-cpu6-offline", "kvm-x86_64-2cpu-linux6.18"];

test("an update through the wire equals the files parsed directly, in any arrival order", () => {
  for (const m of MACHINES) {
    const files = readProcRoot(join(FIXTURES, m));
    const direct = parsed(parseMachine(new Core(8), files, 5).status);
    const datagrams = encode(update(files));
    for (const order of [datagrams, [...datagrams].reverse(), datagrams.map((_, i) => datagrams[(i * 7) % datagrams.length])]) {
      if (new Set(order).size !== order.length) continue; // 7 shares a factor with the count
      const core = new Core(8);
      assert.deepEqual(deliver(core, order), order.map(() => 0), m);
      const n = read(core, 5);
      assert.deepEqual(parsed(n), direct, m);
      assert.equal(n.name, "n5");
      assert.equal(n.addr, "127.0.0.1");
    }
  }
});

test("no datagram exceeds the MTU, at 1472 and at the smallest MTU", () => {
  const files = readProcRoot(join(FIXTURES, "hp-bl920gen8-x86_64-480cpu"));
  for (const mtu of [1472, 512]) {
    const ds = encode(update(files), mtu);
    assert.ok(Math.max(...ds.map((d) => d.length)) <= mtu - 32, `mtu ${mtu}: the tag's 32 bytes stay free`);
    const core = new Core(8);
    assert.ok(deliver(core, ds).every((r) => r === 0));
    assert.equal(read(core, 5).stat_cpu!.length, 480);
  }
});

test("the filter keeps exactly what the parsers use: parsing the kept lines gives the same record", () => {
  const core = new Core(1);
  for (const m of MACHINES.concat(["sysstat-x86_64-10cpu-7col-stat"])) {
    const files = readProcRoot(join(FIXTURES, m));
    for (const section of SECTION_NAMES) {
      const text = files[section];
      if (!text) continue;
      const kept = core.filter(section, text);
      const keptText = Uint8Array.from(kept.text);
      assert.ok(keptText.length <= text.length);
      if (section === "stat") assert.ok(!Buffer.from(keptText).toString("latin1").includes("intr "), "no intr line");
      if (section === "cpuinfo") assert.ok(!/^(flags|bugs)\b/m.test(Buffer.from(keptText).toString("latin1")), "no flags or bugs lines");
      const a = parsed(parseMachine(new Core(1), { [section]: text }, -1).status);
      const b = parsed(parseMachine(new Core(1), { [section]: keptText }, -1).status);
      assert.deepEqual(b, a, `${m} ${section}`);
    }
  }
  // the cpuinfo captures of other architectures too, global lines and all
  for (const f of ["s390x", "arm7legacy", "pcp-8cpu-aarch64-linux-3.17.0", "pcp-4cpu-alpha", "pcp-4cpu-ia64-linux-2.6.32", "ppc64"]) {
    const text = readFileSync(join(FIXTURES, "cpuinfo-arch", f));
    const kept = Uint8Array.from(core.filter("cpuinfo", text).text);
    const a = parsed(parseMachine(new Core(1), { cpuinfo: text }, -1).status);
    const b = parsed(parseMachine(new Core(1), { cpuinfo: kept }, -1).status);
    // a last line without newline is dropped by both: the filter and the parser
    assert.deepEqual(b, a, f);
  }
});

test("every proper prefix of a valid datagram is rejected cleanly and counted", () => {
  const core = new Core(8);
  const L = core.layout;
  const reasons = namesOf(L, "R_");
  const [d] = encode(update(readProcRoot(join(FIXTURES, "kvm-x86_64-2cpu-linux6.18"))));
  const seen = new Set<string>();
  for (let len = 0; len < d.length; len++) {
    const why = core.check(d.subarray(0, len), L.WT_STATUS);
    assert.ok(why > 0, `prefix of ${len} bytes accepted`);
    seen.add(reasons.get(why)!);
  }
  assert.deepEqual([...seen].sort(), ["section_len", "short"]);
  const c = counters(core);
  assert.equal(c.received, d.length);
  assert.equal(c.rejected_short + c.rejected_section_len, d.length);
  assert.equal(c.accepted, 0);
  assert.equal(core.tableRecord(5), 0, "nothing was applied");
});

test("each broken header field is rejected for its own reason", () => {
  const core = new Core(8);
  const L = core.layout;
  const reasons = namesOf(L, "R_");
  const [good] = encode(update(readProcRoot(join(FIXTURES, "kvm-x86_64-2cpu-linux6.18"))));
  const broken = (edit: (b: Buffer) => void, extra = 0): Buffer => {
    const b = Buffer.alloc(good.length + extra);
    good.copy(b);
    edit(b);
    return b;
  };
  const cases: Array<[string, Buffer, string]> = [
    ["a trailing byte", broken(() => {}, 1), "trailing"],
    ["another magic", broken((b) => (b[L.W_MAGIC] ^= 1)), "magic"],
    ["version 2", broken((b) => (b[L.W_VERSION] = 2)), "version"],
    ["a request where a status is wanted", broken((b) => (b[L.W_TYPE] = L.WT_REQUEST)), "type"],
    ["an unknown flag", broken((b) => b.writeUInt16LE(4, L.W_FLAGS)), "flags"],
    ["a key id without the auth flag", broken((b) => b.writeUInt16LE(7, L.W_KEY_ID)), "flags"],
    ["another header length", broken((b) => b.writeUInt16LE(L.W_STATUS_LEN + 8, L.W_HEADER_LEN)), "header_len"],
    ["part 1 of 1", broken((b) => b.writeUInt16LE(1, L.W_PART)), "part"],
    ["0 parts", broken((b) => b.writeUInt16LE(0, L.W_PARTS)), "part"],
    ["an unknown section", broken((b) => (b[L.W_STATUS_LEN + L.WS_SECTION] = 9)), "section"],
    ["a section longer than what remains", broken((b) => b.writeUInt16LE(0xffff, L.W_STATUS_LEN + L.WS_LENGTH)), "section_len"],
    ["one section more than there is", broken((b) => (b[L.W_NSECTIONS] += 1)), "section_len"],
    ["one section less than there is", broken((b) => (b[L.W_NSECTIONS] -= 1)), "trailing"],
  ];
  for (const [what, d, reason] of cases) assert.equal(reasons.get(core.check(d, L.WT_STATUS)), reason, what);
  assert.equal(core.check(good, L.WT_STATUS), 0);
  // a status datagram is not a request, for a node agent
  assert.equal(reasons.get(core.check(good, L.WT_REQUEST)), "type");
});

test("the same datagram twice, an older instance, and a stale update change nothing and are counted", () => {
  const core = new Core(8);
  const files = readProcRoot(join(FIXTURES, "procfs-x86_64-8cpu"));
  const first = encode(update(files, { instance: 2000n, updateId: 7 }));
  assert.ok(deliver(core, first).every((r) => r === 0));
  const before = JSON.stringify(parsed(read(core, 5)));
  const reasons = namesOf(core.layout, "R_");
  assert.equal(reasons.get(deliver(core, [first[0]])[0]), "replay");
  // an older start of sendstats claiming the same node: the newer one wins
  const older = encode(update(files, { instance: 1000n, updateId: 99 }));
  assert.equal(reasons.get(deliver(core, [older[0]])[0]), "stale_instance");
  // a part of update 6 after update 7 has begun
  const stale = encode(update(files, { instance: 2000n, updateId: 6 }), 1472, 100n);
  assert.equal(reasons.get(deliver(core, [stale[0]])[0]), "stale_update");
  assert.equal(JSON.stringify(parsed(read(core, 5))), before);
  const c = counters(core);
  assert.equal(c.conflicts, 1);
  assert.equal(c.rejected_replay, 1);
});

test("the replay window: 511 behind the newest is accepted once (reordering); 512 behind, or a repeat, is a replay", () => {
  const core = new Core(8);
  const reasons = namesOf(core.layout, "R_");
  const files = readProcRoot(join(FIXTURES, "procfs-x86_64-8cpu"));
  // the parts of one update, sent with sequence numbers far apart (REPLAY_WINDOW is 512)
  assert.equal(core.layout.REPLAY_WINDOW, 512);
  const seqs = [10_001n, 10_000n, 10_512n];
  let later = 20_000n;
  const ds = new Encoder(new Core(1), 512).encode(update(files, { instance: 2000n }), () => seqs.shift() ?? ++later).datagrams;
  assert.ok(ds.length >= 3, `${ds.length} parts`);
  assert.deepEqual(deliver(core, [ds[2]]), [0], "10512, the newest");
  assert.deepEqual(deliver(core, [ds[0]]), [0], "10001, 511 behind: reordered, accepted");
  assert.equal(reasons.get(deliver(core, [ds[1]])[0]), "replay", "10000, 512 behind");
  assert.equal(reasons.get(deliver(core, [ds[0]])[0]), "replay", "10001 again");
  const c = counters(core);
  assert.equal(c.reordered, 1);
  assert.equal(c.rejected_replay, 2);
});

test("sequence gaps are counted per node and for the collector", () => {
  const core = new Core(8);
  const files = readProcRoot(join(FIXTURES, "hp-bl920gen8-x86_64-480cpu"));
  const ds = encode(update(files));
  const kept = ds.filter((_, i) => i !== 3 && i !== 4 && i !== 10);
  deliver(core, kept);
  assert.equal(counters(core).seq_gaps, 3);
  const dv = new DataView(core.memory().buffer);
  assert.equal(dv.getUint32(core.tableBase() + core.tableRecord(5) + core.layout.NODE_SEQ_GAPS, true), 3);
});

test("a part never blanks what it does not carry; CPUs an update no longer lists go when it completes", () => {
  const dir = join(FIXTURES, "hp-bl920gen8-x86_64-480cpu");
  const files = readProcRoot(dir);
  const core = new Core(8);
  deliver(core, encode(update(files, { updateId: 1 })));
  assert.equal(read(core, 5).stat_cpu!.length, 480);
  // update 2: CPUs 100-109 went offline (hot-plug)
  const stat = Buffer.from(files.stat!).toString("latin1").split("\n").filter((l) => !/^cpu10\d /.test(l)).join("\n");
  const ds = encode(update({ ...files, stat: Buffer.from(stat, "latin1") }, { updateId: 2 }), 1472, 1000n);
  // all but the last part: nothing is removed yet, and nothing is blanked
  deliver(core, ds.slice(0, -1));
  const mid = read(core, 5);
  assert.equal(mid.stat_cpu!.length, 480);
  assert.equal(mid.cpuinfo!.length, 480);
  deliver(core, ds.slice(-1));
  const done = read(core, 5);
  assert.deepEqual(done.stat_cpu!.map((c) => c.cpu), [...Array(480).keys()].filter((i) => i < 100 || i > 109));
  assert.equal(done.cpuinfo!.length, 480, "cpuinfo was not in this update: it stays");
  // an update whose part is lost never completes, so it removes nothing
  const ds3 = encode(update(files, { updateId: 3 }), 1472, 2000n);
  deliver(core, ds3.filter((_, i) => i !== 0));
  assert.equal(read(core, 5).stat_cpu!.length, 480, "the CPUs came back in the parts that arrived");
});

test("a request addresses all nodes, one node or a range, and may set the interval", () => {
  const core = new Core(1);
  const L = core.layout;
  const req = (r: Parameters<typeof encodeRequest>[1]) => {
    assert.equal(core.check(encodeRequest(L, r), L.WT_REQUEST), 0);
  };
  req({ instance: 1n, seq: 1n, target: "all", full: true, count: 20000 });
  assert.equal(core.requestFor(7), 3);
  assert.equal(core.requestFor(L.NODE_UNSET), 3);
  assert.equal(core.requestSpan(), 20000);
  req({ instance: 1n, seq: 2n, target: "one", first: 7, full: false, intervalMs: 2000 });
  assert.equal(core.requestFor(7), 1);
  assert.equal(core.requestFor(8), 0);
  assert.equal(core.requestInterval(), 2000);
  req({ instance: 1n, seq: 3n, target: "range", first: 10, last: 19, full: true });
  assert.deepEqual([9, 10, 19, 20].map((n) => core.requestFor(n)), [0, 3, 3, 0]);
  assert.equal(core.requestSpan(), 10);
  const bad = encodeRequest(L, { instance: 1n, seq: 4n, target: "all", full: false });
  bad[L.W_TARGET] = 3;
  assert.equal(namesOf(L, "R_").get(core.check(bad, L.WT_REQUEST)), "flags");
});

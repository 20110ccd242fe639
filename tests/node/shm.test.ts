// The status file end to end: a real core filled with fixture machines, published by
// ShmWriter into a temporary directory, read back by ShmReader in this process and by the
// beostat bundle in another one, and compared with what RecordReader reads from WASM memory.
// Also: modes under a hostile umask, replacement by a new inode, a record locked for good,
// a hostile record, growth past a reader's mapping, `up`, and docs/shm-format.md.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import mmap from "@riaskov/mmap-io";
import { parse } from "../../src/json";
import { parseMachine } from "../../src/machine";
import { readProcRoot } from "../../src/proc";
import { NodeStatus, RecordReader } from "../../src/record";
import { READ_RETRIES, SHM_FILE, ShmReader, ShmWriter } from "../../src/shm";
import { Core } from "../../src/wasm";
import { FIXTURES, ROOT, bundle } from "../helpers/paths";

const MAX_BYTES = 1 << 30;
const DOWN_AFTER_MS = 60_000;
const top = mkdtempSync(join(tmpdir(), "recvstats-shm-"));
after(() => rmSync(top, { recursive: true, force: true }));
let dirs = 0;
/** A fresh directory path (not created) for one test's file. */
const freshDir = (): string => join(top, `d${++dirs}`);

const MACHINES: Array<[number, string]> = [
  [-1, "kvm-x86_64-2cpu-linux6.18"],
  [0, "procfs-x86_64-8cpu"],
  [1, "hp-bl920gen8-x86_64-480cpu"],
];

/** Sets a record's receive time and down-after in WASM memory, as the wire decoder does on receive. */
function stamp(core: Core, node: number, timeMs: number, downAfterMs = DOWN_AFTER_MS): void {
  const dv = new DataView(core.memory().buffer);
  const rec = core.tableBase() + core.tableRecord(node);
  dv.setFloat64(rec + core.layout.NODE_TIME, timeMs, true);
  dv.setUint32(rec + core.layout.NODE_DOWN_AFTER, downAfterMs, true);
}

/** A core holding the MACHINES (plus any extra nodes given), each stamped as received now. */
function cluster(maxNodes = 8): Core {
  const core = new Core(maxNodes);
  for (const [node, machine] of MACHINES) {
    parseMachine(core, readProcRoot(join(FIXTURES, machine)), node, 1000);
    stamp(core, node, Date.now());
  }
  return core;
}

/** Publishes the header, then every node of core, as recvstats does after a batch. */
function publishAll(core: Core, writer: ShmWriter, nodes: number[] = MACHINES.map(([n]) => n)): void {
  writer.publishHeader(core.memory(), core.tableBase());
  for (const n of nodes) writer.publishNode(core.memory(), core.tableBase(), core.tableRecord(n));
}

/** What RecordReader reads of node n straight from WASM memory. */
function fromWasm(core: Core, n: number): NodeStatus {
  const table = core.tableBase();
  return new RecordReader(core.layout, core.memory()).node(table, table + core.tableRecord(n));
}

/** A writer of a fresh dir with the cluster published and a live heartbeat. */
function published(core = cluster()): { dir: string; writer: ShmWriter; core: Core } {
  const dir = freshDir();
  const writer = ShmWriter.create(dir, core.layout, { maxBytes: MAX_BYTES });
  publishAll(core, writer);
  writer.setHostFields({ pid: process.pid, heartbeatMs: Date.now(), startedMs: Date.now() });
  return { dir, writer, core };
}

/** A writable mapping of a status file, to damage it as a buggy or hostile writer would. */
function scribble(dir: string): { map: Buffer; words: Int32Array } {
  const fd = openSync(join(dir, SHM_FILE), "r+");
  const map = mmap.map(statSync(join(dir, SHM_FILE)).size, 3, mmap.MAP_SHARED, fd);
  closeSync(fd);
  return { map, words: new Int32Array(map.buffer, map.byteOffset, map.length >>> 2) };
}

test("a reader decodes every node exactly as RecordReader reads it from WASM memory", () => {
  const { dir, writer, core } = published();
  const reader = ShmReader.open(dir, core.layout);
  for (const [n] of MACHINES) {
    const got = reader.node(n);
    assert.ok(got, `node ${n}`);
    assert.equal(got.up, true, `node ${n} is up`);
    assert.deepStrictEqual({ ...got, up: null }, fromWasm(core, n), `node ${n}`);
  }
  assert.equal(reader.node(5), null, "a node the table has no record of");
  assert.equal(reader.node(1000), null, "a node beyond the directory");
  assert.deepEqual(reader.nodeNumbers(), [-1, 0, 1]);
  assert.deepEqual(reader.nodes().map((s) => s.node), [-1, 0, 1]);
  reader.close();
  reader.close();
  writer.close();
  writer.close();
});

test("a reader in another process (the beostat bundle) gets the same nodes", () => {
  const { dir, writer, core } = published();
  const r = spawnSync(process.execPath, [bundle("beostat"), "--shm-dir", dir, "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const nodes = parse(r.stdout) as NodeStatus[];
  assert.deepStrictEqual(
    nodes,
    MACHINES.map(([n]) => ({ ...fromWasm(core, n), up: true })),
  );
  writer.close();
});

test("the file is 0644 and sparse, and a directory it creates is 1777, under umask 077", () => {
  const dir = freshDir();
  const old = process.umask(0o077);
  let writer: ShmWriter;
  try {
    writer = ShmWriter.create(join(dir, "sub"), new Core(1).layout, { maxBytes: MAX_BYTES });
  } finally {
    process.umask(old);
  }
  const st = statSync(join(dir, "sub", SHM_FILE));
  assert.equal(st.mode & 0o7777, 0o644);
  assert.ok(st.blocks * 512 < st.size, `${st.blocks} blocks of ${st.size} bytes: sparse`);
  assert.equal(statSync(join(dir, "sub")).mode & 0o7777, 0o1777);
  assert.deepEqual(writer.warnings, []);
  assert.deepEqual(readdirSync(join(dir, "sub")), [SHM_FILE], "no temporary file left");
  writer.close();
});

test("a directory others cannot search gives one warning, and the file is still made", () => {
  const dir = freshDir();
  mkdirSync(dir, { mode: 0o700 });
  const writer = ShmWriter.create(dir, new Core(1).layout, { maxBytes: MAX_BYTES });
  assert.equal(writer.warnings.length, 1);
  assert.match(writer.warnings[0], /mode 0700: readers of other accounts cannot open .*beostat/);
  assert.equal(statSync(dir).mode & 0o7777, 0o700, "an existing directory's mode is left alone");
  writer.close();
});

test("a fresh file is a valid empty table before anything is published", () => {
  const dir = freshDir();
  const layout = new Core(1).layout;
  const writer = ShmWriter.create(dir, layout, { maxBytes: MAX_BYTES });
  const reader = ShmReader.open(dir, layout);
  assert.deepEqual(reader.nodes(), []);
  assert.equal(reader.header().pid, process.pid);
  assert.equal(reader.header().heartbeatMs, null);
  writer.close();
});

test("a second create replaces the file by a new inode; an old reader keeps reading its mapping, flagged superseded", () => {
  const { dir, writer, core } = published();
  const L = core.layout;
  const before = statSync(join(dir, SHM_FILE)).ino;
  const oldReader = ShmReader.open(dir, L);
  const second = ShmWriter.create(dir, L, { maxBytes: MAX_BYTES });
  assert.notEqual(statSync(join(dir, SHM_FILE)).ino, before);
  assert.equal(oldReader.flags() & L.TFLAG_SUPERSEDED, L.TFLAG_SUPERSEDED);
  assert.deepStrictEqual({ ...oldReader.node(0)!, up: null }, fromWasm(core, 0));
  // the old writer still publishes into its (now unnamed) file, and its readers see it
  parseMachine(core, readProcRoot(join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")), 0, 2000);
  publishAll(core, writer, [0]);
  assert.equal(oldReader.node(0)!.cpu_count, 2);
  assert.equal(oldReader.flags() & L.TFLAG_SUPERSEDED, L.TFLAG_SUPERSEDED, "publishing keeps the flag");
  writer.setHostFields({ flags: L.TFLAG_STOPPED });
  assert.equal(oldReader.flags(), L.TFLAG_STOPPED | L.TFLAG_SUPERSEDED, "and so does setting the collector's flags");
  const newReader = ShmReader.open(dir, L);
  assert.deepEqual(newReader.nodes(), [], "the new file starts empty");
  assert.equal(newReader.flags() & L.TFLAG_SUPERSEDED, 0);
  writer.close();
  second.close();
});

test("a record whose sequence number stays odd makes the reader give up with a clear error", () => {
  const { dir, writer, core } = published();
  const reader = ShmReader.open(dir, core.layout);
  const { words } = scribble(dir);
  const seqWord = (core.tableRecord(0) + core.layout.NODE_SEQ) >>> 2;
  Atomics.add(words, seqWord, 1); // a writer that died inside its copy
  const started = Date.now();
  assert.throws(() => reader.node(0), /beostat: record of node 0 is being rewritten continuously/);
  assert.ok(Date.now() - started < 5000, `gave up after ${READ_RETRIES} tries, in ${Date.now() - started} ms`);
  assert.ok(reader.node(1), "the other nodes still read");
  Atomics.add(words, seqWord, 1);
  assert.ok(reader.node(0), "and node 0 again once the record is whole");
  writer.close();
});

test("a record pointing outside the file gives an error, not a crash", () => {
  const { dir, writer, core } = published();
  const L = core.layout;
  const reader = ShmReader.open(dir, L);
  const { map } = scribble(dir);
  const rec = core.tableRecord(1);
  // each of the three lists (the check of every read goes through each in turn)
  for (const ref of [L.NODE_CPUS, L.NODE_CIS, L.NODE_IFS]) {
    assert.ok(map.readUInt32LE(rec + ref + L.EXT_COUNT) > 0);
    const offsetAt = rec + ref + L.EXT_OFFSET;
    const good = map.readUInt32LE(offsetAt);
    map.writeUInt32LE(0xfffffff0, offsetAt);
    assert.throws(() => reader.node(1), /record of node 1 points outside the file/);
    map.writeUInt32LE(good, offsetAt);
  }
  const slotAt = map.readUInt32LE(L.TABLE_DIR) + 4 * (1 + 1);
  map.writeUInt32LE(0x7ffffff8, slotAt);
  assert.throws(() => reader.node(1), /record of node 1 points outside the file/);
  map.writeUInt32LE(rec, slotAt);
  assert.deepStrictEqual({ ...reader.node(1)!, up: null }, fromWasm(core, 1));
  writer.close();
});

test("the file keeps its own sequence numbers: +2 per publish, never the core's", () => {
  const { dir, writer, core } = published();
  const L = core.layout;
  publishAll(core, writer, [0]);
  const file = readFileSync(join(dir, SHM_FILE));
  assert.equal(file.readUInt32LE(core.tableRecord(0) + L.NODE_SEQ), 4);
  assert.equal(file.readUInt32LE(core.tableRecord(1) + L.NODE_SEQ), 2);
  assert.equal(file.readUInt32LE(L.TABLE_SEQ) % 2, 0);
  writer.close();
});

test("a record and its lists lying together are one copy; lying apart, cpuinfo entries are copied only when NODE_CPUINFO_GEN moved", () => {
  const { dir, writer, core } = published();
  const L = core.layout;
  const small = readProcRoot(join(FIXTURES, "procfs-x86_64-8cpu"));
  const big = readProcRoot(join(FIXTURES, "hp-bl920gen8-x86_64-480cpu"));
  const rec = core.tableRecord(0);
  const wasm = (): Uint8Array => core.memory();
  const t = (): number => core.tableBase();
  const u32 = (at: number): number => new DataView(wasm().buffer).getUint32(t() + at, true);
  const ext = (ref: number, size: number): [number, number] => [u32(rec + ref + L.EXT_OFFSET), u32(rec + ref + L.EXT_COUNT) * size];
  const together = (): boolean => {
    const [cis, ciBytes] = ext(L.NODE_CIS, L.CI_SIZE);
    const [ifs, ifBytes] = ext(L.NODE_IFS, L.IF_SIZE);
    const [cpus] = ext(L.NODE_CPUS, L.CPU_SIZE);
    return rec + L.NODE_SIZE === cis && cis + ciBytes === ifs && ifs + ifBytes === cpus;
  };
  const gen = (): number => u32(rec + L.NODE_CPUINFO_GEN);
  const models = [rec + L.NODE_MODELS, rec + L.NODE_MODELS + L.MODEL_SLOTS * L.MODEL_LEN];
  const { map } = scribble(dir);
  const file = (): Buffer => readFileSync(join(dir, SHM_FILE));
  const coreBytes = (from: number, to: number): Buffer => Buffer.from(wasm().subarray(t() + from, t() + to));
  const publish = (): void => writer.publishNode(wasm(), core.tableBase(), rec);

  // together (as a node's first update lays them out): an update without cpuinfo copies all,
  // the unchanged model names and cpuinfo entries along; what a reader would otherwise see
  // are bytes no core wrote
  assert.ok(together());
  const [ci0] = ext(L.NODE_CIS, L.CI_SIZE);
  map.fill(0x55, models[0], models[1]);
  map.fill(0x55, ci0, ci0 + L.CI_SIZE);
  const before = gen();
  parseMachine(core, { ...small, cpuinfo: undefined }, 0, 5000);
  assert.equal(gen(), before);
  publish();
  assert.equal(file().readDoubleLE(rec + L.NODE_SAMPLE_TIMES + 8 * L.SEC_STAT), 5000);
  assert.deepEqual(file().subarray(models[0], models[1]), coreBytes(models[0], models[1]));
  assert.deepEqual(file().subarray(ci0, ci0 + L.CI_SIZE), coreBytes(ci0, ci0 + L.CI_SIZE));

  // 480 CPUs: the lists grow, and move apart from the record
  parseMachine(core, big, 0, 6000);
  publish();
  assert.ok(!together());
  assert.deepStrictEqual({ ...ShmReader.open(dir, L).node(0)!, up: null }, { ...fromWasm(core, 0), up: null });
  // apart, an update without cpuinfo leaves the file's entries as they were
  const [ci1, ciBytes1] = ext(L.NODE_CIS, L.CI_SIZE);
  map.fill(0x55, ci1, ci1 + L.CI_SIZE);
  parseMachine(core, { ...big, cpuinfo: undefined }, 0, 7000);
  assert.equal(gen(), before + 1);
  publish();
  assert.equal(file().readDoubleLE(rec + L.NODE_SAMPLE_TIMES + 8 * L.SEC_STAT), 7000);
  assert.ok(file().subarray(ci1, ci1 + L.CI_SIZE).every((b) => b === 0x55));
  // with cpuinfo the count moves, and the entries are the core's again
  parseMachine(core, big, 0, 8000);
  assert.equal(gen(), before + 2);
  publish();
  assert.equal(ciBytes1, 480 * L.CI_SIZE);
  assert.deepEqual(file().subarray(ci1, ci1 + ciBytes1), coreBytes(ci1, ci1 + ciBytes1));
  assert.deepStrictEqual({ ...ShmReader.open(dir, L).node(0)!, up: null }, { ...fromWasm(core, 0), up: null });
  writer.close();
});

test("a node whose slot is published before its record reads as absent until the record is", () => {
  const { dir, writer, core } = published();
  const reader = ShmReader.open(dir, core.layout);
  parseMachine(core, readProcRoot(join(FIXTURES, "procfs-x86_64-8cpu")), 4, 1000);
  stamp(core, 4, Date.now());
  writer.publishHeader(core.memory(), core.tableBase());
  assert.deepEqual(reader.nodeNumbers(), [-1, 0, 1, 4]);
  assert.equal(reader.node(4), null);
  writer.publishNode(core.memory(), core.tableBase(), core.tableRecord(4));
  assert.deepStrictEqual({ ...reader.node(4)!, up: null }, fromWasm(core, 4));
  writer.close();
});

test("the reader maps the file again when the table grows past its mapping", () => {
  const { dir, writer, core } = published(cluster(64));
  const reader = ShmReader.open(dir, core.layout);
  const mappedBefore = reader.mappedBytes;
  const big = readProcRoot(join(FIXTURES, "hp-bl920gen8-x86_64-480cpu"));
  const extra = Array.from({ length: 24 }, (_, i) => 10 + i);
  for (const n of extra) {
    parseMachine(core, big, n, 1000);
    stamp(core, n, Date.now());
  }
  publishAll(core, writer, extra);
  const used = new DataView(core.memory().buffer).getUint32(core.tableBase() + core.layout.TABLE_USED, true);
  assert.ok(used > mappedBefore, `USED ${used} passed the first mapping of ${mappedBefore} bytes`);
  const last = extra[extra.length - 1];
  assert.deepStrictEqual({ ...reader.node(last)!, up: null }, fromWasm(core, last));
  assert.ok(reader.mappedBytes >= used, `mapped ${reader.mappedBytes} >= ${used}`);
  assert.equal(reader.nodes().length, MACHINES.length + extra.length);
  writer.close();
});

test("the writer refuses a table larger than maxBytes, leaving the file readable", () => {
  const core = cluster();
  const dir = freshDir();
  const writer = ShmWriter.create(dir, core.layout, { maxBytes: 64 << 10 });
  assert.throws(() => publishAll(core, writer), /the table needs \d+ bytes, more than the 65536 mapped/);
  const reader = ShmReader.open(dir, core.layout);
  assert.deepEqual(reader.nodes(), [], "the empty table, whole");
  assert.equal(reader.header().pid, process.pid);
  writer.close();
});

test("up: the node reported within its down-after and the collector is alive", () => {
  const { dir, writer, core } = published();
  const L = core.layout;
  const reader = ShmReader.open(dir, L);
  const now = Date.now();
  assert.equal(reader.node(0, now)!.up, true);
  assert.equal(reader.node(0, now + DOWN_AFTER_MS + 1000)!.up, false, "no report within down-after");
  stamp(core, 1, now - DOWN_AFTER_MS - 1);
  publishAll(core, writer, [1]);
  assert.equal(reader.node(1, now)!.up, false, "a report older than down-after");
  assert.equal(reader.node(1, now)!.time, Math.floor((now - DOWN_AFTER_MS - 1) / 1000));
  writer.setHostFields({ heartbeatMs: now - 6000 });
  assert.equal(reader.node(0, now)!.up, false, "the collector's heartbeat is stale");
  writer.setHostFields({ heartbeatMs: now });
  assert.equal(reader.node(0, now)!.up, true);
  writer.setHostFields({ flags: L.TFLAG_STOPPED });
  assert.equal(reader.node(0, now)!.up, false, "the collector stopped");
  writer.close();
});

test("header() gives the collector's fields and its counters by name", () => {
  const core = cluster();
  const L = core.layout;
  const dv = new DataView(core.memory().buffer);
  const counterAt = (c: number): number => core.tableBase() + L.TABLE_COUNTERS + 8 * c;
  dv.setBigUint64(counterAt(L.C_RECEIVED), 1234n, true);
  dv.setBigUint64(counterAt(L.C_KERNEL_DROPS), 7n, true);
  dv.setBigUint64(counterAt(L.C_REJECT + L.R_STALE_INSTANCE), 3n, true);
  const { dir, writer } = published(core);
  writer.setHostFields({ pid: 4242, heartbeatMs: 1.7e12, lastRequestMs: 1.7e12 - 500, startedMs: 1.6e12, flags: 0 });
  const h = ShmReader.open(dir, L).header();
  assert.equal(h.pid, 4242);
  assert.equal(h.heartbeatMs, 1.7e12);
  assert.equal(h.lastRequestMs, 1.7e12 - 500);
  assert.equal(h.startedMs, 1.6e12);
  assert.equal(h.flags, 0);
  assert.equal(h.counters.received, 1234);
  assert.equal(h.counters.kernel_drops, 7);
  assert.equal(h.counters.accepted, 0);
  assert.equal(h.rejected.stale_instance, 3);
  assert.equal(h.rejected.short, 0);
  assert.equal(Object.keys(h.rejected).length, Object.keys(L).filter((n) => n.startsWith("R_")).length);
  assert.ok(!("reject" in h.counters), "C_REJECT is the base of the rejected counters, not a counter");
  writer.close();
});

test("host fields come from the table's host area unless set with setHostFields, which then stay", () => {
  const core = cluster();
  const L = core.layout;
  const dv = new DataView(core.memory().buffer);
  const t = core.tableBase();
  dv.setUint32(t + L.TABLE_PID, 777, true); // the writer knows its own pid better
  dv.setFloat64(t + L.TABLE_HEARTBEAT, 1.5e12, true);
  dv.setUint32(t + L.TABLE_FLAGS, L.TFLAG_STOPPED, true);
  const dir = freshDir();
  const writer = ShmWriter.create(dir, L, { maxBytes: MAX_BYTES });
  writer.publishHeader(core.memory(), t);
  const reader = ShmReader.open(dir, L);
  assert.deepEqual([reader.header().pid, reader.header().heartbeatMs, reader.flags()], [process.pid, 1.5e12, L.TFLAG_STOPPED]);
  writer.setHostFields({ heartbeatMs: 1.6e12, flags: 0 });
  writer.publishHeader(core.memory(), t);
  assert.deepEqual([reader.header().pid, reader.header().heartbeatMs, reader.flags()], [process.pid, 1.6e12, 0]);
  writer.close();
  assert.throws(() => writer.setHostFields({ flags: 1 }), /the writer is closed/);
});

test("a missing file, a file of another kind and another layout are refused naming the file", () => {
  const layout = new Core(1).layout;
  const dir = freshDir();
  assert.throws(
    () => ShmReader.open(dir, layout),
    (err: NodeJS.ErrnoException) => err.code === "ENOENT" && err.message === `no status file at ${join(dir, SHM_FILE)}: is recvstats running?`,
  );
  mkdirSync(dir);
  const file = join(dir, SHM_FILE);
  writeFileSync(file, Buffer.alloc(100));
  assert.throws(() => ShmReader.open(dir, layout), new RegExp(`${file}: 100 bytes, too short`));
  writeFileSync(file, Buffer.alloc(4096));
  assert.throws(() => ShmReader.open(dir, layout), new RegExp(`${file}: not a status file`));
  const table = Buffer.alloc(4096);
  table.writeUInt32LE(layout.TABLE_MAGIC, layout.TABLE_MAGIC_AT);
  table.writeUInt32LE(layout.LAYOUT_VERSION + 1, layout.TABLE_VERSION);
  writeFileSync(file, table);
  assert.throws(() => ShmReader.open(dir, layout), new RegExp(`${file}: layout version ${layout.LAYOUT_VERSION + 1}`));
});

// ---- docs/shm-format.md against the module ----------------------------------------------

const page = readFileSync(join(ROOT, "docs/shm-format.md"), "utf8");
const rows = [...page.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])] as const);

test("every offset and number in docs/shm-format.md is the module's", () => {
  const layout = new Core(1).layout;
  assert.ok(rows.length > 40, "the page has its tables");
  for (const [name, value] of rows) assert.equal(layout[name], value, name);
});

test("docs/shm-format.md names every header field, flag and counter of the module", () => {
  const layout = new Core(1).layout;
  const documented = new Set(rows.map(([name]) => name));
  const wanted = Object.keys(layout).filter((n) => /^(C_|R_|TFLAG_)/.test(n) || (n.startsWith("TABLE_") && n !== "TABLE_MAGIC"));
  assert.deepEqual(wanted.filter((n) => !documented.has(n)), []);
});

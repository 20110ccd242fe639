// Specs of the node table (assembly/table.ts): the header tableInit writes, node numbers and
// their limits, records reused across commits, extents that grow with hot-plugged CPUs and
// are reused through the free lists, CPU usage and the network rate derived from two samples,
// the record sequence lock, and one node's commit leaving every other node's bytes alone.
// Sections are parsed with the real parsers; offsets and rates are computed by hand.

import {
  CIF_INDEX, CIF_MHZ, CIF_MODEL, CI_INDEX, CI_MHZ, CI_PRESENT, CI_SIZE, COMMIT_META, CPU_INDEX, CPU_SIZE, CPU_TICKS,
  CPU_USAGE, EXT_CAPACITY, EXT_COUNT, EXT_CPU, EXT_CLASSES, EXT_OFFSET, EXT_TYPES, F_ARCH, F_CPU_COUNT, F_CTXT,
  F_INSTANCE, F_INTERVAL, F_LOAD, F_MEM, F_NAME, F_NET_RATE, F_SECTION, F_USER_HZ, IF_SIZE, LAYOUT_VERSION, MAX_CPUS,
  MEM_TOTAL, MODEL_LEN, MODEL_SLOTS, NODE_ARCH, NODE_CIS, NODE_CPUINFO_GEN, NODE_CPUS, NODE_CPU_COUNT, NODE_CPU_TOTAL, NODE_CTXT,
  NODE_IFS, NODE_INSTANCE, NODE_INTERVAL_MS, NODE_LOAD, NODE_MEM, NODE_MHZ, NODE_MODELS, NODE_NAME, NODE_NET_RATE,
  NODE_NUMBER, NODE_PRESENT, NODE_SAMPLE_TIMES, NODE_SEQ, NODE_SIZE, NODE_STATE, NODE_TIME, NODE_USER_HZ,
  NSTATE_CPUS_CUT, NSTATE_IN_USE, SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV, SEC_STAT, TABLE_CI_SIZE,
  TABLE_CPU_SIZE, TABLE_DIR, TABLE_FREE, TABLE_HEADER_BYTES, TABLE_HEADER_SIZE, TABLE_IF_SIZE, TABLE_MAGIC,
  TABLE_MAGIC_AT, TABLE_MAX_NODES, TABLE_MODEL_LEN_AT, TABLE_MODEL_SLOTS_AT, TABLE_NODE_COUNT, TABLE_NODE_SIZE,
  TABLE_SEQ, TABLE_USED, TABLE_VERSION, USAGE_NONE,
} from "../../assembly/layout";
import { parseCpuinfo } from "../../assembly/proc/cpuinfo";
import { parseLoadavg } from "../../assembly/proc/loadavg";
import { parseMeminfo } from "../../assembly/proc/meminfo";
import { parseNetDev } from "../../assembly/proc/net_dev";
import { parseStat } from "../../assembly/proc/stat";
import { S_BAD_CALL, S_LIMIT, S_OK } from "../../assembly/status";
import { table, tableCommit, tableEnsure, tableInit, tableRecord, tableStatus } from "../../assembly/table";
import { cstr, freshRecord, isFailed, isPresent, rec, run } from "./fixture";

// ---- helpers ----------------------------------------------------------------------------

function hdr(at: u32): u32 {
  return load<u32>(table + at);
}

/** Address of node's record (the table may move: never keep it across a commit). */
function node(n: i32): usize {
  return table + tableRecord(n);
}

function extOffset(n: i32, ref: u32): u32 {
  return load<u32>(node(n) + ref + EXT_OFFSET);
}

function extCapacity(n: i32, ref: u32): u32 {
  return load<u32>(node(n) + ref + EXT_CAPACITY);
}

function extCount(n: i32, ref: u32): u32 {
  return load<u32>(node(n) + ref + EXT_COUNT);
}

/** Address of entry i of the extent at ref of node n, entries of size bytes. */
function entryOf(n: i32, ref: u32, size: u32, i: u32): usize {
  return table + extOffset(n, ref) + <usize>i * size;
}

function usageOf(n: i32, i: u32): u32 {
  return <u32>load<u16>(entryOf(n, NODE_CPUS, CPU_SIZE, i) + CPU_USAGE);
}

function totalUsage(n: i32): u32 {
  return <u32>load<u16>(node(n) + NODE_CPU_TOTAL + CPU_USAGE);
}

/** Head of the free list of extents of type t, class c. */
function freeHead(t: u32, c: u32): u32 {
  return hdr(TABLE_FREE + ((t * EXT_CLASSES + c) << 2));
}

/** A stat file with n CPUs, CPU i having user = user0 + i, idle 1000. */
function statOf(n: i32, user0: i32): string {
  let s = "cpu  1 0 0 1000\n";
  for (let i = 0; i < n; i++) s += "cpu" + i.toString() + " " + (user0 + i).toString() + " 0 0 1000\n";
  return s;
}

function commitStat(n: i32, text: string): u32 {
  run(parseStat, text);
  return tableCommit(n, rec, 1 << SEC_STAT);
}

/** A /proc/net/dev line with rx and tx bytes, every other counter 0. */
function ifLine(name: string, rx: u64, tx: u64): string {
  return "  " + name + ": " + rx.toString() + " 0 0 0 0 0 0 0 " + tx.toString() + " 0 0 0 0 0 0 0\n";
}

/** Parses text as net/dev sampled at t ms (node clock) and commits it to node n. */
function commitNet(n: i32, text: string, t: f64): u32 {
  run(parseNetDev, text);
  store<f64>(rec + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3), t);
  return tableCommit(n, rec, 1 << SEC_NETDEV);
}

function netRate(n: i32): f64 {
  return load<f64>(node(n) + NODE_NET_RATE);
}

/** A copy of node n's record followed by its three extents' entries in use. */
function bytesOf(n: i32): ArrayBuffer {
  const refs: u32[] = [NODE_CPUS, NODE_CIS, NODE_IFS];
  const sizes: u32[] = [CPU_SIZE, CI_SIZE, IF_SIZE];
  let total: u32 = NODE_SIZE;
  for (let k = 0; k < 3; k++) total += extCount(n, refs[k]) * sizes[k];
  const out = new ArrayBuffer(<i32>total);
  const o = changetype<usize>(out);
  memory.copy(o, node(n), NODE_SIZE);
  let at: usize = NODE_SIZE;
  for (let k = 0; k < 3; k++) {
    const len = <usize>(extCount(n, refs[k]) * sizes[k]);
    memory.copy(o + at, entryOf(n, refs[k], sizes[k], 0), len);
    at += len;
  }
  return out;
}

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): bool {
  return a.byteLength == b.byteLength && memory.compare(changetype<usize>(a), changetype<usize>(b), a.byteLength) == 0;
}

// ---- specs ------------------------------------------------------------------------------

// Where things land in a fresh 32-node table: the heap starts at 1216 (1024 + 33 x 4, aligned
// to 64); node 0's record comes first, then each of its extents as it is needed (4, 8 and 512
// x CPU_SIZE are multiples of 64, so no padding).
const HEAP: u32 = 1216;
const EXT4: u32 = HEAP + NODE_SIZE;
const EXT8: u32 = EXT4 + 4 * CPU_SIZE;
const EXT512: u32 = EXT8 + 8 * CPU_SIZE;
const TOP: u32 = EXT512 + 512 * CPU_SIZE;

describe("tableInit", () => {
  it("writes the header of an empty table for node numbers -1 .. 31", () => {
    expect(tableInit(32)).toBe(S_OK);
    expect(hdr(TABLE_MAGIC_AT)).toBe(TABLE_MAGIC);
    expect(hdr(TABLE_MAGIC_AT)).toBe(0x42545342);
    expect(hdr(TABLE_VERSION)).toBe(LAYOUT_VERSION);
    // the sizes a reader steps by are the layout's own
    expect(hdr(TABLE_HEADER_SIZE)).toBe(TABLE_HEADER_BYTES);
    expect(hdr(TABLE_NODE_SIZE)).toBe(NODE_SIZE);
    expect(hdr(TABLE_CPU_SIZE)).toBe(CPU_SIZE);
    expect(hdr(TABLE_CI_SIZE)).toBe(CI_SIZE);
    expect(hdr(TABLE_IF_SIZE)).toBe(IF_SIZE);
    expect(hdr(TABLE_MAX_NODES)).toBe(32);
    expect(hdr(TABLE_DIR)).toBe(1024);
    // 1024 + 33 directory slots of 4 bytes = 1156, aligned to 64
    expect(hdr(TABLE_USED)).toBe(HEAP);
    expect(hdr(TABLE_NODE_COUNT)).toBe(0);
    expect(hdr(TABLE_SEQ)).toBe(0);
    expect(hdr(TABLE_MODEL_SLOTS_AT)).toBe(MODEL_SLOTS);
    expect(hdr(TABLE_MODEL_LEN_AT)).toBe(MODEL_LEN);
    for (let i: u32 = 0; i < EXT_TYPES * EXT_CLASSES; i++) expect(hdr(TABLE_FREE + (i << 2))).toBe(0);
    for (let n: i32 = -1; n < 32; n++) expect(tableRecord(n)).toBe(0);
  });

  it("drops the earlier table", () => {
    tableInit(32);
    tableEnsure(3);
    expect(tableInit(8)).toBe(S_OK);
    expect(hdr(TABLE_MAX_NODES)).toBe(8);
    expect(hdr(TABLE_NODE_COUNT)).toBe(0);
    expect(tableRecord(3)).toBe(0);
  });

  it("refuses a table for no node", () => {
    expect(tableInit(0)).toBe(S_BAD_CALL);
  });

  it("refuses node counts whose directory passes 1 GiB: 2^28, 2^30-1, 2^32-1", () => {
    expect(tableInit(1 << 28)).toBe(S_BAD_CALL);
    // (2^30-1 + 1) << 2 and (2^32-1 + 1) << 2 wrap to 0 in a 32-bit usize
    expect(tableInit(0x3fffffff)).toBe(S_BAD_CALL, "2^30-1 nodes need a 4 GiB directory");
    expect(tableInit(0xffffffff)).toBe(S_BAD_CALL, "2^32-1 nodes need a 16 GiB directory");
  });
});

describe("node records", () => {
  beforeEach(() => {
    tableInit(32);
    freshRecord();
  });

  it("creates the master's record (-1) and node 31's, in directory slots 0 and 32", () => {
    expect(tableEnsure(-1)).toBe(HEAP);
    expect(tableStatus).toBe(S_OK);
    expect(tableEnsure(31)).toBe(HEAP + NODE_SIZE);
    expect(tableRecord(-1)).toBe(HEAP);
    expect(tableRecord(31)).toBe(HEAP + NODE_SIZE);
    expect(hdr(1024)).toBe(HEAP);
    expect(hdr(1024 + 32 * 4)).toBe(HEAP + NODE_SIZE);
    expect(tableRecord(0)).toBe(0);
    expect(load<i32>(node(-1) + NODE_NUMBER)).toBe(-1);
    expect(load<i32>(node(31) + NODE_NUMBER)).toBe(31);
    expect(load<u32>(node(31) + NODE_STATE)).toBe(NSTATE_IN_USE);
    expect(hdr(TABLE_NODE_COUNT)).toBe(2);
    expect(hdr(TABLE_USED)).toBe(HEAP + 2 * NODE_SIZE);
    // the directory lock moved twice per new record and is even
    expect(hdr(TABLE_SEQ)).toBe(4);
  });

  it("refuses node numbers below -1 and from MAX_NODES up with LIMIT, changing nothing", () => {
    const bad: i32[] = [-2, 32, 33, i32.MAX_VALUE, i32.MIN_VALUE];
    for (let i = 0; i < bad.length; i++) {
      expect(tableEnsure(bad[i])).toBe(0);
      expect(tableStatus).toBe(S_LIMIT);
      expect(tableRecord(bad[i])).toBe(0);
      expect(tableCommit(bad[i], rec, 1 << SEC_MEMINFO)).toBe(S_LIMIT);
    }
    expect(hdr(TABLE_USED)).toBe(HEAP);
    expect(hdr(TABLE_NODE_COUNT)).toBe(0);
    expect(hdr(TABLE_SEQ)).toBe(0);
  });

  it("reuses a node's record across commits", () => {
    run(parseMeminfo, "MemTotal: 1 kB\n");
    expect(tableCommit(3, rec, 1 << SEC_MEMINFO)).toBe(S_OK);
    const off = tableRecord(3);
    expect(off).toBe(HEAP);
    run(parseMeminfo, "MemTotal: 2 kB\n");
    expect(tableCommit(3, rec, 1 << SEC_MEMINFO)).toBe(S_OK);
    expect(tableRecord(3)).toBe(off);
    expect(hdr(TABLE_NODE_COUNT)).toBe(1);
    expect(hdr(TABLE_USED)).toBe(HEAP + NODE_SIZE);
    expect(load<u64>(node(3) + NODE_MEM + (MEM_TOTAL << 3))).toBe(2048);
  });

  it("advances NODE_SEQ by 2 per commit and leaves it even", () => {
    run(parseMeminfo, "MemTotal: 1 kB\n");
    tableEnsure(5);
    expect(load<u32>(node(5) + NODE_SEQ)).toBe(0);
    tableCommit(5, rec, 1 << SEC_MEMINFO);
    expect(load<u32>(node(5) + NODE_SEQ)).toBe(2);
    tableCommit(5, rec, 1 << SEC_MEMINFO);
    tableCommit(5, rec, 0);
    expect(load<u32>(node(5) + NODE_SEQ)).toBe(6);
    // the directory lock moves only when a record is added
    expect(hdr(TABLE_SEQ)).toBe(2);
  });

  it("copies only the sections named in the mask, with their sample times and bits", () => {
    run(parseMeminfo, "MemTotal: 1 kB\n");
    run(parseLoadavg, "0.52 0.41 0.36 2/337 12345\n");
    store<f64>(rec + NODE_SAMPLE_TIMES + (SEC_MEMINFO << 3), 1000);
    store<f64>(rec + NODE_SAMPLE_TIMES + (SEC_LOADAVG << 3), 2000);
    expect(tableCommit(2, rec, 1 << SEC_MEMINFO)).toBe(S_OK);
    const r = node(2);
    expect(isPresent(r, F_MEM + MEM_TOTAL)).toBe(true);
    expect(isPresent(r, F_SECTION + SEC_MEMINFO)).toBe(true);
    expect(isPresent(r, F_LOAD)).toBe(false);
    expect(isPresent(r, F_SECTION + SEC_LOADAVG)).toBe(false);
    expect(load<u32>(r + NODE_LOAD)).toBe(0);
    expect(load<f64>(r + NODE_SAMPLE_TIMES + (SEC_MEMINFO << 3))).toBe(1000);
    expect(load<f64>(r + NODE_SAMPLE_TIMES + (SEC_LOADAVG << 3))).toBe(0);
    // a later commit of another section keeps this one
    expect(tableCommit(2, rec, 1 << SEC_LOADAVG)).toBe(S_OK);
    expect(isPresent(node(2), F_MEM + MEM_TOTAL)).toBe(true);
    expect(load<u32>(node(2) + NODE_LOAD)).toBe(52);
    expect(load<f64>(node(2) + NODE_SAMPLE_TIMES + (SEC_LOADAVG << 3))).toBe(2000);
  });

  it("replaces a section's failed and present bits with the new report's", () => {
    run(parseStat, "ctxt x\n");
    tableCommit(4, rec, 1 << SEC_STAT);
    expect(isFailed(node(4), F_CTXT)).toBe(true);
    run(parseStat, "ctxt 9\n");
    tableCommit(4, rec, 1 << SEC_STAT);
    expect(isFailed(node(4), F_CTXT)).toBe(false);
    expect(isPresent(node(4), F_CTXT)).toBe(true);
    expect(load<u64>(node(4) + NODE_CTXT)).toBe(9);
  });

  it("copies the identity fields only with COMMIT_META", () => {
    store<f64>(rec + NODE_TIME, 1700000000123);
    store<u64>(rec + NODE_INSTANCE, 77);
    store<u32>(rec + NODE_INTERVAL_MS, 1000);
    store<u32>(rec + NODE_USER_HZ, 100);
    store<u32>(rec + NODE_ARCH, 3);
    const name = String.UTF8.encode("n1");
    memory.copy(rec + NODE_NAME, changetype<usize>(name), 2);
    const meta: u32[] = [F_NAME, F_INSTANCE, F_USER_HZ, F_ARCH, F_INTERVAL];
    for (let i = 0; i < meta.length; i++) store<u64>(rec + NODE_PRESENT, load<u64>(rec + NODE_PRESENT) | (<u64>1 << meta[i]));
    expect(tableCommit(6, rec, 0)).toBe(S_OK);
    expect(isPresent(node(6), F_NAME)).toBe(false);
    expect(load<u8>(node(6) + NODE_NAME)).toBe(0);
    expect(tableCommit(6, rec, COMMIT_META)).toBe(S_OK);
    const r = node(6);
    expect(cstr(r + NODE_NAME, 64)).toBe("n1");
    expect(load<f64>(r + NODE_TIME)).toBe(1700000000123);
    expect(load<u64>(r + NODE_INSTANCE)).toBe(77);
    expect(load<u32>(r + NODE_INTERVAL_MS)).toBe(1000);
    expect(load<u32>(r + NODE_USER_HZ)).toBe(100);
    expect(load<u32>(r + NODE_ARCH)).toBe(3);
    for (let i = 0; i < meta.length; i++) expect(isPresent(r, meta[i])).toBe(true);
  });

  it("copies a cpuinfo section: count, MHz, models and the entries", () => {
    run(parseCpuinfo, "processor : 0\nmodel name : A\ncpu MHz : 2400.000\n\nprocessor : 1\nmodel name : B\n\n");
    expect(tableCommit(0, rec, 1 << SEC_CPUINFO)).toBe(S_OK);
    const r = node(0);
    expect(load<u32>(r + NODE_CPU_COUNT)).toBe(2);
    expect(load<u32>(r + NODE_MHZ)).toBe(2400000);
    expect(isPresent(r, F_CPU_COUNT)).toBe(true);
    expect(cstr(r + NODE_MODELS + MODEL_LEN, MODEL_LEN)).toBe("B");
    expect(extCapacity(0, NODE_CIS)).toBe(4);
    expect(extCount(0, NODE_CIS)).toBe(2);
    const e0 = entryOf(0, NODE_CIS, CI_SIZE, 0);
    expect(load<u8>(e0 + CI_PRESENT)).toBe(<u8>(CIF_INDEX | CIF_MHZ | CIF_MODEL));
    expect(load<u32>(e0 + CI_MHZ)).toBe(2400000);
    const e1 = entryOf(0, NODE_CIS, CI_SIZE, 1);
    expect(load<u32>(e1 + CI_INDEX)).toBe(1);
    expect(load<u8>(e1 + CI_PRESENT)).toBe(<u8>(CIF_INDEX | CIF_MODEL));
  });

  it("counts every cpuinfo commit in NODE_CPUINFO_GEN, and no commit of another section", () => {
    // the host copies the cpuinfo entries and models to the file only when this moved
    run(parseCpuinfo, "processor : 0\nmodel name : A\n\n");
    expect(tableCommit(0, rec, 1 << SEC_CPUINFO)).toBe(S_OK);
    expect(load<u32>(node(0) + NODE_CPUINFO_GEN)).toBe(1);
    run(parseStat, "cpu 1 2 3 4\ncpu0 1 2 3 4\nctxt 5\n");
    expect(tableCommit(0, rec, 1 << SEC_STAT)).toBe(S_OK);
    run(parseMeminfo, "MemTotal: 1024 kB\n");
    expect(tableCommit(0, rec, 1 << SEC_MEMINFO)).toBe(S_OK);
    expect(load<u32>(node(0) + NODE_CPUINFO_GEN)).toBe(1);
    run(parseCpuinfo, "processor : 0\nmodel name : A\n\nprocessor : 1\nmodel name : A\n\n");
    expect(tableCommit(0, rec, 1 << SEC_CPUINFO)).toBe(S_OK);
    expect(load<u32>(node(0) + NODE_CPUINFO_GEN)).toBe(2);
  });
});

describe("extents", () => {
  beforeEach(() => {
    tableInit(32);
    freshRecord();
  });

  it("grow with hot-plugged CPUs (4 -> 5 -> 480) and keep their extent when CPUs go (-> 2)", () => {
    expect(commitStat(0, statOf(4, 100))).toBe(S_OK);
    expect(extOffset(0, NODE_CPUS)).toBe(EXT4);
    expect(extCapacity(0, NODE_CPUS)).toBe(4);
    expect(extCount(0, NODE_CPUS)).toBe(4);
    expect(hdr(TABLE_USED)).toBe(EXT8);

    expect(commitStat(0, statOf(5, 200))).toBe(S_OK);
    expect(extOffset(0, NODE_CPUS)).toBe(EXT8);
    expect(extCapacity(0, NODE_CPUS)).toBe(8);
    expect(extCount(0, NODE_CPUS)).toBe(5);
    expect(hdr(TABLE_USED)).toBe(EXT512);
    expect(freeHead(EXT_CPU, 0)).toBe(EXT4);
    for (let i: u32 = 0; i < 5; i++) {
      expect(load<u32>(entryOf(0, NODE_CPUS, CPU_SIZE, i) + CPU_INDEX)).toBe(i);
      expect(load<u64>(entryOf(0, NODE_CPUS, CPU_SIZE, i) + CPU_TICKS)).toBe(<u64>(200 + i));
    }

    expect(commitStat(0, statOf(480, 300))).toBe(S_OK);
    expect(extOffset(0, NODE_CPUS)).toBe(EXT512);
    expect(extCapacity(0, NODE_CPUS)).toBe(512);
    expect(extCount(0, NODE_CPUS)).toBe(480);
    expect(hdr(TABLE_USED)).toBe(TOP);
    expect(freeHead(EXT_CPU, 1)).toBe(EXT8);
    expect(load<u32>(entryOf(0, NODE_CPUS, CPU_SIZE, 479) + CPU_INDEX)).toBe(479);
    expect(load<u64>(entryOf(0, NODE_CPUS, CPU_SIZE, 479) + CPU_TICKS)).toBe(779);

    expect(commitStat(0, statOf(2, 400))).toBe(S_OK);
    expect(extOffset(0, NODE_CPUS)).toBe(EXT512);
    expect(extCapacity(0, NODE_CPUS)).toBe(512);
    expect(extCount(0, NODE_CPUS)).toBe(2);
    expect(hdr(TABLE_USED)).toBe(TOP);
    expect(load<u64>(entryOf(0, NODE_CPUS, CPU_SIZE, 1) + CPU_TICKS)).toBe(401);

    // and grow again within the kept extent
    expect(commitStat(0, statOf(300, 500))).toBe(S_OK);
    expect(extOffset(0, NODE_CPUS)).toBe(EXT512);
    expect(load<u64>(entryOf(0, NODE_CPUS, CPU_SIZE, 299) + CPU_TICKS)).toBe(799);
  });

  it("take the largest class for 8192 CPUs and carry the parse's NSTATE_CPUS_CUT into the record", () => {
    expect(commitStat(0, "cpu1 1 2 3 4\n".repeat(MAX_CPUS + 1))).toBe(S_OK);
    expect(extCapacity(0, NODE_CPUS)).toBe(8192);
    expect(extCount(0, NODE_CPUS)).toBe(8192);
    expect(load<u32>(node(0) + NODE_STATE) & NSTATE_CPUS_CUT).toBe(NSTATE_CPUS_CUT);
    expect(commitStat(0, statOf(2, 0))).toBe(S_OK);
    expect(load<u32>(node(0) + NODE_STATE)).toBe(NSTATE_IN_USE);
    expect(extCapacity(0, NODE_CPUS)).toBe(8192);
  });

  it("hand a freed extent to another node through the free list", () => {
    commitStat(0, statOf(4, 100));
    commitStat(0, statOf(5, 100));
    commitStat(0, statOf(480, 100)); // frees EXT4 (class 0) and EXT8 (class 1)
    expect(commitStat(1, statOf(5, 900))).toBe(S_OK);
    expect(tableRecord(1)).toBe(TOP);
    expect(extOffset(1, NODE_CPUS)).toBe(EXT8);
    expect(extCapacity(1, NODE_CPUS)).toBe(8);
    expect(freeHead(EXT_CPU, 1)).toBe(0);
    expect(freeHead(EXT_CPU, 0)).toBe(EXT4);
    expect(hdr(TABLE_USED)).toBe(TOP + NODE_SIZE); // the record only
    expect(load<u64>(entryOf(1, NODE_CPUS, CPU_SIZE, 4) + CPU_TICKS)).toBe(904);
    expect(load<u64>(entryOf(0, NODE_CPUS, CPU_SIZE, 4) + CPU_TICKS)).toBe(104);
    expect(extCount(0, NODE_CPUS)).toBe(480);
  });

  it("leave every other node's bytes alone when one node grows and the table moves", () => {
    const x = "processor : 0\nmodel name : A\n\nprocessor : 1\nmodel name : A\n\n";
    for (let n: i32 = 1; n >= 0; n--) {
      run(parseCpuinfo, x);
      tableCommit(n, rec, 1 << SEC_CPUINFO);
      commitStat(n, statOf(4, 10));
      commitNet(n, ifLine("eth0", 1, 2) + ifLine("lo", 3, 4), 1000);
      run(parseMeminfo, "MemTotal: 8 kB\n");
      tableCommit(n, rec, 1 << SEC_MEMINFO);
    }
    const before = bytesOf(1);
    const usedBefore = hdr(TABLE_USED);
    // node 0 takes 480 CPUs and 200 interfaces: more than the table's first 66752 bytes
    commitStat(0, statOf(480, 20));
    let net = "";
    for (let i = 0; i < 200; i++) net += ifLine("e" + i.toString(), 5, 6);
    commitNet(0, net, 2000);
    expect(hdr(TABLE_USED)).toBeGreaterThan(66752);
    expect(hdr(TABLE_USED)).toBeGreaterThan(usedBefore);
    expect(extCount(0, NODE_IFS)).toBe(200);
    expect(sameBytes(bytesOf(1), before)).toBe(true);
  });
});

describe("CPU usage", () => {
  beforeEach(() => {
    tableInit(32);
    freshRecord();
  });

  it("is unknown after the first sample", () => {
    commitStat(0, "cpu  100 0 50 800 50\ncpu0 100 0 50 800 50\n");
    expect(totalUsage(0)).toBe(USAGE_NONE);
    expect(usageOf(0, 0)).toBe(USAGE_NONE);
  });

  it("is the busy share x10000 between two samples, iowait counted as idle, rounded", () => {
    commitStat(0, "cpu  100 0 50 800 50\ncpu0 100 0 50 800 50\ncpu1 10 0 0 90 0\n");
    commitStat(0, "cpu  160 0 70 900 70\ncpu0 160 0 70 900 70\ncpu1 11 0 1 91 0\n");
    // deltas 60 0 20 100 20: 80 busy of 200
    expect(totalUsage(0)).toBe(4000);
    expect(usageOf(0, 0)).toBe(4000);
    // deltas 1 0 1 1: 2 busy of 3 = 0.66667
    expect(usageOf(0, 1)).toBe(6667);
  });

  it("counts steal as busy and leaves guest out (it is already in user)", () => {
    commitStat(0, "cpu0 100 0 50 800 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n");
    commitStat(0, "cpu0 150 0 50 850 0 0 0 100 1000 500\ncpu1 1 0 0 2 0 0 0 0 0 0\n");
    // deltas user 50, idle 50, steal 100: 150 busy of 200
    expect(usageOf(0, 0)).toBe(7500);
    // 1 busy of 3 = 0.33333
    expect(usageOf(0, 1)).toBe(3333);
  });

  it("rounds the same with ticks between samples below 2^32 (a double division) and above (a 64-bit one)", () => {
    // 2^31-1 busy of 2^32-1: 4999.9999988 + 0.5 rounds down to 5000; 1 busy of 2^32-1: 0;
    // 3e9 of 6e9 (above 2^32): 5000; 1 of 8: 1250 exactly
    commitStat(0, "cpu0 0 0 0 0\ncpu1 0 0 0 0\ncpu2 0 0 0 0\ncpu3 0 0 0 0\n");
    commitStat(0, "cpu0 2147483647 0 0 2147483648\ncpu1 1 0 0 4294967294\ncpu2 3000000000 0 0 3000000000\ncpu3 1 0 0 7\n");
    expect(usageOf(0, 0)).toBe(5000);
    expect(usageOf(0, 1)).toBe(0);
    expect(usageOf(0, 2)).toBe(5000);
    expect(usageOf(0, 3)).toBe(1250);
  });

  it("is unknown when a counter goes back or when no tick passed", () => {
    commitStat(0, "cpu  100 0 50 800\ncpu0 100 0 50 800\ncpu1 100 0 50 800\n");
    commitStat(0, "cpu  90 0 50 900\ncpu0 100 0 50 800\ncpu1 100 0 49 900\n");
    expect(totalUsage(0)).toBe(USAGE_NONE);
    expect(usageOf(0, 0)).toBe(USAGE_NONE);
    expect(usageOf(0, 1)).toBe(USAGE_NONE);
  });

  it("with all ten columns: iowait is idle, and any counted column going back makes it unknown", () => {
    // (all eight counted columns given: the path without a test per column)
    commitStat(0, "cpu0 100 10 50 800 40 5 5 9 0 0\ncpu1 100 10 50 800 40 5 5 9 0 0\ncpu2 0 0 0 0 0 0 0 9 0 0\n");
    commitStat(0, "cpu0 200 10 50 850 90 5 5 9 0 0\ncpu1 200 10 50 850 40 5 5 8 0 0\ncpu2 5 0 0 5 0 0 0 9 7 7\n");
    // deltas user 100, idle 50, iowait 50: 100 busy of 200
    expect(usageOf(0, 0)).toBe(5000);
    // steal went back 9 -> 8: a reset, not a rate
    expect(usageOf(0, 1)).toBe(USAGE_NONE);
    // guest and guest_nice (columns 9 and 10) are not counted: 5 busy of 10
    expect(usageOf(0, 2)).toBe(5000);
  });

  it("is unknown when either sample lacks user, nice, system or idle", () => {
    commitStat(0, "cpu0 100 0 50 800\n");
    commitStat(0, "cpu0 110 0 50\n");
    expect(usageOf(0, 0)).toBe(USAGE_NONE);
    commitStat(0, "cpu0 120 0 50 810\n");
    expect(usageOf(0, 0)).toBe(USAGE_NONE);
  });

  it("matches CPUs by number when one goes offline and comes back", () => {
    commitStat(0, "cpu0 0 0 0 100\ncpu1 0 0 0 100\ncpu2 0 0 0 100\ncpu3 0 0 0 100\n");
    commitStat(0, "cpu0 10 0 0 190\ncpu1 20 0 0 180\ncpu3 50 0 0 150\n");
    expect(usageOf(0, 0)).toBe(1000);
    expect(usageOf(0, 1)).toBe(2000);
    expect(usageOf(0, 2)).toBe(5000);
    commitStat(0, "cpu0 20 0 0 280\ncpu1 40 0 0 260\ncpu2 90 0 0 110\ncpu3 50 0 0 250\n");
    expect(usageOf(0, 0)).toBe(1000);
    expect(usageOf(0, 1)).toBe(2000);
    expect(usageOf(0, 2)).toBe(USAGE_NONE);
    expect(usageOf(0, 3)).toBe(0);
  });

  it("is computed against each node's own previous sample", () => {
    commitStat(0, "cpu0 0 0 0 100\n");
    commitStat(1, "cpu0 0 0 0 1000\n");
    commitStat(0, "cpu0 50 0 0 150\n");
    commitStat(1, "cpu0 10 0 0 1090\n");
    expect(usageOf(0, 0)).toBe(5000);
    expect(usageOf(1, 0)).toBe(1000);
  });
});

describe("network rate", () => {
  beforeEach(() => {
    tableInit(32);
    freshRecord();
  });

  it("is absent after the first sample, and its sample time is kept", () => {
    expect(commitNet(0, ifLine("eth0", 1000, 2000), 1000)).toBe(S_OK);
    expect(isPresent(node(0), F_NET_RATE)).toBe(false);
    expect(netRate(0)).toBe(0);
    expect(load<f64>(node(0) + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3))).toBe(1000);
    expect(isPresent(node(0), F_SECTION + SEC_NETDEV)).toBe(true);
  });

  it("is bytes received plus sent per second over all interfaces but lo", () => {
    commitNet(0, ifLine("lo", 1000, 1000) + ifLine("eth0", 1000, 2000) + ifLine("eth1", 0, 0), 1000);
    // listed in another order two seconds later; lo's huge change is left out
    commitNet(0, ifLine("eth1", 1000, 1000) + ifLine("lo", 999999, 999999) + ifLine("eth0", 5000, 4000), 3000);
    // eth0 4000 + 2000, eth1 1000 + 1000: 8000 bytes in 2 s
    expect(isPresent(node(0), F_NET_RATE)).toBe(true);
    expect(netRate(0)).toBe(4000);
    expect(load<f64>(node(0) + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3))).toBe(3000);
  });

  it("leaves out an interface that was not in the previous sample", () => {
    commitNet(0, ifLine("eth0", 0, 0), 1000);
    commitNet(0, ifLine("eth0", 500, 500) + ifLine("eth9", 1000000, 1000000), 1500);
    // 1000 bytes in 0.5 s
    expect(netRate(0)).toBe(2000);
  });

  it("is absent when no time passed or the previous sample had no time", () => {
    commitNet(0, ifLine("eth0", 0, 0), 1000);
    commitNet(0, ifLine("eth0", 100, 100), 1000);
    expect(isPresent(node(0), F_NET_RATE)).toBe(false);
    expect(netRate(0)).toBe(0);
    commitNet(1, ifLine("eth0", 0, 0), 0);
    commitNet(1, ifLine("eth0", 100, 100), 1000);
    expect(isPresent(node(1), F_NET_RATE)).toBe(false);
  });

  it("is absent when the counters go back, and comes back with the next sample", () => {
    commitNet(0, ifLine("eth0", 5000, 5000), 1000);
    commitNet(0, ifLine("eth0", 4000, 4000), 2000);
    expect(isPresent(node(0), F_NET_RATE)).toBe(false);
    expect(netRate(0)).toBe(0);
    commitNet(0, ifLine("eth0", 4500, 4500), 3000);
    expect(isPresent(node(0), F_NET_RATE)).toBe(true);
    expect(netRate(0)).toBe(1000);
  });

  it("is absent when one counter goes back while the other advances more", () => {
    commitNet(0, ifLine("eth0", 1000, 1000), 1000);
    // rx went back by 500 (a reset), tx advanced by 2000: not a rate of 1500 B/s
    commitNet(0, ifLine("eth0", 500, 3000), 2000);
    expect(isPresent(node(0), F_NET_RATE)).toBe(false);
    expect(netRate(0)).toBe(0);
  });
});

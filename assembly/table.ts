// The node table: one contiguous block of linear memory holding a header, a directory
// indexed by node number, fixed-size node records, and a heap of extents for each node's
// CPUs and interfaces, sized to what the node has. Offsets are from the table's start, so
// the host can copy the table (or any record) byte for byte into the /var/shm file.
// This file is the only writer of records: a parsed section moves from the parse record
// into a node's record either whole (replacing what the node had) or as one chunk of a
// split update (merged by key; see docs/protocol.md), always under the record's sequence
// lock, and CPU usage and the network rate are derived from the previous sample on the way.
// Parsers never allocate; only the table grows, here.

import {
  CIF_INDEX, CIF_MHZ, CIF_MODEL, CI_INDEX, CI_MARK, CI_MHZ, CI_MODEL, CI_PRESENT, CI_SIZE, CPU_COL_IDLE,
  CPU_COL_IOWAIT, CPU_COL_STEAL, CPU_INDEX, CPU_MARK, CPU_PRESENT, CPU_SIZE, CPU_TICKS, CPU_USAGE, COMMIT_META,
  EXT_CAPACITY, EXT_CI, EXT_CLASSES, EXT_COUNT, EXT_CPU, EXT_IF, EXT_OFFSET, F_CPU_COUNT, F_CPU_TOTAL, F_MHZ,
  F_NET_RATE, F_SECTION, IF_COUNTERS, IF_MARK, IF_NAME, IF_NAME_LEN, IF_ORDER, IF_PRESENT, IF_SIZE, IFC_RX_BYTES,
  IFC_TX_BYTES, LAYOUT_VERSION, META_MASK, MEM_FIELDS, MODEL_LEN, MODEL_NONE, MODEL_OTHER, MODEL_SLOTS, NODE_CIS, NODE_CPUINFO_GEN,
  NODE_CPUS, NODE_CPU_COUNT, NODE_CPU_TOTAL, NODE_CTXT, NODE_DISK_TOTAL, NODE_IFS, NODE_INTERVAL_MS, NODE_LAST_PID,
  NODE_LOAD, NODE_MEM, NODE_MHZ, NODE_MODELS, NODE_NAME, NODE_NAME_LEN, NODE_NET_PENDING, NODE_NET_PREV_TIME,
  NODE_NET_RATE, NODE_NUMBER, NODE_PRESENT, NODE_FAILED, NODE_PROCS_BLOCKED, NODE_SAMPLE_TIMES, NODE_SEQ, NODE_SIZE,
  NODE_STATE, NODE_TIME, NODE_UPDATE, NODE_UPDATE_SPLIT, NODE_UPDATES, NSTATE_CIS_CUT, NSTATE_CPUS_CUT,
  NSTATE_IFS_CUT, NSTATE_IN_USE, PR_CIS, PR_CPUS, PR_IFS, SECMASK_CPUINFO, SECMASK_LOADAVG, SECMASK_MEMINFO,
  SECMASK_NETDEV, SECMASK_STAT, SECMASK_STATFS, SECTIONS, SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV,
  SEC_STAT, SEC_STATFS, TABLE_CI_SIZE, TABLE_CPU_SIZE, TABLE_DIR, TABLE_FREE, TABLE_HEADER_BYTES, TABLE_HEADER_SIZE,
  TABLE_IF_SIZE, TABLE_MAGIC, TABLE_MAGIC_AT, TABLE_MAX_NODES, TABLE_MODEL_LEN_AT, TABLE_MODEL_SLOTS_AT,
  TABLE_NODE_COUNT, TABLE_NODE_SIZE, TABLE_SEQ, TABLE_USED, TABLE_VERSION, USAGE_NONE, NSTATE_STALE, NSTATE_INVALID,
  EXT_TYPES, TABLE_COUNTERS, COUNTERS, TABLE_FLAGS, NODE_UPDATE_PARTS, NODE_UPDATE_GOT,
} from "./layout";
import { copyBytes } from "./bytes";
import { fbit } from "./fields";
import { cpuLimit, ifaceLimit } from "./limits";
import { S_BAD_CALL, S_LIMIT, S_NO_SPACE, S_OK } from "./status";

/** Address of the table block in linear memory (it moves only when the table grows). */
export let table: usize = 0;
/** Bytes allocated for the table block. */
let tableCap: usize = 0;
/** The most bytes the table may take: offsets are u32, and a runaway sender must not exhaust memory. */
const TABLE_LIMIT: usize = 1 << 30;

// @ts-ignore: decorator
@inline function align64(n: usize): usize {
  return (n + 63) & ~63;
}

/**
 * Creates an empty table for node numbers -1 .. maxNodes-1 (any earlier table is dropped).
 * Called once by the host at start, and by tests. Returns S_OK, S_BAD_CALL or S_NO_SPACE.
 */
export function tableInit(maxNodes: u32): u32 {
  // in 64 bits: (maxNodes + 1) * 4 wraps around in 32
  let used64 = (<u64>TABLE_HEADER_BYTES + ((<u64>maxNodes + 1) << 2) + 63) & ~(<u64>63);
  if (maxNodes == 0 || used64 > <u64>TABLE_LIMIT) return S_BAD_CALL;
  let used = <usize>used64;
  if (table) heap.free(table);
  let cap = max<usize>(used + (64 << 10), used << 1);
  table = heap.alloc(cap);
  tableCap = cap;
  memory.fill(table, 0, used);
  store<u32>(table + TABLE_MAGIC_AT, TABLE_MAGIC);
  store<u32>(table + TABLE_VERSION, LAYOUT_VERSION);
  store<u32>(table + TABLE_HEADER_SIZE, TABLE_HEADER_BYTES);
  store<u32>(table + TABLE_NODE_SIZE, NODE_SIZE);
  store<u32>(table + TABLE_CPU_SIZE, CPU_SIZE);
  store<u32>(table + TABLE_CI_SIZE, CI_SIZE);
  store<u32>(table + TABLE_IF_SIZE, IF_SIZE);
  store<u32>(table + TABLE_MAX_NODES, maxNodes);
  store<u32>(table + TABLE_DIR, TABLE_HEADER_BYTES);
  store<u32>(table + TABLE_USED, <u32>used);
  store<u32>(table + TABLE_MODEL_SLOTS_AT, MODEL_SLOTS);
  store<u32>(table + TABLE_MODEL_LEN_AT, MODEL_LEN);
  return S_OK;
}

/** Takes n bytes (a multiple of 64) from the table's heap, growing the block; 0 when the table is full. */
function heapTake(n: usize): u32 {
  let used = <usize>load<u32>(table + TABLE_USED);
  let top = used + n;
  if (top > TABLE_LIMIT) return 0;
  if (top > tableCap) {
    let cap = max<usize>(top, min<usize>(tableCap << 1, TABLE_LIMIT));
    table = heap.realloc(table, cap);
    tableCap = cap;
  }
  memory.fill(table + used, 0, n);
  store<u32>(table + TABLE_USED, <u32>top);
  return <u32>used;
}

/** The offset of node's record, or 0 when the node has none. */
export function tableRecord(node: i32): u32 {
  if (node < -1 || <u32>(node + 1) > load<u32>(table + TABLE_MAX_NODES)) return 0;
  return load<u32>(table + load<u32>(table + TABLE_DIR) + (<u32>(node + 1) << 2));
}

/** Whether the last applySection cut a list at --max-cpus / --max-ifaces (the caller counts it). */
export let limitHit: bool = false;

/** Status of the last tableEnsure or tableCommit. */
export let tableStatus: u32 = 0;

/** The offset of node's record, created (empty) if new; 0 with tableStatus S_LIMIT or S_NO_SPACE. */
export function tableEnsure(node: i32): u32 {
  tableStatus = S_OK;
  if (node < -1 || <u32>(node + 1) > load<u32>(table + TABLE_MAX_NODES)) {
    tableStatus = S_LIMIT;
    return 0;
  }
  let off = tableRecord(node);
  if (off) return off;
  off = heapTake(NODE_SIZE);
  if (!off) {
    tableStatus = S_NO_SPACE;
    return 0;
  }
  let r = table + off;
  store<i32>(r + NODE_NUMBER, node);
  store<u32>(r + NODE_STATE, NSTATE_IN_USE);
  // the directory changes under the header's lock, so a reader never follows a half-written slot
  store<u32>(table + TABLE_SEQ, load<u32>(table + TABLE_SEQ) + 1);
  store<u32>(table + load<u32>(table + TABLE_DIR) + (<u32>(node + 1) << 2), off);
  store<u32>(table + TABLE_NODE_COUNT, load<u32>(table + TABLE_NODE_COUNT) + 1);
  store<u32>(table + TABLE_SEQ, load<u32>(table + TABLE_SEQ) + 1);
  return off;
}

/** Opens a write of the record at off: its sequence number turns odd. */
export function beginWrite(off: u32): void {
  store<u32>(table + off + NODE_SEQ, load<u32>(table + off + NODE_SEQ) + 1);
}

/** Closes a write of the record at off: its sequence number turns even again. */
export function endWrite(off: u32): void {
  store<u32>(table + off + NODE_SEQ, load<u32>(table + off + NODE_SEQ) + 1);
}

// ---- extents -----------------------------------------------------------------------

// A node's first extent holds exactly what it has (at least 4 entries), so a big node costs
// its own data and no more; an extent that must grow (CPUs hot-plugged in) is replaced by
// one of the next power of two, so that growing again is rare. A freed extent goes on the
// free list of the largest class k it can serve (capacity >= 4 << k), with its capacity in
// its second u32 (the first links the list); a request for n entries pops from the class
// of the smallest 4 << k >= n.

/** The smallest class whose extents hold count entries: 4 << class >= count. */
function sizeClass(count: u32): u32 {
  if (count <= 4) return 0;
  return 30 - clz<u32>(count - 1); // ceil(log2(count)) - 2
}

/** The largest class an extent of capacity cap (>= 4) can serve: 4 << class <= cap. */
function floorClass(cap: u32): u32 {
  return min<u32>(29 - clz<u32>(cap), EXT_CLASSES - 1); // floor(log2(cap)) - 2
}

/**
 * Makes the extent referenced at offset ref of record rec able to hold count entries of
 * entrySize bytes: kept when large enough, else replaced by one from the type's free list
 * or the heap, with the first `keep` entries copied over (the old one goes on its free
 * list). Returns the extent's address, or 0 when the table is full.
 */
function extentFor(rec: u32, ref: u32, type: u32, entrySize: u32, count: u32, keep: u32): usize {
  let cap = load<u32>(table + rec + ref + EXT_CAPACITY);
  if (count > cap) {
    let cls = sizeClass(count);
    if (cls >= EXT_CLASSES) return 0;
    let head = TABLE_FREE + ((type * EXT_CLASSES + cls) << 2);
    let off = load<u32>(table + head);
    let newCap: u32;
    if (off) {
      store<u32>(table + head, load<u32>(table + off)); // pop
      newCap = load<u32>(table + off + 4);
    } else {
      newCap = cap == 0 ? max<u32>(count, 4) : 4 << cls;
      off = heapTake(align64(<usize>entrySize * newCap));
      if (!off) return 0;
    }
    let old = load<u32>(table + rec + ref + EXT_OFFSET);
    if (old) {
      memory.copy(table + off, table + old, <usize>keep * entrySize);
      let oldHead = TABLE_FREE + ((type * EXT_CLASSES + floorClass(cap)) << 2);
      store<u32>(table + old, load<u32>(table + oldHead));
      store<u32>(table + old + 4, cap);
      store<u32>(table + oldHead, old);
    }
    store<u32>(table + rec + ref + EXT_OFFSET, off);
    store<u32>(table + rec + ref + EXT_CAPACITY, newCap);
  }
  return table + load<u32>(table + rec + ref + EXT_OFFSET);
}

/**
 * Opens room for one entry at index `at` of the extent at ref (count entries in use),
 * growing it if needed. Returns the extent's address (0 when the table is full).
 */
function insertAt(rec: u32, ref: u32, type: u32, entrySize: u32, at: u32): usize {
  let count = load<u32>(table + rec + ref + EXT_COUNT);
  let base = extentFor(rec, ref, type, entrySize, count + 1, count);
  if (!base) return 0;
  let p = base + <usize>at * entrySize;
  memory.copy(p + entrySize, p, <usize>(count - at) * entrySize);
  store<u32>(table + rec + ref + EXT_COUNT, count + 1);
  return base;
}

/** Drops the entries of the extent at ref whose u32 at markAt is not mark; returns how many remain. */
function pruneUnmarked(rec: u32, ref: u32, entrySize: u32, markAt: u32, mark: u32): u32 {
  let count = load<u32>(table + rec + ref + EXT_COUNT);
  let base = table + load<u32>(table + rec + ref + EXT_OFFSET);
  let kept: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    let e = base + <usize>i * entrySize;
    if (load<u32>(e + markAt) != mark) continue;
    if (kept != i) memory.copy(base + <usize>kept * entrySize, e, entrySize);
    kept++;
  }
  store<u32>(table + rec + ref + EXT_COUNT, kept);
  return kept;
}

// ---- derived values -------------------------------------------------------------------

/** Busy share x 10000 of a CPU between samples old and now: 1 - d(idle+iowait)/d(total); USAGE_NONE if unknown. */
function usage(old: usize, now: usize): u32 {
  let both = <u32>load<u16>(old + CPU_PRESENT) & <u32>load<u16>(now + CPU_PRESENT);
  if ((both & 15) != 15) return USAGE_NONE; // user, nice, system, idle are needed
  let dTotal: u64 = 0;
  let dIdle: u64 = 0;
  // guest and guest_nice are already counted in user and nice
  const counted: u32 = (2 << CPU_COL_STEAL) - 1;
  if ((both & counted) == counted) {
    // every column given (any kernel since 2.6.33): no branch per column, and one test for
    // a counter that went back, after the loop
    let back: bool = false;
    for (let i: u32 = 0; i <= CPU_COL_STEAL; i++) {
      let a = load<u64>(old + CPU_TICKS + (<usize>i << 3));
      let b = load<u64>(now + CPU_TICKS + (<usize>i << 3));
      back |= b < a;
      dTotal += b - a;
    }
    if (back) return USAGE_NONE; // counters went back: a reboot, not a rate
    dIdle = load<u64>(now + CPU_TICKS + (CPU_COL_IDLE << 3)) - load<u64>(old + CPU_TICKS + (CPU_COL_IDLE << 3)) +
      load<u64>(now + CPU_TICKS + (CPU_COL_IOWAIT << 3)) - load<u64>(old + CPU_TICKS + (CPU_COL_IOWAIT << 3));
  } else {
    for (let i: u32 = 0; i <= CPU_COL_STEAL; i++) {
      if (!(both & (1 << i))) continue;
      let a = load<u64>(old + CPU_TICKS + (<usize>i << 3));
      let b = load<u64>(now + CPU_TICKS + (<usize>i << 3));
      if (b < a) return USAGE_NONE; // counters went back: a reboot, not a rate
      dTotal += b - a;
      if (i == CPU_COL_IDLE || i == CPU_COL_IOWAIT) dIdle += b - a;
    }
  }
  if (dTotal == 0) return USAGE_NONE;
  if (dTotal < 0x100000000) {
    // the same rounded quotient by a double division (a 64-bit one costs several times
    // more, 17 times an update): the numerator is exact below 2^53, and a quotient at most
    // 10000 over a divisor below 2^32 is never rounded across an integer
    return <u32>floor((<f64>(dTotal - dIdle) * 10000 + <f64>(dTotal >> 1)) / <f64>dTotal);
  }
  return <u32>(((dTotal - dIdle) * 10000 + (dTotal >> 1)) / dTotal);
}

/** Index of the entry (of size bytes, at base) whose leading u32 index is key, trying hint first; count if none. */
function findIndex(base: usize, count: u32, size: u32, hint: u32, key: u32): u32 {
  if (hint < count && load<u32>(base + <usize>hint * size) == key) return hint;
  for (let j: u32 = 0; j < count; j++) if (load<u32>(base + <usize>j * size) == key) return j;
  return count;
}

/** Whether the NUL-padded names (IF_NAME_LEN bytes) at a and b are equal: two vector compares, not memory.compare's byte loop. */
// @ts-ignore: decorator
@inline function sameName(a: usize, b: usize): bool {
  if (IF_NAME_LEN != 32) unreachable(); // (folded away: the two vectors below are the whole name)
  let d = v128.or(v128.xor(v128.load(a), v128.load(b)), v128.xor(v128.load(a, 16), v128.load(b, 16)));
  return !v128.any_true(d);
}

/** Index of the interface named like the one at name, trying hint first; count if none. */
function findIface(base: usize, count: u32, hint: u32, name: usize): u32 {
  if (hint < count && sameName(base + <usize>hint * IF_SIZE + IF_NAME, name)) return hint;
  for (let j: u32 = 0; j < count; j++) {
    if (sameName(base + <usize>j * IF_SIZE + IF_NAME, name)) return j;
  }
  return count;
}

/** Whether the NUL-padded interface name at a is "lo". */
// @ts-ignore: decorator
@inline function isLoopback(a: usize): bool {
  return load<u8>(a) == 108 && load<u8>(a + 1) == 111 && load<u8>(a + 2) == 0;
}

/**
 * rx + tx bytes that interface entry e moved since its previous sample o; -1 when either
 * counter went back (a reset: no rate rather than a huge one), 0 when one is missing.
 */
function ifaceDelta(o: usize, e: usize): i64 {
  const both: u32 = (1 << IFC_RX_BYTES) | (1 << IFC_TX_BYTES);
  if ((load<u32>(o + IF_PRESENT) & load<u32>(e + IF_PRESENT) & both) != both) return 0;
  let rx0 = load<u64>(o + IF_COUNTERS + (IFC_RX_BYTES << 3));
  let rx1 = load<u64>(e + IF_COUNTERS + (IFC_RX_BYTES << 3));
  let tx0 = load<u64>(o + IF_COUNTERS + (IFC_TX_BYTES << 3));
  let tx1 = load<u64>(e + IF_COUNTERS + (IFC_TX_BYTES << 3));
  if (rx1 < rx0 || tx1 < tx0) return -1;
  let d = (rx1 - rx0) + (tx1 - tx0);
  return d < rx1 - rx0 || <i64>d < 0 ? -1 : <i64>d; // a sum beyond 2^63 is no real rate either
}

// ---- whole sections ---------------------------------------------------------------------

/** Copies the present/failed bits of mask from src to dst. */
// @ts-ignore: decorator
@inline function copyBits(dst: usize, src: usize, mask: u64): void {
  store<u64>(dst + NODE_PRESENT, (load<u64>(dst + NODE_PRESENT) & ~mask) | (load<u64>(src + NODE_PRESENT) & mask));
  store<u64>(dst + NODE_FAILED, (load<u64>(dst + NODE_FAILED) & ~mask) | (load<u64>(src + NODE_FAILED) & mask));
}

/** Copies the NSTATE_* bits of mask from src to dst. */
// @ts-ignore: decorator
@inline function copyState(dst: usize, src: usize, mask: u32): void {
  store<u32>(dst + NODE_STATE, (load<u32>(dst + NODE_STATE) & ~mask) | (load<u32>(src + NODE_STATE) & mask));
}

/** The stat lines other than cpuN (aggregate usage derived against the previous sample). */
function statScalars(r: usize, pr: usize): void {
  if (load<u64>(r + NODE_PRESENT) & fbit(F_CPU_TOTAL)) {
    store<u16>(pr + NODE_CPU_TOTAL + CPU_USAGE, <u16>usage(r + NODE_CPU_TOTAL, pr + NODE_CPU_TOTAL));
  }
  copyBytes(r + NODE_CPU_TOTAL, pr + NODE_CPU_TOTAL, CPU_SIZE);
  copyBytes(r + NODE_CTXT, pr + NODE_CTXT, NODE_PROCS_BLOCKED + 4 - NODE_CTXT);
  copyBits(r, pr, SECMASK_STAT);
}

/** Sets each parsed CPU's usage against the node's entry of the same index (if any), and its mark. */
function cpuUsages(off: u32, pr: usize, mark: u32): void {
  let r = table + off;
  let n = load<u32>(pr + NODE_CPUS + EXT_COUNT);
  let oldCount = load<u32>(r + NODE_CPUS + EXT_COUNT);
  let oldBase = table + load<u32>(r + NODE_CPUS + EXT_OFFSET);
  let j: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let e = pr + PR_CPUS + <usize>i * CPU_SIZE;
    j = findIndex(oldBase, oldCount, CPU_SIZE, j, load<u32>(e + CPU_INDEX));
    store<u16>(e + CPU_USAGE, <u16>(j < oldCount ? usage(oldBase + <usize>j * CPU_SIZE, e) : USAGE_NONE));
    store<u32>(e + CPU_MARK, mark);
    j++;
  }
}

function wholeStat(off: u32, pr: usize, mark: u32): bool {
  let n = load<u32>(pr + NODE_CPUS + EXT_COUNT);
  cpuUsages(off, pr, mark);
  let ext = extentFor(off, NODE_CPUS, EXT_CPU, CPU_SIZE, n, 0);
  if (!ext) return false;
  let r = table + off;
  memory.copy(ext, pr + PR_CPUS, <usize>n * CPU_SIZE);
  store<u32>(r + NODE_CPUS + EXT_COUNT, n);
  statScalars(r, pr);
  copyState(r, pr, NSTATE_CPUS_CUT);
  return true;
}

function wholeNetDev(off: u32, pr: usize, mark: u32): bool {
  let n = load<u32>(pr + NODE_IFS + EXT_COUNT);
  let r = table + off;
  // bytes/s over all interfaces but lo, against the previous sample, when both have a time
  let t0 = load<f64>(r + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3));
  let t1 = load<f64>(pr + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3));
  let oldCount = load<u32>(r + NODE_IFS + EXT_COUNT);
  let oldBase = table + load<u32>(r + NODE_IFS + EXT_OFFSET);
  let rateKnown = (load<u64>(r + NODE_PRESENT) & fbit(F_SECTION + SEC_NETDEV)) != 0 && t0 > 0 && t1 > t0;
  let bytes: u64 = 0;
  let j: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let e = pr + PR_IFS + <usize>i * IF_SIZE;
    store<u32>(e + IF_MARK, mark);
    store<u32>(e + IF_ORDER, i);
    if (!rateKnown || isLoopback(e + IF_NAME)) continue;
    j = findIface(oldBase, oldCount, j, e + IF_NAME);
    if (j == oldCount) continue; // a new interface counts from its next sample
    let d = ifaceDelta(oldBase + <usize>j * IF_SIZE, e);
    j++;
    if (d < 0) rateKnown = false;
    else bytes += <u64>d;
  }
  let ext = extentFor(off, NODE_IFS, EXT_IF, IF_SIZE, n, 0);
  if (!ext) return false;
  r = table + off;
  memory.copy(ext, pr + PR_IFS, <usize>n * IF_SIZE);
  store<u32>(r + NODE_IFS + EXT_COUNT, n);
  copyBits(r, pr, SECMASK_NETDEV);
  copyState(r, pr, NSTATE_IFS_CUT);
  setRate(r, rateKnown, <f64>bytes, t1 - t0);
  store<f64>(r + NODE_NET_PREV_TIME, t1);
  return true;
}

/** Publishes a network rate of bytes over ms, or marks it unknown. */
function setRate(r: usize, known: bool, bytes: f64, ms: f64): void {
  // samples less than a millisecond apart (or times that are not numbers) give no rate
  let rate = bytes / (ms / 1000);
  if (known && ms >= 1 && isFinite(rate)) {
    store<f64>(r + NODE_NET_RATE, rate);
    store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_NET_RATE));
  } else {
    store<f64>(r + NODE_NET_RATE, 0);
    store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) & ~fbit(F_NET_RATE));
  }
}

function wholeCpuinfo(off: u32, pr: usize, mark: u32): bool {
  let n = load<u32>(pr + NODE_CIS + EXT_COUNT);
  let ext = extentFor(off, NODE_CIS, EXT_CI, CI_SIZE, n, 0);
  if (!ext) return false;
  let r = table + off;
  for (let i: u32 = 0; i < n; i++) store<u32>(pr + PR_CIS + <usize>i * CI_SIZE + CI_MARK, mark);
  memory.copy(ext, pr + PR_CIS, <usize>n * CI_SIZE);
  store<u32>(r + NODE_CIS + EXT_COUNT, n);
  memory.copy(r + NODE_CPU_COUNT, pr + NODE_CPU_COUNT, 8); // CPU_COUNT, MHZ
  memory.copy(r + NODE_MODELS, pr + NODE_MODELS, MODEL_SLOTS * MODEL_LEN);
  copyBits(r, pr, SECMASK_CPUINFO);
  copyState(r, pr, NSTATE_CIS_CUT);
  return true;
}

/** Replaces section sec of the record at off with the parse record's; entries get mark. */
function wholeSection(off: u32, pr: usize, sec: u32, mark: u32): bool {
  let r = table + off;
  switch (sec) {
    case SEC_CPUINFO: return wholeCpuinfo(off, pr, mark);
    case SEC_STAT: return wholeStat(off, pr, mark);
    case SEC_NETDEV: return wholeNetDev(off, pr, mark);
    case SEC_MEMINFO:
      copyBytes(r + NODE_MEM, pr + NODE_MEM, MEM_FIELDS << 3);
      copyBits(r, pr, SECMASK_MEMINFO);
      break;
    case SEC_LOADAVG:
      copyBytes(r + NODE_LOAD, pr + NODE_LOAD, NODE_LAST_PID + 4 - NODE_LOAD);
      copyBits(r, pr, SECMASK_LOADAVG);
      break;
    case SEC_STATFS:
      copyBytes(r + NODE_DISK_TOTAL, pr + NODE_DISK_TOTAL, 16);
      copyBits(r, pr, SECMASK_STATFS);
      break;
  }
  return true;
}

// ---- chunks of a split update -----------------------------------------------------------

/** Merges the parsed CPUs into the node's stat list by index (kept in ascending order). */
function chunkStat(off: u32, pr: usize, mark: u32, first: bool): bool {
  cpuUsages(off, pr, mark);
  let n = load<u32>(pr + NODE_CPUS + EXT_COUNT);
  let hint: u32 = 0;
  let cut: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let e = pr + PR_CPUS + <usize>i * CPU_SIZE;
    let index = load<u32>(e + CPU_INDEX);
    let count = load<u32>(table + off + NODE_CPUS + EXT_COUNT);
    let base = table + load<u32>(table + off + NODE_CPUS + EXT_OFFSET);
    let j = findIndex(base, count, CPU_SIZE, hint, index);
    if (j == count) {
      // chunks add up: the node's list, not each chunk, is held to the limit
      if (count >= cpuLimit) {
        cut = NSTATE_CPUS_CUT;
        continue;
      }
      while (j > 0 && load<u32>(base + <usize>(j - 1) * CPU_SIZE + CPU_INDEX) > index) j--;
      base = insertAt(off, NODE_CPUS, EXT_CPU, CPU_SIZE, j);
      if (!base) return false;
    }
    memory.copy(base + <usize>j * CPU_SIZE, e, CPU_SIZE);
    hint = j + 1;
  }
  let r = table + off;
  if (first) statScalars(r, pr);
  else store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_SECTION + SEC_STAT));
  cut |= load<u32>(pr + NODE_STATE) & NSTATE_CPUS_CUT;
  if (cut) limitHit = true;
  store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) | cut);
  return true;
}

/** The node's model slot for the name in slot s of the parse record. */
function nodeModel(r: usize, pr: usize, s: u32): u32 {
  if (s >= MODEL_SLOTS) return s; // MODEL_OTHER, MODEL_NONE
  let name = pr + NODE_MODELS + <usize>s * MODEL_LEN;
  for (let t: u32 = 0; t < MODEL_SLOTS; t++) {
    let slot = r + NODE_MODELS + <usize>t * MODEL_LEN;
    if (load<u8>(slot) == 0) {
      memory.copy(slot, name, MODEL_LEN);
      return t;
    }
    if (memory.compare(slot, name, MODEL_LEN) == 0) return t;
  }
  return MODEL_OTHER;
}

/** Merges the parsed cpuinfo CPUs into the node's list by processor number (ascending). */
function chunkCpuinfo(off: u32, pr: usize, mark: u32): bool {
  let n = load<u32>(pr + NODE_CIS + EXT_COUNT);
  let hint: u32 = 0;
  let cut: u32 = load<u32>(pr + NODE_STATE) & NSTATE_CIS_CUT;
  for (let i: u32 = 0; i < n; i++) {
    let e = pr + PR_CIS + <usize>i * CI_SIZE;
    store<u32>(e + CI_MARK, mark);
    if (load<u8>(e + CI_PRESENT) & <u8>CIF_MODEL) {
      store<u8>(e + CI_MODEL, <u8>nodeModel(table + off, pr, load<u8>(e + CI_MODEL)));
    }
    // a CPU without a valid number cannot be matched: it is added, and pruned when the update completes
    let index = load<u8>(e + CI_PRESENT) & <u8>CIF_INDEX ? load<u32>(e + CI_INDEX) : 0xffffffff;
    let count = load<u32>(table + off + NODE_CIS + EXT_COUNT);
    let base = table + load<u32>(table + off + NODE_CIS + EXT_OFFSET);
    let j = index == 0xffffffff ? count : findIndex(base, count, CI_SIZE, hint, index);
    if (j == count) {
      if (count >= cpuLimit) {
        cut = NSTATE_CIS_CUT;
        continue;
      }
      while (j > 0 && load<u32>(base + <usize>(j - 1) * CI_SIZE + CI_INDEX) > index) j--;
      base = insertAt(off, NODE_CIS, EXT_CI, CI_SIZE, j);
      if (!base) return false;
    }
    memory.copy(base + <usize>j * CI_SIZE, e, CI_SIZE);
    hint = j + 1;
  }
  let r = table + off;
  store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_SECTION + SEC_CPUINFO));
  if (cut) limitHit = true;
  store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) | cut);
  cpuinfoTotals(r);
  return true;
}

/** CPU count and first CPU's MHz of a cpuinfo assembled from chunks. */
function cpuinfoTotals(r: usize): void {
  let n = load<u32>(r + NODE_CIS + EXT_COUNT);
  store<u32>(r + NODE_CPU_COUNT, n);
  store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_CPU_COUNT));
  store<u64>(r + NODE_FAILED, load<u64>(r + NODE_FAILED) & ~(fbit(F_CPU_COUNT) | fbit(F_MHZ)));
  let first = table + load<u32>(r + NODE_CIS + EXT_OFFSET);
  if (n > 0 && (load<u8>(first + CI_PRESENT) & <u8>CIF_MHZ)) {
    store<u32>(r + NODE_MHZ, load<u32>(first + CI_MHZ));
    store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_MHZ));
  } else store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) & ~fbit(F_MHZ));
}

/** Merges the parsed interfaces into the node's list by name, in (part, line) order. */
function chunkNetDev(off: u32, pr: usize, mark: u32, order0: u32): bool {
  let n = load<u32>(pr + NODE_IFS + EXT_COUNT);
  let hint: u32 = 0;
  let r = table + off;
  let pending = load<u64>(r + NODE_NET_PENDING);
  let cut: u32 = load<u32>(pr + NODE_STATE) & NSTATE_IFS_CUT;
  for (let i: u32 = 0; i < n; i++) {
    let e = pr + PR_IFS + <usize>i * IF_SIZE;
    let order = order0 + i;
    store<u32>(e + IF_MARK, mark);
    store<u32>(e + IF_ORDER, order);
    let count = load<u32>(table + off + NODE_IFS + EXT_COUNT);
    let base = table + load<u32>(table + off + NODE_IFS + EXT_OFFSET);
    let j = findIface(base, count, hint, e + IF_NAME);
    if (j < count) {
      if (!isLoopback(e + IF_NAME) && pending != 0xffffffffffffffff) {
        let d = ifaceDelta(base + <usize>j * IF_SIZE, e);
        pending = d < 0 ? 0xffffffffffffffff : pending + <u64>d; // all ones: a counter went back
      }
      memory.copy(base + <usize>j * IF_SIZE, e, IF_SIZE);
    } else {
      if (count >= ifaceLimit) {
        cut = NSTATE_IFS_CUT;
        continue;
      }
      while (j > 0 && load<u32>(base + <usize>(j - 1) * IF_SIZE + IF_ORDER) > order) j--;
      base = insertAt(off, NODE_IFS, EXT_IF, IF_SIZE, j);
      if (!base) return false;
      memory.copy(base + <usize>j * IF_SIZE, e, IF_SIZE);
    }
    hint = j + 1;
  }
  r = table + off;
  store<u64>(r + NODE_NET_PENDING, pending);
  store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_SECTION + SEC_NETDEV));
  if (cut) limitHit = true;
  store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) | cut);
  return true;
}

/** Merges one chunk of a split file: entries by key; the lines of the file's first chunk replace its scalars. */
function chunkSection(off: u32, pr: usize, sec: u32, mark: u32, first: bool, order0: u32): bool {
  switch (sec) {
    case SEC_CPUINFO: return chunkCpuinfo(off, pr, mark);
    case SEC_STAT: return chunkStat(off, pr, mark, first);
    case SEC_NETDEV: return chunkNetDev(off, pr, mark, order0);
  }
  // meminfo, loadavg and statfs have no entries: their first chunk is the whole of them
  if (first) return wholeSection(off, pr, sec, mark);
  return true;
}

/**
 * Applies section sec of the parse record to the record at off, as the whole file
 * (replacing it) or as a chunk of a split update with id mark (first: the chunk that starts
 * the file; order0: the file-order key of its first entry). Stamps the section's sample
 * time. Called inside beginWrite/endWrite; sets limitHit when a list was cut.
 */
export function applySection(off: u32, pr: usize, sec: u32, whole: bool, first: bool, mark: u32, order0: u32): bool {
  limitHit = false;
  let ok = whole ? wholeSection(off, pr, sec, mark) : chunkSection(off, pr, sec, mark, first, order0);
  let r = table + off;
  if (sec == SEC_CPUINFO) cpuinfoChanged(r);
  store<f64>(r + NODE_SAMPLE_TIMES + (sec << 3), load<f64>(pr + NODE_SAMPLE_TIMES + (sec << 3)));
  if (!whole) store<u16>(r + NODE_UPDATE_SPLIT, load<u16>(r + NODE_UPDATE_SPLIT) | <u16>(<u32>1 << sec));
  return ok;
}

/**
 * Counts a change of the record's cpuinfo entries or model names (their extent may have
 * moved too): the host copies them to the file only when this count moved since it last
 * did, since an update carries cpuinfo once in minutes and they are a fifth of a record.
 */
function cpuinfoChanged(r: usize): void {
  store<u32>(r + NODE_CPUINFO_GEN, load<u32>(r + NODE_CPUINFO_GEN) + 1);
}

/**
 * Finishes an update whose parts have all arrived: entries of its split sections that no
 * part listed are removed, and the rate of a split net/dev is published. Called inside
 * beginWrite/endWrite.
 */
export function completeUpdate(off: u32): void {
  let r = table + off;
  let split = <u32>load<u16>(r + NODE_UPDATE_SPLIT);
  let mark = load<u32>(r + NODE_UPDATE);
  if (split & (1 << SEC_STAT)) pruneUnmarked(off, NODE_CPUS, CPU_SIZE, CPU_MARK, mark);
  if (split & (1 << SEC_CPUINFO)) {
    pruneUnmarked(off, NODE_CIS, CI_SIZE, CI_MARK, mark);
    cpuinfoTotals(table + off);
    cpuinfoChanged(table + off);
  }
  if (split & (1 << SEC_NETDEV)) {
    pruneUnmarked(off, NODE_IFS, IF_SIZE, IF_MARK, mark);
    let t0 = load<f64>(r + NODE_NET_PREV_TIME);
    let t1 = load<f64>(r + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3));
    let pending = load<u64>(r + NODE_NET_PENDING);
    setRate(r, t0 > 0 && t1 > t0 && pending != 0xffffffffffffffff, <f64>pending, t1 - t0);
    store<f64>(r + NODE_NET_PREV_TIME, t1);
  }
  store<u32>(r + NODE_UPDATES, load<u32>(r + NODE_UPDATES) + 1);
}

/**
 * Copies the sections named by mask (1 << SEC_*, plus COMMIT_META for the identity fields
 * and receive time) from parse record pr into node's record, each as a whole file,
 * creating the record if new. Called by the host for a machine's files read at once (not
 * through the wire). Returns S_OK, or S_LIMIT / S_NO_SPACE (sections already copied stay).
 */
export function tableCommit(node: i32, pr: usize, mask: u32): u32 {
  let off = tableEnsure(node);
  if (!off) return tableStatus;
  beginWrite(off);
  let ok = true;
  for (let s: u32 = 0; s < SECTIONS && ok; s++) {
    if (mask & (1 << s)) ok = applySection(off, pr, s, true, true, 0, 0);
  }
  if (mask & COMMIT_META) copyMeta(table + off, pr);
  store<u32>(table + off + NODE_STATE, load<u32>(table + off + NODE_STATE) & ~NSTATE_STALE);
  endWrite(off);
  tableStatus = ok ? S_OK : S_NO_SPACE;
  return tableStatus;
}

/** The identity fields and receive time of pr, into the record at r. */
export function copyMeta(r: usize, pr: usize): void {
  memory.copy(r + NODE_TIME, pr + NODE_TIME, NODE_SAMPLE_TIMES - NODE_TIME); // time, instance, sequence
  memory.copy(r + NODE_INTERVAL_MS, pr + NODE_INTERVAL_MS, NODE_NAME + NODE_NAME_LEN - NODE_INTERVAL_MS);
  copyBits(r, pr, META_MASK);
}

// ---- adoption (a restart) ---------------------------------------------------------------

/**
 * Makes the table block hold at least n bytes and returns its address, so that the host can
 * copy an earlier collector's table into it before tableAdopt(); 0 if n is over the limit.
 */
export function tableReserve(n: u32): usize {
  if (<usize>n > TABLE_LIMIT) return 0;
  if (<usize>n > tableCap) {
    table = heap.realloc(table, <usize>n);
    tableCap = <usize>n;
  }
  return table;
}

/** Whether an extent reference at r is sound in a table of used bytes whose heap starts at heapStart. */
function extentSound(r: usize, entrySize: u32, heapStart: u32, used: u32): bool {
  let off = load<u32>(r + EXT_OFFSET);
  let cap = load<u32>(r + EXT_CAPACITY);
  let count = load<u32>(r + EXT_COUNT);
  if (cap == 0) return off == 0 && count == 0;
  return count <= cap && off >= heapStart && (off & 63) == 0 && <u64>off + <u64>cap * entrySize <= <u64>used;
}

/**
 * Makes the table the host copied to `table` (an earlier collector's shm file) this
 * collector's, for a restart that never blanks the cluster. It must have this core's layout
 * and maxNodes, else S_BAD_CALL (the host then starts a new file). Nothing in it is trusted:
 * a record at a bad offset or of another node is dropped, an unsound extent emptied (its
 * section with it), a record caught mid-write (odd sequence number: the collector was
 * killed) emptied but for who the node is, a bad free list cut. Every node's update progress
 * is reset; with ADOPT_STALE (a restart) every node is marked NSTATE_STALE, down until it
 * reports again; with ADOPT_RESET_COUNTERS the collector's counters start from zero.
 */
export function tableAdopt(maxNodes: u32, len: u32, how: u32): u32 {
  let t = table;
  if (<usize>len > tableCap || len < TABLE_HEADER_BYTES) return S_BAD_CALL;
  if (load<u32>(t + TABLE_MAGIC_AT) != TABLE_MAGIC || load<u32>(t + TABLE_VERSION) != LAYOUT_VERSION) return S_BAD_CALL;
  if (
    load<u32>(t + TABLE_HEADER_SIZE) != TABLE_HEADER_BYTES || load<u32>(t + TABLE_NODE_SIZE) != NODE_SIZE ||
    load<u32>(t + TABLE_CPU_SIZE) != CPU_SIZE || load<u32>(t + TABLE_CI_SIZE) != CI_SIZE ||
    load<u32>(t + TABLE_IF_SIZE) != IF_SIZE || load<u32>(t + TABLE_MODEL_SLOTS_AT) != MODEL_SLOTS ||
    load<u32>(t + TABLE_MODEL_LEN_AT) != MODEL_LEN || load<u32>(t + TABLE_MAX_NODES) != maxNodes ||
    load<u32>(t + TABLE_DIR) != TABLE_HEADER_BYTES
  ) return S_BAD_CALL;
  let used = load<u32>(t + TABLE_USED);
  let heapStart = <u32>align64(<usize>TABLE_HEADER_BYTES + ((<usize>maxNodes + 1) << 2));
  if (used > len || used < heapStart || (used & 63) != 0) return S_BAD_CALL;

  let nodes: u32 = 0;
  let dir = t + TABLE_HEADER_BYTES;
  for (let slot: u32 = 0; slot <= maxNodes; slot++) {
    let off = load<u32>(dir + (slot << 2));
    if (!off) continue;
    let r = t + off;
    if (
      off < heapStart || (off & 63) != 0 || <u64>off + NODE_SIZE > <u64>used ||
      load<i32>(r + NODE_NUMBER) != <i32>slot - 1 || !(load<u32>(r + NODE_STATE) & NSTATE_IN_USE)
    ) {
      store<u32>(dir + (slot << 2), 0);
      continue;
    }
    nodes++;
    let torn = (load<u32>(r + NODE_SEQ) & 1) != 0;
    if (torn) store<u32>(r + NODE_SEQ, load<u32>(r + NODE_SEQ) + 1);
    let sections: u64 = 0;
    for (let s: u32 = 0; s < SECTIONS; s++) sections |= fbit(F_SECTION + s);
    let dataMask = SECMASK_CPUINFO | SECMASK_MEMINFO | SECMASK_LOADAVG | SECMASK_NETDEV | SECMASK_STAT | SECMASK_STATFS | sections;
    if (!extentSound(r + NODE_CPUS, CPU_SIZE, heapStart, used)) {
      memory.fill(r + NODE_CPUS, 0, 12);
      torn = true;
    }
    if (!extentSound(r + NODE_CIS, CI_SIZE, heapStart, used)) {
      memory.fill(r + NODE_CIS, 0, 12);
      torn = true;
    }
    if (!extentSound(r + NODE_IFS, IF_SIZE, heapStart, used)) {
      memory.fill(r + NODE_IFS, 0, 12);
      torn = true;
    }
    if (torn) {
      // what it reported cannot be trusted: emptied, down until it reports again
      store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) & ~dataMask);
      store<u64>(r + NODE_FAILED, load<u64>(r + NODE_FAILED) & ~dataMask);
      store<u32>(r + NODE_CPUS + EXT_COUNT, 0);
      store<u32>(r + NODE_CIS + EXT_COUNT, 0);
      store<u32>(r + NODE_IFS + EXT_COUNT, 0);
    }
    if (how & ADOPT_STALE) store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) | NSTATE_STALE);
    store<u16>(r + NODE_UPDATE_PARTS, 0);
    store<u16>(r + NODE_UPDATE_GOT, 0);
    store<u16>(r + NODE_UPDATE_SPLIT, 0);
  }
  store<u32>(t + TABLE_NODE_COUNT, nodes);
  if (load<u32>(t + TABLE_SEQ) & 1) store<u32>(t + TABLE_SEQ, load<u32>(t + TABLE_SEQ) + 1);

  // free lists: followed with bounds and a step limit; a bad one is cut (its extents leak)
  for (let h: u32 = 0; h < EXT_TYPES * EXT_CLASSES; h++) {
    let head = t + TABLE_FREE + (h << 2);
    let off = load<u32>(head);
    let steps: u32 = used >> 6;
    while (off) {
      if (off < heapStart || (off & 63) != 0 || off + 8 > used || steps-- == 0) {
        store<u32>(head, 0);
        break;
      }
      off = load<u32>(t + off);
    }
  }
  if (how & ADOPT_RESET_COUNTERS) memory.fill(t + TABLE_COUNTERS, 0, COUNTERS << 3);
  memory.fill(t + TABLE_FLAGS, 0, 4);
  return S_OK;
}

/** tableAdopt: a restart; every node is down until it reports again. */
export const ADOPT_STALE: u32 = 1;
/** tableAdopt: the counters start from zero. */
export const ADOPT_RESET_COUNTERS: u32 = 2;

/**
 * Marks node's record NSTATE_INVALID (readers count it down) until its next datagram is
 * applied: after a trap while it was being written. Returns whether the node has a record.
 */
export function tableInvalidate(node: i32): bool {
  let off = tableRecord(node);
  if (!off) return false;
  beginWrite(off);
  store<u32>(table + off + NODE_STATE, load<u32>(table + off + NODE_STATE) | NSTATE_INVALID);
  endWrite(off);
  return true;
}

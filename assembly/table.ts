// The node table: one contiguous block of linear memory holding a header, a directory
// indexed by node number, fixed-size node records, and a heap of extents for each node's
// CPUs and interfaces, sized to what the node has. Offsets are from the table's start, so
// the host can copy the table (or any record) byte for byte into the /var/shm file.
// tableCommit() is the only writer of records: it moves parsed sections from the parse
// record into a node's record under the record's sequence lock, and derives CPU usage and
// the network rate from the previous sample. Parsers never allocate; only the table grows.

import {
  CI_SIZE, CPU_COL_IDLE, CPU_COL_IOWAIT, CPU_COL_STEAL, CPU_INDEX, CPU_PRESENT, CPU_SIZE, CPU_TICKS, CPU_USAGE, COMMIT_META, EXT_CAPACITY, EXT_CI, EXT_CLASSES, EXT_COUNT, EXT_CPU, EXT_IF, EXT_OFFSET, F_CPU_TOTAL, F_NET_RATE, IF_COUNTERS, IF_NAME, IF_NAME_LEN, IF_PRESENT, IF_SIZE, IFC_RX_BYTES, IFC_TX_BYTES, LAYOUT_VERSION, META_MASK, MODEL_LEN, MODEL_SLOTS, NODE_CIS, NODE_CPUS, NODE_CPU_COUNT, NODE_CPU_TOTAL, NODE_CTXT, NODE_DISK_TOTAL, NODE_FAILED, NODE_IFS, NODE_INTERVAL_MS, NODE_LAST_PID, NODE_LOAD, NODE_MEM, NODE_MODELS, NODE_NAME, NODE_NAME_LEN, NODE_NET_RATE, NODE_NUMBER, NODE_PRESENT, NODE_PROCS_BLOCKED, NODE_SAMPLE_TIMES, NODE_SEQ, NODE_SIZE, NODE_STATE, NODE_TIME, NSTATE_CIS_CUT, NSTATE_CPUS_CUT, NSTATE_IFS_CUT, NSTATE_IN_USE, PR_CIS, PR_CPUS, PR_IFS, MEM_FIELDS, SECMASK_CPUINFO, SECMASK_LOADAVG, SECMASK_MEMINFO, SECMASK_NETDEV, SECMASK_STAT, SECMASK_STATFS, SECTIONS, SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV, SEC_STAT, SEC_STATFS, TABLE_CI_SIZE, TABLE_CPU_SIZE, TABLE_DIR, TABLE_FREE, TABLE_HEADER_BYTES, TABLE_HEADER_SIZE, TABLE_IF_SIZE, TABLE_MAGIC, TABLE_MAGIC_AT, TABLE_MAX_NODES, TABLE_MODEL_LEN_AT, TABLE_MODEL_SLOTS_AT, TABLE_NODE_COUNT, TABLE_NODE_SIZE, TABLE_SEQ, TABLE_USED, TABLE_VERSION, USAGE_NONE, F_SECTION,
} from "./layout";
import { fbit } from "./fields";
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
  let used = align64(<usize>TABLE_HEADER_BYTES + ((<usize>maxNodes + 1) << 2));
  if (maxNodes == 0 || used > TABLE_LIMIT) return S_BAD_CALL;
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

// ---- extents -----------------------------------------------------------------------

/** The size class of an extent for count entries: capacity 4 << class. */
function sizeClass(count: u32): u32 {
  if (count <= 4) return 0;
  return 30 - clz<u32>(count - 1); // ceil(log2(count)) - 2
}

/**
 * Makes the extent referenced at offset ref of record rec hold count entries of entrySize
 * bytes: kept when large enough, else replaced by one from the type's free list or the heap
 * (the old one goes on its free list: its contents must have been read before). Returns the
 * extent's address, or 0 when the table is full.
 */
function extentFor(rec: u32, ref: u32, type: u32, entrySize: u32, count: u32): usize {
  let cap = load<u32>(table + rec + ref + EXT_CAPACITY);
  if (count > cap) {
    let cls = sizeClass(count);
    if (cls >= EXT_CLASSES) return 0;
    let head = TABLE_FREE + ((type * EXT_CLASSES + cls) << 2);
    let off = load<u32>(table + head);
    if (off) store<u32>(table + head, load<u32>(table + off)); // pop
    else {
      off = heapTake(align64(<usize>entrySize << (cls + 2)));
      if (!off) return 0;
    }
    let old = load<u32>(table + rec + ref + EXT_OFFSET);
    if (old) {
      let oldHead = TABLE_FREE + ((type * EXT_CLASSES + sizeClass(cap)) << 2);
      store<u32>(table + old, load<u32>(table + oldHead));
      store<u32>(table + oldHead, old);
    }
    store<u32>(table + rec + ref + EXT_OFFSET, off);
    store<u32>(table + rec + ref + EXT_CAPACITY, 4 << cls);
  }
  return table + load<u32>(table + rec + ref + EXT_OFFSET);
}

// ---- derived values -------------------------------------------------------------------

/** Busy share x 10000 of a CPU between samples old and now: 1 - d(idle+iowait)/d(total); USAGE_NONE if unknown. */
function usage(old: usize, now: usize): u32 {
  let both = <u32>load<u16>(old + CPU_PRESENT) & <u32>load<u16>(now + CPU_PRESENT);
  if ((both & 15) != 15) return USAGE_NONE; // user, nice, system, idle are needed
  let dTotal: u64 = 0;
  let dIdle: u64 = 0;
  // guest and guest_nice are already counted in user and nice
  for (let i: u32 = 0; i <= CPU_COL_STEAL; i++) {
    if (!(both & (1 << i))) continue;
    let a = load<u64>(old + CPU_TICKS + (<usize>i << 3));
    let b = load<u64>(now + CPU_TICKS + (<usize>i << 3));
    if (b < a) return USAGE_NONE; // counters went back: a reboot, not a rate
    dTotal += b - a;
    if (i == CPU_COL_IDLE || i == CPU_COL_IOWAIT) dIdle += b - a;
  }
  if (dTotal == 0) return USAGE_NONE;
  return <u32>(((dTotal - dIdle) * 10000 + (dTotal >> 1)) / dTotal);
}

/** Index in [0, count) of the entry (of size bytes, at base) whose leading u32 index is key, trying hint first; count if none. */
function findEntry(base: usize, count: u32, size: u32, hint: u32, key: u32): u32 {
  if (hint < count && load<u32>(base + <usize>hint * size + CPU_INDEX) == key) return hint;
  for (let j: u32 = 0; j < count; j++) if (load<u32>(base + <usize>j * size + CPU_INDEX) == key) return j;
  return count;
}

/** Index of the interface named like the one at name, trying hint first; count if none. */
function findIface(base: usize, count: u32, hint: u32, name: usize): u32 {
  if (hint < count && memory.compare(base + <usize>hint * IF_SIZE + IF_NAME, name, IF_NAME_LEN) == 0) return hint;
  for (let j: u32 = 0; j < count; j++) {
    if (memory.compare(base + <usize>j * IF_SIZE + IF_NAME, name, IF_NAME_LEN) == 0) return j;
  }
  return count;
}

// ---- commit ---------------------------------------------------------------------------

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

function commitStat(off: u32, pr: usize): bool {
  let n = load<u32>(pr + NODE_CPUS + EXT_COUNT);
  let r = table + off;
  if (load<u64>(r + NODE_PRESENT) & fbit(F_CPU_TOTAL)) {
    store<u16>(pr + NODE_CPU_TOTAL + CPU_USAGE, <u16>usage(r + NODE_CPU_TOTAL, pr + NODE_CPU_TOTAL));
  }
  // each CPU's usage against its previous sample, matched by index (same order unless CPUs came or went)
  let oldCount = load<u32>(r + NODE_CPUS + EXT_COUNT);
  let oldBase = table + load<u32>(r + NODE_CPUS + EXT_OFFSET);
  let j: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let e = pr + PR_CPUS + <usize>i * CPU_SIZE;
    j = findEntry(oldBase, oldCount, CPU_SIZE, j, load<u32>(e + CPU_INDEX));
    store<u16>(e + CPU_USAGE, <u16>(j < oldCount ? usage(oldBase + <usize>j * CPU_SIZE, e) : USAGE_NONE));
    j++;
  }
  let ext = extentFor(off, NODE_CPUS, EXT_CPU, CPU_SIZE, n);
  if (!ext) return false;
  r = table + off;
  memory.copy(ext, pr + PR_CPUS, <usize>n * CPU_SIZE);
  store<u32>(r + NODE_CPUS + EXT_COUNT, n);
  memory.copy(r + NODE_CPU_TOTAL, pr + NODE_CPU_TOTAL, CPU_SIZE);
  memory.copy(r + NODE_CTXT, pr + NODE_CTXT, NODE_PROCS_BLOCKED + 4 - NODE_CTXT);
  copyBits(r, pr, SECMASK_STAT);
  copyState(r, pr, NSTATE_CPUS_CUT);
  return true;
}

function commitNetDev(off: u32, pr: usize): bool {
  let n = load<u32>(pr + NODE_IFS + EXT_COUNT);
  let r = table + off;
  // bytes/s over all interfaces but lo, against the previous sample, when both have a time
  let t0 = load<f64>(r + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3));
  let t1 = load<f64>(pr + NODE_SAMPLE_TIMES + (SEC_NETDEV << 3));
  let oldCount = load<u32>(r + NODE_IFS + EXT_COUNT);
  let oldBase = table + load<u32>(r + NODE_IFS + EXT_OFFSET);
  let rateKnown = (load<u64>(r + NODE_PRESENT) & fbit(F_SECTION + SEC_NETDEV)) != 0 && t0 > 0 && t1 > t0;
  let bytes: u64 = 0;
  const both: u32 = (1 << IFC_RX_BYTES) | (1 << IFC_TX_BYTES);
  let j: u32 = 0;
  for (let i: u32 = 0; rateKnown && i < n; i++) {
    let e = pr + PR_IFS + <usize>i * IF_SIZE;
    if (isLoopback(e + IF_NAME)) continue;
    j = findIface(oldBase, oldCount, j, e + IF_NAME);
    if (j == oldCount) continue; // a new interface counts from its next sample
    let o = oldBase + <usize>j * IF_SIZE;
    j++;
    if ((load<u32>(o + IF_PRESENT) & load<u32>(e + IF_PRESENT) & both) != both) continue;
    let a = load<u64>(o + IF_COUNTERS + (IFC_RX_BYTES << 3)) + load<u64>(o + IF_COUNTERS + (IFC_TX_BYTES << 3));
    let b = load<u64>(e + IF_COUNTERS + (IFC_RX_BYTES << 3)) + load<u64>(e + IF_COUNTERS + (IFC_TX_BYTES << 3));
    if (b < a) rateKnown = false; // a counter went back: no rate this time, rather than a huge one
    else bytes += b - a;
  }
  let ext = extentFor(off, NODE_IFS, EXT_IF, IF_SIZE, n);
  if (!ext) return false;
  r = table + off;
  memory.copy(ext, pr + PR_IFS, <usize>n * IF_SIZE);
  store<u32>(r + NODE_IFS + EXT_COUNT, n);
  copyBits(r, pr, SECMASK_NETDEV);
  copyState(r, pr, NSTATE_IFS_CUT);
  if (rateKnown) {
    store<f64>(r + NODE_NET_RATE, <f64>bytes / ((t1 - t0) / 1000));
    store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | fbit(F_NET_RATE));
  } else store<f64>(r + NODE_NET_RATE, 0);
  return true;
}

function commitCpuinfo(off: u32, pr: usize): bool {
  let n = load<u32>(pr + NODE_CIS + EXT_COUNT);
  let ext = extentFor(off, NODE_CIS, EXT_CI, CI_SIZE, n);
  if (!ext) return false;
  let r = table + off;
  memory.copy(ext, pr + PR_CIS, <usize>n * CI_SIZE);
  store<u32>(r + NODE_CIS + EXT_COUNT, n);
  memory.copy(r + NODE_CPU_COUNT, pr + NODE_CPU_COUNT, 8); // CPU_COUNT, MHZ
  memory.copy(r + NODE_MODELS, pr + NODE_MODELS, MODEL_SLOTS * MODEL_LEN);
  copyBits(r, pr, SECMASK_CPUINFO);
  copyState(r, pr, NSTATE_CIS_CUT);
  return true;
}

/**
 * Copies the sections named by mask (1 << SEC_*, plus COMMIT_META for the identity fields
 * and receive time) from parse record pr into node's record, creating it if new. Called by
 * the host after parsing a node's report, once per report. Returns S_OK, or S_LIMIT /
 * S_NO_SPACE (the node's previous data stays as it was, but for sections already copied).
 */
export function tableCommit(node: i32, pr: usize, mask: u32): u32 {
  let off = tableEnsure(node);
  if (!off) return tableStatus;
  let r = table + off;
  store<u32>(r + NODE_SEQ, load<u32>(r + NODE_SEQ) + 1); // odd: being written
  let ok = true;
  if (mask & (1 << SEC_CPUINFO)) ok = commitCpuinfo(off, pr);
  if (ok && (mask & (1 << SEC_STAT))) ok = commitStat(off, pr);
  if (ok && (mask & (1 << SEC_NETDEV))) ok = commitNetDev(off, pr);
  r = table + off; // the table may have moved
  if (mask & (1 << SEC_MEMINFO)) {
    memory.copy(r + NODE_MEM, pr + NODE_MEM, MEM_FIELDS << 3);
    copyBits(r, pr, SECMASK_MEMINFO);
  }
  if (mask & (1 << SEC_LOADAVG)) {
    memory.copy(r + NODE_LOAD, pr + NODE_LOAD, NODE_LAST_PID + 4 - NODE_LOAD);
    copyBits(r, pr, SECMASK_LOADAVG);
  }
  if (mask & (1 << SEC_STATFS)) {
    memory.copy(r + NODE_DISK_TOTAL, pr + NODE_DISK_TOTAL, 16);
    copyBits(r, pr, SECMASK_STATFS);
  }
  for (let s: u32 = 0; s < SECTIONS; s++) {
    if (mask & (1 << s)) {
      store<f64>(r + NODE_SAMPLE_TIMES + (s << 3), load<f64>(pr + NODE_SAMPLE_TIMES + (s << 3)));
    }
  }
  if (mask & COMMIT_META) {
    memory.copy(r + NODE_TIME, pr + NODE_TIME, NODE_SAMPLE_TIMES - NODE_TIME); // time, instance, sequence
    memory.copy(r + NODE_INTERVAL_MS, pr + NODE_INTERVAL_MS, NODE_NAME + NODE_NAME_LEN - NODE_INTERVAL_MS);
    copyBits(r, pr, META_MASK);
  }
  store<u32>(r + NODE_SEQ, load<u32>(r + NODE_SEQ) + 1); // even: consistent
  tableStatus = ok ? S_OK : S_NO_SPACE;
  return tableStatus;
}

/** Whether the NUL-padded interface name at a is "lo". */
// @ts-ignore: decorator
@inline function isLoopback(a: usize): bool {
  return load<u8>(a) == 108 && load<u8>(a + 1) == 111 && load<u8>(a + 2) == 0;
}

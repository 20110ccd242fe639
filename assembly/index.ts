// The core's entry point: what the WebAssembly module exports to its host. The host copies
// a file's or a datagram's bytes into the input buffer, then calls parse() and tableCommit()
// (a machine's files), wireCheck() and wireApply() (a datagram), or filter() (sendstats).
// The layout and status constants are exported too, so that the host reads every offset
// from here and never types one.

import { COUNTERS, NODE_SIZE, PR_SIZE, SECTIONS, SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV, SEC_STAT, TABLE_COUNTERS } from "./layout";
import { FILTER_MAX_LINES, filterLines } from "./filter";
import { parseCpuinfo } from "./proc/cpuinfo";
import { parseLoadavg } from "./proc/loadavg";
import { parseMeminfo } from "./proc/meminfo";
import { parseNetDev } from "./proc/net_dev";
import { parseStat } from "./proc/stat";
import { parseFailAt } from "./scan";
import { S_BAD_CALL } from "./status";
import { table, tableInit } from "./table";
import { count, requestFor, requestInterval, requestSpan, wireApply, wireCheck, wireNeedsStatic, wireNode } from "./wire";

export * from "./layout";
export * from "./status";
export { LC_BLOCK, LC_ENTRY, LC_GLOBAL, LC_HEAD, LC_IN_BLOCK, FILTER_MAX_LINES } from "./filter";
export { ADOPT_RESET_COUNTERS, ADOPT_STALE, tableAdopt, tableCommit, tableEnsure, tableInvalidate, tableRecord, tableReserve } from "./table";
export { requestFor, requestInterval, requestSpan, wireNode } from "./wire";
export { setLimits } from "./limits";
export { setFailpoint } from "./wire";

/** Bytes of the input buffer: the largest file or datagram the host may hand to the core. */
export const INPUT_CAPACITY: u32 = 4 << 20;
/**
 * Bytes before the input buffer that the core never touches: the host's HMAC writes its
 * key block there, so that one hash call reads the key block and the datagram together
 * where the datagram already lies (HMAC's inner message is the key block, then the
 * datagram), instead of copying every datagram once more.
 */
export const INPUT_HEAD: u32 = 64;

let input: usize = 0;
let record: usize = 0;
let addr: usize = 0;
let filterOut: usize = 0;
let filterEnds: usize = 0;
let filterClasses: usize = 0;

/**
 * Allocates the buffers (input, parse record, filter output) and an empty table for node
 * numbers -1 .. maxNodes-1. The host calls it once, before anything else. Returns S_*.
 */
export function coreInit(maxNodes: u32): u32 {
  if (!input) {
    // untouched pages cost no memory: the buffers are sized for the largest input at once
    input = heap.alloc(INPUT_HEAD + INPUT_CAPACITY) + INPUT_HEAD;
    record = heap.alloc(PR_SIZE);
    memory.fill(record, 0, NODE_SIZE); // the arrays are written before they are read
    addr = heap.alloc(16);
    filterOut = heap.alloc(INPUT_CAPACITY);
    filterEnds = heap.alloc(FILTER_MAX_LINES << 2);
    filterClasses = heap.alloc(FILTER_MAX_LINES);
  }
  return tableInit(maxNodes);
}

/** Address of the input buffer (INPUT_CAPACITY bytes, with INPUT_HEAD bytes for the host before it). */
export function inputPtr(): usize {
  return input;
}

/** Address of the parse record, which parse() fills and tableCommit() reads. */
export function parseRecord(): usize {
  return record;
}

/** Address of the node table; it moves when the table grows (after tableEnsure, tableCommit, wireApply). */
export function tableBase(): usize {
  return table;
}

/**
 * Parses the first len bytes of the input buffer as section sec (SEC_*) into the parse
 * record. Returns S_* bits; lastFailAt() gives the offset of the first failure.
 */
export function parse(sec: u32, len: u32): u32 {
  if (len > INPUT_CAPACITY || sec >= SECTIONS) return S_BAD_CALL;
  switch (sec) {
    case SEC_CPUINFO: return parseCpuinfo(record, input, len);
    case SEC_MEMINFO: return parseMeminfo(record, input, len);
    case SEC_LOADAVG: return parseLoadavg(record, input, len);
    case SEC_NETDEV: return parseNetDev(record, input, len);
    case SEC_STAT: return parseStat(record, input, len);
  }
  return S_BAD_CALL; // statfs is not a /proc file: the decoder fills it
}

/** Offset in the input of the first failure of the last parse (NO_FAIL if none). */
export function lastFailAt(): u32 {
  return parseFailAt;
}

/** Checks the len-byte datagram in the input buffer, of type want (WT_*): 0 or the rejection reason R_*. */
export function check(len: u32, want: u32): u32 {
  return wireCheck(input, min<u32>(len, INPUT_CAPACITY), want);
}

/** Address of the 16 bytes where the host puts the sender's address before apply(). */
export function addrPtr(): usize {
  return addr;
}

/** Applies the status datagram last checked to node: 0 or the rejection reason R_*. See wireApply. */
export function apply(node: i32, recvMs: f64, downAfterMs: u32): u32 {
  return wireApply(node, record, addr, recvMs, downAfterMs);
}

/** Whether the node of the last apply() lacks its cpuinfo, or has only part of it (1), or not (0). */
export function needsStatic(): u32 {
  return wireNeedsStatic ? 1 : 0;
}

/** Adds n to collector counter c (C_*). */
export function counterAdd(c: u32, n: u32): void {
  count(c, n);
}

/** Sets collector counter c (C_*) to v (an integer below 2^53). */
export function counterSet(c: u32, v: f64): void {
  if (c < COUNTERS) store<u64>(table + TABLE_COUNTERS + (c << 3), <u64>v);
}

/**
 * Keeps the lines of section sec in the first len bytes of the input that recvstats parses,
 * for sendstats: returns how many; filterText(), filterEnds() and filterClasses() hold them.
 */
export function filter(sec: u32, len: u32): u32 {
  if (len > INPUT_CAPACITY || sec >= SECTIONS) return 0;
  return filterLines(sec, input, len, filterOut, filterEnds, filterClasses);
}

/** Address of the kept lines, back to back. */
export function filterText(): usize {
  return filterOut;
}

/** Address of the u32 end offsets of the kept lines in filterText(). */
export function filterEndsPtr(): usize {
  return filterEnds;
}

/** Address of the u8 classes (LC_*) of the kept lines. */
export function filterClassesPtr(): usize {
  return filterClasses;
}

/**
 * The runtime's heap top, for tests that prove the parsers allocate nothing: it is the same
 * before and after any number of parses.
 */
export function heapProbe(): usize {
  let p = heap.alloc(16);
  heap.free(p);
  return p;
}

// ---- beostatus (issue 5): snapshot summaries and the packet inspector --------------------
// summary.ts defines the /snapshot format (SNAP_*, SUM_*) and summaryFill(); the inspector
// locates a datagram's fault with the decoder's own check, counting nothing.
import { wireValidate } from "./wire";
export * from "./summary";
export { wireFaultAt as wireLocateAt, wireSections as wireLocateSections } from "./wire";

/** As check(), but counts nothing: the rejection reason R_* (0: none); wireLocateAt() says where. */
export function locate(len: u32, want: u32): u32 {
  return wireValidate(input, min<u32>(len, INPUT_CAPACITY), want);
}

// The core's entry point: what the WebAssembly module exports to its host. The host copies
// a file's bytes into the input buffer, calls parse() for its section, then tableCommit()
// to move the result into a node's record. The layout and status constants are exported
// too, so that the host reads every offset from here and never types one.

import { PR_SIZE, NODE_SIZE, SECTIONS, SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV, SEC_STAT } from "./layout";
import { parseCpuinfo } from "./proc/cpuinfo";
import { parseLoadavg } from "./proc/loadavg";
import { parseMeminfo } from "./proc/meminfo";
import { parseNetDev } from "./proc/net_dev";
import { parseStat } from "./proc/stat";
import { parseFailAt } from "./scan";
import { S_BAD_CALL } from "./status";
import { table, tableInit } from "./table";

export * from "./layout";
export * from "./status";
export { tableCommit, tableEnsure, tableRecord } from "./table";

/** Bytes of the input buffer: the largest file or datagram the host may hand to parse(). */
export const INPUT_CAPACITY: u32 = 4 << 20;

let input: usize = 0;
let record: usize = 0;

/**
 * Allocates the input buffer, the parse record and an empty table for node numbers -1 ..
 * maxNodes-1. The host calls it once, before anything else. Returns a status (S_*).
 */
export function coreInit(maxNodes: u32): u32 {
  if (!input) {
    input = heap.alloc(INPUT_CAPACITY);
    record = heap.alloc(PR_SIZE);
    memory.fill(record, 0, NODE_SIZE); // the arrays are written before they are read
  }
  return tableInit(maxNodes);
}

/** Address of the input buffer (INPUT_CAPACITY bytes). */
export function inputPtr(): usize {
  return input;
}

/** Address of the parse record, which parse() fills and tableCommit() reads. */
export function parseRecord(): usize {
  return record;
}

/** Address of the node table; it moves when the table grows (after tableEnsure or tableCommit). */
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
  return S_BAD_CALL; // statfs is not a /proc file: the protocol decoder fills it
}

/** Offset in the input of the first failure of the last parse (NO_FAIL if none). */
export function lastFailAt(): u32 {
  return parseFailAt;
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

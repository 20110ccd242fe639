// The snapshot format of beostatus (docs/snapshot.md), defined once: the header of what
// /snapshot serves and the compact per-node summary the overview needs (well under 100
// bytes a node). beostatus fills each summary from a node record with summaryFill(), and
// the page served to the browser decodes it with the SUM_* offsets of this same module,
// so the server and the page can never disagree about a byte.

import {
  CPU_USAGE, EXT_COUNT, F_CPU_TOTAL, F_DISK, F_LOAD, F_MEM, F_NET_RATE, MEM_AVAILABLE, MEM_BUFFERS, MEM_CACHED,
  MEM_FREE, MEM_SWAP_FREE, MEM_SWAP_TOTAL, MEM_TOTAL, NODE_CPUS, NODE_CPU_TOTAL, NODE_DISK_FREE, NODE_DISK_TOTAL,
  NODE_DOWN_AFTER, NODE_LOAD, NODE_MEM, NODE_NET_RATE, NODE_NUMBER, NODE_PRESENT, NODE_SIZE, NODE_STATE, NODE_TIME,
  NSTATE_STALE, USAGE_NONE,
} from "./layout";
import { fbit } from "./fields";

/** Bumped whenever a snapshot or summary field moves or changes meaning; the page refuses another. */
export const SNAP_FORMAT_VERSION: u32 = 1;
/** "BSSN" read as little-endian u32: the first four bytes of every /snapshot answer. */
export const SNAP_MAGIC: u32 = 0x4e535342;

// ---- Snapshot header (every /snapshot answer starts with it) ------------------------------
export const SNAP_MAGIC_AT: u32 = 0; // u32 SNAP_MAGIC
export const SNAP_VERSION: u32 = 4; // u32 SNAP_FORMAT_VERSION
export const SNAP_HEADER_SIZE: u32 = 8; // u32 bytes of this header (SNAP_HEADER_BYTES)
export const SNAP_SUM_SIZE: u32 = 12; // u32 bytes of one summary (SUM_SIZE)
export const SNAP_KIND: u32 = 16; // u32 SNAPK_*: what follows the header
export const SNAP_COUNT: u32 = 20; // u32 nodes that follow
export const SNAP_TIME: u32 = 24; // f64 epoch ms at which the snapshot was taken (beostatus' clock)
export const SNAP_FLAGS: u32 = 32; // u32 SNAPF_* bits
export const SNAP_NAMES: u32 = 36; // u32 SNAPK_SUMMARY: byte offset of the name area (one u8 length + UTF-8 per node)
export const SNAP_LAYOUT: u32 = 40; // u32 SNAPK_RECORDS: LAYOUT_VERSION of the records
export const SNAP_TOTAL: u32 = 44; // u32 nodes in the status file (SNAP_COUNT may be fewer for a range)
export const SNAP_HEADER_BYTES: u32 = 48;

export const SNAPK_SUMMARY: u32 = 1; // SNAP_COUNT summaries, then the name area
export const SNAPK_RECORDS: u32 = 2; // SNAP_COUNT entries: summary, u32 block bytes, u32 0, the block (8-aligned)

export const SNAPF_ALIVE: u32 = 1; // the collector's heartbeat is recent and it has not stopped
export const SNAPF_STOPPED: u32 = 2; // the collector flagged the file stopped (TFLAG_STOPPED)

// ---- Summary of one node ----------------------------------------------------------------
export const SUM_NODE: u32 = 0; // i32 node number
export const SUM_FLAGS: u32 = 4; // u32 SUMF_* bits
export const SUM_CPU: u32 = 8; // u16 whole-node busy share x 10000 (USAGE_NONE: unknown)
export const SUM_CPUS: u32 = 10; // u16 CPUs in the node's stat (65535 for more)
export const SUM_LOAD: u32 = 12; // u32 1-minute load average x 100
export const SUM_MEM_TOTAL: u32 = 16; // u32 MiB
export const SUM_MEM_USED: u32 = 20; // u32 MiB in use as free(1) counts it: total - available (see summaryFill)
export const SUM_SWAP_TOTAL: u32 = 24; // u32 MiB
export const SUM_SWAP_USED: u32 = 28; // u32 MiB: swap total - swap free
export const SUM_DISK_TOTAL: u32 = 32; // u32 MiB of the root filesystem
export const SUM_DISK_USED: u32 = 36; // u32 MiB: total - available to users
export const SUM_NET_RATE: u32 = 40; // f32 bytes/s received plus sent, all interfaces but lo
export const SUM_AGE: u32 = 44; // u32 ms since the node's last datagram (AGE_NEVER: it has none)
export const SUM_SIZE: u32 = 48;
export const AGE_NEVER: u32 = 0xffffffff;

export const SUMF_UP: u32 = 1; // up, as docs/shm-format.md defines it
export const SUMF_STALE: u32 = 2; // adopted from an earlier collector, not heard from since
export const SUMF_CPU: u32 = 4; // SUM_CPU is known
export const SUMF_MEM: u32 = 8; // SUM_MEM_* are known
export const SUMF_SWAP: u32 = 16; // SUM_SWAP_* are known
export const SUMF_LOAD: u32 = 32; // SUM_LOAD is known
export const SUMF_DISK: u32 = 64; // SUM_DISK_* are known
export const SUMF_NET: u32 = 128; // SUM_NET_RATE is known

// ---- A SNAPK_RECORDS entry: a node's summary, its block's size, then the block ------------
// The block is the node record (NODE_SIZE bytes) followed by the used entries of its CPU,
// cpuinfo and interface extents, in that order, with each EXT_OFFSET rewritten to count
// from the block's first byte: a reader decodes it as a table that starts at the block.
export const REC_BLOCK_BYTES: u32 = SUM_SIZE; // u32 bytes of the block (a multiple of 8)
export const REC_HEADER_BYTES: u32 = SUM_SIZE + 8; // the block starts here (the u32 before it is 0)

/** Bytes as MiB, rounded to the nearest, saturated at u32. */
// @ts-ignore: decorator
@inline function mib(bytes: u64): u32 {
  let m = (bytes + (1 << 19)) >> 20;
  return m > 0xffffffff ? 0xffffffff : <u32>m;
}

/** a - b, or 0 when b exceeds a (a torn or garbled pair never shows as a huge number). */
// @ts-ignore: decorator
@inline function minus(a: u64, b: u64): u64 {
  return a >= b ? a - b : 0;
}

let scratch: usize = 0;

/**
 * Address of a work area of NODE_SIZE + SUM_SIZE bytes: the host copies a node record to
 * it (taken under the record's sequence lock) and gets its summary right after it.
 */
export function summaryScratch(): usize {
  if (!scratch) scratch = heap.alloc(NODE_SIZE + SUM_SIZE);
  return scratch;
}

/**
 * Fills the SUM_SIZE bytes at out with the summary of the node record at rec, as seen at
 * nowMs (epoch ms). alive: 1 when the collector is alive (SNAPF_ALIVE), else 0. Called by
 * beostatus once per node per snapshot; reads NODE_SIZE bytes of rec and nothing else.
 */
export function summaryFill(rec: usize, out: usize, nowMs: f64, alive: u32): void {
  let present = load<u64>(rec + NODE_PRESENT);
  let state = load<u32>(rec + NODE_STATE);
  let time = load<f64>(rec + NODE_TIME);
  let flags: u32 = 0;
  let stale = (state & NSTATE_STALE) != 0;
  if (stale) flags |= SUMF_STALE;
  if (alive && !stale && time > 0 && time + <f64>load<u32>(rec + NODE_DOWN_AFTER) > nowMs) flags |= SUMF_UP;
  memory.fill(out, 0, SUM_SIZE);
  store<i32>(out + SUM_NODE, load<i32>(rec + NODE_NUMBER));

  let usage = <u32>USAGE_NONE;
  if (present & fbit(F_CPU_TOTAL)) usage = <u32>load<u16>(rec + NODE_CPU_TOTAL + CPU_USAGE);
  if (usage != USAGE_NONE) flags |= SUMF_CPU;
  store<u16>(out + SUM_CPU, <u16>usage);
  store<u16>(out + SUM_CPUS, <u16>min<u32>(load<u32>(rec + NODE_CPUS + EXT_COUNT), 0xffff));

  if (present & fbit(F_LOAD)) {
    flags |= SUMF_LOAD;
    store<u32>(out + SUM_LOAD, load<u32>(rec + NODE_LOAD));
  }
  let memBits = fbit(F_MEM + MEM_TOTAL) | fbit(F_MEM + MEM_FREE);
  if ((present & memBits) == memBits) {
    flags |= SUMF_MEM;
    let total = load<u64>(rec + NODE_MEM + (MEM_TOTAL << 3));
    // page cache is memory a program can have: "used" leaves it out, as free(1) does
    let used = minus(total, load<u64>(rec + NODE_MEM + (MEM_FREE << 3)));
    let cacheBits = fbit(F_MEM + MEM_BUFFERS) | fbit(F_MEM + MEM_CACHED);
    if (present & fbit(F_MEM + MEM_AVAILABLE)) used = minus(total, load<u64>(rec + NODE_MEM + (MEM_AVAILABLE << 3)));
    else if ((present & cacheBits) == cacheBits) {
      used = minus(used, load<u64>(rec + NODE_MEM + (MEM_BUFFERS << 3)) + load<u64>(rec + NODE_MEM + (MEM_CACHED << 3)));
    }
    store<u32>(out + SUM_MEM_TOTAL, mib(total));
    store<u32>(out + SUM_MEM_USED, mib(used));
  }
  let swapBits = fbit(F_MEM + MEM_SWAP_TOTAL) | fbit(F_MEM + MEM_SWAP_FREE);
  if ((present & swapBits) == swapBits) {
    flags |= SUMF_SWAP;
    let total = load<u64>(rec + NODE_MEM + (MEM_SWAP_TOTAL << 3));
    store<u32>(out + SUM_SWAP_TOTAL, mib(total));
    store<u32>(out + SUM_SWAP_USED, mib(minus(total, load<u64>(rec + NODE_MEM + (MEM_SWAP_FREE << 3)))));
  }
  let diskBits = fbit(F_DISK) | fbit(F_DISK + 1);
  if ((present & diskBits) == diskBits) {
    flags |= SUMF_DISK;
    let total = load<u64>(rec + NODE_DISK_TOTAL);
    store<u32>(out + SUM_DISK_TOTAL, mib(total));
    store<u32>(out + SUM_DISK_USED, mib(minus(total, load<u64>(rec + NODE_DISK_FREE))));
  }
  if (present & fbit(F_NET_RATE)) {
    flags |= SUMF_NET;
    store<f32>(out + SUM_NET_RATE, <f32>load<f64>(rec + NODE_NET_RATE));
  }
  let age = AGE_NEVER;
  if (time > 0) {
    let ms = nowMs - time;
    age = ms <= 0 ? 0 : ms >= <f64>(AGE_NEVER - 1) ? AGE_NEVER - 1 : <u32>ms;
  }
  store<u32>(out + SUM_AGE, age);
  store<u32>(out + SUM_FLAGS, flags);
}

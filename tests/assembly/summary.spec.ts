// Specs of summaryFill (assembly/summary.ts): the summary beostatus serves per node, from a
// record written here by hand: up only when reported, fresh, within its down-after and with
// the collector alive; unknown values flagged, never zero; memory in use as free(1) counts
// it (with and without MemAvailable); MiB rounded; the age clamped. Numbers by hand.

import {
  CPU_USAGE, EXT_COUNT, F_CPU_TOTAL, F_DISK, F_LOAD, F_MEM, F_NAME, F_NET_RATE, MEM_AVAILABLE, MEM_BUFFERS, MEM_CACHED,
  MEM_FREE, MEM_SWAP_FREE, MEM_SWAP_TOTAL, MEM_TOTAL, NODE_CPUS, NODE_CPU_TOTAL, NODE_DISK_FREE, NODE_DISK_TOTAL,
  NODE_DOWN_AFTER, NODE_LOAD, NODE_MEM, NODE_NET_RATE, NODE_NUMBER, NODE_PRESENT, NODE_SIZE, NODE_STATE, NODE_TIME,
  NSTATE_IN_USE, NSTATE_STALE, USAGE_NONE,
} from "../../assembly/layout";
import {
  AGE_NEVER, SUMF_CPU, SUMF_DISK, SUMF_LOAD, SUMF_MEM, SUMF_NET, SUMF_STALE, SUMF_SWAP, SUMF_UP, SUM_AGE, SUM_CPU, SUM_CPUS,
  SUM_DISK_TOTAL, SUM_DISK_USED, SUM_FLAGS, SUM_LOAD, SUM_MEM_TOTAL, SUM_MEM_USED, SUM_NET_RATE, SUM_NODE, SUM_SIZE,
  SUM_SWAP_TOTAL, SUM_SWAP_USED, summaryFill,
} from "../../assembly/summary";

const rec = heap.alloc(NODE_SIZE);
const out = heap.alloc(SUM_SIZE);
const MiB: u64 = 1 << 20;
const NOW: f64 = 1_700_000_000_000;

function bit(f: u32): u64 {
  return <u64>1 << <u64>f;
}

/** An empty record of node 12 that last reported 1 s before NOW, down after 3 s. */
function fresh(): void {
  memory.fill(rec, 0, NODE_SIZE);
  store<i32>(rec + NODE_NUMBER, 12);
  store<u32>(rec + NODE_STATE, NSTATE_IN_USE);
  store<f64>(rec + NODE_TIME, NOW - 1000);
  store<u32>(rec + NODE_DOWN_AFTER, 3000);
}

function give(f: u32): void {
  store<u64>(rec + NODE_PRESENT, load<u64>(rec + NODE_PRESENT) | bit(f));
}

function mem(i: u32, bytes: u64): void {
  store<u64>(rec + NODE_MEM + (i << 3), bytes);
  give(F_MEM + i);
}

function flags(): u32 {
  return load<u32>(out + SUM_FLAGS);
}

describe("summaryFill", () => {
  it("marks a node up only while it is fresh, within its down-after and the collector alive", () => {
    fresh();
    summaryFill(rec, out, NOW, 1);
    expect(load<i32>(out + SUM_NODE)).toBe(12);
    expect(flags() & SUMF_UP).toBe(SUMF_UP);
    expect(load<u32>(out + SUM_AGE)).toBe(1000);
    summaryFill(rec, out, NOW, 0);
    expect(flags() & SUMF_UP).toBe(0, "collector dead");
    summaryFill(rec, out, NOW + 2000, 1);
    expect(flags() & SUMF_UP).toBe(0, "down-after passed");
    store<u32>(rec + NODE_STATE, NSTATE_IN_USE | NSTATE_STALE);
    summaryFill(rec, out, NOW, 1);
    expect(flags() & (SUMF_UP | SUMF_STALE)).toBe(SUMF_STALE);
  });

  it("says never for a node without a datagram, and clamps an old age", () => {
    fresh();
    store<f64>(rec + NODE_TIME, 0);
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_AGE)).toBe(AGE_NEVER);
    expect(flags() & SUMF_UP).toBe(0);
    store<f64>(rec + NODE_TIME, 1);
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_AGE)).toBe(AGE_NEVER - 1);
    store<f64>(rec + NODE_TIME, NOW + 500); // the master's clock stepped back
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_AGE)).toBe(0);
  });

  it("flags every value a node did not report, and keeps none of it", () => {
    fresh();
    store<u64>(rec + NODE_MEM, 64 * MiB); // written but not present: must not show
    store<u16>(rec + NODE_CPU_TOTAL + CPU_USAGE, 5000);
    summaryFill(rec, out, NOW, 1);
    expect(flags() & (SUMF_CPU | SUMF_MEM | SUMF_SWAP | SUMF_LOAD | SUMF_DISK | SUMF_NET)).toBe(0);
    expect(load<u32>(out + SUM_MEM_TOTAL)).toBe(0);
    expect(load<u16>(out + SUM_CPU)).toBe(<u16>USAGE_NONE);
  });

  it("takes CPU usage, CPU count, load, disk and the network rate from the record", () => {
    fresh();
    give(F_CPU_TOTAL);
    store<u16>(rec + NODE_CPU_TOTAL + CPU_USAGE, 4321);
    store<u32>(rec + NODE_CPUS + EXT_COUNT, 70000);
    give(F_LOAD);
    store<u32>(rec + NODE_LOAD, 1234);
    give(F_DISK);
    give(F_DISK + 1);
    store<u64>(rec + NODE_DISK_TOTAL, 1000 * MiB);
    store<u64>(rec + NODE_DISK_FREE, 250 * MiB + (MiB >> 1)); // used 749.5 MiB rounds to 750
    give(F_NET_RATE);
    store<f64>(rec + NODE_NET_RATE, 1.5e6);
    give(F_NAME);
    summaryFill(rec, out, NOW, 1);
    expect(flags() & (SUMF_CPU | SUMF_LOAD | SUMF_DISK | SUMF_NET)).toBe(SUMF_CPU | SUMF_LOAD | SUMF_DISK | SUMF_NET);
    expect(load<u16>(out + SUM_CPU)).toBe(4321);
    expect(load<u16>(out + SUM_CPUS)).toBe(0xffff, "more CPUs than a u16 saturate");
    expect(load<u32>(out + SUM_LOAD)).toBe(1234);
    expect(load<u32>(out + SUM_DISK_TOTAL)).toBe(1000);
    expect(load<u32>(out + SUM_DISK_USED)).toBe(750);
    expect(load<f32>(out + SUM_NET_RATE)).toBe(<f32>1.5e6);
    // the aggregate line given but its usage unknown (one sample)
    store<u16>(rec + NODE_CPU_TOTAL + CPU_USAGE, <u16>USAGE_NONE);
    summaryFill(rec, out, NOW, 1);
    expect(flags() & SUMF_CPU).toBe(0);
  });

  it("counts memory in use as free(1) does: without MemAvailable, buffers and cache are free", () => {
    fresh();
    mem(MEM_TOTAL, 16384 * MiB);
    mem(MEM_FREE, 1024 * MiB);
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_MEM_TOTAL)).toBe(16384);
    expect(load<u32>(out + SUM_MEM_USED)).toBe(15360, "total - free, nothing else known");
    mem(MEM_BUFFERS, 512 * MiB);
    mem(MEM_CACHED, 8192 * MiB);
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_MEM_USED)).toBe(15360 - 512 - 8192);
    mem(MEM_AVAILABLE, 10000 * MiB);
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_MEM_USED)).toBe(16384 - 10000, "MemAvailable wins");
    mem(MEM_AVAILABLE, 20000 * MiB); // more than the total: a garbled pair never wraps
    summaryFill(rec, out, NOW, 1);
    expect(load<u32>(out + SUM_MEM_USED)).toBe(0);
    expect(flags() & SUMF_SWAP).toBe(0);
    mem(MEM_SWAP_TOTAL, 4096 * MiB);
    mem(MEM_SWAP_FREE, 3072 * MiB);
    summaryFill(rec, out, NOW, 1);
    expect(flags() & SUMF_SWAP).toBe(SUMF_SWAP);
    expect(load<u32>(out + SUM_SWAP_TOTAL)).toBe(4096);
    expect(load<u32>(out + SUM_SWAP_USED)).toBe(1024);
  });
});

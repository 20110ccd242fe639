// Specs of parseStat (assembly/proc/stat.ts): the aggregate and per-CPU lines with 4 to 10
// tick columns (more ignored), sparse and malformed CPU numbers, the scalar lines, a 130 KB
// intr line, the MAX_CPUS cut, and the status table of assembly/status.ts for every kind of
// bad input. Expected values and offsets are counted by hand.

import {
  CPU_AGGREGATE, CPU_FAILED, CPU_INDEX, CPU_PRESENT, CPU_SIZE, CPU_TICKS, CPU_USAGE, EXT_COUNT, F_BTIME, F_CPU_TOTAL,
  F_CTXT, F_PROCESSES, F_PROCS_BLOCKED, F_PROCS_RUNNING, F_SECTION, MAX_CPUS, NODE_BTIME, NODE_CPUS, NODE_CPU_TOTAL,
  NODE_CTXT, NODE_PROCESSES, NODE_PROCS_BLOCKED, NODE_PROCS_RUNNING, NODE_STATE, NSTATE_CPUS_CUT, PR_CPUS, SEC_STAT,
  USAGE_NONE,
} from "../../assembly/layout";
import { parseStat } from "../../assembly/proc/stat";
import { parseFailAt } from "../../assembly/scan";
import { NO_FAIL, S_BAD_FIELD, S_EMPTY, S_LIMIT, S_OK, S_OVERFLOW, S_TRUNCATED } from "../../assembly/status";
import { freshRecord, isFailed, isPresent, rec, run } from "./fixture";

function count(): u32 {
  return load<u32>(rec + NODE_CPUS + EXT_COUNT);
}

/** Entry i of the per-CPU list, or the aggregate line for i = -1. */
function cpu(i: i32): usize {
  return i < 0 ? rec + NODE_CPU_TOTAL : rec + PR_CPUS + <usize>i * CPU_SIZE;
}

function tick(i: i32, col: u32): u64 {
  return load<u64>(cpu(i) + CPU_TICKS + (<usize>col << 3));
}

function index(i: i32): u32 {
  return load<u32>(cpu(i) + CPU_INDEX);
}

function cols(i: i32): u32 {
  return <u32>load<u16>(cpu(i) + CPU_PRESENT);
}

function bad(i: i32): u32 {
  return <u32>load<u16>(cpu(i) + CPU_FAILED);
}

const FULL =
  "cpu  10 20 30 40 50 60 70 80 90 100\n" +
  "cpu0 1 2 3 4 5 6 7 8 9 10\n" +
  "cpu1 11 12 13 14 15 16 17 18 19 20\n" +
  "intr 12345 1 2 3\n" +
  "ctxt 987654321\n" +
  "btime 1700000000\n" +
  "processes 4242\n" +
  "procs_running 3\n" +
  "procs_blocked 1\n" +
  "softirq 1 2 3\n";

describe("parseStat", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("reads the aggregate line, each CPU line and the scalar lines", () => {
    expect(run(parseStat, FULL)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(index(-1)).toBe(CPU_AGGREGATE);
    expect(cols(-1)).toBe(0x3ff);
    expect(bad(-1)).toBe(0);
    expect(tick(-1, 0)).toBe(10);
    expect(tick(-1, 9)).toBe(100);
    expect(count()).toBe(2);
    expect(index(0)).toBe(0);
    expect(index(1)).toBe(1);
    expect(tick(1, 0)).toBe(11);
    expect(tick(1, 9)).toBe(20);
    expect(cols(1)).toBe(0x3ff);
    expect(load<u16>(cpu(0) + CPU_USAGE)).toBe(<u16>USAGE_NONE);
    expect(load<u16>(cpu(-1) + CPU_USAGE)).toBe(<u16>USAGE_NONE);
    expect(load<u64>(rec + NODE_CTXT)).toBe(987654321);
    expect(load<u64>(rec + NODE_BTIME)).toBe(1700000000);
    expect(load<u64>(rec + NODE_PROCESSES)).toBe(4242);
    expect(load<u32>(rec + NODE_PROCS_RUNNING)).toBe(3);
    expect(load<u32>(rec + NODE_PROCS_BLOCKED)).toBe(1);
    const fs: u32[] = [F_CTXT, F_BTIME, F_PROCESSES, F_PROCS_RUNNING, F_PROCS_BLOCKED, F_CPU_TOTAL, F_SECTION + SEC_STAT];
    for (let i = 0; i < fs.length; i++) {
      expect(isPresent(rec, fs[i])).toBe(true);
      expect(isFailed(rec, fs[i])).toBe(false);
    }
  });

  it("reads 4 to 10 tick columns and ignores columns past the tenth", () => {
    const text =
      "cpu0 1 2 3 4\n" +
      "cpu1 1 2 3 4 5\n" +
      "cpu2 1 2 3 4 5 6\n" +
      "cpu3 1 2 3 4 5 6 7\n" +
      "cpu4 1 2 3 4 5 6 7 8\n" +
      "cpu5 1 2 3 4 5 6 7 8 9\n" +
      "cpu6 1 2 3 4 5 6 7 8 9 10\n" +
      "cpu7 1 2 3 4 5 6 7 8 9 10 11 12\n";
    expect(run(parseStat, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(8);
    const masks: u32[] = [0xf, 0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x3ff];
    for (let i = 0; i < 8; i++) {
      expect(cols(i)).toBe(masks[i]);
      expect(bad(i)).toBe(0);
    }
    expect(tick(0, 3)).toBe(4);
    expect(tick(0, 4)).toBe(0);
    expect(tick(3, 6)).toBe(7);
    expect(tick(3, 7)).toBe(0);
    expect(tick(7, 9)).toBe(10);
  });

  it("fails a CPU line of three columns at its end and keeps the three", () => {
    // "cpu0 1 2 3" ends at 10
    expect(run(parseStat, "cpu0 1 2 3\nctxt 5\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(10);
    expect(count()).toBe(1);
    expect(cols(0)).toBe(0x7);
    expect(bad(0)).toBe(0);
    expect(tick(0, 2)).toBe(3);
    expect(load<u64>(rec + NODE_CTXT)).toBe(5);
  });

  it("fails an aggregate line without columns, the line itself given", () => {
    expect(run(parseStat, "cpu\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(3);
    expect(isPresent(rec, F_CPU_TOTAL)).toBe(true);
    expect(cols(-1)).toBe(0);
  });

  it("keeps sparse CPU numbers as given (offline CPUs skipped)", () => {
    expect(run(parseStat, "cpu  1 1 1 1\ncpu0 1 2 3 4\ncpu2 5 6 7 8\ncpu7 9 10 11 12\n")).toBe(S_OK);
    expect(count()).toBe(3);
    expect(index(0)).toBe(0);
    expect(index(1)).toBe(2);
    expect(index(2)).toBe(7);
    expect(tick(2, 3)).toBe(12);
  });

  it("cannot place cpu-1: fails it at the number and keeps the other lines", () => {
    expect(run(parseStat, "cpu0 1 2 3 4\ncpu-1 1 2 3 4\nctxt 5\n")).toBe(S_BAD_FIELD);
    // "cpu0 1 2 3 4\n" is 13 bytes; the number of cpu-1 is at 13 + 3
    expect(parseFailAt).toBe(16);
    expect(count()).toBe(1);
    expect(index(0)).toBe(0);
    expect(load<u64>(rec + NODE_CTXT)).toBe(5);
  });

  it("reports a lone cpu-1 line as BAD_FIELD, not EMPTY", () => {
    expect(run(parseStat, "cpu-1 1 2 3 4\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(3);
    expect(count()).toBe(0);
  });

  it("fails cpu1x at its number", () => {
    expect(run(parseStat, "cpu1x 1 2 3 4\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(3);
    expect(count()).toBe(0);
  });

  it("rejects CPU number 4294967295 (the aggregate's) and accepts 4294967294", () => {
    expect(run(parseStat, "cpu4294967295 1 2 3 4\ncpu4294967294 1 2 3 4\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(3);
    expect(count()).toBe(1);
    expect(index(0)).toBe(4294967294);
  });

  it("skips keys that only start with cpu (cpufreq)", () => {
    expect(run(parseStat, "cpufreq 5 6 7 8\nctxt 5\n")).toBe(S_OK);
    expect(count()).toBe(0);
    expect(isPresent(rec, F_CPU_TOTAL)).toBe(false);
  });

  it("skips a 130 KB intr line and reads the lines after it", () => {
    const text = "cpu  1 2 3 4\nintr 1234567" + " 0".repeat(65000) + "\nctxt 5\nprocesses 6\n";
    expect(text.length).toBeGreaterThan(130000);
    expect(run(parseStat, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(load<u64>(rec + NODE_CTXT)).toBe(5);
    expect(load<u64>(rec + NODE_PROCESSES)).toBe(6);
    expect(cols(-1)).toBe(0xf);
  });

  it("rejects procs_running above a u32 and keeps procs_blocked at 4294967295", () => {
    expect(run(parseStat, "procs_running 4294967296\nprocs_blocked 4294967295\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(14);
    expect(isFailed(rec, F_PROCS_RUNNING)).toBe(true);
    expect(isPresent(rec, F_PROCS_RUNNING)).toBe(false);
    expect(load<u32>(rec + NODE_PROCS_RUNNING)).toBe(0);
    expect(isPresent(rec, F_PROCS_BLOCKED)).toBe(true);
    expect(load<u32>(rec + NODE_PROCS_BLOCKED)).toBe(4294967295);
  });

  it("reports an empty file as EMPTY at offset 0, with the section given and every field absent", () => {
    expect(run(parseStat, "")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(count()).toBe(0);
    expect(isPresent(rec, F_CPU_TOTAL)).toBe(false);
    expect(isPresent(rec, F_CTXT)).toBe(false);
    expect(isPresent(rec, F_SECTION + SEC_STAT)).toBe(true);
  });

  it("reports a file of unknown lines only as EMPTY", () => {
    expect(run(parseStat, "intr 1 2 3\nsoftirq 4 5\n")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
  });

  it("reports a last line without newline as TRUNCATED and drops only that line", () => {
    expect(run(parseStat, "ctxt 5\nbtime 7")).toBe(S_TRUNCATED);
    expect(parseFailAt).toBe(7);
    expect(load<u64>(rec + NODE_CTXT)).toBe(5);
    expect(isPresent(rec, F_BTIME)).toBe(false);
    expect(isFailed(rec, F_BTIME)).toBe(false);
  });

  it("reports a last cpu line without newline as TRUNCATED, though its fields are plain", () => {
    // (the one-pass reading of cpu lines finds no line end: the line is left to the full parse)
    expect(run(parseStat, "cpu0 1 2 3 4\ncpu1 5 6 7 8")).toBe(S_TRUNCATED);
    expect(parseFailAt).toBe(13);
    expect(count()).toBe(1);
    expect(index(0)).toBe(0);
  });

  it("reads cpu lines between the other lines, CRLF ones included", () => {
    expect(run(parseStat, "cpu 1 2 3 4\ncpu0 1 2 3 4\r\nctxt 9\ncpu1 5 6 7 8 9 10 11 12 13 14\nbtime 3\n")).toBe(S_OK);
    expect(count()).toBe(2);
    expect(index(1)).toBe(1);
    expect(tick(1, 9)).toBe(14);
    expect(cols(1)).toBe(0x3ff);
    expect(cols(0)).toBe(15);
    expect(cols(-1)).toBe(15);
    expect(load<u64>(rec + NODE_CTXT)).toBe(9);
    expect(load<u64>(rec + NODE_BTIME)).toBe(3);
  });

  it("fails a scalar line without its value at the line's end", () => {
    expect(run(parseStat, "ctxt\nbtime 7\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(4);
    expect(isFailed(rec, F_CTXT)).toBe(true);
    expect(isPresent(rec, F_CTXT)).toBe(false);
    expect(load<u64>(rec + NODE_BTIME)).toBe(7);
  });

  it("ignores extra columns after a scalar", () => {
    expect(run(parseStat, "ctxt 5 6\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(load<u64>(rec + NODE_CTXT)).toBe(5);
  });

  it("rejects a counter above 2^64-1 and keeps the others, 2^64-1 among them", () => {
    expect(run(parseStat, "ctxt 18446744073709551616\nbtime 18446744073709551615\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(5);
    expect(isFailed(rec, F_CTXT)).toBe(true);
    expect(load<u64>(rec + NODE_CTXT)).toBe(0);
    expect(isPresent(rec, F_BTIME)).toBe(true);
    expect(load<u64>(rec + NODE_BTIME)).toBe(u64.MAX_VALUE);
  });

  it("rejects a tick column above 2^64-1 and keeps the other columns", () => {
    expect(run(parseStat, "cpu0 1 18446744073709551616 3 4\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(7);
    expect(cols(0)).toBe(0xd);
    expect(bad(0)).toBe(0x2);
    expect(tick(0, 1)).toBe(0);
    expect(tick(0, 2)).toBe(3);
  });

  it("rejects non-digits in a scalar", () => {
    expect(run(parseStat, "processes 12a\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(10);
    expect(isFailed(rec, F_PROCESSES)).toBe(true);
    expect(load<u64>(rec + NODE_PROCESSES)).toBe(0);
  });

  it("rejects a negative scalar and a negative tick", () => {
    // "btime -5\n" is 9 bytes; the first tick of "cpu  -1" is at 9 + 5
    expect(run(parseStat, "btime -5\ncpu  -1 2 3 4\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(6);
    expect(isFailed(rec, F_BTIME)).toBe(true);
    expect(cols(-1)).toBe(0xe);
    expect(bad(-1)).toBe(0x1);
    expect(tick(-1, 1)).toBe(2);
  });

  it("reads CRLF line ends as white space", () => {
    expect(run(parseStat, "cpu  1 2 3 4\r\ncpu0 1 2 3 4\r\nctxt 5\r\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(cols(-1)).toBe(0xf);
    expect(cols(0)).toBe(0xf);
    expect(load<u64>(rec + NODE_CTXT)).toBe(5);
  });

  it("skips keys with a NUL byte in them as unknown", () => {
    expect(run(parseStat, "ct\0xt 5\ncpu\x001 1 2 3 4\nbtime 7\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(isPresent(rec, F_CTXT)).toBe(false);
    expect(isFailed(rec, F_CTXT)).toBe(false);
    expect(count()).toBe(0);
    expect(load<u64>(rec + NODE_BTIME)).toBe(7);
  });

  it("fails values with a NUL byte in them", () => {
    // "ctxt 5\06\n" is 9 bytes; the second tick of "cpu0 1 2\02 3 4" is at 9 + 7
    expect(run(parseStat, "ctxt 5\x006\ncpu0 1 2\x002 3 4\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(5);
    expect(isFailed(rec, F_CTXT)).toBe(true);
    expect(bad(0)).toBe(0x2);
    expect(cols(0)).toBe(0xd);
  });

  it("keeps the first 8192 CPUs of a longer list, flagging LIMIT and NSTATE_CPUS_CUT", () => {
    // "cpu1 1 2 3 4\n" is 13 bytes: line 8193 starts at 8192 * 13
    expect(run(parseStat, "cpu1 1 2 3 4\n".repeat(MAX_CPUS + 1))).toBe(S_LIMIT);
    expect(parseFailAt).toBe(106496);
    expect(count()).toBe(8192);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_CPUS_CUT).toBe(NSTATE_CPUS_CUT);
    expect(tick(8191, 3)).toBe(4);
    expect(run(parseStat, "cpu1 1 2 3 4\n")).toBe(S_OK);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_CPUS_CUT).toBe(0);
  });

  it("replaces every field of an earlier parse", () => {
    expect(run(parseStat, FULL)).toBe(S_OK);
    expect(run(parseStat, "btime 9\n")).toBe(S_OK);
    expect(count()).toBe(0);
    expect(isPresent(rec, F_CPU_TOTAL)).toBe(false);
    expect(cols(-1)).toBe(0);
    expect(isPresent(rec, F_CTXT)).toBe(false);
    expect(load<u64>(rec + NODE_CTXT)).toBe(0);
    expect(load<u64>(rec + NODE_BTIME)).toBe(9);
  });
});

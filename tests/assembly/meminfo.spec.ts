// Specs of parseMeminfo (assembly/proc/meminfo.ts): exact key matching, the "kB" unit, values
// stored in bytes with the x1024 overflow reported, and the status table of
// assembly/status.ts for every kind of bad input. Expected values are computed by hand.

import {
  F_MEM, F_SECTION, MEM_AVAILABLE, MEM_BUFFERS, MEM_CACHED, MEM_FIELDS, MEM_FREE, MEM_SHMEM, MEM_SWAP_CACHED,
  MEM_SWAP_FREE, MEM_SWAP_TOTAL, MEM_TOTAL, NODE_MEM, SEC_MEMINFO,
} from "../../assembly/layout";
import { parseMeminfo } from "../../assembly/proc/meminfo";
import { parseFailAt } from "../../assembly/scan";
import { NO_FAIL, S_BAD_FIELD, S_EMPTY, S_OK, S_OVERFLOW, S_TRUNCATED } from "../../assembly/status";
import { freshRecord, isFailed, isPresent, rec, run } from "./fixture";

function mem(f: u32): u64 {
  return load<u64>(rec + NODE_MEM + (<usize>f << 3));
}

function present(f: u32): bool {
  return isPresent(rec, F_MEM + f);
}

function failed(f: u32): bool {
  return isFailed(rec, F_MEM + f);
}

/** No meminfo field present or failed. */
function noMemBits(): bool {
  for (let f: u32 = 0; f < MEM_FIELDS; f++) if (present(f) || failed(f)) return false;
  return true;
}

const FULL =
  "MemTotal:       16316508 kB\n" +
  "MemFree:         1234567 kB\n" +
  "MemAvailable:    9876543 kB\n" +
  "Buffers:          123456 kB\n" +
  "Cached:          4567890 kB\n" +
  "SwapCached:            0 kB\n" +
  "Active:          5555555 kB\n" +
  "SwapTotal:       2097148 kB\n" +
  "SwapFree:        2097000 kB\n" +
  "Shmem:            345678 kB\n" +
  "HugePages_Total:       0\n" +
  "Hugepagesize:       2048 kB\n";

describe("parseMeminfo", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("stores every known key in bytes and skips the unknown ones", () => {
    expect(run(parseMeminfo, FULL)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(mem(MEM_TOTAL)).toBe(16708104192);
    expect(mem(MEM_FREE)).toBe(1264196608);
    expect(mem(MEM_AVAILABLE)).toBe(10113580032);
    expect(mem(MEM_BUFFERS)).toBe(126418944);
    expect(mem(MEM_CACHED)).toBe(4677519360);
    expect(mem(MEM_SWAP_CACHED)).toBe(0);
    expect(mem(MEM_SWAP_TOTAL)).toBe(2147479552);
    expect(mem(MEM_SWAP_FREE)).toBe(2147328000);
    expect(mem(MEM_SHMEM)).toBe(353974272);
    for (let f: u32 = 0; f < MEM_FIELDS; f++) {
      expect(present(f)).toBe(true);
      expect(failed(f)).toBe(false);
    }
    expect(isPresent(rec, F_SECTION + SEC_MEMINFO)).toBe(true);
  });

  it("reads lines of every shape alike, in the vector path or past it", () => {
    // a colon in the next line's first bytes, a key glued to its value, 16 spaces and more,
    // a key after a short unknown line, and a tab: each reads as the full parse reads it
    const pad = " ".repeat(20);
    const text = "X\nMemFree:" + pad + "7 kB\nCached:9 kB\nBuffers:" + " ".repeat(16) + "11 kB\nSwapFree:\t13 kB\n" + pad + pad + "\n";
    expect(run(parseMeminfo, text)).toBe(S_OK);
    expect(mem(MEM_FREE)).toBe(7 << 10);
    expect(mem(MEM_CACHED)).toBe(9 << 10);
    expect(mem(MEM_BUFFERS)).toBe(11 << 10);
    expect(mem(MEM_SWAP_FREE)).toBe(13 << 10);
    // one that fails in the vector path's place fails as it would anywhere
    expect(run(parseMeminfo, "MemTotal:     12 kb\n" + pad + pad + "\n")).toBe(S_BAD_FIELD);
    expect(failed(MEM_TOTAL)).toBe(true);
  });

  it("reports an empty file as EMPTY at offset 0, with the section given and every field absent", () => {
    expect(run(parseMeminfo, "")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(noMemBits()).toBe(true);
    expect(isPresent(rec, F_SECTION + SEC_MEMINFO)).toBe(true);
  });

  it("reports a file of unknown keys only as EMPTY", () => {
    expect(run(parseMeminfo, "Active: 5 kB\nHugePages_Total: 0\n")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(noMemBits()).toBe(true);
  });

  it("reports a last line without newline as TRUNCATED and drops only that line", () => {
    // "MemTotal: 10 kB\n" is 16 bytes: the cut line starts at 16
    expect(run(parseMeminfo, "MemTotal: 10 kB\nMemFree: 5 kB")).toBe(S_TRUNCATED);
    expect(parseFailAt).toBe(16);
    expect(present(MEM_TOTAL)).toBe(true);
    expect(mem(MEM_TOTAL)).toBe(10240);
    expect(present(MEM_FREE)).toBe(false);
    expect(failed(MEM_FREE)).toBe(false);
    expect(mem(MEM_FREE)).toBe(0);
  });

  it("reports a lone line without newline as TRUNCATED and EMPTY", () => {
    expect(run(parseMeminfo, "MemTotal: 10 kB")).toBe(S_TRUNCATED | S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(noMemBits()).toBe(true);
  });

  it("leaves a key that is not in the file absent, not zero", () => {
    expect(run(parseMeminfo, "MemTotal: 10 kB\n")).toBe(S_OK);
    expect(present(MEM_AVAILABLE)).toBe(false);
    expect(failed(MEM_AVAILABLE)).toBe(false);
    expect(present(MEM_SHMEM)).toBe(false);
  });

  it("fails a key without a value at the byte after its colon and keeps the others", () => {
    expect(run(parseMeminfo, "MemTotal:\nMemFree: 5 kB\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(9);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(present(MEM_TOTAL)).toBe(false);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(present(MEM_FREE)).toBe(true);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("requires the unit kB: none, KB, kb, B and kBx fail the field", () => {
    const bad: string[] = ["MemTotal: 10\n", "MemTotal: 10 KB\n", "MemTotal: 10 kb\n", "MemTotal: 10 B\n", "MemTotal: 10 kBx\n"];
    for (let i = 0; i < bad.length; i++) {
      freshRecord();
      expect(run(parseMeminfo, bad[i])).toBe(S_BAD_FIELD, bad[i]);
      expect(parseFailAt).toBe(9, bad[i]);
      expect(failed(MEM_TOTAL)).toBe(true, bad[i]);
      expect(present(MEM_TOTAL)).toBe(false, bad[i]);
    }
  });

  it("ignores an extra column after the unit (status table: extra columns are OK)", () => {
    expect(run(parseMeminfo, "MemTotal: 10 kB 20\nMemFree: 5 kB\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(present(MEM_TOTAL)).toBe(true);
    expect(mem(MEM_TOTAL)).toBe(10240);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("rejects a value above 2^64-1 and keeps the others", () => {
    expect(run(parseMeminfo, "MemTotal: 18446744073709551616 kB\nMemFree: 5 kB\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(9);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(present(MEM_TOTAL)).toBe(false);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(present(MEM_FREE)).toBe(true);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("rejects a value whose bytes (x1024) pass 2^64-1, and keeps 2^54-1 kB", () => {
    // 2^54 kB = 2^64 bytes; 2^54-1 kB = 2^64-1024 bytes
    expect(run(parseMeminfo, "MemTotal: 18014398509481984 kB\nMemFree: 18014398509481983 kB\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(9);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(present(MEM_FREE)).toBe(true);
    expect(mem(MEM_FREE)).toBe(18446744073709550592);
  });

  it("rejects 2^64-1 kB, which fits a u64 only before x1024", () => {
    expect(run(parseMeminfo, "SwapTotal: 18446744073709551615 kB\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(10);
    expect(failed(MEM_SWAP_TOTAL)).toBe(true);
  });

  it("rejects non-digits inside a value and keeps the others", () => {
    expect(run(parseMeminfo, "MemTotal: 12a4 kB\nMemFree: 5 kB\nBuffers: abc kB\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(9);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(failed(MEM_BUFFERS)).toBe(true);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("rejects a negative value", () => {
    expect(run(parseMeminfo, "MemFree: 5 kB\nMemTotal: -5 kB\n")).toBe(S_BAD_FIELD);
    // "MemFree: 5 kB\n" is 14 bytes; the colon of MemTotal is at 14 + 8
    expect(parseFailAt).toBe(23);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(present(MEM_FREE)).toBe(true);
  });

  it("keeps the offset of the first failure when several fields fail", () => {
    // "MemTotal: x kB\n" is 15 bytes
    expect(run(parseMeminfo, "MemTotal: x kB\nMemFree: 99999999999999999999 kB\n")).toBe(S_BAD_FIELD | S_OVERFLOW);
    expect(parseFailAt).toBe(9);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(failed(MEM_FREE)).toBe(true);
  });

  it("reads CRLF line ends as white space", () => {
    expect(run(parseMeminfo, "MemTotal: 10 kB\r\nMemFree: 5 kB\r\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(mem(MEM_TOTAL)).toBe(10240);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("skips a key with a NUL byte in it as unknown", () => {
    expect(run(parseMeminfo, "Mem\0Total: 10 kB\nMemFree: 5 kB\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(present(MEM_TOTAL)).toBe(false);
    expect(failed(MEM_TOTAL)).toBe(false);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("fails a value with a NUL byte in it", () => {
    expect(run(parseMeminfo, "MemTotal: 1\x002 kB\nMemFree: 5 kB\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(9);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("matches keys exactly, never by prefix, suffix or case", () => {
    const text = "MemTotalX: 10 kB\nXMemTotal: 20 kB\nMemTota: 30 kB\nmemtotal: 40 kB\n MemTotal: 50 kB\nMemFree: 5 kB\n";
    expect(run(parseMeminfo, text)).toBe(S_OK);
    expect(present(MEM_TOTAL)).toBe(false);
    expect(failed(MEM_TOTAL)).toBe(false);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(mem(MEM_FREE)).toBe(5120);
  });

  it("fills MEM_SHMEM from Shmem", () => {
    expect(run(parseMeminfo, "Shmem: 8 kB\n")).toBe(S_OK);
    expect(present(MEM_SHMEM)).toBe(true);
    expect(mem(MEM_SHMEM)).toBe(8192);
  });

  it("fills MEM_SHMEM from MemShared (2.4 kernels)", () => {
    expect(run(parseMeminfo, "MemTotal: 10 kB\nMemShared: 7 kB\n")).toBe(S_OK);
    expect(present(MEM_SHMEM)).toBe(true);
    expect(mem(MEM_SHMEM)).toBe(7168);
  });

  it("replaces every field of an earlier parse: a key no longer given becomes absent", () => {
    expect(run(parseMeminfo, FULL)).toBe(S_OK);
    expect(run(parseMeminfo, "MemFree: 3 kB\nMemTotal: z kB\n")).toBe(S_BAD_FIELD);
    expect(mem(MEM_FREE)).toBe(3072);
    expect(failed(MEM_TOTAL)).toBe(true);
    expect(present(MEM_TOTAL)).toBe(false);
    expect(mem(MEM_TOTAL)).toBe(0);
    expect(present(MEM_SWAP_TOTAL)).toBe(false);
    expect(mem(MEM_SWAP_TOTAL)).toBe(0);
    expect(present(MEM_SHMEM)).toBe(false);
  });

  it("clears an earlier failure when the field parses again", () => {
    expect(run(parseMeminfo, "MemTotal: x kB\n")).toBe(S_BAD_FIELD);
    expect(run(parseMeminfo, "MemTotal: 1 kB\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(failed(MEM_TOTAL)).toBe(false);
    expect(present(MEM_TOTAL)).toBe(true);
    expect(mem(MEM_TOTAL)).toBe(1024);
  });
});

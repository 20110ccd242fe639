// Specs of parseLoadavg (assembly/proc/loadavg.ts): the three load averages kept x100, the
// "running/total" field and the last pid, missing trailing fields left absent, and the
// status table of assembly/status.ts for every kind of bad input. Offsets are counted by hand.

import {
  F_LAST_PID, F_LOAD, F_PROCS_ACTIVE, F_PROCS_TOTAL, F_SECTION, NODE_LAST_PID, NODE_LOAD, NODE_PROCS_ACTIVE,
  NODE_PROCS_TOTAL, SEC_LOADAVG,
} from "../../assembly/layout";
import { parseLoadavg } from "../../assembly/proc/loadavg";
import { parseFailAt } from "../../assembly/scan";
import { NO_FAIL, S_BAD_FIELD, S_EMPTY, S_OK, S_OVERFLOW, S_TRUNCATED } from "../../assembly/status";
import { freshRecord, isFailed, isPresent, rec, run } from "./fixture";

function load3(i: u32): u32 {
  return load<u32>(rec + NODE_LOAD + (i << 2));
}

function active(): u32 {
  return load<u32>(rec + NODE_PROCS_ACTIVE);
}

function total(): u32 {
  return load<u32>(rec + NODE_PROCS_TOTAL);
}

function pid(): u32 {
  return load<u32>(rec + NODE_LAST_PID);
}

/** The six loadavg fields as two 6-bit masks: present in bits 0-5, failed in bits 8-13. */
function bits(): u32 {
  const fs: u32[] = [F_LOAD, F_LOAD + 1, F_LOAD + 2, F_PROCS_ACTIVE, F_PROCS_TOTAL, F_LAST_PID];
  let m: u32 = 0;
  for (let i = 0; i < fs.length; i++) {
    if (isPresent(rec, fs[i])) m |= 1 << i;
    if (isFailed(rec, fs[i])) m |= 1 << (i + 8);
  }
  return m;
}

describe("parseLoadavg", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("reads the loads x100, running/total and the last pid", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 12345\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(load3(0)).toBe(52);
    expect(load3(1)).toBe(41);
    expect(load3(2)).toBe(36);
    expect(active()).toBe(2);
    expect(total()).toBe(337);
    expect(pid()).toBe(12345);
    expect(bits()).toBe(0x3f);
    expect(isPresent(rec, F_SECTION + SEC_LOADAVG)).toBe(true);
  });

  it("reads the 1/80 form of an idle machine", () => {
    expect(run(parseLoadavg, "0.00 0.01 0.05 1/80 1234\n")).toBe(S_OK);
    expect(load3(0)).toBe(0);
    expect(load3(1)).toBe(1);
    expect(load3(2)).toBe(5);
    expect(active()).toBe(1);
    expect(total()).toBe(80);
    expect(pid()).toBe(1234);
    expect(bits()).toBe(0x3f);
  });

  it("leaves the last pid absent when the line ends after 1/80", () => {
    expect(run(parseLoadavg, "0.00 0.01 0.05 1/80\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(total()).toBe(80);
    expect(bits()).toBe(0x1f);
    expect(pid()).toBe(0);
  });

  it("scales loads without two decimals: 0.5 -> 50, 1 -> 100, 0.525 -> 52 (truncated)", () => {
    expect(run(parseLoadavg, "0.5 1 0.525 2/337 12345\n")).toBe(S_OK);
    expect(load3(0)).toBe(50);
    expect(load3(1)).toBe(100);
    expect(load3(2)).toBe(52);
  });

  it("reports an empty file as EMPTY at offset 0, with the section given and every field absent", () => {
    expect(run(parseLoadavg, "")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(bits()).toBe(0);
    expect(isPresent(rec, F_SECTION + SEC_LOADAVG)).toBe(true);
  });

  it("reports a blank line as EMPTY", () => {
    expect(run(parseLoadavg, "   \n")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(bits()).toBe(0);
  });

  it("reports its only line without newline as TRUNCATED and stores nothing", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 12345")).toBe(S_TRUNCATED);
    expect(parseFailAt).toBe(0);
    expect(bits()).toBe(0);
    expect(load3(0)).toBe(0);
    expect(pid()).toBe(0);
  });

  it("leaves missing trailing fields absent: two loads only", () => {
    expect(run(parseLoadavg, "0.52 0.41\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(bits()).toBe(0x03);
    expect(load3(0)).toBe(52);
    expect(load3(1)).toBe(41);
    expect(load3(2)).toBe(0);
  });

  it("fails the total when running has no slash, at the end of that field", () => {
    // "0.52 0.41 0.36 2\n": the field "2" is at 15, ends at 16
    expect(run(parseLoadavg, "0.52 0.41 0.36 2\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(16);
    expect(active()).toBe(2);
    expect(bits()).toBe(0x0f | (1 << (4 + 8)));
  });

  it("fails an empty total after the slash and keeps the pid", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/ 12345\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(17);
    expect(bits()).toBe(0x2f | (1 << (4 + 8)));
    expect(pid()).toBe(12345);
  });

  it("ignores extra columns", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 12345 99 x\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(bits()).toBe(0x3f);
    expect(pid()).toBe(12345);
  });

  it("reads only the first line", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 12345\nnot a load\n")).toBe(S_OK);
    expect(pid()).toBe(12345);
  });

  it("rejects a pid above 2^64-1 and keeps the others", () => {
    // "0.52 0.41 0.36 2/337 " is 21 bytes
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 18446744073709551616\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(21);
    expect(bits()).toBe(0x1f | (1 << (5 + 8)));
    expect(pid()).toBe(0);
    expect(total()).toBe(337);
  });

  it("rejects a load above 2^64-1", () => {
    expect(run(parseLoadavg, "18446744073709551616.00 0.41 0.36 2/337 12345\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(0);
    expect(bits()).toBe(0x3e | (1 << 8));
    expect(load3(0)).toBe(0);
    expect(load3(1)).toBe(41);
  });

  it("rejects a load whose x100 passes a u32 and keeps 42949672.95", () => {
    // "42949672.95 " is 12 bytes
    expect(run(parseLoadavg, "42949672.95 42949672.96 0.36 2/337 12345\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(12);
    expect(load3(0)).toBe(4294967295);
    expect(load3(1)).toBe(0);
    expect(bits()).toBe(0x3d | (1 << 9));
  });

  it("rejects running and pid above a u32, and keeps 4294967295", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 4294967296/4294967295 4294967296\n")).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(15);
    expect(total()).toBe(4294967295);
    expect(active()).toBe(0);
    expect(bits()).toBe(0x17 | (1 << (3 + 8)) | (1 << (5 + 8)));
  });

  it("rejects non-digits in a load and in the pid, keeping the first failure's offset", () => {
    expect(run(parseLoadavg, "0.5a 0.41 0.36 2/337 12x45\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(0);
    expect(bits()).toBe(0x1e | (1 << 8) | (1 << (5 + 8)));
    expect(load3(1)).toBe(41);
  });

  it("rejects a load with a dot and no fraction", () => {
    expect(run(parseLoadavg, "0.52 12. 0.36 2/337 12345\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(5);
    expect(bits()).toBe(0x3d | (1 << 9));
  });

  it("rejects a negative load and a negative pid", () => {
    // "-0.52 0.41 0.36 2/337 " is 22 bytes
    expect(run(parseLoadavg, "-0.52 0.41 0.36 2/337 -1\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(0);
    expect(bits()).toBe(0x1e | (1 << 8) | (1 << (5 + 8)));
    expect(load3(0)).toBe(0);
    expect(total()).toBe(337);
  });

  it("reads CRLF line ends as white space", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 12345\r\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(pid()).toBe(12345);
    expect(bits()).toBe(0x3f);
  });

  it("fails a load with a NUL byte in it and keeps the others", () => {
    expect(run(parseLoadavg, "0.52 0.4\x001 0.36 2/337 12345\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(5);
    expect(bits()).toBe(0x3d | (1 << 9));
    expect(load3(1)).toBe(0);
    expect(load3(2)).toBe(36);
  });

  it("fails the total when a NUL byte is inside running/total", () => {
    // the slash is at 16, the total starts at 17
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/3\x0037 12345\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(17);
    expect(active()).toBe(2);
    expect(total()).toBe(0);
    expect(bits()).toBe(0x2f | (1 << (4 + 8)));
  });

  it("replaces every field of an earlier parse", () => {
    expect(run(parseLoadavg, "0.52 0.41 0.36 2/337 12345\n")).toBe(S_OK);
    expect(run(parseLoadavg, "1.00\n")).toBe(S_OK);
    expect(load3(0)).toBe(100);
    expect(bits()).toBe(0x01);
    expect(pid()).toBe(0);
    expect(total()).toBe(0);
  });
});

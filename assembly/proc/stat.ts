// Parser of /proc/stat: the aggregate "cpu" line and one "cpuN" line per online CPU (N may
// skip offline CPUs), each with 4 to 10 tick columns (user nice system idle iowait irq
// softirq steal guest guest_nice; older kernels print fewer, newer ones may print more,
// which are ignored), and the ctxt, btime, processes, procs_running and procs_blocked
// lines. Everything else (an "intr" line of 130 KB is normal) is skipped a vector at a time.

import { zeroBytes } from "../bytes";
import {
  CPU_AGGREGATE, CPU_COLUMNS, CPU_FAILED, CPU_INDEX, CPU_PRESENT, CPU_SIZE, CPU_TICKS, CPU_USAGE, EXT_COUNT, F_BTIME, F_CPU_TOTAL, F_CTXT, F_PROCESSES, F_PROCS_BLOCKED, F_PROCS_RUNNING, F_SECTION, MAX_CPUS, NODE_BTIME, NODE_CPUS, NODE_CPU_TOTAL, NODE_CTXT, NODE_PROCESSES, NODE_PROCS_BLOCKED, NODE_PROCS_RUNNING, NODE_STATE, NSTATE_CPUS_CUT, PR_CPUS, SECMASK_STAT, SEC_STAT, USAGE_NONE,
} from "../layout";
import { clearFields, setFailed, setPresent } from "../fields";
import { cpuLimit } from "../limits";
import { beginParse, digitFields, fail, fieldsEnd, fieldU64, isDigit, keyEq, lineEnd, numEnd, numError, parseStatus, skipSpace, tokenEnd, tokenU64 } from "../scan";
import { S_BAD_FIELD, S_EMPTY, S_LIMIT, S_OVERFLOW, S_TRUNCATED } from "../status";

/** Parses the tick columns [p, eol) of a cpu line into entry e (index already set); limit: the input's end. */
function cpuColumns(e: usize, p: usize, eol: usize, limit: usize): void {
  let present: u32 = 0;
  let failed: u32 = 0;
  let i: u32 = 0;
  let fast = digitFields(p, eol, limit, e + CPU_TICKS, CPU_COLUMNS);
  if (fast >= 0) {
    i = <u32>fast;
    present = (1 << i) - 1;
  } else {
    p = skipSpace(p, eol);
    while (i < CPU_COLUMNS && p < eol) {
      let v = fieldU64(p, eol);
      let t = numEnd;
      if (numError) {
        fail(p, numError);
        failed |= 1 << i;
        store<u64>(e + CPU_TICKS + (<usize>i << 3), 0);
      } else {
        present |= 1 << i;
        store<u64>(e + CPU_TICKS + (<usize>i << 3), v);
      }
      i++;
      p = skipSpace(t, eol);
    }
  }
  for (let j = i; j < CPU_COLUMNS; j++) store<u64>(e + CPU_TICKS + (<usize>j << 3), 0);
  if (i < 4) fail(eol, S_BAD_FIELD); // user, nice, system and idle are always printed
  store<u16>(e + CPU_PRESENT, <u16>present);
  store<u16>(e + CPU_FAILED, <u16>failed);
  store<u16>(e + CPU_USAGE, <u16>USAGE_NONE);
}

/**
 * Reads a plain "cpuN" line from its N at p (end: the input's end) into entry e in one
 * pass: the number and the tick columns are all space-separated digit runs, which
 * digitFields reads together (the number into the 8 bytes before CPU_TICKS, CPU_INDEX and
 * the bits, written after it), finding the line's end (fieldsEnd) on the way. False, with
 * nothing to undo, when the line is not plain (the caller then parses it field by field), has
 * no '\n' (a last line, maybe cut short), or N is too large to be a CPU's.
 */
function cpuLine(e: usize, p: usize, end: usize): bool {
  if (CPU_TICKS != CPU_INDEX + 8 || CPU_PRESENT + 4 != CPU_TICKS) unreachable(); // (the layout this relies on; folded away)
  let fields = digitFields(p, end, end, e + CPU_TICKS - 8, CPU_COLUMNS + 1);
  let eol = fieldsEnd;
  if (fields < 1 || eol == end) return false;
  let index = load<u64>(e + CPU_TICKS - 8);
  if (index > 0xfffffffe) return false;
  let i = <u32>fields - 1;
  for (let j = i; j < CPU_COLUMNS; j++) store<u64>(e + CPU_TICKS + (<usize>j << 3), 0);
  if (i < 4) fail(eol, S_BAD_FIELD); // user, nice, system and idle are always printed
  store<u32>(e + CPU_INDEX, <u32>index);
  store<u16>(e + CPU_PRESENT, <u16>((<u32>1 << i) - 1));
  store<u16>(e + CPU_FAILED, 0);
  store<u16>(e + CPU_USAGE, <u16>USAGE_NONE);
  return true;
}

/** Stores the single number of a "key value" line into field f (u64, or u32 when narrow). */
function scalar(rec: usize, f: u32, off: u32, narrow: bool, p: usize, eol: usize): void {
  p = skipSpace(p, eol);
  let v = tokenU64(p, tokenEnd(p, eol));
  let err = numError;
  if (!err && narrow && v > 0xffffffff) err = S_OVERFLOW;
  if (err) {
    fail(p, err);
    setFailed(rec, f);
  } else {
    setPresent(rec, f);
    if (narrow) store<u32>(rec + off, <u32>v);
    else store<u64>(rec + off, v);
  }
}

/**
 * Parses the len bytes of /proc/stat at ptr into the stat fields and the per-CPU list of
 * parse record rec (replacing them). Returns S_* bits; the first failure's offset is in
 * parseFailAt.
 */
export function parseStat(rec: usize, ptr: usize, len: usize): u32 {
  beginParse(ptr);
  clearFields(rec, SECMASK_STAT);
  zeroBytes(rec + NODE_CPU_TOTAL, CPU_SIZE);
  zeroBytes(rec + NODE_CTXT, NODE_PROCS_BLOCKED + 4 - NODE_CTXT);
  setPresent(rec, F_SECTION + SEC_STAT);
  store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) & ~NSTATE_CPUS_CUT);
  let end = ptr + len;
  let n: u32 = 0;
  let found = false;
  let p = ptr;
  while (p < end) {
    // most of the file: a plain "cpuN" line, read in one pass that also finds its end
    if (
      n < cpuLimit && end - p > 4 && load<u8>(p) == 99 && load<u8>(p + 1) == 112 && load<u8>(p + 2) == 117 &&
      isDigit(load<u8>(p + 3)) && cpuLine(rec + PR_CPUS + <usize>n * CPU_SIZE, p + 3, end)
    ) {
      found = true;
      n++;
      p = fieldsEnd + 1;
      continue;
    }
    let eol = lineEnd(p, end);
    if (eol == end) {
      fail(p, S_TRUNCATED);
      break;
    }
    let k = tokenEnd(p, eol);
    let kn = k - p;
    if (kn >= 3 && load<u8>(p) == 99 && load<u8>(p + 1) == 112 && load<u8>(p + 2) == 117) {
      // "cpu" or "cpuN"
      if (kn == 3) {
        found = true;
        let e = rec + NODE_CPU_TOTAL;
        store<u32>(e + CPU_INDEX, CPU_AGGREGATE);
        cpuColumns(e, k, eol, end);
        setPresent(rec, F_CPU_TOTAL);
      } else if (isDigit(load<u8>(p + 3)) || load<u8>(p + 3) == 45) {
        found = true;
        let index = tokenU64(p + 3, k);
        if (numError || index > 0xfffffffe) {
          fail(p + 3, numError ? numError : S_OVERFLOW); // "cpu-1", "cpu1x": the line cannot be placed
        } else if (n == cpuLimit) {
          fail(p, S_LIMIT);
          store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) | NSTATE_CPUS_CUT);
        } else {
          let e = rec + PR_CPUS + <usize>n * CPU_SIZE;
          n++;
          store<u32>(e + CPU_INDEX, <u32>index);
          cpuColumns(e, k, eol, end);
        }
      }
    } else {
      switch (<i32>kn) {
        case 4:
          if (keyEq(p, kn, "ctxt")) { found = true; scalar(rec, F_CTXT, NODE_CTXT, false, k, eol); }
          break;
        case 5:
          if (keyEq(p, kn, "btime")) { found = true; scalar(rec, F_BTIME, NODE_BTIME, false, k, eol); }
          break;
        case 9:
          if (keyEq(p, kn, "processes")) { found = true; scalar(rec, F_PROCESSES, NODE_PROCESSES, false, k, eol); }
          break;
        case 13:
          if (keyEq(p, kn, "procs_running")) {
            found = true;
            scalar(rec, F_PROCS_RUNNING, NODE_PROCS_RUNNING, true, k, eol);
          } else if (keyEq(p, kn, "procs_blocked")) {
            found = true;
            scalar(rec, F_PROCS_BLOCKED, NODE_PROCS_BLOCKED, true, k, eol);
          }
          break;
      }
    }
    p = eol + 1;
  }
  store<u32>(rec + NODE_CPUS + EXT_COUNT, n);
  if (!found) fail(ptr, S_EMPTY);
  return parseStatus;
}

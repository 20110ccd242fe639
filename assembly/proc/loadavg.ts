// Parser of /proc/loadavg: "0.52 0.41 0.36 2/337 12345", the 1, 5 and 15 minute load
// averages (kept x 100, the precision the kernel prints), runnable/total scheduling
// entities, and the last pid allocated. Missing trailing fields stay absent; extra ones
// are ignored.

import { zeroBytes } from "../bytes";
import {
  F_LAST_PID, F_LOAD, F_PROCS_ACTIVE, F_PROCS_TOTAL, F_SECTION, NODE_LAST_PID, NODE_LOAD, NODE_PROCS_ACTIVE, NODE_PROCS_TOTAL, SECMASK_LOADAVG, SEC_LOADAVG,
} from "../layout";
import { clearFields, setFailed, setPresent } from "../fields";
import {
  beginParse, fail, lineEnd, numEnd, numError, parseStatus, readFixed, skipSpace, tokenEnd, tokenU64,
} from "../scan";
import { S_BAD_FIELD, S_EMPTY, S_OVERFLOW, S_TRUNCATED } from "../status";

/** Stores u32 field f at off if the number parsed cleanly and fits; otherwise marks it failed at `at`. */
function putU32(rec: usize, f: u32, off: u32, v: u64, err: u32, at: usize): void {
  if (!err && v > 0xffffffff) err = S_OVERFLOW;
  if (err) {
    fail(at, err);
    setFailed(rec, f);
    store<u32>(rec + off, 0);
  } else {
    setPresent(rec, f);
    store<u32>(rec + off, <u32>v);
  }
}

/**
 * Parses the len bytes of /proc/loadavg at ptr into the loadavg fields of record rec.
 * Returns S_* bits; the first failure's offset is in parseFailAt.
 */
export function parseLoadavg(rec: usize, ptr: usize, len: usize): u32 {
  beginParse(ptr);
  clearFields(rec, SECMASK_LOADAVG);
  zeroBytes(rec + NODE_LOAD, NODE_LAST_PID + 4 - NODE_LOAD);
  setPresent(rec, F_SECTION + SEC_LOADAVG);
  let end = ptr + len;
  let eol = lineEnd(ptr, end);
  if (eol == end) {
    if (len) fail(ptr, S_TRUNCATED);
    else fail(ptr, S_EMPTY);
    return parseStatus;
  }
  let p = skipSpace(ptr, eol);
  if (p == eol) {
    fail(ptr, S_EMPTY);
    return parseStatus;
  }
  for (let i: u32 = 0; i < 3 && p < eol; i++) {
    let t = tokenEnd(p, eol);
    let v = readFixed(p, t, 2);
    let err = numError;
    if (!err && numEnd != t) err = S_BAD_FIELD;
    putU32(rec, F_LOAD + i, NODE_LOAD + (i << 2), v, err, p);
    p = skipSpace(t, eol);
  }
  if (p < eol) {
    // "running/total"
    let t = tokenEnd(p, eol);
    let slash = p;
    while (slash < t && load<u8>(slash) != 47) slash++;
    let running = tokenU64(p, slash);
    putU32(rec, F_PROCS_ACTIVE, NODE_PROCS_ACTIVE, running, numError, p);
    if (slash < t) {
      let total = tokenU64(slash + 1, t);
      putU32(rec, F_PROCS_TOTAL, NODE_PROCS_TOTAL, total, numError, slash + 1);
    } else putU32(rec, F_PROCS_TOTAL, NODE_PROCS_TOTAL, 0, S_BAD_FIELD, t);
    p = skipSpace(t, eol);
  }
  if (p < eol) {
    let t = tokenEnd(p, eol);
    let pid = tokenU64(p, t);
    putU32(rec, F_LAST_PID, NODE_LAST_PID, pid, numError, p);
  }
  return parseStatus;
}

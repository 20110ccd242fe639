// Parser of /proc/meminfo ("MemTotal:       16316508 kB" lines). Keys are matched exactly
// from the line start to the colon; unknown keys (there are dozens, and more each kernel
// release) are skipped; a known key's value must be digits followed by the unit "kB" and is
// stored in bytes. A key that does not appear stays absent, never 0.

import { zeroBytes } from "../bytes";
import {
  MEM_AVAILABLE, MEM_BUFFERS, MEM_CACHED, MEM_FREE, MEM_SHMEM, MEM_SWAP_CACHED, MEM_SWAP_FREE, MEM_SWAP_TOTAL, MEM_TOTAL, MEM_FIELDS, NODE_MEM, F_MEM, SECMASK_MEMINFO, F_SECTION, SEC_MEMINFO,
} from "../layout";
import { clearFields, setFailed, setPresent } from "../fields";
import {
  beginParse, fail, findColon, isSpace, keyEq, lineEnd, numEnd, numError, parseStatus, readU64, skipSpace, trimEnd,
} from "../scan";
import { S_BAD_FIELD, S_EMPTY, S_OVERFLOW, S_TRUNCATED } from "../status";

/** The MEM_* field of a meminfo key, or -1 for a key we do not keep. */
export function memKey(p: usize, n: usize): i32 {
  switch (<i32>n) {
    case 5:
      if (keyEq(p, n, "Shmem")) return MEM_SHMEM;
      break;
    case 6:
      if (keyEq(p, n, "Cached")) return MEM_CACHED;
      break;
    case 7:
      if (keyEq(p, n, "MemFree")) return MEM_FREE;
      if (keyEq(p, n, "Buffers")) return MEM_BUFFERS;
      break;
    case 8:
      if (keyEq(p, n, "MemTotal")) return MEM_TOTAL;
      if (keyEq(p, n, "SwapFree")) return MEM_SWAP_FREE;
      break;
    case 9:
      if (keyEq(p, n, "SwapTotal")) return MEM_SWAP_TOTAL;
      if (keyEq(p, n, "MemShared")) return MEM_SHMEM; // 2.4 kernels
      break;
    case 10:
      if (keyEq(p, n, "SwapCached")) return MEM_SWAP_CACHED;
      break;
    case 12:
      if (keyEq(p, n, "MemAvailable")) return MEM_AVAILABLE;
      break;
  }
  return -1;
}

/**
 * The fast path of a line: a known key whose colon lies in the line's first 16 bytes, fewer
 * than 16 spaces, digits, and " kB\n", as the kernel prints every line we keep, read with two
 * vector compares instead of a byte loop to the colon and another over the spaces. Stores
 * the value and returns the line's end, or 0 (nothing stored) for any other line, which the
 * caller then parses in full, with its exact failures. Needs 32 bytes before end.
 */
function plainLine(rec: usize, p: usize, end: usize): usize {
  if (p + 32 > end) return 0;
  let v = v128.load(p);
  let colons = i8x16.bitmask(i8x16.eq(v, i8x16.splat(58)));
  if (!colons) return 0;
  let c = ctz(colons);
  let f = memKey(p, trimEnd(p, p + c) - p); // (a colon of the next line gives a key with '\n' in it: none)
  if (f < 0) return 0;
  let spaces = i8x16.bitmask(i8x16.eq(v128.load(p + c + 1), i8x16.splat(32)));
  if (spaces == 0xffff) return 0;
  let q = p + c + 1 + ctz(~spaces);
  let value = readU64(q, end);
  let t = numEnd;
  // " kB\n", little-endian; and a value that fits in bytes
  if (numError || t + 4 > end || load<u32>(t) != 0x0a426b20 || value > 0x3fffffffffffff) return 0;
  setPresent(rec, F_MEM + f);
  store<u64>(rec + NODE_MEM + (<usize>f << 3), value << 10);
  return t + 3;
}

/**
 * Parses the len bytes of /proc/meminfo at ptr into the meminfo fields of record rec
 * (replacing them all). Returns S_* bits; the first failure's offset is in parseFailAt.
 */
export function parseMeminfo(rec: usize, ptr: usize, len: usize): u32 {
  beginParse(ptr);
  clearFields(rec, SECMASK_MEMINFO);
  zeroBytes(rec + NODE_MEM, MEM_FIELDS << 3);
  let end = ptr + len;
  let found = false;
  let p = ptr;
  while (p < end) {
    let eol = plainLine(rec, p, end);
    if (eol) {
      found = true;
      p = eol + 1;
      continue;
    }
    eol = lineEnd(p, end);
    if (eol == end) {
      fail(p, S_TRUNCATED); // a last line without '\n' may have been cut short
      break;
    }
    let colon = findColon(p, eol);
    if (colon < eol) {
      let f = memKey(p, trimEnd(p, colon) - p);
      if (f >= 0) {
        found = true;
        let v = readU64(skipSpace(colon + 1, eol), eol);
        let err = numError;
        let q = skipSpace(numEnd, eol);
        if (!err) {
          // the unit "kB", ending its token (more columns after it are ignored)
          if (q + 2 <= eol && load<u8>(q) == 107 && load<u8>(q + 1) == 66 && (q + 2 == eol || isSpace(load<u8>(q + 2)))) {
            if (v > 0x3fffffffffffff) err = S_OVERFLOW; // v * 1024 > 2^64 - 1
          } else err = S_BAD_FIELD;
        }
        if (err) {
          fail(colon + 1, err);
          setFailed(rec, F_MEM + f);
          store<u64>(rec + NODE_MEM + (<usize>f << 3), 0);
        } else {
          setPresent(rec, F_MEM + f);
          store<u64>(rec + NODE_MEM + (<usize>f << 3), v << 10);
        }
      }
    }
    p = eol + 1;
  }
  setPresent(rec, F_SECTION + SEC_MEMINFO);
  if (!found) fail(ptr, S_EMPTY);
  return parseStatus;
}

// Parser of /proc/net/dev: two header lines, then one line per interface, "name: 16
// counters". The name ends at the line's last colon (aliases such as "ibr10:30" contain
// one), may be glued to the first counter ("eth0:68210035552"), and is kept as raw UTF-8
// bytes. Counters are u64 (they pass 2^32 on any busy link); fewer than 16 leave the rest
// absent, more are ignored. Lines without a colon (the headers) are skipped.

import { copyBytes, zeroBytes } from "../bytes";
import {
  F_SECTION, IF_COUNTERS, IF_COUNTER_COUNT, IF_FAILED, IF_NAME, IF_NAME_FAILED, IF_NAME_LEN, IF_PRESENT, IF_SIZE, MAX_IFACES, NODE_IFS, NODE_STATE, NSTATE_IFS_CUT, PR_IFS, SECMASK_NETDEV, SEC_NETDEV, EXT_COUNT,
} from "../layout";
import { clearFields, setPresent } from "../fields";
import { ifaceLimit } from "../limits";
import { beginParse, digitFields, fail, fieldU64, lastColon, lineEnd, numEnd, numError, parseStatus, skipSpace } from "../scan";
import { S_BAD_FIELD, S_EMPTY, S_LIMIT, S_TRUNCATED } from "../status";

/** Whether [p, e) holds a NUL byte. */
function hasNul(p: usize, e: usize): bool {
  while (p < e) if (load<u8>(p++) == 0) return true;
  return false;
}

/**
 * Parses the len bytes of /proc/net/dev at ptr into the interface list of parse record rec
 * (replacing it). Returns S_* bits; the first failure's offset is in parseFailAt.
 */
export function parseNetDev(rec: usize, ptr: usize, len: usize): u32 {
  beginParse(ptr);
  clearFields(rec, SECMASK_NETDEV);
  setPresent(rec, F_SECTION + SEC_NETDEV);
  store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) & ~NSTATE_IFS_CUT);
  let end = ptr + len;
  let n: u32 = 0;
  let p = ptr;
  while (p < end) {
    let eol = lineEnd(p, end);
    if (eol == end) {
      fail(p, S_TRUNCATED);
      break;
    }
    // the last colon of the line ends the name
    let colon = lastColon(p, eol);
    if (colon >= p && !hasNul(p, colon)) {
      // (a NUL inside the name, the line's key, makes it no interface line: skipped)
      if (n == ifaceLimit) {
        fail(p, S_LIMIT);
        store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) | NSTATE_IFS_CUT);
        break;
      }
      let e = rec + PR_IFS + <usize>n * IF_SIZE;
      n++;
      zeroBytes(e, IF_SIZE);
      let name = skipSpace(p, colon);
      let nameLen = colon - name;
      let failed: u32 = 0;
      if (nameLen == 0 || nameLen >= IF_NAME_LEN) {
        fail(name, S_BAD_FIELD);
        failed = IF_NAME_FAILED;
      } else copyBytes(e + IF_NAME, name, nameLen);
      let present: u32 = 0;
      let fast = digitFields(colon + 1, eol, end, e + IF_COUNTERS, IF_COUNTER_COUNT);
      if (fast >= 0) present = <u32>((<u64>1 << <u64>fast) - 1);
      else {
        memory.fill(e + IF_COUNTERS, 0, IF_COUNTER_COUNT << 3); // what the fast path stored before it gave up
        let q = skipSpace(colon + 1, eol);
        for (let i: u32 = 0; i < IF_COUNTER_COUNT && q < eol; i++) {
          let v = fieldU64(q, eol);
          let t = numEnd;
          if (numError) {
            fail(q, numError);
            failed |= 1 << i;
          } else {
            present |= 1 << i;
            store<u64>(e + IF_COUNTERS + (<usize>i << 3), v);
          }
          q = skipSpace(t, eol);
        }
      }
      store<u32>(e + IF_PRESENT, present);
      store<u32>(e + IF_FAILED, failed);
    }
    p = eol + 1;
  }
  store<u32>(rec + NODE_IFS + EXT_COUNT, n);
  if (n == 0) fail(ptr, S_EMPTY);
  return parseStatus;
}

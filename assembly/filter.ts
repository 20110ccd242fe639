// The line filter of sendstats: keeps only the /proc lines that recvstats parses (never
// cpuinfo's flags and bugs, nor stat's intr) and tells the encoder what each kept line is,
// so that it can split a file at line boundaries (cpuinfo at processor blocks) without
// knowing any key itself. The keys are the parsers' own, so the two cannot disagree.

import { SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV, SEC_STAT } from "./layout";
import { K_CPU_NUMBER, K_NONE, K_PROCESSOR, cpuinfoKey } from "./proc/cpuinfo";
import { memKey } from "./proc/meminfo";
import { findColon, keyEq, lineEnd, skipSpace, tokenEnd, trimEnd, isDigit } from "./scan";

// Classes of kept lines.
/** Belongs in the chunk that starts the file (meminfo, loadavg, stat's lines other than cpuN). */
export const LC_HEAD: u8 = 1;
/** One entry (stat's cpuN, an interface of net/dev): may go in any chunk. */
export const LC_ENTRY: u8 = 2;
/** A cpuinfo line outside any processor block: repeated in every chunk. */
export const LC_GLOBAL: u8 = 3;
/** A cpuinfo line that starts a processor block. */
export const LC_BLOCK: u8 = 4;
/** A cpuinfo line inside a processor block. */
export const LC_IN_BLOCK: u8 = 5;
/** The most lines one filter call keeps; more are dropped (and counted by the caller). */
export const FILTER_MAX_LINES: u32 = 1 << 18;

/** A stat line's class: LC_HEAD, LC_ENTRY, or 0 to drop it. */
function statClass(p: usize, eol: usize): u8 {
  let k = tokenEnd(p, eol);
  let n = k - p;
  if (n >= 3 && keyEq(p, 3, "cpu")) {
    if (n == 3) return LC_HEAD;
    let c = load<u8>(p + 3);
    return isDigit(c) || c == 45 ? LC_ENTRY : 0;
  }
  if (keyEq(p, n, "ctxt") || keyEq(p, n, "btime") || keyEq(p, n, "processes")) return LC_HEAD;
  if (keyEq(p, n, "procs_running") || keyEq(p, n, "procs_blocked")) return LC_HEAD;
  return 0;
}

/**
 * Copies the lines of section sec in [ptr, ptr+len) that recvstats parses to out, back to
 * back, and for the i-th kept line stores its end offset in out (after its '\n') at
 * ends[i] (u32) and its class at classes[i] (u8). A last line without '\n' is dropped.
 * Returns the number of lines kept (at most FILTER_MAX_LINES).
 */
export function filterLines(sec: u32, ptr: usize, len: usize, out: usize, ends: usize, classes: usize): u32 {
  let end = ptr + len;
  let p = ptr;
  let n: u32 = 0;
  let o: usize = 0;
  let sawProcessor = false;
  let inBlock = false;
  while (p < end && n < FILTER_MAX_LINES) {
    let eol = lineEnd(p, end);
    if (eol == end) break;
    let cls: u8 = 0;
    if (sec == SEC_MEMINFO) {
      let colon = findColon(p, eol);
      if (colon < eol && memKey(p, trimEnd(p, colon) - p) >= 0) cls = LC_HEAD;
    } else if (sec == SEC_LOADAVG) {
      if (p == ptr) cls = LC_HEAD;
    } else if (sec == SEC_STAT) {
      cls = statClass(p, eol);
    } else if (sec == SEC_NETDEV) {
      if (findColon(p, eol) < eol) cls = LC_ENTRY;
    } else if (sec == SEC_CPUINFO) {
      let colon = findColon(p, eol);
      if (colon == eol) {
        if (skipSpace(p, eol) == eol) inBlock = false; // a blank line ends a block
      } else {
        let k = cpuinfoKey(p, trimEnd(p, colon) - p);
        if (k == K_PROCESSOR || (k == K_CPU_NUMBER && !sawProcessor)) {
          if (k == K_PROCESSOR) sawProcessor = true;
          inBlock = true;
          cls = LC_BLOCK;
        } else if (k != K_NONE && k != K_CPU_NUMBER) cls = inBlock ? LC_IN_BLOCK : LC_GLOBAL;
      }
    }
    if (cls) {
      let l = eol + 1 - p;
      memory.copy(out + o, p, l);
      o += l;
      store<u32>(ends + (<usize>n << 2), <u32>o);
      store<u8>(classes + n, cls);
      n++;
    }
    p = eol + 1;
  }
  return n;
}

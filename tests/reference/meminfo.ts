// Reference reading of /proc/meminfo for the differential and golden tests: what the core's
// assembly/proc/meminfo.ts must produce, written as line splitting and regexes. A known key
// (exact, from line start to the first colon, trailing blanks dropped) takes digits, then
// "kB", then the line's end or a blank (extra columns are ignored); the value is kept in
// bytes. The last report of a key wins.

import type { Meminfo, U64 } from "../../src/record";
import { L, Outcome, leadingU64, splitLines, trimEnd, trimStart, u64, U64_MAX } from "./text";

/** The keys kept, with their path under "meminfo" in a node's JSON. */
const KEYS = new Map<string, string>([
  ["MemTotal", "total"],
  ["MemFree", "mem.free"],
  ["MemAvailable", "available"],
  ["Buffers", "buffers"],
  ["Cached", "cached"],
  ["SwapCached", "swap_cached"],
  ["SwapTotal", "swap.total"],
  ["SwapFree", "swap.free"],
  ["Shmem", "shared"],
  ["MemShared", "shared"], // 2.4 kernels
]);
/** The order in which a reader lists failed meminfo fields. */
const FAILED_ORDER = ["total", "mem.free", "available", "buffers", "cached", "swap_cached", "swap.total", "swap.free", "shared"];

/** The largest kB value whose byte count fits in a u64. */
const MAX_KB = U64_MAX >> 10n;

export interface MeminfoResult {
  meminfo: Meminfo;
  failed: string[];
  outcome: Outcome;
}

/** a - b when both are known and a >= b, else null. */
function used(a: bigint | null, b: bigint | null): U64 | null {
  return a === null || b === null || a < b ? null : u64(a - b);
}

/** Reads meminfo text (latin1 string of the file's bytes). */
export function parseMeminfo(text: string): MeminfoResult {
  const outcome = new Outcome();

  const value = new Map<string, bigint | null>(); // path -> bytes, or null when given but garbled
  const { lines, cutAt } = splitLines(text);
  for (const line of lines) {
    const colon = line.text.indexOf(":");
    if (colon < 0) continue;
    const path = KEYS.get(trimEnd(line.text.slice(0, colon)));
    if (path === undefined) continue;
    const rest = trimStart(line.text.slice(colon + 1));
    const kb = leadingU64(rest);
    let error = kb.error;
    // the unit "kB", ending its token: more columns after it are ignored
    if (!error && !/^[ \t\r\v\f]*kB([ \t\r\v\f]|$)/.test(rest.slice(kb.length))) error = L.S_BAD_FIELD;
    else if (!error && kb.value > MAX_KB) error = L.S_OVERFLOW;
    if (error) {
      outcome.fail(line.at + colon + 1, error);
      value.set(path, null);
    } else value.set(path, kb.value * 1024n);
  }
  if (cutAt !== null) outcome.fail(cutAt, L.S_TRUNCATED);
  if (value.size === 0) outcome.fail(0, L.S_EMPTY);

  const get = (path: string): bigint | null => value.get(path) ?? null;
  const show = (path: string): U64 | null => {
    const v = get(path);
    return v === null ? null : u64(v);
  };
  return {
    meminfo: {
      mem: { used: used(get("total"), get("mem.free")), free: show("mem.free") },
      swap: { used: used(get("swap.total"), get("swap.free")), free: show("swap.free"), total: show("swap.total") },
      shared: show("shared"),
      buffers: show("buffers"),
      cached: show("cached"),
      swap_cached: show("swap_cached"),
      total: show("total"),
      available: show("available"),
    },
    failed: FAILED_ORDER.filter((path) => value.has(path) && value.get(path) === null).map((p) => `meminfo.${p}`),
    outcome,
  };
}

// The spec files' shared fixture: one parse record per compiled spec (PR_SIZE is 1.6 MB, so
// it is allocated once), a way to run a parser on the UTF-8 bytes of a string, and readers
// of a record's field bits and strings. It computes no expected value: every spec writes its
// expected numbers by hand.

import { NODE_FAILED, NODE_PRESENT, NODE_SIZE, PR_SIZE } from "../../assembly/layout";

/** A parser's signature: (parse record, input address, input length) -> S_* bits. */
export type Parser = (rec: usize, ptr: usize, len: usize) => u32;

/** The parse record the specs of one file share. */
export const rec: usize = heap.alloc(PR_SIZE);

/** The bytes of the last input, kept referenced so that the collector leaves them alone. */
let input = new ArrayBuffer(0);

/** Zeroes the node part of rec, as the host does once before its first parse; returns rec. */
export function freshRecord(): usize {
  memory.fill(rec, 0, NODE_SIZE);
  return rec;
}

/** Runs parser on the UTF-8 bytes of text (no terminating NUL) into rec; returns its status. */
export function run(parser: Parser, text: string): u32 {
  input = String.UTF8.encode(text);
  return parser(rec, changetype<usize>(input), <usize>input.byteLength);
}

/** Whether field bit f (an F_* number) is set in NODE_PRESENT of record r. */
export function isPresent(r: usize, f: u32): bool {
  return ((load<u64>(r + NODE_PRESENT) >> <u64>f) & 1) != 0;
}

/** Whether field bit f (an F_* number) is set in NODE_FAILED of record r. */
export function isFailed(r: usize, f: u32): bool {
  return ((load<u64>(r + NODE_FAILED) >> <u64>f) & 1) != 0;
}

/** The NUL-padded UTF-8 string of at most max bytes at p. */
export function cstr(p: usize, max: u32): string {
  let n: u32 = 0;
  while (n < max && load<u8>(p + n) != 0) n++;
  return String.UTF8.decodeUnsafe(p, n);
}

/** Whether the n bytes at p are all zero. */
export function allZero(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) != 0) return false;
  return true;
}

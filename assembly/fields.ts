// Helpers over a record's field bits (NODE_PRESENT / NODE_FAILED), shared by the parsers and
// the table. Kept apart from layout.ts, whose every export is a constant the host reads.

import { NODE_FAILED, NODE_PRESENT } from "./layout";

/** The bit of a field F_* in NODE_PRESENT / NODE_FAILED. */
// @ts-ignore: decorator
@inline export function fbit(f: u32): u64 {
  return <u64>1 << <u64>f;
}

/** Marks field f of record rec present (and not failed). */
// @ts-ignore: decorator
@inline export function setPresent(rec: usize, f: u32): void {
  store<u64>(rec + NODE_PRESENT, load<u64>(rec + NODE_PRESENT) | fbit(f));
  store<u64>(rec + NODE_FAILED, load<u64>(rec + NODE_FAILED) & ~fbit(f));
}

/** Marks field f of record rec failed: given, but not a valid value (so not present). */
// @ts-ignore: decorator
@inline export function setFailed(rec: usize, f: u32): void {
  store<u64>(rec + NODE_FAILED, load<u64>(rec + NODE_FAILED) | fbit(f));
  store<u64>(rec + NODE_PRESENT, load<u64>(rec + NODE_PRESENT) & ~fbit(f));
}

/** Clears the bits of a section's fields before a new report of it is parsed. */
// @ts-ignore: decorator
@inline export function clearFields(rec: usize, mask: u64): void {
  store<u64>(rec + NODE_PRESENT, load<u64>(rec + NODE_PRESENT) & ~mask);
  store<u64>(rec + NODE_FAILED, load<u64>(rec + NODE_FAILED) & ~mask);
}

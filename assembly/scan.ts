// The bounded cursor shared by the /proc parsers: line and token boundaries, exact key
// matching, and digit-only number parsing with overflow reported, never wrapped. Every
// function takes an explicit end and never reads at or past it. A parse's outcome (status
// bits and the offset of the first failure) is kept here, errno-style, so that the hot
// loops pass no extra arguments and allocate nothing.

import { NO_FAIL, S_BAD_FIELD, S_OVERFLOW } from "./status";

/** Status bits of the parse in progress. */
export let parseStatus: u32 = 0;
/** Byte offset, from the start of the input, of the first failure of the parse in progress. */
export let parseFailAt: u32 = NO_FAIL;
let parseBase: usize = 0;

/** Starts a parse of the input at base: clears the outcome. */
export function beginParse(base: usize): void {
  parseStatus = 0;
  parseFailAt = NO_FAIL;
  parseBase = base;
}

/** Records a failure of kind bits at address at (the first one's offset is kept). */
export function fail(at: usize, bits: u32): void {
  if (parseFailAt == NO_FAIL) parseFailAt = <u32>(at - parseBase);
  parseStatus |= bits;
}

// @ts-ignore: decorator
@inline export function isSpace(c: u32): bool {
  // space, tab, CR (CRLF files), vertical tab, form feed
  return c == 32 || c == 9 || c == 13 || c == 11 || c == 12;
}

// @ts-ignore: decorator
@inline export function isDigit(c: u32): bool {
  return c - 48 < 10;
}

/** Address of the first '\n' in [p, end), or end. 16 bytes at a time: intr and flags lines are long. */
export function lineEnd(p: usize, end: usize): usize {
  const nl = i8x16.splat(10);
  while (p + 16 <= end) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(p), nl));
    if (m) return p + <usize>ctz(m);
    p += 16;
  }
  while (p < end && load<u8>(p) != 10) p++;
  return p;
}

/** First address in [p, e) that is not white space, or e. */
// @ts-ignore: decorator
@inline export function skipSpace(p: usize, e: usize): usize {
  while (p < e && isSpace(load<u8>(p))) p++;
  return p;
}

/** First white-space address in [p, e), or e. */
// @ts-ignore: decorator
@inline export function tokenEnd(p: usize, e: usize): usize {
  while (p < e && !isSpace(load<u8>(p))) p++;
  return p;
}

/** The end of [p, e) with trailing white space removed. */
// @ts-ignore: decorator
@inline export function trimEnd(p: usize, e: usize): usize {
  while (e > p && isSpace(load<u8>(e - 1))) e--;
  return e;
}

/** Address of the first ':' in [p, e), or e. */
// @ts-ignore: decorator
@inline export function findColon(p: usize, e: usize): usize {
  while (p < e && load<u8>(p) != 58) p++;
  return p;
}

/** Whether the n bytes at p are exactly the ASCII string k. */
// @ts-ignore: decorator
@inline export function keyEq(p: usize, n: usize, k: string): bool {
  if (n != <usize>k.length) return false;
  let kp = changetype<usize>(k);
  for (let i: usize = 0; i < n; i++) {
    if (<u32>load<u8>(p + i) != <u32>load<u16>(kp + (i << 1))) return false;
  }
  return true;
}

/** S_BAD_FIELD, S_OVERFLOW or 0: the outcome of the last number parse. */
export let numError: u32 = 0;
/** Where the last number parse stopped. */
export let numEnd: usize = 0;

/**
 * Reads the digits at p (before e) as a u64; stops at the first non-digit (numEnd).
 * No digits: numError = S_BAD_FIELD. Above 2^64-1: numError = S_OVERFLOW (digits consumed).
 */
export function readU64(p: usize, e: usize): u64 {
  let v: u64 = 0;
  let start = p;
  numError = 0;
  while (p < e) {
    let d = <u32>load<u8>(p) - 48;
    if (d >= 10) break;
    // 1844674407370955161 * 10 + 5 = 2^64 - 1
    if (v > 1844674407370955161 || (v == 1844674407370955161 && d > 5)) numError = S_OVERFLOW;
    v = v * 10 + d;
    p++;
  }
  if (p == start) numError = S_BAD_FIELD;
  numEnd = p;
  return v;
}

/**
 * Reads the whole token [p, e) as a u64 of digits only. Anything else in it (a sign, a dot,
 * a NUL byte) is S_BAD_FIELD in numError.
 */
export function tokenU64(p: usize, e: usize): u64 {
  let v = readU64(p, e);
  if (numEnd != e) numError = S_BAD_FIELD;
  return v;
}

/**
 * Reads a decimal "digits[.digits]" at p (before e) as an integer scaled by 10^decimals, the
 * extra fraction digits truncated. Stops after the number (numEnd).
 */
export function readFixed(p: usize, e: usize, decimals: u32): u64 {
  let v = readU64(p, e);
  if (numError) return v;
  let err: u32 = 0;
  let q = numEnd;
  let scaled = v;
  let seen: u32 = 0;
  if (q < e && load<u8>(q) == 46) {
    q++;
    let fracStart = q;
    while (q < e && isDigit(load<u8>(q))) {
      if (seen < decimals) {
        let d = <u64>(load<u8>(q) - 48);
        if (scaled > (0xffffffffffffffff - d) / 10) err = S_OVERFLOW;
        scaled = scaled * 10 + d;
        seen++;
      }
      q++;
    }
    if (q == fracStart) err = S_BAD_FIELD; // "12." has no fraction
  }
  while (seen < decimals) {
    if (scaled > 0xffffffffffffffff / 10) err = S_OVERFLOW;
    scaled *= 10;
    seen++;
  }
  numError = err;
  numEnd = q;
  return scaled;
}

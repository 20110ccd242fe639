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

/** Address of the last ':' in [p, e), or p - 1 when there is none. 16 bytes at a time, from the end. */
export function lastColon(p: usize, e: usize): usize {
  const colon = i8x16.splat(58);
  while (e >= p + 16) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(e - 16), colon));
    if (m) return e - 16 + <usize>(31 - clz<u32>(m));
    e -= 16;
  }
  while (e > p) {
    e--;
    if (load<u8>(e) == 58) return e;
  }
  return p - 1;
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
  // eight bytes at a time while eight remain: two chunks (16 digits) cannot overflow
  while (p + 8 <= e && p - start < 16) {
    let x = load<u64>(p);
    let n = leadingDigits(x);
    if (n == 0) break;
    v = v * pow10(n) + eightDigits(x, n);
    p += n;
    if (n < 8) {
      numEnd = p;
      return v;
    }
  }
  // 19 digits always fit in 64 bits: only from the 20th on can a number overflow
  let fast = min<usize>(e, start + 19);
  while (p < fast) {
    let d = <u32>load<u8>(p) - 48;
    if (d >= 10) break;
    v = v * 10 + d;
    p++;
  }
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
 * Reads the white-space-delimited field at p (before the line end e) as a u64 of digits
 * only, in one pass: as tokenU64(p, tokenEnd(p, e)), with numEnd at the field's end. The
 * hot loops of stat and net/dev use it.
 */
export function fieldU64(p: usize, e: usize): u64 {
  let v = readU64(p, e);
  let q = numEnd;
  if (q < e && !isSpace(load<u8>(q))) {
    numError = S_BAD_FIELD; // a digit run glued to something else: not a number
    numEnd = tokenEnd(q, e);
  }
  return v;
}

/** Where the last digitFields call stopped: the first '\n' in [p, e), or e when there is none. */
export let fieldsEnd: usize = 0;

/**
 * The fast path of the counter lines (stat's cpu lines, net/dev's interfaces): reads the
 * space-separated fields of [p, e), up to the first '\n' (fieldsEnd), as u64s into dst (8
 * bytes each, at most max of them) and returns how many, or -1 when the line is not plain (a
 * byte other than a digit or a space, or a field of 20 digits or more, which could
 * overflow): the caller then parses it field by field, with the exact failures. Reading one
 * field after another makes each field's end the start of the next search, a chain of
 * dependent steps; here a vector compare finds every digit run of 64 bytes at once and the
 * fields are converted independently, several at a time. Given the end of the input as e, it
 * finds the line's end in the same pass. Loads stop before limit (the end of the section,
 * which may lie past e): a window that would cross it is taken from a copy.
 */
export function digitFields(p: usize, e: usize, limit: usize, dst: usize, max: u32): i32 {
  const space = i8x16.splat(32);
  const newline = i8x16.splat(10);
  let n: u32 = 0;
  let pending: usize = 0; // the start of a run that a window boundary cut
  let carry: u64 = 0; // 1 if the previous window ended in a digit
  let base = p;
  while (base < e) {
    let w = min<usize>(e - base, 64);
    let digits: u64 = 0;
    let spaces: u64 = 0;
    let newlines: u64 = 0;
    if (base + 64 <= limit) {
      // the whole window readable (all but a section's last line): four loads, no test
      let v0 = v128.load(base);
      let v1 = v128.load(base, 16);
      let v2 = v128.load(base, 32);
      let v3 = v128.load(base, 48);
      digits = digitBits(v0) | (digitBits(v1) << 16) | (digitBits(v2) << 32) | (digitBits(v3) << 48);
      spaces = byteBits(v0, space) | (byteBits(v1, space) << 16) | (byteBits(v2, space) << 32) | (byteBits(v3, space) << 48);
      newlines = byteBits(v0, newline) | (byteBits(v1, newline) << 16) | (byteBits(v2, newline) << 32) | (byteBits(v3, newline) << 48);
    } else {
      for (let j: usize = 0; j < w; j += 16) {
        let q = base + j;
        let v: v128;
        if (q + 16 <= limit) v = v128.load(q);
        else {
          memory.fill(TAIL, 32, 16);
          memory.copy(TAIL, q, limit - q);
          v = v128.load(TAIL);
        }
        digits |= digitBits(v) << (<u64>j);
        spaces |= byteBits(v, space) << (<u64>j);
        newlines |= byteBits(v, newline) << (<u64>j);
      }
    }
    let valid: u64 = w == 64 ? <u64>-1 : (<u64>1 << <u64>w) - 1;
    newlines &= valid;
    if (newlines) {
      // the line ends in this window: what follows its '\n' is not looked at
      w = <usize>ctz<u64>(newlines);
      valid = (<u64>1 << <u64>w) - 1;
      e = base + w;
    }
    digits &= valid;
    if ((digits | (spaces & valid)) != valid) return -1;
    let before = (digits << 1) | carry; // bit i: the byte before byte i is a digit
    let starts = digits & ~before;
    let ends = ~digits & before; // bit i: a run ended just before byte i (bit w: at e)
    // (each run's length check, store and count are written out at their three places: a
    // shared helper returning the count, or -1, cost 6% of a stat parse)
    if (pending && ends) {
      // the run a window's edge cut ends in this one
      let to = base + <usize>ctz<u64>(ends);
      ends &= ends - 1;
      if (to - pending >= 20) return -1;
      if (n < max) store<u64>(dst + (<usize>n << 3), runValue(pending, to, limit));
      n++;
      pending = 0;
    }
    // every other run ending here starts here
    while (ends) {
      let to = base + <usize>ctz<u64>(ends);
      let from = base + <usize>ctz<u64>(starts);
      ends &= ends - 1;
      starts &= starts - 1;
      if (to - from >= 20) return -1;
      if (n < max) store<u64>(dst + (<usize>n << 3), runValue(from, to, limit));
      n++;
    }
    if (starts) pending = base + <usize>ctz<u64>(starts);
    carry = w == 64 ? digits >> 63 : 0;
    base += w;
  }
  fieldsEnd = e;
  if (pending) {
    // a run to the end of the line
    if (e - pending >= 20) return -1;
    if (n < max) store<u64>(dst + (<usize>n << 3), runValue(pending, e, limit));
    n++;
  }
  return <i32>min<u32>(n, max);
}
const TAIL: usize = memory.data(16, 16);

/** Bit i: byte i of v is an ASCII digit. */
// @ts-ignore: decorator
@inline function digitBits(v: v128): u64 {
  // '0'..'9' + 0x50 wraps to -128..-119, every other byte lands above: one signed compare
  // (an unsigned one is three instructions on x86)
  return <u64>i8x16.bitmask(i8x16.lt_s(i8x16.add(v, i8x16.splat(0x50)), i8x16.splat(-118)));
}

/** Bit i: byte i of v is the byte of c (splat). */
// @ts-ignore: decorator
@inline function byteBits(v: v128, c: v128): u64 {
  return <u64>i8x16.bitmask(i8x16.eq(v, c));
}

/** The value of the 1 to 19 ASCII digits [from, to), loads stopping before limit. */
// @ts-ignore: decorator
@inline function runValue(from: usize, to: usize, limit: usize): u64 {
  let len = to - from;
  // one digit ("0": most of a cpu line's columns and of an idle interface's counters)
  // needs no conversion; a quarter to a third off a stat or net/dev parse
  if (len == 1) return <u64>(load<u8>(from) - 48);
  if (from + 16 <= limit && len <= 16) {
    // one load for up to 8 digits, two for up to 16 (byte counters pass 8 within hours)
    if (len <= 8) return eightDigits(load<u64>(from), <u32>len);
    return eightDigits(load<u64>(from), 8) * pow10(<u32>len - 8) + eightDigits(load<u64>(from + 8), <u32>len - 8);
  }
  return readU64(from, to);
}

/** How many of the 8 bytes of x (in memory order) are ASCII digits before the first that is not. */
// @ts-ignore: decorator
@inline function leadingDigits(x: u64): u32 {
  // a byte is a digit when its high nibble is 3 and adding 6 keeps it so; a carry out of a
  // byte (only from 0xfa and above, never a digit) reaches only later bytes, past the answer
  let d = ((x & 0xf0f0f0f0f0f0f0f0) ^ 0x3030303030303030) | (((x + 0x0606060606060606) & 0xf0f0f0f0f0f0f0f0) ^ 0x3030303030303030);
  let nonzero = (((d & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | d) & 0x8080808080808080;
  return nonzero ? <u32>(ctz<u64>(nonzero) >> 3) : 8;
}

/** The value of the first n (1..8) ASCII digits of x, in memory order (first digit most significant). */
// @ts-ignore: decorator
@inline function eightDigits(x: u64, n: u32): u64 {
  // the digits to the top bytes (what follows them shifts out), then pairs, quads, eights
  let v = (x - 0x3030303030303030) << (<u64>(8 - n) << 3);
  v = (v * 10 + (v >> 8)) & 0x00ff00ff00ff00ff;
  v = (v * 100 + (v >> 16)) & 0x0000ffff0000ffff;
  return (v * 10000 + (v >> 32)) & 0x00000000ffffffff;
}

/** 10^n for n in 1..8. */
// @ts-ignore: decorator
@inline function pow10(n: u32): u64 {
  return load<u64>(POW10 + (<usize>n << 3));
}
const POW10: usize = memory.data<u64>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000]);

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

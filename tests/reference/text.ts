// The lexical rules the five reference parsers share (lines, white space, digit-only u64
// numbers, fixed-point decimals, the first-failure outcome), written as plain string code
// over a latin1 decoding of the input so that a string index is a byte offset. Kept in one
// place so each parser file reads as the rules of its own /proc file, not as cursor code.

import type { U64 } from "../../src/record";
import { Core, Layout, ParseOutcome } from "../../src/wasm";

/** The core's exported constants (status bits, limits): read from the module, never retyped. */
export const L: Layout = new Core(1).layout;

export const U64_MAX = (1n << 64n) - 1n;
export const U32_MAX = (1n << 32n) - 1n;

/** The bytes as a string of one char per byte. */
export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

const utf8 = new TextDecoder("utf-8");
/** A name's bytes as text, decoded as a reader of the record does (UTF-8, a bad sequence becomes U+FFFD). */
export const utf8Name = (raw: string): string => utf8.decode(Buffer.from(raw, "latin1"));

/** White space of /proc text: space, tab, CR (CRLF files), vertical tab, form feed. Never '\n' (it ends lines). */
const SPACE = "[ \\t\\r\\v\\f]";
export const trimEnd = (s: string): string => s.replace(new RegExp(`${SPACE}+$`), "");
export const trimStart = (s: string): string => s.replace(new RegExp(`^${SPACE}+`), "");
export const isBlank = (s: string): boolean => new RegExp(`^${SPACE}*$`).test(s);

export interface Line {
  text: string;
  /** offset of its first byte */
  at: number;
}

/** The '\n'-terminated lines of text (without the '\n'), and the offset of a last line that has none (null if none). */
export function splitLines(text: string): { lines: Line[]; cutAt: number | null } {
  const parts = text.split("\n");
  const last = parts.pop()!; // "" when text ends with '\n' or is empty
  const lines: Line[] = [];
  let at = 0;
  for (const part of parts) {
    lines.push({ text: part, at });
    at += part.length + 1;
  }
  return { lines, cutAt: last === "" ? null : at };
}

export interface Token {
  text: string;
  at: number;
}

/** The white-space separated tokens of s, with offsets counted from `at`. */
export function tokens(s: string, at: number): Token[] {
  return [...s.matchAll(new RegExp(`[^ \\t\\r\\v\\f]+`, "g"))].map((m) => ({ text: m[0], at: at + m.index! }));
}

/** A parsed number: its value and an S_* error (0, S_BAD_FIELD or S_OVERFLOW). */
export interface Num {
  value: bigint;
  error: number;
}

/** Digits as a BigInt; anything with more than 20 significant digits is above 2^64 anyway. */
function digitsValue(digits: string): bigint {
  const significant = digits.replace(/^0+/, "");
  return significant.length > 20 ? U64_MAX + 1n : BigInt(digits);
}

/** The digits at the start of s and how many chars they span: none is S_BAD_FIELD; above 2^64-1, S_OVERFLOW. */
export function leadingU64(s: string): Num & { length: number } {
  const digits = /^[0-9]*/.exec(s)![0];
  if (digits === "") return { value: 0n, error: L.S_BAD_FIELD, length: 0 };
  const value = digitsValue(digits);
  return { value, error: value > U64_MAX ? L.S_OVERFLOW : 0, length: digits.length };
}

/** A token that must be digits only: a sign, a dot, a NUL or no digits at all is S_BAD_FIELD; above 2^64-1, S_OVERFLOW. */
export function wholeU64(token: string): Num {
  if (!/^[0-9]+$/.test(token)) return { value: 0n, error: L.S_BAD_FIELD };
  return leadingU64(token);
}

/**
 * "digits[.digits]" at the start of s, as an integer scaled by 10^decimals (extra fraction
 * digits dropped), and how many chars it spans. No leading digit: S_BAD_FIELD. An integer
 * part above 2^64-1 is S_OVERFLOW and the fraction is not read. A dot without digits after
 * it is S_BAD_FIELD, unless the scaled value is above 2^64-1 (S_OVERFLOW wins).
 */
export function leadingFixed(s: string, decimals: number): Num & { length: number } {
  const m = /^([0-9]*)(?:(\.)([0-9]*))?/.exec(s)!;
  const [, int, dot, frac = ""] = m;
  if (int === "") return { value: 0n, error: L.S_BAD_FIELD, length: 0 };
  const intValue = digitsValue(int);
  if (intValue > U64_MAX) return { value: 0n, error: L.S_OVERFLOW, length: int.length };
  const kept = frac.slice(0, decimals).padEnd(decimals, "0");
  const value = intValue * 10n ** BigInt(decimals) + BigInt(kept === "" ? "0" : kept);
  let error = 0;
  if (value > U64_MAX) error = L.S_OVERFLOW;
  else if (dot !== undefined && frac === "") error = L.S_BAD_FIELD;
  return { value, error, length: m[0].length };
}

/** A u64 as the record reader gives it: a number when exact, else a BigInt. */
export const u64 = (v: bigint): U64 => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** The outcome of one file: status bits OR-ed, and the offset of the first failure reported. */
export class Outcome {
  status = 0;
  failAt: number | null = null;

  fail(at: number, bits: number): void {
    if (this.failAt === null) this.failAt = at;
    this.status |= bits;
  }

  result(): ParseOutcome {
    return { status: this.status, failAt: this.failAt };
  }
}

// Specs of the bounded cursor every parser shares (assembly/scan.ts): line and token bounds
// that never read at or past their end, exact key matching, digit-only numbers with overflow
// reported rather than wrapped, fixed-point decimals, and the errno-style parse outcome.

import {
  beginParse, digitFields, fail, fieldsEnd, findColon, keyEq, lastColon, lineEnd, numEnd, numError, parseFailAt, parseStatus, readFixed,
  readU64, skipSpace, tokenEnd, tokenU64, trimEnd,
} from "../../assembly/scan";
import { NO_FAIL, S_BAD_FIELD, S_OVERFLOW } from "../../assembly/status";

/** The bytes of the last string passed to at(), kept referenced. */
let buf = new ArrayBuffer(0);

/** Address of the UTF-8 bytes of s. */
function at(s: string): usize {
  buf = String.UTF8.encode(s);
  return changetype<usize>(buf);
}

/** Offset of address q from the start of the last string. */
function off(q: usize): u32 {
  return <u32>(q - changetype<usize>(buf));
}

describe("lineEnd", () => {
  it("finds the first newline wherever it is in a 16-byte vector, or returns the end", () => {
    const positions: i32[] = [0, 5, 14, 15, 16, 17, 31, 32, 39];
    for (let i = 0; i < positions.length; i++) {
      const n = positions[i];
      const p = at("x".repeat(n) + "\n" + "y".repeat(39 - n) + "\n");
      expect(off(lineEnd(p, p + 41))).toBe(<u32>n);
    }
    const p = at("x".repeat(40));
    expect(off(lineEnd(p, p + 40))).toBe(40);
  });

  it("starts anywhere, not only at a vector boundary", () => {
    const p = at("\nabcdefghijklmnopqrstuvwxyz\n");
    expect(off(lineEnd(p + 1, p + 28))).toBe(27);
    expect(off(lineEnd(p + 3, p + 28))).toBe(27);
  });

  it("never looks at or past the end it is given", () => {
    // a newline right at the end, in the vector path and in the byte path
    let p = at("x".repeat(20) + "\n");
    expect(off(lineEnd(p, p + 20))).toBe(20);
    p = at("abc\n");
    expect(off(lineEnd(p, p + 3))).toBe(3);
    expect(off(lineEnd(p, p))).toBe(0);
  });
});

describe("white space, tokens, colons and keys", () => {
  it("skips space, tab, CR, VT and FF, but neither newline nor NUL", () => {
    let p = at(" \t\r\x0b\x0cX");
    expect(off(skipSpace(p, p + 6))).toBe(5);
    p = at(" \nX");
    expect(off(skipSpace(p, p + 3))).toBe(1);
    p = at(" \0X");
    expect(off(skipSpace(p, p + 3))).toBe(1);
    p = at("   ");
    expect(off(skipSpace(p, p + 2))).toBe(2);
  });

  it("ends a token at white space or at the end, never at a NUL", () => {
    let p = at("abc def");
    expect(off(tokenEnd(p, p + 7))).toBe(3);
    p = at("ab\0c d");
    expect(off(tokenEnd(p, p + 6))).toBe(4);
    p = at("abc\r\n");
    expect(off(tokenEnd(p, p + 5))).toBe(3);
    p = at("abcdef");
    expect(off(tokenEnd(p, p + 4))).toBe(4);
  });

  it("trims trailing white space, CR included, down to the start at most", () => {
    let p = at("ab \t\r");
    expect(off(trimEnd(p, p + 5))).toBe(2);
    p = at("   ");
    expect(off(trimEnd(p, p + 3))).toBe(0);
  });

  it("finds the first colon, or the end", () => {
    let p = at("key: v: w");
    expect(off(findColon(p, p + 9))).toBe(3);
    p = at("no colon");
    expect(off(findColon(p, p + 8))).toBe(8);
    p = at("ab:");
    expect(off(findColon(p, p + 2))).toBe(2);
  });

  it("matches a key only when every byte and the length are equal", () => {
    const p = at("MemTotalX");
    expect(keyEq(p, 8, "MemTotal")).toBe(true);
    expect(keyEq(p, 9, "MemTotal")).toBe(false);
    expect(keyEq(p, 7, "MemTotal")).toBe(false);
    expect(keyEq(p, 8, "memTotal")).toBe(false);
    expect(keyEq(p, 8, "MemTotaL")).toBe(false);
    const q = at("Mem\0otal");
    expect(keyEq(q, 8, "MemTotal")).toBe(false);
  });
});

describe("readU64 and tokenU64", () => {
  it("reads 2^64-1 exactly", () => {
    const p = at("18446744073709551615");
    expect(readU64(p, p + 20)).toBe(u64.MAX_VALUE);
    expect(numError).toBe(0);
    expect(off(numEnd)).toBe(20);
  });

  it("reports 2^64 and longer numbers as OVERFLOW, consuming their digits", () => {
    const bad: string[] = [
      "18446744073709551616", "18446744073709551620", "184467440737095516150", "99999999999999999999",
      "100000000000000000000",
    ];
    for (let i = 0; i < bad.length; i++) {
      const p = at(bad[i] + " ");
      readU64(p, p + bad[i].length + 1);
      expect(numError).toBe(S_OVERFLOW, bad[i]);
      expect(off(numEnd)).toBe(<u32>bad[i].length, bad[i]);
    }
  });

  it("reads leading zeros, and 0", () => {
    let p = at("007");
    expect(readU64(p, p + 3)).toBe(7);
    expect(numError).toBe(0);
    p = at("0");
    expect(readU64(p, p + 1)).toBe(0);
    expect(numError).toBe(0);
  });

  it("stops at the first non-digit, and reports no digits as BAD_FIELD", () => {
    let p = at("12ab");
    expect(readU64(p, p + 4)).toBe(12);
    expect(numError).toBe(0);
    expect(off(numEnd)).toBe(2);
    p = at("-1");
    readU64(p, p + 2);
    expect(numError).toBe(S_BAD_FIELD);
    expect(off(numEnd)).toBe(0);
    p = at("");
    readU64(p, p);
    expect(numError).toBe(S_BAD_FIELD);
  });

  it("reads no digit at or past its end", () => {
    const p = at("12345");
    expect(readU64(p, p + 3)).toBe(123);
    expect(off(numEnd)).toBe(3);
  });

  it("rejects a token with anything but digits as BAD_FIELD", () => {
    const bad: string[] = ["12ab", "1\x002", "1.5", "+1", "-1", "0x10", ""];
    for (let i = 0; i < bad.length; i++) {
      const p = at(bad[i]);
      tokenU64(p, p + bad[i].length);
      expect(numError).toBe(S_BAD_FIELD, bad[i]);
    }
  });

  it("reads a whole-digit token, and reports an overflowing one as OVERFLOW", () => {
    let p = at("4242");
    expect(tokenU64(p, p + 4)).toBe(4242);
    expect(numError).toBe(0);
    p = at("18446744073709551616");
    tokenU64(p, p + 20);
    expect(numError).toBe(S_OVERFLOW);
  });

  it("reports an overflowing token with trailing garbage as BAD_FIELD", () => {
    const p = at("99999999999999999999x");
    tokenU64(p, p + 21);
    expect(numError).toBe(S_BAD_FIELD);
  });
});

describe("lastColon", () => {
  it("finds the last colon in the vector path and in the byte path, or returns the start - 1", () => {
    let p = at("ibr10:30:" + " ".repeat(40) + "1 2");
    expect(off(lastColon(p, p + 52))).toBe(8);
    p = at("a:b:c");
    expect(off(lastColon(p, p + 5))).toBe(3);
    expect(lastColon(p, p + 1)).toBe(p - 1);
    p = at("x".repeat(40));
    expect(lastColon(p, p + 40)).toBe(p - 1);
  });

  it("never looks at or past the end it is given", () => {
    const p = at("abc:" + "x".repeat(30) + ":");
    expect(off(lastColon(p, p + 34))).toBe(3);
  });
});

/** The fields digitFields() stored at OUT. */
const OUT: usize = heap.alloc(8 * 16);
function field(i: u32): u64 {
  return load<u64>(OUT + (<usize>i << 3));
}

describe("digitFields (the vector path of counter lines)", () => {
  beforeEach(() => {
    memory.fill(OUT, 0xee, 8 * 16);
  });

  it("reads space-separated fields, leading zeros and padding included", () => {
    const p = at("  1 22   333 007 0");
    expect(digitFields(p, p + 18, p + 18, OUT, 16)).toBe(5);
    expect(field(0)).toBe(1);
    expect(field(1)).toBe(22);
    expect(field(2)).toBe(333);
    expect(field(3)).toBe(7);
    expect(field(4)).toBe(0);
    expect(field(5)).toBe(0xeeeeeeeeeeeeeeee); // nothing stored past the fields
    const q = at("   ");
    expect(digitFields(q, q + 3, q + 3, OUT, 16)).toBe(0);
  });

  it("reads a field cut by the 64-byte window, one ending at its edge, and one running to the end", () => {
    // "12345" at bytes 62-66 (cut by the window's edge), then "6"
    let p = at(" ".repeat(62) + "12345 6");
    expect(digitFields(p, p + 69, p + 69, OUT, 16)).toBe(2);
    expect(field(0)).toBe(12345);
    expect(field(1)).toBe(6);
    // a field ending at byte 63, the window's last, then a space and "9" in the next window
    p = at(" ".repeat(59) + "12345 9");
    expect(digitFields(p, p + 66, p + 66, OUT, 16)).toBe(2);
    expect(field(0)).toBe(12345);
    expect(field(1)).toBe(9);
    // a field ending exactly at the window's end, which is the line's end
    p = at(" ".repeat(59) + "12345");
    expect(digitFields(p, p + 64, p + 64, OUT, 16)).toBe(1);
    expect(field(0)).toBe(12345);
    // 16 fields over three windows, as a net/dev line has them
    p = at(" 1664039048 1566805    0    0    0     0          0         0 1664039048 1566805    0    0    0     0       0          0");
    expect(digitFields(p, p + 120, p + 120, OUT, 16)).toBe(16);
    expect(field(0)).toBe(1664039048);
    expect(field(1)).toBe(1566805);
    expect(field(8)).toBe(1664039048);
    expect(field(9)).toBe(1566805);
    expect(field(15)).toBe(0);
  });

  it("reads up to 19 digits, and leaves 20 or more (which may overflow) to the caller", () => {
    let p = at("1 9999999999999999999 123456789 12345678");
    expect(digitFields(p, p + 40, p + 40, OUT, 16)).toBe(4);
    expect(field(1)).toBe(9999999999999999999);
    expect(field(2)).toBe(123456789);
    expect(field(3)).toBe(12345678);
    p = at("1 18446744073709551615 2");
    expect(digitFields(p, p + 24, p + 24, OUT, 16)).toBe(-1);
    p = at("1 2 18446744073709551615");
    expect(digitFields(p, p + 24, p + 24, OUT, 16)).toBe(-1);
  });

  it("leaves a line with anything but digits and spaces to the caller", () => {
    const bad: string[] = ["1 -2 3", "1 2x 3", "1\t2", "1 2.5", "1 2\r", "1 \x00 2", "1 2 3" + " ".repeat(70) + "x"];
    for (let i = 0; i < bad.length; i++) {
      const p = at(bad[i]);
      expect(digitFields(p, p + bad[i].length, p + bad[i].length, OUT, 16)).toBe(-1, bad[i]);
    }
  });

  it("stores at most max fields, checking the rest", () => {
    let p = at("1 2 3 4 5");
    expect(digitFields(p, p + 9, p + 9, OUT, 3)).toBe(3);
    expect(field(2)).toBe(3);
    expect(field(3)).toBe(0xeeeeeeeeeeeeeeee);
    p = at("1 2 3 4 x");
    expect(digitFields(p, p + 9, p + 9, OUT, 3)).toBe(-1);
  });

  it("stops at the first newline, and says where (fieldsEnd)", () => {
    // given the input's end, it finds the line's end in the same pass: within the first
    // window, at a window's edge (a run cut there ends at it), and after several windows
    let p = at("1 22 333\n4 5\n");
    expect(digitFields(p, p + 13, p + 13, OUT, 16)).toBe(3);
    expect(field(2)).toBe(333);
    expect(fieldsEnd - p).toBe(8);
    p = at(" ".repeat(58) + "123456\n7 8\n");
    expect(digitFields(p, p + 69, p + 69, OUT, 16)).toBe(1);
    expect(field(0)).toBe(123456);
    expect(fieldsEnd - p).toBe(64);
    p = at(" ".repeat(60) + "1234" + " ".repeat(70) + "5\n6\n");
    expect(digitFields(p, p + 139, p + 139, OUT, 16)).toBe(2);
    expect(field(1)).toBe(5);
    expect(fieldsEnd - p).toBe(135);
    // a line that starts with its newline has no fields; one without ends at the end given
    p = at("\n1 2\n");
    expect(digitFields(p, p + 5, p + 5, OUT, 16)).toBe(0);
    expect(fieldsEnd).toBe(p);
    p = at("1 2");
    expect(digitFields(p, p + 3, p + 3, OUT, 16)).toBe(2);
    expect(fieldsEnd - p).toBe(3);
    // what follows the newline is never judged: a line before a bad one is plain
    p = at("1 2\nx y\n");
    expect(digitFields(p, p + 8, p + 8, OUT, 16)).toBe(2);
  });

  it("reads nothing at or past its limit, and nothing of the line past its end", () => {
    // the line ends before "99"; the limit (the section's end) is 3 bytes further
    let p = at("11 22 33\n99");
    expect(digitFields(p, p + 8, p + 11, OUT, 16)).toBe(3);
    expect(field(2)).toBe(33);
    // an 8-digit field 2 bytes before the limit, and a line whose last vector crosses it
    p = at("12345678 87654321");
    expect(digitFields(p, p + 17, p + 17, OUT, 16)).toBe(2);
    expect(field(0)).toBe(12345678);
    expect(field(1)).toBe(87654321);
  });
});

describe("readFixed", () => {
  it("scales by 10^decimals and truncates extra fraction digits", () => {
    let p = at("2400.000");
    expect(readFixed(p, p + 8, 3)).toBe(2400000);
    p = at("1200.1239");
    expect(readFixed(p, p + 9, 3)).toBe(1200123);
    p = at("5000");
    expect(readFixed(p, p + 4, 3)).toBe(5000000);
    p = at("0.5");
    expect(readFixed(p, p + 3, 2)).toBe(50);
    expect(numError).toBe(0);
  });

  it("stops after the number, before a unit", () => {
    const p = at("3000.000000MHz");
    expect(readFixed(p, p + 14, 3)).toBe(3000000);
    expect(numError).toBe(0);
    expect(off(numEnd)).toBe(11);
  });

  it("rejects a dot without fraction digits, and a number without integer digits", () => {
    const bad: string[] = ["12.", "12.x", ".5", "x"];
    for (let i = 0; i < bad.length; i++) {
      const p = at(bad[i]);
      readFixed(p, p + bad[i].length, 2);
      expect(numError).toBe(S_BAD_FIELD, bad[i]);
    }
  });

  it("keeps 2^64-1 after scaling and reports one more as OVERFLOW", () => {
    let p = at("18446744073709551.615");
    expect(readFixed(p, p + 21, 3)).toBe(u64.MAX_VALUE);
    expect(numError).toBe(0);
    p = at("18446744073709551.616");
    readFixed(p, p + 21, 3);
    expect(numError).toBe(S_OVERFLOW);
  });

  it("reports OVERFLOW when the padding zeros pass 2^64-1", () => {
    let p = at("18446744073709552");
    readFixed(p, p + 17, 3);
    expect(numError).toBe(S_OVERFLOW);
    p = at("18446744073709551615");
    expect(readFixed(p, p + 20, 0)).toBe(u64.MAX_VALUE);
    expect(numError).toBe(0);
  });

  it("reports OVERFLOW for an integer part above 2^64-1", () => {
    const p = at("18446744073709551616.0");
    readFixed(p, p + 22, 1);
    expect(numError).toBe(S_OVERFLOW);
  });
});

describe("the parse outcome", () => {
  it("ORs the status bits and keeps the offset of the first failure", () => {
    const p = at("0123456789");
    beginParse(p);
    expect(parseStatus).toBe(0);
    expect(parseFailAt).toBe(NO_FAIL);
    fail(p + 7, S_BAD_FIELD);
    fail(p + 3, S_OVERFLOW);
    expect(parseStatus).toBe(S_BAD_FIELD | S_OVERFLOW);
    expect(parseFailAt).toBe(7);
  });

  it("starts each parse clean", () => {
    const p = at("0123456789");
    beginParse(p);
    fail(p + 2, S_BAD_FIELD);
    beginParse(p + 4);
    expect(parseStatus).toBe(0);
    expect(parseFailAt).toBe(NO_FAIL);
    fail(p + 5, S_OVERFLOW);
    expect(parseFailAt).toBe(1);
  });
});

// fast-check generators of /proc-like input for the differential and allocation tests:
// random bytes over an alphabet that matters to the parsers, structured lines built from
// each file's real keys with numbers at the u32/2^53/u64 edges, signs, dots, tabs, CR and
// NUL bytes, and mutations of the real fixture files. Text is built as latin1 strings
// (one char per byte) and handed over as bytes.

import fc from "fast-check";
import type { SectionName } from "../../src/wasm";
import { fixtureFiles } from "./fixtures";

const bytesOf = (latin1: string): Uint8Array => new Uint8Array(Buffer.from(latin1, "latin1"));
const latin1Of = (utf8: string): string => Buffer.from(utf8, "utf8").toString("latin1");

/** Numbers at the edges the parsers check: u32, MAX_CPUS, 2^53, meminfo's 2^54 kB, u64. */
const EDGE_NUMBERS = [
  "0", "1", "7", "00", "0000000000000000000000042", "255", "8191", "8192", "8193", "4294967294", "4294967295",
  "4294967296", "9007199254740991", "9007199254740992", "9007199254740993", "18014398509481983", "18014398509481984",
  "1844674407370955161", "18446744073709551609", "18446744073709551615", "18446744073709551616", "18446744073709551620",
  "99999999999999999999", "184467440737095516150",
];
const fraction = fc.oneof(fc.constant(""), fc.stringMatching(/^[0-9]{1,8}$/), fc.constant("000000000000000000000009"));

/** How the values of a generated file look: most files mix in garbage; some are clean, so that a failure can come late. */
interface Values {
  number: fc.Arbitrary<string>;
  /** "12.5", "3000.000000", "12." */
  decimal: fc.Arbitrary<string>;
  /** a value of a "key: value" line */
  value: fc.Arbitrary<string>;
  /** one column of a line of numbers */
  column: fc.Arbitrary<string>;
}

function values(clean: boolean): Values {
  const number = clean
    ? fc.oneof(fc.nat({ max: 100000 }).map(String), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String))
    : fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
        { weight: 2, arbitrary: fc.nat({ max: 100000 }).map(String) },
        { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(String) },
      );
  const decimal = clean
    ? fc.oneof(number, fc.tuple(fc.nat({ max: 99999 }), fc.stringMatching(/^[0-9]{1,8}$/)).map(([i, f]) => `${i}.${f}`))
    : fc.oneof(number, fc.tuple(number, fraction).map(([i, f]) => `${i}.${f}`));
  /** signs, dots, units, NUL, a letter glued on */
  const garbled = fc
    .tuple(fc.constantFrom("", "", "", "-", "+", ".", "\0", " "), decimal, fc.constantFrom("", "", "", "x", ".", "\0", "MHz", "kB", "KB", " KB", "/", "-1", "e3"))
    .map(([a, b, c]) => a + b + c);
  return {
    number,
    decimal,
    value: clean ? decimal : fc.oneof({ weight: 6, arbitrary: decimal }, { weight: 1, arbitrary: garbled }),
    column: clean ? number : fc.oneof({ weight: 30, arbitrary: number }, { weight: 1, arbitrary: garbled }),
  };
}

const SPACES = [" ", " ", " ", "  ", "\t", "\t\t", " \t", "\r", "\v", "\f"];
const space = fc.constantFrom(...SPACES);
const maybeSpace = fc.oneof(fc.constant(""), space);

/** Lines joined by '\n' (sometimes CRLF), with or without a final newline. */
function file(line: fc.Arbitrary<string>, maxLines = 24): fc.Arbitrary<string> {
  const lineEnd = fc.constantFrom("\n", "\n", "\n", "\n", "\n", "\r\n");
  return fc
    .tuple(fc.array(fc.tuple(line, lineEnd), { maxLength: maxLines }), fc.constantFrom("", "", "", "", "\n", "partial", "cpu 1 2", "\0"))
    .map(([lines, tail]) => lines.map(([l, e]) => l + e).join("") + tail);
}
const blankLine = fc.constantFrom("", "", " ", "\t", "\r", " \t ");
/** A line of hundreds of kilobytes at most: the parsers skip such lines a vector at a time. */
const longLine = fc.tuple(fc.constantFrom("intr", "flags\t\t:", "x", "cpu0", "model name\t:", "eth0:"), fc.integer({ min: 100, max: 20000 })).map(
  ([key, n]) => `${key} ${"0 1 ".repeat(n)}`,
);

// ---- cpuinfo ----------------------------------------------------------------------------
const CPUINFO_KEYS = [
  "processor", "processor", "processor", "cpu number", "# processors", "cpus detected", "cpu MHz", "cpu MHz", "CPU MHz",
  "cpu MHz dynamic", "clock", "cache size", "model name", "model name", "Model Name", "cpu model", "Processor", "cpu",
  "family", "isa", "vendor_id", "CPU part",
  // near misses: not keys
  " processor", "Processor ", "model", "cpu MHz static", "bogomips", "BogoMIPS", "flags", "processor 0", "cpu\0", "",
];
const MODELS = [
  "Intel(R) Xeon(R) CPU E7-2890 v2 @ 2.80GHz", "AMD EPYC", "POWER7 (architected), altivec supported", "IBM/S390",
  "rv64imafdcsu", "0xd08", "604", latin1Of("Ünïcødé ✓ CPU"), latin1Of("😀 emoji model"), "a\0b", "\0", "x".repeat(63),
  "y".repeat(64), "z".repeat(90), latin1Of("é".repeat(40)), "\x80\xff\xfe", "A" + "\x80".repeat(70), "m1", "m2", "m3", "m4", "m5",
];
const cpuinfoLine = ({ value, decimal }: Values): fc.Arbitrary<string> => {
  const cpuinfoValue = fc.oneof(
    { weight: 3, arbitrary: value },
    { weight: 2, arbitrary: fc.constantFrom(...MODELS) },
    { weight: 1, arbitrary: fc.tuple(decimal, fc.constantFrom(" KB", "KB", " kB", "  KB ", "")).map(([n, u]) => n + u) },
    { weight: 1, arbitrary: fc.tuple(decimal, fc.constantFrom("MHz", " MHz", "MHzMHz")).map(([n, u]) => n + u) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...CPUINFO_KEYS), maybeSpace, fc.constantFrom(":", ":", "::"), maybeSpace, cpuinfoValue, maybeSpace).map((p) => p.join("")) },
    { weight: 2, arbitrary: blankLine },
    { weight: 1, arbitrary: fc.constantFrom("power management:", "no colon here", "processor\t: 0\0") },
  );
};

// ---- meminfo ----------------------------------------------------------------------------
const MEMINFO_KEYS = [
  "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "SwapTotal", "SwapFree", "Shmem", "MemShared",
  "ShmemHugePages", "Active(anon)", "memtotal", " MemTotal", "MemTotal\0", "",
];
const meminfoLine = ({ value }: Values): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.constantFrom(...MEMINFO_KEYS), maybeSpace, fc.constantFrom(":", ":", "::"), fc.constantFrom("", " ", "       ", "\t"), value, fc.constantFrom(" kB", " kB", " kB", "kB", " KB", "", " kB x", " kB\r", " kB ", " k B"))
        .map((p) => p.join("")),
    },
    { weight: 1, arbitrary: blankLine },
    { weight: 1, arbitrary: fc.constantFrom("HugePages_Total:       0", "no colon") },
  );

// ---- loadavg ----------------------------------------------------------------------------
const loadavgLine = ({ number, decimal, value }: Values): fc.Arbitrary<string> => {
  const loadavgToken = fc.oneof(
    { weight: 3, arbitrary: decimal },
    { weight: 2, arbitrary: fc.tuple(fc.oneof(number, fc.constant("")), fc.constantFrom("/", "/", "/", "//", ""), fc.oneof(number, number, fc.constant(""))).map((p) => p.join("")) },
    { weight: 2, arbitrary: value },
  );
  return fc.tuple(maybeSpace, fc.array(fc.tuple(loadavgToken, space), { maxLength: 7 })).map(([lead, ts]) => lead + ts.map(([t, s]) => t + s).join(""));
};

// ---- net/dev ----------------------------------------------------------------------------
const NET_HEADERS = [
  "Inter-|   Receive                                                |  Transmit",
  " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
];
const IF_NAMES = [
  "eth0", "lo", "ibr10:30", "flannel.1", latin1Of("💩0"), "veth4B09XN", "a".repeat(31), "b".repeat(32), "", " ", "x:y:z",
  "a\0b", "\0", latin1Of("é".repeat(16)), latin1Of("é".repeat(15)) + "\xc3", "eth0 ", "\x80",
];
const netDevLine = ({ column }: Values): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.constantFrom("", "  ", "    ", "\t"), fc.constantFrom(...IF_NAMES), fc.constantFrom(":", ":", ": ", ":  "), fc.array(fc.tuple(column, space), { maxLength: 18 }))
        .map(([lead, name, colon, cs]) => lead + name + colon + cs.map(([c, s]) => c + s).join("")),
    },
    { weight: 1, arbitrary: fc.constantFrom(...NET_HEADERS) },
    { weight: 1, arbitrary: blankLine },
  );

// ---- stat -------------------------------------------------------------------------------
const STAT_KEYS = [
  "cpu", "cpu", "cpu0", "cpu1", "cpu7", "cpu00", "cpu4294967294", "cpu4294967295", "cpu18446744073709551616", "cpu-1",
  "cpu1x", "cpux", "cpu\0", " cpu", "cpufreq", "ctxt", "btime", "processes", "procs_running", "procs_blocked", "intr",
  "softirq", "page", "ctxt:", "",
];
const statLine = ({ column }: Values): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.constantFrom(...STAT_KEYS), fc.array(fc.tuple(space, column), { maxLength: 12 }), maybeSpace)
        .map(([key, cs, tail]) => key + cs.map(([s, c]) => s + c).join("") + tail),
    },
    { weight: 1, arbitrary: blankLine },
  );

const LINES: Record<Exclude<SectionName, "statfs">, (v: Values) => fc.Arbitrary<string>> = {
  cpuinfo: cpuinfoLine,
  meminfo: meminfoLine,
  loadavg: loadavgLine,
  "net/dev": netDevLine,
  stat: statLine,
};
export type ProcSection = keyof typeof LINES;
export const PROC_SECTIONS = Object.keys(LINES) as ProcSection[];

/** Structured text of a section: its real keys and shapes, numbers at the edges, garbled values, odd white space. */
export function structuredInput(section: ProcSection): fc.Arbitrary<Uint8Array> {
  const text = (v: Values): fc.Arbitrary<string> =>
    file(fc.oneof({ weight: 30, arbitrary: LINES[section](v) }, { weight: 1, arbitrary: longLine }), section === "loadavg" ? 3 : 24);
  return fc.oneof({ weight: 3, arbitrary: text(values(false)) }, { weight: 1, arbitrary: text(values(true)) }).map(bytesOf);
}

/** Bytes the parsers care about (digits, white space, separators, NUL, UTF-8 lead and continuation bytes) and a few letters. */
const ALPHABET = bytesOf("0123456789 \t\r\n\n\n::./-\0\x80\xc3\xffcpuKBkMHz");
/** Random bytes: fully random, or drawn from the alphabet above. */
export const randomInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: 400 }).map((b) => new Uint8Array(b)),
);

type Mutation =
  | { kind: "set"; at: number; byte: number }
  | { kind: "truncate"; at: number }
  | { kind: "duplicate line"; line: number }
  | { kind: "delete line"; line: number }
  | { kind: "insert"; at: number; text: string };

const INTERESTING_BYTES = bytesOf("\n\n :\t\r\0.-/09\x80\xff");
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate line" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("delete line" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.constantFrom("\n", "\n\n", ":", " 1", "processor : 9\n", "cpu9 1 2 3 4\n", "x: 1\n")) }),
);

function mutate(text: string, m: Mutation): string {
  const lines = text.split(/(?<=\n)/);
  switch (m.kind) {
    case "set": {
      if (text.length === 0) return text;
      const at = m.at % text.length;
      return text.slice(0, at) + String.fromCharCode(m.byte) + text.slice(at + 1);
    }
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "duplicate line":
      if (lines.length === 0) return text;
      lines.splice(m.line % lines.length, 0, lines[m.line % lines.length]);
      return lines.join("");
    case "delete line":
      if (lines.length === 0) return text;
      lines.splice(m.line % lines.length, 1);
      return lines.join("");
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
  }
}

/** A real fixture file of the section with one to six mutations: byte flips, truncations, lines duplicated, deleted or inserted. */
export function mutatedFixture(section: ProcSection): fc.Arbitrary<Uint8Array> {
  const originals = fixtureFiles(section).map(([, bytes]) => Buffer.from(bytes).toString("latin1"));
  if (originals.length === 0) throw new Error(`no fixture file for ${section}`);
  return fc
    .tuple(fc.constantFrom(...originals), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([text, ms]) => bytesOf(ms.reduce(mutate, text)));
}

/** Any of the three kinds of input, for tests that only need many varied inputs. */
export function anyInput(section: ProcSection): fc.Arbitrary<Uint8Array> {
  return fc.oneof(randomInput, structuredInput(section), mutatedFixture(section));
}

// Datagrams for fuzzing the decoder and the host path: a corpus of real ones (every fixture
// machine encoded by sendstats' Encoder at several MTUs, requests, and signed copies of all
// under two test keys), and fast-check mutations of them that a hostile or broken sender
// could send: byte flips, truncations, extensions, splices, header and section fields set to
// their extremes, sections duplicated or dropped, and hostile /proc lines inserted.

import { createHmac } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Authenticator, KeyRing } from "../../src/auth";
import type { ProcFiles } from "../../src/proc";
import { Core, Layout } from "../../src/wasm";
import { Encoder, Update, encodeRequest } from "../../src/wire";
import { fixtureCases } from "./fixtures";

/** Node numbers -1 .. FUZZ_MAX_NODES-1 have a slot in the fuzzed tables. */
export const FUZZ_MAX_NODES = 16;
/** --max-cpus and --max-ifaces of the fuzzed cores: above every fixture machine (480 CPUs, 49 interfaces). */
export const FUZZ_LIMITS = { cpus: 512, ifaces: 64 };
/** The MTUs the corpus is encoded at: the smallest sendstats takes, Ethernet, jumbo frames, the largest UDP payload. */
export const MTUS = [512, 1472, 9000, 65507];

/** The test keys: id 1 speaks for any node, id 2 (newer, so preferred) only for nodes 0-3. */
export const TEST_KEYS = [
  { id: 1, secret: Buffer.alloc(32, 0x11), nodes: null as null | { first: number; last: number } },
  { id: 2, secret: Buffer.alloc(32, 0x22), nodes: { first: 0, last: 3 } },
];

/** Which machine each node of the starting table reports (node 1 grows from 2 to 8 CPUs, so extents are freed). */
const BASE_NODES: Array<[number, string]> = [
  [-1, "procfs-x86_64-8cpu"],
  [0, "hp-bl920gen8-x86_64-480cpu"],
  [1, "kvm-x86_64-2cpu-linux6.18"],
  [1, "procfs-x86_64-8cpu"],
  [2, "sysstat-x86_64-t1-cpu6-offline"],
  [3, "net-dev-edge"],
  [5, "edge-u64-counters"],
];
const CORPUS_NODES = [-1, 0, 1, 2, 3, 5];
/** The instance id of a node's sendstats in the corpus (microseconds since the epoch, as newInstanceId makes them). */
export const instanceOf = (node: number): bigint => 1_700_000_000_000_000n + BigInt(node + 1);

export interface Corpus {
  L: Layout;
  /** datagrams that build the starting table: every base node's first update, in order */
  base: Buffer[];
  /** the same, signed */
  baseSigned: Buffer[];
  /** every datagram mutations start from: status and requests, plain and signed */
  seeds: Buffer[];
  /** the indices of the requests among the seeds */
  requests: number[];
  /** a key file holding TEST_KEYS (mode 600), for a collector with --key-file */
  keyFile: string;
  /** the time the corpus was encoded (send times are about this) */
  madeMs: number;
}

let made: Corpus | null = null;

/** The corpus, built once per process. */
export function corpus(): Corpus {
  return (made ??= buildCorpus());
}

function keyFileOf(dir: string): string {
  const file = join(dir, "keys");
  const lines = TEST_KEYS.map((k) => `${k.id} ${k.secret.toString("hex")}${k.nodes ? ` ${k.nodes.first}-${k.nodes.last}` : ""}`);
  writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
  chmodSync(file, 0o600); // the umask may have cut more, never less; KeyRing refuses group/other bits
  return file;
}

function updateOf(files: ProcFiles, node: number, updateId: number, instance: bigint, sampleMs: number): Update {
  const f: Update["files"] = {};
  for (const [k, v] of Object.entries(files)) if (k !== "statfs") f[k as keyof Update["files"]] = { text: v!, sampleMs };
  return {
    node,
    hostname: `fuzz${node}`,
    instance,
    updateId,
    intervalMs: 5000,
    userHz: 100,
    arch: 1,
    files: f,
    statfs: { total: 500n << 30n, free: 123n << 30n, sampleMs },
  };
}

function buildCorpus(): Corpus {
  const encoderCore = new Core(1);
  const L = encoderCore.layout;
  for (const [name] of [...HEADER_FIELDS, ...SECTION_FIELDS]) if (L[name] === undefined) throw new Error(`the core exports no ${name}`);
  const dir = mkdtempSync(join(tmpdir(), "recvstats-fuzz-"));
  const keyFile = keyFileOf(dir);
  const ring = KeyRing.load(keyFile);
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const auth = new Authenticator(L, ring, "required");
  const cases = new Map(fixtureCases().map((c) => [c.name, c.files]));
  const madeMs = Date.now();
  const seqs = new Map<number, bigint>();
  const nextSeq = (node: number) => () => {
    const s = (seqs.get(node) ?? 0n) + 1n;
    seqs.set(node, s);
    return s;
  };

  const base: Buffer[] = [];
  const baseSigned: Buffer[] = [];
  BASE_NODES.forEach(([node, machine], i) => {
    const files = cases.get(machine);
    if (!files) throw new Error(`no fixture ${machine}`);
    const enc = new Encoder(encoderCore, 1472);
    for (const d of enc.encode(updateOf(files, node, i + 1, instanceOf(node), madeMs - 10_000), nextSeq(node)).datagrams) {
      base.push(d);
      baseSigned.push(auth.sign(d, node));
    }
  });

  // later updates of the same senders (most apply), a restarted one, a new node, and nodes without a number
  const seeds: Buffer[] = [];
  let updateId = 100;
  [...cases.entries()].forEach(([, files], i) => {
    for (const mtu of MTUS) {
      const enc = new Encoder(encoderCore, mtu);
      const node = CORPUS_NODES[i % CORPUS_NODES.length];
      const senders: Array<[number, bigint]> = [[node, instanceOf(node)]];
      if (mtu === 1472) senders.push([node, instanceOf(node) + 1000n], [7, instanceOf(7)], [L.NODE_UNSET, instanceOf(-2)]);
      for (const [n, instance] of senders) {
        for (const d of enc.encode(updateOf(files, n, ++updateId, instance, madeMs), nextSeq(n)).datagrams) {
          seeds.push(d, auth.sign(d, n));
        }
      }
    }
  });
  const requests: number[] = [];
  let reqSeq = 0n;
  for (const r of [
    { target: "all" as const, full: true, count: 20000 },
    { target: "one" as const, first: 3, full: false, intervalMs: 2000 },
    { target: "range" as const, first: -1, last: 15, full: true },
  ]) {
    const d = encodeRequest(L, { instance: instanceOf(-1), seq: ++reqSeq, ...r });
    requests.push(seeds.length, seeds.length + 1);
    seeds.push(d, auth.sign(d, -1));
  }
  return { L, base, baseSigned, seeds, requests, keyFile, madeMs };
}

// ---- mutations --------------------------------------------------------------------------

type Width = "u8" | "u16" | "u32" | "i32" | "u64" | "f64";

/** Every header field of both datagram types, by the name of its offset in the layout. */
const HEADER_FIELDS: Array<[string, Width]> = [
  ["W_MAGIC", "u32"], ["W_VERSION", "u8"], ["W_TYPE", "u8"], ["W_FLAGS", "u16"], ["W_KEY_ID", "u16"], ["W_HEADER_LEN", "u16"],
  ["W_INSTANCE", "u64"], ["W_SEQ", "u64"], ["W_NODE", "i32"], ["W_UPDATE", "u32"], ["W_PART", "u16"], ["W_PARTS", "u16"],
  ["W_UPDATE_SECTIONS", "u16"], ["W_USER_HZ", "u16"], ["W_INTERVAL", "u32"], ["W_CPUS", "u32"], ["W_CIS", "u32"],
  ["W_IFACES", "u32"], ["W_SEND_TIME", "f64"], ["W_ARCH", "u8"], ["W_NSECTIONS", "u8"], ["W_TARGET", "u8"],
  ["W_REQ_FLAGS", "u8"], ["W_FIRST", "i32"], ["W_LAST", "i32"], ["W_NEW_INTERVAL", "u32"], ["W_REQ_TIME", "f64"],
];
/** The fields of a section header, by the name of their offset. */
const SECTION_FIELDS: Array<[string, Width]> = [["WS_SECTION", "u8"], ["WS_FLAGS", "u8"], ["WS_LENGTH", "u16"], ["WS_TIME", "f64"]];

const B = (n: number | bigint): bigint => BigInt(n);
/** Values at the edges each width's checks care about (counts of 2^31, node numbers ±2^31, parts around MAX_PARTS). */
const EDGES: Record<Width, fc.Arbitrary<number | bigint>> = {
  u8: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x7f, 0x80, 0xfe, 0xff), fc.integer({ min: 0, max: 0xff })),
  u16: fc.oneof(
    fc.constantFrom(0, 1, 2, 3, 4, 7, 16, 56, 143, 144, 145, 1023, 1024, 1025, 0x7fff, 0x8000, 0xfffe, 0xffff),
    fc.integer({ min: 0, max: 0xffff }),
  ),
  u32: fc.oneof(
    fc.constantFrom(0, 1, 999, 1000, 4096, 8192, 8193, 0x55555556, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff),
    fc.integer({ min: 0, max: 0xffffffff }),
  ),
  i32: fc.oneof(
    fc.constantFrom(-0x80000000, -0x7fffffff, -2, -1, 0, 1, 3, 4, 7, 15, 16, 17, 65535, 0x7ffffffe, 0x7fffffff),
    fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  ),
  u64: fc.oneof(
    fc.constantFrom(B(0), B(1), B(2), 1n << 32n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 2n, (1n << 64n) - 1n, instanceOf(0) + 1n, instanceOf(0) - 1n),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  ),
  f64: fc.oneof(
    fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 5e-324, 1e-300, 2e-300, -1, 1, 2 ** 53, Number.MAX_VALUE, 1.7e12, 4.1e12),
    fc.double(),
  ),
};

/** /proc lines a hostile sender might slip into a section: indices and counts at 2^31, u64 overflow, names too long. */
const HOSTILE_LINES = [
  "cpu2147483648 1 2 3 4\n", "cpu4294967294 1 2 3 4\n", "cpu4294967295 1 2 3 4\n", "cpu0 18446744073709551615 0 0 0\n",
  "cpu 18446744073709551615 18446744073709551615 18446744073709551615 18446744073709551615\n",
  "processor\t: 2147483648\n", "# processors : 2147483648\n", "processor : 9999\nmodel name : X\ncpu MHz : 1e308\n",
  "cpu MHz\t\t: 18446744073709551616.5\n", `model name\t: ${"M".repeat(300)}\n`,
  "eth0: 18446744073709551615 1 2 3 4 5 6 7 18446744073709551615 1 2 3 4 5 6 7\n", `${"i".repeat(40)}: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n`,
  "lo: 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n", "MemTotal: 18446744073709551615 kB\n", "MemFree:  99999999999999999999 kB\n",
  "1e308 -1 nan 2147483648/4294967296 99999999999\n", "ctxt 18446744073709551616\n", "\n", "\0\n",
];

export type Mutation =
  | { kind: "set"; at: number; byte: number }
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "extend"; bytes: Uint8Array }
  | { kind: "splice"; other: number; cut: number; from: number }
  | { kind: "field"; field: string; width: Width; value: number | bigint }
  | { kind: "section field"; section: number; field: string; width: Width; value: number | bigint }
  | { kind: "duplicate section"; section: number }
  | { kind: "drop section"; section: number }
  | { kind: "insert line"; section: number; at: number; line: string }
  | { kind: "add cpus"; section: number; first: number; count: number };

export interface DatagramSpec {
  /** index into the corpus seeds */
  seed: number;
  mutations: Mutation[];
  /** recompute the tag afterwards (if the datagram names a test key), as a sender holding the key would */
  resign: boolean;
}

const field = (fields: Array<[string, Width]>) =>
  fc.constantFrom(...fields).chain(([name, width]) => EDGES[width].map((value) => ({ field: name, width, value })));

function mutationOf(seedCount: number): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 70000 });
  return fc.oneof(
    { weight: 4, arbitrary: field(HEADER_FIELDS).map((f) => ({ kind: "field" as const, ...f })) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("set" as const), at, byte: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("flip" as const), at, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("extend" as const),
        bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 70000 }).map((n) => new Uint8Array(n))),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("splice" as const), other: fc.nat({ max: seedCount - 1 }), cut: at, from: at }) },
    {
      weight: 3,
      arbitrary: fc.tuple(fc.nat({ max: 8 }), field(SECTION_FIELDS)).map(([section, f]) => ({ kind: "section field" as const, section, ...f })),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("duplicate section" as const), section: fc.nat({ max: 8 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop section" as const), section: fc.nat({ max: 8 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("insert line" as const), section: fc.nat({ max: 8 }), at: fc.nat({ max: 2000 }), line: fc.constantFrom(...HOSTILE_LINES) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("add cpus" as const),
        section: fc.nat({ max: 8 }),
        first: fc.oneof(fc.constantFrom(0, 400, 480, 8190), fc.nat({ max: 100000 })),
        count: fc.integer({ min: 1, max: 600 }),
      }),
    },
  );
}

/** A datagram to send: a corpus seed (one of from, if given), up to five mutations (none for some), maybe re-signed. */
export function datagramSpec(seedCount: number, from?: number[]): fc.Arbitrary<DatagramSpec> {
  return fc.record({
    seed: from ? fc.constantFrom(...from) : fc.nat({ max: seedCount - 1 }),
    mutations: fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 6, arbitrary: fc.array(mutationOf(seedCount), { minLength: 1, maxLength: 5 }) }),
    resign: fc.boolean(),
  });
}

/**
 * Datagrams of one update in the order they were encoded, a few mutated: so that updates
 * complete (lists pruned, rates computed) as well as break. Plain and signed copies alternate
 * in the corpus, so the slice takes every other seed; mutated ones are re-signed.
 */
export function updateSlice(seedCount: number): fc.Arbitrary<DatagramSpec[]> {
  const some = fc.oneof({ weight: 5, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 1, arbitrary: fc.array(mutationOf(seedCount), { minLength: 1, maxLength: 2 }) });
  return fc
    .tuple(fc.nat({ max: seedCount - 1 }), fc.integer({ min: 2, max: 40 }))
    .chain(([start, n]) => fc.array(some, { minLength: n, maxLength: n }).map((ms) => ms.map((mutations, k) => ({ seed: (start + 2 * k) % seedCount, mutations, resign: true }))));
}

/** The sections a status datagram's header announces, as far as its bytes hold them. */
export function sectionsOf(L: Layout, b: Buffer): Array<{ at: number; len: number }> {
  const out: Array<{ at: number; len: number }> = [];
  if (b.length < L.W_STATUS_LEN) return out;
  let p = L.W_STATUS_LEN;
  for (let i = 0; i < b[L.W_NSECTIONS] && p + L.WS_HEADER_LEN <= b.length; i++) {
    const len = b.readUInt16LE(p + L.WS_LENGTH);
    out.push({ at: p, len });
    p += L.WS_HEADER_LEN + len;
  }
  return out;
}

function write(b: Buffer, at: number, width: Width, value: number | bigint): void {
  const size = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, f64: 8 }[width];
  if (at + size > b.length) return; // the datagram was cut before this field
  switch (width) {
    case "u8": b.writeUInt8(Number(value), at); break;
    case "u16": b.writeUInt16LE(Number(value), at); break;
    case "u32": b.writeUInt32LE(Number(value), at); break;
    case "i32": b.writeInt32LE(Number(value), at); break;
    case "u64": b.writeBigUInt64LE(BigInt(value), at); break;
    case "f64": b.writeDoubleLE(Number(value), at); break;
  }
}

/** Replaces section s's payload (a status datagram) with payload, fixing its length; null when it cannot be placed. */
function withPayload(L: Layout, b: Buffer, s: { at: number; len: number }, payload: Buffer): Buffer | null {
  const start = s.at + L.WS_HEADER_LEN;
  if (start + s.len > b.length || payload.length > 0xffff) return null;
  const out = Buffer.concat([b.subarray(0, start), payload, b.subarray(start + s.len)]);
  out.writeUInt16LE(payload.length, s.at + L.WS_LENGTH);
  return out;
}

function mutate(L: Layout, seeds: Buffer[], b: Buffer, m: Mutation): Buffer {
  const pick = (i: number) => {
    const all = sectionsOf(L, b);
    return all.length ? all[i % all.length] : null;
  };
  switch (m.kind) {
    case "set": {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      out[m.at % b.length] = m.byte;
      return out;
    }
    case "flip": {
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      out[m.at % b.length] ^= 1 << m.bit;
      return out;
    }
    case "truncate":
      return b.subarray(0, m.at % (b.length + 1));
    case "extend":
      return Buffer.concat([b, m.bytes]);
    case "splice": {
      const other = seeds[m.other % seeds.length];
      return Buffer.concat([b.subarray(0, m.cut % (b.length + 1)), other.subarray(m.from % (other.length + 1))]);
    }
    case "field": {
      const out = Buffer.from(b);
      write(out, L[m.field], m.width, m.value);
      return out;
    }
    case "section field": {
      const s = pick(m.section);
      if (!s) return b;
      const out = Buffer.from(b);
      write(out, s.at + L[m.field], m.width, m.value);
      return out;
    }
    case "duplicate section": {
      const s = pick(m.section);
      if (!s || s.at + L.WS_HEADER_LEN + s.len > b.length || b[L.W_NSECTIONS] === 255) return b;
      const all = sectionsOf(L, b);
      const last = all[all.length - 1];
      const end = Math.min(b.length, last.at + L.WS_HEADER_LEN + last.len);
      const out = Buffer.concat([b.subarray(0, end), b.subarray(s.at, s.at + L.WS_HEADER_LEN + s.len), b.subarray(end)]);
      out[L.W_NSECTIONS] += 1;
      return out;
    }
    case "drop section": {
      const s = pick(m.section);
      if (!s || s.at + L.WS_HEADER_LEN + s.len > b.length) return b;
      const out = Buffer.concat([b.subarray(0, s.at), b.subarray(s.at + L.WS_HEADER_LEN + s.len)]);
      out[L.W_NSECTIONS] -= 1;
      return out;
    }
    case "insert line": {
      const s = pick(m.section);
      if (!s) return b;
      const payload = b.subarray(s.at + L.WS_HEADER_LEN, s.at + L.WS_HEADER_LEN + s.len);
      // at a line start, so the payload stays whole lines
      const starts = [0, ...[...payload.entries()].filter(([, c]) => c === 10).map(([i]) => i + 1)];
      const at = starts[m.at % starts.length];
      const line = Buffer.from(m.line, "latin1");
      return withPayload(L, b, s, Buffer.concat([payload.subarray(0, at), line, payload.subarray(at)])) ?? b;
    }
    case "add cpus": {
      const s = pick(m.section);
      if (!s) return b;
      const payload = b.subarray(s.at + L.WS_HEADER_LEN, s.at + L.WS_HEADER_LEN + s.len);
      const lines = Array.from({ length: m.count }, (_, i) => `cpu${m.first + i} 1 2 3 4\n`).join("");
      return withPayload(L, b, s, Buffer.concat([payload, Buffer.from(lines, "latin1")])) ?? b;
    }
  }
}

/** The tag a holder of the test key named in b would put on b (unchanged when b names none, or is too short to hold a tag). */
export function resign(L: Layout, b: Buffer): Buffer {
  if (b.length < L.W_COMMON_LEN + L.W_TAG_LEN || !(b.readUInt16LE(L.W_FLAGS) & L.WF_AUTH)) return b;
  const key = TEST_KEYS.find((k) => k.id === b.readUInt16LE(L.W_KEY_ID));
  if (!key) return b;
  const out = Buffer.from(b);
  const body = out.length - L.W_TAG_LEN;
  createHmac("sha256", key.secret).update(out.subarray(0, body)).digest().copy(out, body);
  return out;
}

/** The test key whose tag b carries, or null (no tag, unknown key id, or a tag that does not match). */
export function signedBy(L: Layout, b: Buffer): (typeof TEST_KEYS)[number] | null {
  if (b.length < L.W_COMMON_LEN + L.W_TAG_LEN || !(b.readUInt16LE(L.W_FLAGS) & L.WF_AUTH)) return null;
  const key = TEST_KEYS.find((k) => k.id === b.readUInt16LE(L.W_KEY_ID));
  return key && resign(L, b).equals(b) ? key : null;
}

/** The bytes of a spec: its seed, mutated in order, re-signed if asked. */
export function materialize(c: Corpus, spec: DatagramSpec): Buffer {
  let b = c.seeds[spec.seed % c.seeds.length];
  for (const m of spec.mutations) b = mutate(c.L, c.seeds, b, m);
  return spec.resign ? resign(c.L, b) : b;
}

/** Bytes as hex, in lines of 64 bytes, for failure messages that can be pasted into a regression test. */
export function hex(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
  return h.match(/.{1,128}/g)?.join("\n") ?? "";
}

/** One section of a hand-made status datagram: its SEC_*, WSF_* flags, payload and sample time. */
export interface RawSection {
  sec: number;
  flags: number;
  payload: string | Uint8Array;
  sampleMs?: number;
}

/**
 * A status datagram built field by field, for tests that need what no encoder sends (chunks
 * of a file in one datagram, counts and numbers at their limits): node, instance 7, update
 * 1, part 0 of 1, interval 5 s, sent at 1 s, unless over says otherwise. Text is latin1.
 */
export function statusDatagram(
  L: Layout,
  sections: RawSection[],
  over: Partial<{ node: number; instance: bigint; seq: bigint; update: number; part: number; parts: number; intervalMs: number; sendMs: number; hostname: Uint8Array }> = {},
): Buffer {
  const payloads = sections.map((s) => (typeof s.payload === "string" ? Buffer.from(s.payload, "latin1") : Buffer.from(s.payload)));
  const b = Buffer.alloc(L.W_STATUS_LEN + payloads.reduce((n, p) => n + L.WS_HEADER_LEN + p.length, 0));
  b.writeUInt32LE(L.WIRE_MAGIC, L.W_MAGIC);
  b[L.W_VERSION] = L.WIRE_VERSION;
  b[L.W_TYPE] = L.WT_STATUS;
  b.writeUInt16LE(L.W_STATUS_LEN, L.W_HEADER_LEN);
  b.writeBigUInt64LE(over.instance ?? 7n, L.W_INSTANCE);
  b.writeBigUInt64LE(over.seq ?? 1n, L.W_SEQ);
  b.writeInt32LE(over.node ?? 3, L.W_NODE);
  b.writeUInt32LE(over.update ?? 1, L.W_UPDATE);
  b.writeUInt16LE(over.part ?? 0, L.W_PART);
  b.writeUInt16LE(over.parts ?? 1, L.W_PARTS);
  b.writeUInt32LE(over.intervalMs ?? 5000, L.W_INTERVAL);
  b.writeDoubleLE(over.sendMs ?? 1000, L.W_SEND_TIME);
  b[L.W_NSECTIONS] = sections.length;
  if (over.hostname) Buffer.from(over.hostname).copy(b, L.W_HOSTNAME, 0, L.NODE_NAME_LEN);
  let p = L.W_STATUS_LEN;
  sections.forEach((s, i) => {
    b[p + L.WS_SECTION] = s.sec;
    b[p + L.WS_FLAGS] = s.flags;
    b.writeUInt16LE(payloads[i].length, p + L.WS_LENGTH);
    b.writeDoubleLE(s.sampleMs ?? 1000, p + L.WS_TIME);
    payloads[i].copy(b, p + L.WS_HEADER_LEN);
    p += L.WS_HEADER_LEN + payloads[i].length;
  });
  return b;
}

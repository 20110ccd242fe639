// The packet inspector's pieces against the real core: the locator agrees with the decoder
// (the same reason, on every prefix and on mutations of real datagrams) and points at the
// right byte; xxd and xxd -p dumps and pcap files (made here, and captured by tcpdump on
// lo when it is installed) give back the exact datagrams; decoded fields and records match.

import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { looksLikeCapture, parseHexDump, parsePcap } from "../../src/capture";
import { Inspector } from "../../src/inspect";
import { parseMachine } from "../../src/machine";
import { readProcRoot } from "../../src/proc";
import { random } from "../../src/simulate";
import { Core } from "../../src/wasm";
import { Encoder, encodeRequest, newInstanceId } from "../../src/wire";
import { tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES } from "../helpers/paths";
import { buildPcap } from "../helpers/pcap";

const core = new Core(1);
const L = core.layout;

/** Every datagram of a fixture machine's full update, as sendstats sends it. */
function datagramsOf(machine: string, node = 3, mtu = 1472): Buffer[] {
  const files = readProcRoot(join(FIXTURES, machine));
  const now = Date.now();
  const update: Parameters<Encoder["encode"]>[0] = {
    node,
    hostname: machine,
    instance: newInstanceId(),
    updateId: 1,
    intervalMs: 5000,
    userHz: 100,
    arch: L.ARCH_X86_64,
    files: Object.fromEntries(Object.entries(files).map(([k, text]) => [k, { text: text!, sampleMs: now }])),
    statfs: { total: 1n << 40n, free: 1n << 39n, sampleMs: now },
  };
  let seq = 0n;
  return new Encoder(core, mtu).encode(update, () => ++seq).datagrams;
}

const request = encodeRequest(L, { instance: 1n, seq: 1n, target: "range", first: 2, last: 9, full: true });
const samples = [...datagramsOf("procfs-x86_64-8cpu"), ...datagramsOf("hp-bl920gen8-x86_64-480cpu").slice(0, 3), request];
const wantOf = (b: Uint8Array): number => (b.length > L.W_TYPE && b[L.W_TYPE] === L.WT_REQUEST ? L.WT_REQUEST : L.WT_STATUS);

/** The decoder's reason and the locator's, for bytes. */
function both(b: Uint8Array): { check: number; locate: number; at: number } {
  const want = wantOf(b);
  const check = core.check(b, want);
  const where = core.locate(b, want);
  return { check, locate: where.reason, at: where.at };
}

test("the locator gives the decoder's reason on every proper prefix of real datagrams", () => {
  for (const d of samples) {
    assert.equal(both(d).check, 0);
    for (let len = 0; len < d.length; len++) {
      const r = both(d.subarray(0, len));
      assert.notEqual(r.check, 0, `prefix ${len} accepted`);
      assert.equal(r.locate, r.check, `prefix ${len} of ${d.length}`);
      assert.ok(r.at <= len, `offset ${r.at} beyond the ${len} bytes`);
    }
  }
});

test("the locator gives the decoder's reason on every byte of the header changed, and on random damage", () => {
  const rand = random(5);
  for (const d of samples) {
    const headerEnd = d[L.W_TYPE] === L.WT_REQUEST ? L.W_REQUEST_LEN : L.W_STATUS_LEN + L.WS_HEADER_LEN;
    for (let at = 0; at < Math.min(d.length, headerEnd); at++) {
      for (const v of [0, 1, 2, 0x7f, 0xff, d[at] ^ 0x80]) {
        const b = Buffer.from(d);
        b[at] = v;
        const r = both(b);
        assert.equal(r.locate, r.check, `byte ${at} = ${v}`);
        if (r.check) assert.ok(r.at < b.length || r.at === b.length, `offset ${r.at}`);
      }
    }
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(d);
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const r = both(b);
      assert.equal(r.locate, r.check, `damage ${i}`);
    }
  }
});

test("the locator points at the byte at fault", () => {
  const d = datagramsOf("kvm-x86_64-2cpu-linux6.18")[0];
  const cases: Array<[string, (b: Buffer) => void, number, number]> = [
    ["magic", (b) => (b[1] = 0), L.R_MAGIC, L.W_MAGIC],
    ["version", (b) => (b[L.W_VERSION] = 9), L.R_VERSION, L.W_VERSION],
    ["header length", (b) => b.writeUInt16LE(100, L.W_HEADER_LEN), L.R_HEADER_LEN, L.W_HEADER_LEN],
    ["part index", (b) => b.writeUInt16LE(5, L.W_PART), L.R_PART, L.W_PART],
    ["section", (b) => (b[L.W_STATUS_LEN + L.WS_SECTION] = 77), L.R_SECTION, L.W_STATUS_LEN + L.WS_SECTION],
    ["section length", (b) => b.writeUInt16LE(60000, L.W_STATUS_LEN + L.WS_LENGTH), L.R_SECTION_LEN, L.W_STATUS_LEN + L.WS_LENGTH],
  ];
  for (const [what, change, reason, at] of cases) {
    const b = Buffer.from(d);
    change(b);
    assert.deepEqual([both(b).check, both(b).at], [reason, at], what);
  }
  // bytes after the last section: the fault is where they start, and without them it is whole
  const trailing = Buffer.concat([d, Buffer.from([1, 2, 3])]);
  assert.deepEqual([both(trailing).check, both(trailing).at], [L.R_TRAILING, d.length]);
  assert.equal(both(trailing.subarray(0, both(trailing).at)).check, 0);
  // cut short: the fault is where the bytes end
  assert.deepEqual([both(d.subarray(0, 20)).check, both(d.subarray(0, 20)).at], [L.R_SHORT, 20]);
});

test("xxd and xxd -p dumps of several datagrams give them back exactly", { skip: !existsSync("/usr/bin/xxd") && "xxd is not installed" }, () => {
  const ds = samples.slice(0, 3);
  const xxd = (b: Uint8Array, ...args: string[]): string => execFileSync("xxd", args, { input: b, encoding: "utf8" });
  const plain = parseHexDump(ds.map((d) => xxd(d, "-p")).join("\n"));
  assert.deepEqual(plain.datagrams.map((x) => Buffer.from(x.bytes)), ds);
  assert.deepEqual(plain.notes, []);
  // with offsets, back to back: offset 0 starts the next datagram
  const dumped = parseHexDump(ds.map((d) => xxd(d)).join(""));
  assert.deepEqual(dumped.datagrams.map((x) => Buffer.from(x.bytes)), ds);
  const wide = parseHexDump(xxd(ds[0], "-c", "32", "-g", "4"));
  assert.deepEqual(Buffer.from(wide.datagrams[0].bytes), ds[0]);
  const junk = parseHexDump("hello world\nzz");
  assert.equal(junk.datagrams.length, 0);
  assert.equal(junk.notes.length, 2);
});

test("pcap files of either byte order, µs or ns, Ethernet or Linux cooked give the UDP payloads", () => {
  const ds = samples.slice(0, 4);
  for (const o of [{}, { linktype: 113 as const }, { bigEndian: true, nanoseconds: true }, { linktype: 113 as const, bigEndian: true }]) {
    const file = buildPcap(ds, o);
    assert.ok(looksLikeCapture(file));
    const r = parsePcap(file);
    assert.deepEqual(r.notes, [], JSON.stringify(o));
    assert.deepEqual(r.datagrams.map((x) => Buffer.from(x.bytes)), ds, JSON.stringify(o));
    assert.equal(r.datagrams[0].src, "127.0.0.1:40000");
    assert.equal(r.datagrams[1].time, 1_700_000_001_500);
  }
  const cut = parsePcap(buildPcap(ds.slice(0, 1), { snaplen: 100 }));
  assert.equal(cut.datagrams[0].bytes.length, 100 - 14 - 28);
  assert.match(cut.datagrams[0].note!, /cut short by the capture/);
  assert.match(parsePcap(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, ...new Array(40).fill(0)])).notes[0], /pcapng/);
  assert.match(parsePcap(new Uint8Array(30)).notes[0], /not a pcap file/);
  const truncated = parsePcap(buildPcap(ds.slice(0, 2)).subarray(0, 100));
  assert.equal(truncated.datagrams.length, 0);
  assert.match(truncated.notes[0], /the file ends first/);
});

/** Captures on iface with tcpdump while send() runs; resolves to the pcap file's bytes. */
async function tcpdump(iface: string, port: number, send: () => Promise<void>): Promise<Uint8Array> {
  const dir = tempDir("beostatus-pcap-");
  const file = join(dir.dir, "capture.pcap");
  const child: ChildProcess = spawn("tcpdump", ["-i", iface, "--immediate-mode", "-U", "-n", "-w", file, `udp and dst port ${port} and host 127.0.0.1`], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  await waitFor("tcpdump to listen", () => (err.includes("listening") ? true : undefined), 10_000);
  await send();
  // --immediate-mode hands packets over at once; a moment more lets the last reach the file
  await new Promise((r) => setTimeout(r, 500));
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  await exited;
  const bytes = readFileSync(file);
  dir.remove();
  return bytes;
}

test("a tcpdump capture of sendstats datagrams on lo gives them back exactly", {
  skip: (!existsSync("/usr/bin/tcpdump") || process.getuid?.() !== 0) && "needs tcpdump and root",
}, async () => {
  const ds = datagramsOf("procfs-x86_64-8cpu");
  const sink = dgram.createSocket("udp4");
  await new Promise<void>((r) => sink.bind(0, "127.0.0.1", () => r()));
  const port = sink.address().port;
  const sender = dgram.createSocket("udp4");
  const send = async (): Promise<void> => {
    for (const d of ds) await new Promise<void>((r) => sender.send(d, port, "127.0.0.1", () => r()));
  };
  try {
    for (const iface of ["lo", "any"]) {
      const file = await tcpdump(iface, port, send);
      const r = parsePcap(file);
      assert.deepEqual(r.datagrams.map((x) => x.bytes.length), ds.map((x) => x.length), `tcpdump -i ${iface}: ${r.notes}`);
      assert.deepEqual(r.datagrams.map((x) => Buffer.from(x.bytes)), ds, `tcpdump -i ${iface}`);
    }
  } finally {
    sender.close();
    sink.close();
  }
});

test("the inspector lists an accepted datagram's fields and what it sets in a record", () => {
  const inspector = new Inspector();
  const d = datagramsOf("kvm-x86_64-2cpu-linux6.18", 42, 8192)[0];
  const r = inspector.inspect(d, "10.1.2.3:40000");
  assert.equal(r.reason, 0);
  assert.equal(r.at, null);
  assert.equal(r.type, "status");
  const field = (name: string): string | undefined => r.fields.find((f) => f.name === name)?.value;
  assert.equal(field("magic"), '"BSTW"');
  assert.equal(field("node"), "42");
  assert.equal(field("hostname"), '"kvm-x86_64-2cpu-linux6.18"');
  assert.equal(field("architecture"), "1 (x86_64)");
  assert.deepEqual(r.sections.map((s) => s.section).sort(), ["cpuinfo", "loadavg", "meminfo", "net/dev", "stat", "statfs"]);
  const direct = parseMachine(new Core(64), readProcRoot(join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")), 42).status;
  assert.deepEqual(r.status!.meminfo, direct.meminfo);
  assert.deepEqual(r.status!.stat_cpu, direct.stat_cpu);
  assert.equal(r.status!.node, 42);
  assert.equal(r.status!.addr, "10.1.2.3");
});

test("the inspector names a rejection in words with its offset, and decodes requests", () => {
  const inspector = new Inspector();
  const d = Buffer.from(datagramsOf("kvm-x86_64-2cpu-linux6.18")[0]);
  d.writeUInt16LE(3, L.W_FLAGS);
  const bad = inspector.inspect(d);
  assert.equal(bad.reason, L.R_FLAGS);
  assert.equal(bad.at, L.W_FLAGS);
  assert.match(bad.words, /^flags: /);
  assert.equal(bad.status, null);
  const req = inspector.inspect(request);
  assert.equal(req.type, "request");
  assert.equal(req.reason, 0);
  assert.equal(req.fields.find((f) => f.name === "first node")?.value, "2");
  assert.equal(req.fields.find((f) => f.name === "last node")?.value, "9");
  const short = inspector.inspect(new Uint8Array([0x42, 0x53]));
  assert.equal(short.reason, L.R_SHORT);
  assert.equal(short.at, 2);
  // many datagrams in a row each decode alone (none is a duplicate of another)
  const again = datagramsOf("kvm-x86_64-2cpu-linux6.18")[0];
  for (let i = 0; i < 5; i++) assert.equal(inspector.inspect(again).reason, 0);
});

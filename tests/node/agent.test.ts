// sendstats' agent (src/sendstats.ts Agent) in process, sending by unicast to a socket of
// the test on 127.0.0.1: when cpuinfo goes with an update (at start, when the CPUs in stat
// change, every 5 minutes), when the filesystem's size goes (statfs), how requests
// multicast on lo are answered, and what the encoder does with a line too large for any
// datagram (dropped and counted).

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mock, test } from "node:test";
import { createLog } from "../../src/log";
import { readProcRoot } from "../../src/proc";
import { Agent } from "../../src/sendstats";
import { Core } from "../../src/wasm";
import { DEFAULT_GROUP } from "../../src/udp";
import { Encoder, encodeRequest } from "../../src/wire";
import { freePortPair, waitFor } from "../helpers/cluster";
import { sectionsOf } from "../helpers/datagrams";
import { FIXTURES } from "../helpers/paths";
import { writeProcRoot } from "../helpers/widen";

const L = new Core(1).layout;
const KVM = join(FIXTURES, "kvm-x86_64-2cpu-linux6.18");

/** A socket on 127.0.0.1 and the sections (SEC_*) of each update that reached it, by update id. */
async function listener(): Promise<{ port: number; updates: Map<number, Set<number>>; close(): void }> {
  const updates = new Map<number, Set<number>>();
  const sock = dgram.createSocket("udp4");
  sock.on("message", (b) => {
    const id = b.readUInt32LE(L.W_UPDATE);
    const set = updates.get(id) ?? new Set<number>();
    for (const s of sectionsOf(L, b)) set.add(b[s.at + L.WS_SECTION]);
    updates.set(id, set);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  return { port: sock.address().port, updates, close: () => sock.close() };
}

/** Sends one update and resolves to its sections, once they arrived. */
async function sections(agent: Agent, l: Awaited<ReturnType<typeof listener>>, full = false): Promise<Set<number>> {
  const before = Math.max(0, ...l.updates.keys());
  await agent.sendUpdate(full);
  for (let i = 0; i < 200; i++) {
    const got = l.updates.get(before + 1);
    if (got?.has(L.SEC_STAT)) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the update did not arrive");
}

const quiet = createLog("sendstats", () => {});

test("cpuinfo goes at start, when the CPUs in stat change and every 5 minutes, not with every update", async () => {
  const root = writeProcRoot(mkdtempSync(join(tmpdir(), "agent-")), readProcRoot(KVM));
  const l = await listener();
  mock.timers.enable({ apis: ["Date"], now: Date.now() });
  const agent = await Agent.start({ to: [`127.0.0.1:${l.port}`], "proc-root": root, node: 1, auth: "off" }, quiet, true);
  try {
    assert.ok((await sections(agent, l)).has(L.SEC_CPUINFO), "the first update");
    mock.timers.tick(1000);
    assert.ok(!(await sections(agent, l)).has(L.SEC_CPUINFO), "a regular update");
    // a CPU goes offline: its cpuN line leaves stat
    const stat = join(root, "stat");
    writeFileSync(stat, readFileSync(stat, "latin1").replace(/^cpu1 .*\n/m, ""), "latin1");
    mock.timers.tick(1000);
    assert.ok((await sections(agent, l)).has(L.SEC_CPUINFO), "the CPUs in stat changed");
    mock.timers.tick(1000);
    assert.ok(!(await sections(agent, l)).has(L.SEC_CPUINFO), "and then not again");
    mock.timers.tick(5 * 60_000);
    assert.ok((await sections(agent, l)).has(L.SEC_CPUINFO), "5 minutes later");
    assert.ok((await sections(agent, l, true)).has(L.SEC_CPUINFO), "a full update (a request's)");
  } finally {
    mock.timers.reset();
    agent.close();
    l.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test("the filesystem's size goes (of / by default, of --statfs PATH); with --proc-root and no --statfs, not", async () => {
  const cases: Array<[string | undefined, string | undefined, boolean]> = [
    [undefined, undefined, true],
    [KVM, tmpdir(), true],
    [KVM, undefined, false],
  ];
  for (const [procRoot, statfs, sent] of cases) {
    const l = await listener();
    const agent = await Agent.start({ to: [`127.0.0.1:${l.port}`], "proc-root": procRoot, node: 1, auth: "off", statfs }, quiet, true);
    try {
      assert.equal((await sections(agent, l)).has(L.SEC_STATFS), sent, `--proc-root ${procRoot} --statfs ${statfs}`);
    } finally {
      agent.close();
      l.close();
    }
  }
});

test("a line or cpuinfo block too large for any datagram is dropped and counted; the rest goes", () => {
  const core = new Core(1);
  const encoder = new Encoder(core, 512);
  const files = readProcRoot(KVM);
  const long = `cpu1 ${"1 ".repeat(400)}\n`; // 805 bytes: over 512 with the headers
  const stat = Buffer.from(files.stat!).toString("latin1").replace(/^cpu1 .*\n/m, long);
  const cpuinfo = Buffer.from(files.cpuinfo!).toString("latin1") + `processor\t: 9\nmodel name\t: ${"x".repeat(700)}\n\n`;
  const { datagrams, dropped } = encoder.encode(
    {
      node: 1,
      hostname: "big",
      instance: 1n,
      updateId: 1,
      intervalMs: 1000,
      userHz: 100,
      arch: L.ARCH_X86_64,
      files: { stat: { text: Buffer.from(stat, "latin1"), sampleMs: 1 }, cpuinfo: { text: Buffer.from(cpuinfo, "latin1"), sampleMs: 1 } },
    },
    (() => {
      let s = 0n;
      return () => ++s;
    })(),
  );
  assert.equal(dropped, 2);
  assert.ok(datagrams.every((d) => d.length <= 512));
  const text = datagrams.map((d) => d.toString("latin1")).join("");
  assert.ok(text.includes("cpu0 ") && !text.includes("cpu1 "), "cpu0 goes, the long cpu1 does not");
  assert.ok(text.includes("processor\t: 1") && !text.includes("processor\t: 9"), "cpuinfo's other blocks go");
});

/** Multicasts a request to the group's request port on lo, as a master would. */
async function request(port: number, r: Omit<Parameters<typeof encodeRequest>[1], "instance">): Promise<void> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((ok) => s.bind(0, "127.0.0.1", ok));
  s.setMulticastInterface("127.0.0.1");
  await new Promise<void>((ok, fail) => s.send(encodeRequest(L, { instance: 1n, ...r }), port + 1, DEFAULT_GROUP, (e) => (e ? fail(e) : ok())));
  s.close();
}

test("a request is answered once however many arrive meanwhile, full if any asked so, and its new interval applies at once", async () => {
  const l = await listener();
  const port = await freePortPair();
  const agent = await Agent.start({ to: [`127.0.0.1:${l.port}`], interface: "lo", port, "proc-root": KVM, node: 1, auth: "off", rate: 600 }, quiet);
  try {
    await waitFor("the first update", () => (l.updates.size === 1 ? true : undefined));
    // two requests at once: one answer (within max(1 s, 1/10,000 s)), full since the second asks so
    await request(port, { seq: 1n, target: "all", full: false, count: 1 });
    await request(port, { seq: 2n, target: "one", first: 1, full: true });
    await waitFor("the answer", () => (l.updates.size === 2 ? true : undefined), 3000);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(l.updates.size, 2, "one answer for two requests");
    assert.ok(l.updates.get(2)!.has(L.SEC_CPUINFO), "a full update");
    // every 10 minutes, until a master asks for every second: the next update is a second away, not ten minutes
    await request(port, { seq: 3n, target: "all", full: false, count: 1, intervalMs: 1000 });
    await waitFor("updates every second", () => (l.updates.size >= 6 ? true : undefined), 8000);
  } finally {
    agent.close();
    l.close();
  }
});

// The whole Beostat path as users run it, on loopback: the built recvstats with a temporary
// shm dir and free ports, the built sendstats replaying fixture machines, and beostat --json
// reading the result, which must equal the fixtures parsed directly by the core. Also: the
// 480-CPU node arrives whole at --mtu 1472 with no datagram over 1472 bytes, a lost datagram
// loses only its own part, requests are answered, silent nodes turn down.

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "../../src/json";
import { openBeostat } from "../../src/libbeostat";
import { ShmReader } from "../../src/shm";
import { parseMachine } from "../../src/machine";
import { readProcRoot } from "../../src/proc";
import { type NodeStatus, TICK_NAMES } from "../../src/record";
import { Core } from "../../src/wasm";
import { freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { statusDatagram } from "../helpers/datagrams";
import { FIXTURES, bundle } from "../helpers/paths";

after(stopAll);

/** What parsing determines of a node (identity and timing aside). */
function parsed(n: NodeStatus): Partial<NodeStatus> {
  const { cpu_count, MHz, cpuinfo, loadavg, meminfo, stat_cpu, net_dev, stat, failed } = n;
  return { cpu_count, MHz, cpuinfo, loadavg, meminfo, stat_cpu, net_dev, stat, failed };
}

/** A fixture machine parsed directly by the core, as node. */
function expected(machine: string, node: number): Partial<NodeStatus> {
  return parsed(parseMachine(new Core(8), readProcRoot(join(FIXTURES, machine)), node).status);
}

function beostat(shmDir: string, ...args: string[]): NodeStatus[] {
  const r = spawnSync(process.execPath, [bundle("beostat"), "--shm-dir", shmDir, "--json", ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return parse(r.stdout) as NodeStatus[];
}

/** Starts recvstats on lo with a fresh shm dir; resolves when its status file exists. */
async function startRecvstats(extra: string[] = []) {
  const port = await freePortPair();
  const shm = tempDir();
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm.dir, ...extra]);
  await waitFor("recvstats to listen", () => (recv.stderr().includes("listening") ? true : undefined));
  return { port, shm, recv };
}

/** Runs sendstats --once for a fixture machine; resolves when it exits. */
async function sendOnce(machine: string, node: number, port: number, extra: string[] = [], opts = {}) {
  const s = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", String(node), "--proc-root", join(FIXTURES, machine), ...extra], opts);
  const code = await s.exited;
  assert.equal(code, 0, s.stderr());
}

test("nodes sending fixture machines are published exactly as the core parses them", async () => {
  const { port, shm } = await startRecvstats();
  const machines = ["procfs-x86_64-8cpu", "kvm-x86_64-2cpu-linux6.18", "sysstat-x86_64-10cpu-7col-stat", "sysstat-x86_64-t1-cpu6-offline"];
  for (const [i, m] of machines.entries()) await sendOnce(m, i, port);
  const nodes = await waitFor("all nodes", () => {
    const n = beostat(shm.dir);
    return n.length === machines.length && n.every((x) => x.stat) ? n : undefined;
  });
  for (const [i, m] of machines.entries()) {
    const n = nodes.find((x) => x.node === i)!;
    assert.deepEqual(parsed(n), expected(m, i), m);
    assert.equal(n.up, true);
    assert.equal(n.addr, "127.0.0.1");
    assert.ok(typeof n.name === "string" && n.name.length > 0);
  }
  shm.remove();
});

test("a 480-CPU node arrives whole at --mtu 1472 and no datagram exceeds 1472 bytes", async () => {
  const { port, shm } = await startRecvstats();
  // a listener on the group sees what sendstats multicasts; recvstats gets the same datagrams by unicast
  const groupPort = await freePortPair();
  const listener = dgram.createSocket({ type: "udp4", reuseAddr: true });
  const sizes: number[] = [];
  listener.on("message", (m) => sizes.push(m.length));
  await new Promise<void>((r) => listener.bind(groupPort, () => r()));
  listener.addMembership("239.255.11.224", "127.0.0.1");
  await sendOnce("hp-bl920gen8-x86_64-480cpu", 7, groupPort, ["--mtu", "1472", "--to", `127.0.0.1:${port}`]);
  const [n] = await waitFor("the 480-CPU node", () => {
    const all = beostat(shm.dir, "--node", "7");
    return all.length === 1 && all[0].stat_cpu?.length === 480 && all[0].cpuinfo?.length === 480 ? all : undefined;
  });
  await waitFor("the group's datagrams", () => (sizes.length > 20 ? true : undefined));
  listener.close();
  assert.ok(Math.max(...sizes) <= 1472, `largest datagram ${Math.max(...sizes)}`);
  assert.deepEqual(parsed(n), expected("hp-bl920gen8-x86_64-480cpu", 7));
  shm.remove();
});

test("a lost datagram loses only its own part, and other nodes are unchanged", async () => {
  const { port, shm } = await startRecvstats();
  await sendOnce("procfs-x86_64-8cpu", 1, port);
  const before = await waitFor("node 1", () => beostat(shm.dir, "--node", "1").find((n) => n.stat));
  // a relay that forwards every datagram but the k-th
  const relay = dgram.createSocket("udp4");
  const k = 5;
  let seen = 0;
  let droppedText = "";
  relay.on("message", (m) => {
    if (++seen === k) droppedText = m.toString("latin1");
    else relay.send(m, port, "127.0.0.1");
  });
  await new Promise<void>((r) => relay.bind(0, "127.0.0.1", () => r()));
  const relayPort = relay.address().port;
  await sendOnce("hp-bl920gen8-x86_64-480cpu", 2, port, ["--to", `127.0.0.1:${relayPort}`], { noInterface: true });
  await new Promise((r) => setTimeout(r, 1000));
  relay.close();
  const [n2] = beostat(shm.dir, "--node", "2");
  const full = expected("hp-bl920gen8-x86_64-480cpu", 2);
  // the CPUs the lost datagram carried are the ones missing (a chunk's first line follows
  // the binary section header, so no ^ anchor)
  const lostStat = new Set([...droppedText.matchAll(/cpu(\d+) /g)].map((m) => Number(m[1])));
  const lostInfo = new Set([...droppedText.matchAll(/processor\t: (\d+)\n/g)].map((m) => Number(m[1])));
  assert.ok(lostStat.size + lostInfo.size > 0, "the dropped datagram carried CPUs");
  assert.deepEqual(n2.stat_cpu, full.stat_cpu!.filter((c) => !lostStat.has(c.cpu)));
  assert.deepEqual(n2.cpuinfo, full.cpuinfo!.filter((c) => !lostInfo.has(c.cpu!)));
  const [after1] = beostat(shm.dir, "--node", "1");
  assert.deepEqual(parsed(after1), parsed(before));
  shm.remove();
});

test("a running sendstats answers the master's request", async () => {
  const port = await freePortPair();
  // it reports once at start, then not for an hour: only a request can make it send again
  const node = spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "4", "-r", "3600", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  await new Promise((r) => setTimeout(r, 500));
  const shm = tempDir();
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm.dir]);
  const [n] = await waitFor("the answer to the start-up request", () => {
    try {
      const all = beostat(shm.dir, "--node", "4");
      return all.length === 1 && all[0].cpuinfo ? all : undefined;
    } catch {
      return undefined;
    }
  });
  assert.deepEqual(parsed(n), expected("kvm-x86_64-2cpu-linux6.18", 4));
  await node.stop();
  await recv.stop();
  shm.remove();
});

test("a node that stops sending turns down after --down-after", async () => {
  const { port, shm } = await startRecvstats(["--down-after", "1"]);
  const node = spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "9", "-r", "0.3", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  await waitFor("node 9 up", () => (beostat(shm.dir, "--node", "9")[0]?.up ? true : undefined));
  await node.stop();
  const down = await waitFor("node 9 down", () => {
    const [n] = beostat(shm.dir, "--node", "9");
    return n && n.up === false ? n : undefined;
  }, 5000);
  assert.ok(down.time !== null);
  shm.remove();
});

test("--iprange numbers nodes by address; without it a datagram with no node number is dropped and counted", async () => {
  // 127.0.0.1 - 127.0.0.0 = node 1
  const { port, shm } = await startRecvstats(["--iprange", "127.0.0.0-127.0.0.9"]);
  const unset = spawnProgram("sendstats", ["--once", "-p", String(port), "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  assert.equal(await unset.exited, 0, unset.stderr());
  const [n] = await waitFor("node 1 by address", () => beostat(shm.dir, "--node", "1").find((x) => x.stat) && beostat(shm.dir, "--node", "1"));
  assert.equal(n.addr, "127.0.0.1");
  assert.deepEqual(parsed(n), expected("kvm-x86_64-2cpu-linux6.18", 1));

  // a range that leaves 127.0.0.1 out drops it
  const out = await startRecvstats(["--iprange", "127.0.0.2-127.0.0.9"]);
  const s2 = spawnProgram("sendstats", ["--once", "-p", String(out.port), "-n", "3", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  assert.equal(await s2.exited, 0);
  // and without --iprange a datagram with no node number cannot be placed
  const none = await startRecvstats();
  const s3 = spawnProgram("sendstats", ["--once", "-p", String(none.port), "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  assert.equal(await s3.exited, 0);
  await waitFor("the drops counted", () => {
    const a = ShmReader.open(out.shm.dir);
    const b = ShmReader.open(none.shm.dir);
    const ha = a.header();
    const hb = b.header();
    a.close();
    b.close();
    return ha.rejected.source >= 1 && hb.rejected.node >= 1 ? true : undefined;
  });
  assert.deepEqual(beostat(out.shm.dir), []);
  assert.deepEqual(beostat(none.shm.dir), []);
  for (const s of [shm, out.shm, none.shm]) s.remove();
});

test("the library reads what beostat prints, and the collector's counters", async () => {
  const { port, shm } = await startRecvstats();
  await sendOnce("procfs-x86_64-8cpu", 2, port);
  // a datagram that is not ours at all
  const junk = dgram.createSocket("udp4");
  await new Promise<void>((r) => junk.send(Buffer.from("hello, this is not a status datagram of any version at all"), port, "127.0.0.1", () => r()));
  junk.close();
  const [n] = await waitFor("node 2", () => beostat(shm.dir, "--node", "2").find((x) => x.stat) && beostat(shm.dir, "--node", "2"));
  const lib = openBeostat(shm.dir);
  assert.deepEqual(lib.getMeminfo(2), n.meminfo);
  assert.deepEqual(lib.getLoadavg(2), n.loadavg);
  assert.deepEqual(lib.getNetDev(2), n.net_dev);
  assert.equal(lib.getCpuCount(2), n.cpu_count);
  assert.equal(lib.getMHz(2), n.MHz);
  assert.equal(lib.isNodeUp(2), true);
  assert.equal(lib.getMeminfo(3), null, "a node that never reported");
  assert.ok(lib.getLastMulticast()! > 0, "the start-up request was sent");
  const reader = ShmReader.open(shm.dir);
  const h = await waitFor("counters in the header", () => {
    const x = reader.header();
    return x.rejected.magic >= 1 && x.counters.accepted >= 1 ? x : undefined;
  });
  reader.close();
  assert.ok(h.counters.received >= h.counters.accepted + 1);
  assert.ok(h.counters.requests >= 1);
  assert.equal(h.pid !== null && h.pid > 0, true);
  lib.close();
  shm.remove();
});

test("an unwritable shm dir is a runtime failure: one line, status 1", () => {
  const t = tempDir();
  const file = join(t.dir, "a-file");
  writeFileSync(file, "");
  const r = spawnSync(process.execPath, [bundle("recvstats"), "-d", "-i", "lo", "--shm-dir", join(file, "shm")], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot publish in .*a-file\/shm/);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  t.remove();
});

test("recvstats multicasts requests: a full one for all nodes at start, one every --request-interval, a full one to a node without cpuinfo", async () => {
  const port = await freePortPair();
  const core = new Core(1);
  const L = core.layout;
  const seen: Array<{ target: number; first: number; full: boolean }> = [];
  // the nodes' side: the request port on the group, over lo
  const listener = dgram.createSocket({ type: "udp4", reuseAddr: true });
  listener.on("message", (m) => {
    if (core.check(m, L.WT_REQUEST) === 0) seen.push({ target: m[L.W_TARGET], first: m.readInt32LE(L.W_FIRST), full: (m[L.W_REQ_FLAGS] & L.WRF_FULL) !== 0 });
  });
  await new Promise<void>((r) => listener.bind(port + 1, () => r()));
  listener.addMembership("239.255.11.224", "127.0.0.1");
  const shm = tempDir();
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm.dir, "--request-interval", "1"]);
  const sock = dgram.createSocket("udp4");
  try {
    await waitFor("three requests for all nodes", () => (seen.filter((r) => r.target === L.WTG_ALL).length >= 3 ? true : undefined));
    const all = seen.filter((r) => r.target === L.WTG_ALL);
    assert.equal(all[0].full, true, "at start: full updates");
    assert.ok(all.slice(1).every((r) => !r.full), "then regular ones");
    // node 6 appears with stat only: the master asks it, and only it, for a full update
    const d = statusDatagram(L, [{ sec: L.SEC_STAT, flags: L.WSF_FIRST | L.WSF_LAST, payload: "cpu  1 2 3 4\ncpu0 1 2 3 4\n" }], { node: 6, sendMs: Date.now() });
    sock.send(d, port, "127.0.0.1");
    const one = await waitFor("a request to node 6", () => seen.find((r) => r.target === L.WTG_ONE));
    assert.deepEqual(one, { target: L.WTG_ONE, first: 6, full: true });
  } finally {
    sock.close();
    listener.close();
    await recv.stop();
    shm.remove();
  }
});

test("a reader never sees a half-written record: every read of a node rewritten thousands of times is of one update", async () => {
  const { port, shm, recv } = await startRecvstats();
  const L = new Core(1).layout;
  // update k: every tick of the aggregate and of both CPUs is k, and so is ctxt; one datagram
  // each, so a record mixing two updates can only come from a torn read
  const UPDATES = 20_000;
  const frames: Buffer[] = [];
  for (let k = 1; k <= UPDATES; k++) {
    const ticks = ` ${k}`.repeat(10);
    const payload = `cpu ${ticks}\ncpu0${ticks}\ncpu1${ticks}\nctxt ${k}\n`;
    const d = statusDatagram(L, [{ sec: L.SEC_STAT, flags: L.WSF_FIRST | L.WSF_LAST, payload }], { node: 4, instance: 9n, seq: BigInt(k), update: k, sendMs: Date.now() });
    const len = Buffer.alloc(2);
    len.writeUInt16LE(d.length);
    frames.push(len, d);
  }
  const file = join(shm.dir, "frames");
  writeFileSync(file, Buffer.concat(frames));
  // the sender is another process, 50 datagrams a millisecond at most, so that writes and
  // reads overlap for a second or more and a machine busy with other tests drops none
  const script = `const b=require("fs").readFileSync(${JSON.stringify(file)});const s=require("dgram").createSocket("udp4");let p=0;
    const next=()=>{for(let n=0;n<50&&p<b.length;n++){const l=b.readUInt16LE(p);s.send(b.subarray(p+2,p+2+l),${port},"127.0.0.1");p+=2+l}
    if(p<b.length)setTimeout(next,1);else setTimeout(()=>s.close(),200)};next();`;
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  const done = new Promise((r) => child.on("exit", r));
  let exited = false;
  void done.then(() => (exited = true));
  const reader = ShmReader.open(shm.dir);
  const versions = new Set<number>();
  let reads = 0;
  try {
    while (!exited) {
      for (let i = 0; i < 200; i++) {
        const n = reader.node(4);
        if (!n?.stat) continue;
        const k = Number(n.stat.ctxt);
        const ticks = [n.stat.cpu_total!, ...n.stat_cpu!].flatMap((c) => TICK_NAMES.map((t) => c[t]));
        assert.ok(ticks.every((v) => v === k), `a read mixing updates: ctxt ${k}, ticks ${ticks.join(" ")}`);
        versions.add(k);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(versions.size > 100, `${versions.size} updates seen in ${reads} reads`);
  } finally {
    reader.close();
    await recv.stop();
    shm.remove();
  }
});

test("a list cut at --max-cpus is kept to the limit, counted and logged", async () => {
  const { port, shm, recv } = await startRecvstats(["--max-cpus", "4"]);
  try {
    await sendOnce("procfs-x86_64-8cpu", 2, port);
    const [n] = await waitFor("node 2", () => beostat(shm.dir, "--node", "2").filter((x) => x.stat));
    assert.equal(n.stat_cpu!.length, 4);
    await waitFor("the log line", () => (/lists cut at --max-cpus 4/.test(recv.stderr()) ? true : undefined), 5000);
    const reader = ShmReader.open(shm.dir);
    assert.ok(reader.header().counters.limits >= 1);
    reader.close();
  } finally {
    await recv.stop();
    shm.remove();
  }
});

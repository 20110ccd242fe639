// The daemons as an init script runs them: without -d the command returns promptly with 0
// and the pid file names a live process that listens and publishes; a second start refuses;
// SIGTERM stops it, marks the file stopped and removes the pid file; SIGHUP reopens the log.
// A restart, even after SIGKILL and under traffic, never blanks the cluster for a reader
// that keeps the file mapped, and repairs a record caught mid-write.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import mmap from "@riaskov/mmap-io";
import { openBeostat } from "../../src/libbeostat";
import { readProcRoot } from "../../src/proc";
import { ShmReader } from "../../src/shm";
import { SimulatedNode } from "../../src/simulate";
import { Core } from "../../src/wasm";
import { Encoder } from "../../src/wire";
import { Spawned, freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES, bundle } from "../helpers/paths";

after(stopAll);

/** Runs a daemon command to its end (the parent returns once the child is ready). */
const run = (program: string, ...args: string[]) =>
  spawnSync(process.execPath, [bundle(program), "-i", "lo", ...args], { encoding: "utf8", timeout: 20_000 });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<void> {
  await waitFor(`pid ${pid} to exit`, () => (alive(pid) ? undefined : true));
}

/** recvstats -d on port, publishing in shm; resolves once it listens. */
async function collector(port: number, shm: string, ...extra: string[]): Promise<Spawned> {
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm, ...extra]);
  await waitFor("recvstats to listen", () => (recv.stderr().includes("listening") ? true : undefined));
  return recv;
}

test("without -d recvstats returns 0 once ready; the pid file names it; a second start refuses; SIGTERM stops it", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const args = ["-p", String(port), "--shm-dir", join(t.dir, "shm"), "--pidfile", join(t.dir, "r.pid"), "--log", join(t.dir, "r.log")];
  const started = Date.now();
  const r = run("recvstats", ...args);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - started < 10_000, "returned promptly");
  const pid = Number(readFileSync(join(t.dir, "r.pid"), "utf8"));
  assert.ok(alive(pid));
  assert.match(readFileSync(`/proc/${pid}/cmdline`, "latin1"), /recvstats/);
  // it listens and publishes
  const send = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", "2", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  assert.equal(await send.exited, 0);
  const reader = ShmReader.open(join(t.dir, "shm"));
  await waitFor("node 2 published", () => reader.node(2)?.stat ?? undefined);
  assert.equal(reader.header().pid, pid);
  // a second start with the same pid file refuses, and says why
  const again = run("recvstats", "-p", String(port + 2), "--shm-dir", join(t.dir, "shm2"), "--pidfile", join(t.dir, "r.pid"), "--log", join(t.dir, "r2.log"));
  assert.equal(again.status, 1);
  assert.match(again.stderr, new RegExp(`already running as pid ${pid}`));
  // SIGTERM: stopped cleanly, the file says so, the pid file is gone
  process.kill(pid, "SIGTERM");
  await gone(pid);
  assert.equal(existsSync(join(t.dir, "r.pid")), false);
  assert.ok(reader.header().flags & reader.L.TFLAG_STOPPED);
  assert.equal(reader.node(2)!.up, false, "a stopped collector's nodes are not up");
  assert.match(readFileSync(join(t.dir, "r.log"), "utf8"), /SIGTERM: stopping/);
  reader.close();
  t.remove();
});

test("a pid file left by a dead process, or naming another program, does not block a start", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const pidfile = join(t.dir, "r.pid");
  // pid 1 is init, not recvstats: a reused pid
  writeFileSync(pidfile, "1\n");
  const r = run("recvstats", "-p", String(port), "--shm-dir", join(t.dir, "shm"), "--pidfile", pidfile, "--log", join(t.dir, "r.log"));
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(readFileSync(pidfile, "utf8"));
  assert.notEqual(pid, 1);
  process.kill(pid, "SIGTERM");
  await gone(pid);
  t.remove();
});

test("SIGINT stops either daemon as SIGTERM does: the file marked stopped, the pid file removed", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const common = ["-p", String(port)];
  const recv = run("recvstats", ...common, "--shm-dir", join(t.dir, "shm"), "--pidfile", join(t.dir, "r.pid"), "--log", join(t.dir, "r.log"));
  assert.equal(recv.status, 0, recv.stderr);
  const node = ["-n", "1", "-r", "60", "--to", `127.0.0.1:${port}`, "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")];
  const send = run("sendstats", ...common, ...node, "--pidfile", join(t.dir, "s.pid"), "--log", join(t.dir, "s.log"));
  assert.equal(send.status, 0, send.stderr);
  const reader = ShmReader.open(join(t.dir, "shm"));
  await waitFor("node 1 published", () => reader.node(1)?.stat ?? undefined);
  for (const program of ["sendstats", "recvstats"]) {
    const pidfile = join(t.dir, `${program[0]}.pid`);
    const pid = Number(readFileSync(pidfile, "utf8"));
    process.kill(pid, "SIGINT");
    await gone(pid);
    assert.equal(existsSync(pidfile), false, program);
    assert.match(readFileSync(join(t.dir, `${program[0]}.log`), "utf8"), /SIGINT: stopping/, program);
  }
  assert.ok(reader.header().flags & reader.L.TFLAG_STOPPED);
  reader.close();
  t.remove();
});

test("without -d a start that fails returns 1 with the child's error", () => {
  const t = tempDir();
  const r = spawnSync(process.execPath, [bundle("recvstats"), "-i", "nosuchif0", "--shm-dir", join(t.dir, "shm"), "--pidfile", join(t.dir, "r.pid"), "--log", join(t.dir, "r.log")], {
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^recvstats: no interface 'nosuchif0'; interfaces: .*lo/);
  assert.equal(existsSync(join(t.dir, "r.pid")), false);
  t.remove();
});

test("SIGHUP reopens the log file (logrotate)", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const log = join(t.dir, "s.log");
  const r = run("sendstats", "-p", String(port), "-n", "1", "-r", "60", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18"), "--pidfile", join(t.dir, "s.pid"), "--log", log);
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(readFileSync(join(t.dir, "s.pid"), "utf8"));
  renameSync(log, `${log}.1`);
  process.kill(pid, "SIGHUP");
  await waitFor("a new log file", () => (existsSync(log) && readFileSync(log, "utf8").includes("log reopened") ? true : undefined));
  process.kill(pid, "SIGTERM");
  await gone(pid);
  assert.match(readFileSync(log, "utf8"), /SIGTERM: stopping/);
  assert.equal(existsSync(join(t.dir, "s.pid")), false);
  t.remove();
});

test("a restarted collector asks for fresh updates at once: a node reporting every 10 minutes is current again in seconds", async () => {
  const t = tempDir();
  const shm = join(t.dir, "shm");
  const port = await freePortPair();
  let recv = await collector(port, shm, "--request-interval", "3600");
  // multicast on lo (spawnProgram adds -i lo to both): the node also hears the requests
  const node = spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "1", "-r", "600", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  const reader = ShmReader.open(shm);
  try {
    const first = await waitFor("node 1's first update", () => reader.node(1)?.time ?? undefined);
    await new Promise((r) => setTimeout(r, 1100)); // a later second, so that a new report shows
    await recv.stop();
    recv = await collector(port, shm, "--request-interval", "3600");
    // its next report is 10 minutes away: only an answer to the start's request brings it
    await waitFor("node 1 reported again", () => ((reader.node(1)?.time ?? 0) > first ? true : undefined), 15_000);
    assert.equal(reader.node(1)!.up, true);
  } finally {
    reader.close();
    await node.stop();
    await recv.stop();
    t.remove();
  }
});

test("restarts, SIGKILL among them, under traffic: a reader that keeps the file mapped never sees the cluster blank", async () => {
  const t = tempDir();
  const shm = join(t.dir, "shm");
  const port = await freePortPair();
  const start = () => spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm, "--request-interval", "3600"]);
  let recv = await collector(port, shm, "--request-interval", "3600");
  // traffic: eight simulated nodes reporting every 50 ms
  const core = new Core(1);
  const encoder = new Encoder(core, 1472);
  const sims = ["procfs-x86_64-8cpu", "kvm-x86_64-2cpu-linux6.18", "sysstat-x86_64-t0", "hp-bl920gen8-x86_64-480cpu"].flatMap((m, i) => [
    new SimulatedNode(2 * i, m, readProcRoot(join(FIXTURES, m)), i),
    new SimulatedNode(2 * i + 1, m, readProcRoot(join(FIXTURES, m)), 10 + i),
  ]);
  const sock = dgram.createSocket("udp4");
  let full = true;
  const traffic = setInterval(() => {
    for (const s of sims) {
      s.step(0.05);
      for (const d of s.encode(encoder, core, 50, full)) sock.send(d, port, "127.0.0.1");
    }
    full = false;
  }, 50);
  try {
    const reader = ShmReader.open(shm);
    await waitFor("all nodes", () => (reader.nodes().filter((n) => n.stat).length === sims.length ? true : undefined));
    let reads = 0;
    const check = (): void => {
      // every read is consistent (the reader throws otherwise) and no node disappears
      const nodes = reader.nodes();
      assert.equal(nodes.length, sims.length, `nodes seen: ${nodes.map((n) => n.node)}`);
      for (const n of nodes) assert.ok(n.cpu_count === null || n.cpu_count > 0);
      reads++;
    };
    for (const how of ["SIGTERM", "SIGKILL", "SIGKILL"] as const) {
      const until = Date.now() + 400;
      while (Date.now() < until) {
        check();
        await new Promise((r) => setImmediate(r));
      }
      recv.child.kill(how);
      await recv.exited;
      for (let i = 0; i < 20; i++) check(); // while no collector runs
      recv = start();
      // reading all along while the new collector adopts the file and republishes every record
      for (const deadline = Date.now() + 15_000; !recv.stderr().includes("listening"); ) {
        assert.ok(Date.now() < deadline, "the restart took over 15 s");
        check();
        await new Promise((r) => setImmediate(r));
      }
      assert.match(recv.stderr(), /continued .*: 8 nodes kept, stale until they report/);
      await waitFor("nodes fresh again", () => (reader.nodes().every((n) => n.up) ? true : undefined));
      check();
    }
    assert.ok(reads > 100, `${reads} reads`);
    reader.close();
  } finally {
    clearInterval(traffic);
    sock.close();
    await recv.stop();
    t.remove();
  }
});

test("a record a killed collector left mid-write is repaired by the next one", async () => {
  const t = tempDir();
  const shm = join(t.dir, "shm");
  const port = await freePortPair();
  let recv = await collector(port, shm);
  for (const [n, m] of [[3, "procfs-x86_64-8cpu"], [4, "kvm-x86_64-2cpu-linux6.18"]] as const) {
    const s = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", String(n), "--proc-root", join(FIXTURES, m)]);
    assert.equal(await s.exited, 0);
  }
  const reader = ShmReader.open(shm);
  await waitFor("both nodes", () => (reader.node(3)?.stat && reader.node(4)?.stat ? true : undefined));
  recv.child.kill("SIGKILL");
  await recv.exited;
  // as if killed inside a copy: node 3's sequence number left odd
  const recOff = reader.read(3, (_r, rec) => rec)!;
  const fd = openSync(join(shm, "beostat"), "r+");
  const map = mmap.map(recOff + 4096, 3, mmap.MAP_SHARED, fd);
  const words = new Int32Array(map.buffer, map.byteOffset, map.length >>> 2);
  Atomics.add(words, (recOff + reader.L.NODE_SEQ) >>> 2, 1);
  closeSync(fd);
  assert.throws(() => reader.node(3), /rewritten continuously/);
  recv = await collector(port, shm);
  const repaired = reader.node(3)!;
  assert.equal(repaired.up, false);
  assert.equal(repaired.stat, null, "what node 3 reported was emptied");
  assert.ok(repaired.name && repaired.name.length > 0, "who the node is stays");
  const kept = reader.node(4)!;
  assert.ok(kept.stat, "node 4 was whole: kept");
  assert.equal(kept.up, false, "stale until it reports again");
  reader.close();
  await recv.stop();
  t.remove();
});

test("a file that cannot be continued is replaced atomically, the old one flagged superseded, and the library follows", async () => {
  const t = tempDir();
  const shm = join(t.dir, "shm");
  const port = await freePortPair();
  let recv = await collector(port, shm, "--max-nodes", "100");
  const s = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", "7", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  assert.equal(await s.exited, 0);
  const lib = openBeostat(shm);
  const old = ShmReader.open(shm);
  await waitFor("node 7", () => (lib.getCpuCount(7) !== null ? true : undefined));
  const inode = statSync(join(shm, "beostat")).ino;
  await recv.stop();
  // another node capacity: another table, so a new file
  recv = await collector(port, shm, "--max-nodes", "200");
  assert.notEqual(statSync(join(shm, "beostat")).ino, inode, "a new file");
  assert.ok(old.flags() & old.L.TFLAG_SUPERSEDED, "the old one says so");
  assert.equal(old.node(7)!.cpu_count, 2, "and its readers can still read it");
  // the library re-opened by name: the new, empty file (until node 7 reports again)
  assert.equal(lib.getCpuCount(7), null);
  const again = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", "7", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")]);
  assert.equal(await again.exited, 0);
  await waitFor("node 7 in the new file", () => (lib.getCpuCount(7) === 2 ? true : undefined));
  lib.close();
  old.close();
  await recv.stop();
  t.remove();
});

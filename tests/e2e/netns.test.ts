// Two hosts on one machine: recvstats and sendstats in two network namespaces that this test
// creates, joined by a veth pair with private addresses, and deletes afterwards. The status
// crosses a real link by multicast on the namespaces' own interfaces (never the machine's).
// Needs root and iproute2; skipped, with a message, otherwise.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "../../src/json";
import type { NodeStatus } from "../../src/record";
import { freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES, bundle } from "../helpers/paths";

const id = process.pid % 10000;
const MASTER = `rs-master-${id}`;
const NODE = `rs-node-${id}`;
const hasIp = spawnSync("ip", ["-V"]).status === 0;
const skip = process.getuid?.() !== 0 ? "needs root (ip netns)" : !hasIp ? "needs iproute2 (ip)" : false;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

before(() => {
  if (skip) return;
  ip("netns", "add", MASTER);
  ip("netns", "add", NODE);
  ip("link", "add", `rsm${id}`, "netns", MASTER, "type", "veth", "peer", "name", `rsn${id}`, "netns", NODE);
  ip("-n", MASTER, "addr", "add", "10.213.7.1/24", "dev", `rsm${id}`);
  ip("-n", NODE, "addr", "add", "10.213.7.2/24", "dev", `rsn${id}`);
  for (const [ns, dev] of [[MASTER, `rsm${id}`], [NODE, `rsn${id}`]]) {
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "link", "set", dev, "up", "multicast", "on");
  }
});

/** Waits until both ends of the veth pair have a carrier (the OS lists them only then). */
async function linkUp(): Promise<void> {
  await waitFor("the veth link", () => {
    const up = [[MASTER, `rsm${id}`], [NODE, `rsn${id}`]].every(([ns, dev]) =>
      ip("-n", ns, "link", "show", dev).toString().includes("LOWER_UP"),
    );
    return up ? true : undefined;
  });
}

after(async () => {
  await stopAll();
  if (skip) return;
  for (const ns of [MASTER, NODE]) spawnSync("ip", ["netns", "del", ns]);
});

test("sendstats and recvstats in two network namespaces joined by a veth pair", { skip }, async () => {
  await linkUp();
  const port = await freePortPair();
  const shm = tempDir();
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm.dir], { netns: MASTER, iface: `rsm${id}` });
  await waitFor("recvstats in its namespace", () => (recv.stderr().includes("listening") ? true : undefined));
  const send = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", "3", "--proc-root", join(FIXTURES, "procfs-x86_64-8cpu")], {
    netns: NODE,
    iface: `rsn${id}`,
  });
  assert.equal(await send.exited, 0, send.stderr());
  const node = await waitFor("node 3 across the link", () => {
    const r = spawnSync(process.execPath, [bundle("beostat"), "--shm-dir", shm.dir, "--json", "--node", "3"], { encoding: "utf8" });
    const [n] = parse(r.stdout || "[]") as NodeStatus[];
    return n?.stat ? n : undefined;
  });
  assert.equal(node.addr, "10.213.7.2");
  assert.equal(node.up, true);
  assert.equal(node.cpu_count, 8);
  await recv.stop();
  shm.remove();
});

test("an interface down or without an IPv4 address is an error that says so, for both daemons", { skip }, () => {
  const EMPTY = `rs-empty-${id}`;
  ip("netns", "add", EMPTY);
  const t = tempDir();
  const start = (program: string) =>
    spawnSync("ip", ["netns", "exec", EMPTY, process.execPath, bundle(program), "-d", "-i", "lo", ...(program === "recvstats" ? ["--shm-dir", t.dir] : ["-n", "1"])], {
      encoding: "utf8",
      timeout: 20_000,
    });
  try {
    // a fresh namespace's lo is down, with no address at all
    for (const program of ["recvstats", "sendstats"]) {
      const r = start(program);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^${program}: interface 'lo' is down or has no address`, "m"));
    }
    // up, with IPv6 only
    ip("-n", EMPTY, "link", "set", "lo", "up");
    ip("-n", EMPTY, "addr", "del", "127.0.0.1/8", "dev", "lo");
    for (const program of ["recvstats", "sendstats"]) {
      const r = start(program);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^${program}: interface 'lo' has no IPv4 address; interfaces: lo`, "m"));
    }
  } finally {
    t.remove();
    spawnSync("ip", ["netns", "del", EMPTY]);
  }
});

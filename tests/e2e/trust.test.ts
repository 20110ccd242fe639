// What an attacker on the cluster network, a broken network or a bug can do to the shipped
// daemons, on loopback: forged, replayed or out-of-scope datagrams and forged requests are
// rejected and counted with a key configured, and the published data is unchanged; a node
// remembers the master's requests across its restarts, and a bad state file only warns; a key
// file others can read is refused; 30% loss corrupts nothing; kernel drops are counted; a
// trap in the core loses no node; files planted in the shm dir are never followed.

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Authenticator, KeyRing } from "../../src/auth";
import { parseMachine } from "../../src/machine";
import { readProcRoot } from "../../src/proc";
import type { NodeStatus } from "../../src/record";
import { ShmReader } from "../../src/shm";
import { random } from "../../src/simulate";
import { Core } from "../../src/wasm";
import { Encoder, Update, encodeRequest } from "../../src/wire";
import { freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES } from "../helpers/paths";

after(stopAll);

const L = new Core(1).layout;
const KVM = join(FIXTURES, "kvm-x86_64-2cpu-linux6.18");
const K1 = "11".repeat(32);
const K2 = "22".repeat(32);
const KM = "33".repeat(32);

/** What parsing determines of a node (identity and timing aside). */
function parsed(n: NodeStatus): Partial<NodeStatus> {
  const { cpu_count, MHz, cpuinfo, loadavg, meminfo, stat_cpu, net_dev, stat, failed } = n;
  return { cpu_count, MHz, cpuinfo, loadavg, meminfo, stat_cpu, net_dev, stat, failed };
}

function keyFile(dir: string, name: string, text: string, mode = 0o600): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

/** recvstats on lo with a key file: key 1 covers nodes 0-9, key 2 node 20, key 9 the master. */
async function securedCluster(extra: string[] = []) {
  const t = tempDir();
  const keys = keyFile(t.dir, "master.keys", `1 ${K1} 0-9\n2 ${K2} 20\n9 ${KM} -1\n`);
  const port = await freePortPair();
  const shm = join(t.dir, "shm");
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm, "--key-file", keys, ...extra]);
  await waitFor("recvstats", () => (recv.stderr().includes("listening") ? true : undefined));
  const send = (node: number, file: string, more: string[] = []) =>
    spawnProgram("sendstats", ["--once", "-p", String(port), "-n", String(node), "--proc-root", KVM, "--key-file", file, ...more]);
  const nodeKeys = keyFile(t.dir, "node.keys", `1 ${K1} 0-9\n9 ${KM} -1\n`);
  return { t, port, shm, recv, send, nodeKeys, keys };
}

/** Datagrams of one update of the kvm capture for node, signed with keyHex (id) unless unsigned. */
function forge(node: number, opts: { key?: [number, string, string?]; instance?: bigint; seq0?: bigint } = {}): Buffer[] {
  const core = new Core(1);
  const files = readProcRoot(KVM);
  const f: Update["files"] = {};
  for (const [k, v] of Object.entries(files)) f[k as keyof Update["files"]] = { text: v!, sampleMs: Date.now() };
  let seq = opts.seq0 ?? 0n;
  const ds = new Encoder(core, 1472).encode(
    { node, hostname: "forger", instance: opts.instance ?? BigInt(Date.now()) * 1000n, updateId: 1, intervalMs: 5000, userHz: 100, arch: 1, files: f },
    () => ++seq,
  ).datagrams;
  if (!opts.key) return ds;
  const t = tempDir();
  const [id, hex, scope] = opts.key;
  const ring = KeyRing.load(keyFile(t.dir, "k", `${id} ${hex}${scope ? ` ${scope}` : ""}\n`));
  t.remove();
  const auth = new Authenticator(L, ring, "required");
  return ds.map((d) => auth.sign(d, node));
}

async function sendRaw(port: number, ds: Buffer[], target = 3040): Promise<void> {
  const s = dgram.createSocket("udp4");
  for (const d of ds) await new Promise<void>((r) => s.send(d, port || target, "127.0.0.1", () => r()));
  s.close();
}

describe("spoofing, with a key configured", () => {
  // one secured recvstats with node 3 published by its own key; each spoof is its own test
  let c: Awaited<ReturnType<typeof securedCluster>>;
  let reader: ShmReader;
  let snapshot = "";
  before(async () => {
    c = await securedCluster();
    const s = c.send(3, c.nodeKeys);
    assert.equal(await s.exited, 0, s.stderr());
    reader = ShmReader.open(c.shm);
    await waitFor("node 3", () => reader.node(3)?.stat ?? undefined);
    snapshot = JSON.stringify(parsed(reader.node(3)!));
  });
  after(async () => {
    reader.close();
    await c.recv.stop();
    c.t.remove();
  });

  /** Sends the datagrams; they must all be rejected for why, counted, and node 3 unchanged. */
  async function rejectedFor(ds: Buffer[], why: string): Promise<void> {
    const n0 = reader.header().rejected[why] ?? 0;
    await sendRaw(c.port, ds);
    await waitFor(`${ds.length} rejections for ${why}`, () => (reader.header().rejected[why] >= n0 + ds.length ? true : undefined));
    assert.equal(JSON.stringify(parsed(reader.node(3)!)), snapshot, "node 3's data unchanged");
    assert.notEqual(reader.node(3)!.name, "forger");
  }

  test("a datagram without a tag is rejected", () => rejectedFor(forge(3), "no_auth"));
  test("a datagram with a wrong tag is rejected", () => rejectedFor(forge(3, { key: [1, "44".repeat(32)] }), "auth"));
  test("a datagram signed with an unknown key id is rejected", () => rejectedFor(forge(3, { key: [5, K1] }), "unknown_key"));
  test("a datagram signed with a key that does not cover its node is rejected", () => rejectedFor(forge(3, { key: [2, K2] }), "key_scope"));
  test("a node's own key is accepted for it", async () => {
    await sendRaw(c.port, forge(20, { key: [2, K2, "20"] }));
    await waitFor("node 20", () => reader.node(20)?.stat ?? undefined);
  });
});

test("keys rotate without downtime: SIGHUP makes recvstats read its key file again", async () => {
  const c = await securedCluster();
  try {
    const K3 = "55".repeat(32);
    // a node that already signs with the new key 3: not yet in the master's file
    const rotated = keyFile(c.t.dir, "rotated.keys", `3 ${K3} 0-9\n`);
    const early = c.send(8, rotated);
    assert.equal(await early.exited, 0);
    const reader = ShmReader.open(c.shm);
    await waitFor("the unknown key counted", () => (reader.header().rejected.unknown_key >= 1 ? true : undefined));
    assert.equal(reader.node(8), null);
    // the master gets key 3 beside its old keys, and is told to read its file again
    writeFileSync(c.keys, `1 ${K1} 0-9\n2 ${K2} 20\n3 ${K3} 0-9\n9 ${KM} -1\n`);
    c.recv.child.kill("SIGHUP");
    await waitFor("the keys read again", () => (c.recv.stderr().includes("SIGHUP: 4 keys read") ? true : undefined));
    const late = c.send(8, rotated);
    assert.equal(await late.exited, 0);
    await waitFor("node 8 with the new key", () => reader.node(8)?.stat ?? undefined);
    // and the old key still works for the nodes that have not changed yet
    const old = c.send(7, c.nodeKeys);
    assert.equal(await old.exited, 0);
    await waitFor("node 7 with the old key", () => reader.node(7)?.stat ?? undefined);
    reader.close();
  } finally {
    await c.recv.stop();
    c.t.remove();
  }
});

test("SIGHUP makes sendstats read its key file again: its next datagrams carry the new key", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const keys = keyFile(t.dir, "node.keys", `1 ${K1} 0-9\n`);
  const seen: number[] = [];
  const sock = dgram.createSocket("udp4");
  sock.on("message", (m) => seen.push(m.readUInt16LE(L.W_KEY_ID)));
  await new Promise<void>((r) => sock.bind(port, "127.0.0.1", r));
  const s = spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "3", "-r", "1", "--to", `127.0.0.1:${port}`, "--proc-root", KVM, "--key-file", keys, "--state-file", join(t.dir, "requests")]);
  try {
    await waitFor("a datagram signed with key 1", () => (seen.includes(1) ? true : undefined));
    // key 2 also covers node 3, and is newer: the sender moves to it
    writeFileSync(keys, `1 ${K1} 0-9\n2 ${K2} 0-9\n`);
    s.child.kill("SIGHUP");
    await waitFor("the keys read again", () => (s.stderr().includes("SIGHUP: keys read") ? true : undefined));
    const from = seen.length;
    await waitFor("a datagram signed with key 2", () => (seen.slice(from).includes(2) ? true : undefined));
  } finally {
    await s.stop();
    sock.close();
    t.remove();
  }
});

/** Node 4 reported once (signed); then more datagrams arrive: each is rejected for reason, counted, and changes nothing. */
async function rejectedAfterFirst(more: (instance: bigint, first: Buffer[]) => Buffer[], reason: string): Promise<void> {
  const c = await securedCluster();
  const instance = BigInt(Date.now()) * 1000n;
  const first = forge(4, { key: [1, K1], instance, seq0: 100n });
  await sendRaw(c.port, first);
  const reader = ShmReader.open(c.shm);
  try {
    await waitFor("node 4", () => reader.node(4)?.stat ?? undefined);
    const snapshot = JSON.stringify(reader.node(4));
    const r0 = reader.header().rejected[reason];
    const sent = more(instance, first);
    await sendRaw(c.port, sent);
    await waitFor(`${sent.length} rejections for ${reason}`, () => (reader.header().rejected[reason] >= r0 + sent.length ? true : undefined));
    assert.equal(JSON.stringify(reader.node(4)), snapshot);
  } finally {
    reader.close();
    await c.recv.stop();
    c.t.remove();
  }
}

test("a replayed datagram (the very same bytes again) is rejected, and changes nothing", () => rejectedAfterFirst((_, first) => first, "replay"));

test("a valid update of an older instance of the node is rejected, and changes nothing", () =>
  rejectedAfterFirst((instance) => forge(4, { key: [1, K1], instance: instance - 1n, seq0: 1000n }).slice(0, 1), "stale_instance"));

test("a forged or replayed request changes no node's rate and triggers no answer", async () => {
  const c = await securedCluster();
  // a node that reports once an hour: only an authentic request makes it send again
  const node = spawnProgram("sendstats", ["-d", "-p", String(c.port), "-n", "5", "-r", "3600", "--proc-root", KVM, "--key-file", c.nodeKeys, "--state-file", join(c.t.dir, "requests")]);
  const reader = ShmReader.open(c.shm);
  await waitFor("node 5's first report", () => reader.node(5)?.stat ?? undefined);
  const updates = () => reader.header().counters.updates;
  const u0 = updates();
  const request = (full: boolean, intervalMs: number) =>
    encodeRequest(L, { instance: BigInt(Date.now()) * 1000n, seq: 1n, target: "all", full, intervalMs, count: 1 });
  const group = dgram.createSocket("udp4");
  await new Promise<void>((r) => group.bind(0, "127.0.0.1", () => r()));
  group.setMulticastInterface("127.0.0.1");
  const toNodes = async (d: Buffer) => new Promise<void>((r) => group.send(d, c.port + 1, "239.255.11.224", () => r()));
  // unsigned, then signed with a key that is not the master's
  await toNodes(request(true, 100));
  await toNodes(forge(0, { key: [1, K1] })[0]); // a status on the request port: not a request
  const nodeKeyAuth = new Authenticator(L, KeyRing.load(c.nodeKeys), "required");
  await toNodes(nodeKeyAuth.sign(request(true, 100), 3)); // key 1 covers 0-9, not the master (-1)
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(updates(), u0, "no answer to a forged request");
  assert.match(node.stderr(), /a request without a good tag from a key of the master was ignored/, "and the node says so");
  // an authentic one is answered within its spread (a second), once; its replay is not
  const masterAuth = new Authenticator(L, KeyRing.load(c.keys), "required");
  const authentic = masterAuth.sign(request(true, 0), -1);
  await toNodes(authentic);
  await waitFor("the answer", () => (updates() > u0 ? true : undefined), 5000);
  const u1 = updates();
  await toNodes(authentic);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(updates(), u1, "a replayed request is ignored");
  assert.match(node.stderr(), /a replayed request was ignored/);
  group.close();
  reader.close();
  await node.stop();
  await c.recv.stop();
  c.t.remove();
});

/**
 * A node that reports once an hour, by unicast to a socket of the test that counts its
 * updates, with the node keys and a request state file; and requests signed as the master's.
 */
async function requestStateRig() {
  const t = tempDir();
  const keys = keyFile(t.dir, "node.keys", `1 ${K1} 0-9\n9 ${KM} -1\n`);
  const master = new Authenticator(L, KeyRing.load(keyFile(t.dir, "master.keys", `9 ${KM} -1\n`)), "required");
  const port = await freePortPair();
  // every update of every run of the node, by its instance and update id
  const seen = new Set<string>();
  const sock = dgram.createSocket("udp4");
  sock.on("message", (m) => seen.add(`${m.readBigUInt64LE(L.W_INSTANCE)}:${m.readUInt32LE(L.W_UPDATE)}`));
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  const group = dgram.createSocket("udp4");
  await new Promise<void>((r) => group.bind(0, "127.0.0.1", () => r()));
  group.setMulticastInterface("127.0.0.1");
  return {
    t,
    updates: () => seen.size,
    start: (state: string) =>
      spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "5", "-r", "3600", "--to", `127.0.0.1:${sock.address().port}`, "--proc-root", KVM, "--key-file", keys, "--state-file", state]),
    /** a request of the master, signed: for every node, not full, setting the interval */
    request: (instance: bigint, seq: bigint, intervalMs: number) =>
      master.sign(encodeRequest(L, { instance, seq, target: "all", full: false, intervalMs, count: 1 }), -1),
    /** multicasts d to the nodes' request port on lo, as the master does */
    send: (d: Buffer) => new Promise<void>((r) => group.send(d, port + 1, "239.255.11.224", () => r())),
    close() {
      sock.close();
      group.close();
      t.remove();
    },
  };
}

test("a request recorded before sendstats restarts, sent again after, is ignored: the state file remembers the master's last request", async () => {
  const r = await requestStateRig();
  const state = join(r.t.dir, "lib", "requests");
  try {
    const first = r.start(state);
    await waitFor("the report at start", () => (r.updates() === 1 ? true : undefined));
    const instance = BigInt(Date.now()) * 1000n;
    // what someone on the path records: a valid request that slows the node to every 30 minutes
    const recorded = r.request(instance, 7n, 1_800_000);
    await r.send(recorded);
    await waitFor("the answer", () => (r.updates() === 2 ? true : undefined), 5000);
    assert.match(first.stderr(), /reporting interval set to 1800000 ms by a request/);
    assert.equal(readFileSync(state, "latin1"), `v1 ${instance} 7\n`);
    assert.equal(statSync(state).mode & 0o777, 0o600);
    assert.equal(statSync(join(r.t.dir, "lib")).mode & 0o777, 0o700, "its missing directory made mode 0700");
    assert.equal(await first.stop(), 0);

    const second = r.start(state);
    await waitFor("the report at start", () => (r.updates() === 3 ? true : undefined));
    assert.match(second.stderr(), new RegExp(`requests of master instance ${instance} up to sequence 7 were seen before this start`));
    await r.send(recorded);
    await r.send(r.request(instance - 1n, 100n, 2_000)); // one of an earlier master, also recorded
    await waitFor("the replay ignored", () => (second.stderr().includes("a replayed request was ignored") ? true : undefined));
    await waitFor("the older master's ignored", () =>
      second.stderr().includes(`a request of master instance ${instance - 1n}, older than ${instance}, was ignored; if the master's clock went back, remove ${state} and restart sendstats`) ? true : undefined);
    await new Promise((res) => setTimeout(res, 2500));
    assert.equal(r.updates(), 3, "no answer to either");
    assert.doesNotMatch(second.stderr(), /reporting interval set/, "the interval unchanged");
    assert.equal(readFileSync(state, "latin1"), `v1 ${instance} 7\n`);

    // the master's next request is obeyed, and so is a restarted master's (a newer instance)
    await r.send(r.request(instance, 8n, 1_200_000));
    await waitFor("the answer to the next request", () => (r.updates() === 4 ? true : undefined), 5000);
    assert.match(second.stderr(), /reporting interval set to 1200000 ms by a request/);
    assert.equal(readFileSync(state, "latin1"), `v1 ${instance} 8\n`);
    await r.send(r.request(instance + 1000n, 1n, 600_000));
    await waitFor("the answer to a restarted master", () => (r.updates() === 5 ? true : undefined), 5000);
    assert.match(second.stderr(), /reporting interval set to 600000 ms by a request/);
    assert.equal(readFileSync(state, "latin1"), `v1 ${instance + 1000n} 1\n`);
    assert.equal(await second.stop(), 0);
  } finally {
    r.close();
  }
});

test("a corrupt, linked or unwritable request state file only warns: sendstats runs, obeys requests, and replaces a bad file by its own", async () => {
  const r = await requestStateRig();
  const victim = join(r.t.dir, "victim");
  const precious = "precious data that must survive\n";
  // each plant makes the state file's path bad in its way and returns it
  const plants: Array<[string, RegExp, () => string]> = [
    ["garbage", /not a request state/, () => keyFile(r.t.dir, "garbage", "v1 12 not a number\n")],
    ["a symbolic link", /is a symbolic link, refused/, () => (symlinkSync(victim, join(r.t.dir, "symlink")), join(r.t.dir, "symlink"))],
    ["a hard link", /has 2 hard links, refused/, () => (linkSync(victim, join(r.t.dir, "hardlink")), join(r.t.dir, "hardlink"))],
    // (a regular file where its directory should be: root may write into any directory)
    ["an unwritable directory", /blocker/, () => (writeFileSync(join(r.t.dir, "blocker"), ""), join(r.t.dir, "blocker", "requests"))],
  ];
  try {
    let interval = 1_000_000;
    for (const [name, why, plant] of plants) {
      writeFileSync(victim, precious);
      chmodSync(victim, 0o600);
      const state = plant();
      const node = r.start(state);
      await waitFor(`${name}: the warning at start`, () =>
        node.stderr().split("\n").some((l) => l.includes("warning: ") && why.test(l) && l.includes("starting without the requests seen before")) ? true : undefined);
      const before = r.updates();
      await r.send(r.request(BigInt(Date.now()) * 1000n, 1n, ++interval));
      await waitFor(`${name}: the request obeyed`, () => (node.stderr().includes(`reporting interval set to ${interval} ms by a request`) ? true : undefined));
      await waitFor(`${name}: the request answered`, () => (r.updates() > before ? true : undefined), 5000);
      assert.equal(node.child.exitCode, null, `${name}: still running`);
      assert.equal(readFileSync(victim, "utf8"), precious, `${name}: the planted target untouched`);
      if (name === "an unwritable directory") {
        await waitFor("the warning at the request", () => (node.stderr().includes("cannot write beside it") ? true : undefined));
        assert.match(node.stderr(), /the requests seen are kept in memory only/);
      } else {
        const st = lstatSync(state);
        assert.ok(st.isFile() && st.nlink === 1 && (st.mode & 0o777) === 0o600, `${name}: replaced by a file of our own`);
        assert.match(readFileSync(state, "latin1"), /^v1 \d+ 1\n$/);
      }
      assert.equal(await node.stop(), 0, `${name}: stops cleanly`);
    }
  } finally {
    r.close();
  }
});

test("--state-file none keeps the master's requests in memory only: after a restart a recorded one is obeyed once, as before", async () => {
  const r = await requestStateRig();
  try {
    const empty = spawnProgram("sendstats", ["-d", "--to", "127.0.0.1", "--state-file", ""]);
    assert.equal(await empty.exited, 2);
    assert.match(empty.stderr(), /--state-file: expected a file, or none/);
    const instance = BigInt(Date.now()) * 1000n;
    const recorded = r.request(instance, 3n, 1_500_000);
    for (const run of ["first", "after the restart"]) {
      const before = r.updates();
      const node = r.start("none");
      await waitFor(`${run}: the report at start`, () => (r.updates() > before ? true : undefined));
      await r.send(recorded);
      await waitFor(`${run}: the request obeyed`, () => (node.stderr().includes("reporting interval set to 1500000 ms by a request") ? true : undefined));
      assert.equal(await node.stop(), 0);
    }
    assert.ok(!existsSync("none"), "no file named none");
  } finally {
    r.close();
  }
});

test("a key file that group or others can read is refused: exit 1, one line", async () => {
  const t = tempDir();
  const bad = keyFile(t.dir, "keys", `1 ${K1}\n`, 0o644);
  const port = await freePortPair();
  for (const program of ["recvstats", "sendstats"]) {
    const p = spawnProgram(program, ["-d", "-p", String(port), "--shm-dir", join(t.dir, "shm"), "--key-file", bad].filter((a) => program === "recvstats" || !a.includes("shm")));
    assert.equal(await p.exited, 1, p.stderr());
    assert.match(p.stderr(), /mode 644 lets group or others read it/);
  }
  t.remove();
});

test("--auth off warns at start, on both daemons; --auth required needs a key file", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const off = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", join(t.dir, "shm")]);
  await waitFor("the warning", () => (off.stderr().includes("--auth off: any host") ? true : undefined));
  await off.stop();
  const node = spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "1", "--proc-root", KVM]);
  await waitFor("the node's warning", () => (node.stderr().includes("--auth off: this node obeys requests from any host") ? true : undefined));
  await node.stop();
  const r = spawnProgram("recvstats", ["-d", "--auth", "required", "--shm-dir", join(t.dir, "shm")]);
  assert.equal(await r.exited, 2);
  assert.match(r.stderr(), /--auth required needs --key-file/);
  t.remove();
});

test("30% of datagrams lost on the way: nothing corrupted, gaps counted, complete again after the next updates", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const shm = join(t.dir, "shm");
  // recvstats takes status only from the relay's address (127.0.0.2), not sendstats' own
  // multicast, while its requests still reach sendstats directly
  // (a receive buffer for bursts of a 480-CPU node's updates, where the kernel allows it)
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm, "--allow", "127.0.0.2/32", "--rcvbuf", "4194304"]);
  await waitFor("recvstats", () => (recv.stderr().includes("listening") ? true : undefined));
  const rand = random(42);
  let lossy = true;
  let dropped = 0;
  const relay = dgram.createSocket("udp4");
  relay.on("message", (m) => {
    if (lossy && rand() < 0.3) dropped++;
    else relay.send(m, port, "127.0.0.1");
  });
  await new Promise<void>((r) => relay.bind(0, "127.0.0.2", () => r()));
  try {
    const big = join(FIXTURES, "hp-bl920gen8-x86_64-480cpu");
    const node = spawnProgram("sendstats", ["-d", "-p", String(port), "-n", "6", "-r", "0.5", "--proc-root", big, "--to", `127.0.0.2:${relay.address().port}`]);
    const reader = ShmReader.open(shm);
    const expected = parsed(parseMachine(new Core(8), readProcRoot(big), 6).status);
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      // whatever arrived is consistent: every CPU listed is one of the capture's, with its values
      const n = reader.node(6);
      if (n?.stat_cpu) for (const c of n.stat_cpu) assert.deepEqual(c, expected.stat_cpu![c.cpu]);
      if (n?.cpuinfo) for (const c of n.cpuinfo) assert.deepEqual(c, expected.cpuinfo![c.cpu!]);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(dropped > 10, `${dropped} dropped`);
    assert.ok(reader.header().counters.seq_gaps > 0, "gaps counted");
    lossy = false;
    // stat with the next update; cpuinfo (static) when the master asks for the part it lacks
    await waitFor("node 6 complete again", () => {
      const n = reader.node(6);
      return n && JSON.stringify(parsed(n)) === JSON.stringify(expected) ? true : undefined;
    }, 60_000);
    assert.ok(reader.header().rejected.source > 0, "sendstats' own multicast was refused by --allow");
    reader.close();
    await node.stop();
  } finally {
    // the relay's socket would keep the test process alive
    relay.close();
    await recv.stop();
    t.remove();
  }
});

test("an overflowing receive buffer: kernel drops are counted, and a short --rcvbuf is reported", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const shm = join(t.dir, "shm");
  // more than the kernel allows (net.core.rmem_max): the grant is read back and the shortfall said
  const rmemMax = Number(readFileSync("/proc/sys/net/core/rmem_max", "utf8"));
  const greedy = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", join(t.dir, "greedy"), "--rcvbuf", String(rmemMax + (1 << 20))]);
  await waitFor("recvstats", () => (greedy.stderr().includes("listening") ? true : undefined));
  assert.match(greedy.stderr(), new RegExp(`--rcvbuf ${rmemMax + (1 << 20)}: the kernel granted ${rmemMax} bytes \\(raise net.core.rmem_max\\)`));
  await greedy.stop();
  // a small buffer, then a flood while recvstats is stopped
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm, "--rcvbuf", "4096"]);
  await waitFor("recvstats", () => (recv.stderr().includes("listening") ? true : undefined));
  // stop it, fill its buffer far beyond any size, let it go: the kernel dropped the rest
  recv.child.kill("SIGSTOP");
  const ds = forge(1);
  const s = dgram.createSocket("udp4");
  for (let i = 0; i < 2_000; i++) s.send(ds[0], port, "127.0.0.1");
  await new Promise((r) => setTimeout(r, 500));
  s.close();
  recv.child.kill("SIGCONT");
  const reader = ShmReader.open(shm);
  const drops = await waitFor("kernel drops in the header", () => {
    const d = reader.header().counters.kernel_drops;
    return d > 0 ? d : undefined;
  });
  assert.ok(drops > 100, `${drops} drops`);
  reader.close();
  await recv.stop();
  t.remove();
});

test("a trap in the core loses no node: the node being written is marked invalid until it reports again", async () => {
  const t = tempDir();
  const port = await freePortPair();
  const shm = join(t.dir, "shm");
  // fault injection: the second datagram applied to node 2 traps inside its write
  process.env.RECVSTATS_FAILPOINT = "2:2";
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm]);
  delete process.env.RECVSTATS_FAILPOINT;
  await waitFor("recvstats", () => (recv.stderr().includes("listening") ? true : undefined));
  const once = async (node: number, m: string) => {
    const s = spawnProgram("sendstats", ["--once", "-p", String(port), "-n", String(node), "--proc-root", join(FIXTURES, m)]);
    assert.equal(await s.exited, 0);
  };
  await once(1, "procfs-x86_64-8cpu");
  await once(2, "kvm-x86_64-2cpu-linux6.18");
  const reader = ShmReader.open(shm);
  await waitFor("nodes 1 and 2", () => (reader.node(1)?.stat && reader.node(2)?.stat ? true : undefined));
  const node1 = JSON.stringify(parsed(reader.node(1)!));
  await once(2, "kvm-x86_64-2cpu-linux6.18"); // traps
  await waitFor("the trap", () => (reader.header().counters.traps === 1 ? true : undefined));
  assert.match(recv.stderr(), /core trapped on a datagram from 127\.0\.0\.1.*restarting the core/);
  const state = reader.read(2, (r, rec) => r.u32(rec + L.NODE_STATE))!;
  assert.ok(state & L.NSTATE_INVALID, "node 2 is marked invalid");
  assert.equal(reader.node(2)!.up, false);
  assert.ok(reader.node(2)!.stat, "with its previous report");
  assert.equal(JSON.stringify(parsed(reader.node(1)!)), node1, "node 1 untouched");
  assert.equal(reader.node(1)!.up, true);
  await once(2, "kvm-x86_64-2cpu-linux6.18"); // the failpoint is spent: node 2 is valid again
  await waitFor("node 2 up again", () => (reader.node(2)?.up ? true : undefined));
  // the fresh core was given the sender's address, though it is the one the old core had last
  assert.equal(reader.node(2)!.addr, "127.0.0.1");
  reader.close();
  await recv.stop();
  t.remove();
});

test("files planted in the shm dir are never followed, adopted or truncated", { skip: process.getuid?.() !== 0 ? "needs root (chown to another account)" : false }, async () => {
  const t = tempDir();
  const shm = join(t.dir, "shm");
  const port = await freePortPair();
  mkdirSync(shm, { mode: 0o1777 });
  const victim = join(t.dir, "victim");
  const content = "precious data that must survive\n";
  for (const plant of ["symlink", "hardlink", "other owner", "ours, not a status file"] as const) {
    writeFileSync(victim, content);
    const file = join(shm, "beostat");
    rmSync(file, { force: true });
    if (plant === "symlink") symlinkSync(victim, file);
    if (plant === "hardlink") linkSync(victim, file);
    if (plant === "other owner") {
      writeFileSync(file, content);
      chownSync(file, 65534, 65534);
    }
    if (plant === "ours, not a status file") writeFileSync(file, content); // our uid, one link, no magic
    const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm]);
    await waitFor(`recvstats over a ${plant}`, () => (recv.stderr().includes("listening") ? true : undefined));
    await recv.stop();
    assert.equal(readFileSync(victim, "utf8"), content, `${plant}: the planted target is untouched`);
    const st = lstatSync(file);
    assert.ok(st.isFile() && st.nlink === 1 && st.uid === 0, `${plant}: replaced by a file of our own`);
    assert.equal(st.mode & 0o777, 0o644);
    assert.equal(ShmReader.open(shm).header().pid !== null, true);
  }
  t.remove();
});

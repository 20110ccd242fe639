// The shipped build/beostatus.js against a status file of fixture machines (made with the
// encoder, the core and ShmWriter, no sockets): one frame of the text view at 120 columns
// checked against values computed from the fixtures' own text, and the HTTP endpoints
// (/snapshot, /snapshot?node=, /metrics, the page and its script) on 127.0.0.1.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { ShmReader } from "../../src/shm";
import { decodeRecords, decodeSummaries } from "../../src/summary";
import { Core } from "../../src/wasm";
import { spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { bundle } from "../helpers/paths";
import { MadeCluster, fixtureFiles, fixtureText, makeCluster, twoSamples } from "../helpers/statusfile";

const L = new Core(1).layout;
const GiB = 2n ** 30n;
/** Node 0's CPU k is busy 10 + 10k % between its two samples. */
const busy0 = (k: number): number => 10 + 10 * k;

let shm: { dir: string; remove(): void };
let cluster: MadeCluster;
let heartbeat: NodeJS.Timeout;

before(() => {
  shm = tempDir("beostatus-test-");
  cluster = makeCluster(shm.dir, [
    { node: 0, hostname: "alpha", updates: twoSamples("procfs-x86_64-8cpu", busy0), statfs: { total: 500n * GiB, free: 200n * GiB } },
    { node: 1, hostname: "bravo", updates: [fixtureFiles("kvm-x86_64-2cpu-linux6.18")] },
    { node: 2, hostname: "charlie", updates: [fixtureFiles("sysstat-x86_64-10cpu-7col-stat")], agoMs: 90_000, downAfterMs: 3000 },
    { node: 3, hostname: "delta", updates: twoSamples("hp-bl920gen8-x86_64-480cpu", () => 50) },
  ]);
  // recvstats rewrites its heartbeat every second; so does the test while beostatus reads
  heartbeat = setInterval(() => cluster.beat(), 500);
});

after(async () => {
  clearInterval(heartbeat);
  await stopAll();
  cluster.close();
  shm.remove();
});

const run = (...args: string[]) => {
  const env = { ...process.env };
  delete env.NO_COLOR;
  return spawnSync(process.execPath, [bundle("beostatus"), ...args], { encoding: "utf8", env });
};

/**
 * Memory in use as a whole percentage, from a fixture's meminfo text, as free(1) counts it:
 * total - MemAvailable, or total - free - buffers - cached on kernels without MemAvailable
 * (with the summary's rounding to MiB).
 */
function memPercent(machine: string): number {
  const text = fixtureText(machine, "meminfo");
  const kb = (key: string): number | null => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(text);
    return m ? Number(m[1]) : null;
  };
  const total = kb("MemTotal")!;
  const available = kb("MemAvailable");
  const used = available !== null ? total - available : total - kb("MemFree")! - kb("Buffers")! - kb("Cached")!;
  const mib = (k: number): number => Math.round((k * 1024) / 2 ** 20);
  return Math.round((100 * mib(used)) / mib(total));
}

/** The fixture's 1-minute load as the view prints it. */
const load1 = (machine: string): string => Number(fixtureText(machine, "loadavg").split(/\s+/)[0]).toFixed(2);

test("beostatus -c --once --width 120 shows every fixture node with its values", () => {
  const r = run("-c", "--once", "--width", "120", "--shm-dir", shm.dir);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b\[/, "no colour when stdout is not a terminal");
  const lines = r.stdout.trimEnd().split("\n");
  for (const line of lines) assert.ok([...line].length <= 120, `wider than 120: ${line}`);
  assert.match(lines[0], /4 nodes, 3 up/);
  assert.match(lines[1], /^\s*node\s+state\s+cpu\s+mem\s+swap\s+load\s+disk\s+net$/);
  const row = (n: number): string => lines.find((l) => new RegExp(`^\\s*${n} `).test(l))!;

  // node 0: two samples, CPU k busy 10 + 10k %: one level per CPU, and the whole node's share
  const r0 = row(0);
  const cpus0 = fixtureText("procfs-x86_64-8cpu", "stat").match(/^cpu\d+ /gm)!.length;
  const whole = Math.round((100 * Array.from({ length: cpus0 }, (_, k) => busy0(k)).reduce((a, b) => a + b)) / (100 * cpus0));
  const levels = Array.from({ length: cpus0 }, (_, k) => " ▁▂▃▄▅▆▇█"[Math.round((busy0(k) / 100) * 8)]).join("");
  assert.ok(r0.includes(`[${levels}`), `per-CPU levels ${JSON.stringify(levels)} in ${r0}`);
  assert.match(r0, new RegExp(` ${whole}%\\]`));
  assert.match(r0, /^\s*0 up\s/);
  assert.match(r0, new RegExp(`${memPercent("procfs-x86_64-8cpu")}%\\]`));
  assert.match(r0, new RegExp(` ${load1("procfs-x86_64-8cpu")} `));
  assert.match(r0, / 60%\] /, "disk: 300 of 500 GiB used");
  assert.match(r0, /0B\/s$/, "net/dev unchanged between the samples");

  // node 1: one sample: CPU unknown, memory and load known
  const r1 = row(1);
  assert.match(r1, /^\s*1 up\s+\[\s+-\]/);
  assert.match(r1, new RegExp(`${memPercent("kvm-x86_64-2cpu-linux6.18")}%\\]`));
  assert.match(r1, new RegExp(` ${load1("kvm-x86_64-2cpu-linux6.18")} `));
  assert.match(r1, / -$/, "no rate from one sample");

  // node 2: last heard of 90 s ago with a 3 s down-after
  assert.match(row(2), /^\s*2 down 1m3\ds\s/);

  // node 3: 480 CPUs do not fit in the bar: the whole node's share instead
  const r3 = row(3);
  assert.match(r3, /^\s*3 up\s+\[\|+\s+50%\]/);
});

/** Runs a shell command line in a pseudo-terminal (script(1)), input typed after a pause; resolves to its output. */
function inTerminal(command: string, input = "", env: Record<string, string> = {}) {
  const typed = input ? `(sleep 1.5; printf '${input}')` : "true";
  return spawnSync("bash", ["-c", `${typed} | script -qec '${command}' /dev/null`], {
    encoding: "utf8",
    timeout: 15_000,
    env: { ...process.env, ...env },
  });
}

test("beostatus -c colours a terminal's frame unless NO_COLOR is set, and fits a narrow one", () => {
  const cmd = `${process.execPath} ${bundle("beostatus")} -c --once --width 70 --shm-dir ${shm.dir}`;
  const env = { ...process.env };
  delete env.NO_COLOR;
  const colored = spawnSync("bash", ["-c", `script -qec '${cmd}' /dev/null`], { encoding: "utf8", env, timeout: 15_000 });
  assert.match(colored.stdout, /\x1b\[3[123]m/, "bars coloured on a terminal");
  assert.match(colored.stdout, /\x1b\[90m\s*2 down/, "a down node greyed");
  const plain = inTerminal(cmd, "", { NO_COLOR: "1" });
  assert.doesNotMatch(plain.stdout, /\x1b\[/);
  const lines = plain.stdout.replace(/\r/g, "").trimEnd().split("\n");
  for (const line of lines) assert.ok([...line].length <= 70, line);
  assert.doesNotMatch(lines[1], /swap/, "swap is the first column to go");
});

test("beostatus -c on a terminal narrower than its narrowest layout cuts every line at the edge", () => {
  const cmd = `stty cols 40; ${process.execPath} ${bundle("beostatus")} -c --once --shm-dir ${shm.dir}`;
  for (const env of [{ NO_COLOR: "1" }, { NO_COLOR: "" }]) {
    const r = inTerminal(cmd, "", env);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.replace(/\r/g, "").trimEnd().split("\n");
    assert.ok(lines.length >= 6, r.stdout);
    for (const line of lines) assert.ok([...line.replace(/\x1b\[[0-9;]*m/g, "")].length <= 40, JSON.stringify(line));
    assert.match(lines[2], /^\s*0 up/);
  }
});

test("beostatus -c runs full screen until q, then gives the terminal back", () => {
  const r = inTerminal(`${process.execPath} ${bundle("beostatus")} -c --shm-dir ${shm.dir}`, "q");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.startsWith("\x1b[?1049h"), "the alternate screen");
  assert.match(r.stdout, /4 nodes, 3 up/);
  assert.ok(r.stdout.includes("\x1b[?1049l"), "the user's screen restored");
});

test("beostatus exits 1 with one line when there is no status file, 2 on usage errors", () => {
  const empty = tempDir();
  const r = run("-c", "--once", "--shm-dir", empty.dir);
  empty.remove();
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /no status file/);
  assert.equal(run("-c", "--http", "3042").status, 2);
  assert.equal(run("--once").status, 2);
  assert.equal(run("--http", "not:a:port").status, 2);
  const h = run("-h");
  assert.equal(h.status, 0);
  assert.match(h.stdout, /^Usage: beostatus /);
  assert.match(run("-v").stdout, /^beostatus \d+\.\d+\.\d+\n$/);
});

/** Starts beostatus --http on a port the kernel picks; resolves to its base URL. */
async function serve(...extra: string[]): Promise<string> {
  // beostatus has no interface to pin: it binds 127.0.0.1 only
  const p = spawnProgram("beostatus", ["--http", "127.0.0.1:0", "--shm-dir", shm.dir, ...extra], { noInterface: true });
  return waitFor("beostatus to listen", () => /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(p.stderr())?.[1]);
}

test("beostatus --http serves summaries and records that decode to the file's nodes", async () => {
  const base = await serve();
  const snap = decodeSummaries(L, new Uint8Array(await (await fetch(`${base}snapshot`)).arrayBuffer()));
  assert.deepEqual(snap.nodes.map((n) => [n.node, n.name, n.up]), [[0, "alpha", true], [1, "bravo", true], [2, "charlie", false], [3, "delta", true]]);
  assert.ok(snap.alive);
  const bytes = new Uint8Array(await (await fetch(`${base}snapshot`)).arrayBuffer());
  assert.ok(bytes.length / 4 < 100, `${bytes.length / 4} bytes a node`);

  const reader = ShmReader.open(shm.dir);
  const records = decodeRecords(L, new Uint8Array(await (await fetch(`${base}snapshot?node=0-3`)).arrayBuffer()));
  assert.equal(records.records.length, 4);
  for (const { status } of records.records) {
    const direct = reader.node(status.node)!;
    assert.deepEqual({ ...status, up: null }, { ...direct, up: null }, `node ${status.node}`);
  }
  const one = decodeRecords(L, new Uint8Array(await (await fetch(`${base}snapshot?node=3`)).arrayBuffer()));
  assert.equal(one.records.length, 1);
  assert.equal(one.records[0].status.stat_cpu!.length, 480);
  reader.close();

  assert.equal((await fetch(`${base}snapshot?node=x`)).status, 400);
  assert.equal((await fetch(`${base}nothing`)).status, 404);
  const page = await fetch(`${base}node/2`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy")!, /default-src 'none'/);
  const script = await (await fetch(`${base}beostatus.js`)).text();
  assert.ok(script.length > 40_000, "the script carries the WASM core");
  assert.doesNotMatch(script, /https?:\/\/(?!beostatus\.invalid)[a-z]/i, "nothing loaded from elsewhere");
});

test("beostatus --http serves /metrics, per CPU only with --per-cpu-metrics", async () => {
  const perCpu = /^beostat_cpu_seconds_total\{node="3",name="delta",cpu="479",mode="user"\} \d/m;
  const plain = await (await fetch(`${await serve()}metrics`)).text();
  assert.match(plain, /^beostat_node_up\{node="0",name="alpha"\} 1$/m);
  assert.match(plain, /^beostat_node_up\{node="2",name="charlie"\} 0$/m);
  assert.doesNotMatch(plain, /^beostat_cpu_seconds_total/m);
  const detailed = await (await fetch(`${await serve("--per-cpu-metrics")}metrics`)).text();
  assert.match(detailed, perCpu);
});

test("beostatus --http answers 503 while there is no status file", async () => {
  const empty = tempDir();
  const p = spawnProgram("beostatus", ["--http", "127.0.0.1:0", "--shm-dir", empty.dir], { noInterface: true });
  const base = await waitFor("beostatus to listen", () => /serving (http:\/\/\S+\/)/.exec(p.stderr())?.[1]);
  const r = await fetch(`${base}snapshot`);
  assert.equal(r.status, 503);
  assert.match(await r.text(), /no status file/);
  await p.stop();
  empty.remove();
});

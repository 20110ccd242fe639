// A real Prometheus server (Debian's package, started by this test on 127.0.0.1 with its
// own config and data directory) scraping beostatus --http every second, in front of the
// built recvstats fed by sendstats --once with fixture machines, all on loopback. Its query
// API must return the fixtures' values: what a user's dashboards would show.

import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES } from "../helpers/paths";
import { fixtureText } from "../helpers/statusfile";

const PROMETHEUS = "/usr/bin/prometheus";
const skip = !existsSync(PROMETHEUS) && process.env.CI !== "true" ? "prometheus is not installed (apt-get install prometheus)" : false;
const MACHINES: Array<[number, string]> = [
  [1, "procfs-x86_64-8cpu"],
  [2, "kvm-x86_64-2cpu-linux6.18"],
];

let prometheus: ChildProcess | null = null;
const dirs: Array<{ remove(): void }> = [];

after(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const gone = new Promise((r) => prometheus!.once("exit", r));
    prometheus.kill("SIGTERM");
    const t = setTimeout(() => prometheus!.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(t);
  }
  await stopAll();
  for (const d of dirs) d.remove();
});

/** A TCP port free on 127.0.0.1 now. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The value of an instant query's single series, or undefined while Prometheus has none. */
async function query(base: string, expr: string): Promise<number | undefined> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  const [first] = body.data.result;
  return first ? Number(first.value[1]) : undefined;
}

/** Polls an instant query until it has a value (Prometheus scrapes every second). */
async function value(base: string, expr: string): Promise<number> {
  const until = Date.now() + 30_000;
  for (;;) {
    const v = await query(base, expr).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`no value for ${expr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("Prometheus scrapes beostatus and its queries return the fixture nodes' values", { skip, timeout: 120_000 }, async () => {
  const shm = tempDir("beostatus-prom-shm-");
  const prom = tempDir("beostatus-prom-");
  dirs.push(shm, prom);
  const port = await freePortPair();
  const recv = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm.dir]);
  await waitFor("recvstats to listen", () => (recv.stderr().includes("listening") ? true : undefined));
  // a 30 s interval keeps the nodes up (3 intervals) for the whole test after one report
  for (const [node, machine] of MACHINES) {
    const s = spawnProgram("sendstats", ["--once", "-r", "30", "-p", String(port), "-n", String(node), "--proc-root", join(FIXTURES, machine)]);
    assert.equal(await s.exited, 0, s.stderr());
  }
  const web = spawnProgram("beostatus", ["--http", "127.0.0.1:0", "--shm-dir", shm.dir], { noInterface: true });
  const target = await waitFor("beostatus to listen", () => /serving http:\/\/(127\.0\.0\.1:\d+)\//.exec(web.stderr())?.[1]);

  const promPort = await freeTcpPort();
  const config = join(prom.dir, "prometheus.yml");
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: beostatus\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  let log = "";
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(prom.dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  prometheus.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${promPort}`;

  assert.equal(await value(base, 'up{job="beostatus"}'), 1, log);
  for (const [node, machine] of MACHINES) {
    const n = `node="${node}"`;
    const meminfo = fixtureText(machine, "meminfo");
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(meminfo)![1]) * 1024;
    assert.equal(await value(base, `beostat_node_memory_total_bytes{${n}}`), kb("MemTotal"), machine);
    assert.equal(await value(base, `beostat_node_memory_free_bytes{${n}}`), kb("MemFree"), machine);
    assert.equal(await value(base, `beostat_node_load1{${n}}`), Number(fixtureText(machine, "loadavg").split(/\s+/)[0]), machine);
    const cpu = fixtureText(machine, "stat").split("\n")[0].trim().split(/\s+/).map(Number);
    assert.equal(await value(base, `beostat_node_cpu_seconds_total{${n},mode="user"}`), cpu[1] / 100, machine);
    assert.equal(await value(base, `beostat_node_cpu_seconds_total{${n},mode="idle"}`), cpu[4] / 100, machine);
    const cpus = fixtureText(machine, "stat").match(/^cpu\d+ /gm)!.length;
    assert.equal(await value(base, `beostat_node_cpus{${n}}`), cpus, machine);
    assert.equal(await value(base, `beostat_node_up{${n}}`), 1, machine);
    const eth = fixtureText(machine, "net/dev").split("\n").find((l) => /^\s*(eth0|ens\w*|enp\w*):/.test(l));
    if (eth) {
      const device = eth.slice(0, eth.lastIndexOf(":")).trim();
      const rx = eth.slice(eth.lastIndexOf(":") + 1).trim().split(/\s+/)[0];
      assert.equal(await value(base, `beostat_node_network_receive_bytes_total{${n},device="${device}"}`), Number(rx), machine);
    }
  }
  assert.equal(await value(base, "beostat_nodes"), MACHINES.length);
  assert.ok((await value(base, "beostat_recvstats_datagrams_received_total")) >= MACHINES.length);
  assert.equal(await value(base, "sum(beostat_recvstats_datagrams_rejected_total)"), 0);
  assert.equal(await value(base, "beostat_recvstats_up"), 1);
});

// /metrics as Prometheus reads it, rendered from a status file of fixture machines: values
// checked against the fixtures' own text (memory, load, CPU seconds = ticks / USER_HZ,
// interface counters beyond 2^53 exact), label values escaped, each family's HELP and TYPE
// once, per-CPU series only when asked for, and `promtool check metrics` content with it.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { escapeLabel, renderMetrics } from "../../src/metrics";
import { ShmReader } from "../../src/shm";
import { LiveCluster, MadeCluster, fixtureFiles, fixtureText, liveCluster, twoSamples } from "../helpers/statusfile";

const WEIRD = 'we"ird\\host\nname';
let live: LiveCluster;
let cluster: MadeCluster;
let reader: ShmReader;

before(() => {
  live = liveCluster("beostatus-metrics-", [
    { node: 0, hostname: "alpha", updates: twoSamples("procfs-x86_64-8cpu", () => 25), statfs: { total: 1000n, free: 250n } },
    { node: 1, hostname: WEIRD, updates: [fixtureFiles("edge-u64-counters")] },
    { node: 5, hostname: "echo", updates: [fixtureFiles("kvm-x86_64-2cpu-linux6.18")], agoMs: 60_000, downAfterMs: 3000 },
  ]);
  ({ cluster, reader } = live);
});

after(() => live.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: string;
}

/** The samples of an exposition, labels unescaped. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    out.push({ name: m[1], labels, value: m[3] });
  }
  return out;
}

const find = (samples: Sample[], name: string, labels: Record<string, string>): string | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

test("node series carry the fixtures' values", () => {
  const samples = parse(renderMetrics(reader, cluster.core));
  const meminfo = fixtureText("procfs-x86_64-8cpu", "meminfo");
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, "m").exec(meminfo)![1]) * 1024;
  assert.equal(find(samples, "beostat_node_memory_total_bytes", { node: "0", name: "alpha" }), String(kb("MemTotal")));
  assert.equal(find(samples, "beostat_node_swap_free_bytes", { node: "0" }), String(kb("SwapFree")));
  const [l1, l5, l15] = fixtureText("procfs-x86_64-8cpu", "loadavg").split(/\s+/).map(Number);
  assert.equal(Number(find(samples, "beostat_node_load1", { node: "0" })), l1);
  assert.equal(Number(find(samples, "beostat_node_load5", { node: "0" })), l5);
  assert.equal(Number(find(samples, "beostat_node_load15", { node: "0" })), l15);
  assert.equal(find(samples, "beostat_node_disk_free_bytes", { node: "0" }), "250");
  // the second sample added 25 user and 75 idle ticks per CPU to the fixture's cpu line
  const cpu = fixtureText("procfs-x86_64-8cpu", "stat").split("\n")[0].trim().split(/\s+/).map(Number);
  const cpus = fixtureText("procfs-x86_64-8cpu", "stat").match(/^cpu\d+ /gm)!.length;
  assert.equal(Number(find(samples, "beostat_node_cpu_seconds_total", { node: "0", mode: "user" })), (cpu[1] + 25 * cpus) / 100);
  assert.equal(Number(find(samples, "beostat_node_cpu_seconds_total", { node: "0", mode: "system" })), cpu[3] / 100);
  assert.equal(Number(find(samples, "beostat_node_cpu_busy_ratio", { node: "0" })), 0.25);
  assert.equal(find(samples, "beostat_node_cpus", { node: "0" }), String(cpus));
  assert.equal(find(samples, "beostat_node_up", { node: "0" }), "1");
  assert.equal(find(samples, "beostat_node_up", { node: "5" }), "0");
  assert.ok(Number(find(samples, "beostat_node_last_report_age_seconds", { node: "5" })) >= 60);
});

test("counters above 2^53 are exact and interfaces are labelled by device", () => {
  const samples = parse(renderMetrics(reader, cluster.core));
  const dev = fixtureText("edge-u64-counters", "net/dev");
  let checked = 0;
  for (const line of dev.split("\n")) {
    const colon = line.lastIndexOf(":");
    if (colon < 0 || line.includes("|")) continue;
    const device = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (!/^\d+$/.test(f[0]) || BigInt(f[0]) >= 2n ** 64n) continue;
    assert.equal(find(samples, "beostat_node_network_receive_bytes_total", { node: "1", device }), f[0], device);
    assert.equal(find(samples, "beostat_node_network_transmit_bytes_total", { node: "1", device }), f[8], device);
    checked++;
  }
  assert.ok(checked > 0);
});

test("label values are escaped and each family has one HELP and one TYPE", () => {
  const text = renderMetrics(reader, cluster.core);
  assert.equal(escapeLabel(WEIRD), 'we\\"ird\\\\host\\nname');
  assert.ok(text.includes(`beostat_node_up{node="1",name="${escapeLabel(WEIRD)}"} 1`));
  assert.equal(find(parse(text), "beostat_node_up", { node: "1" }), "1");
  const helps = [...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]);
  const types = [...text.matchAll(/^# TYPE (\S+) (counter|gauge)$/gm)].map((m) => m[1]);
  assert.deepEqual(helps, types);
  assert.equal(new Set(helps).size, helps.length, "one block per family");
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    assert.equal(name.endsWith("_total"), type === "counter", `${name} is a ${type}`);
    assert.ok(name.startsWith("beostat_"), name);
  }
  // every sample follows its own family's TYPE line
  let family = "";
  for (const line of text.split("\n")) {
    const t = /^# TYPE (\S+)/.exec(line);
    if (t) family = t[1];
    else if (line && !line.startsWith("#")) assert.equal(line.split(/[{ ]/)[0], family, line);
  }
});

test("recvstats' own counters are exported, rejections by reason", () => {
  const samples = parse(renderMetrics(reader, cluster.core));
  const head = reader.header();
  assert.equal(find(samples, "beostat_recvstats_datagrams_received_total", {}), String(head.counters.received));
  assert.equal(find(samples, "beostat_recvstats_datagrams_accepted_total", {}), String(head.counters.accepted));
  assert.equal(find(samples, "beostat_recvstats_datagrams_rejected_total", { reason: "section_len" }), String(head.rejected.section_len));
  assert.ok(find(samples, "beostat_recvstats_kernel_drops_total", {}) !== undefined);
  assert.ok(find(samples, "beostat_recvstats_sequence_gaps_total", {}) !== undefined);
  assert.equal(find(samples, "beostat_recvstats_up", {}), "1");
  assert.equal(find(samples, "beostat_nodes", {}), "3");
});

test("per-CPU series only with --per-cpu-metrics", () => {
  assert.ok(!renderMetrics(reader, cluster.core).includes("beostat_cpu_seconds_total"));
  const samples = parse(renderMetrics(reader, cluster.core, { perCpu: true }));
  const cpus = fixtureText("procfs-x86_64-8cpu", "stat").match(/^cpu\d+ .*$/gm)!;
  for (const line of cpus) {
    const t = line.split(/\s+/);
    const cpu = t[0].slice(3);
    assert.equal(Number(find(samples, "beostat_cpu_seconds_total", { node: "0", cpu, mode: "idle" })), (Number(t[4]) + 75) / 100, line);
  }
});

test("promtool check metrics passes on the exposition", { skip: !existsSync("/usr/bin/promtool") && process.env.CI !== "true" && "promtool is not installed (apt-get install prometheus)" }, () => {
  for (const perCpu of [false, true]) {
    const r = spawnSync("promtool", ["check", "metrics"], { input: renderMetrics(reader, cluster.core, { perCpu }), encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  }
});

test("a read retried after a torn attempt adds each series once, and one that finds no record none", () => {
  // ShmReader.read runs decode again when the record changed under it, or finally finds the
  // slot is not the node's: readers whose every read runs decode twice, as on a busy file
  const now = Date.now();
  type Decode = Parameters<ShmReader["read"]>[1];
  const variant = (read: (n: number, decode: Decode) => unknown): ShmReader => Object.assign(Object.create(reader) as ShmReader, { read });
  const retried = variant((n, decode) => (reader.read(n, decode), reader.read(n, decode)));
  assert.equal(renderMetrics(retried, cluster.core, { now }), renderMetrics(reader, cluster.core, { now }));
  const lost = variant((n, decode) => (reader.read(n, decode), n === 5 ? null : reader.read(n, decode)));
  const skipped = variant((n, decode) => (n === 5 ? null : reader.read(n, decode)));
  const text = renderMetrics(lost, cluster.core, { now });
  assert.equal(text, renderMetrics(skipped, cluster.core, { now }));
  assert.ok(!text.includes('node="5"') && renderMetrics(reader, cluster.core, { now }).includes('node="5"'));
});

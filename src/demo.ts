// The demo cluster of the README's first command line, all on loopback: recvstats on lo with
// its shm file inside the project (build/demo/), this machine's own sendstats as node 0, and
// simulated nodes replaying the real captures of fixtures/proc with advancing counters,
// sent with sendstats' encoder. A live table read through the libbeostat-style library
// refreshes every second until Ctrl-C (or --duration), which stops everything it started.

import { ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HELP_VERSION, OptionSpec, Program, startProgram, stdio } from "./args";
import { openBeostat } from "./libbeostat";
import { readProcRoot } from "./proc";
import type { NodeStatus } from "./record";
import { SimulatedNode } from "./simulate";
import { Core } from "./wasm";
import { VERSION } from "./version";
import { Encoder } from "./wire";

const OPTIONS: OptionSpec[] = [
  { long: "duration", value: "number", meta: "SECONDS", min: 1, help: "stop after SECONDS (default: run until Ctrl-C)" },
  { long: "port", short: "p", value: "int", meta: "PORT", min: 1024, max: 65534, help: "status port of the demo (default: a free one)" },
  ...HELP_VERSION,
];

const PROGRAM: Program = { name: "demo", synopsis: "[--duration SECONDS] [-p PORT]", options: OPTIONS, version: VERSION };

/** The simulated machines: each capture of fixtures/proc with a stat file, as nodes 1, 2, ... */
function simulatedNodes(fixtures: string): SimulatedNode[] {
  return readdirSync(fixtures)
    // real captures only: the edge-* folders are hand-made test cases
    .filter((d) => existsSync(join(fixtures, d, "stat")) && !d.startsWith("edge-"))
    .sort()
    .map((d, i) => new SimulatedNode(i + 1, d, readProcRoot(join(fixtures, d)), i + 1));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p < 65534 ? p : 40000));
    });
  });
}

const mib = (x: number | bigint | null): string => (x === null ? "-" : `${Math.round(Number(x) / 2 ** 20)}`);

/** One frame of the live table. */
export function frame(nodes: NodeStatus[]): string {
  const rows = [["node", "name", "up", "load", "cpu %", "mem used/total MiB", "net KB/s"]];
  for (const n of nodes) {
    const pct = aggregatePercent(n);
    rows.push([
      String(n.node),
      (n.name ?? "-").slice(0, 28),
      n.up ? "up" : "down",
      n.loadavg?.load[0]?.toFixed(2) ?? "-",
      pct === null ? "-" : (pct * 100).toFixed(1),
      n.meminfo ? `${mib(n.meminfo.mem.used)}/${mib(n.meminfo.total)}` : "-",
      n.net_rate === null ? "-" : (n.net_rate / 1000).toFixed(1),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((x, c) => (c < 2 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ")).join("\n") + "\n";
}

/** The node's CPU usage: the mean of its CPUs' last-interval usage. */
function aggregatePercent(n: NodeStatus): number | null {
  const known = (n.cpu_percent ?? []).filter((x): x is number => x !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

/** Runs the demo; resolves to the exit status (0 when every node was seen up). */
export async function runMain(argv: readonly string[]): Promise<number> {
  const opts = startProgram(PROGRAM, argv, stdio);
  if (typeof opts === "number") return opts;
  const root = join(__dirname, "..");
  const shmDir = join(root, "build/demo/shm");
  mkdirSync(shmDir, { recursive: true });
  const port = (opts.port as number | undefined) ?? (await freePort());
  const children: ChildProcess[] = [];
  const start = (program: string, args: string[]): ChildProcess => {
    // the demo never leaves loopback: every program runs with -i lo
    const c = spawn(process.execPath, [join(root, "build", `${program}.js`), "-d", "-i", "lo", "-p", String(port), ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    c.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${program}] ${d}`));
    children.push(c);
    return c;
  };
  start("recvstats", ["--shm-dir", shmDir, "--request-interval", "30"]);
  await new Promise((r) => setTimeout(r, 500));
  start("sendstats", ["-n", "0", "-r", "1"]);

  const core = new Core(1);
  const encoder = new Encoder(core, 1472);
  const sims = simulatedNodes(join(root, "fixtures/proc"));
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  let ticks = 0;
  const simulate = setInterval(() => {
    for (const s of sims) {
      s.step(1);
      for (const d of s.encode(encoder, core, 1000, ticks % 60 === 0)) socket.send(d, port, "127.0.0.1");
    }
    ticks++;
  }, 1000);

  const expected = sims.length + 1;
  let allUp = false;
  const tty = process.stdout.isTTY;
  const show = setInterval(() => {
    let nodes: NodeStatus[] = [];
    try {
      const lib = openBeostat(shmDir);
      nodes = lib.nodes();
      lib.close();
    } catch (err) {
      process.stdout.write(`waiting for recvstats: ${(err as Error).message}\n`);
      return;
    }
    allUp = nodes.filter((n) => n.up).length >= expected;
    const text = `recvstats demo on lo, port ${port}, ${shmDir}/beostat (Ctrl-C stops)\n\n${frame(nodes)}`;
    process.stdout.write(tty ? `\x1b[H\x1b[2J${text}` : `${text}\n`);
  }, 1000);

  return new Promise((resolve) => {
    const stop = (): void => {
      clearInterval(simulate);
      clearInterval(show);
      socket.close();
      for (const c of children) c.kill("SIGTERM");
      if (!allUp) process.stderr.write(`demo: not all ${expected} nodes were up\n`);
      resolve(allUp ? 0 : 1);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (opts.duration !== undefined) setTimeout(stop, (opts.duration as number) * 1000);
  });
}

// beostat: prints what recvstats knows of the cluster (its status file DIR/beostat, --shm-dir,
// read through src/libbeostat.ts), or (--proc-root) one machine's /proc parsed by the same
// WASM core, as text or as JSON. runMain is the whole program; the entry file only calls
// it, so tests run it in-process as well as through the bundle.

import { HELP_VERSION, Io, OptionSpec, Program, startProgram, stdio, UsageError } from "./args";
import { stringify } from "./json";
import { openBeostat } from "./libbeostat";
import { parseMachine } from "./machine";
import { readProcRoot } from "./proc";
import type { NodeStatus, U64 } from "./record";
import { DEFAULT_SHM_DIR } from "./shm";
import { Core } from "./wasm";
import { VERSION } from "./version";

const OPTIONS: OptionSpec[] = [
  { long: "shm-dir", value: "string", meta: "DIR", help: `read the status file of recvstats in DIR (default ${DEFAULT_SHM_DIR})` },
  { long: "proc-root", value: "string", meta: "DIR", help: "show this machine's /proc (or a copy of it under DIR) parsed by the core" },
  { long: "node", value: "int", meta: "N", min: -1, help: "show node N only" },
  { long: "json", help: "print a JSON array, one object per node" },
  { long: "cpuinfo", short: "C", help: "select cpuinfo" },
  { long: "meminfo", short: "M", help: "select meminfo" },
  { long: "loadavg", short: "L", help: "select loadavg" },
  { long: "net", short: "N", help: "select net/dev" },
  { long: "stat", short: "S", help: "select stat" },
  ...HELP_VERSION,
];
export const PROGRAM: Program = {
  name: "beostat",
  synopsis: "[--shm-dir DIR | --proc-root DIR] [--node N] [--json] [-C] [-M] [-L] [-N] [-S] [-h] [-v]",
  options: OPTIONS,
  version: VERSION,
};

/** Runs beostat with argv (without the program name); returns the exit status. */
export function runMain(argv: readonly string[], io: Io = stdio): number {
  const opts = startProgram(PROGRAM, argv, io, (opts) => {
    if (opts["proc-root"] !== undefined && opts["shm-dir"] !== undefined) {
      throw new UsageError("--shm-dir and --proc-root exclude each other");
    }
  });
  if (typeof opts === "number") return opts;
  const root = opts["proc-root"] as string | undefined;
  const shmDir = opts["shm-dir"] as string | undefined;
  const node = opts.node as number | undefined;
  let nodes: NodeStatus[];
  try {
    nodes = root === undefined ? fromShm(shmDir ?? DEFAULT_SHM_DIR, node) : fromProc(root, node, io);
  } catch (err) {
    io.err(`beostat: ${(err as Error).message}\n`);
    return 1;
  }
  const selected = (["cpuinfo", "meminfo", "loadavg", "net", "stat"] as const).filter((s) => opts[s]);
  const show = new Set(selected.length ? selected : ["cpuinfo", "meminfo", "loadavg", "net", "stat"]);
  if (opts.json) io.out(stringify(nodes, 2) + "\n");
  else for (const n of nodes) io.out(formatNode(n, show));
  return 0;
}

/** The nodes recvstats publishes in dir: all of them, or node n ([] while the file has none, as with --proc-root). */
function fromShm(dir: string, n: number | undefined): NodeStatus[] {
  const beostat = openBeostat(dir);
  try {
    if (n === undefined) return beostat.nodes();
    const status = beostat.node(n);
    return status ? [status] : [];
  } finally {
    beostat.close();
  }
}

/** This machine's /proc (or a copy under root) as node -1, parsed by the core; [] when n is another node. */
function fromProc(root: string, n: number | undefined, io: Io): NodeStatus[] {
  const core = new Core(1);
  const files = readProcRoot(root);
  if (Object.keys(files).length === 0) throw new Error(`${root}: none of cpuinfo, meminfo, loadavg, net/dev, stat is there`);
  const parsed = parseMachine(core, files, -1, Date.now());
  for (const w of parsed.warnings) io.err(`beostat: ${root}/${w}\n`);
  return [parsed.status].filter((s) => n === undefined || s.node === n);
}

const v = (x: U64 | number | string | null): string => (x === null ? "-" : String(x));

/** The text form of one node: a heading, then the selected sections. */
export function formatNode(n: NodeStatus, show: Set<string>): string {
  const out: string[] = [`== node ${n.node}${n.name ? ` (${n.name})` : ""}${n.up === false ? " down" : ""} ==`];
  if (show.has("cpuinfo")) {
    out.push(`cpuinfo: ${v(n.cpu_count)} CPUs, ${v(n.MHz)} MHz`);
    for (const c of n.cpuinfo ?? []) out.push(`  cpu ${v(c.cpu)}: ${v(c.model)}, ${v(c.MHz)} MHz, cache ${v(c.cache_kb)} KB`);
  }
  if (show.has("meminfo") && n.meminfo) {
    const m = n.meminfo;
    out.push(`meminfo: total ${v(m.total)} used ${v(m.mem.used)} free ${v(m.mem.free)} available ${v(m.available)}`);
    out.push(`  buffers ${v(m.buffers)} cached ${v(m.cached)} shared ${v(m.shared)} swap total ${v(m.swap.total)} used ${v(m.swap.used)} free ${v(m.swap.free)}`);
  }
  if (show.has("loadavg") && n.loadavg) {
    const l = n.loadavg;
    out.push(`loadavg: ${l.load.map(v).join(" ")} ${v(l.num_active_procs)}/${v(l.total_procs)} ${v(l.last_pid)}`);
  }
  if (show.has("net") && n.net_dev) {
    out.push(`net/dev: ${n.net_dev.length} interfaces${n.net_rate === null ? "" : `, ${n.net_rate.toFixed(0)} bytes/s`}`);
    for (const d of n.net_dev) {
      out.push(`  ${v(d.name)}: rx ${v(d.recv.bytes)} bytes ${v(d.recv.packets)} packets, tx ${v(d.trans.bytes)} bytes ${v(d.trans.packets)} packets`);
    }
  }
  if (show.has("stat") && n.stat) {
    const s = n.stat;
    const t = s.cpu_total;
    if (t) out.push(`stat: cpu user ${v(t.user)} nice ${v(t.nice)} system ${v(t.system)} idle ${v(t.idle)} iowait ${v(t.iowait)}`);
    out.push(`  ctxt ${v(s.ctxt)} btime ${v(s.btime)} processes ${v(s.processes)} running ${v(s.procs_running)} blocked ${v(s.procs_blocked)}`);
    (n.stat_cpu ?? []).forEach((c, i) => {
      const pct = n.cpu_percent?.[i];
      out.push(`  cpu${c.cpu}: user ${v(c.user)} nice ${v(c.nice)} system ${v(c.system)} idle ${v(c.idle)}${pct == null ? "" : ` (${(pct * 100).toFixed(1)}%)`}`);
    });
  }
  if (n.failed.length) out.push(`failed fields: ${n.failed.join(", ")}`);
  return out.join("\n") + "\n\n";
}

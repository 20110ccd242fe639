// libbeostat over the status file: the calls of Scyld's C library (beostat_get_cpu_count,
// beostat_count_idle_cpus, ...) in camelCase, answered from <dir>/beostat through ShmReader.
// A missing node, section or field is null, never a made-up zero. A file replaced by a
// restarted recvstats (TFLAG_SUPERSEDED) is re-opened by name before the next call.

import { type CpuTicks, type Loadavg, type Meminfo, type NetDev, type NodeStatus, type U64, TICK_NAMES } from "./record";
import { DEFAULT_SHM_DIR, ShmReader } from "./shm";

/** The stat columns libbeostat reports for one CPU (guest time is already in user and nice). */
export type StatCpuTicks = Pick<CpuTicks, "user" | "nice" | "system" | "idle" | "iowait" | "irq" | "softirq" | "steal">;

/** The calls of libbeostat over one status file (openBeostat). */
export interface Beostat {
  /** The file read. */
  readonly file: string;
  /** CPUs listed by the node's cpuinfo. */
  getCpuCount(node: number): number | null;
  /** The first CPU's clock in MHz. */
  getMHz(node: number): number | null;
  /** Ticks of CPU cpu (the `cpuN` line), or of the aggregate `cpu` line when cpu is omitted or -1. */
  getStatCpu(node: number, cpu?: number): StatCpuTicks | null;
  /** Busy share 0.0-1.0 of CPU cpu (aggregate when omitted or -1) over the node's last two samples; null when unknown. */
  getCpuPercent(node: number, cpu?: number): number | null;
  /** CPUs of all up nodes whose busy share is below threshold (CPUs of unknown usage not counted). */
  countIdleCpus(threshold: number): number;
  /** CPUs of node whose busy share is below threshold: 0 when the node is down, null when it or its stat is unknown. */
  countIdleCpusOnNode(node: number, threshold: number): number | null;
  /** Load averages and process counts, as `beostat --json` prints them. */
  getLoadavg(node: number): Loadavg | null;
  /** Memory and swap in bytes, as `beostat --json` prints them (null: the node sent no meminfo). */
  getMeminfo(node: number): Meminfo | null;
  /** Each interface's counters, in the node's /proc/net/dev order. */
  getNetDev(node: number): NetDev[] | null;
  /** Bytes/s received plus sent over all interfaces but lo. */
  getNetRate(node: number): number | null;
  /** Epoch seconds of the node's last report. */
  getTime(node: number): number | null;
  /** The root filesystem's bytes. */
  getStatfs(node: number): { total: U64 | null; free: U64 | null } | null;
  /** Epoch seconds of the collector's last request multicast; null if it has made none. */
  getLastMulticast(): number | null;
  /** Whether the node is up (see docs/shm-format.md); null when the file has no such node. */
  isNodeUp(node: number): boolean | null;
  /** One node as `beostat --json` prints it, or null. */
  node(node: number): NodeStatus | null;
  /** Every node, the master (-1) first, then ascending. */
  nodes(): NodeStatus[];
  /** Releases the file. Safe to call twice. */
  close(): void;
}

const STAT_COLUMNS = TICK_NAMES.slice(0, 8) as ReadonlyArray<keyof StatCpuTicks>;
const AGGREGATE = -1;

/** Opens the status file in dir for the calls of libbeostat. Throws (code ENOENT) when there is none. */
export function openBeostat(dir = DEFAULT_SHM_DIR): Beostat {
  let reader = ShmReader.open(dir);
  const L = reader.L;

  /** The reader of the file now named <dir>/beostat: a superseded one is swapped for the new file. */
  const current = (): ShmReader => {
    if (reader.flags() & L.TFLAG_SUPERSEDED) {
      try {
        const fresh = ShmReader.open(dir, L);
        reader.close();
        reader = fresh;
      } catch {
        // the new file is not there (yet): the old one still answers, flagged
      }
    }
    return reader;
  };
  const node = (n: number): NodeStatus | null => current().node(n);

  /** The entry of stat_cpu for cpu, with its usage; null when the node or the CPU is not there. */
  const cpuEntry = (n: number, cpu: number): { ticks: CpuTicks; usage: number | null } | null => {
    const s = node(n);
    if (!s?.stat_cpu) return null;
    const i = s.stat_cpu.findIndex((c) => c.cpu === cpu);
    return i < 0 ? null : { ticks: s.stat_cpu[i], usage: s.cpu_percent?.[i] ?? null };
  };
  /** The aggregate line's ticks and usage, read raw: the node JSON has no usage of the aggregate. */
  const aggregate = (n: number): { ticks: CpuTicks; usage: number | null } | null =>
    current().read(n, (r, rec) => {
      const present = r.u32(rec + L.NODE_PRESENT);
      if (!((present >>> L.F_CPU_TOTAL) & 1)) return null;
      const e = rec + L.NODE_CPU_TOTAL;
      const usage = r.u32(e + L.CPU_USAGE) & 0xffff;
      return { ticks: r.ticks(e, "", []), usage: usage === L.USAGE_NONE ? null : usage / 10000 };
    });
  const cpuOf = (n: number, cpu: number = AGGREGATE) => (cpu === AGGREGATE ? aggregate(n) : cpuEntry(n, cpu));

  const idleOf = (s: NodeStatus, threshold: number): number =>
    (s.cpu_percent ?? []).filter((p) => p !== null && p < threshold).length;

  return {
    get file() {
      return reader.file;
    },
    getCpuCount: (n) => node(n)?.cpu_count ?? null,
    getMHz: (n) => node(n)?.MHz ?? null,
    getStatCpu(n, cpu) {
      const entry = cpuOf(n, cpu);
      if (!entry) return null;
      return Object.fromEntries(STAT_COLUMNS.map((k) => [k, entry.ticks[k]])) as unknown as StatCpuTicks;
    },
    getCpuPercent: (n, cpu) => cpuOf(n, cpu)?.usage ?? null,
    countIdleCpus: (threshold) =>
      current()
        .nodes()
        .filter((s) => s.up)
        .reduce((sum, s) => sum + idleOf(s, threshold), 0),
    countIdleCpusOnNode(n, threshold) {
      const s = node(n);
      if (!s?.stat_cpu) return null;
      return s.up ? idleOf(s, threshold) : 0;
    },
    getLoadavg: (n) => node(n)?.loadavg ?? null,
    getMeminfo: (n) => node(n)?.meminfo ?? null,
    getNetDev: (n) => node(n)?.net_dev ?? null,
    getNetRate: (n) => node(n)?.net_rate ?? null,
    getTime: (n) => node(n)?.time ?? null,
    getStatfs: (n) => node(n)?.disk ?? null,
    getLastMulticast() {
      const ms = current().header().lastRequestMs;
      return ms === null ? null : Math.floor(ms / 1000);
    },
    isNodeUp: (n) => node(n)?.up ?? null,
    node,
    nodes: () => current().nodes(),
    close: () => reader.close(),
  };
}

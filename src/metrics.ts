// /metrics of beostatus: the status file in the Prometheus text exposition format (0.0.4).
// Every node's record is read under its sequence lock, like /snapshot, and its up state
// and report age come from the same WASM summary. Names follow Prometheus' conventions:
// prefix beostat_, base units in the name (_bytes, _seconds), _total on counters, labels
// node (its number) and name (its hostname). Per-CPU series only when asked for: at 10,000
// nodes they would be over a million.

import type { CpuTicks, U64 } from "./record";
import { TICK_NAMES } from "./record";
import type { ShmReader } from "./shm";
import type { Core } from "./wasm";
import { readSummary } from "./summary";

type Kind = "gauge" | "counter";

/** One metric family: its samples are gathered node by node, printed together. */
interface Family {
  name: string;
  type: Kind;
  help: string;
  lines: string[];
}

/** The content type Prometheus expects of this format. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value: exact integers (u64 counters stay exact), Go's spellings of the special floats. */
function num(v: number | bigint): string {
  if (typeof v === "bigint") return v.toString();
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** meminfo fields in the core's MEM_* order, with their metric names (null: not exported). */
const MEM_METRICS: Array<[string, string] | null> = [
  ["beostat_node_memory_total_bytes", "MemTotal"],
  ["beostat_node_memory_free_bytes", "MemFree"],
  ["beostat_node_memory_available_bytes", "MemAvailable"],
  ["beostat_node_memory_buffers_bytes", "Buffers"],
  ["beostat_node_memory_cached_bytes", "Cached"],
  ["beostat_node_swap_cached_bytes", "SwapCached"],
  ["beostat_node_swap_total_bytes", "SwapTotal"],
  ["beostat_node_swap_free_bytes", "SwapFree"],
  ["beostat_node_memory_shared_bytes", "Shmem (MemShared on 2.4 kernels)"],
];

/** net/dev columns exported per interface: [counter index, direction, what]. */
const NET_METRICS: Array<[number, "receive" | "transmit", string]> = [
  [0, "receive", "bytes"],
  [1, "receive", "packets"],
  [2, "receive", "errors"],
  [3, "receive", "drop"],
  [8, "transmit", "bytes"],
  [9, "transmit", "packets"],
  [10, "transmit", "errors"],
  [11, "transmit", "drop"],
];

/** Collector counters (C_* in lower case) with their metric names. */
const COLLECTOR_COUNTERS: Array<[string, string, string]> = [
  ["received", "beostat_recvstats_datagrams_received_total", "Datagrams received by recvstats."],
  ["accepted", "beostat_recvstats_datagrams_accepted_total", "Datagrams recvstats accepted."],
  ["kernel_drops", "beostat_recvstats_kernel_drops_total", "Datagrams the kernel dropped at recvstats' socket (/proc/net/udp drops)."],
  ["seq_gaps", "beostat_recvstats_sequence_gaps_total", "Datagrams missing from the nodes' sequence numbers."],
  ["traps", "beostat_recvstats_wasm_traps_total", "WASM traps recvstats survived."],
  ["conflicts", "beostat_recvstats_conflicts_total", "Datagrams of an older instance for a node number a newer one holds."],
  ["requests", "beostat_recvstats_requests_total", "Requests for updates recvstats multicast."],
  ["updates", "beostat_recvstats_updates_total", "Updates completed (all their parts received)."],
  ["bad_sections", "beostat_recvstats_bad_sections_total", "Sections applied with a garbled field."],
  ["reordered", "beostat_recvstats_reordered_total", "Datagrams that arrived after a later one of the same sender."],
];

/**
 * The text of /metrics for the status file of reader at now. perCpu adds
 * beostat_cpu_seconds_total per CPU. Called once per scrape.
 */
export function renderMetrics(reader: ShmReader, core: Core, opts: { perCpu?: boolean; now?: number } = {}): string {
  const L = core.layout;
  const now = opts.now ?? Date.now();
  const families = new Map<string, Family>();
  const family = (name: string, type: Kind, help: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type, help, lines: [] }));
    return f;
  };
  // declared in the order they print
  const up = family("beostat_node_up", "gauge", "1 when the node is up (reported within its down-after, collector alive), else 0.");
  const age = family("beostat_node_last_report_age_seconds", "gauge", "Seconds since the node's last datagram reached recvstats.");
  const cpus = family("beostat_node_cpus", "gauge", "CPUs in the node's /proc/stat.");
  const busy = family("beostat_node_cpu_busy_ratio", "gauge", "Busy share of all the node's CPUs over its last two samples (0-1).");
  const cpuSeconds = family("beostat_node_cpu_seconds_total", "counter", "Seconds all the node's CPUs spent in each mode (/proc/stat cpu line, ticks / USER_HZ).");
  const perCpu = opts.perCpu
    ? family("beostat_cpu_seconds_total", "counter", "Seconds each CPU spent in each mode (/proc/stat cpuN lines, ticks / USER_HZ).")
    : null;
  const loads = [1, 5, 15].map((m) => family(`beostat_node_load${m}`, "gauge", `${m}-minute load average.`));
  const procsRunning = family("beostat_node_procs_running", "gauge", "Processes running (/proc/stat procs_running).");
  const procsBlocked = family("beostat_node_procs_blocked", "gauge", "Processes blocked on I/O (/proc/stat procs_blocked).");
  const ctxt = family("beostat_node_context_switches_total", "counter", "Context switches since boot.");
  const forks = family("beostat_node_forks_total", "counter", "Processes created since boot.");
  const boot = family("beostat_node_boot_time_seconds", "gauge", "Boot time, seconds since the epoch.");
  const mem = MEM_METRICS.map((m) => (m ? family(m[0], "gauge", `${m[1]} of /proc/meminfo, in bytes.`) : null));
  const diskTotal = family("beostat_node_disk_total_bytes", "gauge", "Size of the root filesystem.");
  const diskFree = family("beostat_node_disk_free_bytes", "gauge", "Bytes of the root filesystem available to users.");
  const net = NET_METRICS.map(([, dir, what]) =>
    family(`beostat_node_network_${dir}_${what}_total`, "counter", `Interface ${dir} ${what} (/proc/net/dev).`),
  );
  const rate = family("beostat_node_network_rate_bytes_per_second", "gauge", "Bytes/s received plus sent on all interfaces but lo, over the last two samples.");
  const gaps = family("beostat_node_sequence_gaps_total", "counter", "Datagrams of this node missing from its sequence numbers.");
  const updates = family("beostat_node_updates_total", "counter", "Updates of this node completed.");

  const alive = reader.collectorAlive(now);
  const head = reader.header();
  // reader.read runs decode again when the record changed under it: the lines an earlier,
  // torn attempt added must go, or a scrape would carry a series twice
  const all = [...families.values()];
  const marks = all.map(() => 0);
  const rollback = (): void => {
    for (let i = 0; i < all.length; i++) all[i].lines.length = marks[i];
  };
  for (const n of reader.nodeNumbers()) {
    for (let i = 0; i < all.length; i++) marks[i] = all[i].lines.length;
    const got = reader.read(n, (r, rec) => {
      rollback();
      const s = readSummary(L, summaryView(core.summarize(r.bytes(rec, L.NODE_SIZE), now, alive)), 0);
      const present = (f: number): boolean => ((f < 32 ? r.u32(rec + L.NODE_PRESENT) >>> f : r.u32(rec + L.NODE_PRESENT + 4) >>> (f - 32)) & 1) === 1;
      const name = present(L.F_NAME) ? r.str(rec + L.NODE_NAME, L.NODE_NAME_LEN) : "";
      const labels = `node="${n}",name="${escapeLabel(name)}"`;
      const put = (f: Family, value: number | bigint, extra = ""): void => {
        f.lines.push(`${f.name}{${labels}${extra}} ${num(value)}`);
      };
      put(up, s.up ? 1 : 0);
      if (s.ageMs !== null) put(age, s.ageMs / 1000);
      if (present(L.F_SECTION + L.SEC_STAT)) put(cpus, r.u32(rec + L.NODE_CPUS + L.EXT_COUNT));
      if (s.cpu !== null) put(busy, s.cpu);
      const hz = present(L.F_USER_HZ) ? r.u32(rec + L.NODE_USER_HZ) : 0;
      const seconds = (f: Family, t: CpuTicks, extra: string): void => {
        for (const mode of TICK_NAMES) {
          const v = t[mode];
          if (v !== null) put(f, Number(v) / hz, `${extra},mode="${mode}"`);
        }
      };
      if (hz > 0 && present(L.F_CPU_TOTAL)) seconds(cpuSeconds, r.ticks(rec + L.NODE_CPU_TOTAL, "", []), "");
      if (hz > 0 && perCpu) {
        const count = r.u32(rec + L.NODE_CPUS + L.EXT_COUNT);
        const base = r.u32(rec + L.NODE_CPUS + L.EXT_OFFSET);
        for (let i = 0; i < count; i++) {
          const e = base + i * L.CPU_SIZE;
          seconds(perCpu, r.ticks(e, "", []), `,cpu="${r.u32(e + L.CPU_INDEX)}"`);
        }
      }
      loads.forEach((f, i) => {
        if (present(L.F_LOAD + i)) put(f, r.u32(rec + L.NODE_LOAD + 4 * i) / 100);
      });
      if (present(L.F_PROCS_RUNNING)) put(procsRunning, r.u32(rec + L.NODE_PROCS_RUNNING));
      if (present(L.F_PROCS_BLOCKED)) put(procsBlocked, r.u32(rec + L.NODE_PROCS_BLOCKED));
      if (present(L.F_CTXT)) put(ctxt, r.u64(rec + L.NODE_CTXT));
      if (present(L.F_PROCESSES)) put(forks, r.u64(rec + L.NODE_PROCESSES));
      if (present(L.F_BTIME)) put(boot, r.u64(rec + L.NODE_BTIME));
      mem.forEach((f, i) => {
        if (f && present(L.F_MEM + i)) put(f, r.u64(rec + L.NODE_MEM + 8 * i));
      });
      if (present(L.F_DISK)) put(diskTotal, r.u64(rec + L.NODE_DISK_TOTAL));
      if (present(L.F_DISK + 1)) put(diskFree, r.u64(rec + L.NODE_DISK_FREE));
      if (present(L.F_SECTION + L.SEC_NETDEV)) {
        const count = r.u32(rec + L.NODE_IFS + L.EXT_COUNT);
        const base = r.u32(rec + L.NODE_IFS + L.EXT_OFFSET);
        for (let i = 0; i < count; i++) {
          const e = base + i * L.IF_SIZE;
          if (r.u32(e + L.IF_FAILED) & L.IF_NAME_FAILED) continue; // no name, no series
          const device = `,device="${escapeLabel(r.str(e + L.IF_NAME, L.IF_NAME_LEN))}"`;
          const given = r.u32(e + L.IF_PRESENT);
          NET_METRICS.forEach(([k], j) => {
            if ((given >>> k) & 1) put(net[j], r.u64(e + L.IF_COUNTERS + 8 * k) as U64, device);
          });
        }
      }
      if (s.net !== null && present(L.F_NET_RATE)) put(rate, r.f64(rec + L.NODE_NET_RATE));
      put(gaps, r.u32(rec + L.NODE_SEQ_GAPS));
      put(updates, r.u32(rec + L.NODE_UPDATES));
      return true;
    });
    if (got === null) rollback(); // an attempt ran on a record that turned out not to be n's
  }

  // one string per family: a family of 10,000 nodes has too many lines to spread into a call
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.lines.length) out.push(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.lines.join("\n")}`);
  }
  out.push(collectorMetrics(head, alive, now, reader.nodeNumbers().length).join("\n"));
  return out.join("\n") + "\n";
}

/** A DataView over a summary's bytes. */
function summaryView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** recvstats' own series: alive, heartbeat age, node count and its counters (rejections by reason). */
function collectorMetrics(
  head: ReturnType<ShmReader["header"]>,
  alive: boolean,
  now: number,
  nodes: number,
): string[] {
  const out: string[] = [];
  const one = (name: string, type: Kind, help: string, samples: string[]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  one("beostat_recvstats_up", "gauge", "1 when recvstats is alive (heartbeat within 5 s, not stopped).", [`beostat_recvstats_up ${alive ? 1 : 0}`]);
  if (head.heartbeatMs !== null) {
    one("beostat_recvstats_heartbeat_age_seconds", "gauge", "Seconds since recvstats last rewrote its heartbeat.", [
      `beostat_recvstats_heartbeat_age_seconds ${num(Math.max(0, now - head.heartbeatMs) / 1000)}`,
    ]);
  }
  one("beostat_nodes", "gauge", "Nodes in the status file.", [`beostat_nodes ${nodes}`]);
  for (const [key, name, help] of COLLECTOR_COUNTERS) {
    const v = head.counters[key];
    if (v !== undefined) one(name, "counter", help, [`${name} ${num(v)}`]);
  }
  // counters a newer recvstats keeps that this list does not know yet, under their own names
  const known = new Set(COLLECTOR_COUNTERS.map(([key]) => key));
  for (const [key, v] of Object.entries(head.counters).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (known.has(key) || !/^[a-z0-9_]+$/.test(key)) continue;
    const name = `beostat_recvstats_${key}_total`;
    one(name, "counter", `recvstats' counter ${key} (docs/shm-format.md).`, [`${name} ${num(v)}`]);
  }
  const reasons = Object.entries(head.rejected).sort(([a], [b]) => (a < b ? -1 : 1));
  one(
    "beostat_recvstats_datagrams_rejected_total",
    "counter",
    "Datagrams recvstats rejected, by reason (docs/shm-format.md).",
    reasons.map(([reason, v]) => `beostat_recvstats_datagrams_rejected_total{reason="${escapeLabel(reason)}"} ${num(v)}`),
  );
  return out;
}

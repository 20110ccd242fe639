// Decodes a node record of the table (in WASM memory, or in the /var/shm file: the bytes
// are the same) into the `beostat --json` object. Absent and failed fields are null;
// `failed` lists the paths of fields the node sent garbled. u64 values are numbers up to
// 2^53 and BigInts above, so counters stay exact (src/json.ts prints them).

import type { Layout } from "./wasm";

export type U64 = number | bigint;

export interface CpuTicks {
  user: U64 | null;
  nice: U64 | null;
  system: U64 | null;
  idle: U64 | null;
  iowait: U64 | null;
  irq: U64 | null;
  softirq: U64 | null;
  steal: U64 | null;
  guest: U64 | null;
  guest_nice: U64 | null;
}
export interface StatCpu extends CpuTicks {
  cpu: number;
}
export interface CpuinfoCpu {
  cpu: number | null;
  model: string | null;
  MHz: number | null;
  cache_kb: number | null;
}
export interface NetCounters {
  bytes: U64 | null;
  packets: U64 | null;
  errs: U64 | null;
  drop: U64 | null;
  fifo: U64 | null;
  compressed: U64 | null;
}
export interface NetDev {
  name: string | null;
  recv: NetCounters;
  frame: U64 | null;
  multicast: U64 | null;
  trans: NetCounters;
  colls: U64 | null;
  carrier: U64 | null;
}
export interface Loadavg {
  load: [number | null, number | null, number | null];
  num_active_procs: number | null;
  total_procs: number | null;
  last_pid: number | null;
}
export interface Meminfo {
  mem: { used: U64 | null; free: U64 | null };
  swap: { used: U64 | null; free: U64 | null; total: U64 | null };
  shared: U64 | null;
  buffers: U64 | null;
  cached: U64 | null;
  swap_cached: U64 | null;
  total: U64 | null;
  available: U64 | null;
}
export interface Stat {
  cpu_total: CpuTicks | null;
  ctxt: U64 | null;
  btime: U64 | null;
  processes: U64 | null;
  procs_running: number | null;
  procs_blocked: number | null;
}

/** One node, as `beostat --json` prints it. */
export interface NodeStatus {
  node: number;
  name: string | null;
  addr: string | null;
  up: boolean | null;
  time: number | null;
  cpu_count: number | null;
  MHz: number | null;
  cpuinfo: CpuinfoCpu[] | null;
  loadavg: Loadavg | null;
  meminfo: Meminfo | null;
  stat_cpu: StatCpu[] | null;
  cpu_percent: Array<number | null> | null;
  net_dev: NetDev[] | null;
  net_rate: number | null;
  stat: Stat | null;
  disk: { total: U64 | null; free: U64 | null } | null;
  failed: string[];
}

export const TICK_NAMES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"] as const;
const RX_NAMES = ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"] as const;
const TX_NAMES = ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"] as const;
/** meminfo fields in the core's MEM_* order, with their JSON paths under "meminfo". */
const MEM_PATHS = ["total", "mem.free", "available", "buffers", "cached", "swap_cached", "swap.total", "swap.free", "shared"];

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Reads records out of a byte array holding a table at tableAt, with the layout of the module that wrote it. */
export class RecordReader {
  private dv: DataView;
  constructor(
    readonly L: Layout,
    private mem: Uint8Array,
  ) {
    this.dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
  }

  /** Points the reader at new bytes (WASM memory grew, or a file was remapped). */
  reset(mem: Uint8Array): void {
    if (mem !== this.mem) {
      this.mem = mem;
      this.dv = new DataView(mem.buffer, mem.byteOffset, mem.byteLength);
    }
  }

  u32(at: number): number {
    return this.dv.getUint32(at, true);
  }

  f64(at: number): number {
    return this.dv.getFloat64(at, true);
  }

  /** A view of len raw bytes at at (a copy is the caller's: under a sequence lock the bytes may change). */
  bytes(at: number, len: number): Uint8Array {
    if (at < 0 || at + len > this.mem.length) throw new RangeError(`bytes ${at}..${at + len} outside ${this.mem.length}`);
    return this.mem.subarray(at, at + len);
  }

  /** A u64 as a number when exact, else a BigInt. */
  u64(at: number): U64 {
    const lo = this.dv.getUint32(at, true);
    const hi = this.dv.getUint32(at + 4, true);
    if (hi < 0x200000) return hi * 4294967296 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A NUL-padded UTF-8 string of at most len bytes. */
  str(at: number, len: number): string {
    let end = at;
    while (end < at + len && this.mem[end] !== 0) end++;
    return utf8.decode(this.mem.subarray(at, end));
  }

  /** Decodes the record at byte address rec (in the reader's bytes) of a table starting at table. */
  node(table: number, rec: number): NodeStatus {
    const L = this.L;
    const failed: string[] = [];
    const presentLo = this.u32(rec + L.NODE_PRESENT);
    const presentHi = this.u32(rec + L.NODE_PRESENT + 4);
    const failedLo = this.u32(rec + L.NODE_FAILED);
    const failedHi = this.u32(rec + L.NODE_FAILED + 4);
    const has = (f: number): boolean => ((f < 32 ? presentLo >>> f : presentHi >>> (f - 32)) & 1) === 1;
    const bad = (f: number): boolean => ((f < 32 ? failedLo >>> f : failedHi >>> (f - 32)) & 1) === 1;
    const section = (s: number): boolean => has(L.F_SECTION + s);
    /** value of field f, or null (noting a failed field's path) */
    const field = <T>(f: number, path: string, read: () => T): T | null => {
      if (has(f)) return read();
      if (bad(f)) failed.push(path);
      return null;
    };

    const out: NodeStatus = {
      node: this.dv.getInt32(rec + L.NODE_NUMBER, true),
      name: has(L.F_NAME) ? this.str(rec + L.NODE_NAME, L.NODE_NAME_LEN) : null,
      addr: has(L.F_ADDR) ? formatAddr(this.mem.subarray(rec + L.NODE_ADDR, rec + L.NODE_ADDR + 16)) : null,
      up: null,
      time: null,
      cpu_count: field(L.F_CPU_COUNT, "cpu_count", () => this.u32(rec + L.NODE_CPU_COUNT)),
      MHz: field(L.F_MHZ, "MHz", () => this.u32(rec + L.NODE_MHZ) / 1000),
      cpuinfo: null,
      loadavg: null,
      meminfo: null,
      stat_cpu: null,
      cpu_percent: null,
      net_dev: null,
      net_rate: null,
      stat: null,
      disk: null,
      failed,
    };
    const time = this.dv.getFloat64(rec + L.NODE_TIME, true);
    if (time > 0) out.time = Math.floor(time / 1000);

    if (section(L.SEC_CPUINFO)) out.cpuinfo = this.cpuinfo(table, rec, failed);
    if (section(L.SEC_LOADAVG)) {
      const load = (i: number): number | null =>
        field(L.F_LOAD + i, `loadavg.load[${i}]`, () => this.u32(rec + L.NODE_LOAD + 4 * i) / 100);
      out.loadavg = {
        load: [load(0), load(1), load(2)],
        num_active_procs: field(L.F_PROCS_ACTIVE, "loadavg.num_active_procs", () => this.u32(rec + L.NODE_PROCS_ACTIVE)),
        total_procs: field(L.F_PROCS_TOTAL, "loadavg.total_procs", () => this.u32(rec + L.NODE_PROCS_TOTAL)),
        last_pid: field(L.F_LAST_PID, "loadavg.last_pid", () => this.u32(rec + L.NODE_LAST_PID)),
      };
    }
    if (section(L.SEC_MEMINFO)) {
      const m = MEM_PATHS.map((path, i) => field(L.F_MEM + i, `meminfo.${path}`, () => this.u64(rec + L.NODE_MEM + 8 * i)));
      const [total, free, available, buffers, cached, swapCached, swapTotal, swapFree, shared] = m;
      out.meminfo = {
        mem: { used: difference(total, free), free },
        swap: { used: difference(swapTotal, swapFree), free: swapFree, total: swapTotal },
        shared,
        buffers,
        cached,
        swap_cached: swapCached,
        total,
        available,
      };
    }
    if (section(L.SEC_STAT)) {
      out.stat = {
        cpu_total: has(L.F_CPU_TOTAL) ? this.ticks(rec + L.NODE_CPU_TOTAL, "stat.cpu_total", failed) : null,
        ctxt: field(L.F_CTXT, "stat.ctxt", () => this.u64(rec + L.NODE_CTXT)),
        btime: field(L.F_BTIME, "stat.btime", () => this.u64(rec + L.NODE_BTIME)),
        processes: field(L.F_PROCESSES, "stat.processes", () => this.u64(rec + L.NODE_PROCESSES)),
        procs_running: field(L.F_PROCS_RUNNING, "stat.procs_running", () => this.u32(rec + L.NODE_PROCS_RUNNING)),
        procs_blocked: field(L.F_PROCS_BLOCKED, "stat.procs_blocked", () => this.u32(rec + L.NODE_PROCS_BLOCKED)),
      };
      const n = this.u32(rec + L.NODE_CPUS + L.EXT_COUNT);
      const base = table + this.u32(rec + L.NODE_CPUS + L.EXT_OFFSET);
      out.stat_cpu = [];
      out.cpu_percent = [];
      for (let i = 0; i < n; i++) {
        const e = base + i * L.CPU_SIZE;
        const ticks = this.ticks(e, `stat_cpu[${i}]`, failed);
        out.stat_cpu.push({ cpu: this.u32(e + L.CPU_INDEX), ...ticks });
        const usage = this.dv.getUint16(e + L.CPU_USAGE, true);
        out.cpu_percent.push(usage === L.USAGE_NONE ? null : usage / 10000);
      }
    }
    if (section(L.SEC_NETDEV)) {
      out.net_dev = this.netDev(table, rec, failed);
      if (has(L.F_NET_RATE)) out.net_rate = this.dv.getFloat64(rec + L.NODE_NET_RATE, true);
    }
    if (section(L.SEC_STATFS)) {
      out.disk = {
        total: field(L.F_DISK, "disk.total", () => this.u64(rec + L.NODE_DISK_TOTAL)),
        free: field(L.F_DISK + 1, "disk.free", () => this.u64(rec + L.NODE_DISK_FREE)),
      };
    }
    return out;
  }

  /** The ten tick columns of the stat entry at e; path prefixes the failed columns. */
  ticks(e: number, path: string, failed: string[]): CpuTicks {
    const present = this.dv.getUint16(e + this.L.CPU_PRESENT, true);
    const bad = this.dv.getUint16(e + this.L.CPU_FAILED, true);
    const t = {} as Record<string, U64 | null>;
    TICK_NAMES.forEach((name, i) => {
      if (present & (1 << i)) t[name] = this.u64(e + this.L.CPU_TICKS + 8 * i);
      else {
        t[name] = null;
        if (bad & (1 << i)) failed.push(`${path}.${name}`);
      }
    });
    return t as unknown as CpuTicks;
  }

  private cpuinfo(table: number, rec: number, failed: string[]): CpuinfoCpu[] {
    const L = this.L;
    const n = this.u32(rec + L.NODE_CIS + L.EXT_COUNT);
    const base = table + this.u32(rec + L.NODE_CIS + L.EXT_OFFSET);
    const models: string[] = [];
    for (let s = 0; s < L.MODEL_SLOTS; s++) models.push(this.str(rec + L.NODE_MODELS + s * L.MODEL_LEN, L.MODEL_LEN));
    const cpus: CpuinfoCpu[] = [];
    for (let i = 0; i < n; i++) {
      const e = base + i * L.CI_SIZE;
      const present = this.mem[e + L.CI_PRESENT];
      const bad = this.mem[e + L.CI_FAILED];
      const get = (bit: number, name: string, read: () => number): number | null => {
        if (present & bit) return read();
        if (bad & bit) failed.push(`cpuinfo[${i}].${name}`);
        return null;
      };
      const slot = this.mem[e + L.CI_MODEL];
      cpus.push({
        cpu: get(L.CIF_INDEX, "cpu", () => this.u32(e + L.CI_INDEX)),
        model: present & L.CIF_MODEL && slot < L.MODEL_SLOTS ? models[slot] : null,
        MHz: get(L.CIF_MHZ, "MHz", () => this.u32(e + L.CI_MHZ) / 1000),
        cache_kb: get(L.CIF_CACHE, "cache_kb", () => this.u32(e + L.CI_CACHE_KB)),
      });
    }
    return cpus;
  }

  private netDev(table: number, rec: number, failed: string[]): NetDev[] {
    const L = this.L;
    const n = this.u32(rec + L.NODE_IFS + L.EXT_COUNT);
    const base = table + this.u32(rec + L.NODE_IFS + L.EXT_OFFSET);
    const list: NetDev[] = [];
    for (let i = 0; i < n; i++) {
      const e = base + i * L.IF_SIZE;
      const present = this.u32(e + L.IF_PRESENT);
      const bad = this.u32(e + L.IF_FAILED);
      const c = (k: number, path: string): U64 | null => {
        if (present & (1 << k)) return this.u64(e + L.IF_COUNTERS + 8 * k);
        if (bad & (1 << k)) failed.push(`net_dev[${i}].${path}`);
        return null;
      };
      const rx = RX_NAMES.map((name, k) => c(k, name === "frame" || name === "multicast" ? name : `recv.${name}`));
      const tx = TX_NAMES.map((name, k) => c(8 + k, name === "colls" || name === "carrier" ? name : `trans.${name}`));
      let name: string | null = this.str(e + L.IF_NAME, L.IF_NAME_LEN);
      if (bad & L.IF_NAME_FAILED) {
        failed.push(`net_dev[${i}].name`);
        name = null;
      }
      list.push({
        name,
        recv: { bytes: rx[0], packets: rx[1], errs: rx[2], drop: rx[3], fifo: rx[4], compressed: rx[6] },
        frame: rx[5],
        multicast: rx[7],
        trans: { bytes: tx[0], packets: tx[1], errs: tx[2], drop: tx[3], fifo: tx[4], compressed: tx[7] },
        colls: tx[5],
        carrier: tx[6],
      });
    }
    return list;
  }
}

/** a - b when both are known and a >= b; else null. */
export function difference(a: U64 | null, b: U64 | null): U64 | null {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") return a >= b ? a - b : null;
  const d = BigInt(a) - BigInt(b);
  if (d < 0n) return null;
  return d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d;
}

/** Text form of a 16-byte address: dotted quad for IPv4-mapped, else RFC 5952 IPv6. */
export function formatAddr(b: Uint8Array): string {
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  // the longest run of two or more zero groups becomes "::"
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

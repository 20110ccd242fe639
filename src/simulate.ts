// Simulated compute nodes for the demo and the benchmarks: each replays a real /proc capture
// with counters that advance as a busy machine's would (stat ticks at USER_HZ per CPU per
// second, net/dev bytes and packets, a wandering load and free memory), and is sent with
// sendstats' own encoder, so what recvstats receives is exactly what real nodes send.

import type { ProcFiles } from "./proc";
import type { SectionName } from "./wasm";
import { Core } from "./wasm";
import { Encoder, Update, newInstanceId } from "./wire";

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
const bytes = (s: string): Uint8Array => Buffer.from(s, "latin1");

/** A deterministic generator (mulberry32), so a simulated cluster is the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One simulated node: a capture whose counters advance each time step() is called. */
export class SimulatedNode {
  readonly instance = newInstanceId();
  private seq = 0n;
  private updateId = 0;
  private readonly rand: () => number;
  private readonly stat: string[][] | null; // tokens of each stat line
  private netdev: string[] | null;
  private readonly busy: number; // this node's share of busy time
  private load: number;
  private tick = 0;

  constructor(
    readonly node: number,
    readonly hostname: string,
    private readonly files: ProcFiles,
    seed: number,
  ) {
    this.rand = random(seed);
    this.stat = files.stat ? latin1(files.stat).split("\n").map((l) => l.split(" ")) : null;
    this.netdev = files["net/dev"] ? latin1(files["net/dev"]).split("\n") : null;
    this.busy = 0.1 + 0.8 * this.rand();
    this.load = 4 * this.busy;
  }

  /** Advances the counters by seconds of simulated time. */
  step(seconds: number): void {
    this.tick++;
    const hz = 100 * seconds;
    if (this.stat) {
      const sum = new Array<number>(10).fill(0);
      for (const t of this.stat) {
        if (!/^cpu\d+$/.test(t[0])) continue;
        // user, system and idle share the CPU's USER_HZ ticks of the interval
        const busy = Math.min(1, Math.max(0, this.busy + (this.rand() - 0.5) * 0.3));
        const user = Math.round(hz * busy * 0.8);
        const system = Math.round(hz * busy * 0.2);
        const add = [user, 0, system, hz - user - system];
        add.forEach((d, i) => {
          if (t[i + 1] !== undefined && /^\d+$/.test(t[i + 1])) t[i + 1] = String(BigInt(t[i + 1]) + BigInt(d));
          sum[i] += d;
        });
      }
      for (const t of this.stat) {
        if (t[0] === "cpu") {
          // the aggregate line is the sum of the CPUs (its columns start after two spaces)
          const first = t.findIndex((x, i) => i > 0 && x !== "");
          sum.slice(0, 4).forEach((d, i) => {
            const k = first + i;
            if (t[k] !== undefined && /^\d+$/.test(t[k])) t[k] = String(BigInt(t[k]) + BigInt(d));
          });
        } else if (t[0] === "ctxt" || t[0] === "processes") {
          t[1] = String(BigInt(t[1]) + BigInt(Math.round(hz * (t[0] === "ctxt" ? 50 : 1))));
        }
      }
    }
    if (this.netdev) {
      this.netdev = this.netdev.map((line) => {
        const colon = line.lastIndexOf(":");
        if (colon < 0 || line.includes("|")) return line;
        const name = line.slice(0, colon);
        const f = line.slice(colon + 1).trim().split(/\s+/);
        if (f.length < 16 || name.trim() === "lo") return line;
        const rx = Math.round(1e6 * seconds * this.busy * (0.5 + this.rand()));
        const tx = Math.round(rx * 0.4);
        f[0] = String(BigInt(f[0]) + BigInt(rx));
        f[1] = String(BigInt(f[1]) + BigInt(Math.ceil(rx / 1000)));
        f[8] = String(BigInt(f[8]) + BigInt(tx));
        f[9] = String(BigInt(f[9]) + BigInt(Math.ceil(tx / 1000)));
        return `${name}: ${f.join(" ")}`;
      });
    }
    this.load = Math.max(0, this.load + (this.rand() - 0.5) * 0.4);
  }

  /** The node's /proc files as they read now. */
  current(): ProcFiles {
    const f: ProcFiles = { ...this.files };
    if (this.stat) f.stat = bytes(this.stat.map((t) => t.join(" ")).join("\n"));
    if (this.netdev) f["net/dev"] = bytes(this.netdev.join("\n"));
    if (this.files.loadavg) {
      const t = latin1(this.files.loadavg).trim().split(/\s+/);
      const l = this.load.toFixed(2);
      f.loadavg = bytes(`${l} ${l} ${l} ${t[3] ?? "1/100"} ${t[4] ?? "1"}\n`);
    }
    if (this.files.meminfo) {
      const text = latin1(this.files.meminfo).replace(/^(MemFree:\s+)(\d+)/m, (_, k: string, v: string) => {
        const jitter = Math.round(Number(v) * 0.05 * Math.sin(this.tick / 5));
        return k + String(Math.max(0, Number(v) + jitter));
      });
      f.meminfo = bytes(text);
    }
    return f;
  }

  /** The datagrams of the node's next update (with cpuinfo when full). */
  encode(encoder: Encoder, core: Core, intervalMs: number, full: boolean): Buffer[] {
    const now = Date.now();
    const files: Update["files"] = {};
    for (const [section, text] of Object.entries(this.current()) as Array<[SectionName, Uint8Array]>) {
      if (section === "statfs" || (section === "cpuinfo" && !full)) continue;
      files[section] = { text, sampleMs: now };
    }
    const update: Update = {
      node: this.node,
      hostname: this.hostname,
      instance: this.instance,
      updateId: ++this.updateId,
      intervalMs,
      userHz: 100,
      arch: core.layout.ARCH_X86_64,
      files,
      statfs: { total: 500n << 30n, free: BigInt(Math.round((100 + 300 * this.busy) * 2 ** 30)), sampleMs: now },
    };
    return encoder.encode(update, () => ++this.seq).datagrams;
  }
}

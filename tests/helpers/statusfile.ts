// A status file made without sockets, for the tests and the benchmark of beostatus: fixture
// machines (or simulated nodes) encoded with sendstats' encoder, checked and applied by the
// core as recvstats does, and published with recvstats' ShmWriter into a directory of the
// caller's. The heartbeat is the caller's to keep fresh (beat()), so "up" is under control.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readProcRoot } from "../../src/proc";
import { ShmReader, ShmWriter } from "../../src/shm";
import { Core } from "../../src/wasm";
import { Encoder, Update, newInstanceId } from "../../src/wire";
import { FIXTURES } from "./paths";

/** One node of a made cluster: what it sends, and when recvstats got it. */
export interface MadeNode {
  node: number;
  hostname: string;
  /** the /proc files of each update, in order (a second update gives CPU usage) */
  updates: Array<Update["files"]>;
  statfs?: { total: bigint; free: bigint };
  /** ms before now that its datagrams arrived (default 0) */
  agoMs?: number;
  /** how long without a datagram until it counts as down (default 10 minutes: up for the whole test) */
  downAfterMs?: number;
}

/** A published cluster: the writer, its core, and a heartbeat to call while the test reads. */
export interface MadeCluster {
  core: Core;
  writer: ShmWriter;
  /** rewrites the heartbeat (a reader takes the collector for dead 5 s after the last) */
  beat(): void;
  close(): void;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");

/** A fixture machine's files as one update. */
export function fixtureFiles(machine: string, sampleMs = Date.now()): Update["files"] {
  const files: Update["files"] = {};
  for (const [section, text] of Object.entries(readProcRoot(join(FIXTURES, machine)))) {
    files[section as keyof Update["files"]] = { text: text as Uint8Array, sampleMs };
  }
  return files;
}

/**
 * A machine's stat text with ticks added to every cpu line: CPU k gets busy(k) user ticks
 * and 100 - busy(k) idle ticks; the aggregate line gets their sums.
 */
export function advanceStat(text: string, busy: (cpu: number) => number): string {
  const lines = text.split("\n");
  const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).map((l) => Number(/^cpu(\d+)/.exec(l)![1]));
  const sumBusy = cpus.reduce((s, k) => s + busy(k), 0);
  return lines
    .map((line) => {
      const m = /^cpu(\d*)\s/.exec(line);
      if (!m) return line;
      const t = line.trim().split(/\s+/);
      const user = m[1] === "" ? sumBusy : busy(Number(m[1]));
      const idle = m[1] === "" ? 100 * cpus.length - sumBusy : 100 - busy(Number(m[1]));
      t[1] = String(BigInt(t[1]) + BigInt(user));
      t[4] = String(BigInt(t[4]) + BigInt(idle));
      return t.join(" ");
    })
    .join("\n");
}

/** A fixture machine reported twice, its CPUs busy(k) % in between: its usage is known. */
export function twoSamples(machine: string, busy: (cpu: number) => number): Array<Update["files"]> {
  const first = fixtureFiles(machine, Date.now() - 1000);
  const second = fixtureFiles(machine);
  const stat = latin1(second.stat!.text);
  second.stat = { text: Buffer.from(advanceStat(stat, busy), "latin1"), sampleMs: Date.now() };
  return [first, second];
}

/** Reads a fixture file as text (for expected values). */
export function fixtureText(machine: string, file: string): string {
  return readFileSync(join(FIXTURES, machine, file), "latin1");
}

/** Encodes, applies and publishes nodes into dir/beostat; throws if the core rejects a datagram. */
export function makeCluster(dir: string, nodes: MadeNode[], maxNodes = 4096): MadeCluster {
  const core = new Core(maxNodes);
  const L = core.layout;
  const encoder = new Encoder(core, 1472);
  const addr = new Uint8Array(16);
  addr.set([0xff, 0xff, 127, 0, 0, 1], 10);
  for (const n of nodes) {
    const instance = newInstanceId();
    let seq = 0n;
    n.updates.forEach((files, i) => {
      const update: Update = {
        node: n.node,
        hostname: n.hostname,
        instance,
        updateId: i + 1,
        intervalMs: 1000,
        userHz: 100,
        arch: L.ARCH_X86_64,
        files,
        statfs: n.statfs ? { ...n.statfs, sampleMs: Date.now() } : undefined,
      };
      for (const d of encoder.encode(update, () => ++seq).datagrams) {
        const checked = core.check(d, L.WT_STATUS);
        if (checked !== 0) throw new Error(`node ${n.node}: datagram rejected (${checked})`);
        const applied = core.apply(n.node, addr, Date.now() - (n.agoMs ?? 0), n.downAfterMs ?? 600_000);
        if (applied !== 0) throw new Error(`node ${n.node}: datagram not applied (${applied})`);
      }
    });
  }
  return publish(dir, core);
}

/** Publishes core's whole table into dir/beostat with a fresh heartbeat. */
export function publish(dir: string, core: Core): MadeCluster {
  const table = core.tableBytes();
  const writer = ShmWriter.create(dir, core.layout, { maxBytes: Math.max(64 << 20, table.length * 2) });
  const mem = core.memory();
  const base = core.tableBase();
  writer.publishHeader(mem, base);
  const L = core.layout;
  const dv = new DataView(mem.buffer);
  const maxNodes = dv.getUint32(base + L.TABLE_MAX_NODES, true);
  for (let n = -1; n < maxNodes; n++) {
    const rec = core.tableRecord(n);
    if (rec) writer.publishNode(mem, base, rec);
  }
  const beat = (): void => writer.setHostFields({ heartbeatMs: Date.now() });
  writer.setHostFields({ startedMs: Date.now(), heartbeatMs: Date.now() });
  return { core, writer, beat, close: () => writer.close() };
}

/** A made cluster in a fresh temporary directory, kept alive, with a reader of its file. */
export interface LiveCluster {
  dir: string;
  cluster: MadeCluster;
  reader: ShmReader;
  /** stops the heartbeat, closes the reader and the cluster, removes the directory */
  close(): void;
}

/**
 * makeCluster in a new directory (named from prefix), whose heartbeat is rewritten every
 * 500 ms as recvstats does every second, so that the collector stays alive for readers
 * however slow the machine.
 */
export function liveCluster(prefix: string, nodes: MadeNode[]): LiveCluster {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cluster = makeCluster(dir, nodes);
  const reader = ShmReader.open(dir);
  const heartbeat = setInterval(() => cluster.beat(), 500);
  return {
    dir,
    cluster,
    reader,
    close: () => {
      clearInterval(heartbeat);
      reader.close();
      cluster.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

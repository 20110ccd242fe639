// recvstats, the master daemon: receives the nodes' status datagrams, has the WASM core
// check, parse and merge them into its node table, and publishes every changed record in
// the shm file under --shm-dir for readers. It multicasts requests for fresh updates at
// start, every --request-interval, and to a node that appears without its cpuinfo.
// runMain is the whole program; src/cli/recvstats.ts only calls it.

import type dgram from "node:dgram";
import { Io, OptionSpec, Program, UsageError, startProgram, stdio } from "./args";
import { Daemon } from "./daemon";
import type { Log } from "./log";
import { ShmWriter } from "./shm";
import { DEFAULT_GROUP, DEFAULT_PORT, interfaceAddress, ipv4ToNumber, kernelDrops, mappedAddress, openSocket } from "./udp";
import { VERSION } from "./version";
import { Core, namesOf } from "./wasm";
import { encodeRequest, newInstanceId } from "./wire";

export const OPTIONS: OptionSpec[] = [
  { long: "debug", short: "d", help: "stay in the foreground and log to stderr" },
  { long: "interface", short: "i", value: "string", meta: "IF", help: "join the status group and send requests on interface IF" },
  { long: "port", short: "p", value: "int", meta: "PORT", min: 1, max: 65534, help: "status port (default 3040); requests go to PORT+1" },
  { long: "group", short: "g", value: "string", meta: "GROUP", help: `multicast group (default ${DEFAULT_GROUP})` },
  { long: "shm-dir", value: "string", meta: "DIR", help: "directory of the status file (default /var/shm)" },
  { long: "iprange", value: "string", meta: "FIRST[-LAST]", help: "node number = address - FIRST when a datagram has none; with LAST, drop other senders" },
  { long: "down-after", value: "number", meta: "SECONDS", min: 0.1, help: "a node is down after this long without a datagram (default: 3 of its intervals)" },
  { long: "request-interval", value: "number", meta: "SECONDS", min: 1, help: "seconds between requests for updates (default 60)" },
  { long: "max-nodes", value: "int", meta: "N", min: 1, max: 1_000_000, help: "highest node number + 1 accepted (default 65536)" },
  { long: "pidfile", value: "string", meta: "FILE", help: "write the pid here (default /var/run/recvstats.pid; none with -d)" },
  { long: "log", value: "string", meta: "FILE", help: "log here when not -d (default /var/log/recvstats.log)" },
  { long: "help", short: "h", help: "print this help and exit" },
  { long: "version", short: "v", help: "print the version and exit" },
];
export const PROGRAM: Program = {
  name: "recvstats",
  synopsis:
    "[-d] [-i IF] [-p PORT] [-g GROUP] [--shm-dir DIR] [--iprange FIRST[-LAST]] [--down-after SECONDS] [--request-interval SECONDS] [--max-nodes N] [--pidfile FILE] [--log FILE] [-h] [-v]",
  options: OPTIONS,
  version: VERSION,
};

/** A node that appeared without its cpuinfo is asked for a full update at most this often. */
const STATIC_REQUEST_EVERY_MS = 10_000;
const HEARTBEAT_MS = 1000;

export interface Options {
  interface?: string;
  port: number;
  group: string;
  shmDir: string;
  iprange?: { first: number; last?: number };
  downAfterMs: number;
  requestIntervalMs: number;
  maxNodes: number;
}

/** "FIRST[-LAST]" as numbers; throws UsageError. */
export function parseIprange(text: string): { first: number; last?: number } {
  const [a, b] = text.split("-");
  try {
    const first = ipv4ToNumber(a);
    if (b === undefined) return { first };
    const last = ipv4ToNumber(b);
    if (last < first) throw new Error(`${b} is below ${a}`);
    return { first, last };
  } catch (err) {
    throw new UsageError(`--iprange ${text}: ${(err as Error).message}`);
  }
}

/** Runs recvstats with argv (without the program name); resolves to the exit status. */
export async function runMain(argv: readonly string[], io: Io = stdio): Promise<number> {
  let o: Options | undefined;
  const opts = startProgram(PROGRAM, argv, io, (opts) => {
    o = {
      interface: opts.interface as string | undefined,
      port: (opts.port as number | undefined) ?? DEFAULT_PORT,
      group: (opts.group as string | undefined) ?? DEFAULT_GROUP,
      shmDir: (opts["shm-dir"] as string | undefined) ?? "/var/shm",
      iprange: opts.iprange === undefined ? undefined : parseIprange(opts.iprange as string),
      downAfterMs: opts["down-after"] === undefined ? 0 : Math.round((opts["down-after"] as number) * 1000),
      requestIntervalMs: Math.round(((opts["request-interval"] as number | undefined) ?? 60) * 1000),
      maxNodes: (opts["max-nodes"] as number | undefined) ?? 65536,
    };
  });
  if (typeof opts === "number") return opts;
  const d = await Daemon.start("recvstats", { debug: opts.debug === true, pidfile: opts.pidfile as string | undefined, log: opts.log as string | undefined }, io);
  if (typeof d === "number") return d;
  let collector: Collector;
  try {
    collector = await Collector.start(o!, d.log);
  } catch (err) {
    return d.fail((err as Error).message);
  }
  d.ready();
  d.log.info(`${await d.stopped}: stopping`);
  collector.close();
  d.close();
  return 0;
}

/** The running collector: socket → core → shm, and its timers. */
export class Collector {
  private readonly instance = newInstanceId();
  private requestSeq = 0n;
  private readonly staticAsked = new Map<number, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly addr = new Uint8Array(16);
  private readonly reasons: Map<number, string>;
  private publishedUsed = 0;
  private closed = false;

  private constructor(
    private readonly core: Core,
    private readonly shm: ShmWriter,
    private readonly socket: dgram.Socket,
    private readonly o: Options,
    private readonly ifaceAddr: string | undefined,
    private readonly log: Log,
  ) {
    this.reasons = namesOf(core.layout, "R_");
  }

  /** Checks the interface, creates the shm file, binds the port; throws one clear message on failure. */
  static async start(o: Options, log: Log): Promise<Collector> {
    const ifaceAddr = o.interface ? interfaceAddress(o.interface) : undefined;
    const core = new Core(o.maxNodes);
    let shm: ShmWriter;
    try {
      // a restart continues the file readers have mapped, its nodes stale until they report
      shm = ShmWriter.open(o.shmDir, core.layout, { maxBytes: 1 << 30 }, (table) => core.adopt(table, o.maxNodes));
    } catch (err) {
      throw new Error(`cannot publish in ${o.shmDir}: ${(err as Error).message}`);
    }
    for (const w of shm.warnings) log.warn(w);
    let socket: dgram.Socket;
    try {
      socket = await openSocket({ port: o.port, group: o.group, ifaceAddr });
    } catch (err) {
      shm.close();
      const e = err as NodeJS.ErrnoException;
      throw new Error(e.code === "EADDRINUSE" ? `port ${o.port} is in use` : `cannot listen on port ${o.port}: ${e.message}`);
    }
    const c = new Collector(core, shm, socket, o, ifaceAddr, log);
    socket.on("message", (msg, rinfo) => c.onDatagram(msg, rinfo.address));
    socket.on("error", (err) => log.warnRated("socket", `socket: ${err.message}`));
    const now = Date.now();
    c.hostFields({ pid: process.pid, started: now, heartbeat: now, flags: 0 });
    c.publishHeader();
    if (shm.adopted) log.info(`continued ${shm.file}: ${c.publishAll()} nodes kept, stale until they report`);
    log.info(
      `listening on port ${o.port}` +
        (ifaceAddr ? `, group ${o.group} on ${o.interface} (${ifaceAddr})` : " (unicast only: no -i, no group joined, no requests sent)") +
        `, publishing ${o.shmDir}/beostat`,
    );
    c.timers.push(setInterval(() => c.heartbeat(), HEARTBEAT_MS));
    if (ifaceAddr) {
      c.request({ target: "all", full: true });
      c.timers.push(setInterval(() => c.request({ target: "all", full: false }), o.requestIntervalMs));
    }
    return c;
  }

  /** One datagram from address: checked, mapped to a node, applied, published. */
  onDatagram(msg: Buffer, address: string): void {
    const core = this.core;
    const L = core.layout;
    const why = core.check(msg, L.WT_STATUS);
    if (why) {
      this.log.warnRated(`reject ${why}`, `datagram from ${address} rejected: ${this.reasons.get(why)}`);
      return;
    }
    let node = core.datagramNode();
    const range = this.o.iprange;
    if (range) {
      const a = ipv4ToNumber(address);
      if (a < range.first || (range.last !== undefined && a > range.last)) {
        core.counterAdd(L.C_REJECT + L.R_SOURCE);
        this.log.warnRated("iprange", `datagram from ${address}, outside --iprange, dropped`);
        return;
      }
      if (node === L.NODE_UNSET) node = a - range.first;
    }
    let result: number;
    try {
      result = core.apply(node, mappedAddress(address, this.addr), Date.now(), this.o.downAfterMs);
    } catch (err) {
      // a trap is a bug in the core: counted and logged; the other nodes are untouched
      core.counterAdd(L.C_TRAPS);
      this.log.warnRated("trap", `core trapped on a datagram from ${address}: ${(err as Error).message}`);
      return;
    }
    if (result) {
      const what = this.reasons.get(result);
      this.log.warnRated(`apply ${result}`, `datagram from ${address} (node ${node === L.NODE_UNSET ? "not set" : node}) dropped: ${what}`);
      if (result === L.R_STALE_INSTANCE) this.log.warnRated(`conflict ${node}`, `two senders claim node ${node}: the newer one wins`);
      return;
    }
    this.publishNode(node);
    if (core.needsStatic()) this.askStatic(node);
  }

  private publishNode(node: number): void {
    const mem = this.core.memory();
    const table = this.core.tableBase();
    const dv = new DataView(mem.buffer);
    // a new node or extent grew the table: the header (USED, the directory) goes first
    if (dv.getUint32(table + this.core.layout.TABLE_USED, true) !== this.publishedUsed) this.publishHeader();
    this.shm.publishNode(mem, table, this.core.tableRecord(node));
  }

  /** Publishes every node record (after adopting a file, whose records the core has repaired); returns how many. */
  private publishAll(): number {
    let n = 0;
    for (let node = -1; node < this.o.maxNodes; node++) {
      if (this.core.tableRecord(node)) {
        this.publishNode(node);
        n++;
      }
    }
    return n;
  }

  private publishHeader(): void {
    const mem = this.core.memory();
    const table = this.core.tableBase();
    this.publishedUsed = new DataView(mem.buffer).getUint32(table + this.core.layout.TABLE_USED, true);
    this.shm.publishHeader(mem, table);
  }

  /** Writes the collector's own header fields into the table (published with the header). */
  private hostFields(f: { pid?: number; started?: number; heartbeat?: number; lastRequest?: number; flags?: number }): void {
    const L = this.core.layout;
    const dv = new DataView(this.core.memory().buffer);
    const t = this.core.tableBase();
    if (f.pid !== undefined) dv.setUint32(t + L.TABLE_PID, f.pid, true);
    if (f.started !== undefined) dv.setFloat64(t + L.TABLE_STARTED, f.started, true);
    if (f.heartbeat !== undefined) dv.setFloat64(t + L.TABLE_HEARTBEAT, f.heartbeat, true);
    if (f.lastRequest !== undefined) dv.setFloat64(t + L.TABLE_LAST_REQUEST, f.lastRequest, true);
    if (f.flags !== undefined) dv.setUint32(t + L.TABLE_FLAGS, f.flags, true);
  }

  private heartbeat(): void {
    const drops = kernelDrops(this.o.port);
    if (drops !== null) this.core.counterSet(this.core.layout.C_KERNEL_DROPS, drops);
    this.hostFields({ heartbeat: Date.now() });
    this.publishHeader();
  }

  /** Multicasts a request for updates (only with -i: requests never leave by another interface). */
  private request(r: { target: "all" | "one"; node?: number; full: boolean }): void {
    if (!this.ifaceAddr || this.closed) return;
    const L = this.core.layout;
    const count = new DataView(this.core.memory().buffer).getUint32(this.core.tableBase() + L.TABLE_NODE_COUNT, true);
    const d = encodeRequest(L, {
      instance: this.instance,
      seq: ++this.requestSeq,
      target: r.target,
      first: r.node,
      full: r.full,
      count,
    });
    this.socket.send(d, this.o.port + 1, this.o.group, (err) => {
      if (err) this.log.warnRated("request", `request: ${err.message}`);
    });
    this.core.counterAdd(L.C_REQUESTS);
    this.hostFields({ lastRequest: Date.now() });
  }

  private askStatic(node: number): void {
    const now = Date.now();
    if (now - (this.staticAsked.get(node) ?? 0) < STATIC_REQUEST_EVERY_MS) return;
    this.staticAsked.set(node, now);
    this.request({ target: "one", node, full: true });
  }

  /** Stops receiving, marks the file "collector stopped", closes; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.socket.close();
    this.hostFields({ flags: this.core.layout.TFLAG_STOPPED, heartbeat: Date.now() });
    this.publishHeader();
    this.shm.close();
    this.log.flush();
  }
}

// recvstats, the master daemon: receives the nodes' status datagrams, has the WASM core
// check, parse and merge them into its node table, and publishes every changed record in
// the shm file under --shm-dir for readers. It multicasts requests for fresh updates at
// start, every --request-interval, and to a node that appears without its cpuinfo.
// runMain is the whole program; src/cli/recvstats.ts only calls it.

import type dgram from "node:dgram";
import { HELP_VERSION, Io, OptionSpec, Program, startProgram, stdio, UsageError } from "./args";
import { Daemon } from "./daemon";
import type { Log } from "./log";
import { ShmWriter } from "./shm";
import { Authenticator, KeyRing, authMode, covers } from "./auth";
import {
  Cidr, DEFAULT_GROUP, DEFAULT_PORT, inCidrs, interfaceAddress, ipv4ToNumber, kernelDrops, mappedAddress, openSocket, parseCidrs,
} from "./udp";
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
  { long: "max-cpus", value: "int", meta: "N", min: 1, max: 8192, help: "most CPUs one node may list (default 8192)" },
  { long: "max-ifaces", value: "int", meta: "N", min: 1, max: 4096, help: "most interfaces one node may list (default 4096)" },
  { long: "key-file", value: "string", meta: "FILE", help: "keys to authenticate datagrams with (KEYID HEXKEY [NODES] per line, mode 600)" },
  { long: "auth", value: "string", meta: "MODE", help: "required (default with --key-file) or off (default without)" },
  { long: "max-skew", value: "number", meta: "SECONDS", min: 0.001, help: "reject datagrams sent this far from the master's clock (default off)" },
  { long: "allow", value: "string", meta: "CIDR[,CIDR...]", help: "accept datagrams from these networks only" },
  { long: "rcvbuf", value: "int", meta: "BYTES", min: 1024, help: "receive buffer to ask the kernel for (it may grant less: net.core.rmem_max)" },
  { long: "pidfile", value: "string", meta: "FILE", help: "write the pid here (default /var/run/recvstats.pid; none with -d)" },
  { long: "log", value: "string", meta: "FILE", help: "log here when not -d (default /var/log/recvstats.log)" },
  ...HELP_VERSION,
];
export const PROGRAM: Program = {
  name: "recvstats",
  synopsis:
    "[-d] [-i IF] [-p PORT] [-g GROUP] [--shm-dir DIR] [--iprange FIRST[-LAST]] [--down-after SECONDS] [--request-interval SECONDS] [--max-nodes N] [--max-cpus N] [--max-ifaces N] [--key-file FILE] [--auth MODE] [--max-skew SECONDS] [--allow CIDR[,CIDR...]] [--rcvbuf BYTES] [--pidfile FILE] [--log FILE] [-h] [-v]",
  options: OPTIONS,
  version: VERSION,
};

/** A node without its cpuinfo (or with part of it) is asked for a full update at most this often. */
const STATIC_REQUEST_EVERY_MS = 5_000;
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
  maxCpus: number;
  maxIfaces: number;
  keyFile?: string;
  auth: "required" | "off";
  maxSkewMs: number;
  allow?: Cidr[];
  rcvbuf?: number;
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

/** --allow's networks; throws UsageError. */
function cidrsOption(text: string): Cidr[] {
  try {
    return parseCidrs(text);
  } catch (err) {
    throw new UsageError(`--allow ${text}: ${(err as Error).message}`);
  }
}

/** "N:K" of RECVSTATS_FAILPOINT: the K-th datagram applied to node N traps (fault injection for tests). */
function failpoint(): { node: number; nth: number } | null {
  const m = /^(-?\d+):(\d+)$/.exec(process.env.RECVSTATS_FAILPOINT ?? "");
  return m ? { node: Number(m[1]), nth: Number(m[2]) } : null;
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
      maxCpus: (opts["max-cpus"] as number | undefined) ?? 8192,
      maxIfaces: (opts["max-ifaces"] as number | undefined) ?? 4096,
      keyFile: opts["key-file"] as string | undefined,
      auth: authMode(opts.auth as string | undefined, opts["key-file"] !== undefined),
      maxSkewMs: opts["max-skew"] === undefined ? 0 : (opts["max-skew"] as number) * 1000,
      allow: opts.allow === undefined ? undefined : cidrsOption(opts.allow as string),
      rcvbuf: opts.rcvbuf as number | undefined,
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
  d.onHangup(() => collector.reloadKeys());
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
  /** addrOf as an IPv4-mapped IPv6 address, the form the core keeps */
  private readonly addr = new Uint8Array(16);
  private addrOf = "";
  private readonly reasons: Map<number, string>;
  private publishedUsed = 0;
  private limitsLogged = 0;
  private closed = false;
  private readonly fault = failpoint();
  private faultCount = 0;

  private constructor(
    private core: Core,
    private readonly shm: ShmWriter,
    private readonly socket: dgram.Socket,
    private readonly o: Options,
    private readonly ifaceAddr: string | undefined,
    private readonly log: Log,
    private readonly auth: Authenticator,
  ) {
    this.reasons = namesOf(core.layout, "R_");
    this.isDirty = new Uint8Array(o.maxNodes + 1);
  }

  /** Checks the interface, creates the shm file, binds the port; throws one clear message on failure. */
  static async start(o: Options, log: Log): Promise<Collector> {
    const ifaceAddr = o.interface ? interfaceAddress(o.interface) : undefined;
    const ring = o.keyFile ? KeyRing.load(o.keyFile) : null;
    const core = new Core(o.maxNodes);
    core.setLimits(o.maxCpus, o.maxIfaces);
    const auth = new Authenticator(core.layout, ring, o.auth);
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
    if (o.rcvbuf) {
      socket.setRecvBufferSize(o.rcvbuf);
      // Linux reports twice what it granted (the doubling covers its bookkeeping)
      const granted = Math.floor(socket.getRecvBufferSize() / 2);
      if (granted < o.rcvbuf) log.warn(`--rcvbuf ${o.rcvbuf}: the kernel granted ${granted} bytes (raise net.core.rmem_max)`);
    }
    if (o.auth === "off") log.warn("--auth off: any host that reaches the port can forge node status (see docs/security.md)");
    else if (ifaceAddr && !ring!.newestFor(-1)) log.warn(`${o.keyFile}: no key covers the master (-1): requests go unsigned, and nodes ignore them`);
    const c = new Collector(core, shm, socket, o, ifaceAddr, log, auth);
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

  /** Logs a dropped datagram (rate-limited per reason) and returns nothing. */
  private dropped(reason: number, address: string, node?: number): void {
    const who = node === undefined || node === this.core.layout.NODE_UNSET ? "" : ` (node ${node})`;
    this.log.warnRated(`reject ${reason}`, `datagram from ${address}${who} dropped: ${this.reasons.get(reason)}`);
  }

  /**
   * One datagram from address: source allowed, tag checked (before anything is parsed),
   * structure checked, mapped to a node the key may speak for, applied, published.
   */
  onDatagram(msg: Buffer, address: string): void {
    const core = this.core;
    const L = core.layout;
    if (this.o.allow && !inCidrs(address, this.o.allow)) return this.dropped(core.rejectUnchecked(L.R_SOURCE), address);
    // copied into the core first, unread: the tag is checked there, with no copy of its own
    const big = core.load(msg);
    if (big) return this.dropped(big, address);
    const signed = this.auth.verify(msg, core.memory(), core.inputAt());
    if (signed.reason) return this.dropped(core.rejectUnchecked(signed.reason), address);
    const why = core.checkLoaded(msg.length, L.WT_STATUS);
    if (why) return this.dropped(why, address);
    let node = core.datagramNode();
    const range = this.o.iprange;
    if (range) {
      const a = ipv4ToNumber(address);
      if (a < range.first || (range.last !== undefined && a > range.last)) {
        core.counterAdd(L.C_REJECT + L.R_SOURCE);
        return this.dropped(L.R_SOURCE, address);
      }
      if (node === L.NODE_UNSET) node = a - range.first;
    }
    if (signed.key && !covers(signed.key, node)) {
      core.counterAdd(L.C_REJECT + L.R_KEY_SCOPE);
      return this.dropped(L.R_KEY_SCOPE, address, node);
    }
    const now = this.batchTime();
    // !(<=) so that a send time that is not a number is rejected too
    if (this.o.maxSkewMs && !(Math.abs(now - msg.readDoubleLE(L.W_SEND_TIME)) <= this.o.maxSkewMs)) {
      core.counterAdd(L.C_REJECT + L.R_SKEW);
      return this.dropped(L.R_SKEW, address, node);
    }
    let result: number;
    try {
      if (this.fault && node === this.fault.node && ++this.faultCount === this.fault.nth) core.setFailpoint(node);
      // a node's datagrams come from one address: converted and copied into the core only when it changes
      let addr: Uint8Array | null = null;
      if (address !== this.addrOf) {
        mappedAddress(address, this.addr);
        this.addrOf = address;
        addr = this.addr;
      }
      result = core.apply(node, addr, now, this.o.downAfterMs);
    } catch (err) {
      this.recover(node, `core trapped on a datagram from ${address}: ${(err as Error).message}`);
      return;
    }
    if (result) {
      const what = this.reasons.get(result);
      this.log.warnRated(`apply ${result}`, `datagram from ${address} (node ${node === L.NODE_UNSET ? "not set" : node}) dropped: ${what}`);
      if (result === L.R_STALE_INSTANCE) this.log.warnRated(`conflict ${node}`, `two senders claim node ${node}: the newer one wins`);
      return;
    }
    this.markDirty(node);
    if (core.needsStatic()) this.askStatic(node);
  }

  /**
   * After a trap (a bug in the core): a fresh core continues from the shm file, which holds
   * every record as last published (the one being written is not among them), the node
   * being written is marked invalid for readers until its next datagram, and no other node
   * is lost.
   */
  private recover(node: number, why: string): void {
    // rate-limited: a datagram that traps the core may be sent again and again
    this.log.warnRated("trap", `${why}: restarting the core from ${this.shm.file}`);
    const fresh = new Core(this.o.maxNodes);
    fresh.setLimits(this.o.maxCpus, this.o.maxIfaces);
    if (!fresh.adopt(this.shm.tableBytes(), this.o.maxNodes, false)) {
      this.log.warn(`cannot continue ${this.shm.file} after the trap: going on with the old core`);
      return;
    }
    this.core = fresh;
    this.addrOf = ""; // the fresh core has no sender's address yet
    fresh.counterAdd(fresh.layout.C_TRAPS);
    this.publishHeader();
    if (fresh.invalidate(node)) this.publishNode(node);
  }

  /** Re-reads the key file (SIGHUP); on error the old keys stay. */
  reloadKeys(): void {
    if (!this.o.keyFile) return;
    try {
      const ring = KeyRing.load(this.o.keyFile);
      this.auth.setRing(ring);
      this.log.info(`SIGHUP: ${ring.size} keys read from ${this.o.keyFile}`);
    } catch (err) {
      this.log.warn(`SIGHUP: keeping the old keys: ${(err as Error).message}`);
    }
  }

  /**
   * Publishes node with the next batch: the datagrams the socket has ready are applied first,
   * then each node they changed is copied once (a big node's update is many datagrams).
   */
  private markDirty(node: number): void {
    // a list and a flag per node, not a Set: Set.clear() gives a long-lived Set a new table
    // in the old generation, one per batch, and those tables alone made a full collection
    // (a pause of 2-7 ms) every 2 s at 100,000 datagrams/s
    const i = node + 1; // the master is node -1
    if (!(i >= 0 && i < this.isDirty.length)) return this.publishNode(node); // (the core applies none such)
    if (this.isDirty[i]) return;
    this.isDirty[i] = 1;
    if (this.dirtyCount === this.dirty.length) {
      const bigger = new Int32Array(this.dirty.length * 2);
      bigger.set(this.dirty);
      this.dirty = bigger;
    }
    this.dirty[this.dirtyCount++] = node;
    this.endOfBatch();
  }
  /**
   * The time a datagram of this batch arrived: Date.now() once per batch (what one read of
   * the socket returned, at most tens of datagrams within a fraction of a millisecond), not
   * once per datagram (a tenth of a microsecond per update, profiled).
   */
  private batchTime(): number {
    if (this.clock < 0) {
      this.clock = Date.now();
      this.endOfBatch();
    }
    return this.clock;
  }
  private clock = -1;
  /** Has flush run when the socket's datagrams of this turn of the event loop are done. */
  private endOfBatch(): void {
    if (this.flushAsked) return;
    this.flushAsked = true;
    setImmediate(this.flush);
  }
  private flushAsked = false;
  /** the nodes to publish with the next batch, in the order they changed */
  private dirty = new Int32Array(64);
  private dirtyCount = 0;
  /** isDirty[node + 1]: node is in dirty */
  private readonly isDirty: Uint8Array;
  private readonly flush = (): void => {
    this.flushAsked = false;
    this.clock = -1;
    if (this.closed) return;
    for (let k = 0; k < this.dirtyCount; k++) {
      const node = this.dirty[k];
      this.isDirty[node + 1] = 0;
      this.publishNode(node);
    }
    this.dirtyCount = 0;
  };

  private publishNode(node: number): void {
    const mem = this.core.memory();
    const table = this.core.tableBase();
    // a new node or extent grew the table: the header (USED, the directory) goes first
    if (this.core.tableUsed() !== this.publishedUsed) this.publishHeader();
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
    this.publishedUsed = this.core.tableUsed();
    this.shm.publishHeader(this.core.memory(), this.core.tableBase());
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
    const L = this.core.layout;
    const drops = kernelDrops(this.o.port);
    if (drops !== null) this.core.counterSet(L.C_KERNEL_DROPS, drops);
    // lists cut at a limit are counted by the core, datagram by datagram, and logged here
    const limits = this.core.counter(L.C_LIMITS);
    if (limits > this.limitsLogged) {
      this.log.warnRated("limits", `${limits - this.limitsLogged} CPU or interface lists cut at --max-cpus ${this.o.maxCpus} / --max-ifaces ${this.o.maxIfaces} in the last second`);
    }
    this.limitsLogged = limits;
    this.hostFields({ heartbeat: Date.now() });
    this.publishHeader();
  }

  /** Multicasts a request for updates (only with -i: requests never leave by another interface). */
  private request(r: { target: "all" | "one"; node?: number; full: boolean }): void {
    if (!this.ifaceAddr || this.closed) return;
    const L = this.core.layout;
    const count = new DataView(this.core.memory().buffer).getUint32(this.core.tableBase() + L.TABLE_NODE_COUNT, true);
    const d = this.auth.sign(
      encodeRequest(L, { instance: this.instance, seq: ++this.requestSeq, target: r.target, first: r.node, full: r.full, count }),
      -1,
    );
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
    this.flush();
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.socket.close();
    this.hostFields({ flags: this.core.layout.TFLAG_STOPPED, heartbeat: Date.now() });
    this.publishHeader();
    this.shm.close();
    this.log.flush();
  }
}

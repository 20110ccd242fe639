// sendstats, the node agent: reads /proc (or a copy under --proc-root) every -r seconds and
// sends it, filtered and split by the core, to the status group on -i's interface and/or
// to each master named by --to. It answers the master's requests after a random delay, so
// a cluster never answers in one burst. runMain is the whole program.

import dgram from "node:dgram";
import { statfsSync } from "node:fs";
import { arch, hostname } from "node:os";
import { HELP_VERSION, Io, OptionSpec, Program, startProgram, stdio, UsageError } from "./args";
import { Authenticator, KeyRing, ReplayWindow, authMode, covers } from "./auth";
import { Daemon } from "./daemon";
import type { Log } from "./log";
import { readProcRoot } from "./proc";
import { DEFAULT_STATE_FILE, prepareStateDir, readRequestState, writeRequestState } from "./requeststate";
import { DEFAULT_GROUP, DEFAULT_PORT, interfaceAddress, openSocket, parseHostPort } from "./udp";
import { VERSION } from "./version";
import { Core, Layout } from "./wasm";
import { Encoder, MIN_MTU, Update, newInstanceId } from "./wire";

export const OPTIONS: OptionSpec[] = [
  { long: "debug", short: "d", help: "stay in the foreground and log to stderr" },
  { long: "interface", short: "i", value: "string", meta: "IF", help: "send to the group on interface IF (multicast needs it)" },
  { long: "port", short: "p", value: "int", meta: "PORT", min: 1, max: 65534, help: "status port (default 3040); requests arrive on PORT+1" },
  { long: "group", short: "g", value: "string", meta: "GROUP", help: `multicast group (default ${DEFAULT_GROUP})` },
  { long: "node", short: "n", value: "int", meta: "NODE", min: -1, help: "this node's number, -1 for the master (default: not set; the master maps addresses)" },
  { long: "rate", short: "r", value: "number", meta: "SECONDS", min: 0.1, max: 86400, help: "seconds between reports (default 5)" },
  { long: "to", value: "list", meta: "HOST[:PORT]", help: "also send unicast to this master (repeat for several)" },
  { long: "proc-root", value: "string", meta: "DIR", help: "read the /proc files under DIR instead of /proc" },
  { long: "statfs", value: "string", meta: "PATH", help: "report the filesystem of PATH (default /, none with --proc-root)" },
  { long: "mtu", value: "int", meta: "N", min: MIN_MTU, max: 65507, help: "largest UDP payload sent (default 1472)" },
  { long: "once", help: "send one full update and exit" },
  { long: "key-file", value: "string", meta: "FILE", help: "keys to sign status and check requests with (KEYID HEXKEY [NODES] per line, mode 600)" },
  { long: "auth", value: "string", meta: "MODE", help: "required (default with --key-file) or off (default without)" },
  { long: "state-file", value: "string", meta: "FILE", help: `keep the master's last request here, so none is replayed after a restart (default ${DEFAULT_STATE_FILE}; none: not kept)` },
  { long: "pidfile", value: "string", meta: "FILE", help: "write the pid here (default /var/run/sendstats.pid; none with -d)" },
  { long: "log", value: "string", meta: "FILE", help: "log here when not -d (default /var/log/sendstats.log)" },
  ...HELP_VERSION,
];
export const PROGRAM: Program = {
  name: "sendstats",
  synopsis:
    "[-d] [-i IF] [-p PORT] [-g GROUP] [-n NODE] [-r SECONDS] [--to HOST[:PORT]]... [--proc-root DIR] [--statfs PATH] [--mtu N] [--once] [--key-file FILE] [--auth MODE] [--state-file FILE] [--pidfile FILE] [--log FILE] [-h] [-v]",
  options: OPTIONS,
  version: VERSION,
};

/** cpuinfo is static: besides start, requests and CPU changes, it is resent this often. */
const CPUINFO_EVERY_MS = 5 * 60_000;
/** Datagrams of one update sent back to back, before the agent yields (see sendUpdate). */
const PACE = 16;
/** USER_HZ of Linux on every architecture it runs on (the unit of /proc/stat's ticks). */
const USER_HZ = 100;

/** The core's architecture code of this machine. */
export function archCode(L: Layout, name = arch()): number {
  const codes: Record<string, string> = {
    x64: "ARCH_X86_64",
    ia32: "ARCH_I386",
    arm64: "ARCH_AARCH64",
    arm: "ARCH_ARM",
    ppc64: "ARCH_PPC64",
    s390x: "ARCH_S390X",
    riscv64: "ARCH_RISCV64",
    loong64: "ARCH_LOONGARCH64",
    mips: "ARCH_MIPS",
    mipsel: "ARCH_MIPS",
  };
  return codes[name] ? L[codes[name]] : L.ARCH_OTHER;
}

/** Runs sendstats with argv (without the program name); resolves to the exit status. */
export async function runMain(argv: readonly string[], io: Io = stdio): Promise<number> {
  const opts = startProgram(PROGRAM, argv, io, (opts) => {
    if (!opts.interface && !(opts.to as string[] | undefined)?.length) {
      throw new UsageError("nothing to send to: give -i IF (multicast) or --to HOST");
    }
    opts.auth = authMode(opts.auth as string | undefined, opts["key-file"] !== undefined);
    const state = (opts["state-file"] as string | undefined) ?? DEFAULT_STATE_FILE;
    if (state === "") throw new UsageError("--state-file: expected a file, or none");
    if (state === "none") delete opts["state-file"];
    else opts["state-file"] = state;
  });
  if (typeof opts === "number") return opts;
  // --once is a command, not a daemon: it runs in the foreground
  const debug = opts.debug === true || opts.once === true;
  const d = await Daemon.start("sendstats", { debug, pidfile: opts.pidfile as string | undefined, log: opts.log as string | undefined }, io);
  if (typeof d === "number") return d;
  let agent: Agent;
  try {
    agent = await Agent.start(opts as unknown as AgentOptions, d.log, opts.once === true);
  } catch (err) {
    return d.fail((err as Error).message);
  }
  d.onHangup(() => agent.reloadKeys());
  if (opts.auth === "off" && !opts.once) {
    d.log.warn("--auth off: this node obeys requests from any host, and its status can be forged by any host that reaches the master (see docs/security.md)");
  }
  d.ready();
  if (opts.once) await agent.sendUpdate(true);
  else d.log.info(`${await d.stopped}: stopping`);
  agent.close();
  d.close();
  return 0;
}

interface AgentOptions {
  "key-file"?: string;
  auth: "required" | "off";
  /** where the requests accepted are remembered across restarts (with auth required); none if unset */
  "state-file"?: string;
  interface?: string;
  port?: number;
  group?: string;
  node?: number;
  rate?: number;
  to?: string[];
  "proc-root"?: string;
  statfs?: string;
  mtu?: number;
}

/** The running agent: its sockets, its schedule and the state of its updates. */
export class Agent {
  private readonly instance = newInstanceId();
  private seq = 0n;
  private updateId = 0;
  private lastCpuinfo = 0;
  private cpuSet = "";
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** lines or blocks dropped as too large for one datagram, since start */
  dropped = 0;
  /** the master's requests seen, so that a replayed one is ignored */
  private readonly requestWindow = new ReplayWindow();
  /** where requestWindow is kept across restarts, or null (no checked requests, --state-file none, --once) */
  private stateFile: string | null = null;
  /** the answer to a request, while it waits for its random delay (one at a time: no storm) */
  private answer: { timer: NodeJS.Timeout; full: boolean } | null = null;

  private constructor(
    private readonly core: Core,
    private readonly encoder: Encoder,
    private readonly out: dgram.Socket,
    private readonly requests: dgram.Socket | null,
    private readonly targets: Array<{ host: string; port: number }>,
    private readonly o: AgentOptions,
    private intervalMs: number,
    private readonly log: Log,
    private readonly auth: Authenticator,
  ) {}

  /** Opens the sockets and, unless once, starts reporting every interval. */
  static async start(o: AgentOptions, log: Log, once = false): Promise<Agent> {
    const core = new Core(1);
    const encoder = new Encoder(core, o.mtu ?? 1472);
    const ring = o["key-file"] ? KeyRing.load(o["key-file"]) : null;
    const auth = new Authenticator(core.layout, ring, o.auth);
    const node = o.node ?? core.layout.NODE_UNSET;
    if (ring && o.auth === "required" && !ring.newestFor(node)) {
      throw new Error(`${o["key-file"]}: no key covers node ${o.node ?? "(not set: give -n)"}`);
    }
    const port = o.port ?? DEFAULT_PORT;
    const group = o.group ?? DEFAULT_GROUP;
    const targets = (o.to ?? []).map((t) => parseHostPort(t, port));
    const ifaceAddr = o.interface ? interfaceAddress(o.interface) : undefined;
    if (ifaceAddr) targets.unshift({ host: group, port });
    // multicast leaves only through -i's interface; without -i nothing joins or sends to the group
    const out = await openSocket({ port: 0, ifaceAddr });
    let requests: dgram.Socket | null = null;
    if (ifaceAddr) requests = await openSocket({ port: port + 1, group, ifaceAddr, reuse: true });
    const agent = new Agent(core, encoder, out, requests, targets, o, Math.round((o.rate ?? 5) * 1000), log, auth);
    // only checked requests are worth remembering: under --auth off anyone may send a fresh one
    if (o["state-file"] && o.auth === "required" && !once) agent.restoreRequests(o["state-file"]);
    requests?.on("message", (msg) => agent.onRequest(msg));
    if (!o.statfs && !o["proc-root"]) o.statfs = "/";
    if (!once) agent.schedule(0);
    return agent;
  }

  /** Reads the files and sends one update (with cpuinfo when full, or when it is due). */
  async sendUpdate(full: boolean): Promise<void> {
    const root = this.o["proc-root"] ?? "/proc";
    const raw = readProcRoot(root);
    const now = Date.now();
    const files: Update["files"] = {};
    for (const [section, text] of Object.entries(raw) as Array<[keyof Update["files"], Uint8Array]>) {
      files[section] = { text, sampleMs: now };
    }
    // cpuinfo is static: sent at start, on request, when the CPUs in stat change, every 5 minutes
    const cpuSet = raw.stat ? (Buffer.from(raw.stat).toString("latin1").match(/^cpu\d+/gm) ?? []).join(",") : "";
    const withCpuinfo = full || cpuSet !== this.cpuSet || now - this.lastCpuinfo >= CPUINFO_EVERY_MS;
    if (!withCpuinfo) delete files.cpuinfo;
    else {
      this.lastCpuinfo = now;
      this.cpuSet = cpuSet;
    }
    let statfs: Update["statfs"];
    if (this.o.statfs) {
      try {
        const s = statfsSync(this.o.statfs, { bigint: true });
        statfs = { total: s.blocks * s.bsize, free: s.bavail * s.bsize, sampleMs: now };
      } catch (err) {
        this.log.warnRated("statfs", `statfs ${this.o.statfs}: ${(err as Error).message}`);
      }
    }
    const update: Update = {
      node: this.o.node ?? this.core.layout.NODE_UNSET,
      hostname: hostname(),
      instance: this.instance,
      updateId: ++this.updateId,
      intervalMs: this.intervalMs,
      userHz: USER_HZ,
      arch: archCode(this.core.layout),
      files,
      statfs,
    };
    const encoded = this.encoder.encode(update, () => ++this.seq);
    if (encoded.dropped) {
      this.dropped += encoded.dropped;
      this.log.warnRated("dropped", `${encoded.dropped} lines too large for --mtu ${this.encoder.mtu} were dropped`);
    }
    const sends: Array<Promise<void>> = [];
    for (const [i, plain] of encoded.datagrams.entries()) {
      // a big node's update is many datagrams: sent in bursts of PACE, with a turn of the event
      // loop between, so that a busy master's receive buffer is not flooded all at once
      if (i > 0 && i % PACE === 0) await new Promise((r) => setImmediate(r));
      const d = this.auth.sign(plain, update.node);
      for (const t of this.targets) {
        sends.push(
          new Promise((resolve) =>
            this.out.send(d, t.port, t.host, (err) => {
              if (err) this.log.warnRated(`send ${t.host}`, `send to ${t.host}:${t.port}: ${err.message}`);
              resolve();
            }),
          ),
        );
      }
    }
    await Promise.all(sends);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null; // (an update in flight schedules the next itself)
      const started = Date.now();
      this.sendUpdate(this.updateId === 0)
        .catch((err) => this.log.warnRated("update", `update: ${(err as Error).message}`))
        .finally(() => this.schedule(Math.max(0, this.intervalMs - (Date.now() - started))));
    }, delayMs);
  }

  /**
   * Continues the request window of the last run from file (at start). A file that cannot be
   * made, read or trusted is a warning, never fatal: the window is then in memory only.
   */
  private restoreRequests(file: string): void {
    this.stateFile = file;
    try {
      prepareStateDir(file);
      const s = readRequestState(file);
      if (!s) return;
      this.requestWindow.restore(s);
      this.log.info(`${file}: requests of master instance ${s.instance} up to sequence ${s.last} were seen before this start`);
    } catch (err) {
      this.log.warnRated("state file", `${(err as Error).message}: starting without the requests seen before (one recorded earlier would be accepted once)`);
    }
  }

  /** Remembers the request window in the state file (each request accepted); a failure is a warning. */
  private saveRequests(): void {
    const s = this.requestWindow.state();
    if (!this.stateFile || !s) return;
    try {
      writeRequestState(this.stateFile, s);
    } catch (err) {
      this.log.warnRated("state save", `${(err as Error).message}: the requests seen are kept in memory only (after a restart, one recorded earlier would be accepted once)`);
    }
  }

  /** A request from a master: answered after a random delay over max(1 s, nodes / 10,000 s). */
  private onRequest(msg: Buffer): void {
    const L = this.core.layout;
    // a forged or replayed request must not change the rate or start a storm
    const signed = this.auth.verify(msg);
    if (signed.reason || (signed.key && !covers(signed.key, -1))) {
      this.log.warnRated("request auth", "a request without a good tag from a key of the master was ignored");
      return;
    }
    if (this.core.check(msg, L.WT_REQUEST) !== 0) return;
    const instance = msg.readBigUInt64LE(L.W_INSTANCE);
    if (!this.requestWindow.accept(instance, msg.readBigUInt64LE(L.W_SEQ))) {
      const newest = this.requestWindow.state()!.instance;
      if (instance >= newest) this.log.warnRated("request replay", "a replayed request was ignored");
      else {
        // a replay from an earlier master, or a master whose clock went back at its start
        const remedy = this.stateFile ? `; if the master's clock went back, remove ${this.stateFile} and restart sendstats` : "";
        this.log.warnRated("request stale", `a request of master instance ${instance}, older than ${newest}, was ignored${remedy}`);
      }
      return;
    }
    this.saveRequests();
    const me = this.core.requestFor(this.o.node ?? L.NODE_UNSET);
    if (!me) return;
    // a master may slow a node down or speed it up, within reason: never below a second, nor above a day
    const asked = this.core.requestInterval();
    const newInterval = asked === 0 ? 0 : Math.min(Math.max(asked, 1000), 86_400_000);
    if (newInterval > 0 && newInterval !== this.intervalMs) {
      this.intervalMs = newInterval;
      this.log.info(`reporting interval set to ${newInterval} ms by a request`);
      // the update already scheduled at the old interval would hold the new one back (one in
      // flight schedules the next at the new interval)
      if (this.timer) {
        clearTimeout(this.timer);
        this.schedule(newInterval);
      }
    }
    if (this.answer) {
      // an answer is already waiting: it becomes full if this request asks so, and that is all
      this.answer.full ||= (me & 2) !== 0;
      return;
    }
    // N / 10,000 seconds for N nodes, and never less than a second
    const spreadMs = Math.max(1000, this.core.requestSpan() / 10);
    const answer = {
      full: (me & 2) !== 0,
      timer: setTimeout(() => {
        this.answer = null;
        this.sendUpdate(answer.full).catch((err) => this.log.warnRated("update", `update: ${(err as Error).message}`));
      }, Math.random() * spreadMs),
    };
    this.answer = answer;
  }

  /** Re-reads the key file (SIGHUP); on error the old keys stay. */
  reloadKeys(): void {
    const file = this.o["key-file"];
    if (!file) return;
    try {
      this.auth.setRing(KeyRing.load(file));
      this.log.info(`SIGHUP: keys read from ${file}`);
    } catch (err) {
      this.log.warn(`SIGHUP: keeping the old keys: ${(err as Error).message}`);
    }
  }

  /** Stops sending and closes the sockets; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.answer) clearTimeout(this.answer.timer);
    this.out.close();
    this.requests?.close();
  }
}

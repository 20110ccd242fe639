// The load generator of `npm run bench:ingest`, a child process of bench/ingest.ts pinned to
// the other core. Every datagram is made before the timed steps by sendstats' own encoder
// (src/wire.ts, through src/simulate.ts); a step only patches the header fields that must be
// new (node, instance, sequence, update id, send time, sample times, hostname digits) and
// sends, over connected sockets to 127.0.0.1, paced to the rate it is asked for.

import dgram from "node:dgram";
import { setImmediate as yieldLoop } from "node:timers/promises";
import { Authenticator, Hmac, Key, KeyRing } from "../src/auth";
import { SimulatedNode } from "../src/simulate";
import { Core, Layout } from "../src/wasm";
import { Encoder } from "../src/wire";
import { sixteenCpus } from "../tests/helpers/widen";
import { now } from "./latency";

/** Messages from bench/ingest.ts. */
export type GeneratorCommand =
  | { cmd: "init"; templates: number; updates: number; mtu: number; keyFile: string | null; sockets: number }
  | { cmd: "nodes"; nodes: number }
  | {
      cmd: "step";
      port: number;
      /** node updates per second; 0: as fast as the generator can */
      rate: number;
      seconds: number;
      /** stop after this many updates (0: no limit) */
      count: number;
      /** send each node's full update (cpuinfo included) instead of its next regular one */
      full: boolean;
      /** sign every datagram (with a key); false sends the template's tag unchanged (for the bare receiver, which checks nothing) */
      sign: boolean;
      /**
       * keep the rate steady (the latency step): when the generator falls more than
       * STEADY_LAG_MS behind (its own core was taken), what fell due is skipped instead of
       * sent as one burst, which would measure the generator's stall as the collector's latency
       */
      steady?: boolean;
    }
  | { cmd: "exit" };

/** Answers to bench/ingest.ts. */
export type GeneratorReply =
  | { cmd: "ready"; buildMs: number; dgramsPerUpdate: number; bytesPerUpdate: number; dgramsPerFullUpdate: number; maxDgramBytes: number }
  | {
      cmd: "done";
      updates: number;
      datagrams: number;
      bytes: number;
      elapsedMs: number;
      cpuMs: number;
      sendErrors: number;
      queued: number;
      /** the furthest the generator fell behind its schedule: what was due then left as one burst (or was skipped, steady) */
      maxLagMs: number;
      /** updates skipped to keep a steady step's rate */
      skipped: number;
    };

/** How far a steady step may fall behind before it skips what fell due. */
const STEADY_LAG_MS = 2;

/** One pre-encoded datagram and where its sections' sample times are. */
interface Template {
  buf: Buffer;
  times: number[];
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const HOST_DIGITS = 5; // hostnames are "sim-NNNNN": the digits are patched per node

let L: Layout;
let auth: Authenticator | null = null;
/** Each key's Hmac: the generator signs its templates in place (a new buffer per datagram would cost it more than the collector) */
const macs = new Map<Key, Hmac>();
/** templates[m][k]: the datagrams of update k of template node m (k = 0 is the full update) */
let templates: Template[][][] = [];
let sockets = 4;
const byPort = new Map<number, dgram.Socket[]>();

// per simulated node: instance id (as two u32), next sequence, update id, position in its template's updates
let nodes = 0;
let instLo = new Uint32Array(0);
let instHi = new Uint32Array(0);
let seq = new Uint32Array(0);
let updateId = new Uint32Array(0);
let cycle = new Uint32Array(0);
let next = 0;
let sendErrors = 0;
let queued = 0;

const reply = (m: GeneratorReply): void => {
  process.send!(m);
};

/** Encodes `updates` regular updates (and one full one) of `count` simulated 16-CPU nodes. */
function init(c: Extract<GeneratorCommand, { cmd: "init" }>): void {
  const t0 = performance.now();
  const core = new Core(1);
  L = core.layout;
  sockets = c.sockets;
  if (c.keyFile) auth = new Authenticator(L, KeyRing.load(c.keyFile), "required");
  const encoder = new Encoder(core, c.mtu);
  const files = sixteenCpus();
  templates = [];
  for (let m = 0; m < c.templates; m++) {
    const sim = new SimulatedNode(m, `sim-${"0".repeat(HOST_DIGITS)}`, files, 1 + m);
    const ups: Template[][] = [];
    for (let k = 0; k <= c.updates; k++) {
      sim.step(1);
      const ds = sim.encode(encoder, core, 1000, k === 0).map((d) => {
        // with a key every template carries a tag, so the bare receiver gets datagrams of the signed size
        const buf = auth ? auth.sign(d, m) : d;
        return { buf, times: sectionTimes(buf) };
      });
      ups.push(ds);
    }
    templates.push(ups);
  }
  const regular = templates.flatMap((ups) => ups.slice(1));
  const dgrams = regular.reduce((n, u) => n + u.length, 0) / regular.length;
  const bytes = regular.reduce((n, u) => n + u.reduce((b, d) => b + d.buf.length, 0), 0) / regular.length;
  const full = templates.reduce((n, ups) => n + ups[0].length, 0) / templates.length;
  const maxDgram = Math.max(...templates.flat(2).map((d) => d.buf.length));
  reply({ cmd: "ready", buildMs: performance.now() - t0, dgramsPerUpdate: dgrams, bytesPerUpdate: bytes, dgramsPerFullUpdate: full, maxDgramBytes: maxDgram });
}

/** Offsets of WS_TIME of each section of datagram d. */
function sectionTimes(d: Buffer): number[] {
  const at: number[] = [];
  let p = L.W_STATUS_LEN;
  for (let i = 0; i < d[L.W_NSECTIONS]; i++) {
    at.push(p + L.WS_TIME);
    p += L.WS_HEADER_LEN + d.readUInt16LE(p + L.WS_LENGTH);
  }
  return at;
}

/** A fresh set of nodes: new instance ids (the decoder rejects replays), sequences from 1. */
function setNodes(n: number): void {
  nodes = n;
  // an instance id is the sender's start in µs, the same for all, made distinct by the node number
  const base = Date.now() * 1000;
  instLo = new Uint32Array(n);
  instHi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    instLo[i] = (base + i) % 4294967296;
    instHi[i] = Math.floor((base + i) / 4294967296);
  }
  seq = new Uint32Array(n);
  updateId = new Uint32Array(n);
  cycle = new Uint32Array(n);
  next = 0;
}

/** Connected sockets to 127.0.0.1:port (a connected socket sends at once: no lookup, no deferral). */
async function socketsTo(port: number): Promise<dgram.Socket[]> {
  const have = byPort.get(port);
  if (have) return have;
  const made = await Promise.all(
    Array.from(
      { length: sockets },
      () =>
        new Promise<dgram.Socket>((resolve, reject) => {
          const s = dgram.createSocket("udp4");
          s.once("error", reject);
          s.connect(port, "127.0.0.1", () => {
            s.off("error", reject);
            // a port nobody listens on answers ICMP: count it, never stop
            s.on("error", () => sendErrors++);
            resolve(s);
          });
        }),
    ),
  );
  byPort.set(port, made);
  return made;
}

/** Sends node n's next update (or its full one) through socket s; adds the datagrams and bytes sent to out. */
function sendUpdate(n: number, s: dgram.Socket, full: boolean, sign: boolean, out: number[]): void {
  const ups = templates[n % templates.length];
  let k = 0;
  if (!full) {
    k = 1 + cycle[n];
    cycle[n] = (cycle[n] + 1) % (ups.length - 1);
  }
  const ds = ups[k];
  const uid = ++updateId[n];
  for (let i = 0; i < ds.length; i++) {
    const t = ds[i];
    const b = t.buf;
    b.writeInt32LE(n, L.W_NODE);
    b.writeUInt32LE(instLo[n], L.W_INSTANCE);
    b.writeUInt32LE(instHi[n], L.W_INSTANCE + 4);
    b.writeUInt32LE(++seq[n], L.W_SEQ);
    b.writeUInt32LE(0, L.W_SEQ + 4);
    b.writeUInt32LE(uid, L.W_UPDATE);
    let v = n;
    for (let d = HOST_DIGITS - 1; d >= 0; d--) {
      b[L.W_HOSTNAME + 4 + d] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    const ms = now();
    for (let j = 0; j < t.times.length; j++) b.writeDoubleLE(ms, t.times[j]);
    b.writeDoubleLE(ms, L.W_SEND_TIME);
    if (sign && auth) {
      // the template carries the flag and a tag already (init signed it): the key id and tag
      // are rewritten in place, as Authenticator.sign would make them
      const key = auth.keys!.newestFor(n)!;
      let mac = macs.get(key);
      if (!mac) macs.set(key, (mac = new Hmac(key.secret)));
      const body = b.length - L.W_TAG_LEN;
      b.writeUInt16LE(key.id, L.W_KEY_ID);
      mac.sign(b, body);
    }
    s.send(b);
    out[0]++;
    out[1] += b.length;
    if (s.getSendQueueCount() > 0) {
      // the kernel refused at once and libuv queued the send, keeping b: patch a copy from now on
      queued++;
      t.buf = Buffer.from(b);
    }
  }
}

/** One paced step; resolves when its time or count is up. */
async function step(c: Extract<GeneratorCommand, { cmd: "step" }>): Promise<void> {
  const socks = await socketsTo(c.port);
  const out = [0, 0];
  let updates = 0;
  sendErrors = 0;
  queued = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + c.seconds * 1000;
  let yieldAt = start + 5;
  let maxLagMs = 0;
  let skipped = 0;
  for (;;) {
    const t = performance.now();
    if (t >= end || (c.count && updates >= c.count)) break;
    // the updates due by now at the asked rate (as fast as possible when rate is 0)
    let due = c.rate ? Math.floor((c.rate * (t - start)) / 1000) - updates - skipped : 64;
    if (c.count) due = Math.min(due, c.count - updates);
    if (due > 0) {
      const lag = c.rate ? t - start - (1000 * (updates + skipped)) / c.rate : 0;
      maxLagMs = Math.max(maxLagMs, lag);
      if (c.steady && lag > STEADY_LAG_MS) {
        skipped += due - 1;
        due = 1;
      }
      for (let i = 0; i < Math.min(due, 256); i++) {
        const n = next;
        next = next + 1 === nodes ? 0 : next + 1;
        sendUpdate(n, socks[n % socks.length], c.full, c.sign, out);
        updates++;
      }
    } else {
      // sleep until the next update is due, at least 0.1 ms (what is due meanwhile leaves as one
      // burst) and at most 1 ms: spinning would take the core from the latency reader
      const wait = Math.min(1, Math.max(0.1, (1000 * (updates + skipped + 1)) / c.rate - (t - start)));
      Atomics.wait(sleeper, 0, 0, wait);
    }
    if (performance.now() >= yieldAt) {
      // let libuv flush anything queued and the IPC channel breathe
      await yieldLoop();
      yieldAt = performance.now() + 5;
    }
  }
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  reply({
    cmd: "done",
    updates,
    datagrams: out[0],
    bytes: out[1],
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    sendErrors,
    queued,
    maxLagMs,
    skipped,
  });
}

if (!process.send) {
  console.error("ingest-generator: run by bench/ingest.ts (npm run bench:ingest), not by hand");
  process.exit(2);
}
let work = Promise.resolve();
process.on("message", (m: GeneratorCommand) => {
  // one command at a time, in order
  work = work.then(async () => {
    if (m.cmd === "init") init(m);
    else if (m.cmd === "nodes") setNodes(m.nodes);
    else if (m.cmd === "step") await step(m);
    else if (m.cmd === "exit") {
      for (const socks of byPort.values()) for (const s of socks) s.close();
      process.disconnect();
    }
  });
});
// bench/ingest.ts gone: nothing left to do
process.on("disconnect", () => process.exit(0));

// The machine's speed of the moment, for `npm run bench:ingest`: a child process pinned to
// core 0 that, when asked between steps (core 0 otherwise idle), measures two kinds of work
// for about the time asked each. First it sends datagrams of the benchmark's size to itself
// over loopback and answers the CPU µs per datagram (the kernel's UDP path and Node's dgram,
// what the bare receiver spends its time in); then it parses the /proc text of a regular
// update of the benchmark's 16-CPU node (stat, meminfo, loadavg, net/dev) with the WASM core
// and answers the CPU µs per update (recvstats' own parsing functions, in place and
// cache-resident: the core's speed, not memory's). The machine has slowed by 5-20% for
// seconds to minutes at a time, unseen by the guest (docs/performance.md, runs Z), and the
// ceiling's searches and recvstats' steps run at different moments: each row carries the
// probe taken right before it, and bench/speed-gate.ts holds a step back while it reads the
// machine slower than usual. A child driven over the IPC channel, like the generator and the
// reader.

import { createSocket } from "node:dgram";
import { once } from "node:events";
import { Core, SectionName } from "../src/wasm";
import { sixteenCpus } from "../tests/helpers/widen";

/** Messages from the benchmark: probe for about ms milliseconds (each of the two measures). */
export type ProbeCommand = { cmd: "probe"; ms: number } | { cmd: "exit" };
/**
 * Answers: ready once the core is warm; a probe's CPU µs per update parsed, over how many
 * updates, and CPU µs per datagram sent and received over loopback, over how many datagrams.
 */
export type ProbeReply = { cmd: "ready" } | { cmd: "probe"; us: number; updates: number; netUs: number; dgrams: number };

/** The files of a regular update (cpuinfo comes only with a full one). */
const SECTIONS: SectionName[] = ["stat", "meminfo", "loadavg", "net/dev"];
/** Updates parsed between looks at the clock. */
const BATCH = 200;

if (!process.send) {
  console.error("ingest-probe: run by bench/ingest.ts, not by hand");
  process.exit(2);
}
const reply = (m: ProbeReply): void => {
  process.send!(m);
};

const core = new Core(1);
const files = sixteenCpus();
const texts = SECTIONS.map((s) => ({ section: s, text: Buffer.from(files[s]!) }));
let sink = 0;

/** Parses BATCH updates; a failed parse would time the wrong work, so it stops the probe. */
function batch(): void {
  for (let i = 0; i < BATCH; i++) {
    for (const { section, text } of texts) {
      const status = core.parse(section, text).status;
      if (status !== core.layout.S_OK) throw new Error(`ingest-probe: ${section} did not parse (status ${status})`);
      sink += status;
    }
  }
}

/** CPU µs per update over at least ms milliseconds of parsing. */
function probe(ms: number): { us: number; updates: number } {
  const cpu0 = process.cpuUsage();
  const until = performance.now() + ms;
  let updates = 0;
  while (performance.now() < until) {
    batch();
    updates += BATCH;
  }
  const cpu = process.cpuUsage(cpu0);
  return { us: (cpu.user + cpu.system) / updates, updates };
}

// The receive path's speed: the parse above runs in user space, cache-resident, and in run
// Z15 it read the machine steady while the bare receiver spent 4-8% more CPU per datagram
// than later in the run. So the probe also sends datagrams of the benchmark's size to itself
// over loopback, in bursts, and times the CPU per datagram: the kernel's UDP path (on this
// core both its send and its receive halves) and Node's dgram, what the ceiling measures.
const NET_BURST = 32;
const payload = Buffer.alloc(1472, 0x5a);
const rx = createSocket("udp4");
const tx = createSocket("udp4");
let received = 0;
let waitFor = Infinity;
let wake: (() => void) | null = null;
rx.on("message", () => {
  if (++received >= waitFor) wake?.();
});

/** Sends one burst to the probe's own socket and waits for all of it (bounded: a lost datagram ends the wait after 1 s). */
async function burst(): Promise<void> {
  waitFor = received + NET_BURST;
  const arrived = new Promise<void>((r) => (wake = r));
  for (let i = 0; i < NET_BURST; i++) tx.send(payload);
  const timer = setTimeout(() => wake?.(), 1000);
  await arrived;
  clearTimeout(timer);
  wake = null;
  waitFor = Infinity;
}

/** CPU µs per datagram sent and received over at least ms milliseconds. */
async function netProbe(ms: number): Promise<{ netUs: number; dgrams: number }> {
  const cpu0 = process.cpuUsage();
  const until = performance.now() + ms;
  let dgrams = 0;
  while (performance.now() < until) {
    await burst();
    dgrams += NET_BURST;
  }
  const cpu = process.cpuUsage(cpu0);
  return { netUs: (cpu.user + cpu.system) / dgrams, dgrams };
}

async function start(): Promise<void> {
  rx.bind(0, "127.0.0.1");
  await once(rx, "listening");
  tx.connect(rx.address().port, "127.0.0.1");
  await once(tx, "connect");
  // warm: the core's code and the socket path compiled and tiered up before the first probe counts
  probe(500);
  await netProbe(300);
  process.on("message", (m: ProbeCommand) => {
    if (m.cmd === "exit") process.exit(sink >= 0 ? 0 : 1);
    else void netProbe(m.ms).then((net) => reply({ cmd: "probe", ...probe(m.ms), ...net }));
  });
  reply({ cmd: "ready" });
}
void start();

// The machine's speed of the moment, for `npm run bench:ingest`: a child process pinned to
// core 0 that, when asked between steps (core 0 otherwise idle), measures three kinds of work
// for about the time asked each. It sends datagrams of the benchmark's size to itself over
// loopback and answers the CPU µs per datagram (the kernel's UDP path and Node's dgram, what
// the bare receiver spends its time in); it parses the /proc text of a regular update of the
// benchmark's 16-CPU node (stat, meminfo, loadavg, net/dev) with the WASM core and answers
// the CPU µs per update (recvstats' own parsing functions, in place and cache-resident: the
// core's speed, not memory's); and it follows a chain of dependent loads through 64 MiB and
// answers the CPU ns per load (memory's speed). The machine has slowed by 5-20% for seconds
// to minutes at a time, unseen by the guest (docs/performance.md, runs Z), and the ceiling's
// searches and recvstats' steps run at different moments: each row carries the probe taken
// right before it, and bench/speed-gate.ts holds a step back while it reads the machine
// slower than usual. A child driven over the IPC channel, like the generator and the reader.

import { createSocket } from "node:dgram";
import { once } from "node:events";
import { Core, SectionName } from "../src/wasm";
import { sixteenCpus } from "../tests/helpers/widen";

/** Messages from the benchmark: probe for about ms milliseconds (each of the three measures). */
export type ProbeCommand = { cmd: "probe"; ms: number } | { cmd: "exit" };
/**
 * Answers: ready once the core is warm; a probe's CPU µs per update parsed, over how many
 * updates, CPU µs per datagram sent and received over loopback, over how many datagrams, and
 * CPU ns per dependent load from memory, over how many loads.
 */
export type ProbeReply = { cmd: "ready" } | { cmd: "probe"; us: number; updates: number; netUs: number; dgrams: number; memNs: number; loads: number };

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

// Memory's speed: in run Z19 recvstats spent 6-9% more per update and the bare receiver 3-7%
// more per datagram for minutes, while the parse and the loopback probes read the machine
// steady. Both of those stay in the caches; recvstats' table does not (133 MB at 10,000
// nodes), so a neighbour on the host that takes the shared cache or the memory bus slows it
// unseen by them. So the probe also follows a chain of dependent loads, one per cache line,
// in random order through 64 MiB (more than this machine's last-level cache), and gives the
// CPU ns per load.
const MEM_LINES = (64 << 20) / 64;
const chain = new Int32Array(MEM_LINES * 16);
{
  // one cycle through every line (Sattolo's shuffle), each line's first word the next line's
  const order = Int32Array.from({ length: MEM_LINES }, (_, i) => i);
  for (let i = MEM_LINES - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let i = 0; i < MEM_LINES; i++) chain[order[i] * 16] = order[(i + 1) % MEM_LINES] * 16;
}
let at = 0;
const CHASE_BATCH = 20_000;

/** CPU ns per dependent load over at least ms milliseconds. */
function memProbe(ms: number): { memNs: number; loads: number } {
  const cpu0 = process.cpuUsage();
  const until = performance.now() + ms;
  let loads = 0;
  let i = at;
  while (performance.now() < until) {
    for (let k = 0; k < CHASE_BATCH; k++) i = chain[i];
    loads += CHASE_BATCH;
  }
  at = i;
  const cpu = process.cpuUsage(cpu0);
  return { memNs: (1000 * (cpu.user + cpu.system)) / loads, loads };
}

async function start(): Promise<void> {
  rx.bind(0, "127.0.0.1");
  await once(rx, "listening");
  tx.connect(rx.address().port, "127.0.0.1");
  await once(tx, "connect");
  // warm: the core's code and the socket path compiled and tiered up before the first probe counts
  probe(500);
  await netProbe(300);
  memProbe(300);
  process.on("message", (m: ProbeCommand) => {
    if (m.cmd === "exit") process.exit(sink >= 0 ? 0 : 1);
    else void netProbe(m.ms).then((net) => reply({ cmd: "probe", ...probe(m.ms), ...net, ...memProbe(m.ms) }));
  });
  reply({ cmd: "ready" });
}
void start();

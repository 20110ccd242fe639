// The machine's speed of the moment, for `npm run bench:ingest`: a child process pinned to
// core 0 that, when asked between steps (core 0 otherwise idle), parses the /proc text of a
// regular update of the benchmark's 16-CPU node (stat, meminfo, loadavg, net/dev) with the
// WASM core for about the time asked, and answers the CPU µs it took per update. recvstats
// spends much of its own work in these same functions. The machine has slowed them by 10-20%
// for seconds to minutes at a time, unseen by the guest (docs/performance.md, runs Z), and
// the ceiling's searches and recvstats' steps run at different moments: each row carries the
// probe taken right before it, so that a run says how fast the machine was at each of them.
// The text is parsed in place, cache-resident: the probe measures the core's speed, not
// memory's. A child driven over the IPC channel, like the generator and the reader.

import { Core, SectionName } from "../src/wasm";
import { sixteenCpus } from "../tests/helpers/widen";

/** Messages from the benchmark: probe for about ms milliseconds. */
export type ProbeCommand = { cmd: "probe"; ms: number } | { cmd: "exit" };
/** Answers: ready once the core is warm; a probe's CPU µs per update, over how many updates. */
export type ProbeReply = { cmd: "ready" } | { cmd: "probe"; us: number; updates: number };

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

// warm: the core's code compiled and tiered up before the first probe counts
probe(500);
process.on("message", (m: ProbeCommand) => {
  if (m.cmd === "exit") process.exit(sink >= 0 ? 0 : 1);
  else reply({ cmd: "probe", ...probe(m.ms) });
});
reply({ cmd: "ready" });

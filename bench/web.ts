// npm run bench:web: beostatus with 10,000 nodes. The nodes are simulated from the fixture
// captures (src/simulate.ts), encoded by sendstats' encoder, applied by the core and
// published with ShmWriter into a temporary directory (no sockets). Measures the /snapshot
// answer (bytes, time to take it), the time to decode and draw the dots view (and the
// classic table) in headless Chromium, and the time to render /metrics. Prints each figure
// against its target and writes build/bench/web.json; nothing here is asserted.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMetrics } from "../src/metrics";
import { readProcRoot } from "../src/proc";
import { ShmReader } from "../src/shm";
import { SimulatedNode } from "../src/simulate";
import { Snapshotter } from "../src/snapshot";
import { Core } from "../src/wasm";
import { startWebServer } from "../src/webserver";
import { Encoder } from "../src/wire";
import { browserMissing, launchChromium } from "../tests/helpers/browser";
import { tempDir } from "../tests/helpers/cluster";
import { FIXTURES, ROOT } from "../tests/helpers/paths";
import { captureNames } from "../tests/helpers/simcluster";
import { publish } from "../tests/helpers/statusfile";

const args = process.argv.slice(2);
const NODES = Number(args[args.indexOf("--nodes") + 1]) || 10_000;
/** Repetitions of each measurement (the median is reported). */
const RUNS = 7;
const BIG = "hp-bl920gen8-x86_64-480cpu";

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn: () => void, runs = RUNS): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** A table of NODES simulated nodes, each reported twice (so CPU usage and rates are known). */
function buildTable(): Core {
  const core = new Core(NODES + 1);
  const L = core.layout;
  const encoder = new Encoder(core, 1472);
  // mostly the small captures; one node in a thousand is the 480-CPU machine
  const small = captureNames().filter((c) => c !== BIG);
  const files = new Map([...small, BIG].map((c) => [c, readProcRoot(join(FIXTURES, c))]));
  const addr = new Uint8Array(16);
  addr.set([0xff, 0xff, 127, 0, 0, 1], 10);
  for (let n = 0; n < NODES; n++) {
    const capture = n % 1000 === 999 ? BIG : small[n % small.length];
    const sim = new SimulatedNode(n, `node${String(n).padStart(5, "0")}`, files.get(capture)!, n + 1);
    for (let round = 0; round < 2; round++) {
      sim.step(1);
      for (const d of sim.encode(encoder, core, 1000, round === 0)) {
        if (core.check(d, L.WT_STATUS) !== 0 || core.apply(n, addr, Date.now(), 60_000) !== 0) throw new Error(`node ${n}: datagram refused`);
      }
    }
  }
  return core;
}

async function main(): Promise<void> {
  const shm = tempDir("beostatus-bench-");
  let t = performance.now();
  const core = buildTable();
  const cluster = publish(shm.dir, core);
  console.log(`${NODES} nodes built and published in ${((performance.now() - t) / 1000).toFixed(1)} s (${(core.tableBytes().length / 2 ** 20).toFixed(1)} MiB of table)`);
  const heartbeat = setInterval(() => cluster.beat(), 500);
  const reader = ShmReader.open(shm.dir);
  try {
    await measure(core, reader, shm.dir);
  } finally {
    clearInterval(heartbeat);
    reader.close();
    cluster.close();
    shm.remove();
  }
}

/** Takes every figure, prints them and writes build/bench/web.json. */
async function measure(core: Core, reader: ShmReader, shmDir: string): Promise<void> {
  const snapshots = new Snapshotter(new Core(1));
  const summary = snapshots.summaries(reader).bytes;
  const snapshotMs = time(() => snapshots.summaries(reader));
  const metricsText = renderMetrics(reader, core);
  const metricsMs = time(() => renderMetrics(reader, core), 3);
  const perCpuText = renderMetrics(reader, core, { perCpu: true });
  const perCpuMs = time(() => renderMetrics(reader, core, { perCpu: true }), 3);
  const series = (text: string): number => text.split("\n").filter((l) => l && !l.startsWith("#")).length;

  const result: Record<string, unknown> = {
    nodes: NODES,
    snapshot_bytes: summary.length,
    snapshot_bytes_per_node: +(summary.length / NODES).toFixed(1),
    snapshot_take_ms: +snapshotMs.toFixed(1),
    metrics_ms: +metricsMs.toFixed(1),
    metrics_bytes: metricsText.length,
    metrics_series: series(metricsText),
    metrics_per_cpu_ms: +perCpuMs.toFixed(1),
    metrics_per_cpu_series: series(perCpuText),
  };

  const missing = browserMissing();
  if (missing) console.log(`browser figures skipped: ${missing}`);
  else {
    const web = await startWebServer({ host: "127.0.0.1", port: 0, shmDir, perCpuMetrics: false });
    const browser = await launchChromium({ width: 1400, height: 900 });
    try {
      const page = await browser.context.newPage();
      for (const view of ["dots", "classic"] as const) {
        await page.goto(`${web.url}?view=${view}`);
        // the page refreshes every second: the timings of successive refreshes, the first (a cold start) left out
        const decode: number[] = [];
        const render: number[] = [];
        let fetched = 0;
        let seen = 0;
        for (let i = 0; i <= RUNS; i++) {
          const handle = await page.waitForFunction(
            (after) => {
              const tm = window.beostatusTimings;
              return tm && tm.refresh > after ? tm : null;
            },
            seen,
            { timeout: 30_000, polling: 50 },
          );
          const tm = (await handle.jsonValue()) as { decodeMs: number; renderMs: number; bytes: number; nodes: number; refresh: number };
          seen = tm.refresh;
          if (tm.nodes !== NODES) throw new Error(`the page shows ${tm.nodes} nodes, not ${NODES}`);
          if (i === 0) continue;
          decode.push(tm.decodeMs);
          render.push(tm.renderMs);
          fetched = tm.bytes;
        }
        const d = median(decode);
        const r = median(render);
        result[`${view}_decode_ms`] = +d.toFixed(1);
        result[`${view}_render_ms`] = +r.toFixed(1);
        result[`${view}_decode_render_ms`] = +(d + r).toFixed(1);
        result.snapshot_bytes_fetched = fetched;
        if (view === "dots") await page.screenshot({ path: join(ROOT, "build/screenshots/bench-dots.png") });
      }
    } finally {
      await browser.close();
      await web.close();
    }
  }
  const kb = (b: number): string => `${(b / 1000).toFixed(0)} kB`;
  console.log(`/snapshot: ${kb(summary.length)}, ${result.snapshot_bytes_per_node} bytes a node (target < 100: x${(100 / Number(result.snapshot_bytes_per_node)).toFixed(1)} under), taken in ${snapshotMs.toFixed(1)} ms`);
  if (result.dots_decode_render_ms !== undefined) {
    const dots = Number(result.dots_decode_render_ms);
    console.log(`dots view in Chromium: decode ${result.dots_decode_ms} ms + draw ${result.dots_render_ms} ms = ${dots} ms (target < 100 ms: ${(dots / 100).toFixed(2)} of it)`);
    console.log(`classic table in Chromium: decode ${result.classic_decode_ms} ms + draw ${result.classic_render_ms} ms (no target: the page opens on dots above 512 nodes)`);
  }
  console.log(`/metrics: ${metricsMs.toFixed(0)} ms for ${result.metrics_series} series, ${kb(metricsText.length)} (target < 1000 ms: ${(metricsMs / 1000).toFixed(2)} of it)`);
  console.log(`/metrics --per-cpu-metrics: ${perCpuMs.toFixed(0)} ms for ${result.metrics_per_cpu_series} series`);
  const out = join(ROOT, "build/bench");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "web.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${join("build/bench", "web.json")}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

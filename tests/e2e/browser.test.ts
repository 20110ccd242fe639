// beostatus' web page in real headless Chromium (Debian's, driven by playwright-core)
// against a demo-like cluster on loopback: recvstats with simulated nodes, beostatus --http
// on 127.0.0.1. Every node is shown in both views, the views switch, a click opens a node's
// page, and the packet inspector decodes a datagram (and names the reason and byte of a
// broken one) with the WASM core. Screenshots go to build/screenshots/.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { readProcRoot } from "../../src/proc";
import { Core } from "../../src/wasm";
import { Encoder, newInstanceId } from "../../src/wire";
import { browserMissing, launchChromium } from "../helpers/browser";
import { spawnProgram, stopAll, waitFor } from "../helpers/cluster";
import { FIXTURES, ROOT } from "../helpers/paths";
import { buildPcap } from "../helpers/pcap";
import { SimCluster, startSimCluster } from "../helpers/simcluster";

const missing = browserMissing();
// CI installs Chromium and playwright-core (.ci/run): there, their absence is a failure
const skip = missing && process.env.CI !== "true" ? missing : false;
const SHOTS = join(ROOT, "build/screenshots");
const NODES = 24;
const core = new Core(1);
const L = core.layout;

let cluster: SimCluster;
let base: string;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  cluster = await startSimCluster(NODES);
  const web = spawnProgram("beostatus", ["--http", "127.0.0.1:0", "--shm-dir", cluster.shmDir], { noInterface: true });
  base = await waitFor("beostatus to listen", () => /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(web.stderr())?.[1]);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on("pageerror", (err) => assert.fail(`page error: ${err.message}`));
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await stopAll();
  await cluster?.stop();
});

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

test("the classic view shows every node of the cluster with its bars", { skip }, async () => {
  await page.goto(`${base}?view=classic`);
  await page.waitForFunction((n) => document.querySelectorAll("#classic tbody tr.up").length === n, NODES, { timeout: 20_000 });
  const nodes = await page.$$eval("#classic tbody tr", (rows) => rows.map((r) => Number((r as HTMLElement).dataset.node)));
  assert.deepEqual(nodes, Array.from({ length: NODES }, (_, i) => i + 1));
  const names = await page.$$eval("#classic tbody tr td:nth-child(2)", (cells) => cells.map((c) => c.textContent));
  assert.deepEqual(names, cluster.sims.map((s) => s.hostname));
  // two samples in, every simulated node has a CPU share and a rate
  await page.waitForFunction(() => Array.from(document.querySelectorAll("#classic tbody tr td:nth-child(4) span")).every((s) => s.textContent!.endsWith("%")), null, { timeout: 20_000 });
  assert.match((await page.textContent("#status"))!, new RegExp(`^${NODES} nodes, ${NODES} up · recvstats alive`));
  await shot("classic");
});

test("the dots view draws one cell per node, coloured by the chosen metric, with hover details", { skip }, async () => {
  await page.click("button[data-view=dots]");
  await page.waitForSelector("main[data-view=dots] #dots[data-count]");
  const dots = await page.$eval("#dots", (c) => ({ ...(c as HTMLElement).dataset }));
  assert.equal(Number(dots.count), NODES);
  assert.equal(dots.metric, "cpu");
  assert.match(page.url(), /view=dots/);
  await page.selectOption("#metric", "mem");
  await page.waitForSelector("#dots[data-metric=mem]");
  // hover the cell of node 7: the tooltip tells its number and name
  const cell = Number(dots.cell);
  const columns = Number(dots.columns);
  const box = (await (await page.$("#dots"))!.boundingBox())!;
  const i = 6;
  await page.mouse.move(box.x + (i % columns) * cell + cell / 2, box.y + Math.floor(i / columns) * cell + cell / 2);
  await page.waitForSelector("#tip[data-node='7']", { state: "visible" });
  assert.match((await page.textContent("#tip"))!, new RegExp(`^node 7 \\(${cluster.sims[6].hostname}\\)\\nup`));
  await shot("dots");
  // the view and the metric survive a reload (they are in the URL)
  await page.reload();
  await page.waitForSelector("main[data-view=dots] #dots[data-metric=mem]");
  assert.equal(await page.$eval("#metric", (s) => (s as HTMLSelectElement).value), "mem");
  await page.click("button[data-view=classic]");
  await page.waitForSelector("main[data-view=classic] #classic");
});

test("a click on a node's cell opens its page with CPUs, memory, interfaces and history", { skip }, async () => {
  await page.goto(`${base}?view=dots`);
  await page.waitForSelector("#dots[data-count]");
  const dots = await page.$eval("#dots", (c) => ({ ...(c as HTMLElement).dataset }));
  const box = (await (await page.$("#dots"))!.boundingBox())!;
  const cell = Number(dots.cell);
  const i = 2; // node 3
  await Promise.all([
    page.waitForURL(`${base}node/3`),
    page.mouse.click(box.x + (i % Number(dots.columns)) * cell + cell / 2, box.y + Math.floor(i / Number(dots.columns)) * cell + cell / 2),
  ]);
  await page.waitForSelector("#about h2");
  assert.match((await page.textContent("#about h2"))!, new RegExp(`^node 3 · ${cluster.sims[2].hostname}`));
  const stat = readProcRoot(join(FIXTURES, cluster.sims[2].hostname.replace(/^sim\d+-/, ""))).stat!;
  const cpus = Buffer.from(stat).toString("latin1").match(/^cpu\d+ /gm)!.length;
  await page.waitForFunction((n) => document.querySelectorAll("#cpu-table tr[data-cpu]").length === n, cpus);
  assert.ok((await page.$$("#ifaces tr")).length > 1, "interfaces listed");
  assert.match((await page.textContent("#memory"))!, /total/);
  assert.equal(await page.textContent("#node-state"), "up");
  // the page keeps its own history: after a few refreshes each chart has a line, pixels of
  // its series' colour (the memory chart's #7b3fb3, the CPU chart's #2458b3)
  await page.waitForFunction(
    (charts) =>
      charts.every(([id, rgb]) => {
        const c = document.querySelector<HTMLCanvasElement>(id as string)!;
        const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (Math.abs(px[i] - rgb[0]) + Math.abs(px[i + 1] - rgb[1]) + Math.abs(px[i + 2] - rgb[2]) < 60) n++;
        }
        return n > 50;
      }),
    [["#chart-mem", [123, 63, 179]], ["#chart-cpu", [36, 88, 179]]] as Array<[string, number[]]>,
    { timeout: 10_000 },
  );
  await shot("node");
});

/** A status datagram of a fixture machine, as sendstats encodes it. */
function datagram(machine: string, node: number): Buffer {
  const files = readProcRoot(join(FIXTURES, machine));
  const encoder = new Encoder(core, 1472);
  const now = Date.now();
  const { datagrams } = encoder.encode(
    {
      node,
      hostname: "inspected",
      instance: newInstanceId(),
      updateId: 1,
      intervalMs: 5000,
      userHz: 100,
      arch: L.ARCH_X86_64,
      files: { loadavg: { text: files.loadavg!, sampleMs: now }, meminfo: { text: files.meminfo!, sampleMs: now } },
    },
    () => 1n,
  );
  return datagrams[0];
}

const xxd = (bytes: Uint8Array, ...args: string[]): string => execFileSync("xxd", args, { input: bytes, encoding: "utf8" });

test("the packet inspector decodes a pasted xxd dump, and names the reason and byte of a broken one", { skip }, async () => {
  await page.goto(`${base}inspect`);
  await page.waitForSelector("#hex-input");
  const good = datagram("kvm-x86_64-2cpu-linux6.18", 12);
  const broken = Buffer.from(good);
  // the first section claims 4000 bytes: more than the datagram holds
  const lengthAt = L.W_STATUS_LEN + L.WS_LENGTH;
  broken.writeUInt16LE(4000, lengthAt);
  await page.fill("#hex-input", `${xxd(good)}\n${xxd(broken, "-p")}`);
  await page.click("#decode");
  await page.waitForSelector(".packet[data-index='2']");
  const cards = await page.$$eval(".packet", (els) =>
    els.map((e) => ({ reason: (e as HTMLElement).dataset.reason, at: (e as HTMLElement).dataset.at, text: e.textContent })),
  );
  assert.equal(cards.length, 2);
  assert.equal(cards[0].reason, "0");
  assert.match(cards[0].text!, /accepted/);
  assert.match(await page.textContent(".packet[data-index='1'] pre.record") as string, /"node": 12/);
  assert.equal(Number(cards[1].reason), L.R_SECTION_LEN);
  assert.equal(Number(cards[1].at), lengthAt);
  assert.match(cards[1].text!, new RegExp(`rejected: section_len: a section longer than what remains at byte ${lengthAt}`));
  // the byte at fault is marked in the hex
  assert.equal(await page.textContent(".packet[data-index='2'] .hex b"), broken[lengthAt].toString(16).padStart(2, "0"));
  await shot("inspector");
});

test("the packet inspector reads a pcap capture (Linux cooked)", { skip }, async () => {
  const capture = buildPcap([datagram("procfs-x86_64-8cpu", 1), datagram("kvm-x86_64-2cpu-linux6.18", 2)], { linktype: 113 });
  const file = join(SHOTS, "capture.pcap");
  writeFileSync(file, capture);
  await page.goto(`${base}inspect`);
  await page.setInputFiles("#capture-file", file);
  await page.waitForSelector(".packet[data-index='2']");
  assert.match((await page.textContent("#status"))!, /capture\.pcap: 2 datagrams, 0 rejected/);
  assert.match((await page.textContent(".packet[data-index='2']"))!, /127\.0\.0\.1:40000 → 127\.0\.0\.1:3040/);
});

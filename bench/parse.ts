// npm run bench:parse: parsing speed of the WASM core against the TypeScript reference
// parser (tests/reference), on every fixture file, in the same run. Both start from the
// same bytes in a Buffer; the WASM timing includes copying them into linear memory and ends
// with the parse record readable from JS; the reference ends with its JS object. Each
// measurement runs after a warm-up for at least a second. Prints MB/s (10^6 bytes/s) and
// the ratio, and writes build/bench/parse.json.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Core, SECTION_NAMES, SectionName } from "../src/wasm";
import { fixtureCases } from "../tests/helpers/fixtures";
import { ROOT } from "../tests/helpers/paths";
import { referenceParse } from "../tests/reference";

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf("--seconds") + 1]) || 1;

/** Bytes per second of fn over text, after a warm-up, timed for at least `seconds`. */
function measure(bytes: number, fn: () => void): number {
  const warm = performance.now() + 200;
  while (performance.now() < warm) fn();
  let runs = 0;
  const start = performance.now();
  let now = start;
  const until = start + seconds * 1000;
  // check the clock every batch so timing costs nothing next to the work
  const batch = Math.max(1, Math.ceil(2e5 / Math.max(bytes, 1)));
  while (now < until) {
    for (let i = 0; i < batch; i++) fn();
    runs += batch;
    now = performance.now();
  }
  return (bytes * runs) / ((now - start) / 1000);
}

interface Row {
  fixture: string;
  file: string;
  bytes: number;
  wasm_mb_s: number;
  ts_mb_s: number;
}

const core = new Core(1);
const rows: Row[] = [];
let sink = 0; // results are used, so no work is optimised away
for (const c of fixtureCases()) {
  for (const section of SECTION_NAMES) {
    const text = c.files[section as SectionName];
    if (!text) continue;
    const buf = Buffer.from(text);
    const wasm = measure(buf.length, () => {
      sink += core.parse(section, buf).status;
    });
    const ts = measure(buf.length, () => {
      sink += referenceParse({ [section]: buf }).view.failed.length;
    });
    const row = { fixture: c.name, file: section, bytes: buf.length, wasm_mb_s: wasm / 1e6, ts_mb_s: ts / 1e6 };
    rows.push(row);
    console.log(
      `${c.name.padEnd(44)} ${section.padEnd(8)} ${String(buf.length).padStart(8)} B  wasm ${row.wasm_mb_s.toFixed(1).padStart(8)} MB/s  ts ${row.ts_mb_s.toFixed(1).padStart(7)} MB/s  x${(wasm / ts).toFixed(1)}`,
    );
  }
}

const slower = rows.filter((r) => r.wasm_mb_s <= r.ts_mb_s);
const big = rows.filter((r) => r.fixture.includes("480cpu") && (r.file === "stat" || r.file === "cpuinfo"));
console.log(`\n${rows.length} files; WASM faster on ${rows.length - slower.length}; sink ${sink % 7}`);
for (const r of big) console.log(`480-CPU ${r.file}: x${(r.wasm_mb_s / r.ts_mb_s).toFixed(1)} (target 2x)`);
for (const r of slower) console.log(`WASM NOT FASTER: ${r.fixture} ${r.file}`);
const out = join(ROOT, "build/bench");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "parse.json"), JSON.stringify(rows, null, 2) + "\n");
console.log(`wrote ${join("build/bench", "parse.json")}`);
process.exitCode = slower.length || big.some((r) => r.wasm_mb_s < 2 * r.ts_mb_s) ? 1 : 0;

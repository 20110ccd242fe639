// Builds everything users run: the WASM core (asc), then one bundle per program (esbuild),
// each with the core inlined and the native mmap addon left outside. `--bench` bundles
// bench/*.ts into build/bench/; `--tests` tests/**/*.test.ts into build/tests/ for node
// --test (Node 20 cannot run .ts itself), and the benchmarks too (a test runs bench:ingest's
// smoke mode); `--man` writes the manual pages man/*.[18] from the programs' option specs
// (man/src/).

import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildWeb } from "./build-web.mjs";

const root = new URL("..", import.meta.url).pathname;
const args = new Set(process.argv.slice(2));

mkdirSync(join(root, "build"), { recursive: true });
const asc = join(root, "node_modules/.bin/asc");
execFileSync(asc, ["assembly/index.ts", "--config", "asconfig.json", "--target", "release"], { cwd: root, stdio: "inherit" });
await buildWeb(root); // beostatus' page script, embedded in build/beostatus.js

const common = {
  bundle: true,
  platform: "node",
  target: "node20", // esbuild's binary loader emits Uint8Array.fromBase64 for newer targets
  format: "cjs",
  loader: { ".wasm": "binary" },
  external: ["@riaskov/mmap-io"],
  alias: { "recvstats-core.wasm": "./build/core.wasm" },
  sourcemap: "linked",
  logLevel: "warning",
};

const programs = readdirSync(join(root, "src/cli")).filter((f) => f.endsWith(".ts"));
await build({
  ...common,
  entryPoints: programs.map((f) => join(root, "src/cli", f)),
  outdir: join(root, "build"),
  banner: { js: "#!/usr/bin/env node" },
});

// node:test files and benchmarks are bundled like the programs, against the same core
const collect = (dir, keep, found = []) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) collect(p, keep, found);
    else if (keep(f)) found.push(p);
  }
  return found;
};
if (args.has("--tests")) {
  const tests = collect(join(root, "tests"), (f) => f.endsWith(".test.ts"));
  await build({ ...common, entryPoints: tests, outdir: join(root, "build/tests"), outbase: join(root, "tests") });
}
if (args.has("--bench") || args.has("--tests")) {
  const benches = collect(join(root, "bench"), (f) => f.endsWith(".ts"));
  await build({ ...common, entryPoints: benches, outdir: join(root, "build/bench"), outbase: join(root, "bench") });
}
if (args.has("--man")) {
  await build({ ...common, entryPoints: [join(root, "man/src/main.ts")], outfile: join(root, "build/man.js"), sourcemap: false });
  execFileSync(process.execPath, [join(root, "build/man.js")], { stdio: "inherit" });
}

// Builds the script of beostatus' web page for browsers (src/web/page.ts, with the WASM core
// inlined as in every program) into build/web/page.txt, which build/beostatus.js embeds as
// text (src/webserver.ts imports it), so the page needs nothing from the network. Called
// by scripts/build.mjs after the core is compiled and before the programs are bundled.

import { build } from "esbuild";
import { join } from "node:path";

/** Bundles src/web/page.ts for browsers into <root>/build/web/page.txt. */
export async function buildWeb(root) {
  await build({
    entryPoints: [join(root, "src/web/page.ts")],
    outfile: join(root, "build/web/page.txt"),
    bundle: true,
    platform: "browser",
    format: "iife",
    target: ["chrome100", "firefox100", "safari15"],
    loader: { ".wasm": "binary" },
    alias: { "recvstats-core.wasm": join(root, "build/core.wasm") },
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
}

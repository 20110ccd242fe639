// The script of beostatus' web page, bundled for browsers by scripts/build-web.mjs with the
// WASM core inside: it compiles the core once, reads the layout from its exports (as every
// program of the project does) and runs the view the path names: / the overview, /node/N a
// node's page, /inspect the packet inspector.

import coreWasm from "recvstats-core.wasm";
import { Core } from "../wasm";
import { inspectorPage } from "./inspector";
import { nodePage } from "./nodepage";
import { overview } from "./overview";

async function main(): Promise<void> {
  const status = document.getElementById("status")!;
  const nav = document.getElementById("nav")!;
  const root = document.getElementById("main")!;
  try {
    // compiled asynchronously: a browser's main thread may refuse to compile a large module at once
    const module = await WebAssembly.compile(coreWasm);
    const L = new Core(1, module).layout;
    const path = location.pathname;
    const node = /^\/node\/(-?\d+)$/.exec(path);
    if (node) nodePage(L, Number(node[1]), root, nav, status);
    else if (path === "/inspect") inspectorPage(module, root, nav, status);
    else overview(L, root, nav, status);
  } catch (err) {
    status.textContent = `cannot start: ${(err as Error).message}`;
    status.className = "error";
  }
}

void main();

// docs/layout.md against the module it describes: every offset row of the page must equal
// the constant the WASM core exports under that name, and every offset the core exports
// for a reader (TABLE_*, NODE_*, CPU_*, CI_*, IF_*) must have a row.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Core } from "../../src/wasm";
import { ROOT } from "../helpers/paths";

const layout = new Core(1).layout;
const page = readFileSync(join(ROOT, "docs/layout.md"), "utf8");
const rows = [...page.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])] as const);

test("every offset in docs/layout.md is the module's", () => {
  assert.ok(rows.length > 50, "the page has its tables");
  for (const [name, offset] of rows) assert.equal(layout[name], offset, name);
});

test("every reader-facing offset of the module is documented", () => {
  const documented = new Set(rows.map(([name]) => name));
  const offsets = Object.keys(layout).filter(
    (n) => /^(TABLE|NODE|CPU|CI|IF)_/.test(n) && n !== "NODE_UNSET" && !/(_SIZE|_LEN|_COUNT|_COLUMNS|_BYTES|_FAILED_BIT|^CPU_COL_|^CPU_AGGREGATE|^IF_NAME_FAILED|^TABLE_MAGIC$)$/.test(n),
  );
  const missing = offsets.filter((n) => !documented.has(n) && !/^(CPU_COL_|IFC_)/.test(n));
  assert.deepEqual(missing, []);
});

test("the sizes the page states are the module's", () => {
  for (const name of ["NODE_SIZE", "CPU_SIZE", "CI_SIZE", "IF_SIZE"]) {
    const m = new RegExp("`" + name + "` = (\\d+) bytes").exec(page);
    assert.ok(m, name);
    assert.equal(layout[name], Number(m[1]), name);
  }
});

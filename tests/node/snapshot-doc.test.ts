// docs/snapshot.md against the module it describes, as layout-doc.test.ts does for the
// node table: every name and number the page gives is the WASM core's, and every SNAP_*,
// SUM_*, SUMF_* and REC_* constant the core exports has its row.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Core } from "../../src/wasm";
import { ROOT } from "../helpers/paths";

const layout = new Core(1).layout;
const page = readFileSync(join(ROOT, "docs/snapshot.md"), "utf8");
const rows = [...page.matchAll(/^\| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [m[1], Number(m[2])] as const);

test("every name and number in docs/snapshot.md is the module's", () => {
  assert.ok(rows.length > 30, "the page has its tables");
  for (const [name, value] of rows) assert.equal(layout[name], value, name);
  for (const [, name, value] of page.matchAll(/`([A-Z_]+)` = (0x[0-9a-f]+|\d+)/g)) assert.equal(layout[name], Number(value), name);
});

test("every snapshot constant of the module is documented", () => {
  const documented = new Set(rows.map(([name]) => name));
  const exported = Object.keys(layout).filter((n) => /^(SNAP_|SUM_|SUMF_|SNAPK_|SNAPF_|REC_)/.test(n));
  const missing = exported.filter(
    (n) => !documented.has(n) && !["SNAP_MAGIC", "SNAP_FORMAT_VERSION", "SNAP_HEADER_BYTES", "SUM_SIZE"].includes(n),
  );
  assert.deepEqual(missing, []);
  // the four left out are given in the text as `NAME` = value
  for (const n of ["SNAP_MAGIC", "SNAP_HEADER_BYTES", "SUM_SIZE"]) assert.match(page, new RegExp("`" + n + "` = "), n);
  assert.match(page, new RegExp(`version ${layout.SNAP_FORMAT_VERSION}\\)`));
});

// docs/json.md against what beostat --json prints and what the library offers: every field
// of a node object (a golden file's, and each nested object's) and every call of Beostat
// has its place on the page, so the page cannot fall behind the code.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "../../src/json";
import { openBeostat } from "../../src/libbeostat";
import { ROOT } from "../helpers/paths";
import { liveCluster, fixtureFiles } from "../helpers/statusfile";

const page = readFileSync(join(ROOT, "docs/json.md"), "utf8");
/** Every word the page writes as code (`meminfo`, `mem.used`, `cpuinfo[]`: meminfo, mem, used, cpuinfo). */
const codeWords = new Set([...page.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].split(/[^\w]+/)));

test("every field of a node object is on docs/json.md", () => {
  const golden = parse(readFileSync(join(ROOT, "fixtures/golden/procfs-x86_64-8cpu.json"), "utf8")) as Record<string, unknown>;
  const node = (Array.isArray(golden) ? golden[0] : golden) as Record<string, unknown>;
  const missing: string[] = [];
  const walk = (o: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(o)) {
      if (!codeWords.has(k)) missing.push(k);
      const inner = Array.isArray(v) ? v[0] : v;
      if (inner && typeof inner === "object" && !Array.isArray(inner)) walk(inner as Record<string, unknown>);
    }
  };
  walk(node);
  assert.ok(Object.keys(node).length > 10, "a whole node");
  assert.deepEqual(missing, []);
});

test("every call of the library is on docs/json.md", () => {
  const live = liveCluster("json-doc-", [{ node: 0, hostname: "a", updates: [fixtureFiles("kvm-x86_64-2cpu-linux6.18")] }]);
  const b = openBeostat(live.dir);
  try {
    const calls = Object.keys(b).filter((k) => typeof (b as unknown as Record<string, unknown>)[k] === "function" && k !== "close");
    assert.ok(calls.length >= 15, calls.join(" "));
    for (const c of calls) assert.ok(page.includes(`\`${c}(`), `${c} is not on the page`);
  } finally {
    b.close();
    live.close();
  }
});

// The node table's memory follows what nodes have: 10,000 nodes of 16 CPUs and 4 interfaces
// fit in 64 MB, and one 480-CPU, 49-interface node costs its own data and no more (no
// per-node reservation for the largest node), stored whole.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseMachine } from "../../src/machine";
import { readProcRoot } from "../../src/proc";
import { Core } from "../../src/wasm";
import { FIXTURES } from "../helpers/paths";
import { sixteenCpus } from "../helpers/widen";

const used = (core: Core): number => new DataView(core.memory().buffer).getUint32(core.tableBase() + core.layout.TABLE_USED, true);

test("10,000 nodes of 16 CPUs and 4 interfaces take at most 64 MB of table", () => {
  const core = new Core(10_000);
  const files = sixteenCpus();
  for (let n = 0; n < 10_000; n++) parseMachine(core, files, n);
  const last = parseMachine(core, files, 9_999).status;
  assert.equal(last.stat_cpu!.length, 16);
  assert.equal(last.cpuinfo!.length, 16);
  assert.equal(last.net_dev!.length, 4);
  const bytes = used(core);
  assert.ok(bytes <= 64 * 2 ** 20, `${bytes} bytes`);

  // one more node: the 480-CPU, 49-interface machine costs its own data (64-byte alignment aside)
  const big = readProcRoot(join(FIXTURES, "hp-bl920gen8-x86_64-480cpu"));
  const before = used(core);
  const n = parseMachine(core, big, -1).status;
  assert.equal(n.stat_cpu!.length, 480);
  assert.equal(n.cpuinfo!.length, 480);
  assert.equal(n.net_dev!.length, 49);
  const L = core.layout;
  const own = L.NODE_SIZE + 480 * L.CPU_SIZE + 480 * L.CI_SIZE + 49 * L.IF_SIZE;
  assert.ok(used(core) - before <= own + 3 * 63, `${used(core) - before} bytes for ${own} bytes of data`);
});

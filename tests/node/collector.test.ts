// The collector's hot path, where it was made cheaper (docs/performance.md): its answers
// must not change. Datagrams are handed to a real Collector (a real core, a real shm file,
// its socket bound but unused) as its socket would hand them, and read back from the file.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import v8 from "node:v8";
import { readProcRoot } from "../../src/proc";
import { Collector } from "../../src/recvstats";
import { createLog } from "../../src/log";
import { ShmReader } from "../../src/shm";
import { SimulatedNode } from "../../src/simulate";
import { DEFAULT_GROUP } from "../../src/udp";
import { Core } from "../../src/wasm";
import { Encoder } from "../../src/wire";
import { tempDir } from "../helpers/cluster";
import { FIXTURES } from "../helpers/paths";

/** A collector on a temporary shm directory, and node n's next update as datagrams (fresh: none is a replay). */
async function rig(nodes: number): Promise<{ c: Collector; reader: ShmReader; next(n: number): Buffer[]; done(): void }> {
  const t = tempDir("recvstats-collector-");
  const c = await Collector.start(
    { port: 0, group: DEFAULT_GROUP, shmDir: t.dir, downAfterMs: 0, requestIntervalMs: 60_000, maxNodes: 16, maxCpus: 64, maxIfaces: 16, auth: "off", maxSkewMs: 0 },
    createLog("recvstats", () => {}),
  );
  const core = new Core(1);
  const encoder = new Encoder(core, 1472);
  const files = readProcRoot(join(FIXTURES, "procfs-x86_64-8cpu"));
  const sims = Array.from({ length: nodes }, (_, n) => new SimulatedNode(n, `node${n}`, files, 1 + n));
  const sent = new Array<boolean>(nodes).fill(false);
  const reader = ShmReader.open(t.dir, core.layout);
  return {
    c,
    reader,
    next: (n) => {
      sims[n].step(1);
      const full = !sent[n];
      sent[n] = true;
      return sims[n].encode(encoder, core, 1000, full);
    },
    done: () => {
      reader.close();
      c.close();
      t.remove();
    },
  };
}

test("the layout object has fast properties (every L.X of the hot path is a dictionary lookup otherwise)", () => {
  // natives syntax for the check only: functions compiled after the flag may use it
  v8.setFlagsFromString("--allow-natives-syntax");
  const hasFast = new Function("o", "return %HasFastProperties(o)") as (o: object) => boolean;
  const L = new Core(1).layout;
  assert.ok(Object.keys(L).length > 300);
  assert.equal(hasFast(L), true);
  assert.ok(Object.isFrozen(L));
});

test("each node keeps the address of its own sender when datagrams come from several in turn", async () => {
  const r = await rig(3);
  try {
    const from = ["10.0.0.7", "10.0.0.8", "192.168.1.20"];
    // interleaved, so that the sender changes from one datagram to the next, and the same one twice in a row
    const order = [0, 1, 2, 2, 0, 1];
    for (let k = 0; k < order.length; k++) {
      const n = order[k];
      for (const d of r.next(n)) r.c.onDatagram(d, from[(n + k) % 3]);
    }
    await nextTurn();
    // the last sender of each node: node 2 last at k = 3, node 0 at k = 4, node 1 at k = 5
    assert.equal(r.reader.node(2)!.addr, from[(2 + 3) % 3]);
    assert.equal(r.reader.node(0)!.addr, from[(0 + 4) % 3]);
    assert.equal(r.reader.node(1)!.addr, from[(1 + 5) % 3]);
  } finally {
    r.done();
  }
});

test("the arrival time is read once per batch: a batch's datagrams share it, the next batch reads the clock again", async () => {
  const r = await rig(3);
  const updates = [0, 1, 2].map((n) => r.next(n)); // made before the clock is replaced
  const real = Date.now;
  let clock = real();
  try {
    // a clock that moves 1 s at every read: a read per datagram would give each node its own time
    Date.now = () => (clock += 1000);
    for (const n of [0, 1]) for (const d of updates[n]) r.c.onDatagram(d, "10.0.0.7");
    await nextTurn(); // the batch ends: published
    const first = r.reader.node(0)!.time!;
    assert.equal(r.reader.node(1)!.time, first);
    for (const d of updates[2]) r.c.onDatagram(d, "10.0.0.7");
    await nextTurn();
    const next = r.reader.node(2)!.time!;
    assert.ok(next > first, `the next batch's time ${next} after the first's ${first}`);
    assert.ok(next <= clock);
  } finally {
    Date.now = real;
    r.done();
  }
});

// A short run, inside npm test, of the fuzzing `npm run fuzz` does at length: mutated real
// datagrams against the WASM decoder and table (never a trap, every rejection a counted R_*
// reason, no byte of another node written, the table sound) and against a real Collector
// publishing to a shm file (never a throw, every node readable, no other node changed). Each
// property prints its seed; FUZZ_SEED=<seed> replays it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Core } from "../../src/wasm";
import { FUZZ_MAX_NODES, corpus, hex } from "../helpers/datagrams";
import { DecoderRig, HostRig, HostVariant, decoderRun, describeDeliveries, hostRun } from "../helpers/fuzz-rigs";
import { runFuzzed } from "../helpers/fuzz-run";
import { invariants, snapshot, writesOutside } from "../helpers/table-check";

/** Runs per property: about 4 s for the decoder and 2 s for each collector. */
const RUNS = { decoder: 2000, host: 1000 };
const seedOf = (): number => (process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31));
const replay = (seed: number, name: string) => (how: string) => `FUZZ_SEED=${seed} npm test, or npm run fuzz -- --only ${name} --seed ${seed} ${how}`;

test("mutated datagrams never trap the decoder, are counted by reason, and write only their own node's data", async () => {
  const c = corpus();
  const rig = new DecoderRig(c);
  const seed = seedOf();
  const outcome = await runFuzzed(
    {
      name: "decoder",
      arbitrary: decoderRun(c),
      check: (r) => rig.run(r),
      describe: (r) => describeDeliveries(c, r, (i) => ` as a ${r[i].request ? "request" : "status"}, mapped to ${r[i].mapTo}, down-after ${r[i].downAfterMs}`),
    },
    { seed, runs: RUNS.decoder, replay: replay(seed, "decoder") },
  );
  console.log(outcome.report.split("\n")[0]);
  assert.ok(!outcome.failed, outcome.report);
});

for (const variant of ["open", "keyed"] as HostVariant[]) {
  const what = variant === "open" ? "without keys (--allow, --iprange, --max-skew)" : "with keys required";
  test(`mutated datagrams never make a collector ${what} throw, and leave every published node readable and every other node unchanged`, async () => {
    const c = corpus();
    const rig = await HostRig.start(c, variant);
    const seed = seedOf();
    let outcome;
    let closing: unknown = null;
    try {
      outcome = await runFuzzed(
        {
          name: `host/${variant}`,
          arbitrary: hostRun(c),
          check: (r) => rig.run(r),
          describe: (r) => rig.lastRun.map((b, i) => `datagram ${i + 1} from ${r[i].address}: ${b.length} bytes\n${hex(b)}`).join("\n"),
          stateful: true,
        },
        { seed, runs: RUNS.host, replay: replay(seed, `host/${variant}`) },
      );
    } finally {
      try {
        rig.finish(); // stops the collector: the file, opened afresh, must read and balance its counters
      } catch (err) {
        closing = err;
      }
    }
    console.log(outcome.report.split("\n")[0]);
    assert.ok(!outcome.failed, outcome.report);
    if (closing) throw closing;
  });
}

// The checks above can fail: shown on a table changed behind the core's back, and on a
// collector whose core traps (the fault injection of the trap-recovery tests).

test("the table checks catch a write to another node, a miscounted directory and unbalanced counters", () => {
  const c = corpus();
  const core = new Core(FUZZ_MAX_NODES);
  const L = core.layout;
  for (const d of c.base) assert.equal(core.check(d, L.WT_STATUS) || core.apply(core.datagramNode(), new Uint8Array(16), c.madeMs, 0), 0);
  const opts = { limits: null, defaultDownAfter: true, finiteRate: true, unsettled: 0n };
  const before = snapshot(L, core.tableBytes());
  assert.deepEqual(invariants(L, before, opts), []);
  core.memory()[core.tableBase() + core.tableRecord(-1) + L.NODE_LOAD] ^= 1;
  const after = snapshot(L, core.tableBytes());
  assert.match(writesOutside(L, before, after, 0).join("\n"), /\(record of node -1\) changed/);
  assert.deepEqual(writesOutside(L, before, after, -1), [], "node -1's own record may change");
  const dv = new DataView(core.memory().buffer);
  dv.setUint32(core.tableBase() + L.TABLE_NODE_COUNT, dv.getUint32(core.tableBase() + L.TABLE_NODE_COUNT, true) + 1, true);
  core.counterAdd(L.C_RECEIVED);
  const broken = invariants(L, snapshot(L, core.tableBytes()), opts).join("\n");
  assert.match(broken, /TABLE_NODE_COUNT/);
  assert.match(broken, /received \d+ but accepted \+ rejected/);
});

test("the host rig fails on a trap, once it has seen the collector recover with every other node intact", async () => {
  const c = corpus();
  const L = c.L;
  process.env.RECVSTATS_FAILPOINT = "7:1"; // the first datagram applied to node 7 traps mid-write
  let rig: HostRig;
  try {
    rig = await HostRig.start(c, "open");
  } finally {
    delete process.env.RECVSTATS_FAILPOINT;
  }
  const seed = c.seeds.findIndex((d) => d.length >= L.W_STATUS_LEN && d[L.W_TYPE] === L.WT_STATUS && d.readInt32LE(L.W_NODE) === 7);
  try {
    await assert.rejects(rig.run([{ spec: { seed, mutations: [], resign: false }, address: "10.0.0.1", fresh: true }]), /the core trapped, and the collector recovered/);
  } finally {
    assert.throws(() => rig.finish(), /no trap/);
  }
});

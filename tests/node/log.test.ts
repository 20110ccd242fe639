// The programs' log (src/log.ts): one line per event, each with a timestamp and the
// program's name, and warnings that repeat at packet rate printed once per period, their
// repeats summarised in one line.

import assert from "node:assert/strict";
import { test } from "node:test";
import { createLog } from "../../src/log";

const STAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z recvstats: /;

test("every line carries an ISO timestamp and the program; warnings say so", () => {
  const lines: string[] = [];
  const log = createLog("recvstats", (l) => lines.push(l));
  log.info("listening on port 3040");
  log.warn("--auth off");
  assert.equal(lines.length, 2);
  for (const l of lines) assert.match(l, STAMPED);
  assert.match(lines[0], /recvstats: listening on port 3040\n$/);
  assert.match(lines[1], /recvstats: warning: --auth off\n$/);
});

test("a warning repeated at packet rate is printed once, then summarised with its count", async () => {
  const lines: string[] = [];
  const log = createLog("recvstats", (l) => lines.push(l), 200);
  for (let i = 0; i < 10_000; i++) log.warnRated("reject 3", `datagram ${i} dropped: bad_magic`);
  log.warnRated("reject 4", "datagram dropped: short");
  assert.deepEqual(lines.map((l) => l.replace(STAMPED, "")), ["warning: datagram 0 dropped: bad_magic\n", "warning: datagram dropped: short\n"]);
  log.flush();
  assert.equal(lines.length, 3);
  assert.match(lines[2], /warning: datagram 9999 dropped: bad_magic \(repeated 9999 more times\)\n$/);
  // after the period the warning is printed again as new
  await new Promise((r) => setTimeout(r, 450));
  log.warnRated("reject 3", "datagram again dropped: bad_magic");
  assert.match(lines[lines.length - 1], /warning: datagram again dropped: bad_magic\n$/);
  assert.ok(!lines.some((l) => /repeated 0/.test(l)), "no summary of nothing");
});

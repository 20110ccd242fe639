// Reference reading of /proc/loadavg ("0.52 0.41 0.36 2/337 12345") for the differential and
// golden tests: what assembly/proc/loadavg.ts must produce, as token splitting. Only the
// first line counts; the three loads are kept x 100 (two decimals, more truncated); fields
// missing at the end stay absent, extra ones are ignored; every field is a u32.

import type { Loadavg } from "../../src/record";
import { L, Outcome, U32_MAX, isBlank, leadingFixed, tokens, wholeU64 } from "./text";

export interface LoadavgResult {
  loadavg: Loadavg;
  failed: string[];
  outcome: Outcome;
}

/** Reads loadavg text (latin1 string of the file's bytes). */
export function parseLoadavg(text: string): LoadavgResult {
  const outcome = new Outcome();
  const loadavg: Loadavg = { load: [null, null, null], num_active_procs: null, total_procs: null, last_pid: null };
  const failed: string[] = [];
  const done = (): LoadavgResult => ({ loadavg, failed, outcome });

  const nl = text.indexOf("\n");
  if (nl < 0) {
    // no complete line: a cut one, or nothing at all
    outcome.fail(0, text === "" ? L.S_EMPTY : L.S_TRUNCATED);
    return done();
  }
  const line = text.slice(0, nl);
  if (isBlank(line)) {
    outcome.fail(0, L.S_EMPTY);
    return done();
  }
  /** A u32 value, or null with the field's path in failed (error is the number's S_* error, 0 if none). */
  const u32 = (value: bigint, error: number, at: number, path: string): number | null => {
    if (!error && value > U32_MAX) error = L.S_OVERFLOW;
    if (!error) return Number(value);
    outcome.fail(at, error);
    failed.push(path);
    return null;
  };

  const [l1, l5, l15, procs, pid] = tokens(line, 0);
  [l1, l5, l15].forEach((t, i) => {
    if (!t) return;
    const n = leadingFixed(t.text, 2);
    const error = n.error || (n.length !== t.text.length ? L.S_BAD_FIELD : 0);
    const v = u32(n.value, error, t.at, `loadavg.load[${i}]`);
    loadavg.load[i] = v === null ? null : v / 100;
  });
  if (procs) {
    // "running/total"; a token without '/' has its total missing where the token ends
    const slash = procs.text.indexOf("/");
    const running = wholeU64(slash < 0 ? procs.text : procs.text.slice(0, slash));
    loadavg.num_active_procs = u32(running.value, running.error, procs.at, "loadavg.num_active_procs");
    if (slash < 0) loadavg.total_procs = u32(0n, L.S_BAD_FIELD, procs.at + procs.text.length, "loadavg.total_procs");
    else {
      const total = wholeU64(procs.text.slice(slash + 1));
      loadavg.total_procs = u32(total.value, total.error, procs.at + slash + 1, "loadavg.total_procs");
    }
  }
  if (pid) {
    const n = wholeU64(pid.text);
    loadavg.last_pid = u32(n.value, n.error, pid.at, "loadavg.last_pid");
  }
  return done();
}

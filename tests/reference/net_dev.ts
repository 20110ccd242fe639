// Reference reading of /proc/net/dev for the differential and golden tests: what
// assembly/proc/net_dev.ts must produce, with lastIndexOf and token splitting. Every line
// with a colon is an interface: the name is what precedes the line's last colon (leading
// blanks dropped), the 16 counters are the tokens after it; headers have no colon.

import type { NetCounters, NetDev, U64 } from "../../src/record";
import { L, Outcome, splitLines, utf8Name, tokens, trimStart, u64, wholeU64 } from "./text";

/** Counter paths in /proc/net/dev column order (receive 8, transmit 8), as a node's JSON names them. */
const COUNTER_PATHS = [
  "recv.bytes", "recv.packets", "recv.errs", "recv.drop", "recv.fifo", "frame", "recv.compressed", "multicast",
  "trans.bytes", "trans.packets", "trans.errs", "trans.drop", "trans.fifo", "colls", "carrier", "trans.compressed",
];

export interface NetDevResult {
  net_dev: NetDev[];
  failed: string[];
  outcome: Outcome;
}

/** Reads net/dev text (latin1 string of the file's bytes). */
export function parseNetDev(text: string): NetDevResult {
  const outcome = new Outcome();
  const list: NetDev[] = [];
  const failed: string[] = [];
  const { lines, cutAt } = splitLines(text);
  let limited = false;
  for (const line of lines) {
    const colon = line.text.lastIndexOf(":");
    if (colon < 0) continue;
    // the name is the line's key: with a NUL byte in it, the line is an unknown key, skipped
    if (line.text.slice(0, colon).includes("\0")) continue;
    if (list.length === L.MAX_IFACES) {
      // the rest of the file is not read
      outcome.fail(line.at, L.S_LIMIT);
      limited = true;
      break;
    }
    const i = list.length;
    const rawName = trimStart(line.text.slice(0, colon));
    const nameAt = line.at + colon - rawName.length;
    const nameOk = rawName.length > 0 && rawName.length < L.IF_NAME_LEN;
    if (!nameOk) outcome.fail(nameAt, L.S_BAD_FIELD);

    const counters: Array<U64 | null> = [];
    for (const [k, t] of tokens(line.text.slice(colon + 1), line.at + colon + 1).slice(0, COUNTER_PATHS.length).entries()) {
      const n = wholeU64(t.text);
      if (n.error) {
        outcome.fail(t.at, n.error);
        failed.push(`net_dev[${i}].${COUNTER_PATHS[k]}`);
      }
      counters[k] = n.error ? null : u64(n.value);
    }
    while (counters.length < COUNTER_PATHS.length) counters.push(null);
    if (!nameOk) failed.push(`net_dev[${i}].name`);

    const c = (path: string): U64 | null => counters[COUNTER_PATHS.indexOf(path)];
    const side = (dir: "recv" | "trans"): NetCounters => ({
      bytes: c(`${dir}.bytes`),
      packets: c(`${dir}.packets`),
      errs: c(`${dir}.errs`),
      drop: c(`${dir}.drop`),
      fifo: c(`${dir}.fifo`),
      compressed: c(`${dir}.compressed`),
    });
    list.push({
      name: nameOk ? utf8Name(rawName) : null,
      recv: side("recv"),
      frame: c("frame"),
      multicast: c("multicast"),
      trans: side("trans"),
      colls: c("colls"),
      carrier: c("carrier"),
    });
  }
  if (cutAt !== null && !limited) outcome.fail(cutAt, L.S_TRUNCATED);
  if (list.length === 0) outcome.fail(0, L.S_EMPTY);
  return { net_dev: list, failed, outcome };
}

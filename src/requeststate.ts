// sendstats' memory of the master's requests across its own restarts (--state-file): the
// master instance and the newest request sequence it accepted, one line "v1 INSTANCE SEQ",
// read at start and replaced each time a request is accepted. Without it a restarted node
// would accept once a request recorded earlier and sent again (docs/security.md).

import { closeSync, constants, mkdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname } from "node:path";
import { createExclusive, openOwnFile } from "./ownfile";

/** Where sendstats keeps it unless told (--state-file); its directory is made mode 0700. */
export const DEFAULT_STATE_FILE = "/var/lib/sendstats/requests";

/** What the file holds: requests of instance up to sequence last were seen (ReplayWindow.state()). */
export interface RequestState {
  instance: bigint;
  last: bigint;
}

/** The longest file accepted: the line is at most 45 bytes. */
const MAX_BYTES = 256;
const U64_MAX = (1n << 64n) - 1n;

/** The text of the file for s. */
export function formatRequestState(s: RequestState): string {
  return `v1 ${s.instance} ${s.last}\n`;
}

/** The state in text, or null when it is not exactly one "v1 INSTANCE SEQ" line of u64s. */
export function parseRequestState(text: string): RequestState | null {
  const m = /^v1 (\d{1,20}) (\d{1,20})\n$/.exec(text);
  if (!m) return null;
  const instance = BigInt(m[1]);
  const last = BigInt(m[2]);
  return instance <= U64_MAX && last <= U64_MAX ? { instance, last } : null;
}

/**
 * Reads file once at start: null when there is none (a first start). Throws "FILE: why" for
 * a file that is not our own (a symbolic link, another link, another owner, not a regular
 * file), cannot be read, or does not hold a state.
 */
export function readRequestState(file: string): RequestState | null {
  let own: ReturnType<typeof openOwnFile>;
  try {
    own = openOwnFile(file, constants.O_RDONLY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    if (own.st.size > MAX_BYTES) throw new Error(`${file}: ${own.st.size} bytes, not a request state`);
    const s = parseRequestState(readFileSync(own.fd, "latin1"));
    if (!s) throw new Error(`${file}: not a request state (expected one line "v1 INSTANCE SEQ")`);
    return s;
  } finally {
    closeSync(own.fd);
  }
}

/** Creates file's directory, mode 0700, when it is missing (parents too). Throws. Called at start. */
export function prepareStateDir(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
}

/**
 * Replaces file with s, atomically: a new file (mode 0600) made exclusively beside it,
 * written, renamed over the old name (a link planted there is replaced, never followed).
 * Not synced to disk: requests come once a --request-interval, or a few more, and the file
 * guards against a restart of sendstats, which the page cache survives. Throws "FILE: why".
 * Called by the agent for each request it accepts.
 */
export function writeRequestState(file: string, s: RequestState): void {
  let tmp: { fd: number; path: string };
  try {
    tmp = createExclusive(dirname(file), basename(file), 0o600);
  } catch (err) {
    throw new Error(`${file}: cannot write beside it: ${(err as Error).message}`);
  }
  try {
    try {
      writeSync(tmp.fd, formatRequestState(s));
    } finally {
      closeSync(tmp.fd);
    }
    renameSync(tmp.path, file);
  } catch (err) {
    try {
      unlinkSync(tmp.path);
    } catch {
      // gone already: nothing is left behind
    }
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

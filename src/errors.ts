// Every message the host prints about a status of the core, in one place. The core returns
// status bits and byte offsets (assembly/status.ts); these are the words for them.

import type { Layout } from "./wasm";

const WORDS: Array<[string, string]> = [
  ["S_EMPTY", "nothing recognised"],
  ["S_TRUNCATED", "last line has no newline (cut short?), ignored"],
  ["S_BAD_FIELD", "a field is not a valid number"],
  ["S_OVERFLOW", "a number is too large"],
  ["S_LIMIT", "more entries than the limit, the rest ignored"],
  ["S_NO_SPACE", "the node table is full"],
  ["S_BAD_CALL", "bad call into the core"],
];

/** The status bits of status in words ("ok" for 0). */
export function statusWords(status: number, layout: Layout): string {
  if (status === 0) return "ok";
  const words = WORDS.filter(([name]) => status & layout[name]).map(([, text]) => text);
  return words.length ? words.join("; ") : `status ${status}`;
}

/** Line (1-based) and column (1-based) of byte offset at in text. */
export function lineColumn(text: Uint8Array, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text[i] === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: at - start + 1 };
}

/** One line naming the file, where it failed and why, for a parse that did not go cleanly. */
export function parseMessage(
  file: string,
  text: Uint8Array,
  outcome: { status: number; failAt: number | null },
  layout: Layout,
): string {
  const where = outcome.failAt === null ? "" : (() => {
    const { line, column } = lineColumn(text, outcome.failAt);
    return `:${line}:${column}`;
  })();
  return `${file}${where}: ${statusWords(outcome.status, layout)}`;
}

/** The words docs/protocol.md uses for each rejection reason R_*, by name. */
const REASON_WORDS: Array<[string, string]> = [
  ["R_SHORT", "shorter than its header"],
  ["R_MAGIC", "a wrong magic (not \"BSTW\")"],
  ["R_VERSION", "another wire version"],
  ["R_TYPE", "an unknown type, or one this side does not take"],
  ["R_FLAGS", "unknown flag bits, or a key id that does not match the flags"],
  ["R_HEADER_LEN", "a header length other than its type's"],
  ["R_PART", "a part index or count out of range"],
  ["R_SECTION", "an unknown section or section flags"],
  ["R_SECTION_LEN", "a section longer than what remains"],
  ["R_TRAILING", "bytes after the last section"],
  ["R_AUTH", "a bad or missing authentication tag"],
  ["R_NODE", "a node number that cannot be placed"],
  ["R_STALE_INSTANCE", "an older instance of its node"],
  ["R_DUPLICATE", "a datagram or part received already"],
  ["R_STALE_UPDATE", "a part of an update older than the one in progress"],
  ["R_NO_SPACE", "the node table is full"],
  ["R_REPLAY", "a replay"],
  ["R_SOURCE", "a sender outside --allow"],
  ["R_TOO_LARGE", "larger than the input buffer"],
];

/** A rejection reason R_* in words: its short name and what it means ("section_len: a section longer than what remains"). */
export function reasonWords(reason: number, layout: Layout): string {
  for (const [name, text] of REASON_WORDS) if (layout[name] === reason) return `${name.slice(2).toLowerCase()}: ${text}`;
  // a reason newer than this list still has its name in the layout
  const named = Object.entries(layout).find(([name, value]) => name.startsWith("R_") && value === reason);
  return named ? named[0].slice(2).toLowerCase() : `reason ${reason}`;
}

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

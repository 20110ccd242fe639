// Reads the /proc files a node reports, from /proc or from a copy of it under another root
// (--proc-root), as raw bytes. I/O only: parsing is the core's job (src/machine.ts).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SectionName } from "./wasm";

/** The /proc file of each parsed section, relative to the proc root. */
export const PROC_PATHS: ReadonlyArray<[SectionName, string]> = [
  ["cpuinfo", "cpuinfo"],
  ["meminfo", "meminfo"],
  ["loadavg", "loadavg"],
  ["net/dev", "net/dev"],
  ["stat", "stat"],
];

export type ProcFiles = Partial<Record<SectionName, Uint8Array>>;

/** The files present under root (a missing file is left out, as the 480-CPU capture has no meminfo). */
export function readProcRoot(root: string): ProcFiles {
  const files: ProcFiles = {};
  for (const [section, path] of PROC_PATHS) {
    try {
      files[section] = readFileSync(join(root, path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return files;
}

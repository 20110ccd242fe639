// A 16-CPU, 4-interface machine for the benchmarks: the 8-CPU capture
// fixtures/proc/procfs-x86_64-8cpu widened to 16 CPUs (also the table-size test's machine):
// its cpuN lines and processor blocks are doubled, the copies numbered 8-15. Its net/dev
// already lists 4 interfaces.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { PROC_PATHS, ProcFiles, readProcRoot } from "../../src/proc";
import { FIXTURES } from "./paths";

/** The capture that is widened. */
export const WIDENED_FROM = "procfs-x86_64-8cpu";
/** What the benchmarks print about the machine they simulate. */
export const WIDENED_NOTE = `16-CPU, 4-interface nodes: fixtures/proc/${WIDENED_FROM} widened from 8 to 16 CPUs (cpuN lines and processor blocks doubled)`;

/** The widened capture's /proc files, raw. */
export function sixteenCpus(): ProcFiles {
  const files = readProcRoot(join(FIXTURES, WIDENED_FROM));
  const stat = Buffer.from(files.stat!).toString("latin1");
  const cpuLines = stat.split("\n").filter((l) => /^cpu\d+ /.test(l));
  const wider = cpuLines.map((l) => l.replace(/^cpu(\d+)/, (_, n) => `cpu${Number(n) + 8}`));
  files.stat = Buffer.from(stat.replace(cpuLines[cpuLines.length - 1], [cpuLines[cpuLines.length - 1], ...wider].join("\n")), "latin1");
  const cpuinfo = Buffer.from(files.cpuinfo!).toString("latin1").trimEnd();
  const more = cpuinfo.replace(/^processor\t: (\d+)$/gm, (_, n) => `processor\t: ${Number(n) + 8}`);
  files.cpuinfo = Buffer.from(`${cpuinfo}\n\n${more}\n\n`, "latin1");
  return files;
}

/** Writes files as a proc root under dir (for programs that take --proc-root); returns dir. */
export function writeProcRoot(dir: string, files: ProcFiles): string {
  for (const [section, path] of PROC_PATHS) {
    const text = files[section];
    if (!text) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

// The fixture cases the golden, differential and allocation tests share: every captured
// machine under fixtures/proc as the /proc files it has, each cpuinfo-arch file alone as a
// cpuinfo, and net-dev-edge/dev alone as a net/dev. A folder that fits none of these is an
// error, so that a new capture cannot silently escape the golden tests.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { readProcRoot, type ProcFiles } from "../../src/proc";
import type { SectionName } from "../../src/wasm";
import { FIXTURES, ROOT } from "./paths";

/** Where golden files live: one <case name>.json per fixture case. */
export const GOLDEN = join(ROOT, "fixtures/golden");

export interface FixtureCase {
  /** the golden file's base name */
  name: string;
  files: ProcFiles;
}

/** Folders holding single files that are not named as in /proc: folder -> the section of each file. */
const SINGLE_FILE_FOLDERS: Record<string, SectionName> = {
  "cpuinfo-arch": "cpuinfo",
  "net-dev-edge": "net/dev",
};

/** Every fixture case, sorted by name. Read from disk on each call (the tests call it once). */
export function fixtureCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const folder of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, folder);
    if (!statSync(dir).isDirectory()) continue;
    const section = SINGLE_FILE_FOLDERS[folder];
    if (section) {
      const names = readdirSync(dir).filter((f) => f !== "SOURCE.md" && statSync(join(dir, f)).isFile());
      for (const f of names.sort()) {
        const name = names.length === 1 ? folder : `${folder}-${f}`;
        cases.push({ name, files: { [section]: readFileSync(join(dir, f)) } });
      }
      continue;
    }
    const files = readProcRoot(dir);
    if (Object.keys(files).length === 0) throw new Error(`fixtures/proc/${folder} has no /proc files and is not a known single-file folder`);
    cases.push({ name: folder, files });
  }
  return cases;
}

/** Every fixture file of one section, as [case name, bytes]. */
export function fixtureFiles(section: SectionName): Array<[string, Uint8Array]> {
  return fixtureCases().flatMap((c) => (c.files[section] ? [[c.name, c.files[section]!] as [string, Uint8Array]] : []));
}

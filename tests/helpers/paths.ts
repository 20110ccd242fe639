// Where things are, for tests bundled into build/tests/: the repository root (found by
// walking up to package.json) and the built program bundles that users run.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot(__dirname);
export const FIXTURES = join(ROOT, "fixtures/proc");
/** The path of a built program, e.g. bundle("beostat") = build/beostat.js. */
export const bundle = (program: string): string => join(ROOT, "build", `${program}.js`);

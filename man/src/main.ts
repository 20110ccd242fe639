// Writes the manual pages man/recvstats.8, man/sendstats.8, man/beostat.1 and man/beostatus.1 from the
// programs' specs and man/src/pages.ts. Bundled to build/man.js and run by
// `npm run man` (scripts/build.mjs --man), and before `npm pack`.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PAGES } from "./pages";
import { renderPage } from "./render";

const dir = join(__dirname, "..", "man");
for (const page of PAGES) writeFileSync(join(dir, page.file), renderPage(page.program, page.text));

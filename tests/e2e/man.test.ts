// The manual pages man/*.[18] against what they document: each committed page is what the
// generator (man/src/) makes from the programs' specs today, every option that the shipped
// bundle's --help prints is in its page, and groff renders each page without a warning.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PAGES } from "../../man/src/pages";
import { renderPage } from "../../man/src/render";
import { ROOT, bundle } from "../helpers/paths";

const manDir = join(ROOT, "man");
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

/** The options --help prints: "-i, --interface=IF" and "      --shm-dir=DIR" lines. */
function helpOptions(program: string): Array<{ short?: string; long: string }> {
  const r = spawnSync(process.execPath, [bundle(program), "--help"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const found = [...r.stdout.matchAll(/^\s+(?:-(\w), )?--([a-z][a-z-]*)/gm)].map((m) => ({ short: m[1], long: m[2] }));
  assert.ok(found.length >= 5, `${program} --help lists its options:\n${r.stdout}`);
  return found;
}

/** The page as a reader sees it, with groff's typographic minus and hyphen back to '-'. */
function rendered(file: string): { text: string; warnings: string } {
  const r = spawnSync("groff", ["-man", "-Tutf8", "-ww", file], { encoding: "utf8", env: { ...process.env, GROFF_NO_SGR: "1" } });
  assert.equal(r.status, 0, r.stderr);
  const text = r.stdout.replace(/.\x08/g, "").replace(/[\u2010\u2212]/g, "-");
  return { text, warnings: r.stderr };
}

for (const page of PAGES) {
  const file = join(manDir, page.file);

  test(`man/${page.file} is what npm run man makes now`, () => {
    const committed = readFileSync(file, "utf8");
    // a difference means a spec or man/src changed without `npm run man`
    assert.equal(committed, renderPage(page.program, page.text), `run npm run man and commit man/${page.file}`);
  });

  test(`man/${page.file} lists every option of ${page.program.name} --help`, () => {
    const roff = readFileSync(file, "utf8");
    for (const { short, long } of helpOptions(page.program.name)) {
      const tag = `\\fB\\-\\-${long.replace(/-/g, "\\-")}\\fR`;
      assert.ok(roff.includes(`\n${short ? `\\fB\\-${short}\\fR, ` : ""}${tag}`), `--${long}${short ? ` (-${short})` : ""} in man/${page.file}`);
    }
  });

  test(`man/${page.file} renders without warnings`, (t) => {
    if (!has("groff")) {
      t.skip("groff is not installed (Debian: groff-base; .ci/run installs it)");
      return;
    }
    const { text, warnings } = rendered(file);
    assert.equal(warnings, "", `groff -ww warns about man/${page.file}`);
    for (const section of ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FILES", "EXIT STATUS", "SEE ALSO"]) {
      assert.match(text, new RegExp(`^${section}$`, "m"), `section ${section}`);
    }
    for (const { long } of helpOptions(page.program.name)) assert.ok(text.includes(`--${long}`), `--${long} as the reader sees it`);
  });
}

test("package.json installs every page the generator makes", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { man: string[] };
  assert.deepEqual(pkg.man.map((m) => m.replace(/^\.\/man\//, "")).sort(), PAGES.map((p) => p.file).sort());
});

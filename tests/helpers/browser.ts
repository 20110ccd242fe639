// Headless Chromium for the browser tests and the web benchmark: Debian's /usr/bin/chromium
// driven by playwright-core (never a downloaded browser), with the flags that keep it off
// the network and a fresh profile directory each launch. playwright-core is loaded at run
// time, not bundled: the test bundles stay small and it stays a devDependency.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** The flags every launch uses: headless, and no connection of Chromium's own to anywhere. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Why the browser tests cannot run here, or null when they can. CI installs both (.ci/run). */
export function browserMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is not installed (apt-get install chromium)`;
  try {
    createRequire(__filename).resolve("playwright-core");
  } catch {
    return "playwright-core is not installed (npm ci)";
  }
  return null;
}

/** A browser with a fresh profile; close() also removes the profile. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = createRequire(__filename)("playwright-core") as typeof import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "beostatus-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// What an administrator installs: the npm tarball holds the bundles, the man pages, contrib/
// and the docs, and nothing else; installed globally into a temporary prefix (README
// "Installing"), each program runs, beostat loads the WASM core, and recvstats publishes
// its status file through the native mmap addon built at install. Slow on purpose (about
// 10-60 s): the install fetches the addon's dependencies from the registry and compiles it.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePortPair, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES, ROOT } from "../helpers/paths";

const tmp = tempDir("recvstats-pack-");
after(() => tmp.remove());

const PROGRAMS = ["recvstats", "sendstats", "beostat", "beostatus"];

// the machine's npm: under `npm test`, node_modules/.bin comes first in PATH, and there
// `npm` is npm 6, a dependency of as-pect's dependencies
const PATH = (process.env.PATH ?? "")
  .split(":")
  .filter((dir) => !dir.includes("node_modules/.bin"))
  .join(":");
const npm = (args: string[], opts: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}) =>
  spawnSync("npm", args, { encoding: "utf8", cwd: opts.cwd, timeout: opts.timeout ?? 60_000, env: { ...process.env, ...opts.env, PATH } });

test("npm pack, npm install -g, and the installed programs run", { timeout: 300_000 }, async () => {
  // the bundles and pages that `npm test` just built; prepack would rebuild them under the
  // feet of tests running beside this one
  const pack = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp.dir], { cwd: ROOT });
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; version: string; files: Array<{ path: string; mode: number }> }>;
  const files = new Map(info.files.map((f) => [f.path, f.mode]));
  for (const path of [
    ...PROGRAMS.map((p) => `build/${p}.js`),
    "man/recvstats.8", "man/sendstats.8", "man/beostat.1", "man/beostatus.1",
    "contrib/init.d/recvstats", "contrib/init.d/sendstats", "contrib/sysconfig/recvstats", "contrib/sysconfig/sendstats",
    "contrib/systemd/recvstats.service", "contrib/systemd/sendstats.service", "contrib/systemd/var-shm.mount",
    "contrib/tmpfiles.d/recvstats.conf", "README.md", "docs/shm-format.md", "package.json",
  ]) {
    assert.ok(files.has(path), `${path} in the tarball`);
  }
  for (const path of files.keys()) assert.doesNotMatch(path, /^(src|tests|assembly|fixtures|bench|scripts|man\/src)\/|^build\/(tests|bench|demo)/, `${path} is not shipped`);
  assert.equal(files.get("contrib/init.d/recvstats")! & 0o111, 0o111, "the init scripts stay executable");

  // the addon's install script is the one npm must be allowed to run (strict: any other
  // dependency with a script fails the install); building from source skips its download
  // of a prebuilt binary from outside the registry
  const prefix = join(tmp.dir, "prefix");
  mkdirSync(join(prefix, "lib"), { recursive: true }); // npm 11 --strict-allow-scripts needs it there
  const install = npm(
    ["install", "-g", "--prefix", prefix, "--allow-scripts=@riaskov/mmap-io", "--strict-allow-scripts", "--prefer-offline", "--no-audit", "--no-fund", join(tmp.dir, info.filename)],
    { timeout: 240_000, env: { npm_config_build_from_source: "true" } },
  );
  assert.equal(install.status, 0, install.stdout + install.stderr);
  assert.doesNotMatch(install.stderr, /not yet covered by allowScripts/);
  for (const page of ["man8/recvstats.8", "man8/sendstats.8", "man1/beostat.1", "man1/beostatus.1"]) {
    assert.ok(existsSync(join(prefix, "share/man", page)), `${page} installed`);
  }

  const bin = (p: string) => join(prefix, "bin", p);
  for (const p of PROGRAMS) {
    const r = spawnSync(bin(p), ["-v"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${p} ${info.version}\n`);
  }

  // the WASM core, inlined in the bundle
  const local = spawnSync(bin("beostat"), ["--proc-root", join(FIXTURES, "procfs-x86_64-8cpu"), "--json"], { encoding: "utf8" });
  assert.equal(local.status, 0, local.stderr);
  assert.equal((JSON.parse(local.stdout) as Array<{ cpu_count: number }>)[0].cpu_count, 8);

  // the native addon: recvstats maps its status file, beostat maps it to read it
  const port = await freePortPair();
  const shm = join(tmp.dir, "shm");
  const recv = spawn(bin("recvstats"), ["-d", "-i", "lo", "-p", String(port), "--shm-dir", shm], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  recv.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | string>((r) => recv.on("exit", (code, signal) => r(code ?? signal ?? -1)));
  try {
    await waitFor("the installed recvstats to listen", () => (err.includes(`listening on port ${port}`) ? true : undefined), 20_000);
    assert.ok(existsSync(join(shm, "beostat")), "the status file is published");
    const send = spawnSync(bin("sendstats"), ["--once", "-i", "lo", "-p", String(port), "-n", "4", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")], { encoding: "utf8", timeout: 20_000 });
    assert.equal(send.status, 0, send.stderr);
    await waitFor("node 4 read back by the installed beostat", () => {
      const r = spawnSync(bin("beostat"), ["--shm-dir", shm, "--node", "4", "--json"], { encoding: "utf8" });
      return r.status === 0 && (JSON.parse(r.stdout) as unknown[]).length === 1 ? true : undefined;
    });
  } finally {
    recv.kill("SIGTERM");
  }
  assert.equal(await exited, 0, err);
});

// The command lines of the shipped daemons: the man page's options in every getopt form,
// -h and -v on stdout with status 0, usage errors with status 2, and runtime failures
// (unknown interface, port in use) with one clear line and status 1.

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { spawnSync } from "node:child_process";
import { after, test } from "node:test";
import { freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { bundle } from "../helpers/paths";

after(stopAll);

/** Runs a program to its end (only for runs that exit at once: help, version, errors). */
const run = (program: string, ...args: string[]) =>
  spawnSync(process.execPath, [bundle(program), ...args], { encoding: "utf8", timeout: 10_000 });

for (const program of ["recvstats", "sendstats", "beostat"]) {
  test(`${program} -h and -v print to stdout and exit 0`, () => {
    for (const flag of ["-h", "--help"]) {
      const r = run(program, flag);
      assert.equal(r.status, 0);
      assert.match(r.stdout, new RegExp(`^Usage: ${program} `));
    }
    for (const flag of ["-v", "--version"]) {
      const r = run(program, flag);
      assert.equal(r.status, 0);
      assert.match(r.stdout, new RegExp(`^${program} \\d+\\.\\d+\\.\\d+\\n$`));
    }
  });

  test(`${program}: an unknown option prints usage and exits 2`, () => {
    const r = run(program, "--frobnicate");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --frobnicate/);
    assert.match(r.stderr, /Usage:/);
  });
}

test("a missing interface exits 1 and names the interfaces that exist", () => {
  const shm = tempDir();
  const runs = [run("recvstats", "-d", "-i", "nosuchif0", "--shm-dir", shm.dir), run("sendstats", "-d", "-i", "nosuchif0")];
  for (const r of runs) {
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no interface 'nosuchif0'; interfaces: .*\blo\b/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  }
  shm.remove();
});

test("recvstats on a port in use exits 1 with one line", async () => {
  const port = await freePortPair();
  const holder = dgram.createSocket("udp4");
  await new Promise<void>((r) => holder.bind(port, () => r()));
  const shm = tempDir();
  const r = run("recvstats", "-d", "-i", "lo", "-p", String(port), "--shm-dir", shm.dir);
  holder.close();
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`port ${port} is in use`));
  shm.remove();
});

test("recvstats accepts the man page's options in every getopt form", async () => {
  const forms = (port: number, dir: string) => [
    ["-d", "-ilo", `-p${port}`, `--shm-dir=${dir}`],
    ["--debug", "--interface=lo", `--port=${port}`, "--shm-dir", dir],
    ["-d", "--interface", "lo", "-p", String(port), "--shm-dir", dir, "--max-nodes", "100", "--iprange", "127.0.0.1-127.0.0.9"],
  ];
  for (const i of [0, 1, 2]) {
    const port = await freePortPair();
    const shm = tempDir();
    // the interface is in the forms themselves: spawned without the helper's own -i
    const p = spawnProgram("recvstats", forms(port, shm.dir)[i], { noInterface: true });
    await waitFor(`form ${i} to listen`, () => (p.stderr().includes(`listening on port ${port}`) ? true : undefined));
    assert.match(p.stderr(), /group 239\.255\.11\.224 on lo/);
    assert.equal(await p.stop(), 0);
    shm.remove();
  }
});

test("sendstats takes -n -1 (the master) and needs a destination", () => {
  const r = run("sendstats", "-n", "-1", "--once");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /nothing to send to/);
});

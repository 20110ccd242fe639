// The systemd files of contrib/: `systemd-analyze verify` accepts the units (with their
// programs pointed at the built bundles and their man pages found), the command line of
// each service runs the shipped program, and the mount, tmpfiles line and example
// settings say what recvstats needs: a memory-backed /var/shm of mode 1777; sendstats may
// write its request state directory only.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { DEFAULT_STATE_FILE } from "../../src/requeststate";
import { freePortPair, spawnProgram, stopAll, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES, ROOT, bundle } from "../helpers/paths";

after(stopAll);

const contrib = (path: string): string => readFileSync(join(ROOT, "contrib", path), "utf8");
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
/** The nodes beostat reads in dir, by number. */
function nodesIn(dir: string): number[] {
  const r = spawnSync(process.execPath, [bundle("beostat"), "--shm-dir", dir, "--json"], { encoding: "utf8" });
  return r.status === 0 ? (JSON.parse(r.stdout) as Array<{ node: number }>).map((n) => n.node) : [];
}
const setting = (unit: string, key: string): string[] => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].map((m) => m[1]);

test("systemd-analyze verify accepts the units", (t) => {
  if (!has("systemd-analyze")) {
    t.skip("systemd-analyze is not installed (Debian: systemd; .ci/run installs it)");
    return;
  }
  const tmp = tempDir();
  try {
    // verify checks that ExecStart names an executable and that man:recvstats(8) opens:
    // the programs are the bundles, the pages those of man/
    mkdirSync(join(tmp.dir, "bin"));
    for (const section of ["man1", "man8"]) mkdirSync(join(tmp.dir, "man", section), { recursive: true });
    for (const page of ["recvstats.8", "sendstats.8", "beostat.1"]) {
      copyFileSync(join(ROOT, "man", page), join(tmp.dir, "man", `man${page.slice(-1)}`, page));
    }
    for (const program of ["recvstats", "sendstats"]) {
      const bin = join(tmp.dir, "bin", program);
      writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${bundle(program)}" "$@"\n`);
      chmodSync(bin, 0o755);
      writeFileSync(join(tmp.dir, `${program}.service`), contrib(`systemd/${program}.service`).replaceAll(`/usr/bin/${program}`, bin));
    }
    writeFileSync(join(tmp.dir, "var-shm.mount"), contrib("systemd/var-shm.mount"));
    // without man(1), verify cannot open Documentation=man:... and says so: not a fault of the units
    const man = has("man") ? [] : ["--man=no"];
    if (man.length) t.diagnostic("man is not installed: Documentation= not checked");
    const r = spawnSync("systemd-analyze", ["verify", ...man, "./recvstats.service", "./sendstats.service", "./var-shm.mount"], {
      cwd: tmp.dir,
      encoding: "utf8",
      env: { ...process.env, MANPATH: join(tmp.dir, "man"), SYSTEMD_LOG_LEVEL: "notice" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr + r.stdout, "", "no warnings");
  } finally {
    tmp.remove();
  }
});

test("var-shm.mount puts /var/shm in memory, world-writable and sticky", () => {
  const mount = contrib("systemd/var-shm.mount");
  assert.deepEqual(setting(mount, "Where"), ["/var/shm"]);
  assert.deepEqual(setting(mount, "Type"), ["tmpfs"]);
  const options = setting(mount, "Options")[0].split(",");
  assert.ok(options.includes("mode=1777"), options.join(","));
  assert.ok(options.some((o) => /^size=\d+[kMG%]?$/.test(o)), "a size ceiling");
  if (has("systemd-escape")) {
    // a mount unit must be named after its mount point
    const name = spawnSync("systemd-escape", ["-p", "--suffix=mount", "/var/shm"], { encoding: "utf8" }).stdout.trim();
    assert.equal(name, "var-shm.mount");
  }
  assert.match(contrib("tmpfiles.d/recvstats.conf"), /^d \/var\/shm 1777 root root -$/m);
  // the collector waits for the mount and may write there, and nowhere else on the disk
  const unit = contrib("systemd/recvstats.service");
  assert.deepEqual(setting(unit, "RequiresMountsFor"), ["/var/shm"]);
  assert.deepEqual(setting(unit, "ProtectSystem"), ["strict"]);
  assert.ok(setting(unit, "ReadWritePaths").join(" ").split(/\s+/).includes("/var/shm"));
  // a missing /var/shm is made before the sandboxed collector starts (it could not: /var is read-only to it)
  assert.deepEqual(setting(unit, "ExecStartPre"), ["+/bin/mkdir -p -m 1777 /var/shm"]);
});

test("sendstats.service lets the agent write its request state, and nothing else on the disk", () => {
  const unit = contrib("systemd/sendstats.service");
  assert.deepEqual(setting(unit, "ProtectSystem"), ["strict"]);
  // systemd makes /var/lib/<StateDirectory>, writable in the sandbox: the default --state-file's directory
  assert.deepEqual(setting(unit, "StateDirectory").map((d) => `/var/lib/${d}`), [dirname(DEFAULT_STATE_FILE)]);
  assert.deepEqual(setting(unit, "StateDirectoryMode"), ["0700"]);
  assert.deepEqual(setting(unit, "ReadWritePaths"), []);
});

for (const program of ["recvstats", "sendstats"]) {
  test(`${program}.service runs ${program} -d with IF and OPTIONS from its settings`, async () => {
    const unit = contrib(`systemd/${program}.service`);
    assert.deepEqual(setting(unit, "ExecStart"), [`/usr/bin/${program} -d -i \${IF} $OPTIONS`]);
    assert.deepEqual(setting(unit, "EnvironmentFile"), [`-/etc/sysconfig/${program}`, `-/etc/default/${program}`]);
    assert.deepEqual(setting(unit, "ExecReload"), ["/bin/kill -HUP $MAINPID"]);
    assert.deepEqual(setting(unit, "Restart"), ["on-failure"]);

    // the example settings hold plain assignments that both sh and systemd read alike
    const example = contrib(`sysconfig/${program}`);
    const assignments = example.split("\n").filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(assignments.map((l) => l.split("=")[0]), ["IF", "OPTIONS"]);
    for (const l of assignments) assert.match(l, /^[A-Z]+=("[^"$`\\]*"|[^\s"'$`\\]*)$/, l);

    // the unit's command line, with IF=lo and test OPTIONS, is one the program accepts and
    // runs with: the collector listens, the agent's status reaches a collector
    const port = await freePortPair();
    const tmp = tempDir();
    const collector = program === "sendstats" ? spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", tmp.dir]) : undefined;
    const options =
      program === "recvstats"
        ? ["-p", String(port), "--shm-dir", tmp.dir]
        : ["-p", String(port), "-n", "3", "--proc-root", join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")];
    const argv = setting(unit, "ExecStart")[0].split(" ").slice(1).flatMap((w) => (w === "${IF}" ? ["lo"] : w === "$OPTIONS" ? options : [w]));
    try {
      if (collector) await waitFor("the collector", () => (collector.stderr().includes("listening on port") ? true : undefined));
      const p = spawnProgram(program, argv, { noInterface: true });
      if (program === "recvstats") await waitFor("recvstats listening", () => (p.stderr().includes(`listening on port ${port}`) ? true : undefined));
      else await waitFor("node 3 published", () => (nodesIn(tmp.dir).includes(3) ? true : undefined));
      assert.equal(p.child.exitCode, null, p.stderr());
      assert.equal(await p.stop(), 0, p.stderr());
    } finally {
      await collector?.stop();
      tmp.remove();
    }
  });
}

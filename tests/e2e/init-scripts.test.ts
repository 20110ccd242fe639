// The SysV init scripts contrib/init.d/{recvstats,sendstats} running the built daemons on
// lo, with every location (settings, program, pid file, log) moved into a temporary
// directory through the environment: start, status, reload, restart, stop, condrestart
// with each helper library (Debian's LSB functions, plain shell, a stand-in for Red Hat's),
// their LSB exit codes, a stale pid file, and a daemon that cannot start.

import assert from "node:assert/strict";
import { SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePortPair, tempDir, waitFor } from "../helpers/cluster";
import { FIXTURES, ROOT, bundle } from "../helpers/paths";

const LSB_FUNCTIONS = "/lib/lsb/init-functions";

/** Every daemon pid a test saw, killed at the end whatever happened. */
const seen = new Set<number>();
after(() => {
  for (const pid of seen) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

const alive = (pid: number): boolean => {
  try {
    // a zombie is not alive: the daemons are reparented, and their reaper may be slow
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, "latin1"));
  } catch {
    return false;
  }
};

/**
 * A stand-in for Red Hat's /etc/rc.d/init.d/functions, with the calling conventions of
 * initscripts: `daemon [--pidfile=FILE] PROGRAM ARGS...` runs "$*" through bash,
 * `killproc -p FILE NAME [-SIGNAL]` signals the pid in FILE (no signal: TERM, then KILL,
 * and the file removed). Each call is recorded in $CALLS.
 */
const REDHAT_STANDIN = `
daemon() {
	case $1 in --pidfile=*) shift ;; esac
	echo "daemon $*" >> "$CALLS"
	/bin/bash -c "$*"
	rc=$?
	if [ $rc -eq 0 ]; then printf '[  OK  ]'; else printf '[FAILED]'; fi
	return $rc
}
killproc() {
	[ "$1" = -p ] || return 1
	file=$2 name=$3 sig=\${4:-}
	echo "killproc -p $file $name $sig" >> "$CALLS"
	read -r pid < "$file" || return 1
	if [ -n "$sig" ]; then kill "$sig" "$pid"; return; fi
	kill -TERM "$pid"
	i=0
	while [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	rm -f "$file"
}
`;

interface Setup {
  dir: string;
  port: number;
  env: NodeJS.ProcessEnv;
  file(name: string): string;
  /** runs contrib/init.d/<program> <action> to its end */
  init(program: string, action: string): SpawnSyncReturns<string>;
  pid(program: string): number;
  remove(): void;
}

/**
 * A temporary root: programs, settings, pid and log files, the shm dir. functions: the
 * helper library to source, "none" (plain shell) or "redhat" (the stand-in above).
 */
async function setup(functions: string, settings: { recvstats?: string; sendstats?: string } = {}): Promise<Setup> {
  const t = tempDir("recvstats-init-");
  const port = await freePortPair();
  const file = (name: string) => join(t.dir, name);
  mkdirSync(file("bin"));
  if (functions === "redhat") {
    writeFileSync(file("functions"), REDHAT_STANDIN);
    functions = file("functions");
  }
  const env: NodeJS.ProcessEnv = { ...process.env, CALLS: file("calls") };
  for (const program of ["recvstats", "sendstats"]) {
    // the installed program is a link to the bundle; here, a script that runs it with this node
    writeFileSync(file(`bin/${program}`), `#!/bin/sh\nexec "${process.execPath}" "${bundle(program)}" "$@"\n`);
    chmodSync(file(`bin/${program}`), 0o755);
    const P = program.toUpperCase();
    Object.assign(env, {
      [`${P}_SYSCONFIG`]: file(`${program}.sysconfig`),
      [`${P}_BIN`]: file(`bin/${program}`),
      [`${P}_PIDFILE`]: file(`${program}.pid`),
      [`${P}_LOG`]: file(`${program}.log`),
      [`${P}_LOCKFILE`]: file(`${program}.lock`),
      [`${P}_INIT_FUNCTIONS`]: functions,
    });
  }
  writeFileSync(file("recvstats.sysconfig"), settings.recvstats ?? `IF=lo\nOPTIONS="-p ${port} --shm-dir ${file("shm")}"\n`);
  writeFileSync(
    file("sendstats.sysconfig"),
    settings.sendstats ?? `IF=lo\nOPTIONS="-p ${port} -n 7 -r 1 --proc-root ${join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")}"\n`,
  );
  return {
    dir: t.dir,
    port,
    env,
    file,
    init: (program, action) =>
      spawnSync("sh", [join(ROOT, "contrib/init.d", program), action], { env, encoding: "utf8", timeout: 60_000 }),
    pid(program) {
      const pid = Number(readFileSync(file(`${program}.pid`), "latin1").trim());
      seen.add(pid);
      return pid;
    },
    remove: t.remove,
  };
}

const ok = (r: SpawnSyncReturns<string>, what: string): void => assert.equal(r.status, 0, `${what}:\n${r.stdout}${r.stderr}`);

/** The nodes beostat reads in dir, by number. */
function nodesIn(dir: string): number[] {
  const r = spawnSync(process.execPath, [bundle("beostat"), "--shm-dir", dir, "--json"], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return (JSON.parse(r.stdout) as Array<{ node: number }>).map((n) => n.node);
}

const STYLES = [
  { style: "Debian's LSB functions", functions: LSB_FUNCTIONS, skip: existsSync(LSB_FUNCTIONS) ? false : `${LSB_FUNCTIONS} is not here` },
  { style: "plain shell", functions: "none", skip: false },
  { style: "a stand-in for Red Hat's functions", functions: "redhat", skip: false },
] as const;

for (const { style, functions, skip } of STYLES) {
  test(`init scripts with ${style}: start, status, reload, restart, stop`, { skip }, async () => {
    const s = await setup(functions);
    try {
      assert.equal(s.init("recvstats", "status").status, 3, "stopped before start");

      ok(s.init("recvstats", "start"), "start");
      const first = s.pid("recvstats");
      assert.ok(alive(first));
      const argv = readFileSync(`/proc/${first}/cmdline`, "latin1").split("\0");
      // IF and OPTIONS from the settings file, pid file and log from the script
      for (const word of ["-i", "lo", "-p", String(s.port), "--pidfile", s.file("recvstats.pid"), "--log", s.file("recvstats.log")]) {
        assert.ok(argv.includes(word), `${word} in ${argv.join(" ")}`);
      }
      assert.ok(!argv.includes("-d"), "the daemon detaches by itself");

      const again = s.init("recvstats", "start");
      ok(again, "a second start");
      assert.match(again.stdout, new RegExp(`already running \\(pid ${first}\\)`));
      assert.equal(s.pid("recvstats"), first, "not started twice");

      const status = s.init("recvstats", "status");
      assert.equal(status.status, 0);
      assert.match(status.stdout, new RegExp(`recvstats \\(pid ${first}\\) is running`));

      // the node agent, started by its own script, reaches the collector on lo
      ok(s.init("sendstats", "start"), "sendstats start");
      assert.ok(alive(s.pid("sendstats")));
      await waitFor("node 7 in the status file", () => (nodesIn(s.file("shm")).includes(7) ? true : undefined));

      ok(s.init("recvstats", "reload"), "reload");
      await waitFor("the log reopened", () => (readFileSync(s.file("recvstats.log"), "utf8").includes("SIGHUP: log reopened") ? true : undefined));
      assert.ok(alive(first), "reload does not stop it");

      ok(s.init("recvstats", "restart"), "restart");
      const second = s.pid("recvstats");
      assert.notEqual(second, first);
      assert.ok(!alive(first) && alive(second));

      ok(s.init("recvstats", "condrestart"), "condrestart while running");
      const third = s.pid("recvstats");
      assert.notEqual(third, second);

      for (const program of ["sendstats", "recvstats"]) {
        const pid = s.pid(program);
        ok(s.init(program, "stop"), `${program} stop`);
        assert.ok(!alive(pid), `${program} is gone`);
        assert.ok(!existsSync(s.file(`${program}.pid`)), `${program}'s pid file is removed`);
        ok(s.init(program, "stop"), `${program} stop when stopped`);
        assert.equal(s.init(program, "status").status, 3, `${program} stopped`);
      }
      ok(s.init("recvstats", "condrestart"), "condrestart while stopped");
      assert.ok(!existsSync(s.file("recvstats.pid")), "condrestart does not start a stopped daemon");

      if (functions === "redhat") {
        const calls = readFileSync(s.file("calls"), "utf8");
        assert.match(calls, new RegExp(`^daemon ${s.file("bin/recvstats")} -i lo --pidfile `, "m"));
        assert.match(calls, /^killproc -p \S+recvstats\.pid recvstats -HUP$/m);
        assert.match(calls, /^killproc -p \S+recvstats\.pid recvstats $/m);
        assert.ok(!existsSync(s.file("recvstats.lock")), "the subsys lock goes with the daemon");
      }
    } finally {
      s.init("sendstats", "stop");
      s.init("recvstats", "stop");
      s.remove();
    }
  });
}

test("init script: a stale pid file is reported and replaced, and its pid left alone", async () => {
  const s = await setup("none");
  // a live process of another program holds the pid the file names (a pid reused after a crash)
  const other = spawn("sleep", ["60"], { stdio: "ignore" });
  try {
    writeFileSync(s.file("recvstats.pid"), `${other.pid}\n`);
    const status = s.init("recvstats", "status");
    assert.equal(status.status, 1, status.stdout);
    assert.match(status.stdout, /dead but its pid file .* exists/);

    ok(s.init("recvstats", "start"), "start over a stale pid file");
    assert.notEqual(s.pid("recvstats"), other.pid);
    ok(s.init("recvstats", "stop"), "stop");
    assert.ok(alive(other.pid!), "the other program is not signalled");

    writeFileSync(s.file("recvstats.pid"), "999999999\n");
    assert.equal(s.init("recvstats", "status").status, 1, "a pid that is gone");
    ok(s.init("recvstats", "stop"), "stop with a dead pid");
    assert.ok(!existsSync(s.file("recvstats.pid")), "the stale file is removed");
  } finally {
    other.kill();
    s.init("recvstats", "stop");
    s.remove();
  }
});

test("init script: start tells the daemon's error and exits 1; without IF there is no -i", async () => {
  const s = await setup("none");
  const holder = dgram.createSocket("udp4");
  await new Promise<void>((r) => holder.bind(s.port, () => r()));
  try {
    const r = s.init("recvstats", "start");
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`port ${s.port} is in use`));
    assert.match(r.stdout, /FAILED/);
    assert.equal(s.init("recvstats", "status").status, 3);
  } finally {
    holder.close();
  }
  try {
    // unicast only: recvstats joins no group
    writeFileSync(s.file("recvstats.sysconfig"), `IF=\nOPTIONS="-p ${s.port} --shm-dir ${s.file("shm")}"\n`);
    ok(s.init("recvstats", "start"), "start without IF");
    const argv = readFileSync(`/proc/${s.pid("recvstats")}/cmdline`, "latin1").split("\0");
    assert.ok(!argv.includes("-i"), argv.join(" "));
  } finally {
    s.init("recvstats", "stop");
    s.remove();
  }
});

test("init scripts: usage, syntax and their LSB and chkconfig headers", () => {
  for (const program of ["recvstats", "sendstats"]) {
    const script = join(ROOT, "contrib/init.d", program);
    assert.equal(spawnSync("sh", ["-n", script]).status, 0, `${program}: sh -n`);
    const r = spawnSync("sh", [script, "frobnicate"], { encoding: "utf8", env: { ...process.env, [`${program.toUpperCase()}_SYSCONFIG`]: "/nonexistent" } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /Usage: .*\{start\|stop\|status\|restart\|reload\|force-reload\|condrestart\|try-restart\}/);
    const text = readFileSync(script, "utf8");
    assert.match(text, new RegExp(`^### BEGIN INIT INFO\\n# Provides: +${program}\\n(# .*\\n)*### END INIT INFO$`, "m"));
    assert.match(text, /^# Default-Start: +2 3 4 5$/m);
    assert.match(text, /^# chkconfig: 2345 \d+ \d+$/m);
    assert.ok((spawnSync("stat", ["-c", "%a", script], { encoding: "utf8" }).stdout.trim()) === "755", `${program} is executable`);
  }
});

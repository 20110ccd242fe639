// Running the shipped daemons in tests, always on loopback: every program is started through
// spawnProgram(), which adds "-i lo" unless the test names the interface of a network
// namespace it created itself, so no test can send to the machine's real network. Ports are
// free pairs (status port and the request port above it), found by binding.

import { ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundle } from "./paths";

export interface Spawned {
  child: ChildProcess;
  /** everything the program printed on stderr so far */
  stderr(): string;
  stdout(): string;
  /** resolves with the exit code (or the signal's name) */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after a second; resolves when it is gone */
  stop(): Promise<number | string>;
}

const running = new Set<Spawned>();

/**
 * Starts build/<program>.js with args. The interface is "lo" unless iface names one of a
 * test's own network namespace (then netns runs it inside that namespace).
 */
export function spawnProgram(program: string, args: string[], opts: { iface?: string; netns?: string; noInterface?: boolean } = {}): Spawned {
  const iface = opts.noInterface ? [] : ["-i", opts.iface ?? "lo"];
  if (opts.iface && opts.iface !== "lo" && !opts.netns) throw new Error("a non-loopback interface needs the test's own netns");
  const argv = [bundle(program), ...iface, ...args];
  const child = opts.netns
    ? spawn("ip", ["netns", "exec", opts.netns, process.execPath, ...argv], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let out = "";
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const s: Spawned = {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 1000);
        await exited;
        clearTimeout(t);
      }
      running.delete(s);
      return exited;
    },
  };
  running.add(s);
  return s;
}

/** Stops every program a test started (call from an after() hook). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

/** A UDP port p, free with p + 1, on this machine. */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    const ok = await Promise.all([p, p + 1].map(canBind));
    if (ok.every(Boolean)) return p;
  }
  throw new Error("no free UDP port pair");
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "0.0.0.0", () => s.close(() => resolve(true)));
  });
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix = "recvstats-test-"): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls check() every 50 ms until it returns a value other than undefined; throws after timeoutMs. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

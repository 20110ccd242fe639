// How recvstats and sendstats live as daemons. Without -d a program "forks and exits": the
// parent starts a detached child running the same command and exits 0 only once the child
// reports it is ready (listening, and for recvstats publishing), or prints the child's error
// and exits 1, so an init script's `daemon recvstats -i $IF` reports the truth. The child
// holds the pid file, logs to its log file, reopens it on SIGHUP, and stops cleanly on
// SIGINT or SIGTERM (caught from the first moment, so an early one is not lost).

import { spawn } from "node:child_process";
import type { Io } from "./args";
import { Log, LogFile, createLog } from "./log";
import { Pidfile } from "./pidfile";

/** Set in the environment of the child a parent starts. */
const CHILD_ENV = "BEOSTAT_DAEMON_CHILD";
/** How long a parent waits for its child to be ready. */
const READY_TIMEOUT_MS = 30_000;

type ChildMessage = { ready: true } | { error: string };

export interface DaemonOptions {
  /** -d: stay in the foreground, log to stderr */
  debug: boolean;
  /** --pidfile, or undefined for the default (none with -d) */
  pidfile?: string;
  /** --log, or undefined for the default (stderr with -d) */
  log?: string;
}

/** Starts the detached child and waits for its word; resolves to the parent's exit status. */
function forkChild(program: string, io: Io): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore", "ipc"],
    env: { ...process.env, [CHILD_ENV]: "1" },
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number, message?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (message) io.err(`${program}: ${message}\n`);
      if (child.connected) child.disconnect();
      child.unref();
      resolve(status);
    };
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      finish(1, `the daemon was not ready within ${READY_TIMEOUT_MS / 1000} s`);
    }, READY_TIMEOUT_MS);
    child.once("message", (m: ChildMessage) => ("ready" in m ? finish(0) : finish(1, m.error)));
    child.once("exit", (code, signal) => finish(1, `the daemon exited (${code ?? signal}) before it was ready`));
    child.once("error", (err) => finish(1, `cannot start the daemon: ${err.message}`));
  });
}

/** A running daemon's side of its lifetime: log, pid file, signals, and the word to its parent. */
export class Daemon {
  /** resolves with the signal's name once SIGINT or SIGTERM arrives */
  readonly stopped: Promise<string>;
  private readonly handlers: Array<[NodeJS.Signals, () => void]> = [];
  private readonly hangups: Array<() => void> = [];
  private pidfile: Pidfile | null = null;
  private closed = false;

  private constructor(
    readonly program: string,
    readonly log: Log,
    private readonly logFile: LogFile | null,
    private readonly io: Io,
  ) {
    let stop: (signal: string) => void = () => {};
    this.stopped = new Promise((r) => (stop = r));
    this.handlers.push(["SIGINT", () => stop("SIGINT")], ["SIGTERM", () => stop("SIGTERM")], ["SIGHUP", () => this.hangup()]);
    for (const [s, h] of this.handlers) process.on(s, h);
  }

  /**
   * Where a daemon starts. Without -d in the parent: forks the child and resolves to the
   * exit status to end with. In the child, or with -d: opens the log, takes the pid file
   * and resolves to the Daemon to run with (or to 1, the error told, when that fails).
   */
  static async start(program: string, o: DaemonOptions, io: Io): Promise<Daemon | number> {
    const child = process.env[CHILD_ENV] === "1" && typeof process.send === "function";
    if (!o.debug && !child) return forkChild(program, io);
    let logFile: LogFile | null = null;
    try {
      if (!o.debug) logFile = new LogFile(o.log ?? `/var/log/${program}.log`);
    } catch (err) {
      return Daemon.tellFailure(program, `cannot open the log: ${(err as Error).message}`, io);
    }
    const log = createLog(program, logFile ? logFile.write : io.err);
    const d = new Daemon(program, log, logFile, io);
    if (child) {
      process.on("uncaughtException", (err) => {
        log.warn(`crashed: ${err.stack ?? err.message}`);
        d.close();
        process.exit(1);
      });
    }
    const pidfile = o.pidfile ?? (o.debug ? undefined : `/var/run/${program}.pid`);
    try {
      if (pidfile) d.pidfile = Pidfile.acquire(pidfile, program);
    } catch (err) {
      d.close();
      return Daemon.tellFailure(program, (err as Error).message, io);
    }
    return d;
  }

  /** Tells the parent (or stderr) why the daemon could not start; returns the exit status 1. */
  private static tellFailure(program: string, message: string, io: Io): number {
    if (process.env[CHILD_ENV] === "1" && process.send) process.send({ error: message } satisfies ChildMessage);
    else io.err(`${program}: ${message}\n`);
    return 1;
  }

  /** The daemon could not start: releases what it holds, tells the parent or stderr; returns 1. */
  fail(message: string): number {
    if (this.logFile) this.log.warn(`cannot start: ${message}`);
    this.close();
    return Daemon.tellFailure(this.program, message, this.io);
  }

  /** The daemon is running: lets the parent exit 0 and go. */
  ready(): void {
    if (process.env[CHILD_ENV] === "1" && process.send) {
      process.send({ ready: true } satisfies ChildMessage);
      process.disconnect();
    }
  }

  /** Runs fn on SIGHUP, after the log file is reopened. */
  onHangup(fn: () => void): void {
    this.hangups.push(fn);
  }

  private hangup(): void {
    try {
      this.logFile?.reopen();
      this.log.info("SIGHUP: log reopened");
    } catch (err) {
      this.log.warn(`SIGHUP: cannot reopen the log: ${(err as Error).message}`);
    }
    for (const fn of this.hangups) fn();
  }

  /** Removes the pid file and the signal handlers, closes the log; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pidfile?.release();
    for (const [s, h] of this.handlers) process.off(s, h);
    this.log.flush();
    this.logFile?.close();
  }
}

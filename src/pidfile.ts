// The pid file of a daemon (--pidfile): refuses a second start while a live process of the
// same program holds it, and tells a stale one (its pid gone, or reused by another program:
// /proc/PID/cmdline says which) from a live one. Written exclusively, never through a link;
// removed on exit only if it is still ours.

import { closeSync, constants, fchmodSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";

/** The pid in file, and whether a process of program runs with it. */
function holder(file: string, program: string): { pid: number; live: boolean } | null {
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, live: false };
  try {
    // argv is NUL-separated: the program's bundle (recvstats.js) or installed name (recvstats)
    const argv = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
    return { pid, live: argv.some((a) => new RegExp(`(^|/)${program}(\\.js)?$`).test(a)) };
  } catch {
    return { pid, live: false };
  }
}

export class Pidfile {
  private released = false;

  private constructor(readonly file: string) {}

  /** Writes this process's pid to file; throws "already running as pid N" while a live program holds it. */
  static acquire(file: string, program: string): Pidfile {
    const h = holder(file, program);
    if (h?.live && h.pid !== process.pid) throw new Error(`already running as pid ${h.pid} (${file})`);
    if (h) unlinkSync(file); // stale: its process is gone, or the pid now belongs to another program
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      fchmodSync(fd, 0o644);
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return new Pidfile(file);
  }

  /** Removes the file if it still names this process; safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (Number(readFileSync(this.file, "latin1").trim()) === process.pid) unlinkSync(this.file);
    } catch {
      // already gone: nothing to release
    }
  }
}

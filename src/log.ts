// The programs' log: one line per event with a timestamp, never one line per datagram.
// Warnings that can repeat at packet rate (a bad datagram, a node out of range) go through
// warnRated(key): the first is printed, the repeats are counted and summarised once a minute.
// A daemon logs to a file (--log) that SIGHUP reopens, for logrotate; with -d, to stderr.

import { closeSync, openSync, writeSync } from "node:fs";

export interface Log {
  info(text: string): void;
  warn(text: string): void;
  /** a warning that may repeat at packet rate: printed once per key and period, repeats summarised */
  warnRated(key: string, text: string): void;
  /** prints the summary of suppressed repeats now (also done every period) */
  flush(): void;
}

export function createLog(program: string, write: (line: string) => void, periodMs = 60_000): Log {
  const stamp = (): string => new Date().toISOString();
  const line = (level: string, text: string): void => write(`${stamp()} ${program}: ${level}${text}\n`);
  const suppressed = new Map<string, { text: string; count: number; until: number }>();
  const flush = (): void => {
    const now = Date.now();
    for (const [key, s] of suppressed) {
      if (s.count > 0) line("warning: ", `${s.text} (repeated ${s.count} more times)`);
      if (s.until <= now) suppressed.delete(key);
      else s.count = 0;
    }
  };
  const timer = setInterval(flush, periodMs);
  timer.unref();
  return {
    info: (text) => line("", text),
    warn: (text) => line("warning: ", text),
    warnRated(key, text) {
      const s = suppressed.get(key);
      if (s && s.until > Date.now()) {
        s.count++;
        s.text = text;
        return;
      }
      suppressed.set(key, { text, count: 0, until: Date.now() + periodMs });
      line("warning: ", text);
    },
    flush,
  };
}

/** An append-only log file that can be reopened after logrotate moved it. */
export class LogFile {
  private fd: number;

  /** Opens (creates, mode 0644) path for appending; throws if it cannot. */
  constructor(readonly path: string) {
    this.fd = openSync(path, "a", 0o644);
  }

  /** Writes one line at once (appends are whole lines, even with several writers). */
  write = (line: string): void => {
    try {
      writeSync(this.fd, line);
    } catch {
      // a full disk must not stop the daemon: the line is lost
    }
  };

  /** Opens the path again (SIGHUP): logrotate renamed the old file, a new one is started. */
  reopen(): void {
    const fd = openSync(this.path, "a", 0o644);
    closeSync(this.fd);
    this.fd = fd;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

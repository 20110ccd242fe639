// Files a daemon keeps for itself: key files, the status file's replacement, sendstats'
// request state. Opened never through a symbolic link, and used only when they are this
// account's own (a regular file, one link, our uid); new ones made under a random name,
// exclusively, so that no name another account planted is ever reused.

import { randomBytes } from "node:crypto";
import { Stats, closeSync, constants, fstatSync, openSync } from "node:fs";
import { join } from "node:path";

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/**
 * Opens file with flags (plus O_NOFOLLOW, and O_NONBLOCK so that a FIFO in its place cannot
 * hang us) and checks it is a regular file with one link, owned by this account (or root
 * with rootToo). Returns the descriptor and its stat; throws "FILE: why", with the errno
 * code kept (ENOENT for a missing file, ELOOP for a symbolic link).
 */
export function openOwnFile(file: string, flags: number, opts: { rootToo?: boolean } = {}): { fd: number; st: Stats } {
  let fd: number;
  try {
    fd = openSync(file, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errno(err);
    const why = code === "ELOOP" ? `${file}: is a symbolic link, refused` : `${file}: ${(err as Error).message}`;
    throw Object.assign(new Error(why), { code });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file}: not a regular file`);
    // a second name could be another account's way to the file, or to swap it
    if (st.nlink !== 1) throw new Error(`${file}: has ${st.nlink} hard links, refused`);
    if (st.uid !== process.getuid?.() && !(opts.rootToo && st.uid === 0)) {
      throw new Error(`${file}: owned by uid ${st.uid}, not by this account${opts.rootToo ? " or root" : ""}`);
    }
    return { fd, st };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * Creates a new file in dir under a random name (".BASE.PID.RANDOM.tmp"), exclusively and
 * never through a link, with mode (cut by the umask: fchmod it if that matters). Returns its
 * descriptor and path; the caller renames it over the real name, or removes it. Throws the
 * error of open() once a few names in a row were taken.
 */
export function createExclusive(dir: string, base: string, mode: number, flags = constants.O_WRONLY): { fd: number; path: string } {
  const how = flags | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `.${base}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      return { fd: openSync(path, how, mode), path };
    } catch (err) {
      if (errno(err) !== "EEXIST" || attempt >= 8) throw err;
    }
  }
}

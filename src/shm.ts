// The /var/shm status file: recvstats (ShmWriter) publishes the node table of its WASM core
// byte for byte in <dir>/beostat, a sparse file mapped MAP_SHARED, and readers in other
// processes (ShmReader, under src/libbeostat.ts and beostat) map it read-only. Every record
// and the header are copied under their sequence locks; readers retry a torn read a bounded
// number of times. The format, the lock protocol and `up` are described in docs/shm-format.md.

import mmap from "@riaskov/mmap-io";
import {
  closeSync, constants, fchmodSync, fstatSync, ftruncateSync, mkdirSync, openSync, renameSync, statSync, unlinkSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { createExclusive } from "./ownfile";
import { NodeStatus, RecordReader } from "./record";
import { Core, KNOWN_LAYOUT_VERSIONS, Layout } from "./wasm";

/** The file's name in its directory. */
export const SHM_FILE = "beostat";
/** Where recvstats publishes and readers look when not told otherwise (--shm-dir). */
export const DEFAULT_SHM_DIR = "/var/shm";
/** The file grows in steps of this many bytes (it is sparse: untouched pages take no space). */
export const GROW_STEP = 1 << 20;
/** A collector whose heartbeat is older than this is taken for dead: its nodes are down. */
export const HEARTBEAT_TIMEOUT_MS = 5000;
/** Attempts at a consistent read of one record (or the header) before a reader gives up. */
export const READ_RETRIES = 1000;
/** The largest mapping the mmap addon can make (it passes the size as a C int). */
const MAP_LIMIT = 0x7fffffff;
/** Retries done at once, before each further one sleeps a little to let the writer finish. */
const FAST_RETRIES = 16;
const SLEEP_MS = 0.05;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const READ_WRITE = (mmap.PROT_READ | mmap.PROT_WRITE) as 3;

/** Fields of the header that belong to the collector process rather than to the core. */
export interface HostFields {
  pid: number;
  heartbeatMs: number;
  lastRequestMs: number;
  startedMs: number;
  flags: number;
}

/** The header as readers see it: the collector's fields (null when never set) and its counters by name. */
export interface ShmHeader {
  pid: number | null;
  heartbeatMs: number | null;
  lastRequestMs: number | null;
  startedMs: number | null;
  flags: number;
  /** C_* counters, named in lower case without the prefix (C_KERNEL_DROPS: "kernel_drops") */
  counters: Record<string, number>;
  /** datagrams rejected, by R_* reason, named likewise (R_STALE_INSTANCE: "stale_instance") */
  rejected: Record<string, number>;
}

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;
const roundUp = (n: number, step: number): number => Math.ceil(n / step) * step;

/** Creates dir with mode 1777 when missing (whatever the umask); warns when others cannot reach files in it. */
function prepareDir(dir: string, warnings: string[]): void {
  try {
    mkdirSync(dir);
    // mkdir's mode is cut by the umask; readers of every account need to reach the file
    fchmodDir(dir);
  } catch (err) {
    if (errno(err) === "ENOENT") {
      mkdirSync(dirname(dir), { recursive: true });
      return prepareDir(dir, warnings);
    }
    if (errno(err) !== "EEXIST") throw err;
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir}: not a directory`);
  if ((st.mode & 0o005) !== 0o005) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    warnings.push(`${dir} has mode ${mode}: readers of other accounts cannot open ${join(dir, SHM_FILE)} (it needs o+rx)`);
  }
}

function fchmodDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, 0o1777);
  } finally {
    closeSync(fd);
  }
}

/** A descriptor of the file about to be replaced, to flag it; null when there is none we may write. */
function openOld(file: string, warnings: string[]): number | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errno(err);
    if (code === "EACCES" || code === "EPERM") warnings.push(`${file}: cannot flag the old file superseded (${code})`);
    else if (code !== "ENOENT" && code !== "ELOOP") throw err;
    return null;
  }
  // only a file of our own is ever written: a planted hard link to someone's file is not
  const st = fstatSync(fd);
  if (!st.isFile() || st.nlink !== 1 || st.uid !== process.getuid?.()) {
    closeSync(fd);
    return null;
  }
  return fd;
}

/**
 * Whether this CPU makes every store visible to other CPUs in the order the program made
 * them (x86's TSO). The writer's side of a sequence lock then needs no fence: its word
 * turns odd before any byte of the record changes and even after all of them, as plain
 * stores (the JIT keeps them around the copies, which are calls it cannot see into), the way
 * Linux's seqlocks are written on x86. An atomic read-modify-write there drains the CPU's
 * store buffer: twice per record, it waited for the previous record's copy to reach the
 * cache (0.36 µs of the 13 µs an update cost at 75,000 updates/s, profiled). Elsewhere (ARM,
 * POWER: weakly ordered) the lock uses Atomics, which order the plain copies around them.
 */
const STORES_IN_ORDER = process.arch === "x64" || process.arch === "ia32";

/** An Int32Array over all of a mapping, for the Atomics of the sequence locks. */
const wordsOf = (map: Buffer): Int32Array => new Int32Array(map.buffer, map.byteOffset, map.length >>> 2);

/**
 * Marks the status file open on fd (replaced by a new one) TFLAG_SUPERSEDED, so its readers
 * re-open by name. Skipped when fd is not a status file of this layout.
 */
function markSuperseded(fd: number, L: Layout): void {
  if (fstatSync(fd).size < L.TABLE_HEADER_BYTES) return;
  const map = mmap.map(L.TABLE_HEADER_BYTES, READ_WRITE, mmap.MAP_SHARED, fd);
  if (map.readUInt32LE(L.TABLE_MAGIC_AT) !== L.TABLE_MAGIC) return;
  Atomics.or(wordsOf(map), L.TABLE_FLAGS >>> 2, L.TFLAG_SUPERSEDED);
}

/** The collector's side: publishes a node table into <dir>/beostat. One per recvstats process. */
export class ShmWriter {
  /** The published file's path. */
  readonly file: string;
  /** Problems found on creation that do not stop publishing (e.g. the directory's mode), one line each. */
  readonly warnings: string[];
  private fd: number;
  private map: Buffer | null;
  private words: Int32Array;
  private length: number;
  /** Host fields set by setHostFields: they win over the table's copy at every publishHeader. */
  private host: Partial<HostFields> = {};
  /** The byte ranges [from, to) of the header copied as they are: all but TABLE_SEQ and TABLE_FLAGS. */
  private readonly copied: Array<[number, number]>;

  private constructor(
    readonly L: Layout,
    file: string,
    fd: number,
    map: Buffer,
    length: number,
    warnings: string[],
  ) {
    this.file = file;
    this.fd = fd;
    this.map = map;
    this.words = wordsOf(map);
    this.length = length;
    this.warnings = warnings;
    this.copied = [];
    let at = 0;
    for (const word of [L.TABLE_SEQ, L.TABLE_FLAGS].sort((a, b) => a - b)) {
      if (word > at) this.copied.push([at, word]);
      at = word + 4;
    }
    this.copied.push([at, L.TABLE_HEADER_BYTES]);
  }

  /**
   * Creates <dir>/beostat as a new inode holding an empty table (readers may open it at once),
   * replacing any earlier file by rename and marking that one TFLAG_SUPERSEDED. maxBytes:
   * the most bytes the table may take (mapped once; the file grows up to it). Called once
   * at recvstats start.
   */
  static create(dir: string, layout: Layout, opts: { maxBytes: number }): ShmWriter {
    const L = layout;
    const maxBytes = opts.maxBytes;
    const minBytes = L.TABLE_HEADER_BYTES + 64;
    if (!Number.isInteger(maxBytes) || maxBytes < minBytes || maxBytes > MAP_LIMIT) {
      throw new Error(`shm: maxBytes ${maxBytes} is not between ${minBytes} and ${MAP_LIMIT}`);
    }
    const warnings: string[] = [];
    prepareDir(dir, warnings);
    const file = join(dir, SHM_FILE);
    // a new name, created exclusively: in a world-writable directory another account may
    // have planted any name it could guess (a file we must not reuse, nor could remove)
    const { fd, path: tmp } = createExclusive(dir, SHM_FILE, 0o644, constants.O_RDWR);
    let writer: ShmWriter;
    try {
      fchmodSync(fd, 0o644); // the umask cut the mode of open(); readers of every account need r
      const length = Math.min(GROW_STEP, maxBytes);
      ftruncateSync(fd, length);
      const map = mmap.map(maxBytes, READ_WRITE, mmap.MAP_SHARED, fd);
      writer = new ShmWriter(L, file, fd, map, length, warnings);
      writer.emptyTable();
    } catch (err) {
      closeSync(fd);
      unlinkSync(tmp);
      throw new Error(`${tmp}: ${(err as Error).message}`);
    }
    // the old file stays mapped by its readers: it is replaced, never truncated, then flagged
    let old: number | null = null;
    try {
      old = openOld(file, warnings);
      renameSync(tmp, file);
    } catch (err) {
      writer.close();
      if (old !== null) closeSync(old);
      unlinkSync(tmp);
      throw err;
    }
    if (old !== null) {
      try {
        markSuperseded(old, L);
      } catch (err) {
        warnings.push(`${file}: cannot flag the old file superseded (${(err as Error).message})`);
      } finally {
        closeSync(old);
      }
    }
    return writer;
  }

  /**
   * For a restart that never blanks the cluster: continues <dir>/beostat when it is our own
   * regular file (not a link, one link, our uid) whose table adopt() accepts (adopt gets its
   * bytes up to TABLE_USED and loads them into the core). The file keeps its inode, so
   * readers that have it mapped read on. Otherwise creates a new file as create() does.
   * `adopted` tells which happened.
   */
  static open(dir: string, layout: Layout, opts: { maxBytes: number }, adopt: (table: Uint8Array) => boolean): ShmWriter {
    const L = layout;
    const warnings: string[] = [];
    prepareDir(dir, warnings);
    const file = join(dir, SHM_FILE);
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDWR | constants.O_NOFOLLOW);
    } catch (err) {
      if (errno(err) !== "ENOENT" && errno(err) !== "ELOOP") warnings.push(`${file}: not continued (${errno(err)})`);
      return ShmWriter.withWarnings(ShmWriter.create(dir, layout, opts), warnings);
    }
    try {
      const st = fstatSync(fd);
      const ours = st.isFile() && st.nlink === 1 && st.uid === process.getuid?.();
      if (ours && st.size >= L.TABLE_HEADER_BYTES && st.size <= opts.maxBytes) {
        const map = mmap.map(opts.maxBytes, READ_WRITE, mmap.MAP_SHARED, fd);
        const used = map.readUInt32LE(L.TABLE_USED);
        if (map.readUInt32LE(L.TABLE_MAGIC_AT) === L.TABLE_MAGIC && used <= st.size && adopt(Uint8Array.from(map.subarray(0, used)))) {
          const writer = new ShmWriter(L, file, fd, map, st.size, warnings);
          writer.host.pid = process.pid;
          writer.adopted = true;
          return writer;
        }
      } else if (!ours) warnings.push(`${file} is not a file of this account: replaced, not continued`);
    } catch (err) {
      warnings.push(`${file}: not continued (${(err as Error).message})`);
    }
    closeSync(fd);
    return ShmWriter.withWarnings(ShmWriter.create(dir, layout, opts), warnings);
  }

  /** Whether open() continued an existing file (its nodes adopted) rather than creating one. */
  adopted = false;

  private static withWarnings(w: ShmWriter, warnings: string[]): ShmWriter {
    w.warnings.unshift(...warnings);
    return w;
  }

  /** A valid header of a table with no nodes, so a reader opening the file before the first publish sees no error. */
  private emptyTable(): void {
    const L = this.L;
    const map = this.live();
    const u32 = (at: number, v: number): void => void map.writeUInt32LE(v, at);
    u32(L.TABLE_MAGIC_AT, L.TABLE_MAGIC);
    u32(L.TABLE_VERSION, L.LAYOUT_VERSION);
    u32(L.TABLE_HEADER_SIZE, L.TABLE_HEADER_BYTES);
    u32(L.TABLE_NODE_SIZE, L.NODE_SIZE);
    u32(L.TABLE_CPU_SIZE, L.CPU_SIZE);
    u32(L.TABLE_CI_SIZE, L.CI_SIZE);
    u32(L.TABLE_IF_SIZE, L.IF_SIZE);
    u32(L.TABLE_MODEL_SLOTS_AT, L.MODEL_SLOTS);
    u32(L.TABLE_MODEL_LEN_AT, L.MODEL_LEN);
    u32(L.TABLE_MAX_NODES, 0); // one directory slot (node -1), empty
    u32(L.TABLE_DIR, L.TABLE_HEADER_BYTES);
    u32(L.TABLE_USED, roundUp(L.TABLE_HEADER_BYTES + 4, 64));
    this.host.pid = process.pid; // the writer's own pid, whatever the table's host area says
    this.writeHost();
  }

  /** Writes the host fields set by setHostFields into the file (the caller holds the header's lock, or no reader can see the file yet). */
  private writeHost(): void {
    const L = this.L;
    const map = this.live();
    const f = this.host;
    if (f.pid !== undefined) map.writeUInt32LE(f.pid, L.TABLE_PID);
    if (f.heartbeatMs !== undefined) map.writeDoubleLE(f.heartbeatMs, L.TABLE_HEARTBEAT);
    if (f.lastRequestMs !== undefined) map.writeDoubleLE(f.lastRequestMs, L.TABLE_LAST_REQUEST);
    if (f.startedMs !== undefined) map.writeDoubleLE(f.startedMs, L.TABLE_STARTED);
    if (f.flags !== undefined) this.setFlags(f.flags);
  }

  /**
   * Sets TABLE_FLAGS to flags but for TFLAG_SUPERSEDED, which a newer collector sets in this
   * file (markSuperseded) and which stays: the compare-exchange keeps one set meanwhile.
   */
  private setFlags(flags: number): void {
    const i = this.L.TABLE_FLAGS >>> 2;
    const keep = this.L.TFLAG_SUPERSEDED;
    for (;;) {
      const now = Atomics.load(this.words, i);
      if (Atomics.compareExchange(this.words, i, now, (now & keep) | (flags & ~keep)) === now) return;
    }
  }

  private live(): Buffer {
    if (!this.map) throw new Error(`${this.file}: the writer is closed`);
    return this.map;
  }

  /** Grows the file (in GROW_STEP steps) so that bytes up to end exist before they are written. */
  private reserve(end: number): void {
    if (end <= this.length) return;
    if (end > this.live().length) {
      throw new Error(`${this.file}: the table needs ${end} bytes, more than the ${this.live().length} mapped (maxBytes)`);
    }
    const length = Math.min(roundUp(end, GROW_STEP), this.live().length);
    ftruncateSync(this.fd, length);
    this.length = length;
  }

  /** Runs copy between the two increments of the sequence word at byte at: odd while it runs, even after. */
  private locked(at: number, copy: () => void): void {
    const i = at >>> 2;
    this.lock(i);
    try {
      copy();
    } finally {
      this.unlock(i);
    }
  }

  /**
   * Copies the table's header (all of it but TABLE_SEQ, the file's own, and a
   * TFLAG_SUPERSEDED set in the file; host fields set by setHostFields win over the
   * table's) and its directory from src, a table at tableAt,
   * under the header's lock. Called when USED or the directory changed (before publishNode
   * of a new node) and with each heartbeat, for the counters.
   */
  publishHeader(src: Uint8Array, tableAt: number): void {
    const L = this.L;
    const map = this.live();
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    if (dv.getUint32(tableAt + L.TABLE_MAGIC_AT, true) !== L.TABLE_MAGIC) throw new Error(`shm: no table at ${tableAt}`);
    const dir = dv.getUint32(tableAt + L.TABLE_DIR, true);
    const dirEnd = dir + 4 * (dv.getUint32(tableAt + L.TABLE_MAX_NODES, true) + 1);
    // a reader that sees USED may look at any byte below it: the file has it (zero until published)
    this.reserve(Math.max(dirEnd, dv.getUint32(tableAt + L.TABLE_USED, true)));
    this.locked(L.TABLE_SEQ, () => {
      for (const [from, to] of this.copied) map.set(src.subarray(tableAt + from, tableAt + to), from);
      this.writeHost();
      if (this.host.flags === undefined) this.setFlags(dv.getUint32(tableAt + L.TABLE_FLAGS, true));
      map.set(src.subarray(tableAt + dir, tableAt + dirEnd), dir);
    });
  }

  /**
   * Copies the record at recOff (from the table's start) of src's table at tableAt, and the
   * used entries of its CPU, cpuinfo and interface extents, under the record's lock.
   * Called for each node a commit changed, in the order of the commits.
   */
  publishNode(src: Uint8Array, tableAt: number, recOff: number): void {
    // the collector's hot path (once per node per batch of datagrams): no closures, no arrays,
    // the source read through a view kept as long as its buffer lives, and copies by
    // TypedArray.set (a builtin: Buffer.copy costs twice as much in its argument checks)
    const L = this.L;
    const map = this.live();
    const dv = this.sourceView(src);
    const rec = tableAt + recOff;
    const cpus = dv.getUint32(rec + L.NODE_CPUS + L.EXT_OFFSET, true);
    const cpuBytes = dv.getUint32(rec + L.NODE_CPUS + L.EXT_COUNT, true) * L.CPU_SIZE;
    const cis = dv.getUint32(rec + L.NODE_CIS + L.EXT_OFFSET, true);
    const ciBytes = dv.getUint32(rec + L.NODE_CIS + L.EXT_COUNT, true) * L.CI_SIZE;
    const ifs = dv.getUint32(rec + L.NODE_IFS + L.EXT_OFFSET, true);
    const ifBytes = dv.getUint32(rec + L.NODE_IFS + L.EXT_COUNT, true) * L.IF_SIZE;
    this.reserve(Math.max(recOff + L.NODE_SIZE, cpus + cpuBytes, cis + ciBytes, ifs + ifBytes));
    const seq = (recOff + L.NODE_SEQ) >>> 2;
    // A node's extents are made one after another at its first update, right after its
    // record, and stay there while its lists keep their length: the record and its lists are
    // then one copy, the unchanged cpuinfo entries and model names in it (a view and a call
    // per piece cost more than copying their bytes along)
    const whole = recOff + L.NODE_SIZE === cis && cis + ciBytes === ifs && ifs + ifBytes === cpus && cpuBytes > 0;
    // else cpuinfo, which comes once in minutes, is copied only when the core counted a
    // change since this file last got it. The file's record holds the count it was last given
    // (copied with the record, under the same lock), so no table of our own is needed
    const ciSame = !whole && this.words[(recOff + L.NODE_CPUINFO_GEN) >>> 2] === dv.getInt32(rec + L.NODE_CPUINFO_GEN, true);
    this.lock(seq);
    // the file's NODE_SEQ is its own counter: the record is copied from the word after it
    const from = rec + L.NODE_SEQ + 4;
    if (whole) map.set(this.bytesAt(from, tableAt + cpus + cpuBytes - from), recOff + L.NODE_SEQ + 4);
    else {
      map.set(this.bytesAt(from, rec + L.NODE_SIZE - from), recOff + L.NODE_SEQ + 4);
      if (!ciSame && ciBytes) map.set(this.bytesAt(tableAt + cis, ciBytes), cis);
      if (cpuBytes) map.set(this.bytesAt(tableAt + cpus, cpuBytes), cpus);
      if (ifBytes) map.set(this.bytesAt(tableAt + ifs, ifBytes), ifs);
    }
    this.unlock(seq); // even: consistent
  }

  /** A DataView over src, made again only when src is another array (WASM memory grew). */
  private sourceView(src: Uint8Array): DataView {
    if (this.viewOf !== src) {
      this.viewOf = src;
      this.view = new DataView(src.buffer, src.byteOffset, src.byteLength);
      this.viewBuffer = src.buffer;
      this.viewStart = src.byteOffset;
    }
    return this.view!;
  }
  private viewOf: Uint8Array | null = null;
  private view: DataView | null = null;
  private viewBuffer: ArrayBufferLike | null = null;
  private viewStart = 0;

  /**
   * The n bytes at at of the source of the last sourceView, to copy from: a new view of its
   * buffer, kept (src.subarray costs a quarter more: the buffer getter, and its species lookup).
   */
  private bytesAt(at: number, n: number): Uint8Array {
    return new Uint8Array(this.viewBuffer!, this.viewStart + at, n);
  }

  /** Makes the sequence word at index i odd (writing), mending one left odd by a killed collector. */
  private lock(i: number): void {
    // odd here means a collector was killed mid-write: we are the only writer, so make it even
    // (and, the only writer, we read our own word without an atomic)
    if (STORES_IN_ORDER) {
      this.words[i] = (this.words[i] + (this.words[i] & 1) + 1) | 0;
      return;
    }
    if (this.words[i] & 1) Atomics.add(this.words, i, 1);
    Atomics.add(this.words, i, 1);
  }

  /** Makes the sequence word at index i even again: the write is complete. */
  private unlock(i: number): void {
    if (STORES_IN_ORDER) this.words[i] = (this.words[i] + 1) | 0;
    else Atomics.add(this.words, i, 1);
  }

  /**
   * Writes the collector's own header fields given (pid, heartbeat every second, flags on
   * exit) into the file at once, under the header's lock; they then stay over the table's
   * host area at each publishHeader. (A collector may instead keep them in the table's host
   * area and publishHeader: fields it never sets here come from the table.)
   */
  setHostFields(fields: Partial<HostFields>): void {
    for (const [k, v] of Object.entries(fields) as Array<[keyof HostFields, number | undefined]>) if (v !== undefined) this.host[k] = v;
    this.live();
    this.locked(this.L.TABLE_SEQ, () => this.writeHost());
  }

  /** A copy of the published table, up to its TABLE_USED: what a fresh core continues from after a trap. */
  tableBytes(): Uint8Array {
    const map = this.live();
    return Uint8Array.from(map.subarray(0, map.readUInt32LE(this.L.TABLE_USED)));
  }

  /** Closes the file; the mapping goes with the garbage collector. The file stays for readers. Safe to call twice. */
  close(): void {
    if (!this.map) return;
    this.map = null;
    this.words = new Int32Array(0);
    closeSync(this.fd);
  }
}

let defaultLayout: Layout | null = null;
/** The layout of the core this program is built with (a reader needs no table of its own). */
function coreLayout(): Layout {
  return (defaultLayout ??= new Core(1).layout);
}

/** Why the last attempt at a consistent read failed. */
type Torn = "locked" | "outside";

/** A reader's side: maps <dir>/beostat read-only and decodes records under their sequence locks. */
export class ShmReader {
  readonly file: string;
  private fd: number;
  private map: Buffer;
  private words: Int32Array;
  private dv: DataView;
  private records: RecordReader;
  private readonly counterNames: Array<[string, number]>;
  private readonly reasonNames: Array<[string, number]>;

  private constructor(
    readonly L: Layout,
    file: string,
    fd: number,
    map: Buffer,
  ) {
    this.file = file;
    this.fd = fd;
    this.map = map;
    this.words = wordsOf(map);
    this.dv = new DataView(map.buffer, map.byteOffset, map.length);
    this.records = new RecordReader(L, map);
    const named = (prefix: string): Array<[string, number]> =>
      Object.entries(L)
        .filter(([name]) => name.startsWith(prefix) && name !== "C_REJECT")
        .map(([name, value]) => [name.slice(2).toLowerCase(), value]);
    this.counterNames = named("C_");
    this.reasonNames = named("R_");
  }

  /**
   * Maps <dir>/beostat read-only at its current size. Throws, naming the file, when it is
   * missing (code ENOENT), short, or not a table of a layout this program reads.
   */
  static open(dir: string, layout: Layout = coreLayout()): ShmReader {
    const L = layout;
    const file = join(dir, SHM_FILE);
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY);
    } catch (err) {
      if (errno(err) !== "ENOENT") throw err;
      throw Object.assign(new Error(`no status file at ${file}: is recvstats running?`), { code: "ENOENT" });
    }
    try {
      const size = Math.min(fstatSync(fd).size, MAP_LIMIT);
      if (size < L.TABLE_HEADER_BYTES) throw new Error(`${file}: ${size} bytes, too short for a status file`);
      let map: Buffer;
      try {
        map = mmap.map(size, mmap.PROT_READ, mmap.MAP_SHARED, fd);
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`);
      }
      const u32 = (at: number): number => map.readUInt32LE(at);
      if (u32(L.TABLE_MAGIC_AT) !== L.TABLE_MAGIC) throw new Error(`${file}: not a status file (bad magic)`);
      const version = u32(L.TABLE_VERSION);
      if (!KNOWN_LAYOUT_VERSIONS.includes(version) || version !== L.LAYOUT_VERSION) {
        throw new Error(`${file}: layout version ${version}, this program reads ${L.LAYOUT_VERSION}`);
      }
      const sizes: Array<[number, number, string]> = [
        [L.TABLE_HEADER_SIZE, L.TABLE_HEADER_BYTES, "header"],
        [L.TABLE_NODE_SIZE, L.NODE_SIZE, "node record"],
        [L.TABLE_CPU_SIZE, L.CPU_SIZE, "CPU entry"],
        [L.TABLE_CI_SIZE, L.CI_SIZE, "cpuinfo entry"],
        [L.TABLE_IF_SIZE, L.IF_SIZE, "interface entry"],
      ];
      for (const [at, want, what] of sizes) {
        if (u32(at) !== want) throw new Error(`${file}: ${what} of ${u32(at)} bytes, this program reads ${want}`);
      }
      return new ShmReader(L, file, fd, map);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Bytes mapped now. */
  get mappedBytes(): number {
    return this.map.length;
  }

  /** Maps the file again when the table's USED passed the mapping: the only syscall of a read, and rare. */
  private follow(): void {
    if (this.fd < 0) throw new Error(`${this.file}: the reader is closed`);
    const used = this.dv.getUint32(this.L.TABLE_USED, true);
    if (used <= this.map.length) return;
    const size = Math.min(fstatSync(this.fd).size, MAP_LIMIT);
    if (size <= this.map.length) return; // USED ran ahead of the file: reads past the mapping are retried
    // the old mapping is released when the garbage collector drops its Buffer
    this.map = mmap.map(size, mmap.PROT_READ, mmap.MAP_SHARED, this.fd);
    this.words = wordsOf(this.map);
    this.dv = new DataView(this.map.buffer, this.map.byteOffset, this.map.length);
    this.records.reset(this.map);
  }

  /** Waits a little before retry number attempt (at once for the first ones). */
  private pause(attempt: number): void {
    if (attempt >= FAST_RETRIES) Atomics.wait(sleeper, 0, 0, SLEEP_MS);
  }

  /**
   * Runs read(arg) under the header's lock until it sees one version of the header; throws
   * after READ_RETRIES. (arg: so that the read of a node's slot, on every read of a record,
   * passes a function made once rather than a closure per call.)
   */
  private underHeader<T, A = undefined>(read: (arg: A) => T | Torn, arg?: A): T {
    const seqAt = this.L.TABLE_SEQ >>> 2;
    let why: Torn = "locked";
    for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
      if (attempt) this.pause(attempt);
      this.follow();
      const seq = Atomics.load(this.words, seqAt);
      if (seq & 1) {
        why = "locked";
        continue;
      }
      const value = read(arg as A);
      if (Atomics.load(this.words, seqAt) !== seq) {
        why = "locked";
        continue;
      }
      if (value === "locked" || value === "outside") {
        why = value as Torn;
        continue;
      }
      return value as T;
    }
    throw new Error(
      why === "locked"
        ? `${this.file}: the header is being rewritten continuously`
        : `${this.file}: the directory points outside the file (damaged?)`,
    );
  }

  /** slot, made once: read() passes it to underHeader for every record it reads. */
  private readonly slotOf = (n: number): number | Torn => this.slot(n);

  /** The record offset of node n from the directory (0: none), or "outside" when the directory does not fit the file. */
  private slot(n: number): number | Torn {
    const L = this.L;
    const maxNodes = this.dv.getUint32(L.TABLE_MAX_NODES, true);
    if (!Number.isInteger(n) || n < -1 || n + 1 > maxNodes) return 0;
    const at = this.dv.getUint32(L.TABLE_DIR, true) + 4 * (n + 1);
    if (at < L.TABLE_HEADER_BYTES || at + 4 > this.map.length) return "outside";
    return this.dv.getUint32(at, true);
  }

  /**
   * Whether the record at rec and the used part of its extents lie within the mapping.
   * Every read checks it: nothing allocated (a reader polling the file reads hundreds of
   * thousands of records a second, and its collections' pauses would be its lateness).
   */
  private fits(rec: number): boolean {
    const L = this.L;
    const len = this.map.length;
    if (rec < L.TABLE_HEADER_BYTES || rec % 8 !== 0 || rec + L.NODE_SIZE > len) return false;
    return this.extentFits(rec, L.NODE_CPUS, L.CPU_SIZE, len) && this.extentFits(rec, L.NODE_CIS, L.CI_SIZE, len) && this.extentFits(rec, L.NODE_IFS, L.IF_SIZE, len);
  }

  /** Whether the used part of the extent that rec's reference at ref describes (entries of size bytes) lies within len. */
  private extentFits(rec: number, ref: number, size: number, len: number): boolean {
    const L = this.L;
    const count = this.dv.getUint32(rec + ref + L.EXT_COUNT, true);
    if (count === 0) return true;
    const off = this.dv.getUint32(rec + ref + L.EXT_OFFSET, true);
    return off >= L.TABLE_HEADER_BYTES && off + count * size <= len;
  }

  /**
   * decode(records, rec) run on node n's record under its sequence lock, retried until it
   * ran on one version of the record: its result, or null when the file has no record of
   * n yet. decode must copy out what it needs (its result outlives the next write).
   * Throws after READ_RETRIES torn reads. The one primitive every read of a node goes through.
   */
  read<T>(n: number, decode: (records: RecordReader, rec: number) => T): T | null {
    const L = this.L;
    let why: Torn = "locked";
    for (let attempt = 0; attempt < READ_RETRIES; attempt++) {
      if (attempt) this.pause(attempt);
      const rec = this.underHeader(this.slotOf, n);
      if (rec === 0) return null;
      const seqAt = (rec + L.NODE_SEQ) >>> 2;
      if (rec % 8 !== 0 || rec + L.NODE_SIZE > this.map.length) {
        why = "outside";
        continue;
      }
      const seq = Atomics.load(this.words, seqAt);
      if (seq & 1) {
        why = "locked";
        continue;
      }
      let value: T | undefined;
      let ok = this.fits(rec);
      // a record published after its directory slot: still all zero, not yet this node's
      const mine =
        ok && this.dv.getInt32(rec + L.NODE_NUMBER, true) === n && (this.dv.getUint32(rec + L.NODE_STATE, true) & L.NSTATE_IN_USE) !== 0;
      if (ok && mine) {
        try {
          value = decode(this.records, rec);
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          ok = false; // a torn record led the decoder astray
        }
      }
      if (Atomics.load(this.words, seqAt) !== seq) {
        why = "locked";
        continue;
      }
      if (!ok) {
        why = "outside";
        continue;
      }
      return mine ? (value as T) : null;
    }
    throw new Error(
      why === "locked"
        ? `${this.file}: record of node ${n} is being rewritten continuously`
        : `${this.file}: record of node ${n} points outside the file (damaged?)`,
    );
  }

  /** Whether the collector is alive at now: a heartbeat within HEARTBEAT_TIMEOUT_MS and not TFLAG_STOPPED. */
  collectorAlive(now = Date.now()): boolean {
    const L = this.L;
    return this.underHeader(() => {
      const beat = this.dv.getFloat64(L.TABLE_HEARTBEAT, true);
      const flags = this.dv.getUint32(L.TABLE_FLAGS, true);
      return beat > 0 && Math.abs(now - beat) <= HEARTBEAT_TIMEOUT_MS && (flags & L.TFLAG_STOPPED) === 0;
    });
  }

  /**
   * Node n as `beostat --json` prints it, or null when the file has none. up: the node
   * reported within its NODE_DOWN_AFTER, has done so since the collector started (not
   * NSTATE_STALE, adopted from an earlier one), its last write did not fail (not
   * NSTATE_INVALID), and the collector is alive, at now.
   */
  node(n: number, now = Date.now()): NodeStatus | null {
    const L = this.L;
    const alive = this.collectorAlive(now);
    return this.read(n, (r, rec) => {
      const status = r.node(0, rec);
      const time = this.dv.getFloat64(rec + L.NODE_TIME, true);
      // stale: adopted from an earlier collector; invalid: a write of it failed (a trap)
      const doubtful = (this.dv.getUint32(rec + L.NODE_STATE, true) & (L.NSTATE_STALE | L.NSTATE_INVALID)) !== 0;
      status.up = alive && !doubtful && time > 0 && time + this.dv.getUint32(rec + L.NODE_DOWN_AFTER, true) > now;
      return status;
    });
  }

  /** The node numbers that have a record, ascending (the master, -1, first). */
  nodeNumbers(): number[] {
    const L = this.L;
    return this.underHeader(() => {
      const maxNodes = this.dv.getUint32(L.TABLE_MAX_NODES, true);
      const dir = this.dv.getUint32(L.TABLE_DIR, true);
      if (dir < L.TABLE_HEADER_BYTES || dir + 4 * (maxNodes + 1) > this.map.length) return "outside";
      const found: number[] = [];
      for (let i = 0; i <= maxNodes; i++) if (this.dv.getUint32(dir + 4 * i, true) !== 0) found.push(i - 1);
      return found;
    });
  }

  /** Every node of the file, in ascending node order. */
  nodes(now = Date.now()): NodeStatus[] {
    const out: NodeStatus[] = [];
    for (const n of this.nodeNumbers()) {
      const status = this.node(n, now);
      if (status) out.push(status);
    }
    return out;
  }

  /** The collector's fields and counters, read as one version of the header. */
  header(): ShmHeader {
    const L = this.L;
    const ms = (at: number): number | null => {
      const v = this.dv.getFloat64(at, true);
      return v > 0 ? v : null;
    };
    const counter = (c: number): number => {
      const at = L.TABLE_COUNTERS + 8 * c;
      return this.dv.getUint32(at + 4, true) * 4294967296 + this.dv.getUint32(at, true);
    };
    return this.underHeader<ShmHeader>(() => ({
      pid: this.dv.getUint32(L.TABLE_PID, true) || null,
      heartbeatMs: ms(L.TABLE_HEARTBEAT),
      lastRequestMs: ms(L.TABLE_LAST_REQUEST),
      startedMs: ms(L.TABLE_STARTED),
      flags: this.dv.getUint32(L.TABLE_FLAGS, true),
      counters: Object.fromEntries(this.counterNames.map(([name, c]) => [name, counter(c)])),
      rejected: Object.fromEntries(this.reasonNames.map(([name, r]) => [name, counter(L.C_REJECT + r)])),
    }));
  }

  /** TABLE_FLAGS now (one load: cheap enough to check before every call). */
  flags(): number {
    return Atomics.load(this.words, this.L.TABLE_FLAGS >>> 2) >>> 0;
  }

  /** Closes the file; the mapping goes with the garbage collector. Safe to call twice. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

// Loads the WebAssembly core (assembly/, built to build/core.wasm and inlined into each
// bundle) and exposes it to the rest of the host: the layout constants read from the
// module's exports, parsing of /proc text into the parse record, commits into the node
// table, and views of the table. One Core per process; every call is synchronous.

import coreWasm from "recvstats-core.wasm"; // build/core.wasm, inlined by esbuild (scripts/build.mjs)
import { statusWords } from "./errors";

/** The layout versions this host can read. */
export const KNOWN_LAYOUT_VERSIONS = [1];

/** Every numeric constant the core exports (offsets, sizes, field bits, status bits), by name. */
export type Layout = Readonly<Record<string, number>>;

/** The sections of a node's report, in the core's SEC_* order. */
export const SECTION_NAMES = ["cpuinfo", "meminfo", "loadavg", "net/dev", "stat", "statfs"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** The outcome of parsing one file: S_* bits, and the byte offset of the first failure (or null). */
export interface ParseOutcome {
  status: number;
  failAt: number | null;
}

interface CoreExports {
  memory: WebAssembly.Memory;
  coreInit(maxNodes: number): number;
  inputPtr(): number;
  parseRecord(): number;
  tableBase(): number;
  parse(sec: number, len: number): number;
  lastFailAt(): number;
  heapProbe(): number;
  tableCommit(node: number, pr: number, mask: number): number;
  tableEnsure(node: number): number;
  tableRecord(node: number): number;
  tableReserve(n: number): number;
  tableAdopt(maxNodes: number, len: number, how: number): number;
  tableInvalidate(node: number): number;
  setLimits(cpus: number, ifaces: number): void;
  setFailpoint(node: number): void;
  check(len: number, want: number): number;
  wireNode(): number;
  addrPtr(): number;
  apply(node: number, recvMs: number, downAfterMs: number): number;
  needsStatic(): number;
  requestFor(node: number): number;
  requestInterval(): number;
  requestSpan(): number;
  counterAdd(c: number, n: number): void;
  counterSet(c: number, v: number): void;
  filter(sec: number, len: number): number;
  filterText(): number;
  filterEndsPtr(): number;
  filterClassesPtr(): number;
  summaryScratch(): number;
  summaryFill(rec: number, out: number, nowMs: number, alive: number): void;
  locate(len: number, want: number): number;
  wireLocateAt(): number;
  wireLocateSections(): number;
}

/** Where the inspector's walk of a datagram stopped: the reason wireCheck gives (0: none) and the offset at fault. */
export interface Located {
  reason: number;
  at: number;
  /** sections walked completely */
  sections: number;
}

/** Lines of a /proc file that recvstats parses, as the core's filter kept them (views into WASM memory, valid until the next call). */
export interface KeptLines {
  count: number;
  /** the kept lines back to back */
  text: Uint8Array;
  /** end offset in text of each line (after its newline) */
  ends: Uint32Array;
  /** LC_* class of each line */
  classes: Uint8Array;
}

/** Reads the numeric exports of the module into a layout, refusing a version this host does not know. */
export function layoutOf(exports: WebAssembly.Exports): Layout {
  // made whole by Object.fromEntries, not by adding a property at a time: V8 turns an object
  // given hundreds of computed keys one by one into a hash table, and every L.X on the hot
  // path then costs a dictionary lookup (a fifth of a microsecond per update, profiled)
  const layout: Layout = Object.fromEntries(
    Object.entries(exports).flatMap(([name, value]) =>
      value instanceof WebAssembly.Global && typeof value.value === "number" ? [[name, value.value >>> 0]] : [],
    ),
  );
  if (!KNOWN_LAYOUT_VERSIONS.includes(layout.LAYOUT_VERSION)) {
    throw new Error(`core layout version ${layout.LAYOUT_VERSION} is not one this program reads (${KNOWN_LAYOUT_VERSIONS})`);
  }
  return Object.freeze(layout);
}

export class Core {
  readonly layout: Layout;
  private readonly x: CoreExports;
  private bytes = new Uint8Array(0);

  /**
   * Instantiates the core (from the given module bytes or compiled module, or the inlined
   * build) with a table for maxNodes nodes. A browser passes a module it compiled
   * asynchronously: its main thread may refuse to compile a large module synchronously.
   */
  constructor(maxNodes = 4096, wasm: Uint8Array<ArrayBuffer> | WebAssembly.Module = coreWasm) {
    const module = wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(wasm);
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort(_msg: number, _file: number, line: number, column: number): never {
          throw new Error(`WASM core aborted at line ${line}:${column}`);
        },
      },
    });
    this.x = instance.exports as unknown as CoreExports;
    this.layout = layoutOf(instance.exports);
    const status = this.x.coreInit(maxNodes);
    if (status !== 0) throw new Error(`core init: ${statusWords(status, this.layout)}`);
    this.input = this.x.inputPtr();
  }

  /** The whole of linear memory as bytes; refreshed after memory grows (which detaches old views). */
  memory(): Uint8Array {
    // growing memory detaches the old buffer, whose length drops to 0: a cheaper test, on
    // every datagram, than the Memory's buffer getter
    if (this.bytes.length === 0) {
      this.bytes = new Uint8Array(this.x.memory.buffer);
    }
    return this.bytes;
  }

  /** Parses the text of one section into the parse record. Bytes over INPUT_CAPACITY are refused. */
  parse(section: SectionName, text: Uint8Array): ParseOutcome {
    const sec = SECTION_NAMES.indexOf(section);
    if (text.length > this.layout.INPUT_CAPACITY) {
      return { status: this.layout.S_LIMIT, failAt: this.layout.INPUT_CAPACITY };
    }
    this.memory().set(text, this.input);
    const status = this.x.parse(sec, text.length);
    const failAt = this.x.lastFailAt() >>> 0;
    return { status, failAt: failAt === this.layout.NO_FAIL ? null : failAt };
  }

  /** Address of the parse record in memory(). */
  parseRecord(): number {
    return this.x.parseRecord();
  }

  /** Sets the sample time (epoch ms) of a section in the parse record, before a commit. */
  setSampleTime(section: SectionName, ms: number): void {
    const at = this.x.parseRecord() + this.layout.NODE_SAMPLE_TIMES + 8 * SECTION_NAMES.indexOf(section);
    new DataView(this.memory().buffer).setFloat64(at, ms, true);
  }

  /** Commits the named sections of the parse record into node's record. Returns S_* bits. */
  commit(node: number, sections: readonly SectionName[], meta = false): number {
    let mask = meta ? this.layout.COMMIT_META : 0;
    for (const s of sections) mask |= 1 << SECTION_NAMES.indexOf(s);
    return this.x.tableCommit(node, this.x.parseRecord(), mask);
  }

  /** Address of the table in memory(). */
  tableBase(): number {
    return this.x.tableBase();
  }

  /**
   * Continues the table of an earlier collector (the bytes of its shm file, up to its
   * TABLE_USED), checked and repaired by the core. restart: every node stale until it
   * reports again, and the counters from zero (otherwise, after a trap, both are kept).
   * Returns false, with this core's table empty again, when the table is not one it can
   * continue (another layout or node capacity).
   */
  adopt(bytes: Uint8Array, maxNodes: number, restart = true): boolean {
    const L = this.layout;
    const at = this.x.tableReserve(bytes.length);
    if (at) {
      this.memory().set(bytes, at);
      const how = restart ? L.ADOPT_STALE | L.ADOPT_RESET_COUNTERS : 0;
      if (this.x.tableAdopt(maxNodes, bytes.length, how) === 0) return true;
    }
    this.x.coreInit(maxNodes);
    return false;
  }

  /** Marks node's record invalid for readers until its next datagram (after a trap while writing it). */
  invalidate(node: number): boolean {
    return this.x.tableInvalidate(node) !== 0;
  }

  /** Limits what one node may list (--max-cpus, --max-ifaces; at most MAX_CPUS, MAX_IFACES). */
  setLimits(cpus: number, ifaces: number): void {
    this.x.setLimits(cpus, ifaces);
  }

  /** Fault injection for the tests of trap recovery: datagrams applied to node trap mid-write (NODE_UNSET: none). */
  setFailpoint(node: number): void {
    this.x.setFailpoint(node);
  }

  /** Counts a datagram the host rejected before the core checked it (received, and rejected for reason R_*). */
  rejectUnchecked(reason: number): number {
    this.x.counterAdd(this.layout.C_RECEIVED, 1);
    this.x.counterAdd(this.layout.C_REJECT + reason, 1);
    return reason;
  }

  /** Collector counter c (C_*), as a number (exact below 2^53). */
  counter(c: number): number {
    const dv = new DataView(this.memory().buffer);
    const at = this.tableBase() + this.layout.TABLE_COUNTERS + 8 * c;
    return dv.getUint32(at + 4, true) * 4294967296 + dv.getUint32(at, true);
  }

  /** Offset of node's record from the table's start, or 0. */
  tableRecord(node: number): number {
    return this.x.tableRecord(node);
  }

  /** Copies a datagram into the input and checks its structure as type want (WT_*): 0, or the rejection reason R_* (counted). */
  check(datagram: Uint8Array, want: number): number {
    return this.load(datagram) || this.checkLoaded(datagram.length, want);
  }

  /**
   * Copies a datagram into the input, at inputAt() of memory(), to be checked there
   * (checkLoaded) once its tag is: 0, or R_TOO_LARGE (counted).
   */
  load(datagram: Uint8Array): number {
    if (datagram.length > this.layout.INPUT_CAPACITY) return this.rejectUnchecked(this.layout.R_TOO_LARGE);
    this.memory().set(datagram, this.inputAt());
    return 0;
  }

  /** check() of the len-byte datagram that load() put in the input. */
  checkLoaded(len: number, want: number): number {
    return this.x.check(len, want);
  }

  /** Offset in memory() of the input, with layout.INPUT_HEAD bytes before it that the core never touches (an HMAC's key block goes there). */
  inputAt(): number {
    return this.input;
  }
  private readonly input: number;

  /** The node number of the status datagram last checked (layout.NODE_UNSET when the sender has none). */
  datagramNode(): number {
    return this.x.wireNode();
  }

  /**
   * Applies the status datagram last checked to node's record. addr: the sender's address
   * as 16 bytes (IPv4-mapped), or null for the one given last (a collector's datagrams come
   * from few addresses: it copies one in only when it changes). Returns 0, or the rejection
   * reason R_* (counted).
   */
  apply(node: number, addr: Uint8Array | null, recvMs: number, downAfterMs: number): number {
    if (addr) this.memory().set(addr, this.x.addrPtr());
    return this.x.apply(node, recvMs, downAfterMs);
  }

  /** Whether the node of the last apply still lacks its cpuinfo (the master then asks it for a full update). */
  needsStatic(): boolean {
    return this.x.needsStatic() !== 0;
  }

  /** For a node agent: 0 if the request last checked is not for node, else 1, plus 2 for a full update. */
  requestFor(node: number): number {
    return this.x.requestFor(node);
  }

  /** The reporting interval (ms) the request last checked sets, 0 to keep the current one. */
  requestInterval(): number {
    return this.x.requestInterval() >>> 0;
  }

  /** How many nodes the request last checked addresses (for all nodes: as many as the master knows). */
  requestSpan(): number {
    return this.x.requestSpan() >>> 0;
  }

  /** Adds n to the collector counter c (layout.C_*). */
  counterAdd(c: number, n = 1): void {
    this.x.counterAdd(c, n);
  }

  /** Sets the collector counter c (layout.C_*) to v. */
  counterSet(c: number, v: number): void {
    this.x.counterSet(c, v);
  }

  /** The lines of a /proc file of section that recvstats parses (sendstats sends only these). */
  filter(section: SectionName, text: Uint8Array): KeptLines {
    const len = Math.min(text.length, this.layout.INPUT_CAPACITY);
    this.memory().set(text.subarray(0, len), this.input);
    const count = this.x.filter(SECTION_NAMES.indexOf(section), len);
    const mem = this.memory();
    const ends = new Uint32Array(mem.buffer, this.x.filterEndsPtr(), count);
    const size = count ? ends[count - 1] : 0;
    return {
      count,
      text: mem.subarray(this.x.filterText(), this.x.filterText() + size),
      ends,
      classes: mem.subarray(this.x.filterClassesPtr(), this.x.filterClassesPtr() + count),
    };
  }

  /** TABLE_USED of the table: it changes when a node or an extent is added. */
  tableUsed(): number {
    const at = this.x.tableBase() + this.layout.TABLE_USED;
    const m = this.memory();
    return (m[at] | (m[at + 1] << 8) | (m[at + 2] << 16) | (m[at + 3] << 24)) >>> 0;
  }

  /** The table's bytes in use, as a view into WASM memory (valid until the table next grows). */
  tableBytes(): Uint8Array {
    const base = this.x.tableBase();
    return this.memory().subarray(base, base + this.tableUsed());
  }

  /**
   * The summary (SUM_SIZE bytes, docs/snapshot.md) of a node record's bytes (at least
   * NODE_SIZE) at nowMs; alive: the collector is alive. A view into WASM memory, valid until
   * the next call: copy it out. Called by beostatus for every node of every snapshot.
   */
  summarize(record: Uint8Array, nowMs: number, alive: boolean): Uint8Array {
    const at = this.x.summaryScratch();
    const mem = this.memory();
    mem.set(record.subarray(0, this.layout.NODE_SIZE), at);
    const out = at + this.layout.NODE_SIZE;
    this.x.summaryFill(at, out, nowMs, alive ? 1 : 0);
    return this.memory().subarray(out, out + this.layout.SUM_SIZE);
  }

  /** Where a datagram fails the decoder's checks as type want (WT_*), counting nothing: for the packet inspector. */
  locate(datagram: Uint8Array, want: number): Located {
    const len = Math.min(datagram.length, this.layout.INPUT_CAPACITY);
    this.memory().set(datagram.subarray(0, len), this.input);
    const reason = this.x.locate(len, want);
    return { reason, at: this.x.wireLocateAt() >>> 0, sections: this.x.wireLocateSections() >>> 0 };
  }

  /** The runtime's heap top: unchanged by parsing (tests prove the parsers allocate nothing). */
  heapProbe(): number {
    return this.x.heapProbe();
  }
}

/** The names of the rejection reasons (R_*) and counters (C_*) of a layout, by value, for messages and metrics. */
export function namesOf(layout: Layout, prefix: "R_" | "C_"): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(layout)) {
    if (name.startsWith(prefix)) names.set(value, name.slice(2).toLowerCase());
  }
  return names;
}

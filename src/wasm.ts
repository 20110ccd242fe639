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
}

/** Reads the numeric exports of the module into a layout, refusing a version this host does not know. */
export function layoutOf(exports: WebAssembly.Exports): Layout {
  const layout: Record<string, number> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (value instanceof WebAssembly.Global && typeof value.value === "number") layout[name] = value.value >>> 0;
  }
  if (!KNOWN_LAYOUT_VERSIONS.includes(layout.LAYOUT_VERSION)) {
    throw new Error(`core layout version ${layout.LAYOUT_VERSION} is not one this program reads (${KNOWN_LAYOUT_VERSIONS})`);
  }
  return Object.freeze(layout);
}

export class Core {
  readonly layout: Layout;
  private readonly x: CoreExports;
  private buffer: ArrayBuffer | null = null;
  private bytes = new Uint8Array(0);

  /** Instantiates the core (from the given module bytes, or the inlined build) with a table for maxNodes nodes. */
  constructor(maxNodes = 4096, wasm: Uint8Array<ArrayBuffer> = coreWasm) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), {
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
  }

  /** The whole of linear memory as bytes; refreshed after memory grows (which detaches old views). */
  memory(): Uint8Array {
    if (this.buffer !== this.x.memory.buffer) {
      this.buffer = this.x.memory.buffer;
      this.bytes = new Uint8Array(this.buffer);
    }
    return this.bytes;
  }

  /** Parses the text of one section into the parse record. Bytes over INPUT_CAPACITY are refused. */
  parse(section: SectionName, text: Uint8Array): ParseOutcome {
    const sec = SECTION_NAMES.indexOf(section);
    if (text.length > this.layout.INPUT_CAPACITY) {
      return { status: this.layout.S_LIMIT, failAt: this.layout.INPUT_CAPACITY };
    }
    this.memory().set(text, this.x.inputPtr());
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

  /** Offset of node's record from the table's start, or 0. */
  tableRecord(node: number): number {
    return this.x.tableRecord(node);
  }

  /** The runtime's heap top: unchanged by parsing (tests prove the parsers allocate nothing). */
  heapProbe(): number {
    return this.x.heapProbe();
  }
}

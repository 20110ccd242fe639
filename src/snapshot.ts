// beostatus' side of /snapshot (docs/snapshot.md): takes the status file's nodes, each under
// its record's sequence lock (ShmReader.read), and encodes them in the snapshot format of
// the WASM core (assembly/summary.ts): summaries filled by the core's summaryFill(), and
// full records as the raw record and extent bytes. The text view, the web page and
// /metrics all start from here, so every view shows the same numbers.

import { join } from "node:path";
import { ShmReader, SHM_FILE } from "./shm";
import type { Core, Layout } from "./wasm";

/** Most nodes one records answer may carry (a range is cut there; the page asks for one node at a time). */
export const MAX_RECORDS = 4096;

/** The status file, opened when first needed and re-opened by name when a new collector replaced it. */
export class StatusSource {
  private reader: ShmReader | null = null;

  constructor(
    readonly dir: string,
    private readonly layout: Layout,
  ) {}

  get file(): string {
    return join(this.dir, SHM_FILE);
  }

  /** The reader of <dir>/beostat now. Throws (naming the file) while there is none. */
  current(): ShmReader {
    const L = this.layout;
    if (this.reader && this.reader.flags() & L.TFLAG_SUPERSEDED) {
      try {
        const fresh = ShmReader.open(this.dir, L);
        this.reader.close();
        this.reader = fresh;
      } catch {
        // the new file is not there yet: the old one still answers, flagged
      }
    }
    return (this.reader ??= ShmReader.open(this.dir, L));
  }

  /** Closes the file. Safe to call twice. */
  close(): void {
    this.reader?.close();
    this.reader = null;
  }
}

/** A summaries snapshot, with each node's per-CPU usage when asked for (the text view's per-CPU bars). */
export interface TakenSummaries {
  bytes: Uint8Array;
  /** CPU_USAGE of each stat entry (USAGE_NONE: unknown), per node in snapshot order; null unless asked */
  perCpu: Uint16Array[] | null;
}

/** Takes snapshots of a status file with a core of its own (for summaryFill). One per beostatus process. */
export class Snapshotter {
  readonly L: Layout;

  constructor(private readonly core: Core) {
    this.L = core.layout;
  }

  /** The snapshot header; the caller fills what follows. */
  private header(out: Uint8Array, kind: number, count: number, total: number, now: number, reader: ShmReader, alive: boolean): void {
    const L = this.L;
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    dv.setUint32(L.SNAP_MAGIC_AT, L.SNAP_MAGIC, true);
    dv.setUint32(L.SNAP_VERSION, L.SNAP_FORMAT_VERSION, true);
    dv.setUint32(L.SNAP_HEADER_SIZE, L.SNAP_HEADER_BYTES, true);
    dv.setUint32(L.SNAP_SUM_SIZE, L.SUM_SIZE, true);
    dv.setUint32(L.SNAP_KIND, kind, true);
    dv.setUint32(L.SNAP_COUNT, count, true);
    dv.setFloat64(L.SNAP_TIME, now, true);
    const stopped = (reader.flags() & L.TFLAG_STOPPED) !== 0;
    dv.setUint32(L.SNAP_FLAGS, (alive ? L.SNAPF_ALIVE : 0) | (stopped ? L.SNAPF_STOPPED : 0), true);
    dv.setUint32(L.SNAP_LAYOUT, L.LAYOUT_VERSION, true);
    dv.setUint32(L.SNAP_TOTAL, total, true);
  }

  /**
   * Every node's summary and name (SNAPK_SUMMARY), as seen at now. Each record is copied
   * and summarised under its sequence lock; a node that vanished meanwhile is left out.
   */
  summaries(reader: ShmReader, now = Date.now(), opts: { perCpu?: boolean } = {}): TakenSummaries {
    const L = this.L;
    const alive = reader.collectorAlive(now);
    const numbers = reader.nodeNumbers();
    const body = new Uint8Array(L.SNAP_HEADER_BYTES + numbers.length * L.SUM_SIZE);
    const names: Uint8Array[] = [];
    const perCpu: Uint16Array[] | null = opts.perCpu ? [] : null;
    let count = 0;
    const nameBit = 1 << L.F_NAME; // F_NAME is below 32: in the low word of NODE_PRESENT
    for (const n of numbers) {
      const at = L.SNAP_HEADER_BYTES + count * L.SUM_SIZE;
      const got = reader.read(n, (r, rec) => {
        body.set(this.core.summarize(r.bytes(rec, L.NODE_SIZE), now, alive), at);
        let name = new Uint8Array(0);
        if (r.u32(rec + L.NODE_PRESENT) & nameBit) {
          const raw = r.bytes(rec + L.NODE_NAME, L.NODE_NAME_LEN);
          const end = raw.indexOf(0);
          name = Uint8Array.from(raw.subarray(0, end < 0 ? raw.length : end)); // a copy: the map's bytes change
        }
        let usage: Uint16Array | null = null;
        if (perCpu) {
          const cpus = r.u32(rec + L.NODE_CPUS + L.EXT_COUNT);
          const base = r.u32(rec + L.NODE_CPUS + L.EXT_OFFSET);
          const raw = r.bytes(base, cpus * L.CPU_SIZE);
          const entries = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
          usage = new Uint16Array(cpus);
          for (let i = 0; i < cpus; i++) usage[i] = entries.getUint16(i * L.CPU_SIZE + L.CPU_USAGE, true);
        }
        return { name, usage };
      });
      if (!got) continue;
      names.push(got.name);
      perCpu?.push(got.usage ?? new Uint16Array(0));
      count++;
    }
    const namesAt = L.SNAP_HEADER_BYTES + count * L.SUM_SIZE;
    const out = new Uint8Array(namesAt + names.reduce((s, b) => s + 1 + b.length, 0));
    out.set(body.subarray(0, namesAt));
    let p = namesAt;
    for (const b of names) {
      out[p] = b.length;
      out.set(b, p + 1);
      p += 1 + b.length;
    }
    this.header(out, L.SNAPK_SUMMARY, count, numbers.length, now, reader, alive);
    new DataView(out.buffer).setUint32(L.SNAP_NAMES, namesAt, true);
    return { bytes: out, perCpu };
  }

  /**
   * The full records (SNAPK_RECORDS) of the nodes first..last that the file has (at most
   * MAX_RECORDS of them), each block copied under the record's sequence lock.
   */
  records(reader: ShmReader, first: number, last: number, now = Date.now()): Uint8Array {
    const L = this.L;
    const alive = reader.collectorAlive(now);
    const numbers = reader.nodeNumbers();
    const wanted = numbers.filter((n) => n >= first && n <= last).slice(0, MAX_RECORDS);
    const extents: Array<[number, number]> = [
      [L.NODE_CPUS, L.CPU_SIZE],
      [L.NODE_CIS, L.CI_SIZE],
      [L.NODE_IFS, L.IF_SIZE],
    ];
    const entries: Uint8Array[] = [];
    for (const n of wanted) {
      const entry = reader.read(n, (r, rec) => {
        let size = L.NODE_SIZE;
        for (const [ref, each] of extents) size += r.u32(rec + ref + L.EXT_COUNT) * each;
        const e = new Uint8Array(L.REC_HEADER_BYTES + size);
        const dv = new DataView(e.buffer);
        const block = L.REC_HEADER_BYTES;
        e.set(this.core.summarize(r.bytes(rec, L.NODE_SIZE), now, alive), 0);
        dv.setUint32(L.REC_BLOCK_BYTES, size, true);
        e.set(r.bytes(rec, L.NODE_SIZE), block);
        let p = L.NODE_SIZE;
        for (const [ref, each] of extents) {
          const count = r.u32(rec + ref + L.EXT_COUNT);
          const bytes = count * each;
          if (bytes) e.set(r.bytes(r.u32(rec + ref + L.EXT_OFFSET), bytes), block + p);
          // the block is a table of its own: extents count from its first byte, and hold just their entries
          dv.setUint32(block + ref + L.EXT_OFFSET, bytes ? p : 0, true);
          dv.setUint32(block + ref + L.EXT_CAPACITY, count, true);
          p += bytes;
        }
        return e;
      });
      if (entry) entries.push(entry);
    }
    const out = new Uint8Array(L.SNAP_HEADER_BYTES + entries.reduce((s, e) => s + e.length, 0));
    let p = L.SNAP_HEADER_BYTES;
    for (const e of entries) {
      out.set(e, p);
      p += e.length;
    }
    this.header(out, L.SNAPK_RECORDS, entries.length, numbers.length, now, reader, alive);
    return out;
  }
}

/** The nodes a `?node=` query names: "N" or "FIRST-LAST" (node -1 is the master). null: not one of these. */
export function parseNodeRange(text: string): { first: number; last: number } | null {
  const m = /^(-?\d{1,6})(?:-(-?\d{1,6}))?$/.exec(text);
  if (!m) return null;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  return last >= first ? { first, last } : null;
}

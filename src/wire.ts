// The encoders of the wire protocol (docs/protocol.md): sendstats' status datagrams and
// recvstats' requests. Every offset comes from the core's layout (W_*, WS_*); decoding is
// the core's (assembly/wire.ts). An update is filtered to the lines recvstats parses, split
// at line boundaries (cpuinfo at processor blocks, its global lines repeated in each chunk),
// and packed into datagrams of at most `mtu` bytes, counting the authentication tag.

import type { Core, KeptLines, Layout, SectionName } from "./wasm";
import { SECTION_NAMES } from "./wasm";

/** One round of a node's reports. */
export interface Update {
  node: number;
  hostname: string;
  instance: bigint;
  updateId: number;
  intervalMs: number;
  userHz: number;
  arch: number;
  /** the /proc files of this update, raw, with the time each was read */
  files: Partial<Record<Exclude<SectionName, "statfs">, { text: Uint8Array; sampleMs: number }>>;
  /** the root filesystem: size and bytes available to users */
  statfs?: { total: bigint; free: bigint; sampleMs: number };
}

export interface EncodedUpdate {
  datagrams: Buffer[];
  /** lines (or cpuinfo blocks) too large for one datagram, dropped */
  dropped: number;
  /** CPUs of stat, CPUs of cpuinfo and interfaces of net/dev, as the header states them */
  cpus: number;
  cis: number;
  ifaces: number;
}

interface Chunk {
  sec: number;
  flags: number;
  payload: Uint8Array;
  sampleMs: number;
}

/** The smallest --mtu that carries a header, one section header, a tag and a useful line. */
export const MIN_MTU = 512;

const utf8 = new TextEncoder();

/** The name as at most maxBytes of UTF-8, cut at a character boundary. */
export function utf8Prefix(name: string, maxBytes: number): Uint8Array {
  const b = utf8.encode(name);
  if (b.length <= maxBytes) return b;
  let n = maxBytes;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
  return b.subarray(0, n);
}

export class Encoder {
  private readonly L: Layout;
  /** payload bytes one section of one datagram may carry */
  readonly maxPayload: number;

  constructor(
    private readonly core: Core,
    readonly mtu: number,
  ) {
    this.L = core.layout;
    this.maxPayload = mtu - this.L.W_STATUS_LEN - this.L.WS_HEADER_LEN - this.L.W_TAG_LEN;
    if (mtu < MIN_MTU) throw new Error(`--mtu ${mtu} is below ${MIN_MTU}`);
  }

  /** The datagrams of update u; nextSeq gives each datagram its sequence number. */
  encode(u: Update, nextSeq: () => bigint): EncodedUpdate {
    const L = this.L;
    const chunks: Chunk[] = [];
    let dropped = 0;
    let cpus = 0;
    let cis = 0;
    let ifaces = 0;
    for (const section of SECTION_NAMES) {
      if (section === "statfs") continue;
      const file = u.files[section];
      if (!file) continue;
      const sec = SECTION_NAMES.indexOf(section);
      const kept = this.core.filter(section, file.text);
      const split = section === "cpuinfo" ? this.splitCpuinfo(kept) : this.splitLines(kept);
      dropped += split.dropped;
      if (section === "stat") cpus = split.entries;
      if (section === "cpuinfo") cis = split.entries;
      if (section === "net/dev") ifaces = split.entries;
      split.payloads.forEach((payload, i) => {
        const flags = (i === 0 ? L.WSF_FIRST : 0) | (i === split.payloads.length - 1 ? L.WSF_LAST : 0);
        chunks.push({ sec, flags, payload, sampleMs: file.sampleMs });
      });
    }
    if (u.statfs) {
      const payload = new Uint8Array(16);
      const dv = new DataView(payload.buffer);
      dv.setBigUint64(0, u.statfs.total, true);
      dv.setBigUint64(8, u.statfs.free, true);
      chunks.push({ sec: L.SEC_STATFS, flags: L.WSF_FIRST | L.WSF_LAST, payload, sampleMs: u.statfs.sampleMs });
    }

    // pack chunks in order, as many to a datagram as fit
    const room = this.mtu - L.W_STATUS_LEN - L.W_TAG_LEN;
    const groups: Chunk[][] = [];
    let used = room;
    for (const c of chunks) {
      const size = L.WS_HEADER_LEN + c.payload.length;
      if (used + size > room || groups[groups.length - 1].length === 255) {
        groups.push([]);
        used = 0;
      }
      groups[groups.length - 1].push(c);
      used += size;
    }
    if (groups.length > L.MAX_PARTS) throw new Error(`an update of ${groups.length} datagrams is over ${L.MAX_PARTS}`);
    let sections = 0;
    for (const c of chunks) sections |= 1 << c.sec;
    const name = utf8Prefix(u.hostname, L.NODE_NAME_LEN - 1);
    const datagrams = groups.map((group, part) => {
      const size = L.W_STATUS_LEN + group.reduce((n, c) => n + L.WS_HEADER_LEN + c.payload.length, 0);
      const b = Buffer.alloc(size);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.common(dv, L.WT_STATUS, L.W_STATUS_LEN, u.instance, nextSeq());
      dv.setInt32(L.W_NODE, u.node, true);
      dv.setUint32(L.W_UPDATE, u.updateId >>> 0, true);
      dv.setUint16(L.W_PART, part, true);
      dv.setUint16(L.W_PARTS, groups.length, true);
      dv.setUint16(L.W_UPDATE_SECTIONS, sections, true);
      dv.setUint16(L.W_USER_HZ, u.userHz, true);
      dv.setUint32(L.W_INTERVAL, u.intervalMs, true);
      dv.setUint32(L.W_CPUS, cpus, true);
      dv.setUint32(L.W_CIS, cis, true);
      dv.setUint32(L.W_IFACES, ifaces, true);
      dv.setFloat64(L.W_SEND_TIME, Date.now(), true);
      dv.setUint8(L.W_ARCH, u.arch);
      dv.setUint8(L.W_NSECTIONS, group.length);
      b.set(name, L.W_HOSTNAME);
      let p = L.W_STATUS_LEN;
      for (const c of group) {
        dv.setUint8(p + L.WS_SECTION, c.sec);
        dv.setUint8(p + L.WS_FLAGS, c.flags);
        dv.setUint16(p + L.WS_LENGTH, c.payload.length, true);
        dv.setFloat64(p + L.WS_TIME, c.sampleMs, true);
        b.set(c.payload, p + L.WS_HEADER_LEN);
        p += L.WS_HEADER_LEN + c.payload.length;
      }
      return b;
    });
    return { datagrams, dropped, cpus, cis, ifaces };
  }

  /** Writes the common header. */
  private common(dv: DataView, type: number, headerLen: number, instance: bigint, seq: bigint): void {
    const L = this.L;
    dv.setUint32(L.W_MAGIC, L.WIRE_MAGIC, true);
    dv.setUint8(L.W_VERSION, L.WIRE_VERSION);
    dv.setUint8(L.W_TYPE, type);
    dv.setUint16(L.W_HEADER_LEN, headerLen, true);
    dv.setBigUint64(L.W_INSTANCE, instance, true);
    dv.setBigUint64(L.W_SEQ, seq, true);
  }

  /**
   * Splits kept lines into payloads of at most maxPayload bytes: the LC_HEAD lines first (they
   * belong in the chunk that starts the file), then the entries. A line too large is dropped.
   */
  private splitLines(kept: KeptLines): { payloads: Uint8Array[]; dropped: number; entries: number } {
    const L = this.L;
    const head: Uint8Array[] = [];
    const entries: Uint8Array[] = [];
    let dropped = 0;
    for (let i = 0; i < kept.count; i++) {
      const line = kept.text.slice(i ? kept.ends[i - 1] : 0, kept.ends[i]);
      if (line.length > this.maxPayload) dropped++;
      else if (kept.classes[i] === L.LC_HEAD) head.push(line);
      else entries.push(line);
    }
    const payloads = pack([...head, ...entries], this.maxPayload);
    return { payloads, dropped, entries: entries.length };
  }

  /** Splits cpuinfo at processor blocks; its global lines start every chunk. */
  private splitCpuinfo(kept: KeptLines): { payloads: Uint8Array[]; dropped: number; entries: number } {
    const L = this.L;
    const globals: Uint8Array[] = [];
    const blocks: Uint8Array[][] = [];
    for (let i = 0; i < kept.count; i++) {
      const line = kept.text.slice(i ? kept.ends[i - 1] : 0, kept.ends[i]);
      const cls = kept.classes[i];
      if (cls === L.LC_GLOBAL) globals.push(line);
      else if (cls === L.LC_BLOCK || blocks.length === 0) blocks.push([line]);
      else blocks[blocks.length - 1].push(line);
    }
    let dropped = 0;
    let globalBytes = concat(globals);
    if (globalBytes.length > this.maxPayload / 2) {
      // global lines are repeated in every chunk: never let them crowd out the CPUs
      dropped += globals.length;
      globalBytes = new Uint8Array(0);
    }
    const budget = this.maxPayload - globalBytes.length;
    const units: Uint8Array[] = [];
    for (const block of blocks) {
      const b = concat(block);
      if (b.length > budget) dropped++;
      else units.push(b);
    }
    const payloads = pack(units, budget).map((p) => concat([globalBytes, p]));
    return { payloads, dropped, entries: units.length };
  }
}

/** Packs units in order into payloads of at most max bytes (at least one payload, maybe empty). */
function pack(units: Uint8Array[], max: number): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  let size = 0;
  for (const u of units) {
    if (size + u.length > max && current.length) {
      payloads.push(concat(current));
      current = [];
      size = 0;
    }
    current.push(u);
    size += u.length;
  }
  payloads.push(concat(current));
  return payloads;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface Request {
  instance: bigint;
  seq: bigint;
  /** all nodes, one node, or first..last */
  target: "all" | "one" | "range";
  first?: number;
  last?: number;
  /** for all nodes: how many the master knows (nodes spread their answers over count / 10,000 s) */
  count?: number;
  /** a full update (cpuinfo included) */
  full: boolean;
  /** a new reporting interval, ms (0: keep) */
  intervalMs?: number;
}

/** A request datagram. */
export function encodeRequest(L: Layout, r: Request): Buffer {
  const b = Buffer.alloc(L.W_REQUEST_LEN);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dv.setUint32(L.W_MAGIC, L.WIRE_MAGIC, true);
  dv.setUint8(L.W_VERSION, L.WIRE_VERSION);
  dv.setUint8(L.W_TYPE, L.WT_REQUEST);
  dv.setUint16(L.W_HEADER_LEN, L.W_REQUEST_LEN, true);
  dv.setBigUint64(L.W_INSTANCE, r.instance, true);
  dv.setBigUint64(L.W_SEQ, r.seq, true);
  dv.setUint8(L.W_TARGET, r.target === "all" ? L.WTG_ALL : r.target === "one" ? L.WTG_ONE : L.WTG_RANGE);
  dv.setUint8(L.W_REQ_FLAGS, r.full ? L.WRF_FULL : 0);
  dv.setInt32(L.W_FIRST, r.first ?? 0, true);
  dv.setInt32(L.W_LAST, r.target === "all" ? (r.count ?? 0) : (r.last ?? r.first ?? 0), true);
  dv.setUint32(L.W_NEW_INTERVAL, r.intervalMs ?? 0, true);
  dv.setFloat64(L.W_REQ_TIME, Date.now(), true);
  return b;
}

/** A new instance id: the start time in microseconds, so that a later start compares greater. */
export function newInstanceId(): bigint {
  return BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000));
}

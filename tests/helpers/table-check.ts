// What must hold of a node table whatever datagrams reached it, read from its bytes with the
// layout's offsets: the header's invariants (node count, no lock left odd), every record and
// extent inside the heap and owned by one node, free extents owned by none, the counters
// balanced; and, between two snapshots, that a datagram for one node wrote nothing outside
// that node's data and the header words a new record or extent changes.

import type { Layout } from "../../src/wasm";
import { namesOf } from "../../src/wasm";

/** A byte range [from, to) of the table and who it belongs to, for messages. */
export interface Region {
  from: number;
  to: number;
  owner: string;
}

export interface NodeLayout {
  node: number;
  record: number;
  /** per kind (CPUS, CIS, IFS): offset, capacity, count and entry size */
  extents: Array<{ kind: string; off: number; cap: number; count: number; size: number }>;
}

/** A copy of a table's bytes, with where each node's data lies in it. */
export interface TableSnapshot {
  bytes: Uint8Array;
  used: number;
  nodes: Map<number, NodeLayout>;
  counters: bigint[];
}

/** Things a reader of the table would trip over; empty when the table is sound. */
export type Violations = string[];

const EXT_KINDS = (L: Layout): Array<[string, number, number]> => [
  ["CPUS", L.NODE_CPUS, L.CPU_SIZE],
  ["CIS", L.NODE_CIS, L.CI_SIZE],
  ["IFS", L.NODE_IFS, L.IF_SIZE],
];

/** The table's bytes in use (table: a view from its start, as Core.tableBytes() gives), copied, and where its nodes lie. */
export function snapshot(L: Layout, table: Uint8Array): TableSnapshot {
  const bytes = Uint8Array.from(table);
  const dv = new DataView(bytes.buffer);
  const nodes = new Map<number, NodeLayout>();
  const maxNodes = dv.getUint32(L.TABLE_MAX_NODES, true);
  const dir = dv.getUint32(L.TABLE_DIR, true);
  for (let slot = 0; slot <= maxNodes && dir + 4 * slot + 4 <= bytes.length; slot++) {
    const record = dv.getUint32(dir + 4 * slot, true);
    if (!record || record + L.NODE_SIZE > bytes.length) continue;
    const extents = EXT_KINDS(L).map(([kind, ref, size]) => ({
      kind,
      off: dv.getUint32(record + ref + L.EXT_OFFSET, true),
      cap: dv.getUint32(record + ref + L.EXT_CAPACITY, true),
      count: dv.getUint32(record + ref + L.EXT_COUNT, true),
      size,
    }));
    nodes.set(slot - 1, { node: slot - 1, record, extents });
  }
  const counters: bigint[] = [];
  for (let c = 0; c < L.COUNTERS; c++) counters.push(dv.getBigUint64(L.TABLE_COUNTERS + 8 * c, true));
  return { bytes, used: dv.getUint32(L.TABLE_USED, true), nodes, counters };
}

/** The regions of node n's data: its record and each extent's whole capacity. */
function regionsOf(L: Layout, n: NodeLayout): Region[] {
  const out: Region[] = [{ from: n.record, to: n.record + L.NODE_SIZE, owner: `record of node ${n.node}` }];
  for (const e of n.extents) if (e.cap) out.push({ from: e.off, to: e.off + e.cap * e.size, owner: `${e.kind} extent of node ${n.node}` });
  return out;
}

/** Where the free lists' extents lie, each list followed with a step limit. */
function freeRegions(L: Layout, s: TableSnapshot, problems: Violations): Region[] {
  const dv = new DataView(s.bytes.buffer);
  const sizes = EXT_KINDS(L).map(([, , size]) => size);
  const heapStart = heapStartOf(L, dv);
  const out: Region[] = [];
  for (let type = 0; type < L.EXT_TYPES; type++) {
    for (let cls = 0; cls < L.EXT_CLASSES; cls++) {
      let off = dv.getUint32(L.TABLE_FREE + 4 * (type * L.EXT_CLASSES + cls), true);
      for (let steps = 0; off; steps++) {
        if (steps > s.used / 64 || off < heapStart || off % 64 || off + 8 > s.used) {
          problems.push(`free list ${type}/${cls} reaches ${off} (heap ${heapStart}..${s.used})`);
          break;
        }
        const cap = dv.getUint32(off + 4, true);
        if (cap < 4 << cls) problems.push(`free extent at ${off} of capacity ${cap} on the list of class ${cls} (>= ${4 << cls})`);
        out.push({ from: off, to: off + cap * sizes[type], owner: `free extent ${type}/${cls}` });
        off = dv.getUint32(off, true);
      }
    }
  }
  return out;
}

function heapStartOf(L: Layout, dv: DataView): number {
  const maxNodes = dv.getUint32(L.TABLE_MAX_NODES, true);
  return Math.ceil((L.TABLE_HEADER_BYTES + 4 * (maxNodes + 1)) / 64) * 64;
}

/** Limits a node's lists must keep (--max-cpus, --max-ifaces). */
export interface ListLimits {
  cpus: number;
  ifaces: number;
}

/** What invariants() checks beyond the table's own soundness (each may be relaxed while a known bug is open). */
export interface InvariantOptions {
  /** the lists' limits, or null not to check them */
  limits: ListLimits | null;
  /** every node's NODE_DOWN_AFTER was left to it (the host passed 0): at least 3 x 1 s */
  defaultDownAfter: boolean;
  /** a net rate present is a finite number, at least 0 */
  finiteRate: boolean;
  /** datagrams received that are neither accepted nor rejected: requests that passed the check (never applied) */
  unsettled: bigint;
}

/**
 * The invariants of a table snapshot: header constants, USED, the directory and node count,
 * records and extents inside the heap and disjoint, free extents disjoint from used ones,
 * no sequence lock left odd, parts of an update within bounds, and the counters balanced;
 * as opts asks, lists within limits, a finite rate, and a down-after of at least 3 s.
 */
export function invariants(L: Layout, s: TableSnapshot, opts: InvariantOptions): Violations {
  const problems: Violations = [];
  const dv = new DataView(s.bytes.buffer);
  const u32 = (at: number) => dv.getUint32(at, true);
  if (u32(L.TABLE_MAGIC_AT) !== L.TABLE_MAGIC || u32(L.TABLE_VERSION) !== L.LAYOUT_VERSION) problems.push("table magic or version changed");
  if (s.used % 64 || s.used > 1 << 30) problems.push(`TABLE_USED ${s.used} not 64-aligned or over 1 GiB`);
  if (u32(L.TABLE_SEQ) & 1) problems.push("TABLE_SEQ left odd");
  const heapStart = heapStartOf(L, dv);
  const maxNodes = u32(L.TABLE_MAX_NODES);
  let slots = 0;
  for (let slot = 0; slot <= maxNodes; slot++) if (u32(u32(L.TABLE_DIR) + 4 * slot)) slots++;
  if (slots !== u32(L.TABLE_NODE_COUNT)) problems.push(`TABLE_NODE_COUNT ${u32(L.TABLE_NODE_COUNT)} but ${slots} directory slots in use`);

  const used: Region[] = [];
  for (const n of s.nodes.values()) {
    const r = n.record;
    if (r < heapStart || r % 64 || r + L.NODE_SIZE > s.used) problems.push(`record of node ${n.node} at ${r} outside the heap`);
    if (dv.getInt32(r + L.NODE_NUMBER, true) !== n.node) problems.push(`slot of node ${n.node} holds node ${dv.getInt32(r + L.NODE_NUMBER, true)}`);
    if (!(u32(r + L.NODE_STATE) & L.NSTATE_IN_USE)) problems.push(`record of node ${n.node} not in use`);
    if (u32(r + L.NODE_SEQ) & 1) problems.push(`record of node ${n.node} left mid-write (odd NODE_SEQ)`);
    const parts = dv.getUint16(r + L.NODE_UPDATE_PARTS, true);
    const got = dv.getUint16(r + L.NODE_UPDATE_GOT, true);
    if (parts > L.MAX_PARTS || got > parts) problems.push(`node ${n.node}: ${got} of ${parts} parts`);
    for (const e of n.extents) {
      if (e.cap === 0 ? e.off !== 0 || e.count !== 0 : e.count > e.cap || e.off < heapStart || e.off % 64 || e.off + e.cap * e.size > s.used) {
        problems.push(`${e.kind} extent of node ${n.node} unsound: offset ${e.off}, capacity ${e.cap}, count ${e.count}`);
      }
      const limit = opts.limits && (e.kind === "IFS" ? opts.limits.ifaces : opts.limits.cpus);
      if (limit && e.count > limit) problems.push(`node ${n.node} lists ${e.count} ${e.kind}, over the limit of ${limit}`);
    }
    const present = dv.getBigUint64(r + L.NODE_PRESENT, true);
    const rate = dv.getFloat64(r + L.NODE_NET_RATE, true);
    if (opts.finiteRate && present & (1n << BigInt(L.F_NET_RATE)) && !(Number.isFinite(rate) && rate >= 0)) problems.push(`node ${n.node}: net rate ${rate}`);
    if (opts.defaultDownAfter && dv.getFloat64(r + L.NODE_TIME, true) > 0 && u32(r + L.NODE_DOWN_AFTER) < 3000) {
      problems.push(`node ${n.node}: down after ${u32(r + L.NODE_DOWN_AFTER)} ms, under 3 x 1 s (interval ${u32(r + L.NODE_INTERVAL_MS)})`);
    }
    used.push(...regionsOf(L, n));
  }
  const free = freeRegions(L, s, problems);
  const all = [...used, ...free].sort((a, b) => a.from - b.from);
  for (let i = 1; i < all.length; i++) {
    if (all[i].from < all[i - 1].to) problems.push(`${all[i - 1].owner} [${all[i - 1].from}, ${all[i - 1].to}) overlaps ${all[i].owner} at ${all[i].from}`);
  }

  // every datagram is received, then accepted or rejected for exactly one reason
  const received = s.counters[L.C_RECEIVED];
  let settled = s.counters[L.C_ACCEPTED] + opts.unsettled;
  for (const r of namesOf(L, "R_").keys()) settled += s.counters[L.C_REJECT + r];
  if (received !== settled) problems.push(`received ${received} but accepted + rejected = ${settled}`);
  return problems;
}

/**
 * The bytes that changed from before to after outside what a datagram for node target
 * (null: none) may write: the header's USED, NODE_COUNT, SEQ, free-list heads and counters,
 * the target's directory slot, record and extents (before and after), free extents (which
 * belong to no node; a list that grows twice in one datagram passes through one), and new heap.
 */
export function writesOutside(L: Layout, before: TableSnapshot, after: TableSnapshot, target: number | null): string[] {
  // a datagram that reached no node may change the counters only
  const allowed: Region[] = [{ from: L.TABLE_COUNTERS, to: L.TABLE_COUNTERS + 8 * L.COUNTERS, owner: "" }];
  if (target !== null) {
    allowed.push(
      { from: L.TABLE_USED, to: L.TABLE_USED + 4, owner: "" },
      { from: L.TABLE_NODE_COUNT, to: L.TABLE_NODE_COUNT + 4, owner: "" },
      { from: L.TABLE_SEQ, to: L.TABLE_SEQ + 4, owner: "" },
      { from: L.TABLE_FREE, to: L.TABLE_FREE + 4 * L.EXT_TYPES * L.EXT_CLASSES, owner: "" },
    );
    const dir = new DataView(before.bytes.buffer).getUint32(L.TABLE_DIR, true);
    allowed.push({ from: dir + 4 * (target + 1), to: dir + 4 * (target + 2), owner: "" });
    for (const s of [before, after]) {
      const n = s.nodes.get(target);
      if (n) allowed.push(...regionsOf(L, n));
      // a list that grew twice passed through an extent that is free again: no node's bytes
      allowed.push(...freeRegions(L, s, []));
    }
  }
  allowed.sort((a, b) => a.from - b.from);
  const owners = [...before.nodes.values()].flatMap((n) => regionsOf(L, n));
  const ownerAt = (at: number): string => {
    if (at < L.TABLE_HEADER_BYTES) return "the header";
    return owners.find((r) => at >= r.from && at < r.to)?.owner ?? "no node's bytes";
  };
  const found: string[] = [];
  const a = before.bytes;
  const b = after.bytes;
  const end = Math.min(before.used, b.length);
  const same = (from: number, to: number) => Buffer.from(a.buffer, from, to - from).equals(Buffer.from(b.buffer, b.byteOffset + from, to - from));
  const compare = (from: number, to: number) => {
    if (same(from, to)) return;
    for (let i = from; i < to && found.length < 5; i++) {
      if (a[i] === b[i]) continue;
      found.push(`byte ${i} (${ownerAt(i)}) changed ${a[i]} -> ${b[i]}`);
      while (i + 1 < to && a[i + 1] !== b[i + 1]) i++; // one message per run of changed bytes
    }
  };
  let at = 0;
  for (const r of allowed) {
    const to = Math.min(r.from, end);
    if (to > at) compare(at, to);
    at = Math.max(at, r.to);
  }
  if (at < end) compare(at, end);
  return found;
}

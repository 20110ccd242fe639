// Decoding what beostatus serves at /snapshot (docs/snapshot.md): the summaries of the
// overview and the full records of node pages. Every offset comes from the WASM core's
// exports (assembly/summary.ts), so this file runs unchanged in the browser, in the text
// view and in tests, and none of them can read a byte differently from the server.

import { NodeStatus, RecordReader } from "./record";
import type { Layout } from "./wasm";

/** One node of the overview, as decoded from its summary. Sizes are MiB; null: not reported. */
export interface Summary {
  node: number;
  name: string | null;
  up: boolean;
  /** adopted from an earlier collector and not heard from since */
  stale: boolean;
  /** whole-node busy share, 0..1 */
  cpu: number | null;
  /** CPUs in the node's stat */
  cpus: number;
  load: number | null;
  mem: { total: number; used: number } | null;
  swap: { total: number; used: number } | null;
  disk: { total: number; used: number } | null;
  /** bytes/s received plus sent */
  net: number | null;
  /** ms since the node's last datagram, when the snapshot was taken; null: never */
  ageMs: number | null;
}

/** The header of a snapshot answer. */
export interface SnapshotHeader {
  kind: number;
  count: number;
  /** nodes in the status file */
  total: number;
  /** epoch ms at which beostatus took it */
  time: number;
  /** the collector is alive (SNAPF_ALIVE) */
  alive: boolean;
  stopped: boolean;
}

export interface SummarySnapshot extends SnapshotHeader {
  nodes: Summary[];
}

export interface RecordEntry {
  summary: Summary;
  status: NodeStatus;
}

export interface RecordSnapshot extends SnapshotHeader {
  records: RecordEntry[];
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Reads and checks a snapshot's header; throws on another format or version. */
export function readHeader(L: Layout, bytes: Uint8Array): SnapshotHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < L.SNAP_HEADER_BYTES || dv.getUint32(L.SNAP_MAGIC_AT, true) !== L.SNAP_MAGIC) {
    throw new Error("not a beostatus snapshot");
  }
  const version = dv.getUint32(L.SNAP_VERSION, true);
  if (version !== L.SNAP_FORMAT_VERSION) throw new Error(`snapshot format ${version}, this page reads ${L.SNAP_FORMAT_VERSION}`);
  if (dv.getUint32(L.SNAP_SUM_SIZE, true) !== L.SUM_SIZE) throw new Error("snapshot summaries of another size");
  const flags = dv.getUint32(L.SNAP_FLAGS, true);
  return {
    kind: dv.getUint32(L.SNAP_KIND, true),
    count: dv.getUint32(L.SNAP_COUNT, true),
    total: dv.getUint32(L.SNAP_TOTAL, true),
    time: dv.getFloat64(L.SNAP_TIME, true),
    alive: (flags & L.SNAPF_ALIVE) !== 0,
    stopped: (flags & L.SNAPF_STOPPED) !== 0,
  };
}

/** The summary at byte at of dv (its name is the caller's). */
export function readSummary(L: Layout, dv: DataView, at: number, name: string | null = null): Summary {
  const flags = dv.getUint32(at + L.SUM_FLAGS, true);
  const has = (bit: number): boolean => (flags & bit) !== 0;
  const pair = (bit: number, total: number, used: number) =>
    has(bit) ? { total: dv.getUint32(at + total, true), used: dv.getUint32(at + used, true) } : null;
  const age = dv.getUint32(at + L.SUM_AGE, true);
  return {
    node: dv.getInt32(at + L.SUM_NODE, true),
    name,
    up: has(L.SUMF_UP),
    stale: has(L.SUMF_STALE),
    cpu: has(L.SUMF_CPU) ? dv.getUint16(at + L.SUM_CPU, true) / 10000 : null,
    cpus: dv.getUint16(at + L.SUM_CPUS, true),
    load: has(L.SUMF_LOAD) ? dv.getUint32(at + L.SUM_LOAD, true) / 100 : null,
    mem: pair(L.SUMF_MEM, L.SUM_MEM_TOTAL, L.SUM_MEM_USED),
    swap: pair(L.SUMF_SWAP, L.SUM_SWAP_TOTAL, L.SUM_SWAP_USED),
    disk: pair(L.SUMF_DISK, L.SUM_DISK_TOTAL, L.SUM_DISK_USED),
    net: has(L.SUMF_NET) ? dv.getFloat32(at + L.SUM_NET_RATE, true) : null,
    ageMs: age === L.AGE_NEVER ? null : age,
  };
}

/** Decodes a SNAPK_SUMMARY answer: every node's summary and name, in node order. */
export function decodeSummaries(L: Layout, bytes: Uint8Array): SummarySnapshot {
  const head = readHeader(L, bytes);
  if (head.kind !== L.SNAPK_SUMMARY) throw new Error(`snapshot of kind ${head.kind}, not summaries`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let names = dv.getUint32(L.SNAP_NAMES, true);
  if (L.SNAP_HEADER_BYTES + head.count * L.SUM_SIZE > names || names > bytes.length) throw new Error("snapshot cut short");
  const nodes: Summary[] = new Array(head.count);
  for (let i = 0; i < head.count; i++) {
    const len = bytes[names];
    if (len === undefined || names + 1 + len > bytes.length) throw new Error("snapshot names cut short");
    const name = len ? utf8.decode(bytes.subarray(names + 1, names + 1 + len)) : null;
    names += 1 + len;
    nodes[i] = readSummary(L, dv, L.SNAP_HEADER_BYTES + i * L.SUM_SIZE, name);
  }
  return { ...head, nodes };
}

/** Decodes a SNAPK_RECORDS answer: each node's summary and its record as `beostat --json` shows it. */
export function decodeRecords(L: Layout, bytes: Uint8Array): RecordSnapshot {
  const head = readHeader(L, bytes);
  if (head.kind !== L.SNAPK_RECORDS) throw new Error(`snapshot of kind ${head.kind}, not records`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layout = dv.getUint32(L.SNAP_LAYOUT, true);
  if (layout !== L.LAYOUT_VERSION) throw new Error(`records of layout ${layout}, this page reads ${L.LAYOUT_VERSION}`);
  const reader = new RecordReader(L, bytes);
  const records: RecordEntry[] = [];
  let at = L.SNAP_HEADER_BYTES;
  for (let i = 0; i < head.count; i++) {
    if (at + L.REC_HEADER_BYTES > bytes.length) throw new Error("snapshot cut short");
    const block = at + L.REC_HEADER_BYTES;
    const size = dv.getUint32(at + L.REC_BLOCK_BYTES, true);
    if (size < L.NODE_SIZE || block + size > bytes.length) throw new Error("snapshot record cut short");
    // the block is a table of one record that starts at the block: its extents count from there
    const status = reader.node(block, block);
    const summary = readSummary(L, dv, at, status.name);
    status.up = summary.up;
    records.push({ summary, status });
    at = block + size;
  }
  return { ...head, records };
}

// The packet inspector's decoding of one datagram, with the daemon's own WASM decoder:
// check() decides (the reason recvstats would count), locate() says at which byte, and an
// accepted status datagram is applied to a node of a scratch table and read back as
// `beostat --json` shows nodes. Header fields are listed by their W_* offsets from the core.
// Runs in the browser page and in node:test alike.

import { reasonWords } from "./errors";
import { NodeStatus, RecordReader } from "./record";
import { Core, Layout, SECTION_NAMES } from "./wasm";

/** One header field of a datagram as the inspector lists it. */
export interface InspectedField {
  name: string;
  offset: number;
  size: number;
  value: string;
}

export interface InspectedSection {
  offset: number;
  section: string;
  flags: string;
  length: number;
  /** the sample time, ISO 8601 */
  time: string;
  /** the payload: /proc text, or statfs' two numbers */
  text: string;
}

export interface Inspection {
  length: number;
  type: "status" | "request" | "unknown";
  /** 0 when the decoder accepts it, else R_* */
  reason: number;
  /** the reason in words, or "" */
  words: string;
  /** byte offset at fault (null when accepted) */
  at: number | null;
  fields: InspectedField[];
  sections: InspectedSection[];
  /** a status datagram accepted: its content as a node record shows it */
  status: NodeStatus | null;
  /** what else to say (no node number, the decoder and the locator disagree) */
  notes: string[];
}

type Kind = "u8" | "u16" | "u32" | "i32" | "u64" | "f64" | "magic" | "name";
const SIZES: Record<Kind, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, f64: 8, magic: 4, name: 0 };

/** Header fields by their W_* names, in offset order; the names are the layout's, the offsets the core's. */
const COMMON: Array<[string, string, Kind]> = [
  ["W_MAGIC", "magic", "magic"],
  ["W_VERSION", "version", "u8"],
  ["W_TYPE", "type", "u8"],
  ["W_FLAGS", "flags", "u16"],
  ["W_KEY_ID", "key id", "u16"],
  ["W_HEADER_LEN", "header length", "u16"],
  ["W_INSTANCE", "instance", "u64"],
  ["W_SEQ", "sequence", "u64"],
];
const STATUS: Array<[string, string, Kind]> = [
  ["W_NODE", "node", "i32"],
  ["W_UPDATE", "update", "u32"],
  ["W_PART", "part", "u16"],
  ["W_PARTS", "parts", "u16"],
  ["W_UPDATE_SECTIONS", "update sections", "u16"],
  ["W_USER_HZ", "USER_HZ", "u16"],
  ["W_INTERVAL", "interval ms", "u32"],
  ["W_CPUS", "stat CPUs", "u32"],
  ["W_CIS", "cpuinfo CPUs", "u32"],
  ["W_IFACES", "interfaces", "u32"],
  ["W_SEND_TIME", "send time", "f64"],
  ["W_ARCH", "architecture", "u8"],
  ["W_NSECTIONS", "sections", "u8"],
  ["W_HOSTNAME", "hostname", "name"],
];
const REQUEST: Array<[string, string, Kind]> = [
  ["W_TARGET", "target", "u8"],
  ["W_REQ_FLAGS", "request flags", "u8"],
  ["W_FIRST", "first node", "i32"],
  ["W_LAST", "last node", "i32"],
  ["W_NEW_INTERVAL", "new interval ms", "u32"],
  ["W_REQ_TIME", "send time", "f64"],
];

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: false });
const iso = (ms: number): string => (Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** The names of the bits set in v, bit i named names[i]; unnamed bits in hex. */
function bitNames(v: number, names: string[]): string {
  const set = names.filter((_, i) => v & (1 << i));
  const rest = v & ~((1 << names.length) - 1);
  if (rest) set.push(`0x${rest.toString(16)}`);
  return set.length ? set.join(" ") : "none";
}

/** The layout constant name with prefix whose value is v ("ARCH_X86_64" for 1), or the number. */
function constName(L: Layout, prefix: string, v: number): string {
  for (const [name, value] of Object.entries(L)) if (name.startsWith(prefix) && value === v) return `${v} (${name.slice(prefix.length).toLowerCase()})`;
  return String(v);
}

/** Decodes datagrams for the inspector; holds a scratch core whose nodes each take one datagram. */
export class Inspector {
  readonly L: Layout;
  private core: Core;
  private next = 0;
  private static readonly SLOTS = 4096;

  /** module: the compiled core (the page compiles it once); without it, the inlined build. */
  constructor(private readonly module?: WebAssembly.Module) {
    this.core = this.fresh();
    this.L = this.core.layout;
  }

  private fresh(): Core {
    return this.module ? new Core(Inspector.SLOTS, this.module) : new Core(Inspector.SLOTS);
  }

  /**
   * A node slot no datagram used before, so each datagram is applied to an empty record as
   * a first datagram is (a new core when the slots run out).
   */
  private slot(): number {
    if (this.next >= Inspector.SLOTS) {
      this.core = this.fresh();
      this.next = 0;
    }
    return this.next++;
  }

  /** Everything the inspector shows of one datagram. from: the sender's IPv4 address, when a capture gives it. */
  inspect(bytes: Uint8Array, from?: string): Inspection {
    const L = this.L;
    const core = this.core;
    const typeByte = bytes.length > L.W_TYPE ? bytes[L.W_TYPE] : -1;
    const want = typeByte === L.WT_REQUEST ? L.WT_REQUEST : L.WT_STATUS;
    const type = typeByte === L.WT_REQUEST ? "request" : typeByte === L.WT_STATUS ? "status" : "unknown";
    const notes: string[] = [];
    const reason = core.check(bytes, want);
    let at: number | null = null;
    let sections = 0;
    if (bytes.length > L.INPUT_CAPACITY) at = L.INPUT_CAPACITY;
    else {
      const where = core.locate(bytes, want);
      sections = where.sections;
      if (where.reason !== reason) notes.push(`the locator found ${where.reason}, the decoder ${reason}: offset unknown`);
      else if (reason) at = where.at;
    }
    const fields = this.fields(bytes, type === "request" ? REQUEST : type === "status" ? STATUS : []);
    const out: Inspection = {
      length: bytes.length,
      type,
      reason,
      words: reason ? reasonWords(reason, L) : "",
      at,
      fields,
      sections: type === "status" ? this.sections(bytes, reason ? sections : bytes[L.W_NSECTIONS]) : [],
      status: null,
      notes,
    };
    if (reason === 0 && type === "status") out.status = this.apply(bytes, from, notes);
    return out;
  }

  /** The header fields that lie wholly inside the datagram. */
  private fields(b: Uint8Array, specific: Array<[string, string, Kind]>): InspectedField[] {
    const L = this.L;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: InspectedField[] = [];
    for (const [constant, name, kind] of [...COMMON, ...specific]) {
      const offset = L[constant];
      const size = kind === "name" ? L.NODE_NAME_LEN : SIZES[kind];
      if (offset + size > b.length) break;
      let value: string;
      switch (kind) {
        case "magic":
          value = `"${latin1.decode(b.subarray(offset, offset + 4)).replace(/[^\x20-\x7e]/g, ".")}"`;
          break;
        case "u8":
          value = String(b[offset]);
          break;
        case "u16":
          value = String(dv.getUint16(offset, true));
          break;
        case "u32":
          value = String(dv.getUint32(offset, true));
          break;
        case "i32":
          value = String(dv.getInt32(offset, true));
          break;
        case "u64":
          value = dv.getBigUint64(offset, true).toString();
          break;
        case "f64":
          value = iso(dv.getFloat64(offset, true));
          break;
        case "name": {
          const raw = b.subarray(offset, offset + size);
          const end = raw.indexOf(0);
          value = JSON.stringify(utf8.decode(raw.subarray(0, end < 0 ? size : end)));
          break;
        }
      }
      if (constant === "W_TYPE") value = constName(L, "WT_", Number(value));
      if (constant === "W_ARCH") value = constName(L, "ARCH_", Number(value));
      if (constant === "W_NODE" && Number(value) === (L.NODE_UNSET | 0)) value += " (not set)";
      if (constant === "W_UPDATE_SECTIONS") value = bitNames(Number(value), [...SECTION_NAMES]);
      if (constant === "W_FLAGS") value = bitNames(Number(value), ["auth"]);
      out.push({ name, offset, size, value });
    }
    return out;
  }

  /** The first count sections of a status datagram (the ones its walk found whole). */
  private sections(b: Uint8Array, count: number): InspectedSection[] {
    const L = this.L;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const out: InspectedSection[] = [];
    let p = L.W_STATUS_LEN;
    for (let i = 0; i < count && p + L.WS_HEADER_LEN <= b.length; i++) {
      const sec = b[p + L.WS_SECTION];
      const len = dv.getUint16(p + L.WS_LENGTH, true);
      const start = p + L.WS_HEADER_LEN;
      if (start + len > b.length) break;
      const payload = b.subarray(start, start + len);
      const flags = b[p + L.WS_FLAGS];
      out.push({
        offset: p,
        section: SECTION_NAMES[sec] ?? `section ${sec}`,
        flags: bitNames(flags, ["first", "last"]),
        length: len,
        time: iso(dv.getFloat64(p + L.WS_TIME, true)),
        text:
          sec === L.SEC_STATFS && len === 16
            ? `total ${dv.getBigUint64(start, true)} bytes, free ${dv.getBigUint64(start + 8, true)} bytes`
            : latin1.decode(payload),
      });
      p = start + len;
    }
    return out;
  }

  /** Applies an accepted status datagram to a fresh node and reads it back (node: the datagram's own number). */
  private apply(bytes: Uint8Array, from: string | undefined, notes: string[]): NodeStatus | null {
    const L = this.L;
    const core = this.core;
    const slot = this.slot();
    const wireNode = core.datagramNode();
    if (wireNode === (L.NODE_UNSET | 0)) notes.push("no node number: recvstats places such a node by its address (--iprange)");
    const addr = new Uint8Array(16);
    addr[10] = addr[11] = 0xff;
    const quad = from ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)/.exec(from) : null;
    if (quad) for (let i = 0; i < 4; i++) addr[12 + i] = Number(quad[i + 1]);
    // check() just above left this datagram in the input: apply it to the fresh slot
    const applied = core.apply(slot, addr, Date.now(), 0);
    if (applied !== 0) {
      notes.push(`applying it: ${reasonWords(applied, L)}`);
      return null;
    }
    const reader = new RecordReader(L, core.memory());
    const table = core.tableBase();
    const status = reader.node(table, table + core.tableRecord(slot));
    status.node = wireNode;
    status.up = null;
    if (!quad) status.addr = null;
    return status;
  }
}

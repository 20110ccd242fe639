// Reference reading of /proc/cpuinfo for the differential and golden tests: what
// assembly/proc/cpuinfo.ts must produce (its header table is the specification), written
// as a walk over split lines with explicit per-CPU records instead of spans and spare bits.
// "key : value" lines; a CPU starts at "processor" (or "cpu number" where no "processor"
// lists the CPUs); keys outside a CPU's block are global and fill in what CPUs lack.

import type { CpuinfoCpu } from "../../src/record";
import type { KnownCoreBug } from "./index";
import { L, Outcome, U32_MAX, isBlank, leadingFixed, splitLines, utf8Name, trimEnd, trimStart, wholeU64 } from "./text";

type Kind = "processor" | "cpu number" | "count" | "mhz" | "cache" | { modelRank: number };

/** The keys read, matched exactly from the line start to the first colon, trailing blanks dropped. */
const KEYS = new Map<string, Kind>([
  ["processor", "processor"],
  ["cpu number", "cpu number"], // s390x; ia64 prints it too, inside "processor" blocks
  ["# processors", "count"], // s390x
  ["cpus detected", "count"], // Alpha
  ["cpu MHz", "mhz"],
  ["CPU MHz", "mhz"], // LoongArch
  ["cpu MHz dynamic", "mhz"], // s390x
  ["clock", "mhz"], // ppc, "3000.000000MHz"
  ["cache size", "cache"],
  // model keys: the lowest rank given wins
  ["model name", { modelRank: 1 }],
  ["Model Name", { modelRank: 1 }], // LoongArch
  ["cpu model", { modelRank: 2 }], // MIPS, Alpha
  ["Processor", { modelRank: 3 }], // ARM legacy, printed once
  ["cpu", { modelRank: 4 }], // ppc
  ["family", { modelRank: 5 }], // old ia64
  ["isa", { modelRank: 6 }], // RISC-V
  ["vendor_id", { modelRank: 7 }], // s390x
  ["CPU part", { modelRank: 8 }], // arm64 without "model name"
]);

interface Model {
  rank: number;
  /** the value's bytes (latin1 string) */
  raw: string;
}

/** One "given / garbled / absent" field. A later good report of the field in the same block does not clear an earlier garbled one, and "given" wins over "garbled". */
interface Field {
  value: number | null;
  garbled: boolean;
}
const absent = (): Field => ({ value: null, garbled: false });

interface Cpu {
  index: Field;
  kHz: Field;
  cacheKb: Field;
  own: Model | null;
  /** the slot of the model the CPU shows, once interned; MODEL_OTHER when the slots were full */
  slot: number | null;
}
const newCpu = (): Cpu => ({ index: absent(), kHz: absent(), cacheKb: absent(), own: null, slot: null });

export interface CpuinfoResult {
  cpu_count: number | null;
  MHz: number | null;
  cpuinfo: CpuinfoCpu[];
  failed: string[];
  outcome: Outcome;
}

/** A MHz value ("2200.072", "3000.000000MHz") in kHz, or its S_* error. */
function kHzOf(value: string): { kHz: number; error: number } {
  const n = leadingFixed(value, 3);
  let error = n.error;
  if (!error) {
    const rest = value.slice(n.length);
    if (rest !== "" && rest !== "MHz") error = L.S_BAD_FIELD;
    else if (n.value > U32_MAX) error = L.S_OVERFLOW;
  }
  return { kHz: Number(n.value), error };
}

/** A cache size ("512 KB", a fraction is dropped) in KiB, or its S_* error. */
function cacheKbOf(value: string): { kb: number; error: number } {
  const n = leadingFixed(value, 0);
  let error = n.error;
  if (!error && trimStart(value.slice(n.length)) !== "KB") error = L.S_BAD_FIELD;
  if (!error && n.value > U32_MAX) error = L.S_OVERFLOW;
  return { kb: Number(n.value), error };
}

/**
 * The node's model slots: up to MODEL_SLOTS distinct names (a model with a NUL byte is
 * garbled, never a name), each kept NUL-padded in MODEL_LEN bytes, so cut to MODEL_LEN-1
 * bytes, never inside a UTF-8 character. A fifth distinct name gets MODEL_OTHER.
 */
class ModelSlots {
  readonly names: string[] = [];

  intern(raw: string): number {
    let name = raw;
    if (name.length > L.MODEL_LEN - 1) {
      let n = L.MODEL_LEN - 1;
      while (n > 0 && (name.charCodeAt(n) & 0xc0) === 0x80) n--; // name[n] continues a character cut at n
      // a name with no character boundary to cut at (not UTF-8) is cut at the byte limit: never to nothing
      name = name.slice(0, n > 0 ? n : L.MODEL_LEN - 1);
    }
    const found = this.names.indexOf(name);
    if (found >= 0) return found;
    if (this.names.length < L.MODEL_SLOTS) return this.names.push(name) - 1;
    return L.MODEL_OTHER;
  }
}

/** Reads cpuinfo text (latin1 string of the file's bytes), as documented, or with the known core bugs asCoreToday. */
export function parseCpuinfo(text: string, asCoreToday: ReadonlySet<KnownCoreBug>): CpuinfoResult {
  const outcome = new Outcome();
  const models = new ModelSlots();
  const cpus: Cpu[] = [];
  let cur: Cpu | null = null; // the CPU whose block we are in
  let sawProcessor = false;
  let skipping = false; // in the block of a CPU beyond MAX_CPUS
  let limited = false;
  let found = false;
  let count: { value: number | null; garbled: boolean } | null = null; // "# processors", "cpus detected"
  let globalModel: Model | null = null;
  let globalKHz: Field | null = null;

  const { lines, cutAt } = splitLines(text);
  for (const line of lines) {
    const colon = line.text.indexOf(":");
    if (colon < 0) {
      if (isBlank(line.text)) {
        cur = null; // a blank line ends a CPU's block
        skipping = false;
      }
      continue;
    }
    const kind = KEYS.get(trimEnd(line.text.slice(0, colon)));
    if (kind === undefined) continue;
    found = true;
    const afterColon = line.text.slice(colon + 1);
    const value = trimEnd(trimStart(afterColon));
    const valueAt = line.at + colon + 1 + (afterColon.length - trimStart(afterColon).length);

    if (kind === "processor" || (kind === "cpu number" && !sawProcessor)) {
      if (kind === "processor") sawProcessor = true;
      cur = null;
      skipping = cpus.length === L.MAX_CPUS;
      if (skipping) {
        if (!limited) outcome.fail(line.at, L.S_LIMIT);
        limited = true;
        continue;
      }
      const cpu: Cpu = newCpu();
      cpus.push(cpu);
      cur = cpu;
      const n = wholeU64(value);
      const error = n.error || (n.value > U32_MAX ? L.S_OVERFLOW : 0);
      if (error) {
        outcome.fail(valueAt, error);
        cpu.index.garbled = true;
      } else cpu.index.value = Number(n.value);
    } else if (kind === "cpu number" || skipping) {
      // ia64's per-CPU "cpu number" once "processor" numbers the CPUs, or a CPU beyond MAX_CPUS
    } else if (kind === "count") {
      const n = wholeU64(value);
      if (n.error) {
        outcome.fail(valueAt, n.error);
        count = { value: null, garbled: true };
      } else if (n.value > BigInt(L.MAX_CPUS)) {
        // more CPUs than a record holds: the first MAX_CPUS, as with listed CPUs
        outcome.fail(valueAt, L.S_LIMIT);
        count = { value: L.MAX_CPUS, garbled: false };
      } else count = { value: Number(n.value), garbled: false };
    } else if (kind === "mhz") {
      const { kHz, error } = kHzOf(value);
      if (error) outcome.fail(valueAt, error);
      if (cur) {
        if (error) cur.kHz.garbled = true;
        else cur.kHz.value = kHz;
      } else globalKHz = error ? { value: null, garbled: true } : { value: kHz, garbled: false };
    } else if (kind === "cache") {
      if (!cur) continue; // a global cache size applies to nothing
      const { kb, error } = cacheKbOf(value);
      if (error) {
        outcome.fail(valueAt, error);
        cur.cacheKb.garbled = true;
      } else cur.cacheKb.value = kb;
    } else if (value.includes("\0")) {
      outcome.fail(valueAt, L.S_BAD_FIELD); // NUL inside a value: a garbled model, which gives no name
    } else if (value !== "") {
      const model = { rank: kind.modelRank, raw: value };
      if (cur) {
        if (!cur.own || model.rank < cur.own.rank) cur.own = model;
      } else if (!globalModel || model.rank < globalModel.rank) globalModel = model;
    }
  }
  if (cutAt !== null) outcome.fail(cutAt, L.S_TRUNCATED);

  // CPUs counted but not listed (old s390x, Alpha), or one CPU described but not numbered
  if (cpus.length === 0) {
    let synthesized = 0;
    if (count && !count.garbled) synthesized = count.value!;
    else if (!count && (globalModel || globalKHz)) synthesized = 1;
    for (let i = 0; i < synthesized; i++) cpus.push({ ...newCpu(), index: { value: i, garbled: false } });
  }
  // each CPU shows its own model unless a better-ranked global one wins; only a model some
  // CPU shows takes a slot, in CPU order. The global MHz goes to the CPUs without their own.
  for (const cpu of cpus) {
    const shown = globalModel && (!cpu.own || globalModel.rank < cpu.own.rank) ? globalModel : cpu.own;
    if (shown) cpu.slot = models.intern(shown.raw);
    if (globalKHz && cpu.kHz.value === null && !cpu.kHz.garbled) cpu.kHz = { ...globalKHz };
  }
  if (!found) outcome.fail(0, L.S_EMPTY);

  const failed: string[] = [];
  let cpuCount: number | null = null;
  let MHz: number | null = null;
  if (cpus.length > 0) {
    cpuCount = cpus.length;
    if (cpus[0].kHz.value !== null) MHz = cpus[0].kHz.value / 1000;
    else if (cpus[0].kHz.garbled) failed.push("MHz");
  } else if (count && count.garbled) failed.push("cpu_count");

  const list: CpuinfoCpu[] = cpus.map((cpu, i) => {
    const show = (f: Field, path: string): number | null => {
      if (f.value === null && f.garbled) failed.push(`cpuinfo[${i}].${path}`);
      return f.value;
    };
    return {
      cpu: show(cpu.index, "cpu"),
      model: cpu.slot !== null && cpu.slot < L.MODEL_SLOTS ? utf8Name(models.names[cpu.slot]) : null,
      MHz: (() => {
        const kHz = show(cpu.kHz, "MHz");
        return kHz === null ? null : kHz / 1000;
      })(),
      cache_kb: show(cpu.cacheKb, "cache_kb"),
    };
  });
  return { cpu_count: cpuCount, MHz, cpuinfo: list, failed, outcome };
}

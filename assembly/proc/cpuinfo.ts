// Parser of /proc/cpuinfo for every layout Linux prints, decided by the content alone:
//
// | layout                    | a CPU starts at       | model (best first)       | MHz               |
// |---------------------------|-----------------------|--------------------------|-------------------|
// | x86, ia64, arm64/ARMv7    | processor : N         | model name               | cpu MHz           |
// | LoongArch                 | processor : N         | Model Name               | CPU MHz           |
// | MIPS, Alpha               | processor : N         | cpu model                | cpu MHz           |
// | ARM legacy                | processor : N         | Processor (global)       | -                 |
// | ppc                       | processor : N         | cpu                      | clock (…MHz)      |
// | ia64 (old)                | processor : N         | family                   | cpu MHz           |
// | RISC-V                    | processor : N         | isa                      | -                 |
// | s390x                     | cpu number : N        | vendor_id (global)       | cpu MHz dynamic   |
// | arm64 without model name  | processor : N         | CPU part                 | -                 |
//
// Keys before the first CPU, or after a blank line that ends a CPU's block, are global and
// apply to every CPU that lacks its own (a better-ranked global model wins over a CPU's own:
// old ARM kernels print "Processor" once and "CPU part" after the last CPU). Files that
// count CPUs without listing them ("# processors" on s390x, "cpus detected" on Alpha) get
// that many CPUs numbered from 0; a file that describes one CPU without numbering it (a
// uniprocessor PowerMac, ARMv6) gets one. MHz is never taken from BogoMIPS.

import {
  CIF_CACHE, CIF_INDEX, CIF_MHZ, CIF_MODEL, CI_CACHE_KB, CI_FAILED, CI_INDEX, CI_MARK, CI_MHZ, CI_MODEL, CI_PRESENT, CI_SIZE, EXT_COUNT, F_CPU_COUNT, F_MHZ, F_SECTION, MAX_CPUS, MODEL_LEN, MODEL_NONE, MODEL_OTHER, MODEL_SLOTS, NODE_CIS, NODE_CPU_COUNT, NODE_MHZ, NODE_MODELS, NODE_STATE, NSTATE_CIS_CUT, PR_CIS, SECMASK_CPUINFO, SEC_CPUINFO,
} from "../layout";
import { clearFields, setFailed, setPresent } from "../fields";
import { cpuLimit } from "../limits";
import {
  beginParse, fail, findColon, keyEq, lineEnd, numEnd, numError, parseStatus, readFixed, skipSpace, tokenU64, trimEnd,
} from "../scan";
import { S_BAD_FIELD, S_EMPTY, S_LIMIT, S_OVERFLOW, S_TRUNCATED } from "../status";

// What a key means. Model keys carry their rank: a lower number wins.
export const K_NONE: i32 = 0;
export const K_PROCESSOR: i32 = 1; // "processor": starts a CPU
export const K_CPU_NUMBER: i32 = 2; // "cpu number": starts a CPU where no "processor" does (s390x)
const K_COUNT: i32 = 3; // "# processors", "cpus detected": a CPU count without a list
const K_MHZ: i32 = 4; // "cpu MHz", "CPU MHz", "cpu MHz dynamic", "clock"
const K_CACHE: i32 = 5; // "cache size"
const K_MODEL: i32 = 16; // K_MODEL + rank
const RANK_NONE: u32 = 255;

/** What the key [p, p+n) of a cpuinfo line means (K_*); also used by the line filter. */
export function cpuinfoKey(p: usize, n: usize): i32 {
  switch (<i32>n) {
    case 3:
      if (keyEq(p, n, "cpu")) return K_MODEL + 4; // ppc
      if (keyEq(p, n, "isa")) return K_MODEL + 6; // RISC-V (MIPS prints it too, with "cpu model")
      break;
    case 5:
      if (keyEq(p, n, "clock")) return K_MHZ; // ppc, "3000.000000MHz"
      break;
    case 6:
      if (keyEq(p, n, "family")) return K_MODEL + 5; // ia64 before "model name"
      break;
    case 7:
      if (keyEq(p, n, "cpu MHz")) return K_MHZ;
      if (keyEq(p, n, "CPU MHz")) return K_MHZ; // LoongArch
      break;
    case 8:
      if (keyEq(p, n, "CPU part")) return K_MODEL + 8; // arm64 without "model name"
      break;
    case 9:
      if (keyEq(p, n, "processor")) return K_PROCESSOR;
      if (keyEq(p, n, "cpu model")) return K_MODEL + 2; // MIPS, Alpha
      if (keyEq(p, n, "vendor_id")) return K_MODEL + 7; // s390x (x86 prints it too, with "model name")
      if (keyEq(p, n, "Processor")) return K_MODEL + 3; // ARM legacy, printed once
      break;
    case 10:
      if (keyEq(p, n, "model name")) return K_MODEL + 1;
      if (keyEq(p, n, "Model Name")) return K_MODEL + 1; // LoongArch
      if (keyEq(p, n, "cpu number")) return K_CPU_NUMBER;
      if (keyEq(p, n, "cache size")) return K_CACHE;
      break;
    case 12:
      if (keyEq(p, n, "# processors")) return K_COUNT; // s390x
      break;
    case 13:
      if (keyEq(p, n, "cpus detected")) return K_COUNT; // Alpha
      break;
    case 15:
      if (keyEq(p, n, "cpu MHz dynamic")) return K_MHZ; // s390x
      break;
  }
  return K_NONE;
}

/**
 * The model slot of the name [p, p+n) in record rec: an existing slot with the same name,
 * else the first free one, else MODEL_OTHER. Names longer than MODEL_LEN-1 bytes are cut
 * at a UTF-8 character boundary; one that has no boundary there (no valid UTF-8) is cut at
 * MODEL_LEN-1 bytes, so a stored name is never empty (an empty slot is a free one).
 */
function internModel(rec: usize, p: usize, n: usize): u32 {
  if (n > MODEL_LEN - 1) {
    let cut = MODEL_LEN - 1;
    while (cut > 0 && (load<u8>(p + cut) & 0xc0) == 0x80) cut--; // do not split a character
    n = cut > 0 ? cut : MODEL_LEN - 1;
  }
  for (let s: u32 = 0; s < MODEL_SLOTS; s++) {
    let slot = rec + NODE_MODELS + <usize>s * MODEL_LEN;
    if (load<u8>(slot) == 0) {
      memory.copy(slot, p, n);
      return s;
    }
    if (load<u8>(slot + n) == 0 && memory.compare(slot, p, n) == 0) return s;
  }
  return MODEL_OTHER;
}

// The parse in progress. Strings are kept as spans of the input until a CPU's block ends,
// so that a better-ranked key later in the block replaces a worse one without copying.
let cur: usize = 0; // entry being filled, 0 outside a CPU's block
let curModelP: usize = 0;
let curModelN: usize = 0;
let curModelRank: u32 = RANK_NONE;
let globalModelP: usize = 0;
let globalModelN: usize = 0;
let globalModelRank: u32 = RANK_NONE;
let globalMhz: u32 = 0;
let globalMhzState: u32 = 0; // 0 absent, CIF_MHZ present, CIF_MHZ << 8 failed

// Until the file ends, a CPU's own model candidate is kept in its entry's spare bytes: the
// rank at byte 15, the span's offset in the input at CI_MARK (set for real at commit) and
// its length at byte 20 (reserved). Only then is it known whether a better global model
// wins, and only the model chosen takes a slot.
const SCRATCH_RANK: u32 = 15;
const SCRATCH_LEN: u32 = 20;

/** Ends the block of the current CPU, keeping its own model candidate for the end of the file. */
function closeCpu(): void {
  if (cur == 0) return;
  store<u8>(cur + SCRATCH_RANK, <u8>curModelRank);
  store<u32>(cur + CI_MARK, curModelRank != RANK_NONE ? <u32>(curModelP - inputBase) : 0);
  store<u32>(cur + SCRATCH_LEN, curModelRank != RANK_NONE ? <u32>curModelN : 0);
  cur = 0;
  curModelRank = RANK_NONE;
}
let inputBase: usize = 0;

/** Whether [p, e) holds a NUL byte (a garbled string value). */
function hasNul(p: usize, e: usize): bool {
  while (p < e) if (load<u8>(p++) == 0) return true;
  return false;
}

/** A value in MHz ("2200.072", "3000.000000MHz"), kept in kHz; returns S_* bits of a bad one. */
function mhzValue(p: usize, e: usize): u32 {
  let v = readFixed(p, e, 3);
  let err = numError;
  let q = numEnd;
  if (!err) {
    if (q + 3 <= e && keyEq(q, 3, "MHz")) q += 3;
    if (q != e) err = S_BAD_FIELD;
    else if (v > 0xffffffff) err = S_OVERFLOW;
  }
  mhzKhz = <u32>v;
  return err;
}
let mhzKhz: u32 = 0;

/**
 * Parses the len bytes of /proc/cpuinfo at ptr into the CPU count, first CPU's MHz, model
 * slots and per-CPU cpuinfo list of parse record rec (replacing them). Returns S_* bits; the
 * first failure's offset is in parseFailAt.
 */
export function parseCpuinfo(rec: usize, ptr: usize, len: usize): u32 {
  beginParse(ptr);
  clearFields(rec, SECMASK_CPUINFO);
  setPresent(rec, F_SECTION + SEC_CPUINFO);
  store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) & ~NSTATE_CIS_CUT);
  memory.fill(rec + NODE_MODELS, 0, MODEL_SLOTS * MODEL_LEN);
  store<u32>(rec + NODE_CPU_COUNT, 0);
  store<u32>(rec + NODE_MHZ, 0);
  cur = 0;
  inputBase = ptr;
  curModelRank = RANK_NONE;
  globalModelRank = RANK_NONE;
  globalMhzState = 0;
  let n: u32 = 0;
  let sawProcessor = false;
  let cut = false; // more CPUs than the limit: the rest are skipped
  let skipping = false; // inside the block of a CPU beyond the limit
  let found = false;
  let count: u64 = 0;
  let countState: u32 = 0; // 0 absent, 1 given, 2 failed
  let end = ptr + len;
  let p = ptr;
  while (p < end) {
    let eol = lineEnd(p, end);
    if (eol == end) {
      fail(p, S_TRUNCATED);
      break;
    }
    let colon = findColon(p, eol);
    if (colon == eol) {
      if (skipSpace(p, eol) == eol) {
        closeCpu(); // a blank line ends a CPU's block
        skipping = false;
      }
      p = eol + 1;
      continue;
    }
    let k = cpuinfoKey(p, trimEnd(p, colon) - p);
    if (k == K_NONE) {
      p = eol + 1;
      continue;
    }
    found = true;
    let v = skipSpace(colon + 1, eol);
    let ve = trimEnd(v, eol);
    if (k == K_PROCESSOR || (k == K_CPU_NUMBER && !sawProcessor)) {
      // once "processor" lists the CPUs, "cpu number" lines (ia64 prints them too) are details
      if (k == K_PROCESSOR) sawProcessor = true;
      closeCpu();
      skipping = n == cpuLimit;
      if (skipping) {
        if (!cut) fail(p, S_LIMIT);
        cut = true;
        store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) | NSTATE_CIS_CUT);
      } else {
        cur = rec + PR_CIS + <usize>n * CI_SIZE;
        n++;
        memory.fill(cur, 0, CI_SIZE);
        store<u8>(cur + CI_MODEL, <u8>MODEL_NONE);
        let index = tokenU64(v, ve);
        if (numError || index > 0xffffffff) {
          fail(v, numError ? numError : S_OVERFLOW);
          store<u8>(cur + CI_FAILED, <u8>CIF_INDEX);
        } else {
          store<u32>(cur + CI_INDEX, <u32>index);
          store<u8>(cur + CI_PRESENT, <u8>CIF_INDEX);
        }
      }
    } else if (k == K_CPU_NUMBER || skipping) {
      // ia64's per-CPU "cpu number", or a key of a CPU beyond the limit
    } else if (k == K_COUNT) {
      count = tokenU64(v, ve);
      if (numError) {
        fail(v, numError);
        countState = 2;
      } else {
        countState = 1;
        if (count > cpuLimit) {
          // as with listed CPUs: the first cpuLimit, flagged
          fail(v, S_LIMIT);
          count = cpuLimit;
          store<u32>(rec + NODE_STATE, load<u32>(rec + NODE_STATE) | NSTATE_CIS_CUT);
        }
      }
    } else if (k == K_MHZ) {
      let err = mhzValue(v, ve);
      if (err) fail(v, err);
      if (cur != 0) {
        if (err) store<u8>(cur + CI_FAILED, load<u8>(cur + CI_FAILED) | <u8>CIF_MHZ);
        else {
          store<u32>(cur + CI_MHZ, mhzKhz);
          store<u8>(cur + CI_PRESENT, load<u8>(cur + CI_PRESENT) | <u8>CIF_MHZ);
        }
      } else if (err) globalMhzState = CIF_MHZ << 8;
      else {
        globalMhz = mhzKhz;
        globalMhzState = CIF_MHZ;
      }
    } else if (k == K_CACHE) {
      if (cur != 0) {
        // "512 KB"
        let kb = readFixed(v, ve, 0);
        let err = numError;
        let q = skipSpace(numEnd, ve);
        if (!err && !(ve - q == 2 && keyEq(q, 2, "KB"))) err = S_BAD_FIELD;
        if (!err && kb > 0xffffffff) err = S_OVERFLOW;
        if (err) {
          fail(v, err);
          store<u8>(cur + CI_FAILED, load<u8>(cur + CI_FAILED) | <u8>CIF_CACHE);
        } else {
          store<u32>(cur + CI_CACHE_KB, <u32>kb);
          store<u8>(cur + CI_PRESENT, load<u8>(cur + CI_PRESENT) | <u8>CIF_CACHE);
        }
      }
    } else if (ve > v && hasNul(v, ve)) {
      fail(v, S_BAD_FIELD); // a model name with a NUL byte is garbled, not a name
      if (cur != 0) store<u8>(cur + CI_FAILED, load<u8>(cur + CI_FAILED) | <u8>CIF_MODEL);
    } else if (ve > v) {
      // a model key with a non-empty value
      let rank = <u32>(k - K_MODEL);
      if (cur != 0) {
        if (rank < curModelRank) {
          curModelRank = rank;
          curModelP = v;
          curModelN = ve - v;
        }
      } else if (rank < globalModelRank) {
        globalModelRank = rank;
        globalModelP = v;
        globalModelN = ve - v;
      }
    }
    p = eol + 1;
  }
  closeCpu();

  // CPUs counted but not listed (old s390x, Alpha), or one CPU described but not numbered
  let synth: u64 = 0;
  if (n == 0) {
    if (countState == 1) synth = count;
    else if (countState == 0 && (globalModelRank != RANK_NONE || globalMhzState != 0)) synth = 1;
  }
  for (let i: u32 = 0; i < <u32>synth; i++) {
    let e = rec + PR_CIS + <usize>i * CI_SIZE;
    memory.fill(e, 0, CI_SIZE);
    store<u32>(e + CI_INDEX, i);
    store<u8>(e + CI_PRESENT, <u8>CIF_INDEX);
    store<u8>(e + CI_MODEL, <u8>MODEL_NONE);
    store<u8>(e + SCRATCH_RANK, <u8>RANK_NONE);
  }
  if (synth) n = <u32>synth;

  // each CPU's model: its own, unless a better-ranked global one wins; interned in CPU order
  for (let i: u32 = 0; i < n; i++) {
    let e = rec + PR_CIS + <usize>i * CI_SIZE;
    let rank = <u32>load<u8>(e + SCRATCH_RANK);
    let slot: u32 = MODEL_NONE;
    if (rank != RANK_NONE && rank <= globalModelRank) {
      slot = internModel(rec, ptr + <usize>load<u32>(e + CI_MARK), <usize>load<u32>(e + SCRATCH_LEN));
    } else if (globalModelRank != RANK_NONE) slot = internModel(rec, globalModelP, globalModelN);
    if (slot != MODEL_NONE) {
      store<u8>(e + CI_MODEL, <u8>slot);
      store<u8>(e + CI_PRESENT, load<u8>(e + CI_PRESENT) | <u8>CIF_MODEL);
      store<u8>(e + CI_FAILED, load<u8>(e + CI_FAILED) & ~(<u8>CIF_MODEL));
    }
    store<u8>(e + SCRATCH_RANK, 0);
    store<u32>(e + CI_MARK, 0);
    store<u32>(e + SCRATCH_LEN, 0);
  }
  // the global MHz for the CPUs without their own
  for (let i: u32 = 0; i < n; i++) {
    let e = rec + PR_CIS + <usize>i * CI_SIZE;
    let st = <u32>load<u8>(e + CI_PRESENT) | (<u32>load<u8>(e + CI_FAILED) << 8);
    if ((st & (CIF_MHZ | (CIF_MHZ << 8))) == 0 && globalMhzState != 0) {
      if (globalMhzState == CIF_MHZ) {
        store<u32>(e + CI_MHZ, globalMhz);
        store<u8>(e + CI_PRESENT, load<u8>(e + CI_PRESENT) | <u8>CIF_MHZ);
      } else store<u8>(e + CI_FAILED, load<u8>(e + CI_FAILED) | <u8>CIF_MHZ);
    }
  }

  store<u32>(rec + NODE_CIS + EXT_COUNT, n);
  if (n > 0) {
    store<u32>(rec + NODE_CPU_COUNT, n);
    setPresent(rec, F_CPU_COUNT);
    let first = rec + PR_CIS;
    if (load<u8>(first + CI_PRESENT) & <u8>CIF_MHZ) {
      store<u32>(rec + NODE_MHZ, load<u32>(first + CI_MHZ));
      setPresent(rec, F_MHZ);
    } else if (load<u8>(first + CI_FAILED) & <u8>CIF_MHZ) setFailed(rec, F_MHZ);
  } else if (countState == 2) setFailed(rec, F_CPU_COUNT);
  if (!found) fail(ptr, S_EMPTY);
  return parseStatus;
}

// The decoder of the wire protocol, version 1 (docs/protocol.md has the whole format; the
// offsets are the W_* constants of layout.ts). A datagram is little-endian:
//
//   common header (32 bytes): magic "BSTW", version 1, type (1 status, 2 request), flags
//     (bit 0: a 32-byte HMAC-SHA-256 tag ends the datagram), key id, header length,
//     instance id (u64, the sender's start in µs), sequence (u64, per datagram)
//   status (112 more bytes): node (i32, NODE_UNSET if none), update id, part i of n,
//     the update's sections, USER_HZ, interval, CPU / cpuinfo / interface counts, send
//     time, architecture, section count, hostname; then sections of 16 bytes of header
//     (section, flags FIRST/LAST, length, sample time) and length bytes of /proc lines
//   request (24 more bytes): target (all, one node, a range), flags (full update), first
//     and last node, new interval, send time
//
// wireCheck() validates a datagram's structure, bounded by the bytes received, before
// anything is applied: an unknown version, a length beyond what remains, a section count
// that does not match, or bytes after the last section reject the whole datagram, with
// its reason counted (R_*). wireApply() then parses each section into the parse record and
// merges it into the node's record under the record's sequence lock.

import { copyBytes, zeroBytes } from "./bytes";
import {
  COUNTERS, C_ACCEPTED, C_BAD_SECTIONS, C_CONFLICTS, C_RECEIVED, C_REJECT, C_REORDERED, C_SEQ_GAPS, C_UPDATES,
  F_ADDR, F_ARCH, F_DISK, F_INSTANCE, F_INTERVAL, F_NAME, F_SECTION, F_USER_HZ, MAX_PARTS, NODE_ADDR, NODE_ARCH,
  NODE_DISK_FREE, NODE_DISK_TOTAL, NODE_DOWN_AFTER, NODE_FAILED, NODE_INSTANCE, NODE_INTERVAL_MS, NODE_MSG_SEQ,
  NODE_NAME, NODE_NAME_LEN, NODE_NET_PENDING, NODE_NET_PREV_TIME, NODE_PART_BITS, NODE_PRESENT, NODE_SAMPLE_TIMES,
  NODE_SEND_TIME, NODE_SEQ_GAPS, NODE_TIME, NODE_UNSET, NODE_UPDATE, NODE_UPDATE_GOT, NODE_UPDATE_PARTS,
  NODE_UPDATE_SECTIONS, NODE_UPDATE_SPLIT, NODE_USER_HZ, R_DUPLICATE, R_FLAGS, R_HEADER_LEN, R_MAGIC, R_NODE,
  R_NO_SPACE, R_PART, R_SECTION, R_SECTION_LEN, R_SHORT, R_STALE_INSTANCE, R_STALE_UPDATE, R_TRAILING, R_TYPE,
  R_VERSION, SECTIONS, SECMASK_STATFS, SEC_CPUINFO, SEC_LOADAVG, SEC_MEMINFO, SEC_NETDEV, SEC_STAT, SEC_STATFS,
  TABLE_COUNTERS, NSTATE_CIS_PARTIAL, NSTATE_STALE, NSTATE_INVALID, NODE_STATE, NODE_REPLAY_BITS, NODE_CLOCK_OFFSET, REPLAY_WINDOW, R_REPLAY,
  C_CLOCK_JUMPS, NODE_IFS, EXT_COUNT, WF_AUTH, WIRE_MAGIC, WIRE_VERSION, WRF_FULL, WSF_FIRST, WSF_LAST, WS_FLAGS, WS_HEADER_LEN,
  WS_LENGTH, WS_SECTION, WS_TIME, WTG_ALL, WTG_ONE, WTG_RANGE, WT_REQUEST, WT_STATUS, W_ARCH, W_COMMON_LEN, W_FIRST,
  W_FLAGS, W_HEADER_LEN, W_HOSTNAME, W_INSTANCE, W_INTERVAL, W_KEY_ID, W_LAST, W_MAGIC, W_NEW_INTERVAL, W_NODE,
  W_NSECTIONS, W_PART, W_PARTS, W_REQUEST_LEN, W_REQ_FLAGS, W_SEND_TIME, W_SEQ, W_STATUS_LEN, W_TAG_LEN, W_TARGET,
  W_TYPE, W_UPDATE, W_UPDATE_SECTIONS, W_USER_HZ, W_VERSION,
} from "./layout";
import { fbit } from "./fields";
import { parseCpuinfo } from "./proc/cpuinfo";
import { parseLoadavg } from "./proc/loadavg";
import { parseMeminfo } from "./proc/meminfo";
import { parseNetDev } from "./proc/net_dev";
import { parseStat } from "./proc/stat";
import { S_BAD_FIELD, S_LIMIT, S_OVERFLOW } from "./status";
import { C_LIMITS } from "./layout";
import { applySection, beginWrite, completeUpdate, endWrite, limitHit, table, tableEnsure, tableStatus } from "./table";

/** The node whose datagrams trap inside their write (a failpoint, for the tests of trap recovery); NODE_UNSET for none. */
let failpoint: i32 = NODE_UNSET;

/**
 * Fault injection: datagrams applied to node trap in the middle of its record's write, as a
 * bug would. Only the tests of trap recovery set it (recvstats: RECVSTATS_FAILPOINT=N).
 */
export function setFailpoint(node: i32): void {
  failpoint = node;
}

/** Adds n to collector counter c (C_*) in the table header. */
export function count(c: u32, n: u64 = 1): void {
  if (c >= COUNTERS) return;
  let at = table + TABLE_COUNTERS + (c << 3);
  store<u64>(at, load<u64>(at) + n);
}

// The replay window of a record: REPLAY_WINDOW bits at NODE_REPLAY_BITS, bit i (in u64
// word i >> 6) standing for sequence NODE_MSG_SEQ - i.

function windowHas(r: usize, age: u32): bool {
  return (load<u64>(r + NODE_REPLAY_BITS + ((age >> 6) << 3)) & (<u64>1 << <u64>(age & 63))) != 0;
}

function windowSet(r: usize, age: u32): void {
  let at = r + NODE_REPLAY_BITS + ((age >> 6) << 3);
  store<u64>(at, load<u64>(at) | (<u64>1 << <u64>(age & 63)));
}

/** Ages every bit by shift (a newer sequence number arrived); bits older than the window fall off. */
function windowShift(r: usize, shift: u64): void {
  const words: u32 = REPLAY_WINDOW >> 6;
  let w = r + NODE_REPLAY_BITS;
  if (shift >= <u64>REPLAY_WINDOW) {
    memory.fill(w, 0, REPLAY_WINDOW >> 3);
    return;
  }
  let by = <u32>(shift >> 6);
  let bits = shift & 63;
  for (let i = <i32>words - 1; i >= 0; i--) {
    let from = i - <i32>by;
    let v: u64 = from >= 0 ? load<u64>(w + (<usize>from << 3)) << bits : 0;
    if (bits && from - 1 >= 0) v |= load<u64>(w + (<usize>(from - 1) << 3)) >> (64 - bits);
    store<u64>(w + (<usize>i << 3), v);
  }
}

/** Counts a rejection for reason and returns it. */
function reject(reason: u32): u32 {
  count(C_REJECT + reason);
  return reason;
}

// The datagram last checked, for wireApply and the request getters.
let dgPtr: usize = 0;
let dgEnd: usize = 0; // end of the sections (the tag, if any, follows)
let faultAt: u32 = 0;
let sectionsWalked: u32 = 0;

/** The byte offset of the field at fault in the last datagram checked (its length when it ran short). */
export function wireFaultAt(): u32 {
  return faultAt;
}

/** Sections the last check walked completely. */
export function wireSections(): u32 {
  return sectionsWalked;
}

/** Records where the fault is and returns its reason. */
// @ts-ignore: decorator
@inline function fault(reason: u32, at: usize): u32 {
  faultAt = <u32>at;
  return reason;
}

/**
 * The structure check of wireCheck, counting nothing: 0 when the len-byte datagram at ptr
 * (of type want) may be applied, else the rejection reason R_*, with wireFaultAt() the
 * offset of the field at fault. Reads nothing at or past ptr + len. beostatus' packet
 * inspector calls it directly (index.ts locate()).
 */
export function wireValidate(ptr: usize, len: u32, want: u32): u32 {
  dgPtr = ptr;
  faultAt = 0;
  sectionsWalked = 0;
  if (len < W_COMMON_LEN) return fault(R_SHORT, len);
  if (load<u32>(ptr + W_MAGIC) != WIRE_MAGIC) return fault(R_MAGIC, W_MAGIC);
  if (<u32>load<u8>(ptr + W_VERSION) != WIRE_VERSION) return fault(R_VERSION, W_VERSION);
  let type = <u32>load<u8>(ptr + W_TYPE);
  if (type != want) return fault(R_TYPE, W_TYPE);
  let flags = <u32>load<u16>(ptr + W_FLAGS);
  let keyId = <u32>load<u16>(ptr + W_KEY_ID);
  if (flags & ~WF_AUTH) return fault(R_FLAGS, W_FLAGS);
  // the flag and the key id must agree: point at the key id, which the flag makes wrong
  if ((flags & WF_AUTH) != (keyId != 0 ? WF_AUTH : 0)) return fault(R_FLAGS, W_KEY_ID);
  let hl = <u32>load<u16>(ptr + W_HEADER_LEN);
  if (hl != (type == WT_STATUS ? W_STATUS_LEN : W_REQUEST_LEN)) return fault(R_HEADER_LEN, W_HEADER_LEN);
  let body = len;
  if (flags & WF_AUTH) {
    if (body < W_TAG_LEN) return fault(R_SHORT, len);
    body -= W_TAG_LEN;
  }
  if (body < hl) return fault(R_SHORT, len);
  dgEnd = ptr + body;
  if (type != WT_STATUS) {
    if (<u32>load<u8>(ptr + W_TARGET) > WTG_RANGE) return fault(R_FLAGS, W_TARGET);
    if (<u32>load<u8>(ptr + W_REQ_FLAGS) & ~WRF_FULL) return fault(R_FLAGS, W_REQ_FLAGS);
    return body == hl ? 0 : fault(R_TRAILING, hl);
  }

  let parts = <u32>load<u16>(ptr + W_PARTS);
  if (parts == 0 || parts > MAX_PARTS) return fault(R_PART, W_PARTS);
  if (<u32>load<u16>(ptr + W_PART) >= parts) return fault(R_PART, W_PART);
  if (<u32>load<u16>(ptr + W_UPDATE_SECTIONS) >= (1 << SECTIONS)) return fault(R_SECTION, W_UPDATE_SECTIONS);
  let p: u32 = hl;
  let n = <u32>load<u8>(ptr + W_NSECTIONS);
  for (let i: u32 = 0; i < n; i++) {
    // a section header cut short: the fault is where the bytes end
    if (body - p < WS_HEADER_LEN) return fault(R_SECTION_LEN, body);
    let sec = <u32>load<u8>(ptr + p + WS_SECTION);
    if (sec >= SECTIONS) return fault(R_SECTION, p + WS_SECTION);
    if (<u32>load<u8>(ptr + p + WS_FLAGS) & ~(WSF_FIRST | WSF_LAST)) return fault(R_SECTION, p + WS_FLAGS);
    let l = <u32>load<u16>(ptr + p + WS_LENGTH);
    if (body - p - WS_HEADER_LEN < l) return fault(R_SECTION_LEN, p + WS_LENGTH);
    if (sec == SEC_STATFS && l != 16) return fault(R_SECTION_LEN, p + WS_LENGTH);
    p += WS_HEADER_LEN + l;
    sectionsWalked++;
  }
  if (p != body) return fault(R_TRAILING, p);
  return 0;
}

/**
 * Checks the structure of the len-byte datagram at ptr, which must be of type want (WT_*).
 * Counts it received; returns 0 if it may be applied, else the rejection reason (R_*,
 * counted). Reads nothing at or past ptr + len.
 */
export function wireCheck(ptr: usize, len: u32, want: u32): u32 {
  count(C_RECEIVED);
  let why = wireValidate(ptr, len, want);
  return why ? reject(why) : 0;
}

/** The node number of the status datagram last checked (NODE_UNSET if the sender has none). */
export function wireNode(): i32 {
  return load<i32>(dgPtr + W_NODE);
}

/** Whether the node has no cpuinfo yet after the last wireApply: the master should ask it for a full update. */
export let wireNeedsStatic: bool = false;

/** Parses the payload [p, p+len) of section sec into parse record pr. Returns S_* bits. */
function parseSection(pr: usize, sec: u32, p: usize, len: usize): u32 {
  switch (sec) {
    case SEC_CPUINFO: return parseCpuinfo(pr, p, len);
    case SEC_MEMINFO: return parseMeminfo(pr, p, len);
    case SEC_LOADAVG: return parseLoadavg(pr, p, len);
    case SEC_NETDEV: return parseNetDev(pr, p, len);
    case SEC_STAT: return parseStat(pr, p, len);
  }
  // statfs: two u64, total and free bytes
  store<u64>(pr + NODE_DISK_TOTAL, load<u64>(p));
  store<u64>(pr + NODE_DISK_FREE, load<u64>(p + 8));
  store<u64>(pr + NODE_PRESENT, load<u64>(pr + NODE_PRESENT) | SECMASK_STATFS);
  store<u64>(pr + NODE_FAILED, load<u64>(pr + NODE_FAILED) & ~SECMASK_STATFS);
  return 0;
}

/**
 * Applies the status datagram last accepted by wireCheck to node's record (node already
 * mapped by the host when the datagram had none), using parse record pr. addr points to
 * the sender's 16-byte address; recvMs is the master's clock; downAfterMs how long without
 * a datagram until readers count the node down (0: three of the node's own reporting
 * intervals). Returns 0, or the rejection reason (R_*,
 * counted). A datagram of an older instance of the node, or one received already, changes
 * nothing.
 */
export function wireApply(node: i32, pr: usize, addr: usize, recvMs: f64, downAfterMs: u32): u32 {
  wireNeedsStatic = false;
  let d = dgPtr;
  if (node == NODE_UNSET) return reject(R_NODE);
  let off = tableEnsure(node);
  if (!off) return reject(tableStatus == S_LIMIT ? R_NODE : R_NO_SPACE);
  let r = table + off;
  let inst = load<u64>(d + W_INSTANCE);
  let seq = load<u64>(d + W_SEQ);
  let known = (load<u64>(r + NODE_PRESENT) & fbit(F_INSTANCE)) != 0;
  let cur = load<u64>(r + NODE_INSTANCE);
  // an instance id is its sender's start in µs: one from more than a day ahead of the master's
  // clock is not a real start, and must not hold the node number against real ones for good
  let implausible = <f64>cur > (recvMs + 86400000) * 1000;
  if (known && inst < cur && !implausible) {
    count(C_CONFLICTS); // two senders claim this node number: the newer instance wins
    return reject(R_STALE_INSTANCE);
  }
  let fresh = !known || inst > cur || (implausible && inst != cur);
  let last = load<u64>(r + NODE_MSG_SEQ);
  let newest = fresh || seq > last;
  // replay window (as IPsec and DTLS): bit i is sequence last - i, seen; checked here, and
  // updated only once the datagram is applied (further down)
  let age: u64 = 0;
  let shift: u64 = 0;
  if (!fresh && seq <= last) {
    age = last - seq;
    if (age >= <u64>REPLAY_WINDOW || windowHas(r, <u32>age)) return reject(R_REPLAY);
    count(C_REORDERED);
  } else {
    if (!fresh && seq > last + 1) {
      count(C_SEQ_GAPS, seq - last - 1);
      store<u32>(r + NODE_SEQ_GAPS, load<u32>(r + NODE_SEQ_GAPS) + <u32>min<u64>(seq - last - 1, 0xffffffff));
    }
    shift = fresh ? <u64>REPLAY_WINDOW : seq - last;
  }

  let uid = load<u32>(d + W_UPDATE);
  let parts = <u32>load<u16>(d + W_PARTS);
  let part = <u32>load<u16>(d + W_PART);
  let started = load<u16>(r + NODE_UPDATE_PARTS) != 0;
  if (fresh || !started || <i32>(uid - load<u32>(r + NODE_UPDATE)) > 0) {
    // a new update: an unfinished one is abandoned (its rate would span two intervals, and
    // its cpuinfo, static, would stay partial until the master asks for it again)
    beginWrite(off);
    if (started && load<u16>(r + NODE_UPDATE_GOT) < load<u16>(r + NODE_UPDATE_PARTS)) {
      store<f64>(r + NODE_NET_PREV_TIME, 0);
      if (load<u16>(r + NODE_UPDATE_SECTIONS) & (1 << SEC_CPUINFO)) {
        store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) | NSTATE_CIS_PARTIAL);
      }
    }
    store<u32>(r + NODE_UPDATE, uid);
    store<u16>(r + NODE_UPDATE_PARTS, <u16>parts);
    store<u16>(r + NODE_UPDATE_GOT, 0);
    store<u16>(r + NODE_UPDATE_SECTIONS, load<u16>(d + W_UPDATE_SECTIONS));
    store<u16>(r + NODE_UPDATE_SPLIT, 0);
    store<u64>(r + NODE_NET_PENDING, 0);
    zeroBytes(r + NODE_PART_BITS, (parts + 7) >> 3);
    endWrite(off);
  } else if (uid != load<u32>(r + NODE_UPDATE)) {
    return reject(R_STALE_UPDATE);
  } else if (parts != <u32>load<u16>(r + NODE_UPDATE_PARTS)) {
    return reject(R_PART);
  }
  let bits = r + NODE_PART_BITS + (part >> 3);
  if (load<u8>(bits) & (1 << (part & 7))) return reject(R_DUPLICATE);

  beginWrite(off);
  if (failpoint == node) unreachable(); // fault injection for the tests of trap recovery
  let ok = true;
  let netOrder = part << 16; // file order of interfaces across a split net/dev
  let p = d + W_STATUS_LEN;
  let n = <u32>load<u8>(d + W_NSECTIONS);
  for (let i: u32 = 0; i < n && ok; i++) {
    let sec = <u32>load<u8>(p + WS_SECTION);
    let flags = <u32>load<u8>(p + WS_FLAGS);
    let l = <usize>load<u16>(p + WS_LENGTH);
    let st = parseSection(pr, sec, p + WS_HEADER_LEN, l);
    let entries = sec == SEC_NETDEV ? load<u32>(pr + NODE_IFS + EXT_COUNT) : 0;
    if (st & (S_BAD_FIELD | S_OVERFLOW)) count(C_BAD_SECTIONS);
    store<f64>(pr + NODE_SAMPLE_TIMES + (sec << 3), load<f64>(p + WS_TIME));
    let whole = (flags & (WSF_FIRST | WSF_LAST)) == (WSF_FIRST | WSF_LAST);
    r = table + off;
    ok = applySection(off, pr, sec, whole, (flags & WSF_FIRST) != 0, uid, netOrder);
    if ((st & S_LIMIT) || limitHit) count(C_LIMITS);
    netOrder += entries; // a second net/dev chunk in one datagram follows the first
    p += <usize>WS_HEADER_LEN + l;
  }
  r = table + off;
  bits = r + NODE_PART_BITS + (part >> 3);
  store<u8>(bits, load<u8>(bits) | <u8>(<u32>1 << (part & 7)));
  let got = load<u16>(r + NODE_UPDATE_GOT) + 1;
  store<u16>(r + NODE_UPDATE_GOT, got);
  if (<u32>got == parts) {
    if (load<u16>(r + NODE_UPDATE_SECTIONS) & (1 << SEC_CPUINFO)) {
      store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) & ~NSTATE_CIS_PARTIAL);
    }
    completeUpdate(off);
    count(C_UPDATES);
  }

  // who sent it, and when (a node adopted from an earlier collector is fresh again)
  store<u32>(r + NODE_STATE, load<u32>(r + NODE_STATE) & ~(NSTATE_STALE | NSTATE_INVALID));
  if (shift) windowShift(r, shift);
  windowSet(r, <u32>age);
  store<f64>(r + NODE_TIME, recvMs);
  // the node's clock against the master's: a jump is recorded (and counted), not rejected
  let offset = recvMs - load<f64>(d + W_SEND_TIME);
  if (known && abs<f64>(offset - load<f64>(r + NODE_CLOCK_OFFSET)) > 1000) count(C_CLOCK_JUMPS);
  store<f64>(r + NODE_CLOCK_OFFSET, offset);
  // three intervals of the node's, saturated: a huge interval must not wrap to a tiny one
  let downAfter = downAfterMs ? <u64>downAfterMs : 3 * <u64>max<u32>(load<u32>(d + W_INTERVAL), 1000);
  store<u32>(r + NODE_DOWN_AFTER, <u32>min<u64>(downAfter, 0xffffffff));
  if (newest) {
    store<u64>(r + NODE_INSTANCE, inst);
    store<u64>(r + NODE_MSG_SEQ, seq);
    store<f64>(r + NODE_SEND_TIME, load<f64>(d + W_SEND_TIME));
    store<u32>(r + NODE_INTERVAL_MS, load<u32>(d + W_INTERVAL));
    store<u32>(r + NODE_USER_HZ, <u32>load<u16>(d + W_USER_HZ));
    store<u32>(r + NODE_ARCH, <u32>load<u8>(d + W_ARCH));
    copyBytes(r + NODE_NAME, d + W_HOSTNAME, NODE_NAME_LEN);
    store<u8>(r + NODE_NAME + NODE_NAME_LEN - 1, 0); // a NUL always ends the name
    copyBytes(r + NODE_ADDR, addr, 16);
    let meta = fbit(F_INSTANCE) | fbit(F_INTERVAL) | fbit(F_USER_HZ) | fbit(F_ARCH) | fbit(F_ADDR);
    if (load<u8>(r + NODE_NAME)) meta |= fbit(F_NAME);
    else store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) & ~fbit(F_NAME));
    store<u64>(r + NODE_PRESENT, load<u64>(r + NODE_PRESENT) | meta);
  }
  endWrite(off);
  wireNeedsStatic =
    (load<u64>(r + NODE_PRESENT) & fbit(F_SECTION + SEC_CPUINFO)) == 0 || (load<u32>(r + NODE_STATE) & NSTATE_CIS_PARTIAL) != 0;
  if (!ok) return reject(R_NO_SPACE);
  count(C_ACCEPTED);
  return 0;
}

/**
 * For a node agent: how the request last accepted by wireCheck concerns node. 0 when it
 * is not addressed to it; else 1, plus 2 when it asks for a full update.
 */
export function requestFor(node: i32): u32 {
  let d = dgPtr;
  let target = <u32>load<u8>(d + W_TARGET);
  let first = load<i32>(d + W_FIRST);
  let last = load<i32>(d + W_LAST);
  let mine = target == WTG_ALL || (target == WTG_ONE && node == first) || (target == WTG_RANGE && node >= first && node <= last);
  if (!mine) return 0;
  return 1 | ((<u32>load<u8>(d + W_REQ_FLAGS) & WRF_FULL) ? 2 : 0);
}

/** The new reporting interval (ms) the last request sets, 0 to keep the current one. */
export function requestInterval(): u32 {
  return load<u32>(dgPtr + W_NEW_INTERVAL);
}

/**
 * How many nodes the last request addresses, for spreading the answers: one, the range's
 * size, or for all nodes the master's count of them (which it sends in W_LAST).
 */
export function requestSpan(): u32 {
  let target = <u32>load<u8>(dgPtr + W_TARGET);
  if (target == WTG_ALL) return <u32>max<i32>(load<i32>(dgPtr + W_LAST), 1);
  if (target == WTG_ONE) return 1;
  let first = load<i32>(dgPtr + W_FIRST);
  let last = load<i32>(dgPtr + W_LAST);
  return last >= first ? <u32>(last - first) + 1 : 0;
}

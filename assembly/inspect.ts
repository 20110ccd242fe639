// Where a datagram fails, for beostatus' packet inspector. wireCheck() (wire.ts) decides
// whether a datagram is accepted and why not; it does not say where. wireLocate() walks the
// same structure with the same bounds and returns the same reason together with the byte
// offset of the field that caused it. It counts nothing and changes nothing, so the
// inspector may run it on any bytes. tests/node/inspect.test.ts holds the two to agreement
// on every prefix and on mutations of real datagrams.

import {
  MAX_PARTS, R_FLAGS, R_HEADER_LEN, R_MAGIC, R_PART, R_SECTION, R_SECTION_LEN, R_SHORT, R_TRAILING, R_TYPE,
  R_VERSION, SECTIONS, SEC_STATFS, WF_AUTH, WIRE_MAGIC, WIRE_VERSION, WRF_FULL, WSF_FIRST, WSF_LAST, WS_FLAGS,
  WS_HEADER_LEN, WS_LENGTH, WS_SECTION, WTG_RANGE, WT_STATUS, W_COMMON_LEN, W_FLAGS, W_HEADER_LEN, W_KEY_ID,
  W_MAGIC, W_NSECTIONS, W_PART, W_PARTS, W_REQUEST_LEN, W_REQ_FLAGS, W_STATUS_LEN, W_TAG_LEN, W_TARGET, W_TYPE,
  W_UPDATE_SECTIONS, W_VERSION,
} from "./layout";

let failAt: u32 = 0;
let sectionCount: u32 = 0;

/** The byte offset the last wireLocate() found at fault (the datagram's length when it ran short). */
export function wireLocateAt(): u32 {
  return failAt;
}

/** Sections the last wireLocate() walked completely. */
export function wireLocateSections(): u32 {
  return sectionCount;
}

/** Records where the fault is and returns its reason. */
// @ts-ignore: decorator
@inline function fault(reason: u32, at: usize): u32 {
  failAt = <u32>at;
  return reason;
}

/**
 * Walks the len-byte datagram at ptr as wireCheck(ptr, len, want) does: returns 0 when
 * wireCheck would accept it, else the same R_* reason, with wireLocateAt() the offset of
 * the field at fault. Reads nothing at or past ptr + len. Called by the host's inspector.
 */
export function wireLocate(ptr: usize, len: u32, want: u32): u32 {
  failAt = 0;
  sectionCount = 0;
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
    sectionCount++;
  }
  if (p != body) return fault(R_TRAILING, p);
  return 0;
}

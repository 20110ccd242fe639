// Datagrams out of what a user pastes or loads into beostatus' packet inspector: hex dumps
// as `xxd` or `xxd -p` print them, and classic pcap files as `tcpdump -w` writes them
// (Ethernet, Linux cooked v1/v2, raw IP or BSD loopback link types; IPv4 or IPv6; UDP).
// Pure functions over bytes and text, so the page and the tests run the same code; what
// cannot be used is named in a note, never silently dropped.

/** One datagram found, with where it came from. */
export interface CapturedDatagram {
  /** 1-based position in the input (the packet number of a capture) */
  index: number;
  bytes: Uint8Array;
  /** epoch ms of the capture, for pcap */
  time?: number;
  src?: string;
  dst?: string;
  /** why the datagram may be incomplete (a capture cut short by its snaplen) */
  note?: string;
}

export interface CaptureResult {
  datagrams: CapturedDatagram[];
  /** packets or lines that were skipped, and why */
  notes: string[];
}

/** Hex text to bytes; null when it is not an even run of hex digits. */
function hexBytes(text: string): Uint8Array | null {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 || !/^[0-9a-fA-F]*$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The datagrams of a pasted hex dump: `xxd` lines ("00000010: 4253 5457 ...  BSTW...."),
 * whose offset going back to 0 starts a new datagram, or `xxd -p` lines of plain hex, where
 * a blank line starts a new one.
 */
export function parseHexDump(text: string): CaptureResult {
  const datagrams: CapturedDatagram[] = [];
  const notes: string[] = [];
  let current: number[] = [];
  let expected = 0; // the xxd offset the next line should have
  const flush = (): void => {
    if (current.length) datagrams.push({ index: datagrams.length + 1, bytes: Uint8Array.from(current) });
    current = [];
    expected = 0;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return flush();
    const xxd = /^([0-9a-fA-F]{4,16}):\s+(.*)$/.exec(line);
    if (xxd) {
      const offset = parseInt(xxd[1], 16);
      if (offset === 0) flush();
      else if (offset !== expected) notes.push(`line ${i + 1}: offset ${xxd[1]} where ${expected.toString(16).padStart(8, "0")} was expected`);
      // the hex columns end where xxd's two spaces before the text column begin
      const hex = xxd[2].split(/\s{2,}/)[0];
      const groups = hex.split(/\s+/);
      for (const g of groups) {
        if (!/^([0-9a-fA-F]{2})+$/.test(g)) {
          notes.push(`line ${i + 1}: '${g}' is not hex`);
          return;
        }
        for (let k = 0; k < g.length; k += 2) current.push(parseInt(g.slice(k, k + 2), 16));
      }
      expected = offset + groups.join("").length / 2;
      return;
    }
    const bytes = hexBytes(line);
    if (!bytes) {
      notes.push(`line ${i + 1}: not a hex dump line`);
      return;
    }
    for (const b of bytes) current.push(b);
  });
  flush();
  return { datagrams, notes };
}

/** Link types of classic pcap this reader understands (LINKTYPE_* numbers). */
const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_LINUX_SLL = 113;
const LINK_LINUX_SLL2 = 276;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8];
const IPPROTO_UDP = 17;

const ipv4 = (b: Uint8Array, at: number): string => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
function ipv6(b: Uint8Array, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[at + i] << 8) | b[at + i + 1]).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Whether bytes start like a pcap file (either byte order, µs or ns timestamps) or a pcapng one. */
export function looksLikeCapture(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const m = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(m);
}

/** The UDP payload of an IP packet at at (bytes up to end), or why there is none. */
function udpPayload(b: Uint8Array, at: number, end: number): { payload: Uint8Array; src: string; dst: string; note?: string } | string {
  if (at >= end) return "no IP header";
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = b[at] >> 4;
  let src: string;
  let dst: string;
  let udp: number;
  if (version === 4) {
    const ihl = (b[at] & 15) * 4;
    if (ihl < 20 || at + ihl > end) return "IPv4 header cut short";
    if (b[at + 9] !== IPPROTO_UDP) return `IP protocol ${b[at + 9]}, not UDP`;
    const frag = dv.getUint16(at + 6);
    if (frag & 0x3fff) return "an IPv4 fragment (reassembly is not done)";
    src = ipv4(b, at + 12);
    dst = ipv4(b, at + 16);
    udp = at + ihl;
  } else if (version === 6) {
    if (at + 40 > end) return "IPv6 header cut short";
    if (b[at + 6] !== IPPROTO_UDP) return `IPv6 next header ${b[at + 6]}, not UDP`;
    src = ipv6(b, at + 8);
    dst = ipv6(b, at + 24);
    udp = at + 40;
  } else return `IP version ${version}`;
  if (udp + 8 > end) return "UDP header cut short";
  const sport = dv.getUint16(udp);
  const dport = dv.getUint16(udp + 2);
  const length = dv.getUint16(udp + 4);
  if (length < 8) return `UDP length ${length}`;
  const want = udp + length;
  const payload = b.subarray(udp + 8, Math.min(want, end));
  const note = want > end ? `cut short by the capture: ${end - udp - 8} of ${length - 8} bytes` : undefined;
  return { payload, src: `${src}:${sport}`, dst: `${dst}:${dport}`, note };
}

/** Where the IP packet starts in a frame of linktype, or why it has none. */
function ipStart(b: Uint8Array, at: number, end: number, linktype: number): number | string {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (linktype) {
    case LINK_ETHERNET: {
      let p = at + 12;
      if (p + 2 > end) return "Ethernet header cut short";
      let type = dv.getUint16(p);
      while (ETHERTYPE_VLAN.includes(type) && p + 6 <= end) {
        p += 4;
        type = dv.getUint16(p);
      }
      if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return `ethertype 0x${type.toString(16)}, not IP`;
      return p + 2;
    }
    case LINK_LINUX_SLL: {
      if (at + 16 > end) return "Linux cooked header cut short";
      const type = dv.getUint16(at + 14);
      if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return `protocol 0x${type.toString(16)}, not IP`;
      return at + 16;
    }
    case LINK_LINUX_SLL2: {
      if (at + 20 > end) return "Linux cooked v2 header cut short";
      const type = dv.getUint16(at);
      if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return `protocol 0x${type.toString(16)}, not IP`;
      return at + 20;
    }
    case LINK_NULL:
      return at + 4 <= end ? at + 4 : "loopback header cut short";
    case LINK_RAW:
    case LINK_IPV4:
    case LINK_IPV6:
      return at;
  }
  return `link type ${linktype} is not one this reader knows (Ethernet, Linux cooked, raw IP, loopback)`;
}

/** The UDP datagrams of a classic pcap file, in capture order; other packets are noted and skipped. */
export function parsePcap(file: Uint8Array): CaptureResult {
  const notes: string[] = [];
  const datagrams: CapturedDatagram[] = [];
  if (file.length < 24) return { datagrams, notes: ["shorter than a pcap file header (24 bytes)"] };
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicLE = dv.getUint32(0, true);
  if (magicLE === 0x0a0d0d0a) {
    return { datagrams, notes: ["a pcapng file: write classic pcap (tcpdump -w does; editcap -F pcap converts)"] };
  }
  let little: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) little = true;
  else if (dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d) little = false;
  else return { datagrams, notes: ["not a pcap file (unknown magic)"] };
  const nanos = dv.getUint32(0, little) === 0xa1b23c4d;
  // the link type's low 16 bits (the upper ones carry FCS flags)
  const linktype = dv.getUint32(20, little) & 0xffff;
  let at = 24;
  let packet = 0;
  while (at < file.length) {
    packet++;
    if (at + 16 > file.length) {
      notes.push(`packet ${packet}: record header cut short (the file ends)`);
      break;
    }
    const sec = dv.getUint32(at, little);
    const frac = dv.getUint32(at + 4, little);
    const incl = dv.getUint32(at + 8, little);
    const orig = dv.getUint32(at + 12, little);
    const start = at + 16;
    const end = start + incl;
    if (end > file.length) {
      notes.push(`packet ${packet}: ${incl} bytes announced, the file ends first`);
      break;
    }
    at = end;
    const ip = ipStart(file, start, end, linktype);
    if (typeof ip === "string") {
      notes.push(`packet ${packet}: ${ip}`);
      continue;
    }
    const udp = udpPayload(file, ip, end);
    if (typeof udp === "string") {
      notes.push(`packet ${packet}: ${udp}`);
      continue;
    }
    const note = udp.note ?? (incl < orig ? `captured ${incl} of ${orig} bytes` : undefined);
    datagrams.push({
      index: packet,
      bytes: udp.payload.slice(),
      time: sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3),
      src: udp.src,
      dst: udp.dst,
      note,
    });
  }
  return { datagrams, notes };
}

/** Hex of bytes, two digits each, for messages. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

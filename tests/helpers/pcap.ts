// Classic pcap files made in a test, as tcpdump -w writes them: a global header, then per
// packet a record header and a frame (Ethernet or Linux cooked) carrying IPv4 and UDP from
// 127.0.0.1 to 127.0.0.1. For captures of datagrams the test has as bytes.

export interface PcapOptions {
  /** LINKTYPE_ETHERNET (1, the default) or LINKTYPE_LINUX_SLL (113) */
  linktype?: 1 | 113;
  bigEndian?: boolean;
  nanoseconds?: boolean;
  /** bytes kept of each packet (the rest is cut, as tcpdump -s does) */
  snaplen?: number;
}

/** A frame's link header, then an IPv4 header and a UDP header around payload. */
function frame(payload: Uint8Array, linktype: number, sport: number, dport: number): Uint8Array {
  const link = linktype === 1 ? 14 : 16;
  const b = new Uint8Array(link + 20 + 8 + payload.length);
  const dv = new DataView(b.buffer);
  if (linktype === 1) dv.setUint16(12, 0x0800);
  else {
    dv.setUint16(0, 0); // sent to us
    dv.setUint16(2, 772); // ARPHRD_LOOPBACK
    dv.setUint16(4, 6);
    dv.setUint16(14, 0x0800);
  }
  const ip = link;
  b[ip] = 0x45;
  dv.setUint16(ip + 2, 20 + 8 + payload.length);
  b[ip + 8] = 64;
  b[ip + 9] = 17;
  b.set([127, 0, 0, 1], ip + 12);
  b.set([127, 0, 0, 1], ip + 16);
  const udp = ip + 20;
  dv.setUint16(udp, sport);
  dv.setUint16(udp + 2, dport);
  dv.setUint16(udp + 4, 8 + payload.length);
  b.set(payload, udp + 8);
  return b;
}

/** A pcap file of the datagrams, each a UDP packet 127.0.0.1:40000 → 127.0.0.1:3040. */
export function buildPcap(datagrams: Uint8Array[], o: PcapOptions = {}): Uint8Array {
  const le = !o.bigEndian;
  const linktype = o.linktype ?? 1;
  const snaplen = o.snaplen ?? 262144;
  const frames = datagrams.map((d) => frame(d, linktype, 40000, 3040));
  const size = 24 + frames.reduce((s, f) => s + 16 + Math.min(f.length, snaplen), 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, o.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, snaplen, le);
  dv.setUint32(20, linktype, le);
  let at = 24;
  frames.forEach((f, i) => {
    const kept = Math.min(f.length, snaplen);
    dv.setUint32(at, 1_700_000_000 + i, le);
    dv.setUint32(at + 4, o.nanoseconds ? 500_000_000 : 500_000, le);
    dv.setUint32(at + 8, kept, le);
    dv.setUint32(at + 12, f.length, le);
    out.set(f.subarray(0, kept), at + 16);
    at += 16 + kept;
  });
  return out;
}

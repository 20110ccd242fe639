// UDP for both daemons: naming an interface (-i) by its IPv4 address, opening sockets that
// join the status group on that interface only, and the kernel's drop count of a socket.
// Node's dgram cannot bind to a device: -i selects where multicast is joined and sent;
// unicast arrives from any interface (the docs say so).

import dgram from "node:dgram";
import { readFileSync, readdirSync } from "node:fs";
import { networkInterfaces } from "node:os";

export const DEFAULT_PORT = 3040;
export const DEFAULT_GROUP = "239.255.11.224";

/** The network interfaces of this machine (from /sys/class/net, else from the OS). */
export function listInterfaces(): string[] {
  try {
    return readdirSync("/sys/class/net").sort();
  } catch {
    return Object.keys(networkInterfaces()).sort();
  }
}

/** The IPv4 address of interface name; throws a message naming the interfaces that exist. */
export function interfaceAddress(name: string): string {
  const addrs = networkInterfaces()[name];
  const all = listInterfaces();
  // the OS lists only interfaces that are up and running, /sys/class/net all of them
  if (!addrs && all.includes(name)) throw new Error(`interface '${name}' is down or has no address`);
  if (!addrs) throw new Error(`no interface '${name}'; interfaces: ${all.join(", ")}`);
  const v4 = addrs.find((a) => a.family === "IPv4");
  if (!v4) throw new Error(`interface '${name}' has no IPv4 address; interfaces: ${listInterfaces().join(", ")}`);
  return v4.address;
}

/** An IPv4 address as the 16 bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function mappedAddress(ip: string, out = new Uint8Array(16)): Uint8Array {
  out.fill(0);
  out[10] = 0xff;
  out[11] = 0xff;
  // once per datagram: digits read in place, nothing allocated
  let part = 12;
  let v = 0;
  for (let i = 0; i < ip.length && part < 16; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      out[part++] = v & 0xff;
      v = 0;
    } else v = v * 10 + (c - 48);
  }
  if (part < 16) out[part] = v & 0xff;
  return out;
}

/** An IPv4 address as a 32-bit unsigned number (for --iprange). */
export function ipv4ToNumber(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || m.slice(1).some((p) => Number(p) > 255)) throw new Error(`'${ip}' is not an IPv4 address`);
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

export interface SocketOptions {
  port: number;
  /** multicast group to join, on ifaceAddr (no group is joined without an interface) */
  group?: string;
  ifaceAddr?: string;
  /** let several processes bind the port (the node agents' request port) */
  reuse?: boolean;
}

/**
 * A UDP socket bound to port on all addresses, joined to group on the interface with address
 * ifaceAddr, sending multicast there with TTL 1 (and looped back, so a master and a node on
 * one machine hear each other). Rejects with the bind error (port in use, no permission).
 */
export function openSocket(opts: SocketOptions): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: opts.reuse ?? false });
    const fail = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once("error", fail);
    socket.bind(opts.port, () => {
      try {
        socket.setMulticastTTL(1);
        socket.setMulticastLoopback(true);
        if (opts.ifaceAddr) {
          socket.setMulticastInterface(opts.ifaceAddr);
          if (opts.group) socket.addMembership(opts.group, opts.ifaceAddr);
        }
      } catch (err) {
        fail(err as Error);
        return;
      }
      socket.off("error", fail);
      resolve(socket);
    });
  });
}

/**
 * Datagrams the kernel dropped on the UDP sockets bound to port (the drops column of
 * /proc/net/udp: a full receive buffer), or null where the file cannot be read.
 */
export function kernelDrops(port: number, table = "/proc/net/udp"): number | null {
  let text: string;
  try {
    text = readFileSync(table, "latin1");
  } catch {
    return null;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let drops = 0;
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13 || !f[1].endsWith(`:${hexPort}`)) continue;
    drops += Number(f[12]) || 0;
  }
  return drops;
}

/** "HOST[:PORT]" as a destination, the port defaulting to port. */
export function parseHostPort(text: string, port: number): { host: string; port: number } {
  const m = /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`'${text}' is not HOST[:PORT]`);
  const p = m[2] === undefined ? port : Number(m[2]);
  if (!(p >= 1 && p <= 65535)) throw new Error(`'${text}': port out of range`);
  return { host: m[1], port: p };
}

/** A network as --allow names it: address bits and the mask of its prefix. */
export interface Cidr {
  net: number;
  mask: number;
}

/** "10.0.0.0/8,192.168.1.7" as networks (a bare address is a /32); throws a message for a bad one. */
export function parseCidrs(text: string): Cidr[] {
  return text.split(",").map((part) => {
    const [addr, bits = "32"] = part.trim().split("/");
    const n = Number(bits);
    if (!/^\d+$/.test(bits) || n > 32) throw new Error(`'${part}': the prefix length is not 0-32`);
    const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
    return { net: (ipv4ToNumber(addr) & mask) >>> 0, mask };
  });
}

/** Whether the IPv4 address is in one of the networks. */
export function inCidrs(address: string, nets: readonly Cidr[]): boolean {
  let a: number;
  try {
    a = ipv4ToNumber(address);
  } catch {
    return false;
  }
  return nets.some((c) => ((a & c.mask) >>> 0) === c.net);
}

// Authentication of datagrams in both directions (docs/security.md). A key file holds one
// key per line, "KEYID HEXKEY [NODES]"; a sender tags each datagram with HMAC-SHA-256 under
// the newest key (highest id) that covers it, over every byte before the tag (the v1 header
// reserves the flag and key id); a receiver accepts any key of its file that covers the
// sender's node, checking the tag in constant time before anything is parsed.

import { hash } from "node:crypto";
import { closeSync, constants, readFileSync } from "node:fs";
import { UsageError } from "./args";
import { openOwnFile } from "./ownfile";
import type { Layout } from "./wasm";

export interface Key {
  id: number;
  secret: Buffer;
  /** the nodes this key may speak for, or null for any */
  nodes: { first: number; last: number } | null;
}

/** The shortest key accepted, in bytes (HMAC-SHA-256's own block of strength). */
export const MIN_KEY_BYTES = 32;

/** The keys of a key file, by id. */
export class KeyRing {
  private constructor(
    readonly file: string,
    private readonly keys: Map<number, Key>,
  ) {}

  /**
   * Reads a key file; throws one clear line ("FILE:LINE: why") for a bad one. The file must
   * be a regular file (not a symbolic link, and no other hard link), owned by this account
   * or root, and not readable by group or others: a key anyone can read protects nothing.
   */
  static load(file: string): KeyRing {
    const { fd, st } = openOwnFile(file, constants.O_RDONLY, { rootToo: true });
    let text: string;
    try {
      if (st.mode & 0o077) {
        throw new Error(`${file}: mode ${(st.mode & 0o777).toString(8)} lets group or others read it; chmod 600 it`);
      }
      text = readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
    const keys = new Map<number, Key>();
    text.split("\n").forEach((raw, i) => {
      const line = raw.replace(/#.*/, "").trim();
      if (!line) return;
      const where = `${file}:${i + 1}`;
      const f = line.split(/\s+/);
      if (f.length < 2 || f.length > 3) throw new Error(`${where}: expected KEYID HEXKEY [NODES]`);
      const id = Number(f[0]);
      if (!/^\d+$/.test(f[0]) || id < 1 || id > 65535) throw new Error(`${where}: key id '${f[0]}' is not 1-65535`);
      if (keys.has(id)) throw new Error(`${where}: key id ${id} given twice`);
      if (!/^([0-9a-fA-F]{2})+$/.test(f[1])) throw new Error(`${where}: the key is not hexadecimal bytes`);
      const secret = Buffer.from(f[1], "hex");
      if (secret.length < MIN_KEY_BYTES) throw new Error(`${where}: a key of ${secret.length} bytes is shorter than ${MIN_KEY_BYTES}`);
      let nodes: Key["nodes"] = null;
      if (f[2] !== undefined) {
        const m = /^(-1|\d+)(?:-(\d+))?$/.exec(f[2]);
        if (!m) throw new Error(`${where}: nodes '${f[2]}' is not N or FIRST-LAST`);
        const first = Number(m[1]);
        const last = m[2] === undefined ? first : Number(m[2]);
        if (last < first) throw new Error(`${where}: nodes '${f[2]}' is an empty range`);
        nodes = { first, last };
      }
      keys.set(id, { id, secret, nodes });
    });
    if (keys.size === 0) throw new Error(`${file}: no keys`);
    return new KeyRing(file, keys);
  }

  get size(): number {
    return this.keys.size;
  }

  byId(id: number): Key | undefined {
    return this.keys.get(id);
  }

  /** The newest key (highest id) that may speak for node, or null. */
  newestFor(node: number): Key | null {
    let best: Key | null = null;
    for (const k of this.keys.values()) if (covers(k, node) && (!best || k.id > best.id)) best = k;
    return best;
  }
}

/** Whether key k may speak for node. */
export function covers(k: Key, node: number): boolean {
  return k.nodes === null || (node >= k.nodes.first && node <= k.nodes.last);
}

/**
 * HMAC-SHA-256 (RFC 2104) under one key, its pads made once: two one-shot hashes over
 * buffers kept from call to call. createHmac makes the same tag, but sets up the key and a
 * context object for every datagram, which costs three times the hashing of one. The hashes
 * come back as "binary" (latin1) strings, one char per byte, not Buffers: Node 20's hash()
 * makes a Buffer from C++ at four times the cost of a short string, more than hashing a datagram.
 */
export class Hmac {
  /** K xor ipad, then the message */
  private inner = Buffer.alloc(64 + 2048);
  /**
   * inner's first 64 + n bytes at [n]: one view per datagram length, not one per datagram.
   * Made at its full length: an empty array written at [900] turns sparse, and every read
   * of it then takes V8's slow keyed path
   */
  private views: Array<Buffer | undefined> = new Array(this.inner.length - 63);
  /** K xor opad, then the inner hash */
  private readonly outer = Buffer.alloc(64 + 32);
  /** K xor ipad alone: what inner starts with, and verifyIn's key block */
  private readonly ipad = new Uint8Array(64);

  constructor(secret: Uint8Array) {
    // a key longer than the hash's block is hashed first; a shorter one padded with zeros
    const k = secret.length > 64 ? hash("sha256", secret, "buffer") : secret;
    for (let i = 0; i < 64; i++) {
      const b = i < k.length ? k[i] : 0;
      this.inner[i] = this.ipad[i] = b ^ 0x36;
      this.outer[i] = b ^ 0x5c;
    }
  }

  /** The 32-byte tag of the first len bytes of data, as a latin1 string. */
  private tagOf(data: Uint8Array, len: number): string {
    if (64 + data.length > this.inner.length) {
      const bigger = Buffer.alloc(64 + data.length);
      bigger.set(this.ipad);
      this.inner = bigger;
      this.views = new Array(bigger.length - 63);
    }
    // all of data, the tag after len too: a view of its first len bytes would be one more
    // object per datagram, and the hash reads only to len
    this.inner.set(data, 64);
    let v = this.views[len];
    if (v === undefined) v = this.views[len] = this.inner.subarray(0, 64 + len);
    return this.outerTag(hash("sha256", v, "binary"));
  }

  /** The tag, given the inner hash h. */
  private outerTag(h: string): string {
    // the inner hash into the outer message byte by byte: Buffer.write is a call into C++
    const outer = this.outer;
    for (let i = 0; i < 32; i++) outer[64 + i] = h.charCodeAt(i);
    return hash("sha256", outer, "binary");
  }

  /**
   * verify() of the len + 32 bytes at at of mem, which has 64 bytes before at that the
   * caller gives up (the core's input and its INPUT_HEAD): the key block is written there
   * and both are hashed where they lie. tagOf copies each datagram once more behind its own
   * key block, which cost about a third of a microsecond per datagram (perf).
   */
  verifyIn(mem: Uint8Array, at: number, len: number): boolean {
    if (this.memOf !== mem || this.memAt !== at) {
      this.memOf = mem;
      this.memAt = at;
      this.memViews = [];
    }
    // every datagram: another key's Hmac may have written its block since
    mem.set(this.ipad, at - 64);
    let v = this.memViews[len];
    if (v === undefined) {
      // grown a length at a time up to len: written at [len] at once, a short array turns
      // sparse, and every read of it then takes V8's slow keyed path
      while (this.memViews.length < len) this.memViews.push(undefined);
      v = this.memViews[len] = new Uint8Array(mem.buffer, mem.byteOffset + at - 64, 64 + len);
    }
    return this.same(this.outerTag(hash("sha256", v, "binary")), mem, at + len);
  }
  private memOf: Uint8Array | null = null;
  private memAt = 0;
  /** memViews[n]: the key block and n bytes at memAt of memOf */
  private memViews: Array<Uint8Array | undefined> = [];

  /** Whether tag t is the 32 bytes at at of data, in constant time. */
  private same(t: string, data: Uint8Array, at: number): boolean {
    // every byte compared whatever the first difference: how long this takes tells nothing
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= t.charCodeAt(i) ^ data[at + i];
    return diff === 0;
  }

  /** The 32-byte tag of data. */
  tag(data: Uint8Array): Buffer {
    return Buffer.from(this.tagOf(data, data.length), "latin1");
  }

  /** Writes the tag of data's first len bytes into data at len (where a datagram's tag goes). */
  sign(data: Uint8Array, len: number): void {
    const t = this.tagOf(data, len);
    for (let i = 0; i < 32; i++) data[len + i] = t.charCodeAt(i);
  }

  /** Whether the 32 bytes at len of data are the tag of the bytes before them, in constant time. */
  verify(data: Uint8Array, len: number): boolean {
    return this.same(this.tagOf(data, len), data, len);
  }
}

/** Each key's Hmac and verify()'s answer for it, made at first use and shared. */
const perKey = new WeakMap<Key, { mac: Hmac; ok: { reason: number; key: Key | null } }>();
function macOf(key: Key): { mac: Hmac; ok: { reason: number; key: Key | null } } {
  // a cluster signs with one key for long: the last one answers without a WeakMap lookup
  if (key === lastKey) return lastMac!;
  let m = perKey.get(key);
  if (!m) perKey.set(key, (m = { mac: new Hmac(key.secret), ok: Object.freeze({ reason: 0, key }) }));
  lastKey = key;
  lastMac = m;
  return m;
}
let lastKey: Key | null = null;
let lastMac: { mac: Hmac; ok: { reason: number; key: Key | null } } | null = null;

/** verify()'s answer with --auth off, shared: nothing is allocated per datagram. */
const UNCHECKED: { reason: number; key: Key | null } = Object.freeze({ reason: 0, key: null });

/** Tags datagrams a program sends, and checks those it receives. */
export class Authenticator {
  constructor(
    private readonly L: Layout,
    private ring: KeyRing | null,
    /** "required": datagrams without a good tag are rejected; "off": tags are neither made nor checked */
    readonly mode: "required" | "off",
  ) {}

  /** Replaces the keys (SIGHUP re-read the file). */
  setRing(ring: KeyRing): void {
    this.ring = ring;
  }

  get keys(): KeyRing | null {
    return this.ring;
  }

  /**
   * The datagram with its tag: flag and key id set, HMAC-SHA-256 appended over all bytes
   * before it, under the newest key that covers node. Unchanged when mode is off or no key
   * covers node.
   */
  sign(datagram: Buffer, node: number): Buffer {
    const key = this.mode === "required" ? this.ring?.newestFor(node) : null;
    if (!key) return datagram;
    const L = this.L;
    const out = Buffer.alloc(datagram.length + L.W_TAG_LEN);
    datagram.copy(out);
    out.writeUInt16LE(out.readUInt16LE(L.W_FLAGS) | L.WF_AUTH, L.W_FLAGS);
    out.writeUInt16LE(key.id, L.W_KEY_ID);
    macOf(key).mac.sign(out, datagram.length);
    return out;
  }

  /**
   * Checks the tag of a received datagram before anything else reads it. Returns 0 and the
   * key that signed it (null with mode off), or a rejection reason R_*. Whether that key
   * may speak for the sender's node is checked once the node is known (covers()).
   * mem and at: where a copy of datagram lies with 64 bytes before it to spare (the core's
   * input, Core.load): the tag is then checked there (Hmac.verifyIn), not on a copy of its own.
   */
  verify(datagram: Uint8Array, mem?: Uint8Array, at = 0): { reason: number; key: Key | null } {
    const L = this.L;
    if (this.mode === "off") return UNCHECKED;
    if (datagram.length < L.W_COMMON_LEN) return { reason: L.R_SHORT, key: null };
    // (little-endian u16s read byte by byte: no view allocated per datagram)
    if (!((datagram[L.W_FLAGS] | (datagram[L.W_FLAGS + 1] << 8)) & L.WF_AUTH)) return { reason: L.R_NO_AUTH, key: null };
    if (datagram.length < L.W_COMMON_LEN + L.W_TAG_LEN) return { reason: L.R_SHORT, key: null };
    const key = this.ring?.byId(datagram[L.W_KEY_ID] | (datagram[L.W_KEY_ID + 1] << 8));
    if (!key) return { reason: L.R_UNKNOWN_KEY, key: null };
    const body = datagram.length - L.W_TAG_LEN;
    const m = macOf(key);
    if (!(mem ? m.mac.verifyIn(mem, at, body) : m.mac.verify(datagram, body))) return { reason: L.R_AUTH, key: null };
    return m.ok;
  }
}

/**
 * The sliding window of recent sequence numbers of one sender instance (as IPsec and DTLS
 * keep): reordering within the window is accepted, a repeat or anything older is not, and a
 * newer instance starts a new window. The core keeps the same window per node in its table;
 * this one is for the requests a node agent receives.
 */
export class ReplayWindow {
  private instance = -1n;
  private last = 0n;
  private bits = 0n;

  constructor(private readonly size = 64n) {}

  /** Whether (instance, seq) is new; records it if so. */
  accept(instance: bigint, seq: bigint): boolean {
    if (instance < this.instance) return false;
    if (instance > this.instance) {
      this.instance = instance;
      this.last = seq;
      this.bits = 1n;
      return true;
    }
    if (seq > this.last) {
      const shift = seq - this.last;
      this.bits = shift >= this.size ? 1n : ((this.bits << shift) | 1n) & ((1n << this.size) - 1n);
      this.last = seq;
      return true;
    }
    const age = this.last - seq;
    if (age >= this.size || this.bits & (1n << age)) return false;
    this.bits |= 1n << age;
    return true;
  }

  /** The instance and newest sequence accepted, to keep across a restart; null before the first. */
  state(): { instance: bigint; last: bigint } | null {
    return this.instance < 0n ? null : { instance: this.instance, last: this.last };
  }

  /**
   * Continues from a state() of an earlier run: every sequence up to last of that instance,
   * and every older instance, counts as seen (which of the older ones arrived is not kept).
   */
  restore(s: { instance: bigint; last: bigint }): void {
    this.instance = s.instance;
    this.last = s.last;
    this.bits = (1n << this.size) - 1n;
  }
}

/** The --auth mode: given, or required exactly when there is a key file. Throws UsageError. */
export function authMode(given: string | undefined, keyFile: boolean): "required" | "off" {
  if (given === undefined) return keyFile ? "required" : "off";
  if (given !== "required" && given !== "off") throw new UsageError(`--auth ${given}: expected required or off`);
  if (given === "required" && !keyFile) throw new UsageError("--auth required needs --key-file");
  return given;
}

// Key files and tags (src/auth.ts): what a key file may hold and who may read it, which key a
// sender picks, that every tampered byte fails the tag, and the replay window of requests.

import assert from "node:assert/strict";
import { chmodSync, linkSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createHmac, randomBytes } from "node:crypto";
import { Authenticator, Hmac, KeyRing, ReplayWindow, covers } from "../../src/auth";
import { Core, namesOf } from "../../src/wasm";
import { Encoder, encodeRequest, type Update } from "../../src/wire";
import { readProcRoot } from "../../src/proc";
import { FIXTURES } from "../helpers/paths";
import { tempDir } from "../helpers/cluster";

const L = new Core(1).layout;
const reason = namesOf(L, "R_");
const hex = (byte: string, n = 32) => byte.repeat(n);

/** A key file with text, mode 600 unless told. */
function keyFile(dir: string, text: string, mode = 0o600): string {
  const f = join(dir, `keys-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, text);
  chmodSync(f, mode);
  return f;
}

test("a key file: ids, hex keys, node scopes, comments; the newest key that covers a node signs", () => {
  const t = tempDir();
  const ring = KeyRing.load(keyFile(t.dir, `# cluster key\n1 ${hex("aa")}\n\n7 ${hex("bb")} 0-127   # rack 1\n9 ${hex("cc")} 12\n3 ${hex("dd")} -1\n`));
  assert.equal(ring.size, 4);
  assert.equal(ring.newestFor(12)!.id, 9);
  assert.equal(ring.newestFor(13)!.id, 7);
  assert.equal(ring.newestFor(500)!.id, 1);
  assert.equal(ring.newestFor(-1)!.id, 3);
  assert.ok(covers(ring.byId(7)!, 0) && covers(ring.byId(7)!, 127) && !covers(ring.byId(7)!, 128));
  t.remove();
});

test("a bad key file is refused with its line and reason", () => {
  const t = tempDir();
  const cases: Array<[string, RegExp]> = [
    [`0 ${hex("aa")}\n`, /:1: key id '0' is not 1-65535/],
    [`65536 ${hex("aa")}\n`, /:1: key id '65536'/],
    [`1 ${hex("aa", 31)}\n`, /:1: a key of 31 bytes is shorter than 32/],
    [`1 ${hex("aa")}\n1 ${hex("bb")}\n`, /:2: key id 1 given twice/],
    [`1 xyz${hex("aa")}\n`, /:1: the key is not hexadecimal/],
    [`1 ${hex("aa")} 9-3\n`, /:1: nodes '9-3' is an empty range/],
    [`1 ${hex("aa")} rack1\n`, /:1: nodes 'rack1' is not N or FIRST-LAST/],
    [`# nothing\n`, /no keys/],
  ];
  for (const [text, re] of cases) assert.throws(() => KeyRing.load(keyFile(t.dir, text)), re, text);
  t.remove();
});

test("a key file that group or others can read, or a link to one, or one with another hard link, is refused", () => {
  const t = tempDir();
  const text = `1 ${hex("aa")}\n`;
  assert.throws(() => KeyRing.load(keyFile(t.dir, text, 0o640)), /mode 640 lets group or others read it/);
  assert.throws(() => KeyRing.load(keyFile(t.dir, text, 0o604)), /mode 604/);
  const good = keyFile(t.dir, text);
  const link = join(t.dir, "link");
  symlinkSync(good, link);
  assert.throws(() => KeyRing.load(link), /symbolic link, refused/);
  assert.equal(KeyRing.load(good).size, 1);
  // a second hard link to it: both names refused
  const hard = join(t.dir, "hard");
  linkSync(good, hard);
  assert.throws(() => KeyRing.load(good), /has 2 hard links, refused/);
  assert.throws(() => KeyRing.load(hard), /has 2 hard links, refused/);
  t.remove();
});

test("Hmac makes createHmac's tag: keys shorter, as long as and longer than a block, messages of any length", () => {
  for (const keyLen of [32, 63, 64, 65, 100]) {
    const key = randomBytes(keyLen);
    const mac = new Hmac(key);
    // around SHA-256's block and padding edges, and past the buffer Hmac starts with
    for (const len of [0, 1, 55, 56, 63, 64, 119, 120, 900, 1472, 2047, 2048, 5000, 70]) {
      const m = randomBytes(len);
      const want = createHmac("sha256", key).update(m).digest();
      assert.deepEqual(mac.tag(m), want, `key ${keyLen} B, message ${len} B`);
      // sign and verify work in place, on a datagram whose tag follows its body
      const d = Buffer.concat([m, Buffer.alloc(32)]);
      mac.sign(d, len);
      assert.deepEqual(d.subarray(len), want, `sign: key ${keyLen} B, message ${len} B`);
      assert.ok(mac.verify(d, len), `verify: key ${keyLen} B, message ${len} B`);
    }
  }
});

test("Hmac.verify refuses a tag with any one bit changed, and a body with any one byte changed", () => {
  const mac = new Hmac(randomBytes(32));
  const d = randomBytes(900 + 32);
  mac.sign(d, 900);
  for (let i = 0; i < 32 * 8; i++) {
    d[900 + (i >> 3)] ^= 1 << (i & 7);
    assert.equal(mac.verify(d, 900), false, `tag bit ${i}`);
    d[900 + (i >> 3)] ^= 1 << (i & 7);
  }
  for (const at of [0, 1, 63, 64, 450, 899]) {
    d[at] ^= 0x80;
    assert.equal(mac.verify(d, 900), false, `body byte ${at}`);
    d[at] ^= 0x80;
  }
  assert.ok(mac.verify(d, 900));
});

test("Hmac.verifyIn checks a datagram where the core holds it, as verify does a copy: two keys in turn, any length, any changed byte", () => {
  const core = new Core(1);
  const macs = [new Hmac(randomBytes(32)), new Hmac(randomBytes(100))];
  let turn = 0;
  for (const len of [0, 1, 55, 56, 64, 900, 1472, 900, 5000, 1472]) {
    for (const mac of macs) {
      const d = randomBytes(len + 32);
      mac.sign(d, len);
      assert.equal(core.load(d), 0);
      const mem = core.memory();
      const at = core.inputAt();
      assert.ok(mac.verifyIn(mem, at, len), `key ${turn % 2}, ${len} B`);
      // the other key's block went into the head since: this key's tag still fails under it
      assert.equal(macs[(turn + 1) % 2].verifyIn(mem, at, len), false, `the other key, ${len} B`);
      for (const i of [0, len >> 1, len - 1, len, len + 31]) {
        if (i < 0 || i >= len + 32) continue;
        mem[at + i] ^= 0x10;
        assert.equal(mac.verifyIn(mem, at, len), false, `byte ${i} of ${len} changed`);
        mem[at + i] ^= 0x10;
      }
      assert.ok(mac.verifyIn(mem, at, len), `restored, ${len} B`);
      turn++;
    }
  }
});

test("the core's INPUT_HEAD bytes before its input are left as the host wrote them by a datagram's load, check and apply", () => {
  const t = tempDir();
  const auth = new Authenticator(L, KeyRing.load(keyFile(t.dir, `1 ${hex("aa")}\n`)), "required");
  const core = new Core(4);
  const files: Update["files"] = {};
  for (const [k, v] of Object.entries(readProcRoot(join(FIXTURES, "kvm-x86_64-2cpu-linux6.18")))) {
    files[k as keyof Update["files"]] = { text: v!, sampleMs: 1e12 };
  }
  const update: Update = { node: 2, hostname: "n2", instance: 1n, updateId: 1, intervalMs: 1000, userHz: 100, arch: 1, files };
  let seq = 0n;
  const datagrams = new Encoder(core, 700).encode(update, () => ++seq).datagrams.map((d) => auth.sign(d, 2));
  assert.ok(datagrams.length >= 2, "an update of several datagrams (a small MTU)");
  assert.equal(L.INPUT_HEAD, 64);
  const headOf = (): Uint8Array => Uint8Array.from(core.memory().subarray(core.inputAt() - L.INPUT_HEAD, core.inputAt()));
  for (const d of datagrams) {
    assert.equal(core.load(d), 0);
    assert.equal(auth.verify(d, core.memory(), core.inputAt()).reason, 0);
    const head = headOf(); // the key block verify wrote
    assert.equal(core.checkLoaded(d.length, L.WT_STATUS), 0);
    assert.equal(core.apply(core.datagramNode(), new Uint8Array(16), 1e12, 0), 0);
    assert.deepEqual(headOf(), head);
  }
  assert.ok(core.tableRecord(2), "the update applied");
  // a changed byte in the core's copy fails, though the Buffer given is intact: the copy is what is checked
  const d = datagrams[0];
  core.load(d);
  core.memory()[core.inputAt() + 3] ^= 1;
  assert.equal(reason.get(auth.verify(d, core.memory(), core.inputAt()).reason), "auth");
  t.remove();
});

test("a signed datagram verifies; any changed byte, an unknown key or no tag does not", () => {
  const t = tempDir();
  const file = keyFile(t.dir, `1 ${hex("aa")}\n2 ${hex("bb")} 5\n`);
  const auth = new Authenticator(L, KeyRing.load(file), "required");
  const plain = encodeRequest(L, { instance: 1n, seq: 1n, target: "all", full: true });
  const signed = auth.sign(plain, 5);
  assert.equal(signed.length, plain.length + L.W_TAG_LEN);
  assert.equal(signed.readUInt16LE(L.W_KEY_ID), 2, "the newest key covering node 5");
  assert.ok(signed.readUInt16LE(L.W_FLAGS) & L.WF_AUTH);
  const ok = auth.verify(signed);
  assert.equal(ok.reason, 0);
  assert.equal(ok.key!.id, 2);
  // the core accepts the signed form too: the tag is outside the sections
  const core = new Core(1);
  assert.equal(core.check(signed, L.WT_REQUEST), 0);
  for (let i = 0; i < signed.length; i++) {
    const bad = Buffer.from(signed);
    bad[i] ^= 0x01;
    const r = auth.verify(bad).reason;
    assert.ok(r === L.R_AUTH || r === L.R_UNKNOWN_KEY || r === L.R_NO_AUTH, `byte ${i}: ${reason.get(r)}`);
  }
  const other = new Authenticator(L, KeyRing.load(keyFile(t.dir, `3 ${hex("cc")}\n`)), "required");
  assert.equal(reason.get(other.verify(signed).reason), "unknown_key");
  assert.equal(reason.get(auth.verify(plain).reason), "no_auth");
  assert.equal(new Authenticator(L, null, "off").verify(plain).reason, 0, "--auth off checks nothing");
  t.remove();
});

test("the replay window accepts reordering, not repeats, nothing older than the window, nor an older instance", () => {
  const w = new ReplayWindow(64n);
  assert.ok(w.accept(100n, 10n));
  assert.ok(w.accept(100n, 12n));
  assert.ok(w.accept(100n, 11n), "reordered");
  assert.ok(!w.accept(100n, 11n), "repeat");
  assert.ok(!w.accept(100n, 12n), "repeat of the newest");
  assert.ok(w.accept(100n, 200n));
  assert.ok(w.accept(100n, 137n), "63 behind");
  assert.ok(!w.accept(100n, 136n), "64 behind: out of the window");
  assert.ok(!w.accept(99n, 500n), "an older instance");
  assert.ok(w.accept(101n, 1n), "a newer instance starts again");
  assert.ok(!w.accept(100n, 300n));
});

test("the replay window's state continues it after a restart: up to its newest, and older instances, all count as seen", () => {
  const w = new ReplayWindow(64n);
  assert.equal(w.state(), null, "nothing accepted yet");
  assert.ok(w.accept(100n, 10n));
  assert.ok(w.accept(100n, 12n));
  assert.deepEqual(w.state(), { instance: 100n, last: 12n });
  const again = new ReplayWindow(64n);
  again.restore(w.state()!);
  assert.deepEqual(again.state(), { instance: 100n, last: 12n });
  assert.ok(!again.accept(100n, 12n), "the newest again");
  assert.ok(!again.accept(100n, 11n), "one never seen before the restart, but older than the newest: taken as seen");
  assert.ok(!again.accept(100n, 1n), "far older");
  assert.ok(!again.accept(99n, 500n), "an older instance");
  assert.ok(again.accept(100n, 13n), "the next one");
  assert.ok(again.accept(100n, 15n));
  assert.ok(again.accept(100n, 14n), "reordered after the restart, as before it");
  assert.ok(!again.accept(100n, 14n), "a repeat");
  assert.ok(again.accept(101n, 1n), "a newer instance starts again");
  assert.deepEqual(again.state(), { instance: 101n, last: 1n });
});

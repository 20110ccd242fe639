// sendstats' request state file (src/requeststate.ts): the one line it holds and what else
// is refused, a missing file as a first start, a replacement made exclusively with mode 0600
// that never follows a link planted under the file's name, and files not our own refused.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { formatRequestState, parseRequestState, prepareStateDir, readRequestState, writeRequestState } from "../../src/requeststate";
import { tempDir } from "../helpers/cluster";

const U64_MAX = (1n << 64n) - 1n;

test("the state is one line \"v1 INSTANCE SEQ\" of u64s; anything else is not a state", () => {
  for (const s of [{ instance: 1732612345678123n, last: 42n }, { instance: 0n, last: 0n }, { instance: U64_MAX, last: U64_MAX }]) {
    assert.deepEqual(parseRequestState(formatRequestState(s)), s);
  }
  assert.equal(formatRequestState({ instance: 5n, last: 7n }), "v1 5 7\n");
  const cases: Array<[string, string]> = [
    ["empty", ""],
    ["no newline", "v1 5 7"],
    ["another version", "v2 5 7\n"],
    ["a field missing", "v1 5\n"],
    ["a field too many", "v1 5 7 9\n"],
    ["a second line", "v1 5 7\nv1 6 8\n"],
    ["a sign", "v1 -5 7\n"],
    ["not digits", "v1 5 0x7\n"],
    ["spaces around", " v1 5 7\n"],
    ["above u64", `v1 ${U64_MAX + 1n} 7\n`],
    ["21 digits", "v1 000000000000000000005 7\n"],
  ];
  for (const [name, text] of cases) assert.equal(parseRequestState(text), null, name);
});

test("no file is a first start; a written state reads back, mode 0600, in a directory made mode 0700", () => {
  const t = tempDir();
  try {
    const file = join(t.dir, "lib", "sendstats", "requests");
    prepareStateDir(file);
    assert.equal(statSync(join(t.dir, "lib", "sendstats")).mode & 0o777, 0o700);
    assert.equal(readRequestState(file), null);
    writeRequestState(file, { instance: 100n, last: 7n });
    assert.deepEqual(readRequestState(file), { instance: 100n, last: 7n });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    writeRequestState(file, { instance: 100n, last: 8n });
    assert.equal(readFileSync(file, "latin1"), "v1 100 8\n");
    assert.deepEqual(readdirSync(join(t.dir, "lib", "sendstats")), ["requests"], "no temporary file left behind");
  } finally {
    t.remove();
  }
});

test("a file that is not our own state is refused with why, and never followed; the next write replaces it", () => {
  const t = tempDir();
  try {
    const victim = join(t.dir, "victim");
    const precious = "v1 1 1\n";
    const plants: Array<[string, (file: string) => void, RegExp]> = [
      ["a symbolic link", (f) => symlinkSync(victim, f), /is a symbolic link, refused/],
      ["a hard link", (f) => linkSync(victim, f), /has 2 hard links, refused/],
      ["a directory", (f) => mkdirSync(f), /not a regular file/],
      ["garbage", (f) => writeFileSync(f, "garbage\n"), /not a request state/],
      ["a large file", (f) => writeFileSync(f, "v1 1 1\n".repeat(100)), /700 bytes, not a request state/],
    ];
    if (spawnSync("sh", ["-c", "command -v mkfifo"]).status === 0) {
      // opened without blocking, then refused: a FIFO would otherwise hang sendstats' start
      plants.push(["a FIFO", (f) => spawnSync("mkfifo", [f]), /not a regular file/]);
    }
    for (const [name, plant, why] of plants) {
      writeFileSync(victim, precious);
      chmodSync(victim, 0o600);
      const dir = join(t.dir, name.replace(/ /g, "-"));
      mkdirSync(dir);
      const file = join(dir, "requests");
      plant(file);
      assert.throws(() => readRequestState(file), why, name);
      if (name === "a directory") {
        assert.throws(() => writeRequestState(file, { instance: 2n, last: 3n }), /requests: /, "rename cannot replace a directory");
        continue;
      }
      writeRequestState(file, { instance: 2n, last: 3n });
      assert.equal(readFileSync(victim, "latin1"), precious, `${name}: its target untouched`);
      assert.ok(lstatSync(file).isFile() && lstatSync(file).nlink === 1, `${name}: replaced by a file of our own`);
      assert.deepEqual(readRequestState(file), { instance: 2n, last: 3n });
    }
  } finally {
    t.remove();
  }
});

test("a file of another account is refused", { skip: process.getuid?.() !== 0 ? "needs root (chown to another account)" : false }, () => {
  const t = tempDir();
  try {
    const file = join(t.dir, "requests");
    writeFileSync(file, "v1 5 7\n");
    chownSync(file, 65534, 65534);
    assert.throws(() => readRequestState(file), /owned by uid 65534, not by this account$/);
  } finally {
    t.remove();
  }
});

test("a directory that cannot be written is an error naming the file", () => {
  const t = tempDir();
  try {
    // (a regular file where the directory should be: root may write into any directory)
    writeFileSync(join(t.dir, "blocker"), "");
    const file = join(t.dir, "blocker", "requests");
    assert.throws(() => prepareStateDir(file), /blocker/);
    assert.throws(() => writeRequestState(file, { instance: 1n, last: 1n }), /blocker\/requests: cannot write beside it/);
  } finally {
    t.remove();
  }
});

// beostatus --http [ADDR:]PORT (src/webserver.ts parseListen): the default address and port,
// a lone number as a port, IPv6 in brackets, and what is refused.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseListen } from "../../src/webserver";

test("--http takes [ADDR:]PORT: 127.0.0.1 and 3042 where not given", () => {
  assert.deepEqual(parseListen("8080"), { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseListen(":8080"), { host: "127.0.0.1", port: 8080 });
  assert.deepEqual(parseListen("0.0.0.0:80"), { host: "0.0.0.0", port: 80 });
  assert.deepEqual(parseListen("10.1.2.3"), { host: "10.1.2.3", port: 3042 });
  assert.deepEqual(parseListen("localhost:0"), { host: "localhost", port: 0 });
  assert.deepEqual(parseListen("[::1]:9000"), { host: "::1", port: 9000 });
  assert.deepEqual(parseListen("[::]"), { host: "::", port: 3042 });
  assert.deepEqual(parseListen(""), { host: "127.0.0.1", port: 3042 });
});

test("--http refuses a port out of range and an address it cannot read", () => {
  for (const bad of ["65536", "1.2.3.4:70000", "::1:80", "[::1", "host:port", "a:1:2"]) {
    assert.equal(parseListen(bad), null, bad);
  }
});

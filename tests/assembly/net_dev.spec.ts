// Specs of parseNetDev (assembly/proc/net_dev.ts): names ending at the last colon, counters
// glued to it, raw UTF-8 names up to 31 bytes, fewer or more than 16 counters, the
// MAX_IFACES cut, and the status table of assembly/status.ts for every kind of bad input.
// HEAD is the kernel's two header lines (200 bytes); offsets are counted by hand from it.

import {
  EXT_COUNT, F_SECTION, IF_COUNTERS, IF_FAILED, IF_NAME, IF_NAME_FAILED, IF_NAME_LEN, IF_PRESENT, IF_SIZE,
  IFC_RX_BYTES, IFC_RX_PACKETS, IFC_TX_BYTES, IFC_TX_COMPRESSED, IFC_TX_DROP, MAX_IFACES, NODE_IFS, NODE_STATE,
  NSTATE_IFS_CUT, PR_IFS, SEC_NETDEV,
} from "../../assembly/layout";
import { parseNetDev } from "../../assembly/proc/net_dev";
import { parseFailAt } from "../../assembly/scan";
import { NO_FAIL, S_BAD_FIELD, S_EMPTY, S_LIMIT, S_OK, S_OVERFLOW, S_TRUNCATED } from "../../assembly/status";
import { allZero, cstr, freshRecord, isPresent, rec, run } from "./fixture";

const HEAD =
  "Inter-|   Receive                                                |  Transmit\n" +
  " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
/** Sixteen counters 1..16, each after a space: 39 bytes. */
const C16 = " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16";
const ALL: u32 = 0xffff;

function count(): u32 {
  return load<u32>(rec + NODE_IFS + EXT_COUNT);
}

function entry(i: u32): usize {
  return rec + PR_IFS + <usize>i * IF_SIZE;
}

function name(i: u32): string {
  return cstr(entry(i) + IF_NAME, IF_NAME_LEN);
}

function counter(i: u32, c: u32): u64 {
  return load<u64>(entry(i) + IF_COUNTERS + (<usize>c << 3));
}

function present(i: u32): u32 {
  return load<u32>(entry(i) + IF_PRESENT);
}

function failed(i: u32): u32 {
  return load<u32>(entry(i) + IF_FAILED);
}

describe("parseNetDev", () => {
  beforeEach(() => {
    freshRecord();
  });

  it("reads a real file: padded, glued, aliased and dotted names, counters above 2^32", () => {
    const text =
      HEAD +
      "  tun0:    1888      24    0    0    0     0          0         0    67120     934    0    0    0     0       0          0\n" +
      "    lo: 435303245 1832522    0    0    0     0          0         0 435303245 1832522    0    0    0     0       0          0\n" +
      "  eth0:68210035552 520993275    0    0    0     0          0         0 9315587528 43451486    0    0    0     0       0          0\n" +
      "ibr10:30:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n" +
      "flannel.1: 18144009813 228499337    0    0    0     0          0         0 20758990068 258369223    0   64    0     0       0          0\n";
    expect(run(parseNetDev, text)).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(5);
    expect(name(0)).toBe("tun0");
    expect(name(1)).toBe("lo");
    expect(name(2)).toBe("eth0");
    expect(name(3)).toBe("ibr10:30");
    expect(name(4)).toBe("flannel.1");
    expect(counter(0, IFC_RX_BYTES)).toBe(1888);
    expect(counter(0, IFC_TX_BYTES)).toBe(67120);
    expect(counter(2, IFC_RX_BYTES)).toBe(68210035552);
    expect(counter(2, IFC_RX_PACKETS)).toBe(520993275);
    expect(counter(2, IFC_TX_BYTES)).toBe(9315587528);
    expect(counter(4, IFC_TX_BYTES)).toBe(20758990068);
    expect(counter(4, IFC_TX_DROP)).toBe(64);
    for (let i: u32 = 0; i < 5; i++) {
      expect(present(i)).toBe(ALL);
      expect(failed(i)).toBe(0);
    }
    expect(isPresent(rec, F_SECTION + SEC_NETDEV)).toBe(true);
  });

  it("stores the counters in /proc/net/dev column order", () => {
    expect(run(parseNetDev, HEAD + "  eth0:" + C16 + "\n")).toBe(S_OK);
    for (let c: u32 = 0; c < 16; c++) expect(counter(0, c)).toBe(<u64>(c + 1));
    expect(counter(0, IFC_TX_COMPRESSED)).toBe(16);
  });

  it("reports an empty file as EMPTY at offset 0, with the section given", () => {
    expect(run(parseNetDev, "")).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(count()).toBe(0);
    expect(isPresent(rec, F_SECTION + SEC_NETDEV)).toBe(true);
  });

  it("reports the two header lines alone as EMPTY", () => {
    expect(run(parseNetDev, HEAD)).toBe(S_EMPTY);
    expect(parseFailAt).toBe(0);
    expect(count()).toBe(0);
  });

  it("reports a last line without newline as TRUNCATED and drops only that interface", () => {
    // "  eth0:" + C16 + "\n" is 47 bytes: the cut line starts at 200 + 47
    expect(run(parseNetDev, HEAD + "  eth0:" + C16 + "\n  eth1: 1 2 3")).toBe(S_TRUNCATED);
    expect(parseFailAt).toBe(247);
    expect(count()).toBe(1);
    expect(name(0)).toBe("eth0");
  });

  it("leaves the counters after the third absent when a line has three", () => {
    expect(run(parseNetDev, HEAD + "  eth0: 1 2 3\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(present(0)).toBe(0x7);
    expect(failed(0)).toBe(0);
    expect(counter(0, 2)).toBe(3);
    expect(counter(0, 3)).toBe(0);
  });

  it("keeps an interface with a name and no counters, all of them absent", () => {
    expect(run(parseNetDev, HEAD + "  eth0:\n")).toBe(S_OK);
    expect(count()).toBe(1);
    expect(name(0)).toBe("eth0");
    expect(present(0)).toBe(0);
    expect(failed(0)).toBe(0);
  });

  it("ignores counters after the sixteenth", () => {
    expect(run(parseNetDev, HEAD + "  eth0:" + C16 + " 17 18\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(present(0)).toBe(ALL);
    expect(counter(0, 15)).toBe(16);
  });

  it("rejects a counter above 2^64-1 and keeps the others, 2^64-1 among them", () => {
    // "  eth0: 1 " is 10 bytes, 2^64-1 is 20 digits and a space: the third counter is at 200 + 31
    const line = "  eth0: 1 18446744073709551615 18446744073709551616 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
    expect(run(parseNetDev, HEAD + line)).toBe(S_OVERFLOW);
    expect(parseFailAt).toBe(231);
    expect(present(0)).toBe(0xfffb);
    expect(failed(0)).toBe(0x4);
    expect(counter(0, 1)).toBe(u64.MAX_VALUE);
    expect(counter(0, 2)).toBe(0);
    expect(counter(0, 3)).toBe(4);
  });

  it("rejects a counter with a non-digit and keeps the others", () => {
    expect(run(parseNetDev, HEAD + "  eth0: 1 2x 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(210);
    expect(present(0)).toBe(0xfffd);
    expect(failed(0)).toBe(0x2);
    expect(counter(0, 1)).toBe(0);
    expect(counter(0, 2)).toBe(3);
  });

  it("rejects a bad counter in a padded line's last window and keeps only the good ones", () => {
    // the vector path stores the first 64 bytes' counters before it meets "7x": the slow
    // path that takes over must not leave them behind for the failed counter
    const line = "  eth0: 1664039048 1566805    0    0    0     0          0         0 1664039048 1566805    0    0    0     0       0          7x\n";
    expect(run(parseNetDev, HEAD + line)).toBe(S_BAD_FIELD);
    expect(present(0)).toBe(0x7fff);
    expect(failed(0)).toBe(0x8000);
    expect(counter(0, 0)).toBe(1664039048);
    expect(counter(0, 9)).toBe(1566805);
    expect(counter(0, 15)).toBe(0);
  });

  it("rejects a negative counter", () => {
    expect(run(parseNetDev, HEAD + "  eth0: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(208);
    expect(present(0)).toBe(0xfffe);
    expect(failed(0)).toBe(0x1);
  });

  it("reads CRLF line ends as white space", () => {
    const crlfHead = HEAD.replaceAll("\n", "\r\n");
    expect(run(parseNetDev, crlfHead + "  eth0:" + C16 + "\r\n  eth1:" + C16 + "\r\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(2);
    expect(name(1)).toBe("eth1");
    expect(present(1)).toBe(ALL);
    expect(counter(1, 15)).toBe(16);
  });

  it("skips a line whose name (its key) has a NUL byte, as an unknown key (status table)", () => {
    expect(run(parseNetDev, HEAD + "  et\0h0:" + C16 + "\n  eth1:" + C16 + "\n")).toBe(S_OK);
    expect(parseFailAt).toBe(NO_FAIL);
    expect(count()).toBe(1);
    expect(name(0)).toBe("eth1");
  });

  it("fails a counter with a NUL byte in it and keeps the others", () => {
    // the second counter "2\02" is at 200 + 10
    expect(run(parseNetDev, HEAD + "  eth0: 1 2\x002 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(210);
    expect(failed(0)).toBe(0x2);
    expect(present(0)).toBe(0xfffd);
    expect(counter(0, 2)).toBe(3);
  });

  it("ends a name at the last colon of the line (ibr10:30)", () => {
    expect(run(parseNetDev, HEAD + "ibr10:30:" + C16 + "\n")).toBe(S_OK);
    expect(name(0)).toBe("ibr10:30");
    expect(counter(0, IFC_RX_BYTES)).toBe(1);
    expect(present(0)).toBe(ALL);
  });

  it("reads a counter glued to the colon of an aliased name (ibr10:30:5)", () => {
    expect(run(parseNetDev, HEAD + "ibr10:30:5 6\n")).toBe(S_OK);
    expect(name(0)).toBe("ibr10:30");
    expect(counter(0, 0)).toBe(5);
    expect(counter(0, 1)).toBe(6);
    expect(present(0)).toBe(0x3);
  });

  it("keeps a UTF-8 name as its raw bytes", () => {
    expect(run(parseNetDev, HEAD + " eth\u00e90:" + C16 + "\n \uD83D\uDCA90:" + C16 + "\n")).toBe(S_OK);
    expect(count()).toBe(2);
    const e = entry(0);
    expect(load<u8>(e + 3)).toBe(0xc3);
    expect(load<u8>(e + 4)).toBe(0xa9);
    expect(load<u8>(e + 5)).toBe(0x30);
    expect(load<u8>(e + 6)).toBe(0);
    expect(name(0)).toBe("eth\u00e90");
    expect(name(1)).toBe("\uD83D\uDCA90");
    expect(load<u8>(entry(1))).toBe(0xf0);
  });

  it("keeps a 31-byte name, NUL-terminated", () => {
    const n31 = "abcdefghijklmnopqrstuvwxyz01234";
    expect(run(parseNetDev, HEAD + n31 + ":" + C16 + "\n")).toBe(S_OK);
    expect(name(0)).toBe(n31);
    expect(load<u8>(entry(0) + 31)).toBe(0);
    expect(failed(0)).toBe(0);
  });

  it("fails a 32-byte name at its first byte, leaves it empty, and keeps the counters", () => {
    expect(run(parseNetDev, HEAD + "abcdefghijklmnopqrstuvwxyz012345:" + C16 + "\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(200);
    expect(count()).toBe(1);
    expect(failed(0)).toBe(IF_NAME_FAILED);
    expect(allZero(entry(0) + IF_NAME, IF_NAME_LEN)).toBe(true);
    expect(present(0)).toBe(ALL);
    expect(counter(0, 15)).toBe(16);
  });

  it("counts a name's length in bytes: 15 two-byte characters and one byte fit, 16 do not", () => {
    const e15 = "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9";
    expect(run(parseNetDev, HEAD + e15 + "x:" + C16 + "\n" + e15 + "\u00e9:" + C16 + "\n")).toBe(S_BAD_FIELD);
    // the first line is 31 + 1 + 39 + 1 = 72 bytes
    expect(parseFailAt).toBe(272);
    expect(name(0)).toBe(e15 + "x");
    expect(failed(0)).toBe(0);
    expect(failed(1)).toBe(IF_NAME_FAILED);
  });

  it("fails an empty name at its colon", () => {
    expect(run(parseNetDev, HEAD + "   :" + C16 + "\n")).toBe(S_BAD_FIELD);
    expect(parseFailAt).toBe(203);
    expect(count()).toBe(1);
    expect(failed(0)).toBe(IF_NAME_FAILED);
    expect(present(0)).toBe(ALL);
  });

  it("keeps the first 4096 interfaces of a longer list, flagging LIMIT and NSTATE_IFS_CUT", () => {
    // "e: 1\n" is 5 bytes: interface 4097 starts at 4096 * 5
    expect(run(parseNetDev, "e: 1\n".repeat(MAX_IFACES + 1))).toBe(S_LIMIT);
    expect(parseFailAt).toBe(20480);
    expect(count()).toBe(4096);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_IFS_CUT).toBe(NSTATE_IFS_CUT);
    expect(counter(4095, 0)).toBe(1);
    // the next, shorter list clears the flag
    expect(run(parseNetDev, "e: 1\n")).toBe(S_OK);
    expect(load<u32>(rec + NODE_STATE) & NSTATE_IFS_CUT).toBe(0);
    expect(count()).toBe(1);
  });

  it("replaces the list of an earlier parse", () => {
    expect(run(parseNetDev, HEAD + "  eth0:" + C16 + "\n  eth1:" + C16 + "\n")).toBe(S_OK);
    expect(run(parseNetDev, HEAD + "  eth2: 7\n")).toBe(S_OK);
    expect(count()).toBe(1);
    expect(name(0)).toBe("eth2");
    expect(present(0)).toBe(0x1);
    expect(counter(0, 1)).toBe(0);
  });
});

// The getopt forms every program accepts (src/args.ts): what a user of the original C tools
// types must parse the same way here, including values that begin with '-'.

import assert from "node:assert/strict";
import { test } from "node:test";
import { OptionSpec, UsageError, parseArgs, usage } from "../../src/args";

const SPECS: OptionSpec[] = [
  { long: "debug", short: "d", help: "stay in the foreground" },
  { long: "verbose", short: "V", help: "say more" },
  { long: "interface", short: "i", value: "string", meta: "IF", help: "interface" },
  { long: "port", short: "p", value: "int", meta: "PORT", min: 1, max: 65535, help: "port" },
  { long: "node", short: "n", value: "int", meta: "N", min: -1, help: "node number" },
  { long: "rate", short: "r", value: "number", meta: "SECONDS", help: "interval" },
  { long: "to", value: "list", meta: "HOST", help: "unicast target" },
];

test("every getopt form of an option with a value gives the same value", () => {
  for (const argv of [["-i", "eth1"], ["-ieth1"], ["--interface=eth1"], ["--interface", "eth1"]]) {
    assert.equal(parseArgs(SPECS, argv).opts.interface, "eth1", argv.join(" "));
  }
});

test("negative numbers are values, not options", () => {
  assert.equal(parseArgs(SPECS, ["-n", "-1"]).opts.node, -1);
  assert.equal(parseArgs(SPECS, ["--node=-1"]).opts.node, -1);
  assert.equal(parseArgs(SPECS, ["--node", "-1"]).opts.node, -1);
  assert.equal(parseArgs(SPECS, ["-n-1"]).opts.node, -1);
});

test("clustered flags and a trailing value option", () => {
  const { opts } = parseArgs(SPECS, ["-dVieth0"]);
  assert.equal(opts.debug, true);
  assert.equal(opts.verbose, true);
  assert.equal(opts.interface, "eth0");
});

test("repeated list options accumulate, and -- ends the options", () => {
  const { opts, rest } = parseArgs(SPECS, ["--to", "a", "--to=b:3040", "--", "-d", "x"]);
  assert.deepEqual(opts.to, ["a", "b:3040"]);
  assert.equal(opts.debug, undefined);
  assert.deepEqual(rest, ["-d", "x"]);
});

test("numbers are checked: integers, decimals and ranges", () => {
  assert.equal(parseArgs(SPECS, ["-r", "0.5"]).opts.rate, 0.5);
  assert.equal(parseArgs(SPECS, ["-p3041"]).opts.port, 3041);
  assert.throws(() => parseArgs(SPECS, ["-p", "0"]), /below 1/);
  assert.throws(() => parseArgs(SPECS, ["-p", "70000"]), /above 65535/);
  assert.throws(() => parseArgs(SPECS, ["-p", "12x"]), /not an integer/);
  assert.throws(() => parseArgs(SPECS, ["-n", "-2"]), /below -1/);
  assert.throws(() => parseArgs(SPECS, ["-r", "1e3"]), /not a number/);
});

test("unknown options and missing values are usage errors naming the option", () => {
  const cases: Array<[string[], RegExp]> = [
    [["-x"], /unknown option -x/],
    [["--bogus"], /unknown option --bogus/],
    [["-i"], /option -i needs a value/],
    [["--interface"], /option --interface needs a value/],
    [["--debug=1"], /takes no value/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseArgs(SPECS, argv), (e: unknown) => e instanceof UsageError && re.test((e as Error).message));
  }
});

test("usage lists every option with its short form and value name", () => {
  const text = usage("prog", "[-d] [-i IF]", SPECS);
  assert.match(text, /^Usage: prog \[-d\] \[-i IF\]/);
  for (const s of SPECS) {
    assert.ok(text.includes(`--${s.long}`), s.long);
    if (s.short) assert.ok(text.includes(`-${s.short}, --${s.long}`), s.long);
  }
  assert.ok(text.includes("--interface=IF"));
});

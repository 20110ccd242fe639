// npm run fuzz: fast-check properties of everything a datagram reaches, for --seconds (default
// 30) or --runs per property: the WASM decoder and table (DecoderRig, tests/helpers/fuzz-rigs.ts),
// each /proc parser against the reference (tests/helpers/differential.ts), the host path through
// a real Collector (HostRig). Prints seeds, runs and runs per second; on a failure the input as
// hex and the command that replays it; exits 1 if any property failed.

import arg from "arg";
import { Core } from "../src/wasm";
import { PROC_SECTIONS } from "../tests/helpers/arbitraries";
import { corpus, hex } from "../tests/helpers/datagrams";
import { InputKind, PARSER_INPUTS, agree, show } from "../tests/helpers/differential";
import { DecoderRig, HostRig, HostVariant, OPEN_FINDINGS, decoderRun, describeDeliveries, hostRun } from "../tests/helpers/fuzz-rigs";
import { Fuzzed, FuzzOutcome, runFuzzed } from "../tests/helpers/fuzz-run";

const USAGE = `usage: npm run fuzz -- [--seconds N] [--runs N] [--seed S [--path P]] [--only NAME[,NAME...]] [--strict]

  --seconds N   time budget shared by all properties (default 30 when --runs is not given)
  --runs N      runs per property (with --seconds too: whichever ends first)
  --seed S      seed of every property (default: a random one per property, printed)
  --path P      with --seed and one --only: replay exactly the counterexample at P
  --only NAMES  the properties to run: decoder, parsers (or parsers/<section>/<kind>), host (or host/open, host/keyed)
  --strict      check the open findings too (OPEN_FINDINGS in tests/helpers/fuzz-rigs.ts): they fail until fixed`;

const FAMILIES = ["decoder", "parsers", "host"];
/** Each family's share of --seconds: the parsers also run in npm test, at length. */
const SHARES: Record<string, number> = { decoder: 0.35, parsers: 0.3, host: 0.35 };

/** A property, the family it belongs to, and what to do once its runs are over. */
interface Entry {
  family: string;
  property: Fuzzed<unknown>;
  /** after the runs: the host rig stops its collector and checks the file (throws if broken) */
  done?(): void;
}

/** Runs the fuzzer with argv (without the program name); resolves to the exit status. */
async function main(argv: string[]): Promise<number> {
  const spec = { "--seconds": Number, "--runs": Number, "--seed": Number, "--path": String, "--only": String, "--strict": Boolean, "--help": Boolean };
  let a: ReturnType<typeof arg<typeof spec>>;
  try {
    a = arg(spec, { argv });
  } catch (err) {
    console.error(`fuzz: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (a["--help"]) {
    console.log(USAGE);
    return 0;
  }
  const runs = a["--runs"];
  const seconds = a["--seconds"] ?? (runs === undefined ? 30 : undefined);
  const seed = a["--seed"];
  const problems = [
    runs !== undefined && !(Number.isInteger(runs) && runs > 0) ? `--runs ${runs}: expected a whole number above 0` : "",
    seconds !== undefined && !(seconds > 0) ? `--seconds ${seconds}: expected a number above 0` : "",
    seed !== undefined && !(Number.isInteger(seed) && seed >= 0) ? `--seed ${seed}: expected a whole number` : "",
  ].filter(Boolean);
  if (problems.length) {
    console.error(`fuzz: ${problems[0]}\n${USAGE}`);
    return 2;
  }
  const only = a["--only"]?.split(",");
  for (const w of only ?? []) {
    if (!FAMILIES.some((f) => w === f || w.startsWith(`${f}/`))) {
      console.error(`fuzz: --only ${w}: no such property\n${USAGE}`);
      return 2;
    }
  }
  if (a["--path"] !== undefined && (seed === undefined || only?.length !== 1)) {
    console.error(`fuzz: --path replays one counterexample: give --seed and one --only\n${USAGE}`);
    return 2;
  }
  if (a["--strict"]) OPEN_FINDINGS.clear();

  const entries = await properties((name) => !only || only.some((w) => name === w || name.startsWith(`${w}/`)));
  if (entries.length === 0) {
    console.error(`fuzz: --only ${a["--only"]}: no such property`);
    return 2;
  }
  const families = new Set(entries.map((e) => e.family));
  const shareTotal = [...families].reduce((n, f) => n + SHARES[f], 0);
  const inFamily = (f: string) => entries.filter((e) => e.family === f).length;
  console.log(`fuzz: ${entries.length} properties, ${[seconds !== undefined ? `${seconds} s in all` : "", runs !== undefined ? `${runs} runs each` : ""].filter(Boolean).join(", at most ")}`);
  if (OPEN_FINDINGS.size) console.log(`fuzz: relaxed for open findings (failing tests in tests/node/fuzz-regressions.test.ts; --strict checks them): ${[...OPEN_FINDINGS].join("; ")}`);

  const outcomes: FuzzOutcome[] = [];
  for (const e of entries) {
    const s = seed ?? Math.floor(Math.random() * 2 ** 31);
    const budgetMs = seconds === undefined ? undefined : (seconds * 1000 * SHARES[e.family]) / shareTotal / inFamily(e.family);
    const outcome = await runFuzzed(e.property, {
      seed: s,
      runs,
      budgetMs,
      path: a["--path"],
      replay: (how) => `npm run fuzz -- --only ${e.property.name} --seed ${s} ${how}${a["--strict"] ? " --strict" : ""}`,
    });
    let report = outcome.report;
    try {
      e.done?.();
    } catch (err) {
      outcome.failed = true;
      report = report.replace(/: ok$/, ": FAILED") + `\n    after the runs: ${(err as Error).message}`;
    }
    console.log(report);
    outcomes.push(outcome);
  }
  const bad = outcomes.filter((x) => x.failed);
  console.log(bad.length ? `fuzz: ${bad.length} of ${outcomes.length} properties FAILED: ${bad.map((x) => x.name).join(", ")}` : `fuzz: all ${outcomes.length} properties held`);
  return bad.length ? 1 : 0;
}

/** The properties whose names wanted() accepts, with their rigs ready (a collector starts asynchronously). */
async function properties(wanted: (name: string) => boolean): Promise<Entry[]> {
  const c = corpus();
  const entries: Entry[] = [];
  const add = <T>(family: string, property: Fuzzed<T>, done?: () => void) => entries.push({ family, property: property as Fuzzed<unknown>, done });

  if (wanted("decoder")) {
    const rig = new DecoderRig(c);
    add("decoder", {
      name: "decoder",
      arbitrary: decoderRun(c),
      check: (r) => rig.run(r),
      describe: (r) => describeDeliveries(c, r, (i) => ` as a ${r[i].request ? "request" : "status"}, mapped to ${r[i].mapTo}, down-after ${r[i].downAfterMs}`),
    });
  }
  for (const section of PROC_SECTIONS) {
    const core = new Core(1); // one per section, reused: no parse may leak state into the next
    for (const kind of Object.keys(PARSER_INPUTS) as InputKind[]) {
      const name = `parsers/${section}/${kind}`;
      if (!wanted(name)) continue;
      add("parsers", {
        name,
        arbitrary: PARSER_INPUTS[kind](section),
        check: (bytes) => agree(core, section, bytes),
        describe: (bytes) => `${section}, ${bytes.length} bytes: ${show(bytes)}\n${hex(bytes)}`,
      });
    }
  }
  for (const v of ["open", "keyed"] as HostVariant[]) {
    if (!wanted(`host/${v}`)) continue;
    const rig = await HostRig.start(c, v);
    add(
      "host",
      {
        name: `host/${v}`,
        arbitrary: hostRun(c),
        check: (r) => rig.run(r),
        describe: (r) => rig.lastRun.map((b, i) => `datagram ${i + 1} from ${r[i].address}${r[i].fresh ? " (sequence number renewed)" : ""}: ${b.length} bytes\n${hex(b)}`).join("\n"),
        stateful: true,
      },
      () => rig.finish(),
    );
  }
  return entries;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

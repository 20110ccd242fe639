// Command lines as getopt users type them, parsed with `arg`. arg alone rejects "-ieth1" and
// reads "-n -1" as a missing value, so argv is first rewritten into "--long=value" words
// (every form below becomes one), then handed to arg with strict value checks:
//   -i eth1   -ieth1   --interface=eth1   --interface eth1   -n -1   --node=-1   -dv   --
// Each program declares its options once (an OptionSpec list); its usage text comes from
// the same list, so --help, the man pages and the parser never disagree.

import arg from "arg";

export type ValueKind = "string" | "int" | "number" | "list";

export interface OptionSpec {
  long: string;
  short?: string;
  /** absent for a flag */
  value?: ValueKind;
  /** the value's name in usage text ("IF", "SECONDS") */
  meta?: string;
  help: string;
  /** for numbers: the smallest and largest accepted */
  min?: number;
  max?: number;
}

/** -h and -v, as every program ends its options. */
export const HELP_VERSION: readonly OptionSpec[] = [
  { long: "help", short: "h", help: "print this help and exit" },
  { long: "version", short: "v", help: "print the version and exit" },
];

/** A command line that cannot be accepted: the program prints it with its usage and exits 2. */
export class UsageError extends Error {}

export type Options = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  opts: Options;
  /** operands (words that are not options) */
  rest: string[];
}

function check(spec: OptionSpec, raw: string): string | number {
  const name = `--${spec.long}`;
  if (spec.value === "int" || spec.value === "number") {
    const ok = spec.value === "int" ? /^-?\d+$/.test(raw) : /^-?\d+(\.\d+)?$/.test(raw);
    if (!ok) throw new UsageError(`${name}: '${raw}' is not ${spec.value === "int" ? "an integer" : "a number"}`);
    const n = Number(raw);
    if (spec.min !== undefined && n < spec.min) throw new UsageError(`${name}: ${raw} is below ${spec.min}`);
    if (spec.max !== undefined && n > spec.max) throw new UsageError(`${name}: ${raw} is above ${spec.max}`);
    return n;
  }
  return raw;
}

/** Parses argv (without the program name) against specs. Throws UsageError. */
export function parseArgs(specs: readonly OptionSpec[], argv: readonly string[]): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const words: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const long = w.slice(2, eq < 0 ? undefined : eq);
      const spec = byLong.get(long);
      if (!spec) throw new UsageError(`unknown option --${long}`);
      if (!spec.value) {
        if (eq >= 0) throw new UsageError(`option --${long} takes no value`);
        words.push(`--${long}`);
      } else if (eq >= 0) words.push(`--${long}=${w.slice(eq + 1)}`);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`option --${long} needs a value`);
        words.push(`--${long}=${argv[++i]}`);
      }
    } else if (w.startsWith("-") && w.length > 1) {
      // a cluster of short options: "-dv", "-ieth1", "-d -i eth1"
      for (let j = 1; j < w.length; j++) {
        const spec = byShort.get(w[j]);
        if (!spec) throw new UsageError(`unknown option -${w[j]}`);
        if (!spec.value) {
          words.push(`--${spec.long}`);
          continue;
        }
        let value = w.slice(j + 1);
        if (value === "") {
          if (i + 1 >= argv.length) throw new UsageError(`option -${w[j]} needs a value`);
          value = argv[++i];
        }
        words.push(`--${spec.long}=${value}`);
        break;
      }
    } else rest.push(w);
  }
  const argSpec: arg.Spec = {};
  for (const s of specs) {
    const handler = (raw: string): string | number => check(s, raw);
    argSpec[`--${s.long}`] = !s.value ? Boolean : s.value === "list" ? [String] : handler;
  }
  const parsed = arg(argSpec, { argv: words, permissive: false });
  const opts: Options = {};
  for (const s of specs) opts[s.long] = parsed[`--${s.long}`] as Options[string];
  return { opts, rest };
}

/** The usage text of a program: a synopsis line, then one line per option. */
export function usage(program: string, synopsis: string, specs: readonly OptionSpec[]): string {
  const lines = [`Usage: ${program} ${synopsis}`, "", "Options:"];
  const left = specs.map((s) => {
    const value = s.value ? (s.meta ?? "VALUE") : "";
    const long = `--${s.long}${value ? `=${value}` : ""}`;
    return s.short ? `  -${s.short}, ${long}` : `      ${long}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  specs.forEach((s, i) => lines.push(left[i].padEnd(width) + s.help));
  return lines.join("\n") + "\n";
}

/** Where a program prints: stdout and stderr, or a test's buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const stdio: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** What a program is called, its synopsis and its options (the source of its --help). */
export interface Program {
  name: string;
  synopsis: string;
  options: readonly OptionSpec[];
  version: string;
}

/**
 * The start every program shares: parses argv (check may throw UsageError for rules between
 * options); a usage error is printed with the usage (exit status 2), -h and -v print on
 * stdout (status 0). Returns the options, or the exit status to end with.
 */
export function startProgram(p: Program, argv: readonly string[], io: Io, check?: (opts: Options) => void): Options | number {
  let opts: Options;
  try {
    ({ opts } = parseArgs(p.options, argv));
    if (!opts.help && !opts.version) check?.(opts);
  } catch (err) {
    // arg's own errors (a repeated option) carry a code; anything else is a bug, not a usage error
    if (!(err instanceof UsageError) && !(err instanceof Error && "code" in err)) throw err;
    io.err(`${p.name}: ${(err as Error).message}\n${usage(p.name, p.synopsis, p.options)}`);
    return 2;
  }
  if (opts.help) {
    io.out(usage(p.name, p.synopsis, p.options));
    return 0;
  }
  if (opts.version) {
    io.out(`${p.name} ${p.version}\n`);
    return 0;
  }
  return opts;
}

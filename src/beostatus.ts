// beostatus: shows the cluster recvstats publishes in its status file, as a full-screen text
// view (-c, or one frame with --once) or as a web page with /snapshot and /metrics (--http,
// the default). Every view starts from the same snapshot of the file (src/snapshot.ts).
// runMain is the whole program; src/cli/beostatus.ts only calls it.

import { HELP_VERSION, Io, OptionSpec, Program, startProgram, stdio, UsageError } from "./args";
import { DEFAULT_SHM_DIR } from "./shm";
import { Snapshotter, StatusSource } from "./snapshot";
import { decodeSummaries } from "./summary";
import { MIN_WIDTH, renderFrame } from "./textview";
import { VERSION } from "./version";
import { Core } from "./wasm";
import { DEFAULT_HTTP, parseListen, startWebServer } from "./webserver";

const OPTIONS: OptionSpec[] = [
  { long: "text", short: "c", help: "the text view, full screen, refreshed every second (q quits)" },
  { long: "once", help: "with -c: print one frame and exit" },
  { long: "width", value: "int", meta: "N", min: MIN_WIDTH, max: 1000, help: "with -c: lay the frame out for N columns (default: the terminal's, or 120)" },
  { long: "http", value: "string", meta: "[ADDR:]PORT", help: `serve the web page, /snapshot and /metrics (default ${DEFAULT_HTTP.host}:${DEFAULT_HTTP.port})` },
  { long: "shm-dir", value: "string", meta: "DIR", help: `read the status file of recvstats in DIR (default ${DEFAULT_SHM_DIR})` },
  { long: "per-cpu-metrics", help: "also export each CPU's seconds by mode in /metrics" },
  ...HELP_VERSION,
];
export const PROGRAM: Program = {
  name: "beostatus",
  synopsis: "[-c [--once] [--width N] | --http [ADDR:]PORT [--per-cpu-metrics]] [--shm-dir DIR] [-h] [-v]",
  options: OPTIONS,
  version: VERSION,
};

/** Width of a frame when neither --width nor a terminal says. */
const DEFAULT_WIDTH = 120;

/** Runs beostatus with argv (without the program name); resolves to the exit status. */
export async function runMain(argv: readonly string[], io: Io = stdio): Promise<number> {
  const opts = startProgram(PROGRAM, argv, io, (o) => {
    if (o.text && o.http !== undefined) throw new UsageError("-c and --http exclude each other");
    if (!o.text && (o.once || o.width !== undefined)) throw new UsageError("--once and --width go with -c");
    if (o.text && o["per-cpu-metrics"]) throw new UsageError("--per-cpu-metrics goes with --http");
    if (o.http !== undefined && !parseListen(o.http as string)) throw new UsageError(`--http: '${o.http}' is not [ADDR:]PORT`);
  });
  if (typeof opts === "number") return opts;
  const shmDir = (opts["shm-dir"] as string | undefined) ?? DEFAULT_SHM_DIR;
  if (opts.text) {
    const width = opts.width as number | undefined;
    return opts.once ? once(shmDir, width, io) : textLoop(shmDir, width, io);
  }
  const listen = opts.http === undefined ? DEFAULT_HTTP : parseListen(opts.http as string)!;
  return serve(shmDir, listen, opts["per-cpu-metrics"] === true, io);
}

/** Whether to colour the text view: a terminal, and no NO_COLOR (https://no-color.org: any non-empty value). */
function useColor(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/** One frame of the text view as lines, from a fresh snapshot, and how many nodes it has. */
function frame(
  source: StatusSource,
  snapshots: Snapshotter,
  width: number,
  color: boolean,
  skip = 0,
  rows?: number,
): { lines: string[]; nodes: number } {
  const taken = snapshots.summaries(source.current(), Date.now(), { perCpu: true });
  const snap = decodeSummaries(snapshots.L, taken.bytes);
  const lines = renderFrame(snap, { width, color, perCpu: taken.perCpu, usageNone: snapshots.L.USAGE_NONE, skip, rows });
  return { lines, nodes: snap.nodes.length };
}

/** -c --once: prints one frame and exits (1 with one line when there is no status file). */
function once(shmDir: string, width: number | undefined, io: Io): number {
  const core = new Core(1);
  const source = new StatusSource(shmDir, core.layout);
  try {
    const columns = width ?? (process.stdout.columns || DEFAULT_WIDTH); // 0: a terminal that does not say
    io.out(frame(source, new Snapshotter(core), columns, useColor()).lines.join("\n") + "\n");
    return 0;
  } catch (err) {
    io.err(`beostatus: ${(err as Error).message}\n`);
    return 1;
  } finally {
    source.close();
  }
}

/**
 * -c: the full-screen view on the alternate screen, redrawn every second and on resize;
 * q or Ctrl-C quits, arrows, PgUp/PgDn, Home and End scroll. Without a terminal, a frame
 * is printed every second until a signal.
 */
function textLoop(shmDir: string, fixedWidth: number | undefined, io: Io): Promise<number> {
  const core = new Core(1);
  const snapshots = new Snapshotter(core);
  const source = new StatusSource(shmDir, core.layout);
  const out = process.stdout;
  const tty = out.isTTY === true;
  const color = useColor();
  let skip = 0;
  let shown = 0;

  const draw = (): void => {
    const width = fixedWidth ?? (out.columns || DEFAULT_WIDTH); // 0: a terminal that does not say
    let lines: string[];
    try {
      const rows = tty ? Math.max(1, (out.rows ?? 24) - 3) : undefined;
      const f = frame(source, snapshots, width, color, skip, rows);
      lines = f.lines;
      shown = lines.length - 2;
      // scrolled past the end: keep skip where the frame stopped, so the next key moves at once
      if (rows !== undefined) skip = Math.min(skip, Math.max(0, f.nodes - rows));
    } catch (err) {
      lines = [`beostatus: ${(err as Error).message} (retrying every second)`];
    }
    if (tty) io.out(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\n")}\x1b[J`);
    else io.out(lines.join("\n") + "\n\n");
  };

  return new Promise((resolve) => {
    const stdin = process.stdin;
    const finish = (): void => {
      clearInterval(timer);
      process.off("SIGINT", finish);
      process.off("SIGTERM", finish);
      out.off("resize", draw);
      if (tty) {
        io.out("\x1b[?25h\x1b[?1049l"); // the cursor and the screen the user had
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
      }
      source.close();
      resolve(0);
    };
    if (tty) {
      io.out("\x1b[?1049h\x1b[?25l");
      if (stdin.isTTY) {
        stdin.setRawMode(true);
        stdin.resume();
        stdin.on("data", (d: Buffer) => {
          const key = d.toString("latin1");
          const page = Math.max(1, shown);
          if (key === "q" || key === "Q" || key === "\x03") return finish();
          if (key === "\x1b[B" || key === "j") skip++;
          else if (key === "\x1b[A" || key === "k") skip--;
          else if (key === "\x1b[6~" || key === " ") skip += page;
          else if (key === "\x1b[5~") skip -= page;
          else if (key === "\x1b[H" || key === "g") skip = 0;
          else if (key === "\x1b[F" || key === "G") skip = Number.MAX_SAFE_INTEGER;
          else return;
          skip = Math.max(0, skip);
          draw();
        });
      }
      out.on("resize", draw);
    }
    process.on("SIGINT", finish);
    process.on("SIGTERM", finish);
    const timer = setInterval(draw, 1000);
    draw();
  });
}

/** --http: serves until SIGINT or SIGTERM; 1 with one line when it cannot bind. */
async function serve(shmDir: string, listen: { host: string; port: number }, perCpu: boolean, io: Io): Promise<number> {
  let web;
  try {
    web = await startWebServer({ host: listen.host, port: listen.port, shmDir, perCpuMetrics: perCpu });
  } catch (err) {
    io.err(`beostatus: cannot listen on ${listen.host}:${listen.port}: ${(err as Error).message}\n`);
    return 1;
  }
  io.err(`beostatus: serving ${web.url} from ${shmDir}\n`);
  const server = web;
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await server.close();
  return 0;
}

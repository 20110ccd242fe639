// beostatus -c: one frame of the text view, from a summaries snapshot (src/summary.ts), one
// row per node: number, up/down, a CPU bar (or one level per CPU when they fit), memory,
// swap, load, disk and network rate, fitted to the terminal's width. Down nodes are greyed
// and show the age of their last report. Colour only when asked for (a terminal, no NO_COLOR).

import type { Summary, SummarySnapshot } from "./summary";

export interface FrameOptions {
  width: number;
  color: boolean;
  /** each node's per-CPU usage x 10000 (usageNone: unknown), in snapshot order */
  perCpu?: Uint16Array[] | null;
  usageNone?: number;
  /** rows of nodes to skip (scrolling) and to show at most; all when absent */
  skip?: number;
  rows?: number;
}

const ESC = "\x1b[";
const RESET = `${ESC}0m`;
const DIM = `${ESC}90m`;
const BOLD = `${ESC}1m`;
const LEVEL_COLORS = [`${ESC}32m`, `${ESC}33m`, `${ESC}31m`]; // green, yellow, red
/** The narrowest frame drawn; a narrower terminal gets its lines cut. */
export const MIN_WIDTH = 60;
/** One character per CPU, by busy share: a space for idle up to a full block. */
const LEVELS = " ▁▂▃▄▅▆▇█";

/** An age in the shortest words: 42s, 5m12s, 3h05m, 2d04h. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor(s / 3600) % 24).padStart(2, "0")}h`;
}

/** A rate of bytes per second in at most 8 characters: 512B/s, 12.3KB/s, 1.2GB/s (powers of 1000). */
export function formatRate(bytesPerSecond: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytesPerSecond;
  let u = 0;
  while (v >= 999.5 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v < 9.95 ? v.toFixed(1) : Math.round(v)}${units[u]}/s`;
}

/** A share 0..1 as a whole percentage. */
export const percent = (share: number): number => Math.round(share * 100);

const levelOf = (share: number): number => (share < 0.6 ? 0 : share < 0.85 ? 1 : 2);

/** A bar of width w (brackets included) filled to share, its percentage at the right; "-" inside when unknown. */
function bar(share: number | null, w: number, color: boolean): string {
  const inner = w - 2;
  if (share === null) return `[${"-".padStart(inner)}]`;
  const label = `${percent(share)}%`;
  const fill = Math.min(inner, Math.round(share * inner));
  const cells = ("|".repeat(fill) + " ".repeat(inner - fill)).split("");
  // the percentage overlays the bar's right end
  for (let i = 0; i < label.length && i < inner; i++) cells[inner - label.length + i] = label[i];
  const body = cells.join("");
  if (!color) return `[${body}]`;
  return `[${LEVEL_COLORS[levelOf(share)]}${body}${RESET}]`;
}

/** One level character per CPU, then the whole node's percentage; null when they do not fit in w. */
function cpuLevels(usage: Uint16Array, none: number, whole: number | null, w: number, color: boolean): string | null {
  const inner = w - 2;
  const label = whole === null ? "-" : `${percent(whole)}%`;
  if (usage.length < 2 || usage.length + 1 + label.length > inner) return null;
  // a first sample has no usage yet: one "-" says so better than a "?" per CPU
  if (usage.every((u) => u === none)) return null;
  let levels = "";
  for (const u of usage) levels += u === none ? "?" : LEVELS[Math.min(8, Math.round((u / 10000) * 8))];
  const pad = " ".repeat(inner - usage.length - label.length);
  const colored = color && whole !== null ? `${LEVEL_COLORS[levelOf(whole)]}${levels}${RESET}` : levels;
  return `[${colored}${pad}${label}]`;
}

const share = (p: { total: number; used: number } | null): number | null => (p && p.total > 0 ? p.used / p.total : null);

/** The narrowest bar worth drawing: "[|| 42%]". */
const MIN_BAR = 8;

/**
 * Column widths for the terminal width: node, state, load and net are fixed; the bars share
 * what is left, the CPU bar two shares and the others one each. A narrow terminal drops
 * swap, then disk.
 */
function columns(width: number, nodeWidth: number): { cpu: number; mem: number; swap: number; disk: number } {
  const fixed = nodeWidth + 11 + 6 + 9;
  for (const bars of [["mem", "swap", "disk"], ["mem", "disk"], ["mem"]]) {
    const cells = 4 + 1 + bars.length;
    const room = width - fixed - (cells - 1); // one space between cells
    const unit = Math.floor(room / (bars.length + 2));
    if (unit < MIN_BAR && bars.length > 1) continue;
    const each = Math.max(MIN_BAR, unit);
    const out = { cpu: Math.max(2 * MIN_BAR, room - each * bars.length), mem: 0, swap: 0, disk: 0 };
    for (const b of bars) out[b as "mem" | "swap" | "disk"] = each;
    return out;
  }
  throw new Error("unreachable: the last choice always returns");
}

/** One frame: a title line, a heading, then a row per node (skip/rows for a screen that scrolls). */
export function renderFrame(snap: SummarySnapshot, opts: FrameOptions): string[] {
  const width = Math.max(MIN_WIDTH, opts.width);
  const color = opts.color;
  const nodeWidth = Math.max(4, ...snap.nodes.map((n) => String(n.node).length));
  const cols = columns(width, nodeWidth);
  const up = snap.nodes.filter((n) => n.up).length;
  const when = new Date(snap.time).toISOString().replace("T", " ").slice(0, 19);
  const collector = snap.alive ? "recvstats alive" : snap.stopped ? "recvstats stopped" : "recvstats not running";
  const title = `beostatus  ${snap.nodes.length} nodes, ${up} up  ${collector}  ${when} UTC`.slice(0, width);
  const heads = [
    "node".padStart(nodeWidth),
    "state".padEnd(11),
    "cpu".padEnd(cols.cpu),
    "mem".padEnd(cols.mem),
    ...(cols.swap ? ["swap".padEnd(cols.swap)] : []),
    "load".padStart(6),
    ...(cols.disk ? ["disk".padEnd(cols.disk)] : []),
    "net".padStart(9),
  ];
  const lines = [color ? `${BOLD}${title}${RESET}` : title, heads.join(" ").slice(0, width)];
  const rows = opts.rows ?? snap.nodes.length;
  // scrolled past the end: the last screenful
  const skip = Math.max(0, Math.min(opts.skip ?? 0, snap.nodes.length - rows));
  const end = Math.min(snap.nodes.length, skip + rows);
  for (let i = skip; i < end; i++) lines.push(row(snap.nodes[i], opts.perCpu?.[i] ?? null, opts, nodeWidth, cols));
  // a terminal narrower than the narrowest layout: every line cut at its edge, none wraps
  return opts.width < width ? lines.map((l) => cut(l, Math.max(1, opts.width))) : lines;
}

/** The first n visible columns of line (colour codes kept, and a reset after a cut one). */
function cut(line: string, n: number): string {
  let seen = 0;
  for (let i = 0; i < line.length; i++) {
    if (line.startsWith(ESC, i)) {
      i = line.indexOf("m", i); // an SGR code takes no column
      continue;
    }
    if (++seen > n) return line.includes(ESC) ? line.slice(0, i) + RESET : line.slice(0, i);
  }
  return line;
}

function row(n: Summary, usage: Uint16Array | null, opts: FrameOptions, nodeWidth: number, cols: ReturnType<typeof columns>): string {
  const down = !n.up;
  // a down row is greyed as a whole: its bars keep no colour of their own
  const color = opts.color && !down;
  let state: string;
  if (n.up) state = "up";
  else if (n.stale) state = "stale";
  else state = n.ageMs === null ? "down" : `down ${formatAge(n.ageMs)}`;
  const cpu =
    (usage && cpuLevels(usage, opts.usageNone ?? 0xffff, n.cpu, cols.cpu, color)) ?? bar(n.cpu, cols.cpu, color);
  const cells = [
    String(n.node).padStart(nodeWidth),
    state.padEnd(11),
    cpu,
    bar(share(n.mem), cols.mem, color),
    ...(cols.swap ? [bar(share(n.swap), cols.swap, color)] : []),
    (n.load === null ? "-" : n.load.toFixed(2)).padStart(6),
    ...(cols.disk ? [bar(share(n.disk), cols.disk, color)] : []),
    (n.net === null ? "-" : formatRate(n.net)).padStart(9),
  ];
  const text = cells.join(" ");
  return down && opts.color ? `${DIM}${text}${RESET}` : text;
}

// The overview page (/): every node of the cluster, refreshed every second from /snapshot
// decoded by the WASM core's summary layout. Two views: "classic", a table with bar graphs
// as the original beostatus had, and "dots", one coloured cell per node on a canvas for
// thousands of nodes, coloured by the metric the user picks, with hover details and a
// click through to the node's page. The view and metric live in the URL (?view=&metric=).

import { SummarySnapshot, Summary, decodeSummaries } from "../summary";
import { formatAge, formatRate } from "../textview";
import type { Layout } from "../wasm";
import { DOWN_COLOR, UNKNOWN_COLOR, barHtml, esc, mibWords, shareColor } from "./dom";

type View = "classic" | "dots";
type Metric = "cpu" | "mem" | "swap" | "disk" | "load" | "net";
const METRICS: Array<[Metric, string]> = [
  ["cpu", "CPU"],
  ["mem", "memory"],
  ["swap", "swap"],
  ["disk", "disk"],
  ["load", "load per CPU"],
  ["net", "network"],
];
/** Above this many nodes the page opens on the dots view (a table of thousands is slow to read and to draw). */
const CLASSIC_LIMIT = 512;

/** Timings of the last refresh, for the benchmark and the curious (window.beostatusTimings). */
export interface Timings {
  bytes: number;
  nodes: number;
  decodeMs: number;
  renderMs: number;
  view: View;
  /** refreshes so far: a new number means new timings */
  refresh: number;
}

declare global {
  interface Window {
    beostatusTimings?: Timings;
  }
}

const share = (p: { total: number; used: number } | null): number | null => (p && p.total > 0 ? p.used / p.total : null);

/** The value 0..1 a dot shows for metric; null when the node did not report it. netTop: the largest rate, for scaling. */
function metricShare(n: Summary, metric: Metric, netTop: number): number | null {
  switch (metric) {
    case "cpu":
      return n.cpu;
    case "mem":
      return share(n.mem);
    case "swap":
      return share(n.swap);
    case "disk":
      return share(n.disk);
    case "load":
      return n.load === null || n.cpus === 0 ? null : Math.min(1, n.load / n.cpus);
    case "net":
      // rates span orders of magnitude: a log scale keeps quiet nodes distinguishable
      return n.net === null ? null : netTop > 0 ? Math.log1p(n.net) / Math.log1p(netTop) : 0;
  }
}

/** What a node's hover shows, one fact a line. */
export function describe(n: Summary): string {
  const lines = [`node ${n.node}${n.name ? ` (${n.name})` : ""}`];
  lines.push(n.up ? "up" : n.stale ? "stale: not heard from since recvstats restarted" : n.ageMs === null ? "down" : `down, last report ${formatAge(n.ageMs)} ago`);
  if (n.cpu !== null) lines.push(`CPU ${Math.round(n.cpu * 100)}% of ${n.cpus} CPUs`);
  if (n.load !== null) lines.push(`load ${n.load.toFixed(2)}`);
  if (n.mem) lines.push(`memory ${mibWords(n.mem.used)} of ${mibWords(n.mem.total)}`);
  if (n.swap) lines.push(`swap ${mibWords(n.swap.used)} of ${mibWords(n.swap.total)}`);
  if (n.disk) lines.push(`disk ${mibWords(n.disk.used)} of ${mibWords(n.disk.total)}`);
  if (n.net !== null) lines.push(`network ${formatRate(n.net)}`);
  return lines.join("\n");
}

/** Runs the overview in main, with its controls in nav and its state line in status. */
export function overview(L: Layout, main: HTMLElement, nav: HTMLElement, status: HTMLElement): void {
  const params = new URLSearchParams(location.search);
  let view: View | null = params.get("view") === "dots" ? "dots" : params.get("view") === "classic" ? "classic" : null;
  let metric: Metric = (METRICS.find(([m]) => m === params.get("metric"))?.[0] ?? "cpu") as Metric;
  let last: SummarySnapshot | null = null;

  nav.innerHTML = `<span class="views"><button data-view="classic">Classic</button><button data-view="dots">Dots</button></span>
    <label id="metric-label"> colour by <select id="metric">${METRICS.map(([m, t]) => `<option value="${m}">${t}</option>`).join("")}</select></label>
    <a href="/inspect">packet inspector</a> <a href="/metrics">metrics</a>`;
  const select = nav.querySelector<HTMLSelectElement>("#metric")!;
  select.value = metric;
  const remember = (): void => {
    const q = new URLSearchParams({ view: view ?? "classic", ...(view === "dots" ? { metric } : {}) });
    history.replaceState(null, "", `/?${q}`);
  };
  nav.querySelectorAll<HTMLButtonElement>("button[data-view]").forEach((b) =>
    b.addEventListener("click", () => {
      view = b.dataset.view as View;
      remember();
      if (last) render(last);
    }),
  );
  select.addEventListener("change", () => {
    metric = select.value as Metric;
    remember();
    if (last) render(last);
  });

  // the dots view's canvas and tooltip persist across refreshes (hover state survives)
  const dotsWrap = document.createElement("div");
  dotsWrap.id = "dots-wrap";
  dotsWrap.innerHTML = `<canvas id="dots"></canvas><div id="tip"></div>
    <div class="legend"><span>0%</span><i style="background:${shareColor(0)}"></i><i style="background:${shareColor(0.5)}"></i><i style="background:${shareColor(0.9)}"></i><span>100%</span>
    <i style="background:${DOWN_COLOR}"></i><span>down</span><i style="background:${UNKNOWN_COLOR}"></i><span>not reported</span></div>`;
  const canvas = dotsWrap.querySelector<HTMLCanvasElement>("#dots")!;
  const tip = dotsWrap.querySelector<HTMLDivElement>("#tip")!;
  const table = document.createElement("div");
  let cell = 10;
  let columns = 1;

  const nodeAt = (ev: MouseEvent): Summary | null => {
    if (!last) return null;
    const r = canvas.getBoundingClientRect();
    const col = Math.floor((ev.clientX - r.left) / cell);
    const row = Math.floor((ev.clientY - r.top) / cell);
    if (col < 0 || col >= columns || row < 0) return null;
    return last.nodes[row * columns + col] ?? null;
  };
  canvas.addEventListener("mousemove", (ev) => {
    const n = nodeAt(ev);
    if (!n) {
      tip.style.display = "none";
      return;
    }
    tip.textContent = describe(n);
    tip.dataset.node = String(n.node);
    tip.style.display = "block";
    const r = dotsWrap.getBoundingClientRect();
    tip.style.left = `${ev.clientX - r.left + 14}px`;
    tip.style.top = `${ev.clientY - r.top + 14}px`;
  });
  canvas.addEventListener("mouseleave", () => (tip.style.display = "none"));
  canvas.addEventListener("click", (ev) => {
    const n = nodeAt(ev);
    if (n) location.href = `/node/${n.node}`;
  });

  function drawDots(snap: SummarySnapshot): void {
    const n = snap.nodes.length;
    cell = n <= 500 ? 22 : n <= 2000 ? 14 : n <= 6000 ? 10 : 8;
    const width = Math.max(cell, main.clientWidth);
    columns = Math.max(1, Math.floor(width / cell));
    const rows = Math.max(1, Math.ceil(n / columns));
    const ratio = window.devicePixelRatio || 1;
    const cssW = columns * cell;
    const cssH = rows * cell;
    if (canvas.width !== cssW * ratio || canvas.height !== cssH * ratio) {
      canvas.width = cssW * ratio;
      canvas.height = cssH * ratio;
      canvas.style.width = `${cssW}px`;
      canvas.style.height = `${cssH}px`;
    }
    const g = canvas.getContext("2d", { alpha: false })!;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.fillStyle = "#fbfbfa";
    g.fillRect(0, 0, cssW, cssH);
    const netTop = metric === "net" ? Math.max(0, ...snap.nodes.map((x) => x.net ?? 0)) : 0;
    const gap = cell >= 14 ? 2 : 1;
    // one fillStyle per colour, not per node: colours are bucketed to 1 %
    const buckets = new Map<string, number[]>();
    snap.nodes.forEach((node, i) => {
      const v = node.up ? metricShare(node, metric, netTop) : null;
      const color = !node.up ? DOWN_COLOR : v === null ? UNKNOWN_COLOR : shareColor(Math.round(v * 100) / 100);
      let list = buckets.get(color);
      if (!list) buckets.set(color, (list = []));
      list.push(i);
    });
    for (const [color, list] of buckets) {
      g.fillStyle = color;
      for (const i of list) g.fillRect((i % columns) * cell + gap / 2, Math.floor(i / columns) * cell + gap / 2, cell - gap, cell - gap);
    }
    canvas.dataset.count = String(n);
    canvas.dataset.columns = String(columns);
    canvas.dataset.cell = String(cell);
    canvas.dataset.metric = metric;
  }

  function drawTable(snap: SummarySnapshot): void {
    const rows = snap.nodes.map((n) => {
      const state = n.up ? "up" : n.stale ? "stale" : n.ageMs === null ? "down" : `down ${formatAge(n.ageMs)}`;
      const pair = (p: { total: number; used: number } | null): string => (p ? `${mibWords(p.used)} of ${mibWords(p.total)}` : "");
      return `<tr class="${n.up ? "up" : "down"}" data-node="${n.node}"><td class="num"><a class="node" href="/node/${n.node}">${n.node}</a></td>` +
        `<td>${esc(n.name ?? "")}</td><td>${state}</td>` +
        `<td>${barHtml(n.cpu, n.cpu === null ? "" : `${n.cpus} CPUs`)}</td><td>${barHtml(share(n.mem), pair(n.mem))}</td>` +
        `<td>${barHtml(share(n.swap), pair(n.swap))}</td><td class="num">${n.load === null ? "-" : n.load.toFixed(2)}</td>` +
        `<td>${barHtml(share(n.disk), pair(n.disk))}</td><td class="num">${n.net === null ? "-" : formatRate(n.net)}</td></tr>`;
    });
    table.innerHTML = `<table id="classic"><thead><tr><th>node</th><th>name</th><th>state</th><th>CPU</th><th>memory</th><th>swap</th><th>load</th><th>disk</th><th>network</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  }

  function render(snap: SummarySnapshot): void {
    const chosen: View = view ?? (snap.nodes.length > CLASSIC_LIMIT ? "dots" : "classic");
    nav.querySelectorAll<HTMLButtonElement>("button[data-view]").forEach((b) => b.classList.toggle("active", b.dataset.view === chosen));
    nav.querySelector<HTMLElement>("#metric-label")!.style.display = chosen === "dots" ? "" : "none";
    const holder = chosen === "dots" ? dotsWrap : table;
    if (main.firstChild !== holder) main.replaceChildren(holder);
    if (chosen === "dots") drawDots(snap);
    else drawTable(snap);
    main.dataset.view = chosen;
  }

  async function refresh(): Promise<void> {
    try {
      const res = await fetch("/snapshot", { cache: "no-store" });
      if (!res.ok) throw new Error((await res.text()).trim() || `HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const t0 = performance.now();
      const snap = decodeSummaries(L, bytes);
      const t1 = performance.now();
      last = snap;
      render(snap);
      const t2 = performance.now();
      const up = snap.nodes.filter((n) => n.up).length;
      const collector = snap.alive ? "recvstats alive" : snap.stopped ? "recvstats stopped" : "recvstats not running";
      status.textContent = `${snap.nodes.length} nodes, ${up} up · ${collector} · ${new Date(snap.time).toLocaleTimeString()}`;
      status.className = snap.alive ? "" : "error";
      const refresh = (window.beostatusTimings?.refresh ?? 0) + 1;
      window.beostatusTimings = { bytes: bytes.length, nodes: snap.nodes.length, decodeMs: t1 - t0, renderMs: t2 - t1, view: main.dataset.view as View, refresh };
    } catch (err) {
      status.textContent = (err as Error).message;
      status.className = "error";
    }
    setTimeout(refresh, 1000);
  }
  void refresh();
}

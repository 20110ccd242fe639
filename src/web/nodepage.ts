// A node's page (/node/N): its full record from /snapshot?node=N, decoded in the browser by
// RecordReader with the WASM core's layout, refreshed every second: its CPUs, memory and
// interfaces, and history charts of CPU, memory, load and network that the page keeps
// itself (up to ten minutes; a reload starts them again).

import type { NodeStatus, U64 } from "../record";
import { RecordEntry, decodeRecords } from "../summary";
import { formatAge, formatRate } from "../textview";
import type { Layout } from "../wasm";
import { barHtml, bytesWords, drawChart, esc } from "./dom";

/** Samples kept per chart: ten minutes at one a second. */
const HISTORY = 600;

interface Sample {
  time: number;
  cpu: number | null;
  memUsed: number | null;
  load: number | null;
  net: number | null;
  /** per interface: bytes received and sent, for rates between two samples */
  ifaces: Map<string, [number, number]>;
}

const n64 = (v: U64 | null): number | null => (v === null ? null : Number(v));
const cell = (v: U64 | number | string | null): string => (v === null ? "-" : esc(String(v)));

/** Runs the page of node n in main; status gets its state line. */
export function nodePage(L: Layout, n: number, main: HTMLElement, nav: HTMLElement, status: HTMLElement): void {
  document.title = `beostatus: node ${n}`;
  nav.innerHTML = `<a href="/">all nodes</a> <a href="/inspect">packet inspector</a>`;
  main.innerHTML = `<div class="cards">
    <div class="card" id="about"></div>
    <div class="card"><h2>History</h2>
      <canvas class="chart" id="chart-cpu" style="width:420px;height:110px"></canvas>
      <canvas class="chart" id="chart-mem" style="width:420px;height:110px"></canvas>
      <canvas class="chart" id="chart-load" style="width:420px;height:110px"></canvas>
      <canvas class="chart" id="chart-net" style="width:420px;height:110px"></canvas></div>
    <div class="card" id="memory"></div>
    <div class="card" id="interfaces"></div>
    <div class="card" id="cpus"></div>
  </div>`;
  const $ = (id: string): HTMLElement => main.querySelector<HTMLElement>(`#${id}`)!;
  const history: Sample[] = [];

  function render(entry: RecordEntry): void {
    const s = entry.status;
    const sum = entry.summary;
    const prev = history[history.length - 2];
    const state = sum.up ? "up" : sum.stale ? "stale" : sum.ageMs === null ? "down" : `down, last report ${formatAge(sum.ageMs)} ago`;
    const models = [...new Set((s.cpuinfo ?? []).map((c) => c.model).filter((m): m is string => !!m))];
    $("about").innerHTML = `<h2>node ${s.node}${s.name ? ` · ${esc(s.name)}` : ""}</h2><table>
      <tr><th>state</th><td id="node-state">${state}</td></tr>
      <tr><th>address</th><td>${cell(s.addr)}</td></tr>
      <tr><th>last report</th><td>${s.time === null ? "-" : new Date(s.time * 1000).toLocaleString()}</td></tr>
      <tr><th>CPUs</th><td>${cell(s.cpu_count)}${s.MHz === null ? "" : ` at ${s.MHz} MHz`}</td></tr>
      <tr><th>model</th><td>${models.map(esc).join("<br>") || "-"}</td></tr>
      <tr><th>CPU busy</th><td>${barHtml(sum.cpu)}</td></tr>
      <tr><th>load</th><td>${s.loadavg ? s.loadavg.load.map((x) => (x === null ? "-" : x.toFixed(2))).join(" ") : "-"}</td></tr>
      <tr><th>processes</th><td>${s.loadavg ? `${cell(s.loadavg.num_active_procs)} running of ${cell(s.loadavg.total_procs)}` : "-"}</td></tr>
      <tr><th>booted</th><td>${s.stat?.btime == null ? "-" : new Date(Number(s.stat.btime) * 1000).toLocaleString()}</td></tr>
      <tr><th>disk</th><td>${s.disk ? `${bytesWords(s.disk.free)} free of ${bytesWords(s.disk.total)}` : "-"}</td></tr>
      ${s.failed.length ? `<tr><th>garbled</th><td>${s.failed.map(esc).join(", ")}</td></tr>` : ""}
    </table>`;

    const m = s.meminfo;
    const memRows: Array<[string, U64 | null]> = m
      ? [["total", m.total], ["used", m.mem.used], ["free", m.mem.free], ["available", m.available], ["buffers", m.buffers], ["cached", m.cached], ["shared", m.shared], ["swap total", m.swap.total], ["swap used", m.swap.used], ["swap free", m.swap.free]]
      : [];
    const ratio = (a: U64 | null, b: U64 | null): number | null => (a === null || b === null || Number(b) === 0 ? null : Number(a) / Number(b));
    $("memory").innerHTML = `<h2>Memory</h2>${m ? `${barHtml(ratio(m.mem.used, m.total), "used")}<table>${memRows.map(([k, v]) => `<tr><th>${k}</th><td class="num">${bytesWords(v)}</td></tr>`).join("")}</table>` : "not reported"}`;

    const ifs = s.net_dev ?? [];
    const dt = prev ? (history[history.length - 1].time - prev.time) / 1000 : 0;
    const rate = (name: string | null, i: 0 | 1, now: U64 | null): string => {
      const before = name === null ? undefined : prev?.ifaces.get(name);
      if (!before || now === null || dt <= 0) return "-";
      return formatRate(Math.max(0, (Number(now) - before[i]) / dt));
    };
    $("interfaces").innerHTML = `<h2>Interfaces</h2>${s.net_dev ? `<table id="ifaces"><tr><th>name</th><th>received</th><th>rate</th><th>sent</th><th>rate</th><th>packets in/out</th><th>errors</th><th>drops</th></tr>${ifs
      .map(
        (d) => `<tr><td>${cell(d.name)}</td><td class="num">${bytesWords(d.recv.bytes)}</td><td class="num">${rate(d.name, 0, d.recv.bytes)}</td>` +
          `<td class="num">${bytesWords(d.trans.bytes)}</td><td class="num">${rate(d.name, 1, d.trans.bytes)}</td>` +
          `<td class="num">${cell(d.recv.packets)} / ${cell(d.trans.packets)}</td><td class="num">${cell(d.recv.errs)} / ${cell(d.trans.errs)}</td><td class="num">${cell(d.recv.drop)} / ${cell(d.trans.drop)}</td></tr>`,
      )
      .join("")}</table>${s.net_rate === null ? "" : `<p>all but lo: ${formatRate(s.net_rate)}</p>`}` : "not reported"}`;

    const info = new Map((s.cpuinfo ?? []).map((c) => [c.cpu, c]));
    $("cpus").innerHTML = `<h2>CPUs</h2>${s.stat_cpu ? `<table id="cpu-table"><tr><th>CPU</th><th>busy</th><th>MHz</th><th>user</th><th>system</th><th>idle</th><th>iowait</th></tr>${s.stat_cpu
      .map(
        (c, i) => `<tr data-cpu="${c.cpu}"><td class="num">${c.cpu}</td><td>${barHtml(s.cpu_percent?.[i] ?? null)}</td><td class="num">${cell(info.get(c.cpu)?.MHz ?? null)}</td>` +
          `<td class="num">${cell(c.user)}</td><td class="num">${cell(c.system)}</td><td class="num">${cell(c.idle)}</td><td class="num">${cell(c.iowait)}</td></tr>`,
      )
      .join("")}</table><p>ticks since boot</p>` : "not reported"}`;

    const series = <K extends keyof Sample>(k: K): Array<number | null> => history.map((h) => h[k] as number | null);
    const memTotal = n64(m?.total ?? null);
    drawChart(main.querySelector("#chart-cpu")!, series("cpu").map((v) => (v === null ? null : v * 100)), { label: "CPU busy", max: 100, format: (v) => `${v.toFixed(0)}%`, color: "#2458b3" });
    drawChart(main.querySelector("#chart-mem")!, series("memUsed"), { label: "memory used", max: memTotal ?? undefined, format: (v) => bytesWords(v), color: "#7b3fb3" });
    drawChart(main.querySelector("#chart-load")!, series("load"), { label: "load (1 min)", max: Math.max(1, ...series("load").map((v) => v ?? 0)), format: (v) => v.toFixed(2), color: "#b3671e" });
    drawChart(main.querySelector("#chart-net")!, series("net"), { label: "network", format: formatRate, color: "#1e7b34" });
  }

  function remember(e: RecordEntry): void {
    const s: NodeStatus = e.status;
    const ifaces = new Map<string, [number, number]>();
    for (const d of s.net_dev ?? []) if (d.name !== null && d.recv.bytes !== null && d.trans.bytes !== null) ifaces.set(d.name, [Number(d.recv.bytes), Number(d.trans.bytes)]);
    history.push({
      time: Date.now(),
      cpu: e.summary.cpu,
      memUsed: n64(s.meminfo?.mem.used ?? null),
      load: s.loadavg?.load[0] ?? null,
      net: s.net_rate,
      ifaces,
    });
    if (history.length > HISTORY) history.shift();
  }

  async function refresh(): Promise<void> {
    try {
      const res = await fetch(`/snapshot?node=${n}`, { cache: "no-store" });
      if (!res.ok) throw new Error((await res.text()).trim() || `HTTP ${res.status}`);
      const snap = decodeRecords(L, new Uint8Array(await res.arrayBuffer()));
      const entry = snap.records.find((r) => r.status.node === n);
      if (!entry) {
        status.textContent = `node ${n} is not in the status file`;
        status.className = "error";
      } else {
        remember(entry);
        render(entry);
        status.textContent = `node ${n} · ${entry.summary.up ? "up" : "down"} · ${new Date(snap.time).toLocaleTimeString()}`;
        status.className = entry.summary.up ? "" : "error";
      }
    } catch (err) {
      status.textContent = (err as Error).message;
      status.className = "error";
    }
    setTimeout(refresh, 1000);
  }
  void refresh();
}

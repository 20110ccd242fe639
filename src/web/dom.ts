// Small helpers the browser views share: HTML escaping, bar graphs as HTML, colours for a
// share of 0..1, sizes in words, and a line chart on a canvas. No framework: the views
// write HTML strings into containers they own.

/** Text made safe to put inside HTML, attributes included. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The level class of a share: green below 60 %, yellow below 85 %, red above (as the text view). */
export const levelClass = (share: number): string => (share < 0.6 ? "lv0" : share < 0.85 ? "lv1" : "lv2");

/** A bar graph of share (0..1) with its percentage; "-" when unknown. title: the hover text. */
export function barHtml(share: number | null, title = ""): string {
  if (share === null) return `<div class="bar" title="${esc(title)}"><span>-</span></div>`;
  const pct = Math.round(share * 100);
  const width = Math.max(0, Math.min(100, share * 100)).toFixed(1);
  return `<div class="bar" title="${esc(title)}"><div class="fill ${levelClass(share)}" style="width:${width}%"></div><span>${pct}%</span></div>`;
}

/** The colour of a dot for share (0..1): green through yellow to red. */
export function shareColor(share: number): string {
  const s = Math.max(0, Math.min(1, share));
  return `hsl(${Math.round(120 * (1 - s))},65%,${Math.round(42 + 6 * s)}%)`;
}
export const DOWN_COLOR = "#6f747b";
export const UNKNOWN_COLOR = "#d5d8dc";

/** MiB in the shortest words: 512 MiB, 12.5 GiB, 3.0 TiB. */
export function mibWords(mib: number): string {
  if (mib < 1024) return `${mib} MiB`;
  if (mib < 1024 * 1024) return `${(mib / 1024).toFixed(1)} GiB`;
  return `${(mib / 1024 / 1024).toFixed(1)} TiB`;
}

/** Bytes in the shortest words (powers of 1024). */
export function bytesWords(bytes: number | bigint | null): string {
  if (bytes === null) return "-";
  let v = Number(bytes);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

export interface ChartOptions {
  label: string;
  /** the y axis' top (else the data's largest value) */
  max?: number;
  format: (v: number) => string;
  color: string;
}

/** Draws values (oldest first; null for a gap) as a line chart filling the canvas, its last value in the corner. */
export function drawChart(canvas: HTMLCanvasElement, values: Array<number | null>, o: ChartOptions): void {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 320;
  const h = canvas.clientHeight || 110;
  if (canvas.width !== Math.round(w * ratio)) canvas.width = Math.round(w * ratio);
  if (canvas.height !== Math.round(h * ratio)) canvas.height = Math.round(h * ratio);
  const g = canvas.getContext("2d")!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  const known = values.filter((v): v is number => v !== null);
  const top = o.max ?? Math.max(1e-9, ...known);
  const pad = { l: 4, r: 4, t: 18, b: 4 };
  g.strokeStyle = "#e2e4e8";
  g.strokeRect(pad.l + 0.5, pad.t + 0.5, w - pad.l - pad.r - 1, h - pad.t - pad.b - 1);
  g.fillStyle = "#6b7280";
  g.font = "11px system-ui, sans-serif";
  const last = known.length ? known[known.length - 1] : null;
  g.fillText(`${o.label}: ${last === null ? "-" : o.format(last)}  (max ${o.format(top)})`, pad.l, 12);
  const n = values.length;
  if (n < 2) return;
  const x = (i: number): number => pad.l + ((w - pad.l - pad.r) * i) / (n - 1);
  const y = (v: number): number => h - pad.b - ((h - pad.t - pad.b) * Math.min(v, top)) / top;
  g.strokeStyle = o.color;
  g.lineWidth = 1.5;
  g.beginPath();
  let drawing = false;
  values.forEach((v, i) => {
    if (v === null) {
      drawing = false;
      return;
    }
    if (drawing) g.lineTo(x(i), y(v));
    else g.moveTo(x(i), y(v));
    drawing = true;
  });
  g.stroke();
}

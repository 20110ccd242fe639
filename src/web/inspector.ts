// The packet inspector page (/inspect): paste `xxd` / `xxd -p` hex dumps or load a classic
// pcap file of sendstats datagrams; each datagram is decoded in the browser by the WASM core
// (src/inspect.ts): its header fields and sections, what it sets in a node record, or the
// exact reason recvstats would reject it and the byte at fault, highlighted in its hex.

import { CapturedDatagram, looksLikeCapture, parseHexDump, parsePcap } from "../capture";
import { Inspection, Inspector } from "../inspect";
import { stringify } from "../json";
import { esc } from "./dom";

/** Datagrams shown at most from one input (a capture may hold millions). */
const MAX_SHOWN = 1000;

/** The xxd-style hex of bytes, 16 to a line, the byte at `at` marked (at = length: the bytes ended early). */
export function hexHtml(bytes: Uint8Array, at: number | null): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    let hexPart = "";
    let text = "";
    for (let i = off; i < off + 16; i++) {
      if (i >= bytes.length) {
        hexPart += "   ";
        continue;
      }
      const h = bytes[i].toString(16).padStart(2, "0");
      const c = bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : ".";
      hexPart += i === at ? `<b>${h}</b> ` : `${h} `;
      text += i === at ? `<b>${esc(c)}</b>` : esc(c);
    }
    lines.push(`${off.toString(16).padStart(8, "0")}: ${hexPart} ${text}`);
  }
  return `<pre class="hex">${lines.join("\n")}</pre>`;
}

/** One datagram's card. */
function card(d: CapturedDatagram, r: Inspection): string {
  const verdict = r.reason
    ? `rejected: ${esc(r.words)}${r.at === null ? "" : r.at >= r.length ? `, the bytes end at ${r.at}` : ` at byte ${r.at}`}`
    : "accepted";
  const where = [d.src && d.dst ? `${d.src} → ${d.dst}` : "", d.time ? new Date(d.time).toISOString() : "", d.note ?? ""].filter(Boolean).join(" · ");
  const fields = r.fields.length
    ? `<table class="fields"><tr><th>offset</th><th>field</th><th>value</th></tr>${r.fields
        .map((f) => `<tr${r.at !== null && r.at >= f.offset && r.at < f.offset + f.size ? ' class="fault"' : ""}><td class="num">${f.offset}</td><td>${esc(f.name)}</td><td>${esc(f.value)}</td></tr>`)
        .join("")}</table>`
    : "";
  const sections = r.sections.length
    ? `<table class="sections"><tr><th>offset</th><th>section</th><th>flags</th><th>length</th><th>sample time</th></tr>${r.sections
        .map((s) => `<tr><td class="num">${s.offset}</td><td>${esc(s.section)}</td><td>${esc(s.flags)}</td><td class="num">${s.length}</td><td>${esc(s.time)}</td></tr>`)
        .join("")}</table>${r.sections.map((s) => `<details><summary>${esc(s.section)} at ${s.offset}: ${s.length} bytes</summary><pre>${esc(s.text)}</pre></details>`).join("")}`
    : "";
  const record = r.status ? `<details open><summary>what it sets in node ${r.status.node}'s record</summary><pre class="record">${esc(stringify(r.status, 2))}</pre></details>` : "";
  const notes = r.notes.length ? `<p class="notes">${r.notes.map(esc).join("<br>")}</p>` : "";
  return `<div class="card packet ${r.reason ? "rejected" : "accepted"}" data-index="${d.index}" data-reason="${r.reason}" data-at="${r.at ?? ""}">
    <h2>#${d.index} · ${r.length} bytes · ${r.type} · <span class="verdict">${verdict}</span></h2>
    ${where ? `<p class="notes">${esc(where)}</p>` : ""}${notes}
    <details${r.reason ? " open" : ""}><summary>hex</summary>${hexHtml(d.bytes, r.at)}</details>
    ${fields}${sections}${record}</div>`;
}

/** Runs the inspector in main. module: the core the page compiled. */
export function inspectorPage(module: WebAssembly.Module, main: HTMLElement, nav: HTMLElement, status: HTMLElement): void {
  document.title = "beostatus: packet inspector";
  nav.innerHTML = `<a href="/">all nodes</a>`;
  main.innerHTML = `<div class="card"><h2>Packet inspector</h2>
    <p>Paste one or more datagrams as <code>xxd</code> or <code>xxd -p</code> print them (a blank line or an offset of 0 starts the next),
    or load a capture file (classic pcap, as <code>tcpdump -w</code> writes it). They are decoded here, by the same WASM decoder as recvstats.</p>
    <textarea id="hex-input" spellcheck="false" placeholder="00000000: 4253 5457 0101 0000 0000 9000 0000 0000  BSTW............"></textarea>
    <p><button id="decode">Decode</button> <input type="file" id="capture-file"></p></div>
    <div id="results"></div>`;
  const results = main.querySelector<HTMLElement>("#results")!;
  const inspector = new Inspector(module);
  status.textContent = "ready";

  const show = (datagrams: CapturedDatagram[], notes: string[], what: string): void => {
    const shown = datagrams.slice(0, MAX_SHOWN);
    const inspected = shown.map((d) => inspector.inspect(d.bytes, d.src));
    const cards = shown.map((d, i) => card(d, inspected[i]));
    const rejected = inspected.filter((r) => r.reason !== 0).length;
    const more = datagrams.length > shown.length ? ` (the first ${shown.length} shown)` : "";
    status.textContent = `${what}: ${datagrams.length} datagrams${more}, ${rejected} rejected`;
    status.className = "";
    results.innerHTML = (notes.length ? `<div class="card notes"><h2>skipped</h2>${notes.slice(0, 200).map(esc).join("<br>")}</div>` : "") + cards.join("");
  };

  main.querySelector("#decode")!.addEventListener("click", () => {
    const text = main.querySelector<HTMLTextAreaElement>("#hex-input")!.value;
    const { datagrams, notes } = parseHexDump(text);
    show(datagrams, notes, "hex dump");
  });
  main.querySelector<HTMLInputElement>("#capture-file")!.addEventListener("change", async (ev) => {
    const file = (ev.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    // a text file is taken for a saved hex dump
    const { datagrams, notes } = looksLikeCapture(bytes) ? parsePcap(bytes) : parseHexDump(new TextDecoder().decode(bytes));
    show(datagrams, notes, file.name);
  });
}

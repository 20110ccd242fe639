// The one HTML page beostatus serves for every view (/, /node/N, /inspect): a shell whose
// script (build/web/page.js, src/web/page.ts) draws the view the path names. Styles are
// inline and nothing is loaded from anywhere but beostatus itself (its Content-Security-
// Policy says so to the browser too).

/** The stylesheet of every view. */
const CSS = `
:root { --bg: #fbfbfa; --fg: #1d2228; --muted: #6b7280; --line: #e2e4e8; --down: #9aa0a6; --accent: #2458b3; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; padding: 8px 16px; border-bottom: 1px solid var(--line); background: #fff; position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 16px; margin: 0 12px 0 0; }
header a { color: var(--accent); text-decoration: none; }
main { padding: 12px 16px; }
button, select, input { font: inherit; }
.views button { border: 1px solid var(--line); background: #fff; padding: 3px 10px; cursor: pointer; }
.views button.active { background: var(--accent); color: #fff; border-color: var(--accent); }
#status { color: var(--muted); }
#status.error { color: #b3261e; }
table { border-collapse: collapse; }
th, td { padding: 2px 8px; text-align: left; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; border-bottom: 1px solid var(--line); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.down td { color: var(--down); }
tr.down .fill { background: #c9ccd1 !important; }
tr:hover td { background: #f0f3f8; }
a.node { color: var(--accent); text-decoration: none; font-variant-numeric: tabular-nums; }
.bar { position: relative; width: 120px; height: 14px; background: #eceef1; border-radius: 2px; overflow: hidden; }
.bar .fill { position: absolute; left: 0; top: 0; bottom: 0; }
.bar span { position: absolute; right: 4px; top: -1px; font-size: 11px; }
.lv0 { background: #5cb85c; } .lv1 { background: #e0b020; } .lv2 { background: #d9534f; }
#dots-wrap { position: relative; }
#dots { display: block; cursor: pointer; }
#tip { position: absolute; pointer-events: none; background: #1d2228; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; white-space: pre; display: none; z-index: 3; }
.legend { display: flex; align-items: center; gap: 8px; margin-top: 8px; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card h2 { font-size: 14px; margin: 0 0 8px; }
canvas.chart { display: block; }
textarea { width: 100%; min-height: 160px; font: 12px/1.3 ui-monospace, monospace; }
pre { font: 12px/1.3 ui-monospace, monospace; margin: 0; white-space: pre-wrap; }
.packet { margin-top: 12px; }
.packet.rejected h2 { color: #b3261e; }
.packet.accepted h2 { color: #1e7b34; }
.hex b { background: #fbd5d2; color: #b3261e; }
.notes { color: var(--muted); }
`;

/** The page shell for any path: the script reads location.pathname to choose its view. */
export function pageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>beostatus</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header>
  <h1><a href="/">beostatus</a></h1>
  <nav id="nav"></nav>
  <span id="status">loading…</span>
</header>
<main id="main"></main>
<script src="/beostatus.js"></script>
</body>
</html>
`;
}

/**
 * What the browser may load: only beostatus' own page, script and answers. The WASM core
 * is compiled by the page from bytes inside its script ('wasm-unsafe-eval').
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

// beostatus --http: the web page, its script (with the WASM core inside), /snapshot and
// /metrics, all answered from the status file at the moment of the request. Binds only
// where it is told (127.0.0.1 by default); a bind error is fatal, a request's error is an
// answer (503 while there is no status file). No state but the open file and one core.

import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics";
import { Snapshotter, StatusSource, parseNodeRange } from "./snapshot";
import { Core } from "./wasm";
import { CONTENT_SECURITY_POLICY, pageHtml } from "./web/html";
import pageScript from "../build/web/page.txt"; // src/web/page.ts, bundled for browsers by scripts/build-web.mjs

export interface WebOptions {
  host: string;
  port: number;
  shmDir: string;
  perCpuMetrics: boolean;
}

/** The default of --http: loopback only, port 3042. */
export const DEFAULT_HTTP = { host: "127.0.0.1", port: 3042 };

/**
 * Parses --http's value: "PORT", ":PORT", "ADDR", "ADDR:PORT", "[IPV6]:PORT"; what is left
 * out is DEFAULT_HTTP's. null when it is none of these.
 */
export function parseListen(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d*))?$/.exec(text);
  if (!m) return null;
  let host = m[1] ?? m[2] ?? "";
  let portText = m[3];
  // a lone number is a port, not an address
  if (m[1] === undefined && portText === undefined && /^\d+$/.test(host)) {
    portText = host;
    host = "";
  }
  const port = portText === undefined || portText === "" ? DEFAULT_HTTP.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  return { host: host || DEFAULT_HTTP.host, port };
}

/** A running web server; close() is safe to call twice. */
export interface WebServer {
  server: Server;
  /** the address it listens on (the port the kernel chose for port 0) */
  url: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Starts serving; rejects when it cannot bind (address in use, not ours). */
export function startWebServer(opts: WebOptions): Promise<WebServer> {
  const core = new Core(1);
  const snapshots = new Snapshotter(core);
  const source = new StatusSource(opts.shmDir, core.layout);
  const html = pageHtml();

  const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array, head: boolean): void => {
    res.writeHead(status, {
      "content-type": type,
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      ...SECURITY_HEADERS,
    });
    res.end(head ? undefined : body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://beostatus.invalid");
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) {
      res.setHeader("allow", "GET, HEAD");
      return send(res, 405, "text/plain; charset=utf-8", "only GET and HEAD\n", head);
    }
    const path = url.pathname;
    if (path === "/" || path === "/inspect" || /^\/node\/-?\d{1,7}$/.test(path)) {
      return send(res, 200, "text/html; charset=utf-8", html, head);
    }
    if (path === "/beostatus.js") return send(res, 200, "text/javascript; charset=utf-8", pageScript, head);
    if (path === "/snapshot" || path === "/metrics") {
      let reader;
      try {
        reader = source.current();
      } catch (err) {
        return send(res, 503, "text/plain; charset=utf-8", `${(err as Error).message}\n`, head);
      }
      if (path === "/metrics") {
        return send(res, 200, METRICS_CONTENT_TYPE, renderMetrics(reader, core, { perCpu: opts.perCpuMetrics }), head);
      }
      const which = url.searchParams.get("node");
      if (which === null) return send(res, 200, "application/octet-stream", snapshots.summaries(reader).bytes, head);
      const range = parseNodeRange(which);
      if (!range) return send(res, 400, "text/plain; charset=utf-8", `node=${which}: not N or FIRST-LAST\n`, head);
      return send(res, 200, "application/octet-stream", snapshots.records(reader, range.first, range.last), head);
    }
    send(res, 404, "text/plain; charset=utf-8", `${path}: not here (/, /node/N, /inspect, /snapshot, /metrics)\n`, head);
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      // a damaged file or a bug answers this request only; the server goes on
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `${(err as Error).message}\n`, false);
      else res.destroy();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      const a = server.address() as AddressInfo;
      const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
      let closed = false;
      resolve({
        server,
        url: `http://${host}:${a.port}/`,
        close: () =>
          new Promise<void>((done) => {
            if (closed) return done();
            closed = true;
            source.close();
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

// The bare receiver of `npm run bench:ingest`: a node:dgram socket that only counts what it
// receives, pinned to the core recvstats runs on. The highest rate it takes without kernel
// drops is the ceiling of any Node collector on this machine. Also the counting sink of
// `npm run bench:sendstats`. A child process, driven over the IPC channel.

import dgram from "node:dgram";
import { LatencySummary, now, summarize } from "./latency";

/** Messages from the benchmark. sendTimeAt: record each datagram's latency (see below). */
export type ReceiverCommand = { cmd: "listen"; port: number; rcvbuf: number; sendTimeAt?: number } | { cmd: "count" } | { cmd: "latency" } | { cmd: "exit" };
/** Answers to the benchmark. */
export type ReceiverReply =
  | { cmd: "listening"; rcvbufGranted: number }
  | { cmd: "count"; datagrams: number; bytes: number }
  | ({ cmd: "latency"; slowWindows: number } & LatencySummary);

if (!process.send) {
  console.error("ingest-receiver: run by bench/ingest.ts or bench/sendstats.ts, not by hand");
  process.exit(2);
}
const reply = (m: ReceiverReply): void => {
  process.send!(m);
};
let socket: dgram.Socket | null = null;
let datagrams = 0;
let bytes = 0;

// With sendTimeAt, the latency of every datagram: this process's clock when its handler runs
// minus the generator's send time in the datagram (W_SEND_TIME), into a buffer made once (a
// 10 s step at 200,000 datagrams/s fits), and the 100 ms windows with any over 5 ms. It is
// the baseline of recvstats' publish latency: what the machine, the kernel and the generator
// add before any collector reads a datagram.
const LATENCIES = 4_000_000;
let lat: Float64Array | null = null;
let latCount = 0;
const slow = new Set<number>();

process.on("message", (m: ReceiverCommand) => {
  if (m.cmd === "listen") {
    socket = dgram.createSocket("udp4");
    const at = m.sendTimeAt;
    if (at === undefined) {
      socket.on("message", (msg) => {
        datagrams++;
        bytes += msg.length;
      });
    } else {
      lat = new Float64Array(LATENCIES);
      socket.on("message", (msg) => {
        datagrams++;
        bytes += msg.length;
        if (msg.length < at + 8 || latCount === LATENCIES) return;
        const t = now();
        const ms = t - msg.readDoubleLE(at);
        lat![latCount++] = ms;
        if (ms > 5) slow.add(Math.floor(t / 100));
      });
    }
    socket.bind(m.port, "127.0.0.1", () => {
      socket!.setRecvBufferSize(m.rcvbuf);
      // Linux reports twice what it granted (the doubling covers its bookkeeping)
      reply({ cmd: "listening", rcvbufGranted: Math.floor(socket!.getRecvBufferSize() / 2) });
    });
  } else if (m.cmd === "count") {
    reply({ cmd: "count", datagrams, bytes });
  } else if (m.cmd === "latency") {
    // the latencies since the last ask, then a fresh start
    reply({ cmd: "latency", ...summarize((lat ?? new Float64Array(0)).subarray(0, latCount)), slowWindows: slow.size });
    latCount = 0;
    slow.clear();
  } else if (m.cmd === "exit") {
    socket?.close();
    process.disconnect();
  }
});
process.on("disconnect", () => process.exit(0));

// The bare receiver of `npm run bench:ingest`: a node:dgram socket that only counts what it
// receives, pinned to the core recvstats runs on. The highest rate it takes without kernel
// drops is the ceiling of any Node collector on this machine. Also the counting sink of
// `npm run bench:sendstats`. A child process, driven over the IPC channel.

import dgram from "node:dgram";

/** Messages from the benchmark. */
export type ReceiverCommand = { cmd: "listen"; port: number; rcvbuf: number } | { cmd: "count" } | { cmd: "exit" };
/** Answers to the benchmark. */
export type ReceiverReply = { cmd: "listening"; rcvbufGranted: number } | { cmd: "count"; datagrams: number; bytes: number };

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

process.on("message", (m: ReceiverCommand) => {
  if (m.cmd === "listen") {
    socket = dgram.createSocket("udp4");
    socket.on("message", (msg) => {
      datagrams++;
      bytes += msg.length;
    });
    socket.bind(m.port, "127.0.0.1", () => {
      socket!.setRecvBufferSize(m.rcvbuf);
      // Linux reports twice what it granted (the doubling covers its bookkeeping)
      reply({ cmd: "listening", rcvbufGranted: Math.floor(socket!.getRecvBufferSize() / 2) });
    });
  } else if (m.cmd === "count") {
    reply({ cmd: "count", datagrams, bytes });
  } else if (m.cmd === "exit") {
    socket?.close();
    process.disconnect();
  }
});
process.on("disconnect", () => process.exit(0));

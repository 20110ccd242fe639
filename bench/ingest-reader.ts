// The latency reader of `npm run bench:ingest`: a reader of the status file, in its own
// process as a scheduler would be, polling a sample of nodes. When a node's NODE_UPDATES
// moves, the update is visible: its publish latency is this process's clock minus the
// record's NODE_SEND_TIME (the sender's clock when it sent the update's last datagram; both
// clocks are this machine's). A child process of bench/ingest.ts, driven over IPC.

import { setImmediate as yieldLoop } from "node:timers/promises";
import { ShmReader } from "../src/shm";
import { now, summarize } from "./latency";

/** Messages from bench/ingest.ts. */
export type ReaderCommand = { cmd: "open"; dir: string; sample: number[] } | { cmd: "start" } | { cmd: "stop" } | { cmd: "pause" } | { cmd: "exit" };
/** Answers: latencies in ms of the updates seen between start and stop. */
export type ReaderReply =
  | { cmd: "ready" }
  | { cmd: "opened" }
  | { cmd: "paused" }
  | {
      cmd: "latency";
      count: number;
      p50: number | null;
      p99: number | null;
      max: number | null;
      passes: number;
      /** mean time of one pass over the sample */
      passMs: number;
      /** the longest time between the starts of two passes: how late this reader itself ran */
      maxGapMs: number;
      /** reads given up after ShmReader's retries (a record locked all along) */
      gaveUp: number;
      /** updates seen later than 5 ms, and the 100 ms windows they were seen in (one stall, or many) */
      over5: number;
      slowWindows: number;
      /**
       * of the updates over 5 ms, the median time from the send to recvstats taking the last
       * datagram from its socket (NODE_TIME, whole ms): near all of the latency means the
       * datagram waited in the socket or the kernel, near none that it waited to be published
       */
      over5ToReceiveMs: number | null;
      /** each of those windows: when it began (epoch ms), its slow updates, the first one's send and the last one's sight (epoch ms), the longest latency */
      slowDetail: SlowWindow[];
    };

/** A window of 100 ms in which updates were seen later than 5 ms. */
export interface SlowWindow {
  at: number;
  updates: number;
  firstSentMs: number;
  lastSeenMs: number;
  maxMs: number;
}

if (!process.send) {
  console.error("ingest-reader: run by bench/ingest.ts, not by hand");
  process.exit(2);
}
const reply = (m: ReaderReply): void => {
  process.send!(m);
};
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/**
 * Pause between passes over the sample: short, so that a pass's age adds little to what is
 * measured (a quarter of a millisecond on average), long enough to leave the generator,
 * which shares the core, most of it.
 */
const PAUSE_MS = 0.25;

let reader: ShmReader | null = null;
let sample: number[] = [];
/** Polling: from "open" to "pause" or "exit", so that this process's code is compiled and warm before a step starts. */
let polling = false;
/** What is seen is recorded between "start" and "stop" only. */
let recording = false;
let pollDone: Promise<void> = Promise.resolve();
/** Asked for by "stop": the next pass sends what was recorded. */
let stopAsked = false;

type Recording = { lat: number[]; passes: number; busyMs: number; maxGapMs: number; gaveUp: number; slow: Map<number, SlowWindow>; slowToReceive: number[] };
const fresh = (): Recording => ({ lat: [], passes: 0, busyMs: 0, maxGapMs: 0, gaveUp: 0, slow: new Map(), slowToReceive: [] });

/** Sends what rec holds as the "latency" answer. */
function report(rec: Recording): void {
  reply({
    cmd: "latency",
    ...summarize(rec.lat),
    passes: rec.passes,
    passMs: rec.passes ? rec.busyMs / rec.passes : 0,
    maxGapMs: rec.maxGapMs,
    gaveUp: rec.gaveUp,
    slowWindows: rec.slow.size,
    over5ToReceiveMs: summarize(rec.slowToReceive).p50,
    slowDetail: [...rec.slow.values()].sort((a, b) => a.at - b.at),
  });
}

/** Polls the sample until polling turns false; records while recording is on. */
async function poll(): Promise<void> {
  const r = reader!;
  const L = r.L;
  const last = new Float64Array(sample.length).fill(-1);
  let rec = fresh();
  // one callback for every read: a closure made per read would be garbage for this
  // process's collector, whose pauses would be measured as recvstats' latency. What it reads
  // goes into an array, not into variables of the closure: a double stored there is a new
  // heap number each time (two per read, 512,000 reads a second)
  const got = new Float64Array(3);
  const UPDATES = 0;
  const SENT = 1;
  const RECEIVED = 2;
  const take = (rec: { u32(at: number): number; f64(at: number): number }, at: number): boolean => {
    got[UPDATES] = rec.u32(at + L.NODE_UPDATES);
    got[SENT] = rec.f64(at + L.NODE_SEND_TIME);
    got[RECEIVED] = rec.f64(at + L.NODE_TIME);
    return true;
  };
  const read = (n: number): boolean => {
    try {
      return r.read(n, take) !== null;
    } catch (err) {
      // the library gives up on a record locked for its whole retry budget (a writer descheduled
      // mid-write): counted, and the node is read again on the next pass
      if (!/rewritten continuously/.test((err as Error).message)) throw err;
      if (recording) rec.gaveUp++;
      return false;
    }
  };
  let wasRecording = false;
  let prev = performance.now();
  let yieldAt = prev + 5;
  while (polling) {
    if (recording !== wasRecording) {
      // a new recording: what is visible already is not measured, and the gaps start afresh
      wasRecording = recording;
      if (recording) rec = fresh();
      prev = performance.now();
    }
    const t0 = performance.now();
    if (recording) rec.maxGapMs = Math.max(rec.maxGapMs, t0 - prev);
    prev = t0;
    for (let i = 0; i < sample.length; i++) {
      if (!read(sample[i]) || got[UPDATES] === last[i]) continue;
      const seen = now();
      const sent = got[SENT];
      const received = got[RECEIVED];
      if (recording && last[i] >= 0) {
        rec.lat.push(seen - sent);
        if (seen - sent > 5) {
          const at = Math.floor(seen / 100) * 100;
          const w = rec.slow.get(at);
          if (!w) rec.slow.set(at, { at, updates: 1, firstSentMs: sent, lastSeenMs: seen, maxMs: seen - sent });
          else {
            w.updates++;
            w.firstSentMs = Math.min(w.firstSentMs, sent);
            w.lastSeenMs = Math.max(w.lastSeenMs, seen);
            w.maxMs = Math.max(w.maxMs, seen - sent);
          }
          rec.slowToReceive.push(received - sent);
        }
      }
      last[i] = got[UPDATES];
    }
    const t1 = performance.now();
    if (recording) {
      rec.passes++;
      rec.busyMs += t1 - t0;
    }
    if (stopAsked) {
      stopAsked = false;
      recording = false;
      report(rec);
    }
    Atomics.wait(sleeper, 0, 0, PAUSE_MS);
    if (t1 >= yieldAt) {
      await yieldLoop(); // the commands come in here
      yieldAt = performance.now() + 5;
    }
  }
}

process.on("message", (m: ReaderCommand) => {
  if (m.cmd === "open") {
    polling = false;
    void pollDone.then(() => {
      reader?.close();
      reader = ShmReader.open(m.dir);
      sample = m.sample;
      polling = true;
      pollDone = poll();
      reply({ cmd: "opened" });
    });
  } else if (m.cmd === "start") {
    recording = true;
  } else if (m.cmd === "stop") {
    stopAsked = true;
  } else if (m.cmd === "pause") {
    // idle until the next "open": the ceiling is searched meanwhile, with core 1 as in its first search
    polling = false;
    void pollDone.then(() => reply({ cmd: "paused" }));
  } else if (m.cmd === "exit") {
    polling = false;
    void pollDone.then(() => {
      reader?.close();
      process.disconnect();
    });
  }
});
process.on("disconnect", () => process.exit(0));
// running: node's threads (V8's workers, libuv's) are made, so that a real-time policy the
// benchmark now gives the main thread (chrt -p) stays with that thread alone. Given any
// earlier, it is inherited by every thread made after it
reply({ cmd: "ready" });

// A demo-like cluster on loopback for the browser tests: the built recvstats on lo with a
// temporary shm dir, and simulated nodes replaying the fixture captures (src/simulate.ts),
// sent once a second by sendstats' encoder to 127.0.0.1 only. The sending loop is bounded
// (maxSeconds) and stops with stop().

import dgram from "node:dgram";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readProcRoot } from "../../src/proc";
import { SimulatedNode } from "../../src/simulate";
import { Core } from "../../src/wasm";
import { Encoder } from "../../src/wire";
import { Spawned, freePortPair, spawnProgram, tempDir, waitFor } from "./cluster";
import { FIXTURES } from "./paths";

export interface SimCluster {
  port: number;
  shmDir: string;
  recvstats: Spawned;
  sims: SimulatedNode[];
  stop(): Promise<void>;
}

/** The real captures (not the hand-made edge cases) that have a stat file. */
export function captureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((d) => existsSync(join(FIXTURES, d, "stat")) && !d.startsWith("edge-"))
    .sort();
}

/** Starts recvstats and count simulated nodes (numbered 1..count, captures in turn); resolves once all are published. */
export async function startSimCluster(count: number, maxSeconds = 180): Promise<SimCluster> {
  const port = await freePortPair();
  const shm = tempDir("beostatus-sim-");
  const recvstats = spawnProgram("recvstats", ["-d", "-p", String(port), "--shm-dir", shm.dir, "--request-interval", "30"]);
  await waitFor("recvstats to listen", () => (recvstats.stderr().includes("listening") ? true : undefined));
  const captures = captureNames();
  const sims = Array.from({ length: count }, (_, i) => {
    const capture = captures[i % captures.length];
    return new SimulatedNode(i + 1, `sim${i + 1}-${capture}`.slice(0, 60), readProcRoot(join(FIXTURES, capture)), i + 1);
  });
  const core = new Core(1);
  const encoder = new Encoder(core, 1472);
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  let ticks = 0;
  const send = (): void => {
    for (const s of sims) {
      s.step(1);
      for (const d of s.encode(encoder, core, 1000, ticks % 30 === 0)) socket.send(d, port, "127.0.0.1");
    }
    ticks++;
    if (ticks >= maxSeconds) clearInterval(timer);
  };
  const timer = setInterval(send, 1000);
  send();
  return {
    port,
    shmDir: shm.dir,
    recvstats,
    sims,
    stop: async () => {
      clearInterval(timer);
      await new Promise<void>((r) => socket.close(() => r()));
      await recvstats.stop();
      shm.remove();
    },
  };
}

// What the long-running programs share about their lifetime: SIGINT and SIGTERM are caught
// from the moment the program starts (one that arrives while sockets are still opening is
// kept, not lost to the default handler), and stop the program cleanly.

export interface StopSignals {
  /** resolves with the signal's name once SIGINT or SIGTERM arrives */
  stopped: Promise<string>;
  /** removes the handlers (the default action applies again) */
  release(): void;
}

/** Catches SIGINT and SIGTERM from now on. */
export function stopSignals(): StopSignals {
  let resolve: (signal: string) => void = () => {};
  const stopped = new Promise<string>((r) => (resolve = r));
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, () => resolve(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return {
    stopped,
    release: () => {
      for (const [s, h] of handlers) process.off(s, h);
    },
  };
}

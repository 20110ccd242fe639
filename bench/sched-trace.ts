// What ran on some cores, from the kernel's sched_switch events: bench:ingest records both
// cores through its latency step, so that each stretch of updates over 5 ms can be told
// apart: recvstats behind on its own work, its core taken by another task (the VM's agent,
// a kernel thread), or the delay on the other core (the generator or the reader held up). The events go into a tracefs instance of its own (instances/NAME), with
// its own buffer, clock and CPU mask, so the machine's global tracing settings are left as
// they were. Root only; without tracefs the caller is told why and goes on without it.
// realtimeThreads says which of a process's threads run at real-time priority (the latency
// reader's main thread alone should).

import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One stretch in which the core ran one task: times in CLOCK_MONOTONIC milliseconds. */
export interface Run {
  start: number;
  end: number;
  pid: number;
  comm: string;
}

/** A task (or a group of them) and the milliseconds it had. */
export interface TaskTime {
  task: string;
  ms: number;
}

/** Where a stretch of time on the core went (ms). */
export interface Split {
  own: number;
  idle: number;
  other: number;
  /** the other tasks, most time first: "comm/pid" and ms */
  others: TaskTime[];
  /** own's tasks the same way (named by ownName): which of them had the time */
  owns: TaskTime[];
}

/** A time the core was held by other tasks without a break (no own task, no idle between). */
export interface Hold {
  start: number;
  ms: number;
  /** the task that had most of it, "comm/pid" */
  task: string;
}

const ROOTS = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
/**
 * Per CPU (tracefs allocates it for every CPU): at tens of thousands of switches a second
 * on the traced core, a 10 s step needs about 40 MB of events; an overrun is reported.
 */
const BUFFER_KB = 65536;

export class SchedTrace {
  private constructor(
    private readonly dir: string,
    private readonly cpus: readonly number[],
  ) {}

  /** Starts recording the task switches of the given cores; a string says why it cannot. */
  static start(cpus: readonly number[], name = `bench-ingest-${process.pid}`): SchedTrace | string {
    const root = ROOTS.find((r) => existsSync(join(r, "instances")));
    if (!root) return "no tracefs (mount -t tracefs nodev /sys/kernel/tracing)";
    const dir = join(root, "instances", name);
    try {
      if (!existsSync(dir)) mkdirSync(dir);
      const t = new SchedTrace(dir, cpus);
      t.set("tracing_on", "0");
      // CLOCK_MONOTONIC, the clock of process.hrtime: the trace's times compare with ours
      t.set("trace_clock", "mono");
      t.set("tracing_cpumask", cpus.reduce((m, c) => m | (1 << c), 0).toString(16));
      t.set("buffer_size_kb", String(BUFFER_KB));
      t.set("set_event", "sched:sched_switch");
      t.set("trace", "");
      t.set("tracing_on", "1");
      return t;
    } catch (err) {
      try {
        rmdirSync(dir);
      } catch {
        // (not made)
      }
      return `tracefs: ${(err as Error).message}`;
    }
  }

  private set(file: string, value: string): void {
    writeFileSync(join(this.dir, file), value);
  }

  /** Stops, removes the instance and returns each core's runs (by core), and whether a buffer overran (its first events lost). */
  stop(): { runs: Map<number, Run[]>; overran: boolean } {
    const texts: string[] = [];
    try {
      this.set("tracing_on", "0");
      for (const c of this.cpus) texts.push(readFileSync(join(this.dir, "per_cpu", `cpu${c}`, "trace"), "latin1"));
    } finally {
      try {
        this.set("set_event", "");
        rmdirSync(this.dir);
      } catch {
        // a reader still has a file open: the instance stays, stopped, until the next start reuses it
      }
    }
    const overran = texts.some((text) => {
      const counts = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(text);
      return counts !== null && counts[1] !== counts[2];
    });
    return { runs: new Map(this.cpus.map((c, i) => [c, parseSwitches(texts[i])])), overran };
  }
}

/** The runs between the sched_switch events of one core's trace text (the last event's task runs to it). */
export function parseSwitches(text: string): Run[] {
  const runs: Run[] = [];
  const re = /\s(\d+\.\d+): sched_switch: prev_comm=.*? prev_pid=\d+ .*?==> next_comm=(.*?) next_pid=(\d+) /g;
  let prev: { at: number; comm: string; pid: number } | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = Number(m[1]) * 1000;
    if (prev) runs.push({ start: prev.at, end: at, pid: prev.pid, comm: prev.comm });
    prev = { at, comm: m[2], pid: Number(m[3]) };
  }
  return runs;
}

const taskOf = (r: Run): string => `${r.comm}/${r.pid}`;

/**
 * Where [from, to) went on the core: own's tasks, idle (pid 0), the others by task. ownName
 * names own's runs for owns (threads of one kind summed under one name); by default "comm/pid".
 */
export function split(runs: readonly Run[], from: number, to: number, own: (pid: number) => boolean, ownName: (r: Run) => string = taskOf): Split {
  const s: Split = { own: 0, idle: 0, other: 0, others: [], owns: [] };
  const others = new Map<string, number>();
  const owns = new Map<string, number>();
  for (const r of runs) {
    const ms = Math.min(r.end, to) - Math.max(r.start, from);
    if (ms <= 0) continue;
    if (r.pid === 0) s.idle += ms;
    else {
      const mine = own(r.pid);
      if (mine) s.own += ms;
      else s.other += ms;
      const by = mine ? owns : others;
      const name = mine ? ownName(r) : taskOf(r);
      by.set(name, (by.get(name) ?? 0) + ms);
    }
  }
  const ranked = (m: Map<string, number>): TaskTime[] => [...m].map(([task, ms]) => ({ task, ms })).sort((a, b) => b.ms - a.ms);
  s.others = ranked(others);
  s.owns = ranked(owns);
  return s;
}

/** The times other tasks held the core for at least minMs without a break, longest first. */
export function holds(runs: readonly Run[], own: (pid: number) => boolean, minMs: number): Hold[] {
  const out: Hold[] = [];
  let cur: { start: number; end: number; byTask: Map<string, number> } | null = null;
  const close = (): void => {
    if (cur && cur.end - cur.start >= minMs) {
      const top = [...cur.byTask].sort((a, b) => b[1] - a[1])[0];
      out.push({ start: cur.start, ms: cur.end - cur.start, task: top[0] });
    }
    cur = null;
  };
  for (const r of runs) {
    if (r.pid === 0 || own(r.pid)) {
      close();
      continue;
    }
    if (!cur) cur = { start: r.start, end: r.end, byTask: new Map() };
    cur.end = r.end;
    cur.byTask.set(taskOf(r), (cur.byTask.get(taskOf(r)) ?? 0) + r.end - r.start);
  }
  close();
  return out.sort((a, b) => b.ms - a.ms);
}

/** The thread ids of process pid (its V8 and libuv threads run on the core too, as its own work). */
export function threadsOf(pid: number): Set<number> {
  try {
    return new Set(readdirSync(`/proc/${pid}/task`).map(Number));
  } catch {
    return new Set([pid]);
  }
}

/**
 * The fields of a /proc/PID/stat (or task/TID/stat) text from field 3 (state) on: index i
 * is field i + 3. They are counted after the command's closing parenthesis, since a
 * command may hold spaces and parentheses.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/**
 * The threads of process pid that run under a real-time policy (SCHED_FIFO or SCHED_RR):
 * field 41 (policy) of /proc/PID/task/TID/stat. A thread that has gone is left out.
 */
export function realtimeThreads(pid: number): number[] {
  const out: number[] = [];
  for (const tid of threadsOf(pid)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue;
    }
    const policy = Number(statFields(stat)[41 - 3]);
    if (policy === 1 || policy === 2) out.push(tid);
  }
  return out.sort((a, b) => a - b);
}

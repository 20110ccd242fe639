// Run-time limits on what one node may report (--max-cpus, --max-ifaces), at most the
// parse record's capacity (MAX_CPUS, MAX_IFACES). Longer lists are cut, flagged in the
// node's state and reported as S_LIMIT: memory stays bounded whatever a datagram claims.

import { MAX_CPUS, MAX_IFACES } from "./layout";

/** CPUs one node may list (in stat, and in cpuinfo). */
export let cpuLimit: u32 = MAX_CPUS;
/** Interfaces one node may list. */
export let ifaceLimit: u32 = MAX_IFACES;

/** Sets the limits (each capped at the parse record's capacity); called by the host at start. */
export function setLimits(cpus: u32, ifaces: u32): void {
  cpuLimit = min<u32>(max<u32>(cpus, 1), MAX_CPUS);
  ifaceLimit = min<u32>(max<u32>(ifaces, 1), MAX_IFACES);
}

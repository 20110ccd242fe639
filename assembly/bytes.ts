// Copies and fills of the few to few hundred bytes a datagram moves around (a section's
// fields, an interface entry, a name), inlined as vector loads and stores. WASM's own
// memory.copy and memory.fill are, in V8, a call into the engine's C code with its own
// bounds checks, for every one: about twenty per update of these sizes. (What this saves
// was within the noise of the benchmarks; it costs nothing either.) Large copies (a node's
// CPU list) and overlapping ones stay with memory.copy.

/** Copies n bytes from src to dst, which must not overlap. */
// @ts-ignore: decorator
@inline export function copyBytes(dst: usize, src: usize, n: usize): void {
  let i: usize = 0;
  while (i + 16 <= n) {
    v128.store(dst + i, v128.load(src + i));
    i += 16;
  }
  if (i + 8 <= n) {
    store<u64>(dst + i, load<u64>(src + i));
    i += 8;
  }
  while (i < n) {
    store<u8>(dst + i, load<u8>(src + i));
    i++;
  }
}

/** Sets the n bytes at dst to zero. */
// @ts-ignore: decorator
@inline export function zeroBytes(dst: usize, n: usize): void {
  let i: usize = 0;
  while (i + 16 <= n) {
    v128.store(dst + i, i64x2.splat(0));
    i += 16;
  }
  if (i + 8 <= n) {
    store<u64>(dst + i, 0);
    i += 8;
  }
  while (i < n) {
    store<u8>(dst + i, 0);
    i++;
  }
}

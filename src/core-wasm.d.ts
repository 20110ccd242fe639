// esbuild's binary loader turns an imported .wasm file into its bytes ("recvstats-core.wasm" is
// an alias of build/core.wasm, set in scripts/build.mjs).
declare module "*.wasm" {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

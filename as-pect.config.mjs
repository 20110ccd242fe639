// as-pect: the AssemblyScript specs of the core (tests/assembly/*.spec.ts), compiled with
// as-pect.asconfig.json and run by `npm test`.
export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};

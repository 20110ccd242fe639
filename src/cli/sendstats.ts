// Entry of build/sendstats.js: all of the program is in runMain (src/sendstats.ts).
import { runMain } from "../sendstats";

runMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

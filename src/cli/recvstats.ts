// Entry of build/recvstats.js: all of the program is in runMain (src/recvstats.ts).
import { runMain } from "../recvstats";

runMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

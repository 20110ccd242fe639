// Entry of build/beostat.js: all of the program is in runMain (src/beostat.ts).
import { runMain } from "../beostat";

process.exitCode = runMain(process.argv.slice(2));

// Entry of build/demo.js (npm run demo): all of it is in runMain (src/demo.ts).
import { runMain } from "../demo";

runMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

// Entry of build/beostatus.js: all of the program is in runMain (src/beostatus.ts).
import { runMain } from "../beostatus";

runMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // the view's timers and the server are closed; stdin may still hold the event loop open
  if (process.stdin.isTTY) process.stdin.unref();
});

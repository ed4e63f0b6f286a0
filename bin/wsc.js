#!/usr/bin/env node
// The `wsc` command. The TypeScript sources are compiled to dist/ by `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(
    "wsc: dist/ is missing. Run `npm run build` (or `npm ci`, which builds) in the wsc folder first.",
  );
  process.exit(1);
}
// A reader that goes away (`wsc ctl get jobs | head -1`) ends the command quietly, with the status a shell
// reports for a command ended by SIGPIPE (141, as `ls | head` gives); Node ignores SIGPIPE and would otherwise
// die of an unhandled EPIPE error with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(141);
    throw e;
  });
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);

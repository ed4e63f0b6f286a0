// The `wsc` command: one entry point, each command registered from its own module.
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { WscError, printable } from "../util/errors.js";
import { registerCtl } from "./commands/ctl.js";
import { registerFabric } from "./commands/fabric.js";
import { registerData } from "./commands/data.js";
import { registerModel } from "./commands/model.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerSystem } from "./commands/system.js";

const require = createRequire(import.meta.url);
const { version } = require("../../package.json") as { version: string };

export function buildProgram(): Command {
  const program = new Command("wsc")
    .description(
      "A wafer-scale cluster you can run anywhere: submit Model Zoo training jobs to an emulated CS-2 " +
        "cluster, really train them, and see what the real hardware would do.",
    )
    .version(version, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerSystem(program);
  registerCtl(program);
  registerFabric(program);
  registerModel(program);
  registerRun(program);
  registerData(program);
  registerServe(program);
  return program;
}

/** A failed file operation of Node (it carries the system's code, the call and usually the path). */
function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string; syscall: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && "syscall" in e;
}

/**
 * Run the CLI; returns the process exit code. Bad input prints one clear message, never a stack trace, and
 * exits 2: a WscError with its own code, a usage error commander has already printed (an unknown option, a
 * value out of range; --help and --version exit 0). A file operation no command wrapped in a WscError (a full
 * disk, a folder that went away mid-run) prints Node's message, which names the path and the reason, and
 * exits 1. Anything else is a bug and keeps its stack trace.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof WscError) {
      // messages quote files and flags: whatever they hold, it is printed escaped
      process.stderr.write(`wsc: error: ${printable(e.message)}\n`);
      return e.exitCode;
    }
    if (isSystemError(e)) {
      process.stderr.write(`wsc: error: ${printable(e.message)}\n`);
      return 1;
    }
    throw e;
  }
}

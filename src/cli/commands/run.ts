// `wsc run <target>`: run a Model Zoo params file on a target. Each target registers its own subcommand.
import type { Command } from "commander";
import { registerRunCpu } from "./run-cpu.js";
import { registerRunCsx } from "./run-csx-command.js";

export function registerRun(program: Command): Command {
  const run = program
    .command("run")
    .description(
      "run a Model Zoo params file: CPU (the host, a reference run) or CSX (the emulated cluster)",
    );
  registerRunCpu(run);
  registerRunCsx(run);
  return run;
}

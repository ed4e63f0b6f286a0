// `wsc run <target>`: run a Model Zoo params file on a target. Each target registers its own subcommand.
import type { Command } from "commander";
import { registerRunCpu } from "./run-cpu.js";

export function registerRun(program: Command): Command {
  const run = program
    .command("run")
    .description(
      "Run a Model Zoo params file: CPU (the host, a reference run) or CSX (the emulated cluster).",
    );
  registerRunCpu(run);
  return run;
}

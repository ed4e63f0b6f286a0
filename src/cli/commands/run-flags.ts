// The run.py flags `wsc run CPU` and `wsc run CSX` share, defined once: the params file, the mode, the model
// family, and the overrides of the params file (model_dir, checkpoint_path, max_steps, eval_steps). Options
// keep run.py's underscores, so commander names them so too.
import { Option } from "commander";
import type { Command } from "commander";
import { MAX_COUNT, loadParams } from "../../frontends/index.js";
import type { LoadedParams } from "../../frontends/index.js";
import { intOption, modelFamilyOption, PARAMS_HELP, pathOption } from "../options.js";

export interface RunPyFlags {
  params: string;
  model?: string;
  model_dir?: string;
  checkpoint_path?: string;
  max_steps?: number;
  eval_steps?: number;
}

/** Adds the shared run.py flags to a `run` target; `modes` are the --mode values the target takes. */
export function addRunPyOptions(cmd: Command, modes: readonly string[]): Command {
  return cmd
    .requiredOption("-p, --params <file>", PARAMS_HELP, pathOption("params file"))
    .addOption(new Option("-m, --mode <mode>", "what to run").choices(modes).makeOptionMandatory())
    .addOption(modelFamilyOption())
    .option(
      "-o, --model_dir <dir>",
      "where checkpoints, logs, reports and performance.json go (default: the params file's model_dir, else ./model_dir)",
      pathOption("model_dir folder"),
    )
    .option(
      "--checkpoint_path <file>",
      "initialise the weights from this checkpoint instead of model_dir's latest",
      pathOption("checkpoint file"),
    )
    .option("--max_steps <n>", "training steps (overrides the params file)", intOption(1, MAX_COUNT))
    .option("--eval_steps <n>", "evaluation batches (overrides the params file)", intOption(1, MAX_COUNT));
}

/** The params file with the command line's overrides, as every run target reads it. */
export function loadRunParams(f: RunPyFlags): LoadedParams {
  return loadParams(f.params, {
    model: f.model,
    maxSteps: f.max_steps,
    evalSteps: f.eval_steps,
    modelDir: f.model_dir,
    checkpointPath: f.checkpoint_path,
  });
}

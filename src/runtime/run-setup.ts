// What a run of a params file does before its first step, whichever target runs it (`run CPU` on the host,
// `run CSX` through the appliance): check that the file has what the mode needs, turn its optimizer section
// into the numerics optimizer, and find the checkpoint to start from (--checkpoint_path, else the latest
// checkpoint of model_dir when autoload is on, else none: the seed's initial weights).
import type { LoadedParams, OptimizerConfig, RunConfig } from "../frontends/index.js";
import type { ModelIR } from "../model/index.js";
import type { OptimizerConfig as NumericsOptimizerConfig } from "../numerics/index.js";
import { CheckpointError, listCheckpoints, readCheckpoint } from "./checkpoint.js";
import type { CheckpointContent, LoadedCheckpoint } from "./checkpoint.js";
import { RuntimeError } from "./errors.js";

export type RunMode = "train" | "eval" | "train_and_eval";

/** Fails with an error naming the file, the mode and the missing section or key, before anything runs. */
export function checkRunInputs(params: LoadedParams, mode: RunMode): void {
  const { run, file } = params;
  const training = mode !== "eval";
  const fail = (why: string) => {
    throw new RuntimeError(`${file}: ${why}`, 2);
  };
  if (training && !run.train)
    fail(`--mode ${mode} needs a training input section (train_input or trainer.fit.train_dataloader)`);
  if (mode !== "train" && !run.eval)
    fail(`--mode ${mode} needs an evaluation input section (eval_input or trainer.fit.val_dataloader)`);
  if (training && run.maxSteps === null)
    fail(
      "training needs max_steps: set runconfig.max_steps (or trainer.init.loop.max_steps) or pass --max_steps",
    );
  if (training && !run.optimizer) fail(`--mode ${mode} needs an optimizer section with a learning rate`);
}

const OPTIMIZER_CLASS = { adamw: "AdamW", adam: "Adam", sgd: "SGD" } as const;

/** The numerics optimizer of a run configuration's optimizer section. */
export function numericsOptimizer(o: OptimizerConfig): NumericsOptimizerConfig {
  return {
    kind: OPTIMIZER_CLASS[o.kind],
    weightDecay: o.weightDecay,
    momentum: o.momentum,
    nesterov: o.nesterov,
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    correctBias: o.correctBias,
  };
}

/** The model a checkpoint records, to check on resume that it holds this model. */
export function checkpointModel(model: ModelIR): CheckpointContent["model"] {
  return { family: model.family, name: model.name, paramCount: model.paramCount };
}

/**
 * The checkpoint a run starts from, read, verified (readCheckpoint) and checked against the model: the same
 * parameters by name and shape, nothing more. null: start from the seed.
 */
export function resumeCheckpoint(
  run: Pick<RunConfig, "checkpointPath" | "autoloadLastCheckpoint" | "modelDir">,
  model: ModelIR,
): { from: string; checkpoint: LoadedCheckpoint } | null {
  const from =
    run.checkpointPath ??
    (run.autoloadLastCheckpoint ? listCheckpoints(run.modelDir).at(-1)?.path : undefined);
  if (!from) return null;
  const checkpoint = readCheckpoint(from);
  const fail = (why: string): never => {
    throw new CheckpointError(
      `${from}: ${why}; it was written for another model (${checkpoint.model.name}), this run's is ${model.name}: ` +
        "give this model's checkpoint with --checkpoint_path, or another model_dir",
    );
  };
  if (checkpoint.model.paramCount !== model.paramCount)
    fail(`it holds a model of ${checkpoint.model.paramCount} parameters; this one has ${model.paramCount}`);
  const shapes = new Map(model.layers.flatMap((l) => l.params.map((p) => [p.fullName, p.shape] as const)));
  for (const [name, t] of checkpoint.weights) {
    const want = shapes.get(name);
    if (!want) fail(`tensor '${name}' is not a parameter of this model`);
    else if (want.join(",") !== t.shape.join(","))
      fail(`tensor '${name}' has shape [${t.shape.join(", ")}]; the model's is [${want.join(", ")}]`);
  }
  for (const name of shapes.keys()) if (!checkpoint.weights.has(name)) fail(`it has no tensor '${name}'`);
  return { from, checkpoint };
}

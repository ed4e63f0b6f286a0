// What a run of a params file does before its first step, whichever target runs it (`run CPU` on the host,
// `run CSX` through the appliance): check that the file has what the mode needs, turn its optimizer section
// into the numerics optimizer, and find the checkpoint to start from (--checkpoint_path, else the latest
// checkpoint of model_dir when autoload is on, else none: the seed's initial weights).
import { totalmem } from "node:os";
import type { LoadedParams, OptimizerConfig, RunConfig } from "../frontends/index.js";
import type { ModelIR } from "../model/index.js";
import type { OptimizerConfig as NumericsOptimizerConfig } from "../numerics/index.js";
import { CheckpointError, listCheckpoints, readCheckpoint } from "./checkpoint.js";
import type { CheckpointContent, LoadedCheckpoint } from "./checkpoint.js";
import { paramsFromDecls } from "../numerics/index.js";
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
  checkHostMemory(params, mode);
}

/** Elements a Float32Array can hold (V8's limit). */
export const MAX_TENSOR_ELEMENTS = 2 ** 32;

/**
 * Bytes a host run needs at least, fp32: the weights, and when training their gradients and the optimizer's
 * buffers (Adam 2 per weight, SGD with momentum 1), plus one batch's activations (each layer's output and
 * what it keeps for backward, from the model IR's savedElements and outputElements).
 */
export function hostRunBytes(params: LoadedParams, mode: RunMode): number {
  const { model, run } = params;
  const training = mode !== "eval";
  const o = run.optimizer;
  const buffers = !training || !o ? 0 : o.kind === "sgd" ? (o.momentum ? 1 : 0) : 2;
  const batch = Math.max(run.train?.batchSize ?? 0, run.eval?.batchSize ?? 0, 1);
  const perSample = model.layers.reduce((a, l) => a + l.outputElements + (training ? l.savedElements : 0), 0);
  return 4 * (model.paramCount * (1 + (training ? 1 + buffers : 0)) + batch * perSample);
}

/**
 * Refuse, before anything is allocated, a run the host cannot hold: a tensor larger than a typed array can
 * be, or more bytes than the machine's memory, with the figure, the limit and the fix.
 */
function checkHostMemory(params: LoadedParams, mode: RunMode): void {
  const fix =
    "make the model smaller for a host run (hidden_size, num_hidden_layers, vocab_size, batch_size), " +
    "or see what the wafer would do with `wsc run CSX ... --compile_only`";
  for (const l of params.model.layers)
    for (const p of l.params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (n > MAX_TENSOR_ELEMENTS)
        throw new RuntimeError(
          `${params.file}: parameter ${p.fullName} [${p.shape.join(", ")}] has ${n.toExponential(2)} elements, ` +
            `more than the ${MAX_TENSOR_ELEMENTS} one host tensor can hold: ${fix}`,
          2,
        );
    }
  const need = hostRunBytes(params, mode);
  const have = totalmem();
  if (need > have)
    throw new RuntimeError(
      `${params.file}: a host run of this model needs at least ${(need / 2 ** 30).toFixed(1)} GiB ` +
        `(weights, gradients, optimizer state and one batch's activations in fp32); this machine has ` +
        `${(have / 2 ** 30).toFixed(1)} GiB: ${fix}`,
      2,
    );
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

/** A checkpoint as a run resumes from it: the loss scale is null when load_checkpoint_states leaves it out. */
export type ResumedCheckpoint = Omit<LoadedCheckpoint, "lossScale"> & {
  readonly lossScale: LoadedCheckpoint["lossScale"] | null;
};

/**
 * The checkpoint a run starts from, read, verified (readCheckpoint) and checked against the model: the same
 * parameters by name and shape, nothing more. null: start from the seed.
 *
 * A BERT fine-tuning model (a task_head) given a BERT pre-training checkpoint starts from its encoder, as
 * Model Zoo's fine-tuning does (load_checkpoint_states "model", non-strict loading): the embeddings and
 * blocks by name, the pooler from the NSP head's (Model Zoo's bert.pooler), the classifier from the seed; at
 * step 0 with a fresh optimizer and data position.
 */
export function resumeCheckpoint(
  run: Pick<RunConfig, "checkpointPath" | "autoloadLastCheckpoint" | "modelDir"> &
    Partial<Pick<RunConfig, "loadCheckpointStates" | "seed">>,
  model: ModelIR,
): { from: string; checkpoint: ResumedCheckpoint } | null {
  const from =
    run.checkpointPath ??
    (run.autoloadLastCheckpoint ? listCheckpoints(run.modelDir).at(-1)?.path : undefined);
  if (!from) return null;
  const read = readCheckpoint(from);
  const warm = encoderStart(read, model, from, run.seed ?? 0);
  if (warm) return { from, checkpoint: warm };
  // load_checkpoint_states applies to the checkpoint_path a user gives (starting from another run's
  // weights); a run resuming its own model_dir restores everything, or it would start over at step 0
  const states = run.checkpointPath !== null ? (run.loadCheckpointStates ?? null) : null;
  const checkpoint: ResumedCheckpoint = states
    ? {
        ...read,
        step: states.includes("global_step") ? read.step : 0,
        optimizer: states.includes("optimizer") ? read.optimizer : null,
        data: states.includes("dataloader") ? read.data : { train: null },
        lossScale: states.includes("grad_scaler") ? read.lossScale : null,
      }
    : read;
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

/** A fine-tuning model's start from a BERT pre-training checkpoint's encoder, or null when that is not the case. */
function encoderStart(
  read: LoadedCheckpoint,
  model: ModelIR,
  from: string,
  seed: number,
): ResumedCheckpoint | null {
  const head = model.layers.find((l) => l.kind === "task_head");
  if (!head || read.model.family !== "bert" || read.weights.has(`${head.name}.classifier.weight`))
    return null;
  const weights = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const seeded: string[] = [];
  const same = (a: readonly number[], b: readonly number[]) => a.join(",") === b.join(",");
  for (const l of model.layers) {
    const init = l === head ? paramsFromDecls(l.params, seed, l.name) : null;
    for (const p of l.params) {
      const source = l === head ? p.fullName.replace(`${head.name}.pooler.`, "nsp_head.pooler.") : p.fullName;
      const t = read.weights.get(source);
      if (t && same(t.shape, p.shape)) weights.set(p.fullName, t);
      else if (init && !(l === head && source !== p.fullName && t)) {
        seeded.push(p.fullName);
        weights.set(p.fullName, { shape: p.shape, data: init.get(p.name)!.data });
      } else
        throw new CheckpointError(
          `${from}: the encoder of ${model.name} needs '${source}' ${t ? `of shape [${p.shape.join(", ")}], not [${t.shape.join(", ")}]` : "which the checkpoint does not hold"}; ` +
            "initialise from a pre-training checkpoint of the same encoder (hidden size, layers, positions, vocabulary)",
        );
    }
  }
  return {
    ...read,
    weights,
    step: 0,
    optimizer: null,
    data: { train: null },
    lossScale: null,
    warnings: [
      ...read.warnings,
      `initialised the encoder from the pre-training checkpoint (${read.model.name}): ` +
        `${weights.size - seeded.length} tensors loaded, ${seeded.join(", ")} from the seed; step 0, fresh optimizer`,
    ],
  };
}

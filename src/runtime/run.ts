// A host run (`wsc run CPU`): trains and/or evaluates a params file's model on the host numerics, the
// reference every cluster run is compared with. One step: the next global batch from the seeded stream,
// forward and backward layer by layer (LayerExecutor), loss scaling, gradient clipping, the learning rate of
// the schedule, the optimizer update. Log lines, checkpoints, evaluation and model_dir follow Model Zoo.
// A run resumes from the latest checkpoint in model_dir (or --checkpoint_path): weights, optimizer state,
// step, data position and loss scale, so an interrupted run ends with the weights of an uninterrupted one.
import { dirname, join } from "node:path";
import { EventFileWriter } from "../util/tfevents.js";
import { BatchStream, openSource } from "../data/index.js";
import type { DataPosition } from "../data/index.js";
import type { DataConfig, LoadedParams } from "../frontends/index.js";
import { Optimizer, clipGradNorm, learningRateAt } from "../numerics/index.js";
import { writeCheckpoint, pruneCheckpoints } from "./checkpoint.js";
import { RuntimeError } from "./errors.js";
import { LayerExecutor } from "./executor.js";
import { evaluate } from "./evaluate.js";
import { trainLogLine } from "./log-lines.js";
import { LossScaler } from "./loss-scale.js";
import { ModelDir } from "./model-dir.js";
import { checkRunInputs, checkpointModel, numericsOptimizer, resumeCheckpoint } from "./run-setup.js";
import type { RunMode } from "./run-setup.js";
import { HostWeights } from "./weights.js";

/** Where a run's output goes besides the log files: the console, with or without a progress bar. */
export interface RunConsole {
  line(text: string): void;
  progress?(step: number, total: number, loss: number): void;
  done?(): void;
}

export interface CpuRunOptions {
  readonly params: LoadedParams;
  readonly mode: RunMode;
  readonly console: RunConsole;
}

export interface RunSummary {
  readonly modelDir: string;
  readonly startStep: number;
  readonly step: number;
  readonly lastLoss: number | null;
  readonly trainSamples: number;
  readonly trainSeconds: number;
  readonly eval: { readonly avgLoss: number; readonly metrics: Record<string, number> } | null;
  readonly checkpoints: readonly string[];
}

export async function runCpu(o: CpuRunOptions): Promise<RunSummary> {
  const { params, mode } = o;
  const { model, run } = params;
  // refuse what cannot run before anything is written: the model_dir is not even created
  checkRunInputs(params, mode);
  const dir = new ModelDir(run.modelDir);
  const info = (msg: string) => o.console.line(dir.info(msg));
  const paramsDir = dirname(params.file);
  const training = mode !== "eval";
  dir.writeParams(params.raw);
  info(`Running ${model.name} (${model.paramCount.toLocaleString("en-US")} parameters) on CPU, mode ${mode}`);
  for (const i of params.ignored) dir.info(`ignored ${i.path}: ${i.reason}`);
  for (const w of params.warnings) info(`WARNING: ${w}`);
  for (const n of dir.removedTemporaries)
    info(`Removed ${n}: a partial checkpoint of a run stopped mid-write`);

  const weights = new HostWeights(model, run.seed);
  const exec = new LayerExecutor(model, weights);
  const oc = run.optimizer;
  const optimizer = oc ? new Optimizer(numericsOptimizer(oc)) : null;
  const scaler = new LossScaler(run.precision.lossScaling);

  // resume
  let step = 0;
  let trainPos: DataPosition | null = null;
  const resume = resumeCheckpoint(run, model);
  if (resume) {
    const { from, checkpoint: c } = resume;
    weights.load(new Map([...c.weights].map(([k, v]) => [k, v.data])), from);
    if (optimizer && c.optimizer) optimizer.loadState(c.optimizer);
    step = c.step;
    trainPos = c.data.train;
    if (c.lossScale) scaler.load(c.lossScale);
    info(`Loaded checkpoint ${from} (step ${step})`);
    for (const w of c.warnings) info(`WARNING: ${w}`);
  } else if (mode === "eval") {
    info("WARNING: no checkpoint in model_dir and no --checkpoint_path: evaluating the initial weights");
  }
  const startStep = step;

  const saved: string[] = [];
  const save = () => {
    info(`Saving checkpoint at step ${step}`);
    const path = writeCheckpoint(dir.checkpointPath(step), {
      step,
      model: checkpointModel(model),
      weights: new Map([...weights.params].map(([k, t]) => [k, { shape: t.shape, data: t.data }])),
      optimizer: optimizer ? optimizer.state() : null,
      data: { train: trainStream ? trainStream.position : trainPos },
      seed: run.seed,
      lossScale: scaler.state(),
    });
    saved.push(path);
    info(`Saved checkpoint ${path}`);
    if (run.keepCheckpointMax) pruneCheckpoints(run.modelDir, run.keepCheckpointMax);
  };

  const open = async (cfg: DataConfig) => openSource(cfg, model, { paramsDir, seed: run.seed });
  let trainStream: BatchStream | null = null;
  let evalResult: RunSummary["eval"] = null;
  const evalTb = mode !== "train" ? new EventFileWriter(join(dir.dir, "eval")) : null;
  const runEval = async () => {
    const cfg = run.eval!;
    const source = await open(cfg);
    const stream = new BatchStream(source, {
      batchSize: cfg.batchSize,
      shuffle: cfg.shuffle,
      seed: cfg.shuffleSeed ?? run.seed,
      repeat: false,
    });
    const t0 = performance.now();
    const r = await evaluate({
      device: "CPU",
      model,
      cfg,
      ignoreLabels: source.evalIgnoreLabels,
      logSteps: run.logSteps,
      evalSteps: run.evalSteps,
      globalStep: step,
      tb: evalTb!,
      only: !training,
      info,
      step: () => {
        const g = stream.next();
        if (!g) return null;
        const batch = stream.read(g);
        const p = exec.run(batch, { seed: run.seed, step, training: false });
        return { ...p, samples: batch.size, denominators: batch };
      },
      seconds: () => (performance.now() - t0) / 1000,
    });
    evalResult = { avgLoss: r.avgLoss, metrics: r.metrics };
  };

  let samples = 0;
  let seconds = 0;
  let lastLoss: number | null = null;
  const trainTb = training ? new EventFileWriter(join(dir.dir, "train")) : null;
  if (training) {
    const cfg = run.train!;
    const source = await open(cfg);
    info(`Training data: ${source.description}`);
    trainStream = new BatchStream(
      source,
      {
        batchSize: cfg.batchSize,
        shuffle: cfg.shuffle,
        seed: cfg.shuffleSeed ?? run.seed,
        repeat: cfg.repeat,
      },
      trainPos ?? undefined,
    );
    const maxSteps = run.maxSteps!;
    if (step >= maxSteps) info(`Step ${step} already reaches max_steps ${maxSteps}: nothing to train`);
    if (run.saveInitialCheckpoint && step === 0) save();
    const params = weights.optimParams();
    const t0 = performance.now();
    let tLog = t0;
    let samplesAtLog = 0;
    while (step < maxSteps) {
      const g = trainStream.next();
      if (!g) {
        info(`The training data ended after step ${step} (repeat is off)`);
        break;
      }
      const batch = trainStream.read(g);
      const r = exec.run(batch, { seed: run.seed, step, training: true, lossScale: scaler.scale });
      if (!Number.isFinite(r.loss)) {
        throw new RuntimeError(
          `the training loss is ${r.loss} at step ${step + 1}; lower the learning rate or check the data`,
        );
      }
      const unscale = 1 / scaler.scale;
      const apply = scaler.update(
        run.precision.lossScaling.mode !== "dynamic" || LossScaler.finite(weights.grads.values()),
      );
      if (apply) {
        if (oc!.maxGradientNorm !== null) clipGradNorm(weights.grads.values(), oc!.maxGradientNorm, unscale);
        optimizer!.step(params, weights.grads, {
          lr: learningRateAt(oc!.learningRate, step),
          gradScale: unscale,
        });
      }
      weights.clearGrads();
      step++;
      samples += g.samples.length;
      lastLoss = r.loss;
      o.console.progress?.(step, maxSteps, r.loss);
      if (step % run.logSteps === 0 || step === maxSteps) {
        const now = performance.now();
        const rate = ((samples - samplesAtLog) * 1000) / Math.max(1e-9, now - tLog);
        const global = (samples * 1000) / Math.max(1e-9, now - t0);
        info(trainLogLine("CPU", step, r.loss, rate, global));
        trainTb?.scalars(step, { loss: r.loss, local_samples_per_sec: rate, avg_samples_per_sec: global });
        tLog = now;
        samplesAtLog = samples;
      }
      const ckpt = run.checkpointSteps > 0 && step % run.checkpointSteps === 0;
      if (ckpt || step === maxSteps) save();
      if (mode === "train_and_eval" && run.evalFrequency && step % run.evalFrequency === 0 && step < maxSteps)
        await runEval();
    }
    seconds = (performance.now() - t0) / 1000;
    o.console.done?.();
    info("Training completed successfully!");
    info(`Processed ${samples} sample(s) in ${seconds.toFixed(9)} seconds.`);
    dir.writePerformance({
      total_samples: samples,
      total_time: seconds,
      samples_per_sec: seconds > 0 ? samples / seconds : null,
      compile_time: null,
      programming_time: null,
      est_samples_per_sec: null,
      device: "CPU",
      time_source: "wall time of this machine (no CS-2 performance model in a CPU run)",
      start_step: startStep,
      end_step: step,
    });
  }
  try {
    if (mode !== "train") await runEval();
  } finally {
    evalTb?.close();
    trainTb?.close();
  }
  return {
    modelDir: run.modelDir,
    startStep,
    step,
    lastLoss,
    trainSamples: samples,
    trainSeconds: seconds,
    eval: evalResult,
    checkpoints: saved,
  };
}

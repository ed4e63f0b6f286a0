// `wsc run CSX` executing: the whole appliance workflow of one run, embedded in the submitting process.
//   compile job:  management queues it, the coordinator compiles (or finds the cached compile);
//   execute job:  management queues it until `num_csx` systems are free (printing the queue status), then
//                 the roles are built and programmed, MemoryX takes the initial weights (or a checkpoint's),
//                 and the steps run: input workers stream shards, SwarmX broadcasts weights and reduces
//                 gradients, MemoryX updates; the process checks for a cancel request at each step boundary.
// The step, its schedule, clipping and loss scaling are `run CPU`'s (src/runtime), and so are the checkpoint
// format and the model_dir layout. Everything is trained for real; the rates printed are the modeled CS-X
// device rates, and the emulation's own wall time is reported apart.
import { join, resolve } from "node:path";
import type { CompileArtifact, CompileInput, ExecutionMode, RunSettings } from "../compiler/index.js";
import type { DataConfig, LoadedParams } from "../frontends/params/index.js";
import { clusterSystemsFor } from "../frontends/cluster-file.js";
import type { ClusterSpec } from "../hw/index.js";
import { learningRateAt } from "../numerics/index.js";
import type { Batch } from "../numerics/index.js";
import { estimateStep } from "../perf/index.js";
import { buildReport, reportSummary, writeCompileReport } from "../perf/report.js";
import type { StepEstimate } from "../perf/index.js";
import {
  LossScaler,
  ModelDir,
  checkRunInputs,
  checkpointModel,
  evaluate,
  listCheckpoints,
  numericsOptimizer,
  pruneCheckpoints,
  resumeCheckpoint,
  trainLogLine,
  writeCheckpoint,
} from "../runtime/index.js";
import type { RunMode } from "../runtime/index.js";
import { EventFileWriter } from "../util/tfevents.js";
import { WscError } from "../util/errors.js";
import { ClusterRun } from "./cluster-run.js";
import { JobEndedError, Management, OwnedJob, newWorkflowId } from "./management/index.js";
import { Coordinator } from "./roles/coordinator.js";
import type { CompileReply } from "./roles/coordinator.js";
import type { GlobalBatchRef } from "./roles/input-worker.js";
import { ADDRESS, ask } from "./roles/protocol.js";
import type { WeightSnapshot } from "./roles/weight-store.js";
import { InProcessTransport } from "./transport.js";

/** A stream of global batches (src/data's BatchStream fits): what the input workers read rows of. */
export interface TrainData {
  readonly description: string;
  /** The labels the evaluation's F1 leaves out (SampleSource.evalIgnoreLabels). */
  readonly evalIgnoreLabels?: readonly number[];
  readonly position: { readonly epoch: number; readonly offset: number };
  next(): GlobalBatchRef | null;
  read(batch: GlobalBatchRef, start: number, end: number): Batch;
}

/** Opens the data of a params section, starting at a position (resuming) or at the beginning. */
export type OpenData = (
  cfg: DataConfig,
  o: { readonly position?: { epoch: number; offset: number } },
) => Promise<TrainData> | TrainData;

export interface CsxExecuteRequest {
  /** The params file, loaded with the command line's overrides (model_dir, max_steps, checkpoint_path...). */
  readonly params: LoadedParams;
  /** What the compiler is asked for (the settings `--compile_only` compiles, so the cache is shared). */
  readonly settings: RunSettings;
  readonly mode: RunMode;
  readonly compileDir: string;
  readonly numCsx: number;
  /** Input workers per system; 0 = automatic. */
  readonly workersPerCsx: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: string;
  readonly executionStrategy?: ExecutionMode;
  readonly mountDirs: readonly string[];
  readonly openData: OpenData;
  /** The command line, for the job record. */
  readonly command?: string;
  /** Management to submit to (default: the one of $WSC_HOME). */
  readonly management?: Management;
}

export interface CsxExecuteResult {
  readonly compileJob: string;
  readonly executeJob: string;
  readonly startStep: number;
  readonly step: number;
  readonly samples: number;
  /** Modeled CS-X device seconds of the steps run. */
  readonly deviceSeconds: number;
  /** This machine's wall seconds for the same steps. */
  readonly wallSeconds: number;
  readonly lastLoss: number | null;
  readonly checkpoints: readonly string[];
}

export async function executeCsx(
  req: CsxExecuteRequest,
  say: (line: string) => void,
): Promise<CsxExecuteResult> {
  const { params } = req;
  const { run, model } = params;
  const training = req.mode !== "eval";
  checkRunInputs(params, req.mode);
  // the checkpoint to start from, verified before any job is submitted
  const resume = resumeCheckpoint(run, model);

  const mgmt = req.management ?? new Management();
  try {
    // the job's systems: `numCsx` of the cluster's, with its MemoryX, SwarmX and input workers
    const cluster: ClusterSpec = clusterSystemsFor(mgmt.cluster, req.numCsx, mgmt.home.clusterFile);
    mgmt.priorityValue(req.priority); // an unknown priority fails before anything is submitted
    const modelDir = resolve(run.modelDir);
    const dir = new ModelDir(modelDir);
    // every status line, on the console and in the run's logs, as run.py logs it: "<time> INFO:   <line>"
    const info = (msg: string) => say(dir.info(msg));
    const plain = info;
    for (const n of dir.removedTemporaries)
      info(`Removed ${n}: a partial checkpoint of a run stopped mid-write`);
    const workflowId = newWorkflowId();
    const detail = {
      params: resolve(params.file),
      command: req.command ?? "",
      mode: req.mode,
      mountDirs: [...req.mountDirs],
    };
    const transport = new InProcessTransport();
    new Coordinator(transport);

    // --- the compile job
    plain("Compiling the model. This may take a few minutes.");
    plain("Initiating a new compile wsjob...");
    const cj = new OwnedJob(mgmt, () =>
      mgmt.submit({
        workflowId,
        kind: "compile",
        systemsNeeded: 0,
        priority: req.priority,
        labels: req.labels,
        modelDir,
        detail,
      }),
    );
    plain(`compile job id: ${cj.id}, workflow id: ${workflowId}, remote log path: ${dir.logDir}`);
    await cj.waitUntilRunning(plain);
    const input: CompileInput = {
      model,
      run: {
        ...req.settings,
        ...(req.executionStrategy ? { executionStrategy: req.executionStrategy } : {}),
      },
      cluster,
    };
    let compiled: CompileReply;
    try {
      compiled = await ask(transport, ADDRESS.appliance, ADDRESS.coordinator, "coordinator.compile", {
        input,
        compileDir: resolve(req.compileDir),
      });
    } catch (e) {
      cj.finish("FAILED", (e as Error).message);
      throw e;
    }
    const { artifact } = compiled;
    if (compiled.cached) plain(`Found existing cached compile with hash: "${artifact.hash}"`);
    else
      plain(
        `Compile artifacts successfully written to remote compile directory. Compile hash is: ${artifact.hash}`,
      );
    mgmt.store.update(cj.id, { detail: { ...detail, compileHash: artifact.hash, artifact: compiled.path } });
    if (cj.beat() === "cancel") {
      // cancelled while compiling: the artifact stays cached, the run goes no further
      const why = `cancelled while compiling; the compile ${artifact.hash} is cached in ${resolve(req.compileDir)}`;
      cj.finish("CANCELLED", why);
      throw new JobEndedError(cj.id, "CANCELLED", why);
    }
    cj.finish("SUCCEEDED", `compiled ${artifact.hash} (${artifact.decision.mode})`);
    plain("Compile was successful!");
    // what --compile_only reports, for the run about to execute: the mode and why, the modeled rate, the files
    const estimate = estimateStep(artifact, cluster);
    const report = buildReport(artifact, estimate, cluster, compiled.cached);
    for (const line of reportSummary(report)) info(line);
    const { files } = writeCompileReport(modelDir, report, cluster);
    dir.info(`Wrote ${files.join(", ")}`);
    info(`Compile report: ${files[0]}`);

    // --- the execute job
    plain("Programming Cerebras Wafer Scale Cluster for execution.");
    plain("Initiating a new execute wsjob...");
    const xj = new OwnedJob(mgmt, () =>
      mgmt.submit({
        workflowId,
        kind: "execute",
        systemsNeeded: req.numCsx,
        priority: req.priority,
        labels: req.labels,
        modelDir,
        detail: {
          ...detail,
          compileHash: artifact.hash,
          executionStrategy: artifact.decision.mode,
          maxSteps: training ? run.maxSteps : null,
        },
      }),
    );
    plain(`execute job id: ${xj.id}, workflow id: ${workflowId}, remote log path: ${dir.logDir}`);
    const running = await xj.waitUntilRunning(plain);
    xj.startHeartbeat();
    try {
      const r = await executeSteps(req, {
        resume,
        job: xj,
        systems: running.systems,
        artifact,
        cluster,
        dir,
        compileSeconds: compiled.seconds,
        estimate,
        plain,
        info,
      });
      if (r.cancelled) {
        xj.finish("CANCELLED", r.cancelled);
        throw new JobEndedError(xj.id, "CANCELLED", r.cancelled);
      }
      xj.finish("SUCCEEDED", `steps ${r.startStep}..${r.step}, ${r.samples} sample(s)`);
      return { ...r, compileJob: cj.id, executeJob: xj.id };
    } catch (e) {
      if (!(e instanceof JobEndedError)) xj.finish("FAILED", (e as Error).message);
      throw e;
    }
  } finally {
    if (!req.management) mgmt.close();
  }
}

interface StepsContext {
  readonly resume: ReturnType<typeof resumeCheckpoint>;
  readonly job: OwnedJob;
  readonly systems: readonly string[];
  readonly artifact: CompileArtifact;
  readonly cluster: ClusterSpec;
  readonly dir: ModelDir;
  readonly compileSeconds: number;
  readonly estimate: StepEstimate;
  plain(line: string): void;
  info(line: string): void;
}

type StepsResult = Omit<CsxExecuteResult, "compileJob" | "executeJob"> & { cancelled: string | null };

async function executeSteps(req: CsxExecuteRequest, x: StepsContext): Promise<StepsResult> {
  const { params } = req;
  const { run, model } = params;
  const training = req.mode !== "eval";
  const oc = training ? run.optimizer! : null;
  const scaler = new LossScaler(run.precision.lossScaling);
  const workers = req.workersPerCsx > 0 ? req.workersPerCsx : Math.max(1, x.cluster.inputWorkersPerSystem);

  // Where to start: --checkpoint_path, else the latest checkpoint of model_dir (autoload), else the seed.
  let step = 0;
  let trainPos: { epoch: number; offset: number } | null = null;
  let initial: { snapshot: WeightSnapshot; from: string } | undefined;
  const { resume } = x;
  if (resume) {
    const { from, checkpoint: c } = resume;
    initial = { snapshot: { weights: Object.fromEntries(c.weights), optimizer: c.optimizer }, from };
    step = c.step;
    trainPos = c.data.train;
    if (c.lossScale) scaler.load(c.lossScale);
    x.info(`Loaded checkpoint ${from} (step ${step})`);
    for (const w of c.warnings) x.info(`WARNING: ${w}`);
  }
  const startStep = step;
  const { estimate } = x;
  const t0 = performance.now();
  const data = training ? await req.openData(run.train!, trainPos ? { position: trainPos } : {}) : null;
  const evalData = req.mode !== "train" ? await req.openData(run.eval!, {}) : null;
  const sources: Record<string, TrainData> = {};
  if (data) sources.train = data;
  if (evalData) sources.eval = evalData;
  const cr = await ClusterRun.start(
    {
      model,
      artifact: x.artifact,
      cluster: x.cluster,
      estimate,
      seed: run.seed,
      optimizer: oc ? numericsOptimizer(oc) : null,
      sources,
      workersPerSystem: workers,
      ...(initial ? { initial } : {}),
    },
    x.plain,
  );
  const programmingSeconds = (performance.now() - t0) / 1000;
  x.job.event(`programmed ${x.systems.join(", ")} with ${x.artifact.hash} (${cr.mode})`);
  x.plain("Input workers have begun streaming input data");
  x.plain("Beginning appliance run");
  x.dir.writeParams(params.raw);

  const checkpoints: string[] = [];
  const save = async () => {
    x.info(`Saving checkpoint at step ${step}`);
    const snap = await cr.snapshot();
    const path = writeCheckpoint(x.dir.checkpointPath(step), {
      step,
      model: checkpointModel(model),
      weights: new Map(Object.entries(snap.weights)),
      optimizer: snap.optimizer,
      data: { train: data ? data.position : trainPos },
      seed: run.seed,
      lossScale: scaler.state(),
    });
    checkpoints.push(path);
    x.job.event(`saved checkpoint ${path}`);
    x.info(`Saved checkpoint ${path}`);
    if (run.keepCheckpointMax) pruneCheckpoints(run.modelDir, run.keepCheckpointMax);
  };

  const tb = training ? new EventFileWriter(join(x.dir.dir, "train")) : null;
  const evalTb = req.mode !== "train" ? new EventFileWriter(join(x.dir.dir, "eval")) : null;
  let evalSteps = 0;
  let samples = 0;
  let deviceSeconds = 0;
  let lastLoss: number | null = null;
  let cancelled: string | null = null;
  const wall0 = performance.now();
  try {
    if (training) {
      const maxSteps = run.maxSteps!;
      if (step >= maxSteps) x.info(`Step ${step} already reaches max_steps ${maxSteps}: nothing to train`);
      if (run.saveInitialCheckpoint && step === 0) await save();
      let windowSamples = 0;
      let windowDevice = 0;
      while (step < maxSteps) {
        const g = data!.next();
        if (!g) {
          x.info(`The training data ended after step ${step} (repeat is off)`);
          break;
        }
        const r = await cr.trainStep(step, g, {
          lr: learningRateAt(oc!.learningRate, step),
          maxGradNorm: oc!.maxGradientNorm,
          lossScale: scaler.scale,
          checkFinite: run.precision.lossScaling.mode === "dynamic",
        });
        if (!Number.isFinite(r.loss))
          throw new WscError(
            `the training loss is ${r.loss} at step ${step + 1}; lower the learning rate or check the data`,
            1,
          );
        scaler.update(r.finite);
        step++;
        samples += r.samples;
        deviceSeconds += r.deviceSeconds;
        windowSamples += r.samples;
        windowDevice += r.deviceSeconds;
        lastLoss = r.loss;
        if (step % run.logSteps === 0 || step === maxSteps) {
          const rate = windowSamples / windowDevice;
          const globalRate = samples / deviceSeconds;
          x.info(trainLogLine("CSX", step, r.loss, rate, globalRate));
          tb!.scalars(step, { loss: r.loss, local_samples_per_sec: rate, avg_samples_per_sec: globalRate });
          windowSamples = 0;
          windowDevice = 0;
        }
        if ((run.checkpointSteps > 0 && step % run.checkpointSteps === 0) || step === maxSteps) await save();
        if ((await x.job.boundary()) === "cancel") {
          const last = checkpoints.at(-1) ?? listCheckpoints(run.modelDir).at(-1)?.path;
          cancelled = `${x.job.stopReason()} at step ${step}${last ? `; last checkpoint ${last}` : "; no checkpoint was written"}`;
          x.info(`Job ${x.job.stopReason()}: stopped at step ${step}`);
          break;
        }
      }
      if (!cancelled) x.info("Training completed successfully!");
      x.info(`Processed ${samples} sample(s) in ${deviceSeconds.toFixed(9)} seconds.`);
    }
    if (req.mode !== "train" && !cancelled) {
      // evaluation of the trained (or loaded) weights, on the eval data, through the same systems
      const clock0 = cr.deviceClock;
      const r = await evaluate({
        device: "CSX",
        model,
        cfg: run.eval!,
        ignoreLabels: evalData!.evalIgnoreLabels,
        logSteps: run.logSteps,
        evalSteps: run.evalSteps,
        globalStep: step,
        tb: evalTb!,
        only: !training,
        info: x.info,
        step: async (k) => {
          const g = evalData!.next();
          if (!g) return null;
          const e = await cr.evalStep(k, g);
          return {
            ...e,
            denominators: { globalBatchSize: g.samples.length, globalLossTokens: g.globalLossTokens },
          };
        },
        seconds: () => cr.deviceClock - clock0,
        boundary: async () =>
          (await x.job.boundary()) === "cancel" ? `${x.job.stopReason()} at evaluation step` : null,
      });
      if (r.stopped) cancelled = `${r.stopped} ${r.steps}`;
      evalSteps = r.steps;
      if (!training) {
        deviceSeconds = r.seconds;
        samples = r.samples;
        lastLoss = r.avgLoss;
      }
    }
  } finally {
    tb?.close();
    evalTb?.close();
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  const steps = training ? step - startStep : evalSteps;
  x.plain(
    `Emulation: the times and rates above are the modeled CS-X device time; this machine took ` +
      `${wallSeconds.toFixed(3)} s of wall time for these ${steps} ${training ? "training" : "evaluation"} step(s)` +
      (steps > 0 ? ` (${((wallSeconds / steps) * 1000).toFixed(1)} ms per step)` : "") +
      (deviceSeconds > 0 ? `, ${(wallSeconds / deviceSeconds).toFixed(1)}x the modeled device time.` : "."),
  );
  x.dir.writePerformance({
    total_samples: samples,
    total_time: deviceSeconds,
    samples_per_sec: deviceSeconds > 0 ? samples / deviceSeconds : null,
    compile_time: x.compileSeconds,
    programming_time: programmingSeconds,
    est_samples_per_sec: estimate.samplesPerSec,
    device: "CSX",
    time_source:
      "total_time and samples_per_sec: the modeled CS-X device time of these steps (src/perf, per layer, " +
      "summed by each system's device clock); est_*: the compiler's estimate; emulation_*: this machine's wall time",
    est_device_seconds_per_step: estimate.deviceSecondsPerStep,
    emulation_wall_seconds: wallSeconds,
    emulation_samples_per_sec: wallSeconds > 0 ? samples / wallSeconds : null,
    compile_hash: x.artifact.hash,
    execution_strategy: cr.mode,
    num_csx: x.cluster.numSystems,
    input_workers_per_csx: workers,
    sram_bytes_per_pe: Math.max(...cr.systems.map((s) => s.sramBytesPerPE)),
    sram_bytes_per_pe_limit: x.cluster.system.wafer.sramBytesPerPE,
    memoryx_bytes_streamed_out: cr.memoryx.bytesOut,
    memoryx_bytes_received: cr.memoryx.bytesIn,
    start_step: startStep,
    end_step: step,
  });
  return { startStep, step, samples, deviceSeconds, wallSeconds, lastLoss, checkpoints, cancelled };
}

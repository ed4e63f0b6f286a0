// `wsc run CSX` executing: the whole appliance workflow of one run, embedded in the submitting process.
//   compile job:  management queues it, the coordinator compiles (or finds the cached compile);
//   execute job:  management queues it until `num_csx` systems are free (printing the queue status), then
//                 the roles are built and programmed, MemoryX sends the initial weights (or a checkpoint's),
//                 and the steps run: input workers stream shards, SwarmX broadcasts weights and reduces
//                 gradients, MemoryX updates; the process checks for a cancel request at each step boundary.
// Everything is trained for real; the rates printed are the modeled CS-X device rates, and the emulation's
// own wall time is reported apart.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { CompileArtifact, CompileInput, ExecutionMode, RunSettings } from "../compiler/index.js";
import type { DataConfig, LoadedParams } from "../frontends/params/index.js";
import { makeCluster } from "../hw/index.js";
import type { ClusterSpec } from "../hw/index.js";
import type { Batch } from "../numerics/index.js";
import { estimateStep } from "../perf/index.js";
import { EventFileWriter } from "../util/tfevents.js";
import { WscError } from "../util/errors.js";
import { latestCheckpoint, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import type { Checkpoint } from "./checkpoint.js";
import { ClusterRun } from "./cluster-run.js";
import {
  ClusterTooSmallError,
  JobEndedError,
  Management,
  OwnedJob,
  newWorkflowId,
} from "./management/index.js";
import { RunLog, writeParamsTrain, writePerformance } from "./model-dir.js";
import { Coordinator } from "./roles/coordinator.js";
import type { GlobalBatchRef } from "./roles/input-worker.js";
import { ADDRESS, ask } from "./roles/protocol.js";
import { LossScaler, learningRate, numericsOptimizer } from "./run-settings.js";
import { InProcessTransport } from "./transport.js";

/** A stream of global batches (src/data's BatchStream fits): what the input workers read rows of. */
export interface TrainData {
  readonly description: string;
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
  readonly params: LoadedParams;
  /** What the compiler is asked for (the same settings `--compile_only` compiles, so the cache is shared). */
  readonly settings: RunSettings;
  readonly mode: "train" | "eval" | "train_and_eval";
  readonly modelDir: string;
  readonly compileDir: string;
  readonly numCsx: number;
  /** Input workers per system; 0 = automatic. */
  readonly workersPerCsx: number;
  readonly checkpointPath?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: string;
  readonly maxSteps?: number;
  readonly evalSteps?: number;
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
  readonly steps: number;
  readonly samples: number;
  readonly deviceSeconds: number;
  readonly wallSeconds: number;
  readonly lastLoss: number | null;
  readonly checkpoints: readonly string[];
}

/** Systems of the job: `numCsx` of the cluster's kind, with its MemoryX and SwarmX. */
function jobCluster(c: ClusterSpec, n: number): ClusterSpec {
  return {
    ...makeCluster(c.system, n, c.name),
    memoryx: c.memoryx,
    swarmx: c.swarmx,
    inputWorkersPerSystem: c.inputWorkersPerSystem,
  };
}

const fmtRate = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "inf");

export async function executeCsx(
  req: CsxExecuteRequest,
  say: (line: string) => void,
): Promise<CsxExecuteResult> {
  const { params } = req;
  const run = params.run;
  const model = params.model;
  const trainMode = req.mode !== "eval";
  const data = trainMode ? run.train : run.eval;
  if (!data)
    throw new WscError(
      `${params.file}: --mode ${req.mode} needs the ${trainMode ? "train_input" : "eval_input"} section, which the file does not have`,
    );
  if (trainMode && !run.optimizer)
    throw new WscError(
      `${params.file}: --mode ${req.mode} needs an optimizer section, which the file does not have`,
    );
  const maxSteps = req.maxSteps ?? run.maxSteps;
  if (trainMode && (maxSteps === null || maxSteps === undefined))
    throw new WscError(`${params.file}: no max_steps: give runconfig.max_steps in the file or --max_steps`);
  const modelDir = resolve(req.modelDir);
  mkdirSync(modelDir, { recursive: true });

  const mgmt = req.management ?? new Management();
  const owned = !req.management;
  const cluster = jobCluster(mgmt.cluster, req.numCsx);
  if (req.numCsx > mgmt.cluster.numSystems)
    throw new ClusterTooSmallError(req.numCsx, mgmt.cluster.numSystems, mgmt.home.clusterFile);
  const workers = req.workersPerCsx > 0 ? req.workersPerCsx : Math.max(1, mgmt.cluster.inputWorkersPerSystem);
  const settings: RunSettings = {
    ...req.settings,
    ...(req.executionStrategy ? { executionStrategy: req.executionStrategy } : {}),
  };
  const log = new RunLog(modelDir);
  const sayLog = (line: string) => {
    log.write(line);
    say(line);
  };
  const sayStamped = (line: string) => say(log.write(line));
  const workflowId = newWorkflowId();
  const detail = {
    params: resolve(params.file),
    command: req.command ?? "",
    mode: req.mode,
    mountDirs: [...req.mountDirs],
  };
  const transport = new InProcessTransport();
  new Coordinator(transport);

  try {
    // --- compile job
    sayLog("Compiling the model. This may take a few minutes.");
    sayLog("Initiating a new compile wsjob...");
    const cj = new OwnedJob(
      mgmt,
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
    await cj.waitUntilRunning(sayLog);
    const input: CompileInput = { model, run: settings, cluster };
    let compiled;
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
    if (compiled.cached) sayLog(`Found existing cached compile with hash: "${artifact.hash}"`);
    else
      sayLog(
        `Compile artifacts successfully written to remote compile directory. Compile hash is: ${artifact.hash}`,
      );
    mgmt.store.update(cj.id, { detail: { ...detail, compileHash: artifact.hash, artifact: compiled.path } });
    cj.finish("SUCCEEDED", `compiled ${artifact.hash} (${artifact.decision.mode})`);
    sayLog("Compile was successful!");

    // --- execute job
    sayLog("Programming Cerebras Wafer Scale Cluster for execution.");
    sayLog("Initiating a new execute wsjob...");
    const xj = new OwnedJob(
      mgmt,
      mgmt.submit({
        workflowId,
        kind: "execute",
        systemsNeeded: req.numCsx,
        priority: req.priority,
        labels: req.labels,
        modelDir,
        detail: { ...detail, compileHash: artifact.hash, executionStrategy: artifact.decision.mode },
      }),
    );
    const running = await xj.waitUntilRunning(sayLog);
    xj.startHeartbeat();
    try {
      const r = await executeSteps(req, {
        job: xj,
        systems: running.systems,
        artifact,
        cluster,
        workers,
        modelDir,
        maxSteps: maxSteps ?? 0,
        data,
        trainMode,
        compileSeconds: compiled.seconds,
        sayLog,
        sayStamped,
      });
      if (r.cancelled) {
        xj.finish("CANCELLED", r.cancelled);
        throw new JobEndedError(xj.id, "CANCELLED", r.cancelled);
      }
      xj.finish("SUCCEEDED", `${r.steps} step(s), ${r.samples} sample(s)`);
      return { ...r, compileJob: cj.id, executeJob: xj.id };
    } catch (e) {
      if (!(e instanceof JobEndedError)) xj.finish("FAILED", (e as Error).message);
      throw e;
    }
  } finally {
    if (owned) mgmt.close();
  }
}

interface StepsContext {
  readonly job: OwnedJob;
  readonly systems: readonly string[];
  readonly artifact: CompileArtifact;
  readonly cluster: ClusterSpec;
  readonly workers: number;
  readonly modelDir: string;
  readonly maxSteps: number;
  readonly data: DataConfig;
  readonly trainMode: boolean;
  readonly compileSeconds: number;
  sayLog(line: string): void;
  sayStamped(line: string): void;
}

async function executeSteps(
  req: CsxExecuteRequest,
  x: StepsContext,
): Promise<Omit<CsxExecuteResult, "compileJob" | "executeJob"> & { cancelled: string | null }> {
  const { params } = req;
  const run = params.run;
  const model = params.model;
  const seed = run.seed;
  // Where to start: --checkpoint_path, else the latest checkpoint of model_dir (autoload), else the seed.
  const ckptFile =
    req.checkpointPath ?? (run.autoloadLastCheckpoint ? latestCheckpoint(x.modelDir) : null) ?? null;
  let start: Checkpoint | null = null;
  if (ckptFile) {
    start = readCheckpoint(resolve(ckptFile));
    x.sayLog(`Loading weights from checkpoint ${ckptFile} (step ${start.step})`);
  }
  const startStep = start && x.trainMode ? start.step : 0;
  const estimate = estimateStep(x.artifact, x.cluster);
  x.sayLog(`Preparing to execute using ${x.cluster.numSystems} CSX`);
  const t0 = performance.now();
  const dataStream = await req.openData(
    x.data,
    start?.dataPosition && x.trainMode ? { position: start.dataPosition } : {},
  );
  const cr = await ClusterRun.start(
    {
      model,
      artifact: x.artifact,
      cluster: x.cluster,
      estimate,
      seed,
      optimizer: x.trainMode && run.optimizer ? numericsOptimizer(run.optimizer) : null,
      source: dataStream,
      workersPerSystem: x.workers,
      ...(start ? { initial: start.weights } : {}),
    },
    (line) => {
      if (line !== `Preparing to execute using ${x.cluster.numSystems} CSX`) x.sayLog(line);
    },
  );
  const programmingSeconds = (performance.now() - t0) / 1000;
  x.job.event(`programmed ${x.systems.join(", ")} with ${x.artifact.hash} (${cr.mode})`);
  x.sayLog("Input workers have begun streaming input data");
  x.sayLog("Beginning appliance run");
  if (x.trainMode) writeParamsTrain(x.modelDir, params.raw);

  const checkpoints: string[] = [];
  const tb = new EventFileWriter(`${x.modelDir}/${x.trainMode ? "train" : "eval"}`);
  let samples = 0;
  let deviceSeconds = 0;
  let lastLoss: number | null = null;
  let windowSamples = 0;
  let windowDevice = 0;
  let steps = 0;
  let cancelled: string | null = null;
  const wall0 = performance.now();
  const saveCheckpoint = async (step: number) => {
    x.sayStamped(`Saving checkpoint at step ${step}`);
    const f = writeCheckpoint(x.modelDir, {
      step,
      model: model.name,
      seed,
      dataPosition: dataStream.position,
      lossScale: scaler.scale,
      extra: { compileHash: x.artifact.hash, mode: cr.mode, numCsx: x.cluster.numSystems },
      weights: await cr.snapshot(),
    });
    checkpoints.push(f);
    x.job.event(`saved checkpoint ${f}`);
    x.sayStamped(`Saved checkpoint ${f}`);
  };
  const scaler = new LossScaler(run.precision.lossScaling);
  try {
    if (x.trainMode) {
      const opt = run.optimizer!;
      if (startStep === 0 && run.saveInitialCheckpoint) await saveCheckpoint(0);
      for (let s = startStep; s < x.maxSteps; s++) {
        const g = dataStream.next();
        if (!g) {
          x.sayStamped(`The training data ended after step ${s}; stopping (set repeat or give more data)`);
          break;
        }
        const lossScale = scaler.scale;
        const r = await cr.trainStep(s, g, {
          lr: learningRate(opt.learningRate, s),
          maxGradNorm: opt.maxGradientNorm,
          gradScale: 1 / lossScale,
          lossScale,
        });
        scaler.observe(r.applied);
        const step = s + 1;
        steps++;
        samples += r.samples;
        deviceSeconds += r.deviceSeconds;
        windowSamples += r.samples;
        windowDevice += r.deviceSeconds;
        lastLoss = r.loss / lossScale;
        if (step % run.logSteps === 0 || step === x.maxSteps) {
          const rate = windowSamples / windowDevice;
          const globalRate = samples / deviceSeconds;
          x.sayStamped(
            `| Train Device=CSX, Step=${step}, Loss=${lastLoss.toFixed(5)}, Rate=${fmtRate(rate)} samples/sec, ` +
              `GlobalRate=${fmtRate(globalRate)} samples/sec`,
          );
          tb.scalars(step, { loss: lastLoss, local_samples_per_sec: rate, avg_samples_per_sec: globalRate });
          windowSamples = 0;
          windowDevice = 0;
        }
        if ((run.checkpointSteps > 0 && step % run.checkpointSteps === 0) || step === x.maxSteps)
          await saveCheckpoint(step);
        if (x.job.beat() === "cancel") {
          const last = checkpoints.at(-1) ?? latestCheckpoint(x.modelDir);
          cancelled = `cancelled at step ${step}${last ? `; last checkpoint ${last}` : "; no checkpoint was written"}`;
          x.sayStamped(`Job cancelled by request: stopped at step ${step}`);
          break;
        }
      }
      if (!cancelled) x.sayStamped("Training completed successfully!");
    } else {
      const n = req.evalSteps ?? run.evalSteps ?? Infinity;
      let total = 0;
      for (let s = 0; s < n; s++) {
        const g = dataStream.next();
        if (!g) break;
        const r = await cr.evalStep(s, g);
        steps++;
        samples += r.samples;
        total += r.loss;
        x.sayStamped(`| Eval Device=CSX, Step=${s + 1}, Loss=${r.loss.toFixed(5)}`);
        if (x.job.beat() === "cancel") {
          cancelled = `cancelled at evaluation step ${s + 1}`;
          break;
        }
      }
      deviceSeconds = cr.deviceClock;
      lastLoss = steps ? total / steps : null;
      if (lastLoss !== null) {
        x.sayStamped(`Avg Eval Loss: ${lastLoss}`);
        x.sayStamped("Evaluation metrics:");
        x.sayStamped(`  - eval/lm_perplexity = ${Math.exp(lastLoss)}`);
        tb.scalars(startStep, { loss: lastLoss });
      }
      if (!cancelled) x.sayStamped("Evaluation completed successfully!");
    }
  } finally {
    tb.close();
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  x.sayStamped(`Processed ${samples} sample(s) in ${deviceSeconds.toFixed(9)} seconds.`);
  x.sayLog(
    `Emulation: the times and rates above are the modeled CS-X device time; this machine took ` +
      `${wallSeconds.toFixed(3)} s of wall time for these ${steps} step(s) ` +
      `(${steps ? ((wallSeconds / steps) * 1000).toFixed(1) : "0"} ms per step, ` +
      `${deviceSeconds > 0 ? (wallSeconds / deviceSeconds).toFixed(1) : "-"}x the modeled device time).`,
  );
  writePerformance(x.modelDir, {
    total_samples: samples,
    total_time: deviceSeconds,
    samples_per_sec: deviceSeconds > 0 ? samples / deviceSeconds : 0,
    compile_time: x.compileSeconds,
    programming_time: programmingSeconds,
    est_samples_per_sec: estimate.samplesPerSec,
    time_basis:
      "total_time and samples_per_sec are modeled CS-X device time (src/perf); emulation_* is this machine's wall time",
    est_device_seconds_per_step: estimate.deviceSecondsPerStep,
    emulation_wall_seconds: wallSeconds,
    emulation_samples_per_sec: wallSeconds > 0 ? samples / wallSeconds : 0,
    compile_hash: x.artifact.hash,
    execution_strategy: cr.mode,
    num_csx: x.cluster.numSystems,
    input_workers_per_csx: x.workers,
    sram_bytes_per_pe: Math.max(...cr.systems.map((s) => s.sramBytesPerPE)),
    sram_bytes_per_pe_limit: x.cluster.system.wafer.sramBytesPerPE,
    memoryx_bytes_streamed_out: cr.memoryx.bytesOut,
    memoryx_bytes_received: cr.memoryx.bytesIn,
  });
  if (steps === 0 && x.trainMode && startStep >= x.maxSteps)
    x.sayLog(`Nothing to train: the checkpoint is at step ${startStep}, max_steps is ${x.maxSteps}`);
  return { steps, samples, deviceSeconds, wallSeconds, lastLoss, checkpoints, cancelled };
}

// One execute job's cluster: the roles wired on a transport, programmed with a compiled artifact, and driven
// step by step. This is what `wsc run CSX` executes once management has given the job its systems.
//
//   appliance --csx.train_step--> CS-X k --worker.batch--> input worker (k, step mod W)
//                                     |--swarmx.weights--> SwarmX --memoryx.weights--> MemoryX  (broadcast)
//                                     '--swarmx.gradients--> SwarmX --(tree sum)--memoryx.gradients--> MemoryX
//   appliance --memoryx.update--> MemoryX (weight streaming) | --csx.update--> CS-X 0 (pipelined)
import type { ClusterSpec } from "../hw/index.js";
import type { CompileArtifact } from "../compiler/index.js";
import type { ModelIR } from "../model/index.js";
import type { OptimizerConfig } from "../numerics/index.js";
import type { StepEstimate } from "../perf/index.js";
import { addHits } from "../runtime/index.js";
import type { HeadAccuracy } from "../runtime/index.js";
import { ApplianceError } from "./errors.js";
import { InProcessTransport } from "./transport.js";
import type { Transport } from "./transport.js";
import { CsxSystem } from "./roles/csx.js";
import { InputWorker } from "./roles/input-worker.js";
import type { GlobalBatchRef, ShardSource } from "./roles/input-worker.js";
import { MemoryX } from "./roles/memoryx.js";
import { ADDRESS, ask } from "./roles/protocol.js";
import type { CsxProgram } from "./roles/protocol.js";
import { SwarmX } from "./roles/swarmx.js";
import { WeightStore } from "./roles/weight-store.js";
import type { UpdateOptions, WeightSnapshot } from "./roles/weight-store.js";

export interface ClusterRunOptions {
  readonly model: ModelIR;
  readonly artifact: CompileArtifact;
  /** The cluster the artifact was compiled for (numSystems = the job's systems). */
  readonly cluster: ClusterSpec;
  readonly estimate: StepEstimate;
  readonly seed: number;
  /** null for evaluation-only runs. */
  readonly optimizer: OptimizerConfig | null;
  /** The data the input workers read, by name: "train" for training steps, "eval" for evaluation steps. */
  readonly sources: Readonly<Record<string, ShardSource>>;
  /** Input workers per system (resolved: at least 1). */
  readonly workersPerSystem: number;
  /** Weights (and optimizer state) to start from instead of the seed's initial weights, and where from. */
  readonly initial?: { readonly snapshot: WeightSnapshot; readonly from: string };
  /** A transport to run on (default: in-process). */
  readonly transport?: Transport;
}

export interface EvalStepResult {
  readonly loss: number;
  /** Each head's share of the loss, by layer name (what the evaluation metrics need). */
  readonly headLosses: ReadonlyMap<string, number>;
  /** Each head's top-1 hits, by layer name. */
  readonly headAccuracy: ReadonlyMap<string, HeadAccuracy>;
  readonly samples: number;
  readonly deviceSeconds: number;
}

/** What one training step is run with (from the schedule and the loss scaler). */
export interface StepSettings {
  readonly lr: number;
  readonly maxGradNorm: number | null;
  /** Every gradient carries this factor; the update divides it out. */
  readonly lossScale: number;
  /** Dynamic loss scaling: skip the update when a gradient overflowed. */
  readonly checkFinite: boolean;
}

export interface TrainStepResult {
  /** The global batch's loss (the systems' shares summed in system order). */
  readonly loss: number;
  readonly samples: number;
  /** Modeled device seconds of the step (the slowest system; all are alike). */
  readonly deviceSeconds: number;
  /** Whether the gradients were finite (false: the update was skipped). */
  readonly finite: boolean;
}

export class ClusterRun {
  readonly transport: Transport;
  readonly memoryx: MemoryX;
  readonly swarmx: SwarmX | null;
  readonly systems: readonly CsxSystem[];
  readonly workers: readonly InputWorker[];
  readonly mode: CsxProgram["mode"];
  readonly numSystems: number;
  readonly workersPerSystem: number;

  private constructor(o: ClusterRunOptions) {
    const a = o.artifact;
    this.mode = a.plan.mode;
    this.numSystems = o.cluster.numSystems;
    this.workersPerSystem = o.workersPerSystem;
    if (!(Number.isInteger(o.workersPerSystem) && o.workersPerSystem >= 1))
      throw new ApplianceError(
        `input workers per system: ${o.workersPerSystem}; resolve 0 (automatic) to a count >= 1 first`,
      );
    if (this.mode === "pipeline" && this.numSystems !== 1)
      throw new ApplianceError(
        `pipelined execution runs on one system; this job has ${this.numSystems}: use weight streaming for more`,
      );
    this.transport = o.transport ?? new InProcessTransport();
    const t = this.transport;
    // MemoryX holds the run's starting point in both modes, optimizer state included: weight streaming
    // updates it here, a pipelined run takes all of it (weights, moments, step count) onto the wafer.
    const store = new WeightStore(o.model, o.seed, o.optimizer);
    if (o.initial) store.restore(o.initial.snapshot, o.initial.from);
    this.memoryx = new MemoryX(t, store);
    this.swarmx = this.mode === "weight_streaming" ? new SwarmX(t, o.cluster, this.numSystems) : null;
    const plan = a.plan;
    const workers: InputWorker[] = [];
    const systems: CsxSystem[] = [];
    for (let k = 0; k < this.numSystems; k++) {
      for (let w = 0; w < o.workersPerSystem; w++)
        workers.push(new InputWorker(t, k, w, o.sources, plan.perSystemBatch, plan.microBatch));
      systems.push(new CsxSystem(t, k, o.cluster.system.wafer));
    }
    this.workers = workers;
    this.systems = systems;
  }

  /** Build the roles, program every system and send the initial weights. */
  static async start(o: ClusterRunOptions, say: (line: string) => void = () => {}): Promise<ClusterRun> {
    const run = new ClusterRun(o);
    const t = run.transport;
    const a = o.artifact;
    const plan = a.plan;
    const byName = new Map(o.estimate.layers.map((l) => [l.layer, l]));
    // Weight streaming runs one layer after another, so a step is the sum of its layers' times. A pipelined
    // step overlaps its stages: each stage is busy its own share, and the step lasts as long as the slowest
    // stage's samples plus fill, drain and update. The per-layer clock is scaled so that the layers of a step
    // add up to the estimate's step time, keeping each layer's share of it.
    const busy = o.estimate.layers.reduce((a, l) => a + l.forwardSeconds + l.backwardSeconds, 0);
    const body = o.estimate.deviceSecondsPerStep - o.estimate.stepOverhead.seconds;
    const scale = plan.mode === "pipeline" && busy > 0 ? body / busy : 1;
    const program: CsxProgram = {
      hash: a.hash,
      mode: plan.mode,
      model: o.model,
      microBatch: plan.microBatch,
      microBatches:
        plan.mode === "weight_streaming" ? plan.microBatches : plan.perSystemBatch / plan.microBatch,
      seed: o.seed,
      clock: o.model.layers.map((l) => {
        const e = byName.get(l.name);
        return {
          forwardSeconds: scale * (e?.forwardSeconds ?? 0),
          backwardSeconds: scale * (e?.backwardSeconds ?? 0),
        };
      }),
      stepOverheadSeconds: o.estimate.stepOverhead.seconds,
      memory:
        plan.mode === "weight_streaming"
          ? [{ region: "the whole kernel area", perPE: plan.memory }]
          : plan.stages.map((s) => ({ region: `stage ${s.layer}`, perPE: s.memory })),
      optimizer: plan.mode === "pipeline" ? o.optimizer : null,
    };
    say(`Preparing to execute using ${run.numSystems} CSX`);
    for (const s of run.systems) await ask(t, ADDRESS.appliance, s.address, "csx.program", program);
    say("About to send initial weights");
    if (run.mode === "pipeline") {
      const w = await ask(t, ADDRESS.appliance, ADDRESS.memoryx, "memoryx.snapshot", {});
      await ask(t, ADDRESS.appliance, ADDRESS.csx(0), "csx.load_weights", {
        snapshot: w,
        from: "MemoryX's initial weights",
      });
    }
    say("Device programming is complete");
    return run;
  }

  /** Tell each system's input worker for `step` to stream its shard of `batch`. */
  private stream(step: number, source: string, batch: GlobalBatchRef): Promise<void>[] {
    const w = this.workersPerSystem;
    return this.systems.map((s) =>
      ask(this.transport, ADDRESS.appliance, ADDRESS.worker(s.index, step % w), "worker.stream", {
        step,
        source,
        batch,
      }),
    );
  }

  /** One training step: every system its shard, gradients reduced, then the weight update. */
  async trainStep(step: number, batch: GlobalBatchRef, u: StepSettings): Promise<TrainStepResult> {
    const t = this.transport;
    const streaming = this.stream(step, "train", batch);
    const reports = await Promise.all(
      this.systems.map((s) =>
        ask(t, ADDRESS.appliance, s.address, "csx.train_step", { step, lossScale: u.lossScale }),
      ),
    );
    await Promise.all(streaming);
    let loss = 0;
    let samples = 0;
    for (const r of reports) {
      loss += r.loss;
      samples += r.samples;
    }
    const upd: UpdateOptions = {
      lr: u.lr,
      maxGradNorm: u.maxGradNorm,
      gradScale: 1 / u.lossScale,
      checkFinite: u.checkFinite,
    };
    const { finite } =
      this.mode === "weight_streaming"
        ? await ask(t, ADDRESS.appliance, ADDRESS.memoryx, "memoryx.update", upd)
        : await ask(t, ADDRESS.appliance, ADDRESS.csx(0), "csx.update", upd);
    return { loss, samples, deviceSeconds: Math.max(...reports.map((r) => r.deviceSeconds)), finite };
  }

  /** One evaluation step on the "eval" source: the global batch's loss and each head's, no update. */
  async evalStep(step: number, batch: GlobalBatchRef): Promise<EvalStepResult> {
    const streaming = this.stream(step, "eval", batch);
    const reports = await Promise.all(
      this.systems.map((s) => ask(this.transport, ADDRESS.appliance, s.address, "csx.eval_step", { step })),
    );
    await Promise.all(streaming);
    const headLosses = new Map<string, number>();
    const headAccuracy = new Map<string, HeadAccuracy>();
    for (const r of reports) {
      for (const [head, v] of Object.entries(r.headLosses))
        headLosses.set(head, (headLosses.get(head) ?? 0) + v);
      for (const [head, a] of Object.entries(r.headAccuracy))
        headAccuracy.set(head, addHits(headAccuracy.get(head), a));
    }
    return {
      loss: reports.reduce((a, r) => a + r.loss, 0),
      headLosses,
      headAccuracy,
      samples: reports.reduce((a, r) => a + r.samples, 0),
      deviceSeconds: Math.max(...reports.map((r) => r.deviceSeconds)),
    };
  }

  /** The current weights and optimizer state (MemoryX's, or the wafer's in pipelined mode). */
  snapshot(): Promise<WeightSnapshot> {
    return this.mode === "weight_streaming"
      ? ask(this.transport, ADDRESS.appliance, ADDRESS.memoryx, "memoryx.snapshot", {})
      : ask(this.transport, ADDRESS.appliance, ADDRESS.csx(0), "csx.snapshot", {});
  }

  /** Modeled device clock of the systems (all alike), seconds since programming. */
  get deviceClock(): number {
    return Math.max(...this.systems.map((s) => s.deviceClock));
  }
}

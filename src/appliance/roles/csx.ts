// A CS-X system: executes the compiled program with the host kernels of numerics.
//   Weight streaming: per micro-batch, each layer's weights arrive from SwarmX for its forward and again for
//   its backward; activations stay here; weight gradients go back through SwarmX (summed across systems) to
//   MemoryX. Nothing of the weights stays between layers.
//   Pipelined: the whole model lives here (weights, gradients, optimizer state), loaded once from MemoryX's
//   initial weights and updated here at the step boundary.
// Each system keeps a modeled device clock (seconds the real system would take, from perf's per-layer
// estimate of the artifact) and checks the SRAM per PE the compiler assigned against the wafer's.
import type { WaferSpec } from "../../hw/index.js";
import { paramsFromDecls } from "../../numerics/index.js";
import type { Batch, Tensor } from "../../numerics/index.js";
import { ApplianceError } from "../errors.js";
import type { Transport } from "../transport.js";
import { forwardBackwardLayers, forwardLayers } from "./layer-executor.js";
import type { ParamHook, Pass } from "./layer-executor.js";
import { ADDRESS, ask, bindRole } from "./protocol.js";
import type { CsxProgram, StepReport } from "./protocol.js";
import { WeightStore } from "./weight-store.js";
import { fromWire, toWire } from "./wire.js";

export class CsxSystem {
  readonly address: string;
  private program: CsxProgram | null = null;
  /** Pipelined mode: the model resident on the wafer. */
  private resident: WeightStore | null = null;
  /** Input shards by step: arrived (data) or awaited by a step that started first (waiting). */
  private readonly inputs = new Map<number, { data?: Batch[]; waiting?: (b: Batch[]) => void }>();
  /** Modeled device seconds since programming. */
  deviceClock = 0;
  /** Peak SRAM per PE of the program, bytes. */
  sramBytesPerPE = 0;

  constructor(
    private readonly t: Transport,
    readonly index: number,
    private readonly wafer: WaferSpec,
  ) {
    this.address = ADDRESS.csx(index);
    bindRole(t, this.address, {
      "csx.program": (p) => this.load(p),
      "csx.input": ({ step, microBatches }) => this.receive(step, microBatches),
      "csx.load_weights": (s) => {
        this.need("pipeline").restore(s);
      },
      "csx.train_step": ({ step, lossScale }) => this.trainStep(step, lossScale),
      "csx.eval_step": ({ step }) => this.evalStep(step),
      "csx.update": (o) => {
        const r = this.need("pipeline").update(o);
        return r;
      },
      "csx.snapshot": () => this.need("pipeline").snapshot(),
    });
  }

  private load(p: CsxProgram): { sramBytesPerPE: number } {
    const limit = this.wafer.sramBytesPerPE;
    for (const m of p.memory) {
      if (m.perPE.total > limit)
        throw new ApplianceError(
          `CS-X ${this.index}: the program ${p.hash} places ${m.perPE.total} bytes per PE in ${m.region}, ` +
            `the wafer has ${limit}; compile again for this system`,
        );
    }
    this.sramBytesPerPE = Math.max(0, ...p.memory.map((m) => m.perPE.total));
    this.program = p;
    this.deviceClock = 0;
    if (p.mode === "pipeline") {
      this.resident = new WeightStore(
        p.layers.map((l) => ({
          name: l.name,
          spec: l.spec,
          params: paramsFromDecls(l.params, p.seed, l.name),
        })),
        p.optimizer,
      );
    } else this.resident = null;
    return { sramBytesPerPE: this.sramBytesPerPE };
  }

  private need(mode: CsxProgram["mode"]): WeightStore {
    const p = this.program;
    if (!p) throw new ApplianceError(`CS-X ${this.index} has not been programmed`);
    if (p.mode !== mode || !this.resident)
      throw new ApplianceError(
        `CS-X ${this.index} runs ${p.mode}; this message is for ${mode} programs only`,
      );
    return this.resident;
  }

  /** The shard of `step` the input workers streamed here (waits for it if it has not arrived yet). */
  private shard(step: number): Promise<Batch[]> {
    const q = this.inputs.get(step);
    this.inputs.delete(step);
    if (q?.data) return Promise.resolve(q.data);
    return new Promise((resolve) => this.inputs.set(step, { waiting: resolve }));
  }

  private receive(step: number, microBatches: Batch[]): void {
    const q = this.inputs.get(step);
    if (q?.waiting) {
      this.inputs.delete(step);
      q.waiting(microBatches);
    } else this.inputs.set(step, { data: microBatches });
  }

  private hook(p: CsxProgram, step: number, micro: number): ParamHook {
    const clockOf = (i: number, pass: Pass) =>
      (pass === "forward" ? p.clock[i].forwardSeconds : p.clock[i].backwardSeconds) / p.microBatches;
    const after = (i: number, pass: Pass) => {
      this.deviceClock += clockOf(i, pass);
    };
    if (p.mode === "pipeline") {
      const store = this.resident as WeightStore;
      return {
        params: (i) => store.paramsFor(i),
        gradients: (i, g) => store.accumulate(i, g),
        after,
      };
    }
    return {
      params: async (i, pass) =>
        fromWire(
          await ask(this.t, this.address, ADDRESS.swarmx, "swarmx.weights", {
            step,
            micro,
            pass,
            layer: i,
            system: this.index,
          }),
        ),
      gradients: (i, g: Map<string, Tensor>) =>
        ask(this.t, this.address, ADDRESS.swarmx, "swarmx.gradients", {
          step,
          micro,
          layer: i,
          system: this.index,
          grads: toWire(g),
        }),
      after,
    };
  }

  /** Run every micro-batch of the step's shard through `pass`; the losses add up to the shard's share. */
  private async runShard(
    step: number,
    pass: (p: CsxProgram, batch: Batch, hook: ParamHook) => Promise<number>,
    boundarySeconds: (p: CsxProgram) => number,
  ): Promise<StepReport> {
    const p = this.program;
    if (!p) throw new ApplianceError(`CS-X ${this.index} has not been programmed`);
    const start = this.deviceClock;
    const mbs = await this.shard(step);
    let loss = 0;
    let samples = 0;
    for (let m = 0; m < mbs.length; m++) {
      loss += await pass(p, mbs[m], this.hook(p, step, m));
      samples += mbs[m].size;
    }
    this.deviceClock += boundarySeconds(p);
    return { loss, samples, deviceClock: this.deviceClock, deviceSeconds: this.deviceClock - start };
  }

  private trainStep(step: number, lossScale: number): Promise<StepReport> {
    return this.runShard(
      step,
      (p, b, hook) =>
        forwardBackwardLayers(p.layers, b, { seed: p.seed, step, training: true, lossScale }, hook),
      (p) => p.stepOverheadSeconds,
    );
  }

  private evalStep(step: number): Promise<StepReport> {
    return this.runShard(
      step,
      (p, b, hook) => forwardLayers(p.layers, b, { seed: p.seed, step, training: false }, hook),
      () => 0,
    );
  }
}

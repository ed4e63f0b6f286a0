// A CS-X system: executes the compiled program with the runtime's layer executor (the one `run CPU` uses),
// with the weights behind its weight hook coming from the appliance:
//   Weight streaming: each layer's weights arrive from SwarmX, one message per layer for its forward and one
//   for its backward; activations stay here; each layer's weight gradients go back through SwarmX (summed
//   across systems) to MemoryX. The executor is synchronous, so the system takes a micro-batch's layer
//   messages into its weight queue before executing it (MemoryX streams ahead of the compute, as the real
//   one streams the next layer while the current one computes), and its gradient sends complete after it.
//   Pipelined: the whole model lives here (weights, gradients, optimizer state), loaded once from MemoryX's
//   starting point (the seed's weights, or a checkpoint's weights with its optimizer moments and step count)
//   and updated here at the step boundary.
// Each system keeps a modeled device clock (seconds the real system would take, from perf's per-layer
// estimate of the artifact) and checks the SRAM per PE the compiler assigned against the wafer's.
import type { WaferSpec } from "../../hw/index.js";
import type { LayerIR } from "../../model/index.js";
import type { Batch, ParamMap, Tensor } from "../../numerics/index.js";
import { LayerExecutor, addHits } from "../../runtime/index.js";
import type { HeadAccuracy, Phase, WeightHook } from "../../runtime/index.js";
import { ApplianceError } from "../errors.js";
import type { Transport } from "../transport.js";
import { ADDRESS, ask, bindRole } from "./protocol.js";
import type { CsxProgram, StepReport } from "./protocol.js";
import { WeightStore } from "./weight-store.js";
import { fromWire, toWire } from "./wire.js";

/** Weights as they stream in: one queued message per (layer, phase); gradients sent back as they come. */
class StreamedWeights implements WeightHook {
  readonly sends: Promise<void>[] = [];
  private readonly queue = new Map<string, ParamMap>();

  constructor(
    private readonly clock: (layer: LayerIR, phase: Phase) => void,
    private readonly send: (layer: LayerIR, grads: ReadonlyMap<string, Tensor>) => Promise<void>,
  ) {}

  put(layer: number, phase: Phase, p: ParamMap): void {
    this.queue.set(`${phase}/${layer}`, p);
  }

  fetch(layer: LayerIR, phase: Phase): ParamMap {
    const key = `${phase}/${layer.index}`;
    const p = this.queue.get(key);
    if (!p) throw new ApplianceError(`the weights of ${layer.name} for its ${phase} pass did not stream in`);
    this.queue.delete(key);
    this.clock(layer, phase);
    return p;
  }

  deliver(layer: LayerIR, grads: ReadonlyMap<string, Tensor>): void {
    this.sends.push(this.send(layer, grads));
  }
}

/** The resident model's hook (pipelined): the wafer's own weights, with the device clock. */
class ResidentWeights implements WeightHook {
  constructor(
    private readonly store: WeightStore,
    private readonly clock: (layer: LayerIR, phase: Phase) => void,
  ) {}

  fetch(layer: LayerIR, phase: Phase): ParamMap {
    this.clock(layer, phase);
    return this.store.host.fetch(layer);
  }

  deliver(layer: LayerIR, grads: ReadonlyMap<string, Tensor>): void {
    this.store.host.deliver(layer, grads);
  }
}

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
      "csx.load_weights": ({ snapshot, from }) => this.need("pipeline").restore(snapshot, from),
      "csx.train_step": ({ step, lossScale }) => this.runStep(step, true, lossScale),
      "csx.eval_step": ({ step }) => this.runStep(step, false, 1),
      "csx.update": (o) => this.need("pipeline").update(o),
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
    this.resident = p.mode === "pipeline" ? new WeightStore(p.model, p.seed, p.optimizer) : null;
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

  /** Advance the device clock by one layer pass: its share of the per-step estimate, per micro-batch. */
  private clock(p: CsxProgram) {
    return (layer: LayerIR, phase: Phase) => {
      const c = p.clock[layer.index];
      this.deviceClock += (phase === "forward" ? c.forwardSeconds : c.backwardSeconds) / p.microBatches;
    };
  }

  /** One step of this system's shard: every micro-batch forward (and backward when training). */
  private async runStep(step: number, training: boolean, lossScale: number): Promise<StepReport> {
    const p = this.program;
    if (!p) throw new ApplianceError(`CS-X ${this.index} has not been programmed`);
    const start = this.deviceClock;
    const mbs = await this.shard(step);
    let loss = 0;
    let samples = 0;
    const headLosses: Record<string, number> = {};
    const headAccuracy: Record<string, HeadAccuracy> = {};
    for (let m = 0; m < mbs.length; m++) {
      const hook =
        p.mode === "pipeline"
          ? new ResidentWeights(this.need("pipeline"), this.clock(p))
          : await this.stream(p, step, m, training);
      const r = new LayerExecutor(p.model, hook).run(mbs[m], { seed: p.seed, step, training, lossScale });
      loss += r.loss;
      for (const [head, v] of r.headLosses) headLosses[head] = (headLosses[head] ?? 0) + v;
      for (const [head, a] of r.headAccuracy) headAccuracy[head] = addHits(headAccuracy[head], a);
      if (hook instanceof StreamedWeights) await Promise.all(hook.sends);
      samples += mbs[m].size;
    }
    if (training) this.deviceClock += p.stepOverheadSeconds;
    return {
      loss,
      headLosses,
      headAccuracy,
      samples,
      deviceClock: this.deviceClock,
      deviceSeconds: this.deviceClock - start,
    };
  }

  /** Take micro-batch `micro`'s layer weights from SwarmX: forward in layer order, then backward in reverse. */
  private async stream(
    p: CsxProgram,
    step: number,
    micro: number,
    training: boolean,
  ): Promise<StreamedWeights> {
    const hook = new StreamedWeights(this.clock(p), (layer, grads) =>
      ask(this.t, this.address, ADDRESS.swarmx, "swarmx.gradients", {
        step,
        micro,
        layer: layer.index,
        system: this.index,
        grads: toWire(grads),
      }),
    );
    const layers = p.model.layers;
    const order: [number, Phase][] = layers.map((l) => [l.index, "forward"]);
    if (training) for (let i = layers.length - 1; i >= 0; i--) order.push([i, "backward"]);
    const got = await Promise.all(
      order.map(([layer, pass]) =>
        ask(this.t, this.address, ADDRESS.swarmx, "swarmx.weights", {
          step,
          micro,
          pass,
          layer,
          system: this.index,
        }),
      ),
    );
    order.forEach(([layer, pass], k) => hook.put(layer, pass, fromWire(got[k])));
    return hook;
  }
}

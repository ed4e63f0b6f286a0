// The messages between the roles: their addresses, types and bodies. Bodies are plain data and typed arrays
// (tensors as WireTensor), so a network transport can carry them unchanged.
import type { CompileInput, MemoryPerPE } from "../../compiler/index.js";
import type { ModelIR } from "../../model/index.js";
import type { Batch, OptimizerConfig } from "../../numerics/index.js";
import type { HeadAccuracy, Phase } from "../../runtime/index.js";
import { ApplianceError } from "../errors.js";
import type { Transport } from "../transport.js";
import type { CompileReply } from "./coordinator.js";
import type { GlobalBatchRef } from "./input-worker.js";
import type { UpdateOptions, UpdateResult, WeightSnapshot } from "./weight-store.js";
import type { WireTensors } from "./wire.js";

export const ADDRESS = {
  appliance: "appliance",
  coordinator: "coordinator",
  memoryx: "memoryx",
  swarmx: "swarmx",
  csx: (system: number) => `csx/${system}`,
  worker: (system: number, worker: number) => `worker/${system}/${worker}`,
} as const;

/** Modeled device seconds of one layer per step, per pass (all micro-batches), from the performance model. */
export interface LayerClock {
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
}

/** What programming a CS-X loads onto it: the compiled program of one run. */
export interface CsxProgram {
  readonly hash: string;
  readonly mode: "pipeline" | "weight_streaming";
  /** The model IR (layers, specs, parameter declarations; no weights). */
  readonly model: ModelIR;
  /** Samples per micro-batch and micro-batches per step on this system. */
  readonly microBatch: number;
  readonly microBatches: number;
  readonly seed: number;
  /** Per-layer device time and the step overhead, from perf's estimate of the artifact. */
  readonly clock: readonly LayerClock[];
  readonly stepOverheadSeconds: number;
  /** SRAM per PE the compiler assigned: one entry (weight streaming) or one per stage (pipelined). */
  readonly memory: readonly { readonly region: string; readonly perPE: MemoryPerPE }[];
  /** Pipelined: the optimizer that updates the weights on the wafer. */
  readonly optimizer: OptimizerConfig | null;
}

export interface Messages {
  // Coordinator
  "coordinator.compile": { body: { input: CompileInput; compileDir: string }; reply: CompileReply };
  // MemoryX
  "memoryx.weights": { body: { layer: number }; reply: WireTensors };
  "memoryx.gradients": { body: { layer: number; grads: WireTensors }; reply: void };
  "memoryx.update": { body: UpdateOptions; reply: UpdateResult };
  "memoryx.snapshot": { body: Record<string, never>; reply: WeightSnapshot };
  "memoryx.restore": { body: { snapshot: WeightSnapshot; from: string }; reply: void };
  // SwarmX
  "swarmx.weights": {
    body: { step: number; micro: number; pass: Phase; layer: number; system: number };
    reply: WireTensors;
  };
  "swarmx.gradients": {
    body: { step: number; micro: number; layer: number; system: number; grads: WireTensors };
    reply: void;
  };
  // Input workers
  "worker.stream": { body: { step: number; source: string; batch: GlobalBatchRef }; reply: void };
  // CS-X systems
  "csx.program": { body: CsxProgram; reply: { sramBytesPerPE: number } };
  "csx.input": { body: { step: number; microBatches: Batch[] }; reply: void };
  "csx.load_weights": { body: { snapshot: WeightSnapshot; from: string }; reply: void };
  "csx.train_step": { body: { step: number; lossScale: number }; reply: StepReport };
  "csx.eval_step": { body: { step: number }; reply: StepReport };
  "csx.update": { body: UpdateOptions; reply: UpdateResult };
  "csx.snapshot": { body: Record<string, never>; reply: WeightSnapshot };
}

export type MessageType = keyof Messages;

/** What a system reports after a step. */
export interface StepReport {
  /** This system's share of the step's loss (shares add up to the global loss). */
  readonly loss: number;
  /** The share of each head, by layer name. */
  readonly headLosses: Readonly<Record<string, number>>;
  /** Each head's top-1 hits on this system's shard, by layer name (evaluation steps only). */
  readonly headAccuracy: Readonly<Record<string, HeadAccuracy>>;
  readonly samples: number;
  /** The system's modeled device clock after the step, seconds since programming. */
  readonly deviceClock: number;
  /** Modeled device seconds this step took. */
  readonly deviceSeconds: number;
}

/** Send a typed message and wait for its typed reply. */
export function ask<T extends MessageType>(
  t: Transport,
  from: string,
  to: string,
  type: T,
  body: Messages[T]["body"],
): Promise<Messages[T]["reply"]> {
  return t.request<Messages[T]["reply"]>(from, to, type, body);
}

export type Handlers = {
  [T in MessageType]?: (
    body: Messages[T]["body"],
    from: string,
  ) => Promise<Messages[T]["reply"]> | Messages[T]["reply"];
};

/** Bind a role's handlers at its address; a message type it does not handle is an error naming both. */
export function bindRole(t: Transport, address: string, handlers: Handlers): void {
  t.bind(address, (msg) => {
    const h = handlers[msg.type as MessageType] as ((b: unknown, from: string) => unknown) | undefined;
    if (!h)
      throw new ApplianceError(
        `${address} does not handle ${msg.type} (from ${msg.from}); it handles ${Object.keys(handlers).join(", ")}`,
      );
    return h(msg.body, msg.from);
  });
}

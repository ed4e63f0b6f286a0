// Input workers: read and preprocess the training data and stream each system its shard of every batch. With
// W workers per system, worker w of system k streams the steps s with s mod W = w (data-loader workers take
// turns). A system's shard is the rows [k b, (k+1) b) of the step's global batch (b = B / N), cut into
// micro-batches of m rows; the whole batch's loss denominators ride along in every shard.
import type { Batch } from "../../numerics/index.js";
import type { Transport } from "../transport.js";
import { ApplianceError } from "../errors.js";
import { ADDRESS, ask, bindRole } from "./protocol.js";

/** Which samples make a step's global batch (plain data: the appliance sends it to the workers). */
export interface GlobalBatchRef {
  readonly epoch: number;
  readonly samples: readonly number[];
  readonly globalLossTokens: number;
}

/** Where the rows come from: rows [start, end) of a global batch as a Batch (src/data's BatchStream). */
export interface ShardSource {
  read(batch: GlobalBatchRef, start: number, end: number): Batch;
}

export class InputWorker {
  readonly address: string;
  samplesStreamed = 0;

  constructor(
    t: Transport,
    readonly system: number,
    readonly worker: number,
    sources: Readonly<Record<string, ShardSource>>,
    perSystemBatch: number,
    microBatch: number,
  ) {
    this.address = ADDRESS.worker(system, worker);
    bindRole(t, this.address, {
      "worker.stream": async ({ step, source: name, batch }) => {
        const source = sources[name];
        if (!source)
          throw new ApplianceError(
            `input worker ${this.address} has no data source "${name}"; it reads ${Object.keys(sources).join(", ")}`,
          );
        const microBatches: Batch[] = [];
        const lo = system * perSystemBatch;
        for (let off = 0; off < perSystemBatch; off += microBatch) {
          microBatches.push(source.read(batch, lo + off, lo + Math.min(off + microBatch, perSystemBatch)));
        }
        this.samplesStreamed += perSystemBatch;
        await ask(t, this.address, ADDRESS.csx(system), "csx.input", { step, microBatches });
      },
    });
  }
}

// Test helpers for the appliance: a tiny GPT params file and a synthetic token stream whose samples are pure
// functions of their index, so any shard, worker or resumed run reads the same tokens.
import type { Batch } from "../numerics/index.js";
import { hash32 } from "../numerics/index.js";
import type { OpenData, TrainData } from "./execute.js";
import type { GlobalBatchRef } from "./roles/input-worker.js";

export const TINY = { vocab: 64, hidden: 32, layers: 2, heads: 2, seq: 16, batch: 8 } as const;

/** A tiny GPT-2 params file (old layout) training on synthetic tokens. */
export function tinyGptParams(
  o: { maxSteps?: number; checkpointSteps?: number; batch?: number; strategy?: string } = {},
): string {
  return `
train_input:
  data_processor: DummyDataProcessor
  batch_size: ${o.batch ?? TINY.batch}
  max_sequence_length: ${TINY.seq}
  shuffle: false
model:
  hidden_size: ${TINY.hidden}
  vocab_size: ${TINY.vocab}
  num_hidden_layers: ${TINY.layers}
  num_heads: ${TINY.heads}
  filter_size: ${TINY.hidden * 2}
  max_position_embeddings: ${TINY.seq}
  dropout_rate: 0.1
  attention_dropout_rate: 0.1
  mixed_precision: false
optimizer:
  optimizer_type: AdamW
  weight_decay_rate: 0.01
  max_gradient_norm: 1.0
  learning_rate:
    - scheduler: Linear
      initial_learning_rate: 0.0
      end_learning_rate: 0.01
      steps: 2
    - scheduler: Constant
      learning_rate: 0.01
runconfig:
  max_steps: ${o.maxSteps ?? 4}
  log_steps: 1
  checkpoint_steps: ${o.checkpointSteps ?? 2}
  seed: 7
${o.strategy ? `  execution_strategy: ${o.strategy}\n` : ""}`;
}

/** Tokens of global sample g at position t. */
const token = (g: number, t: number) => hash32(g * 131 + t) % TINY.vocab;

/** An endless stream: global batch k holds samples k B .. k B + B - 1 (seq from the section). */
export const syntheticData: OpenData = (cfg, o) => {
  const B = cfg.batchSize;
  const T = cfg.seqLen;
  let offset = o.position?.offset ?? 0;
  const d: TrainData = {
    description: `synthetic tokens, ${B} per batch`,
    get position() {
      return { epoch: 0, offset };
    },
    next(): GlobalBatchRef {
      const samples = Array.from({ length: B }, (_, i) => offset + i);
      offset += B;
      return { epoch: 0, samples, globalLossTokens: B * T };
    },
    read(g, start, end): Batch {
      const rows = g.samples.slice(start, end);
      const ids = new Int32Array(rows.length * T);
      const labels = new Int32Array(rows.length * T);
      rows.forEach((s, r) => {
        for (let t = 0; t < T; t++) {
          ids[r * T + t] = token(s, t);
          labels[r * T + t] = token(s, t + 1);
        }
      });
      return {
        size: rows.length,
        seqLen: T,
        sampleOffset: start,
        globalBatchSize: g.samples.length,
        globalLossTokens: g.globalLossTokens,
        inputIds: ids,
        labels,
        lossMask: new Float32Array(rows.length * T).fill(1),
      };
    },
  };
  return d;
};

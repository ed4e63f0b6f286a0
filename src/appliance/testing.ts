// Test helpers for the appliance: a tiny GPT params file on Model Zoo's synthetic data processor, and a
// job store in a temporary WSC_HOME.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Management } from "./management/index.js";
import { wscHome } from "./management/home.js";

export interface TinyGptOptions {
  maxSteps?: number;
  checkpointSteps?: number;
  logSteps?: number;
  batch?: number;
  dropout?: number;
  /** runconfig.execution_strategy */
  strategy?: "pipeline" | "weight_streaming";
}

/** A tiny GPT-2 params file (old layout): 2 layers of hidden 32, 16 tokens, vocabulary 64, AdamW, warm-up. */
export function tinyGptParams(o: TinyGptOptions = {}): string {
  return `
train_input:
  data_processor: DummyDataProcessor
  batch_size: ${o.batch ?? 8}
  max_sequence_length: 16
  num_examples: 100000
  shuffle: true
  shuffle_seed: 11
eval_input:
  data_processor: DummyDataProcessor
  batch_size: ${o.batch ?? 8}
  max_sequence_length: 16
  num_examples: 32
  shuffle: false
model:
  hidden_size: 32
  vocab_size: 64
  num_hidden_layers: 2
  num_heads: 2
  filter_size: 64
  max_position_embeddings: 16
  dropout_rate: ${o.dropout ?? 0.1}
  attention_dropout_rate: ${o.dropout ?? 0.1}
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
  log_steps: ${o.logSteps ?? 1}
  checkpoint_steps: ${o.checkpointSteps ?? 2}
  seed: 7
${o.strategy ? `  execution_strategy: ${o.strategy}\n` : ""}`;
}

/** A temporary folder with a params file, and management over a job store in it (`numSystems` systems). */
export function tempAppliance(
  text: string,
  numSystems = 2,
): { dir: string; paramsFile: string; mgmt: Management } {
  const dir = mkdtempSync(join(tmpdir(), "wsc-appliance-"));
  const home = join(dir, "home");
  const paramsFile = join(dir, "params.yaml");
  writeFileSync(paramsFile, text);
  const h = wscHome({ WSC_HOME: home });
  writeFileSync(join(h.dir, "cluster.yaml"), `num_systems: ${numSystems}\n`);
  return { dir, paramsFile, mgmt: new Management({ home: wscHome({ WSC_HOME: home }) }) };
}

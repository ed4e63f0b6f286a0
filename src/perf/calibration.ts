// The calibration rows: published ALCF sample runs of real CS-2 systems (facts/measured-throughput.md), each
// with the model IR and run it measured. The performance model is calibrated against these once
// (scripts/calibrate-perf.ts) and a test pins every row within 15%.
import { makeCluster, SYSTEMS } from "../hw/index.js";
import type { ClusterSpec } from "../hw/index.js";
import { BERT_DEFAULTS, buildBert, buildDecoderLM, DECODER_DEFAULTS } from "../model/index.js";
import type { ModelIR } from "../model/index.js";
import type { CompileInput, ExecutionMode } from "../compiler/index.js";

/** BERT-Large as Model Zoo's bert_large_MSL128 config: MLM on 20 masked positions per sample, NSP head. */
export function bertLargeMsl128(): ModelIR {
  return buildBert({
    ...BERT_DEFAULTS,
    vocabSize: 30522,
    hidden: 1024,
    layers: 24,
    heads: 16,
    ffn: 4096,
    maxPositions: 512,
    seqLen: 128,
    mlmPredictions: 20,
  });
}

/** GPT-J 6B as Model Zoo's params_gptj_6B: rotary dim 64, parallel attention and MLP, untied, head bias. */
export function gptj6b(seqLen = 2048): ModelIR {
  return buildDecoderLM({
    ...DECODER_DEFAULTS.gptj,
    vocabSize: 50257,
    hidden: 4096,
    layers: 28,
    heads: 16,
    ffn: 16384,
    maxPositions: 2048,
    seqLen,
  });
}

/** LLaMA-7B (vocabulary 32000, hidden 4096, 32 layers, 32 heads, SwiGLU 11008, seq 2048). */
export function llama7b(): ModelIR {
  return buildDecoderLM({
    ...DECODER_DEFAULTS.llama,
    vocabSize: 32000,
    hidden: 4096,
    layers: 32,
    heads: 32,
    ffn: 11008,
    maxPositions: 2048,
    seqLen: 2048,
  });
}

/** GPT-3 175B (hidden 12288, 96 layers, 96 heads, seq 2048). */
export function gpt3175b(): ModelIR {
  return buildDecoderLM({
    ...DECODER_DEFAULTS.gpt3,
    vocabSize: 50257,
    hidden: 12288,
    layers: 96,
    heads: 96,
    ffn: 4 * 12288,
    maxPositions: 2048,
    seqLen: 2048,
  });
}

export interface CalibrationRow {
  readonly id: string;
  readonly what: string;
  readonly measuredSamplesPerSec: number;
  readonly input: () => CompileInput;
}

const cluster = (n: number): ClusterSpec => makeCluster(SYSTEMS.cs2, n);

const row = (model: () => ModelIR, batch: number, systems: number, mode: ExecutionMode) => () => ({
  model: model(),
  run: { mode: "train" as const, globalBatch: batch, executionStrategy: mode, optimizer: "AdamW" },
  cluster: cluster(systems),
});

/** The rows of measured-throughput.md marked "calibrate: yes". */
export const CALIBRATION_ROWS: readonly CalibrationRow[] = [
  {
    id: "C1",
    what: "BERT-Large MSL128, batch 1024, 1 CS-2, weight streaming (release 2.0.3)",
    measuredSamplesPerSec: 4048,
    input: row(bertLargeMsl128, 1024, 1, "weight_streaming"),
  },
  {
    id: "C2",
    what: "BERT-Large MSL128, batch 1024, 1 CS-2, pipelined (release 1.8)",
    measuredSamplesPerSec: 6493,
    input: row(bertLargeMsl128, 1024, 1, "pipeline"),
  },
  {
    id: "C3",
    what: "GPT-J 6B, seq 2048, batch 120, 2 CS-2s, weight streaming (release 2.0.3)",
    measuredSamplesPerSec: 43.7,
    input: row(() => gptj6b(), 120, 2, "weight_streaming"),
  },
];

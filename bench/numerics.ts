// npm run bench:numerics — host numerics throughput.
//   1. One training step (forward, backward, AdamW) of the benchmark GPT: d_model 256, 4 layers, 4 heads,
//      seq 128, batch 8, vocab 256, learned positions, untied embeddings, tanh-GELU MLP of width 1024, no
//      dropout. Median over BENCH_STEPS steps (10) after warm-up; peak RSS of this process after it.
//   2. The same model in PyTorch CPU (bench/numerics_torch.py through /usr/bin/python3), when torch is there,
//      alternating with ours for BENCH_ROUNDS rounds (5); ratio = our step time / PyTorch's.
//   3. One training step of the tiny GPT-2 (configs/tiny/gpt2.yaml's model and batch: hidden 64, 2 layers,
//      4 heads, 64 tokens, batch 8, the 50,257-token vocabulary with tied embeddings, AdamW, clipping at 1),
//      as `run CPU` runs it (the layer executor, host weights, clipping, the optimizer), against the same
//      model in PyTorch, alternating the same way; its step is dominated by the vocabulary head.
//   4. SGEMM GFLOP/s at 1024^3 and 4096x768 @ 768x3072 on the active GEMM backend (and the TypeScript
//      fallback at 1024^3 for comparison).
// Each side runs as a user gets it (PyTorch's default threads; our OpenBLAS with its default threads), the
// machine's OpenBLAS environment untouched. The last line is one JSON object with every figure.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadParams } from "../src/frontends/index.js";
import { gemmBackend, sgemm, useGemmBackend, GEMM_BACKENDS } from "../src/numerics/gemm.js";
import type { Batch, LayerSpec, LmHeadSpec } from "../src/numerics/layers/spec.js";
import { clipGradNorm } from "../src/numerics/optim/clip.js";
import { Optimizer } from "../src/numerics/optim/optimizers.js";
import { buildModel, optimParams, trainStep } from "../src/numerics/runner.js";
import { LayerExecutor } from "../src/runtime/executor.js";
import { numericsOptimizer } from "../src/runtime/run-setup.js";
import { HostWeights } from "../src/runtime/weights.js";
import { machine as describeMachine, machineLine, median } from "./machine.js";

const CFG = { hidden: 256, layers: 4, heads: 4, seq: 128, batch: 8, vocab: 256, ffn: 1024 };
const WARMUP = 3;
const STEPS = Number(process.env.BENCH_STEPS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function buildGpt() {
  const { hidden: H, layers: L, heads, seq: T, batch: B, vocab: V, ffn } = CFG;
  const specs: { name: string; spec: LayerSpec }[] = [
    {
      name: "emb",
      spec: {
        kind: "embedding",
        vocabSize: V,
        hidden: H,
        positionEmbedding: "learned",
        maxPositions: T,
        typeVocabSize: 0,
        norm: null,
        normEps: 1e-5,
        dropout: 0,
      },
    },
  ];
  for (let i = 0; i < L; i++) {
    specs.push({
      name: `h${i}`,
      spec: {
        kind: "transformer_block",
        hidden: H,
        heads,
        ffn,
        norm: "layernorm",
        normEps: 1e-5,
        activation: "gelu_tanh",
        residual: "pre",
        attentionBias: true,
        mlpBias: true,
        causal: true,
        rotaryDim: 0,
        rotaryBase: 10000,
        rotaryStyle: "half",
        dropout: 0,
        attentionDropout: 0,
      },
    });
  }
  specs.push({ name: "ln_f", spec: { kind: "final_norm", hidden: H, norm: "layernorm", normEps: 1e-5 } });
  specs.push({
    name: "head",
    spec: {
      kind: "lm_head",
      hidden: H,
      vocabSize: V,
      bias: false,
      tied: false,
      lossScaling: "num_tokens",
      lossWeight: 1,
    },
  });
  const layers = buildModel(specs, { std: 0.02, outputStd: 0.02 / Math.sqrt(2 * L) }, 0);
  const batch = tokenBatch(B, T, V);
  const opt = new Optimizer({ kind: "AdamW", weightDecay: 0.01 });
  const params = optimParams(layers);
  let step = 0;
  /** Runs `n` training steps; returns each one's wall time (ms) and the last loss. */
  return (n: number) => {
    const times: number[] = [];
    let loss = 0;
    for (let i = 0; i < n; i++, step++) {
      const t0 = performance.now();
      loss = trainStep(layers, [batch], opt, params, { seed: 0, step, lr: 1e-4 }).loss;
      times.push(performance.now() - t0);
    }
    return { times, loss };
  };
}

/** B sequences of T tokens (and their next tokens as labels) from a fixed sequence of ids below V. */
function tokenBatch(B: number, T: number, V: number): Batch {
  const ids = new Int32Array(B * (T + 1));
  for (let i = 0; i < ids.length; i++) ids[i] = (i * 2654435761) % V;
  const inputIds = new Int32Array(B * T);
  const labels = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      inputIds[b * T + t] = ids[b * (T + 1) + t];
      labels[b * T + t] = ids[b * (T + 1) + t + 1];
    }
  }
  return {
    size: B,
    seqLen: T,
    sampleOffset: 0,
    globalBatchSize: B,
    globalLossTokens: B * T,
    inputIds,
    labels,
    lossMask: new Float32Array(B * T).fill(1),
  };
}

const TINY_GPT2 = fileURLToPath(new URL("../configs/tiny/gpt2.yaml", import.meta.url));

/** The tiny GPT-2's model, batch and optimizer from its params file, stepped as `run CPU` steps it. */
function buildTinyGpt2() {
  const { model, run } = loadParams(TINY_GPT2);
  const oc = run.optimizer!;
  const B = run.train!.batchSize,
    T = run.train!.seqLen,
    V = run.train!.vocabSize;
  const weights = new HostWeights(model, run.seed);
  const exec = new LayerExecutor(model, weights);
  const opt = new Optimizer(numericsOptimizer(oc));
  const params = weights.optimParams();
  const batch = tokenBatch(B, T, V);
  let step = 0;
  const run_ = (n: number) => {
    const times: number[] = [];
    let loss = 0;
    for (let i = 0; i < n; i++, step++) {
      const t0 = performance.now();
      loss = exec.run(batch, { seed: run.seed, step, training: true }).loss;
      if (oc.maxGradientNorm !== null) clipGradNorm(weights.grads.values(), oc.maxGradientNorm);
      opt.step(params, weights.grads, { lr: 1e-4 });
      weights.clearGrads();
      times.push(performance.now() - t0);
    }
    return { times, loss };
  };
  const blocks = model.layers.flatMap((l) => (l.spec.kind === "transformer_block" ? [l.spec] : []));
  const head = model.layers.find((l) => l.spec.kind === "lm_head")!.spec as LmHeadSpec;
  const blk = blocks[0];
  // the PyTorch side's arguments: the model, then tied, activation, AdamW's beta2, the clipping norm
  const torchArgs = [blk.hidden, blocks.length, blk.heads, T, B, V, blk.ffn, WARMUP, STEPS];
  const torchExtra = [head.tied ? 1 : 0, blk.activation, oc.beta2, oc.maxGradientNorm ?? 0];
  const label = `tiny GPT-2 (d${blk.hidden} L${blocks.length} h${blk.heads} T${T} B${B} V${V} ffn${blk.ffn}, tied, AdamW, clip)`;
  return { run: run_, torchArgs: [...torchArgs, ...torchExtra].map(String), label };
}

function benchSgemm(m: number, n: number, k: number, reps: number): number {
  const a = new Float32Array(m * k).map((_, i) => ((i % 17) - 8) / 8);
  const b = new Float32Array(k * n).map((_, i) => ((i % 13) - 6) / 6);
  const c = new Float32Array(m * n);
  sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    sgemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
    times.push(performance.now() - t0);
  }
  return (2 * m * n * k) / (median(times) * 1e6);
}

interface TorchStep {
  step_ms: number;
  peak_rss_mb: number;
  threads: number;
}

/** bench/numerics_torch.py with these arguments (the model's, see its usage line); null without PyTorch. */
function benchTorch(modelArgs: readonly string[]): TorchStep | null {
  const py = "/usr/bin/python3";
  if (!existsSync(py)) return null;
  const script = fileURLToPath(new URL("./numerics_torch.py", import.meta.url));
  // PyTorch as a user gets it: the environment as it is (OPENBLAS_* untouched), default thread settings.
  const r = spawnSync(py, [script, ...modelArgs], { encoding: "utf8" });
  if (r.status !== 0) {
    console.log(`PyTorch side skipped: ${(r.stderr || "").trim().split("\n").pop()}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const machine = {
  ...describeMachine(),
  gemm: gemmBackend().description,
  blas_threads: gemmBackend().threads(),
};
console.log(machineLine(machine));
console.log(`GEMM backend: ${machine.gemm}, ${machine.blas_threads} thread(s)`);

// The two sides alternate in ROUNDS rounds (ours, then PyTorch's, each a median over STEPS steps), so a change
// in the machine's load during the run hits both; the figures are the medians over the rounds, and the ratio
// the median of the rounds' ratios.
function sideBySide(
  name: string,
  runOurs: (n: number) => { times: number[]; loss: number },
  torchArgs: readonly string[],
) {
  runOurs(WARMUP);
  const ours: number[] = [];
  const theirs: TorchStep[] = [];
  const ratios: number[] = [];
  let loss = 0;
  let rssMb = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const g = runOurs(STEPS);
    loss = g.loss;
    ours.push(median(g.times));
    rssMb = process.resourceUsage().maxRSS / 1024;
    console.log(`${name} round ${r + 1}: ours ${ours[r].toFixed(1)} ms (median of ${STEPS} steps)`);
    // BENCH_STEP_ONLY=1 runs the training steps alone (for `node --cpu-prof`).
    if (process.env.BENCH_STEP_ONLY === "1") continue;
    const t = benchTorch(torchArgs);
    if (!t) continue;
    theirs.push(t);
    ratios.push(ours[r] / t.step_ms);
    console.log(
      `${name} round ${r + 1}: PyTorch ${t.step_ms.toFixed(1)} ms, ratio ${(ours[r] / t.step_ms).toFixed(3)}`,
    );
  }
  const torch = theirs.length
    ? {
        step_ms: median(theirs.map((t) => t.step_ms)),
        peak_rss_mb: median(theirs.map((t) => t.peak_rss_mb)),
        threads: theirs[0].threads,
        ratio: median(ratios),
      }
    : null;
  return { stepMs: median(ours), loss, rssMb, torch };
}

const { hidden, layers, heads, seq, batch, vocab, ffn } = CFG;
const gptTorchArgs = [hidden, layers, heads, seq, batch, vocab, ffn, WARMUP, STEPS].map(String);
const gpt = sideBySide("GPT", buildGpt(), gptTorchArgs);
const rssMb = gpt.rssMb;
const torch = gpt.torch;
console.log(
  `GPT step (d256 L4 h4 T128 B8 V256 ffn1024, AdamW): ${gpt.stepMs.toFixed(1)} ms, ` +
    `peak RSS ${rssMb.toFixed(0)} MB, loss ${gpt.loss.toFixed(4)}`,
);
if (torch) {
  console.log(
    `PyTorch ${torch.threads} intra-op thread(s): ${torch.step_ms.toFixed(1)} ms, peak RSS ${torch.peak_rss_mb.toFixed(0)} MB; ` +
      `ours/PyTorch ${torch.ratio.toFixed(3)} time (median of ${ROUNDS} rounds), ${(rssMb / torch.peak_rss_mb).toFixed(3)} memory`,
  );
}

const tiny = buildTinyGpt2();
const gpt2 = sideBySide("tiny GPT-2", tiny.run, tiny.torchArgs);
console.log(`${tiny.label} step: ${gpt2.stepMs.toFixed(1)} ms, loss ${gpt2.loss.toFixed(4)}`);
if (gpt2.torch) {
  console.log(
    `tiny GPT-2 in PyTorch (${gpt2.torch.threads} intra-op thread(s)): ${gpt2.torch.step_ms.toFixed(1)} ms; ` +
      `ours/PyTorch ${gpt2.torch.ratio.toFixed(3)} time (median of ${ROUNDS} rounds)`,
  );
}
if (process.env.BENCH_STEP_ONLY === "1") process.exit(0);

const g1024 = benchSgemm(1024, 1024, 1024, 5);
const gBert = benchSgemm(4096, 3072, 768, 3);
console.log(
  `SGEMM ${gemmBackend().name}: 1024^3 ${g1024.toFixed(1)} GFLOP/s, 4096x768 @ 768x3072 ${gBert.toFixed(1)} GFLOP/s`,
);
let gTs: number | null = null;
if (gemmBackend().name !== "typescript" && GEMM_BACKENDS.has("typescript")) {
  const prev = useGemmBackend("typescript");
  gTs = benchSgemm(1024, 1024, 1024, 1);
  useGemmBackend(prev);
  console.log(
    `SGEMM typescript fallback: 1024^3 ${gTs.toFixed(2)} GFLOP/s (OpenBLAS / fallback ${(g1024 / gTs).toFixed(1)}x)`,
  );
}

console.log(
  JSON.stringify({
    ...machine,
    step_ms: +gpt.stepMs.toFixed(2),
    pytorch_step_ms: torch ? +torch.step_ms.toFixed(2) : null,
    ratio_vs_pytorch: torch ? +torch.ratio.toFixed(3) : null,
    rounds: ROUNDS,
    steps_per_round: STEPS,
    peak_rss_mb: +rssMb.toFixed(1),
    pytorch_peak_rss_mb: torch ? +torch.peak_rss_mb.toFixed(1) : null,
    rss_ratio_vs_pytorch: torch ? +(rssMb / torch.peak_rss_mb).toFixed(3) : null,
    pytorch_threads: torch ? torch.threads : null,
    tiny_gpt2_step_ms: +gpt2.stepMs.toFixed(2),
    tiny_gpt2_pytorch_step_ms: gpt2.torch ? +gpt2.torch.step_ms.toFixed(2) : null,
    tiny_gpt2_ratio_vs_pytorch: gpt2.torch ? +gpt2.torch.ratio.toFixed(3) : null,
    sgemm_gflops: +g1024.toFixed(1),
    sgemm_gflops_1024: +g1024.toFixed(1),
    sgemm_gflops_4096x768x3072: +gBert.toFixed(1),
    sgemm_gflops_typescript_1024: gTs === null ? null : +gTs.toFixed(2),
  }),
);

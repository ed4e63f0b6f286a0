// npm run bench:appliance — the emulation's overhead. Wall time of one weight-streaming training step of a
// tiny GPT on 2 systems (MemoryX, SwarmX, input workers and 2 CS-X exchanging messages, all in this process)
// against the same step as `run CPU` takes it (the runtime's LayerExecutor over HostWeights on the whole
// batch, clipping, the schedule, AdamW), side by side in the same run on the same weights and batches.
//   models: configs/tiny/gpt2.yaml (GPT-2 BPE vocabulary 50257, hidden 64, 2 layers, 4 heads, 64 tokens,
//   global batch 8: the LM head dominates, about 2.5 s a step) and configs/tiny/llama.yaml (byte vocabulary
//   260, hidden 64, 2 layers: a step of milliseconds, where the messages' own cost shows most), each on its
//   shipped corpus. Median over the measured steps after warm-up, the two sides interleaved round by round so
//   machine noise hits both alike. The bar (at most 1.3) is on the tiny GPT. The last line is one JSON object.
import { fileURLToPath } from "node:url";
import { ClusterRun } from "../src/appliance/cluster-run.js";
import { openDataFor } from "../src/appliance/data.js";
import { compile } from "../src/compiler/index.js";
import { loadParams } from "../src/frontends/index.js";
import { CS2, makeCluster } from "../src/hw/index.js";
import { Optimizer, clipGradNorm, gemmBackend, learningRateAt } from "../src/numerics/index.js";
import { estimateStep, perfTimeModel } from "../src/perf/index.js";
import { HostWeights, LayerExecutor, numericsOptimizer } from "../src/runtime/index.js";
import { machine, median } from "./machine.js";

const ROUNDS = 2;
const SYSTEMS = 2;
const CONFIGS = [
  { file: "configs/tiny/gpt2.yaml", warmup: 1, steps: Number(process.env.BENCH_STEPS ?? 4) },
  { file: "configs/tiny/llama.yaml", warmup: 3, steps: 20 },
];

async function benchConfig(file: string, WARMUP: number, STEPS: number) {
  const loaded = loadParams(fileURLToPath(new URL(`../${file}`, import.meta.url)));
  const { model, run } = loaded;
  const cfg = run.train!;
  const oc = run.optimizer!;
  const seed = run.seed;
  const open = openDataFor(loaded);

  /** Steps as run CPU takes them: the whole batch through the executor, clip, schedule, optimizer. */
  async function cpuSteps(): Promise<number[]> {
    const w = new HostWeights(model, seed);
    const exec = new LayerExecutor(model, w);
    const opt = new Optimizer(numericsOptimizer(oc));
    const params = w.optimParams();
    const data = await open(cfg, {});
    const times: number[] = [];
    for (let s = 0; s < WARMUP + STEPS; s++) {
      const g = data.next()!;
      const t0 = performance.now();
      exec.run(data.read(g, 0, g.samples.length), { seed, step: s, training: true });
      if (oc.maxGradientNorm !== null) clipGradNorm(w.grads.values(), oc.maxGradientNorm);
      opt.step(params, w.grads, { lr: learningRateAt(oc.learningRate, s) });
      w.clearGrads();
      if (s >= WARMUP) times.push(performance.now() - t0);
    }
    return times;
  }

  /** The same steps through the appliance: weight streaming on SYSTEMS systems. */
  async function clusterSteps(): Promise<number[]> {
    const cluster = makeCluster(CS2, SYSTEMS);
    const artifact = compile(
      {
        model,
        run: {
          mode: "train",
          globalBatch: cfg.batchSize,
          executionStrategy: "weight_streaming",
          optimizer: oc.kind,
        },
        cluster,
      },
      { time: perfTimeModel() },
    ).artifact!;
    const data = await open(cfg, {});
    const cr = await ClusterRun.start({
      model,
      artifact,
      cluster,
      estimate: estimateStep(artifact, cluster),
      seed,
      optimizer: numericsOptimizer(oc),
      sources: { train: data },
      workersPerSystem: 1,
    });
    const times: number[] = [];
    for (let s = 0; s < WARMUP + STEPS; s++) {
      const g = data.next()!;
      const t0 = performance.now();
      await cr.trainStep(s, g, {
        lr: learningRateAt(oc.learningRate, s),
        maxGradNorm: oc.maxGradientNorm,
        lossScale: 1,
        checkFinite: false,
      });
      if (s >= WARMUP) times.push(performance.now() - t0);
    }
    return times;
  }

  const cpu: number[] = [];
  const cluster: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    cpu.push(...(await cpuSteps()));
    cluster.push(...(await clusterSteps()));
  }
  const cpuMs = median(cpu);
  const clusterMs = median(cluster);
  console.log(`${file}: ${model.name}, global batch ${cfg.batchSize}`);
  console.log(
    `  run CPU step (whole batch, one process):                    ${cpuMs.toFixed(1)} ms (median of ${cpu.length})`,
  );
  console.log(
    `  run CSX weight streaming on ${SYSTEMS} systems (roles, messages): ${clusterMs.toFixed(1)} ms (median of ${cluster.length})`,
  );
  console.log(`  overhead ratio: ${(clusterMs / cpuMs).toFixed(3)}`);
  return {
    config: file,
    model: model.name,
    run_cpu_step_ms: cpuMs,
    run_csx_step_ms: clusterMs,
    overhead_ratio: clusterMs / cpuMs,
    steps_per_side: cpu.length,
  };
}

const results = [];
for (const c of CONFIGS) results.push(await benchConfig(c.file, c.warmup, c.steps));
const gpt = results[0];
console.log(`tiny GPT overhead ratio ${gpt.overhead_ratio.toFixed(3)} (bar: at most 1.3)`);
console.log(
  JSON.stringify({
    bench: "appliance",
    systems: SYSTEMS,
    mode: "weight_streaming",
    results,
    tiny_gpt_overhead_ratio: gpt.overhead_ratio,
    bar: 1.3,
    gemm: gemmBackend().name,
    ...machine(),
  }),
);

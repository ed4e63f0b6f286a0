// npm run bench:appliance — the emulation's overhead: wall time of one weight-streaming training step of a
// tiny GPT on 2 systems (MemoryX, SwarmX, input workers, 2 CS-X, all in this process) against the same step
// on the host reference executor (numerics' runner: the whole batch, one process, no roles), side by side in
// the same run. Median over several steps after warm-up. The last line is one JSON object with the figures.
//   model: configs/tiny/gpt2.yaml (GPT-2 BPE vocabulary 50257, hidden 64, 2 layers, 4 heads, 64 tokens,
//   batch 8), on synthetic tokens; AdamW with clipping as in the config.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { ClusterRun } from "../src/appliance/cluster-run.js";
import { numericsOptimizer, learningRate } from "../src/appliance/run-settings.js";
import { syntheticData } from "../src/appliance/testing.js";
import { compile } from "../src/compiler/index.js";
import { loadParams } from "../src/frontends/index.js";
import { CS2, makeCluster } from "../src/hw/index.js";
import { Optimizer, gemmBackend, optimParams, paramsFromDecls, trainStep } from "../src/numerics/index.js";
import { estimateStep, perfTimeModel } from "../src/perf/index.js";

const WARMUP = 2;
const STEPS = Number(process.env.BENCH_STEPS ?? 4);
const SYSTEMS = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cpuModel(): string {
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync("lscpu", { encoding: "utf8" }));
    if (m) return m[1].trim();
  } catch {
    /* no lscpu */
  }
  return os.cpus()[0]?.model ?? "unknown";
}

const file = fileURLToPath(new URL("../configs/tiny/gpt2.yaml", import.meta.url));
const loaded = loadParams(file);
const { model, run } = loaded;
const cfg = run.train!;
const opt = run.optimizer!;
const seed = run.seed;

async function clusterSteps(): Promise<number[]> {
  const cluster = makeCluster(CS2, SYSTEMS);
  const artifact = compile(
    {
      model,
      run: {
        mode: "train",
        globalBatch: cfg.batchSize,
        executionStrategy: "weight_streaming",
        optimizer: "adamw",
      },
      cluster,
    },
    { time: perfTimeModel() },
  ).artifact!;
  const data = await syntheticData(cfg, {});
  const cr = await ClusterRun.start({
    model,
    artifact,
    cluster,
    estimate: estimateStep(artifact, cluster),
    seed,
    optimizer: numericsOptimizer(opt),
    source: data,
    workersPerSystem: 1,
  });
  const times: number[] = [];
  for (let s = 0; s < WARMUP + STEPS; s++) {
    const g = data.next()!;
    const t0 = performance.now();
    await cr.trainStep(s, g, { lr: learningRate(opt.learningRate, s), maxGradNorm: opt.maxGradientNorm });
    if (s >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

async function hostSteps(): Promise<number[]> {
  const layers = model.layers.map((l) => ({
    name: l.name,
    spec: l.spec,
    params: paramsFromDecls(l.params, seed, l.name),
  }));
  const o = new Optimizer(numericsOptimizer(opt));
  const params = optimParams(layers);
  const data = await syntheticData(cfg, {});
  const times: number[] = [];
  for (let s = 0; s < WARMUP + STEPS; s++) {
    const g = data.next()!;
    const t0 = performance.now();
    const b = data.read(g, 0, cfg.batchSize);
    trainStep(layers, [b], o, params, {
      seed,
      step: s,
      lr: learningRate(opt.learningRate, s),
      maxGradNorm: opt.maxGradientNorm ?? undefined,
    });
    if (s >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

const host: number[] = [];
const cluster: number[] = [];
// Alternate the two sides so machine noise hits both alike.
for (let round = 0; round < 2; round++) {
  host.push(...(await hostSteps()));
  cluster.push(...(await clusterSteps()));
}
const hostMs = median(host);
const clusterMs = median(cluster);
const out = {
  bench: "appliance",
  model: `${model.name} (configs/tiny/gpt2.yaml), batch ${cfg.batchSize}`,
  systems: SYSTEMS,
  mode: "weight_streaming",
  host_step_ms: hostMs,
  cluster_step_ms: clusterMs,
  overhead_ratio: clusterMs / hostMs,
  steps_per_side: host.length,
  gemm: gemmBackend().name,
  cpu: cpuModel(),
  cores: os.cpus().length,
  node: process.version,
};
console.log(
  `host reference step (whole batch, one process):     ${hostMs.toFixed(1)} ms (median of ${host.length})`,
);
console.log(
  `weight streaming on ${SYSTEMS} systems (roles, messages): ${clusterMs.toFixed(1)} ms (median of ${cluster.length})`,
);
console.log(`overhead ratio: ${(clusterMs / hostMs).toFixed(3)} (bar: <= 1.3)`);
console.log(JSON.stringify(out));

// npm run bench:runtime — the host run's throughput and the input pipeline's.
//   1. Training step time of the shipped tiny configs (configs/tiny/*.yaml, loaded with loadParams, data from
//      the shipped corpus) through the runtime's LayerExecutor (weight hook, one layer at a time) and the
//      optimizer, median over steps after warm-up; side by side, the numerics layer's reference runner
//      (trainStep) on the same model, weights and batches: ratio = executor / runner, the hook's overhead.
//      configs/tiny/gpt2.yaml (GPT-2 BPE, 50257 tokens) runs fewer steps: its LM head dominates.
//   2. The input pipeline: global batches per second read from the shipped corpus (GPT HDF5 rows, and BERT
//      samples with masking), for the tiny configs' batch of 8.
// The last line is one JSON object with every figure.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { BatchStream, openSource } from "../src/data/index.js";
import { loadParams } from "../src/frontends/index.js";
import { Optimizer, clipGradNorm, learningRateAt, trainStep } from "../src/numerics/index.js";
import type { Batch, ModelLayer } from "../src/numerics/index.js";
import { HostWeights, LayerExecutor, numericsOptimizer } from "../src/runtime/index.js";
import { machine as describeMachine, machineLine, median } from "./machine.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function batches(file: string, n: number) {
  const p = loadParams(`${ROOT}${file}`);
  const cfg = p.run.train!;
  const src = await openSource(cfg, p.model, { paramsDir: dirname(`${ROOT}${file}`), seed: p.run.seed });
  const stream = new BatchStream(src, { batchSize: cfg.batchSize, shuffle: true, seed: 1, repeat: true });
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(stream.read(stream.next()!));
  return { p, out };
}

async function benchConfig(file: string, steps: number, warmup: number) {
  const { p, out } = await batches(file, warmup + steps);
  const oc = p.run.optimizer!;
  const optCfg = numericsOptimizer(oc);
  // executor
  const w = new HostWeights(p.model, p.run.seed);
  const exec = new LayerExecutor(p.model, w);
  const opt = new Optimizer(optCfg);
  const params = w.optimParams();
  // reference runner on a copy of the same weights
  const layers: ModelLayer[] = p.model.layers.map((l) => ({
    name: l.name,
    spec: l.spec,
    params: new Map(l.params.map((q) => [q.name, w.params.get(q.fullName)!.clone()])),
  }));
  const refOpt = new Optimizer(optCfg);
  const refParams = layers.flatMap((l) =>
    p.model.layers[layers.indexOf(l)].params.map((q) => ({
      name: q.fullName,
      value: l.params.get(q.name)!,
      decay: q.decay,
    })),
  );
  const tExec: number[] = [];
  const tRef: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const lr = learningRateAt(oc.learningRate, s);
    let t = performance.now();
    exec.run(out[s], { seed: 1, step: s, training: true });
    if (oc.maxGradientNorm !== null) clipGradNorm(w.grads.values(), oc.maxGradientNorm);
    opt.step(params, w.grads, { lr });
    w.clearGrads();
    if (s >= warmup) tExec.push(performance.now() - t);
    t = performance.now();
    trainStep(layers, [out[s]], refOpt, refParams, {
      seed: 1,
      step: s,
      lr,
      maxGradNorm: oc.maxGradientNorm ?? undefined,
    });
    if (s >= warmup) tRef.push(performance.now() - t);
  }
  const e = median(tExec);
  const r = median(tRef);
  const samples = out[0].size;
  console.log(
    `${file}: ${p.model.name}, ${p.model.paramCount.toLocaleString("en-US")} parameters, batch ${samples} x ${p.model.seqLen}: ` +
      `executor ${e.toFixed(1)} ms/step (${((samples * 1000) / e).toFixed(1)} samples/s), reference runner ${r.toFixed(1)} ms/step, ratio ${(e / r).toFixed(3)}`,
  );
  return {
    exec_ms: +e.toFixed(2),
    runner_ms: +r.toFixed(2),
    ratio: +(e / r).toFixed(3),
    samples_per_sec: +((samples * 1000) / e).toFixed(1),
  };
}

async function benchData(file: string, n: number) {
  const p = loadParams(`${ROOT}${file}`);
  const cfg = p.run.train!;
  const src = await openSource(cfg, p.model, { paramsDir: dirname(`${ROOT}${file}`), seed: 1 });
  const stream = new BatchStream(src, { batchSize: cfg.batchSize, shuffle: true, seed: 1, repeat: true });
  const t = performance.now();
  for (let i = 0; i < n; i++) stream.read(stream.next()!);
  const perSec = (n * 1000) / (performance.now() - t);
  console.log(`${file} input: ${perSec.toFixed(0)} batches/s of ${cfg.batchSize} (${src.description})`);
  return +perSec.toFixed(0);
}

const machine = describeMachine();
console.log(machineLine(machine));
const steps = Number(process.env.BENCH_STEPS ?? 15);
const results: Record<string, unknown> = {};
for (const f of ["configs/tiny/llama.yaml", "configs/tiny/bert.yaml", "configs/tiny/mlp.yaml"]) {
  results[f] = await benchConfig(f, steps, 3);
}
results["configs/tiny/gpt2.yaml"] = await benchConfig(
  "configs/tiny/gpt2.yaml",
  Math.max(3, Math.floor(steps / 5)),
  1,
);
const data = {
  gpt_hdf5_batches_per_sec: await benchData("configs/tiny/llama.yaml", 2000),
  bert_batches_per_sec: await benchData("configs/tiny/bert.yaml", 500),
};
console.log(JSON.stringify({ ...machine, steps, train: results, input: data }));

// `wsc model --params FILE [--json]`: the model summary a user checks first. The family and how it was
// chosen, the layer table, the exact parameter count, FLOPs per sample, sequence length and batch sizes, and
// every config key that was ignored.
import type { Command } from "commander";
import { loadParams } from "../../frontends/index.js";
import type { LoadedParams } from "../../frontends/index.js";
import type { LayerIR, ModelIR } from "../../model/index.js";
import { attentionWidth, headSizeOf } from "../../numerics/index.js";
import { int, si } from "../../util/units.js";
import { modelFamilyOption, PARAMS_HELP, pathOption } from "../options.js";
import { table } from "../../util/table.js";

/**
 * What a model's attention is, in Model Zoo's terms: heads and key/value heads, positions (rotary with its
 * scaling, ALiBi), a sliding window, muP's score scale; and its mixture of experts. None for models without
 * attention blocks.
 */
function attentionRows(m: ModelIR): [string, string][] {
  const b = m.layers.find((l) => l.spec.kind === "transformer_block")?.spec;
  if (!b || b.kind !== "transformer_block") return [];
  const kv = b.kvHeads ?? b.heads;
  const parts = [
    kv === b.heads
      ? `${b.heads} heads`
      : kv === 1
        ? `${b.heads} query heads on 1 key/value head (multi-query)`
        : `${b.heads} query heads on ${kv} key/value heads (grouped-query)`,
  ];
  if (b.alibi) parts.push("ALiBi");
  else if (b.rotaryDim > 0)
    parts.push(
      `rotary on ${b.rotaryDim} of ${headSizeOf(b)} dims, base ${b.rotaryBase}` +
        (b.rotaryScaling ? `, ${b.rotaryScaling.type} scaling x${b.rotaryScaling.factor}` : ""),
    );
  if (b.headSize !== undefined) parts.push(`heads ${b.headSize} wide (attention ${attentionWidth(b)} wide)`);
  if (b.scoreScale !== undefined) parts.push(`scores x ${Number(b.scoreScale.toPrecision(4))}`);
  if (b.attentionSoftcap !== undefined) parts.push(`scores soft-capped at ${b.attentionSoftcap}`);
  const blocks = m.layers.flatMap((l) => (l.spec.kind === "transformer_block" ? [l.spec] : []));
  const windowed = blocks.filter((x) => x.slidingWindow !== undefined);
  if (windowed.length > 0)
    parts.push(
      `sliding window of ${int(windowed[0].slidingWindow!)} keys` +
        (windowed.length < blocks.length
          ? ` on ${windowed.length} of ${blocks.length} blocks (every other)`
          : ""),
    );
  const rows: [string, string][] = [["attention", parts.join("; ")]];
  const moe = b.moe;
  if (moe) {
    const e = [
      `${moe.experts} routed, top-${moe.topK}` +
        (moe.normalize
          ? ` (weights normalised${moe.nullExpertBias ? `, null-expert bias ${moe.nullExpertBias}` : ""})`
          : ""),
    ];
    if (moe.shared) e.push(`${moe.shared} shared`);
    e.push(
      moe.loadBalancingCoef > 0 ? `load-balancing loss x ${moe.loadBalancingCoef}` : "no load-balancing loss",
      `every expert of width ${int(b.ffn)}`,
    );
    rows.push(["experts", e.join("; ")]);
  }
  return rows;
}

/** Layers as rows, with runs of identical blocks folded into one row ("block.0..11 x12"). */
function layerRows(layers: readonly LayerIR[]): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < layers.length) {
    const l = layers[i];
    let j = i + 1;
    // blocks that differ only in their sliding window (Gemma 2 alternates) fold into one row too
    const shape = (x: LayerIR) => JSON.stringify({ ...x.spec, slidingWindow: undefined });
    const same = (m: LayerIR) => m.kind === l.kind && shape(m) === shape(l);
    while (j < layers.length && same(layers[j])) j++;
    const windows = new Set(layers.slice(i, j).map((x) => JSON.stringify(x.spec)));
    const n = j - i;
    const params = l.params.reduce((a, p) => a + p.numel, 0);
    const base = l.name.replace(/\.\d+$/, "");
    const name =
      n > 1 ? `${base}.${l.name.split(".").pop()}..${layers[j - 1].name.split(".").pop()}` : l.name;
    const tied =
      (l.tied.length ? ` (tied: ${l.tied.map((t) => `${t.local} = ${t.owner}`).join(", ")})` : "") +
      (windows.size > 1 ? " (windows differ)" : "");
    rows.push([
      name + tied,
      l.kind,
      n > 1 ? `x${n}` : "",
      int(params),
      n > 1 ? int(params * n) : int(params),
      si(l.flops.forward * n, "FLOP"),
    ]);
    i = j;
  }
  return rows;
}

/** The JSON `wsc model --json` prints. */
export function modelSummary(p: LoadedParams) {
  const m = p.model;
  const r = p.run;
  return {
    file: p.file,
    layout: p.layout,
    family: p.family.family,
    familySource: p.family.source,
    familyReason: p.family.reason,
    name: m.name,
    paramCount: m.paramCount,
    seqLen: m.seqLen,
    vocabSize: m.vocabSize,
    hidden: m.hidden,
    computeDtype: m.computeDtype,
    flopsPerSample: {
      ...m.flopsPerSample,
      training: m.flopsPerSample.forward + m.flopsPerSample.backward,
    },
    batch: { train: r.train?.batchSize ?? null, eval: r.eval?.batchSize ?? null },
    layers: m.layers.map((l) => ({
      index: l.index,
      name: l.name,
      kind: l.kind,
      params: l.params.reduce((a, q) => a + q.numel, 0),
      tied: l.tied,
      flops: l.flops,
    })),
    run: r,
    ignored: p.ignored,
    warnings: p.warnings,
  };
}

/** The text `wsc model` prints. */
export function modelReport(p: LoadedParams): string {
  const m = p.model;
  const r = p.run;
  const f = m.flopsPerSample;
  const out: string[] = [];
  out.push(`${p.file}: ${m.name}`);
  out.push(
    table(null, [
      [
        "family",
        `${p.family.family} (${p.family.source === "keys" ? "inferred: " : "from "}${p.family.reason})`,
      ],
      [
        "layout",
        p.layout === "old" ? "old (train_input/eval_input/model/optimizer/runconfig)" : "new (trainer/fit)",
      ],
      ["parameters", `${int(m.paramCount)} (${si(m.paramCount, "")})`],
      ["sequence length", m.family === "mlp" ? "1 (features per sample)" : `${int(m.seqLen)} tokens`],
      ...attentionRows(m),
      [
        "batch size",
        `train ${r.train ? int(r.train.batchSize) : "-"}, eval ${r.eval ? int(r.eval.batchSize) : "-"}`,
      ],
      [
        "FLOPs per sample",
        `${si(f.forward, "FLOP")} forward + ${si(f.backward, "FLOP")} backward = ${si(f.forward + f.backward, "FLOP")} ` +
          `(matrix products; plus ${si(f.elementwise, "op")} element-wise forward)`,
      ],
      ["number format", `${m.computeDtype} on the wafer (the host computes in fp32)`],
      [
        "optimizer",
        r.optimizer
          ? `${r.optimizer.kind}, ${r.optimizer.learningRate.segments.map((s) => s.kind).join(" -> ")}`
          : "none given",
      ],
      ["max_steps", r.maxSteps === null ? "-" : int(r.maxSteps)],
    ]),
  );
  out.push("");
  out.push(
    table(["layer", "kind", "", "params each", "params", "fwd FLOP/sample"], layerRows(m.layers), {
      right: [3, 4, 5],
    }),
  );
  if (p.ignored.length) {
    out.push("");
    out.push(
      `ignored keys (${p.ignored.length}): they tune the real hardware's compiler, runtime or logging`,
    );
    out.push(
      table(
        null,
        p.ignored.map((i) => [`  ${i.path}${i.line ? ` (line ${i.line})` : ""}`, i.reason]),
      ),
    );
  }
  if (p.warnings.length) {
    out.push("");
    out.push("warnings:");
    for (const w of p.warnings) out.push(`  ${w}`);
  }
  return out.join("\n");
}

export function registerModel(program: Command): void {
  program
    .command("model")
    .description(
      "summarise the model a Model Zoo params file describes: family, layers, exact parameter count, FLOPs",
    )
    .requiredOption("-p, --params <file>", PARAMS_HELP, pathOption("params file"))
    .addOption(modelFamilyOption())
    .option("--json", "print JSON")
    .action((o: { params: string; model?: string; json?: boolean }) => {
      const p = loadParams(o.params, { model: o.model });
      process.stdout.write(o.json ? `${JSON.stringify(modelSummary(p), null, 2)}\n` : `${modelReport(p)}\n`);
    });
}

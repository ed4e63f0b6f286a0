// Evaluation metrics, named and computed as Model Zoo's eval metrics are:
//   perplexity  from the heads' loss shares. A head's share is (masked sum of token cross-entropy) /
//               (global denominator) * loss weight, so the unscaled sum is share * denominator / weight;
//               perplexity is exp(sum over batches of unscaled sums / sum of the tokens that count), as
//               Model Zoo's PerplexityMetric;
//   accuracy    top-1 hits over the rows whose loss counts, summed over batches, over the rows counted, as its
//               AccuracyMetric (GPT's eval/accuracy, BERT's eval/accuracy_masked_lm and eval/accuracy_cls,
//               the fc_mnist classifier's eval/accuracy).
import type { ModelIR } from "../model/index.js";
import type { Batch, LayerKind } from "../numerics/index.js";

import type { HeadAccuracy } from "./executor.js";

const PERPLEXITY_NAME: Partial<Record<LayerKind, string>> = {
  lm_head: "eval/lm_perplexity",
  mlm_head: "eval/mlm_perplexity",
};

const ACCURACY_NAME: Partial<Record<LayerKind, string>> = {
  lm_head: "eval/accuracy",
  mlm_head: "eval/accuracy_masked_lm",
  nsp_head: "eval/accuracy_cls",
  classifier_head: "eval/accuracy",
};

/** The batch figures a metric divides by: a host Batch, or a global batch's denominators. */
export type MetricDenominators = Pick<Batch, "globalBatchSize" | "globalLossTokens">;

export class EvalMetrics {
  private lossSum = 0;
  private batches = 0;
  private readonly ce = new Map<string, { sum: number; tokens: number }>();
  private readonly hits = new Map<string, { correct: number; counted: number }>();

  constructor(private readonly model: ModelIR) {}

  add(
    batch: MetricDenominators,
    loss: number,
    headLosses: ReadonlyMap<string, number>,
    headAccuracy: ReadonlyMap<string, HeadAccuracy> = new Map(),
  ): void {
    this.lossSum += loss;
    this.batches++;
    for (const l of this.model.layers) {
      const name = PERPLEXITY_NAME[l.spec.kind];
      const share = headLosses.get(l.name);
      if (name && share !== undefined && (l.spec.kind === "lm_head" || l.spec.kind === "mlm_head")) {
        const denom = l.spec.lossScaling === "num_tokens" ? batch.globalLossTokens : batch.globalBatchSize;
        const weight = l.spec.lossWeight || 1;
        const m = this.ce.get(name) ?? { sum: 0, tokens: 0 };
        m.sum += (share * denom) / weight;
        m.tokens += batch.globalLossTokens;
        this.ce.set(name, m);
      }
      const accName = ACCURACY_NAME[l.spec.kind];
      const acc = headAccuracy.get(l.name);
      if (accName && acc) {
        const m = this.hits.get(accName) ?? { correct: 0, counted: 0 };
        m.correct += acc.correct;
        m.counted += acc.counted;
        this.hits.set(accName, m);
      }
    }
  }

  get avgLoss(): number {
    return this.lossSum / Math.max(1, this.batches);
  }

  get count(): number {
    return this.batches;
  }

  /** Named metrics, e.g. { "eval/lm_perplexity": 12.3, "eval/accuracy": 0.41 }. */
  results(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, m] of this.ce) if (m.tokens > 0) out[name] = Math.exp(m.sum / m.tokens);
    for (const [name, m] of this.hits) if (m.counted > 0) out[name] = m.correct / m.counted;
    return out;
  }
}

// Evaluation metrics from the heads' loss shares. A head's share is (masked sum of token cross-entropy) /
// (global denominator) * loss weight, so the unscaled sum is share * denominator / weight; perplexity is
// exp(sum over batches of unscaled sums / sum of the tokens that count), as Model Zoo's PerplexityMetric.
import type { ModelIR } from "../model/index.js";
import type { Batch } from "../numerics/index.js";

const METRIC_NAME: Readonly<Record<string, string>> = {
  lm_head: "eval/lm_perplexity",
  mlm_head: "eval/mlm_perplexity",
};

export class EvalMetrics {
  private lossSum = 0;
  private batches = 0;
  private readonly ce = new Map<string, { sum: number; tokens: number }>();

  constructor(private readonly model: ModelIR) {}

  add(batch: Batch, loss: number, headLosses: ReadonlyMap<string, number>): void {
    this.lossSum += loss;
    this.batches++;
    for (const l of this.model.layers) {
      const share = headLosses.get(l.name);
      if (share === undefined || (l.spec.kind !== "lm_head" && l.spec.kind !== "mlm_head")) continue;
      const denom = l.spec.lossScaling === "num_tokens" ? batch.globalLossTokens : batch.globalBatchSize;
      const weight = l.spec.lossWeight || 1;
      const m = this.ce.get(l.spec.kind) ?? { sum: 0, tokens: 0 };
      m.sum += (share * denom) / weight;
      m.tokens += batch.globalLossTokens;
      this.ce.set(l.spec.kind, m);
    }
  }

  get avgLoss(): number {
    return this.lossSum / Math.max(1, this.batches);
  }

  get count(): number {
    return this.batches;
  }

  /** Named metrics, e.g. { "eval/lm_perplexity": 12.3 }. */
  results(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [kind, m] of this.ce) if (m.tokens > 0) out[METRIC_NAME[kind]] = Math.exp(m.sum / m.tokens);
    return out;
  }
}

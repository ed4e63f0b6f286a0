// Evaluation metrics, named and computed as Model Zoo's eval metrics are:
//   perplexity  from the heads' loss shares. A head's share is (masked sum of token cross-entropy) /
//               (global denominator) * loss weight, so the unscaled sum is share * denominator / weight;
//               perplexity is exp(sum over batches of unscaled sums / sum of the tokens that count), as
//               Model Zoo's PerplexityMetric;
//   accuracy    top-1 hits over the rows whose loss counts, summed over batches, over the rows counted, as its
//               AccuracyMetric (GPT's eval/accuracy, BERT's eval/accuracy_masked_lm and eval/accuracy_cls,
//               the fc_mnist classifier's eval/accuracy, the BERT classifier's eval/accuracy and MNLI's
//               eval/accuracy_matched and eval/accuracy_mismatched);
//   F1          from the confusion counts summed over batches, as Model Zoo's FBetaScoreMetric (beta 1): the
//               BERT classifier's eval/f1_score with 2 labels (micro average: the labels' true positives,
//               false positives and false negatives summed first) and the token classifier's (macro
//               average over the labels that are not ignored, each label's F1 0 where it has no positives).
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

/**
 * F1 from a C x C confusion matrix ([label * C + prediction]) over the labels not in `ignore`: "micro" sums
 * the counts over those labels first, "macro" averages their F1s.
 */
export function f1Score(
  confusion: readonly number[],
  C: number,
  average: "micro" | "macro",
  ignore: readonly number[] = [],
): number {
  const labels = Array.from({ length: C }, (_, c) => c).filter((c) => !ignore.includes(c));
  const tp = (c: number) => confusion[c * C + c];
  const fp = (c: number) => colSum(c) - tp(c);
  const colSum = (c: number) => {
    let s = 0;
    for (let l = 0; l < C; l++) s += confusion[l * C + c];
    return s;
  };
  const rowSum = (c: number) => {
    let s = 0;
    for (let p = 0; p < C; p++) s += confusion[c * C + p];
    return s;
  };
  const fn = (c: number) => rowSum(c) - tp(c);
  const f1 = (t: number, p: number, n: number) => (t === 0 ? 0 : (2 * t) / (2 * t + p + n));
  if (average === "micro") {
    let t = 0,
      p = 0,
      n = 0;
    for (const c of labels) {
      t += tp(c);
      p += fp(c);
      n += fn(c);
    }
    return f1(t, p, n);
  }
  return labels.reduce((a, c) => a + f1(tp(c), fp(c), fn(c)), 0) / Math.max(1, labels.length);
}

/** The batch figures a metric divides by: a host Batch, or a global batch's denominators. */
export type MetricDenominators = Pick<Batch, "globalBatchSize" | "globalLossTokens">;

export class EvalMetrics {
  private lossSum = 0;
  private batches = 0;
  private readonly ce = new Map<string, { sum: number; tokens: number }>();
  private readonly hits = new Map<string, { correct: number; counted: number }>();
  private readonly confusion = new Map<string, { counts: number[]; C: number; average: "micro" | "macro" }>();

  constructor(
    private readonly model: ModelIR,
    private readonly ignoreLabels: readonly number[] = [],
  ) {}

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
      const acc = headAccuracy.get(l.name);
      if (l.spec.kind === "task_head" && acc) this.addTask(l.spec.task, l.spec.classes, acc);
      const accName = ACCURACY_NAME[l.spec.kind];
      if (accName && acc) {
        const m = this.hits.get(accName) ?? { correct: 0, counted: 0 };
        m.correct += acc.correct;
        m.counted += acc.counted;
        this.hits.set(accName, m);
      }
    }
  }

  /**
   * The fine-tuning heads' metrics as Model Zoo's models name them: the classifier's eval/accuracy (with
   * eval/f1_score for 2 labels, and MNLI's per-set accuracies), the token classifier's eval/f1_score. The
   * summarization and question-answering models report their loss only (Model Zoo scores ROUGE and SQuAD's
   * exact match outside training).
   */
  private addTask(task: string, C: number, acc: HeadAccuracy): void {
    const hit = (name: string, correct: number, counted: number) => {
      const m = this.hits.get(name) ?? { correct: 0, counted: 0 };
      m.correct += correct;
      m.counted += counted;
      this.hits.set(name, m);
    };
    const conf = (average: "micro" | "macro") => {
      if (!acc.confusion) return;
      const m = this.confusion.get("eval/f1_score") ?? {
        counts: new Array<number>(C * C).fill(0),
        C,
        average,
      };
      acc.confusion.forEach((v, i) => (m.counts[i] += v));
      this.confusion.set("eval/f1_score", m);
    };
    if (task === "sequence") {
      hit("eval/accuracy", acc.correct, acc.counted);
      if (acc.groups) {
        hit("eval/accuracy_mismatched", acc.groups[0], acc.groups[1]);
        hit("eval/accuracy_matched", acc.groups[2], acc.groups[3]);
      }
      if (C === 2) conf("micro");
    } else if (task === "token") conf("macro");
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
    for (const [name, m] of this.confusion)
      out[name] = f1Score(m.counts, m.C, m.average, m.average === "macro" ? this.ignoreLabels : []);
    return out;
  }
}

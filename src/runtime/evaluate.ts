// One evaluation, as every run does it (`run CPU` on the host, `run CSX` through the appliance), so the two print
// and record the same things: an `| Eval Device=.., Step=..` line every `log_steps` steps and at the last step,
// `Avg Eval Loss`, `Evaluation metrics:` with each metric, `Evaluation completed successfully!`,
// `Processed N sample(s) in S seconds.` when the run only evaluates, and the loss and every metric as
// TensorBoard scalars in model_dir/eval at the training step the weights are at.
// Rates and seconds are the caller's clock: this machine's wall time for `run CPU`, the modeled CS-X device
// time for `run CSX`.
import type { DataConfig } from "../frontends/index.js";
import type { ModelIR } from "../model/index.js";
import type { EventFileWriter } from "../util/tfevents.js";
import type { HeadAccuracy } from "./executor.js";
import { evalLogLine, evalSummaryLines } from "./log-lines.js";
import { EvalMetrics } from "./metrics.js";
import type { MetricDenominators } from "./metrics.js";

/** What one evaluation step gives: the global batch's loss and its heads', and its denominators. */
export interface EvalStep {
  readonly loss: number;
  readonly headLosses: ReadonlyMap<string, number>;
  readonly headAccuracy: ReadonlyMap<string, HeadAccuracy>;
  readonly samples: number;
  readonly denominators: MetricDenominators;
}

export interface EvaluationOptions {
  readonly device: string;
  readonly model: ModelIR;
  readonly cfg: DataConfig;
  /** Labels the F1 metrics leave out (the data source's evalIgnoreLabels). */
  readonly ignoreLabels?: readonly number[];
  readonly logSteps: number;
  /** At most this many steps (runconfig.eval_steps / --eval_steps); null: until the data ends. */
  readonly evalSteps: number | null;
  /** The training step the weights are at: the TensorBoard step of the scalars. */
  readonly globalStep: number;
  /** model_dir/eval's event file. */
  readonly tb: EventFileWriter;
  /** Whether the run only evaluates (then the `Processed` line closes it). */
  readonly only: boolean;
  info(message: string): void;
  /** Run evaluation step k (0-based), or null when the data has no more batches. */
  step(k: number): Promise<EvalStep | null> | EvalStep | null;
  /** Seconds on the caller's clock since the evaluation began. */
  seconds(): number;
  /** After each step: a reason to stop (a cancel request), or null. */
  boundary?(): Promise<string | null>;
}

export interface EvaluationResult {
  readonly avgLoss: number;
  readonly metrics: Record<string, number>;
  readonly steps: number;
  readonly samples: number;
  readonly seconds: number;
  /** Why it stopped early, or null. */
  readonly stopped: string | null;
}

export async function evaluate(o: EvaluationOptions): Promise<EvaluationResult> {
  const metrics = new EvalMetrics(o.model, o.ignoreLabels);
  const limit = o.evalSteps ?? Infinity;
  let samples = 0;
  let k = 0;
  let last: { step: number; loss: number } | null = null;
  let logged = { step: 0, samples: 0, seconds: 0 };
  let stopped: string | null = null;
  const line = (step: number, loss: number) => {
    const secs = o.seconds();
    const rate = (samples - logged.samples) / Math.max(1e-12, secs - logged.seconds);
    o.info(evalLogLine(o.device, step, loss, rate, samples / Math.max(1e-12, secs)));
    logged = { step, samples, seconds: secs };
  };
  for (; k < limit; k++) {
    const r = await o.step(k);
    if (!r) break;
    metrics.add(r.denominators, r.loss, r.headLosses, r.headAccuracy);
    samples += r.samples;
    last = { step: k + 1, loss: r.loss };
    if ((k + 1) % o.logSteps === 0 || k + 1 === limit) line(k + 1, r.loss);
    const stop = o.boundary ? await o.boundary() : null;
    if (stop) {
      stopped = stop;
      k++;
      break;
    }
  }
  if (last && logged.step !== last.step) line(last.step, last.loss);
  for (const l of evalSummaryLines(metrics, o.cfg)) o.info(l);
  const results = metrics.results();
  o.tb.scalars(o.globalStep, { loss: metrics.avgLoss, ...results });
  const seconds = o.seconds();
  if (!stopped) o.info("Evaluation completed successfully!");
  if (o.only) o.info(`Processed ${samples} sample(s) in ${seconds.toFixed(9)} seconds.`);
  return { avgLoss: metrics.avgLoss, metrics: results, steps: k, samples, seconds, stopped };
}

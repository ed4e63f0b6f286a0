// The Model Zoo log lines every run prints, whichever device runs it (`run CPU` on the host, `run CSX` through
// the appliance), so both read alike and compare line by line:
//   | Train Device=CPU, Step=20, Loss=6.12345, Rate=52.1 samples/sec, GlobalRate=50.3 samples/sec
//   | Eval Device=CPU, Step=4, Loss=5.98765, Rate=80.2 samples/sec, GlobalRate=80.2 samples/sec
//   Avg Eval Loss: 5.98765 / Evaluation metrics: / "  - eval/lm_perplexity = 398.5"
// Numbers have 6 significant digits with trailing zeros dropped.
import type { DataConfig } from "../frontends/index.js";
import { RuntimeError } from "./errors.js";
import type { EvalMetrics } from "./metrics.js";

/** A number as the log lines print it: 6 significant digits, trailing zeros dropped; NaN and ±Infinity as is. */
export function logNumber(x: number): string {
  return Number.isFinite(x)
    ? x
        .toPrecision(6)
        .replace(/(\.\d*?)0+$/, "$1")
        .replace(/\.$/, "")
    : String(x);
}

/** The training log line of a step: its loss, the rate since the last line and the rate since the start. */
export function trainLogLine(
  device: string,
  step: number,
  loss: number,
  rate: number,
  globalRate: number,
): string {
  return (
    `| Train Device=${device}, Step=${step}, Loss=${logNumber(loss)}, Rate=${logNumber(rate)} samples/sec, ` +
    `GlobalRate=${logNumber(globalRate)} samples/sec`
  );
}

/** The log line of an evaluation step: its loss, the rate since the last line and since the evaluation began. */
export function evalLogLine(
  device: string,
  step: number,
  loss: number,
  rate: number,
  globalRate: number,
): string {
  return (
    `| Eval Device=${device}, Step=${step}, Loss=${logNumber(loss)}, Rate=${logNumber(rate)} samples/sec, ` +
    `GlobalRate=${logNumber(globalRate)} samples/sec`
  );
}

/**
 * The lines that close an evaluation (average loss, then each metric), or an error naming the section when
 * the evaluation data gave no batch at all.
 */
export function evalSummaryLines(metrics: EvalMetrics, cfg: DataConfig): string[] {
  if (metrics.count === 0)
    throw new RuntimeError(`${cfg.section}: the evaluation data gave no batch of ${cfg.batchSize}`, 2);
  return [
    `Avg Eval Loss: ${logNumber(metrics.avgLoss)}`,
    "Evaluation metrics:",
    ...Object.entries(metrics.results()).map(([k, v]) => `  - ${k} = ${logNumber(v)}`),
  ];
}

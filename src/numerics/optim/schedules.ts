// Learning-rate schedules as Model Zoo writes them (optimizer.learning_rate: a number, or a list of
// {scheduler, initial_learning_rate, end_learning_rate, steps}), with the semantics of Model Zoo's
// schedulers (cerebras.pytorch.optim.lr_scheduler):
//   Constant:    lr = learning_rate
//   Linear:      lr = end + (initial - end) * (1 - min(s, steps) / steps)
//   CosineDecay: lr = end + (initial - end) * 0.5 * (1 + cos(pi * min(s, steps) / steps))
//   Sequential:  each piece runs for its `steps`, counted from where it starts (SequentialLR milestones are
//                the running sums of the pieces' steps); the last piece continues past its steps (clamped).
// `s` is the 0-based optimizer step: the lr at step 0 is the one the first update uses. Warm-up is a Linear
// piece from 0 (or any value) up to the peak.
import { NumericsValueError } from "../errors.js";

export type ScheduleSpec =
  | { readonly scheduler: "Constant"; readonly learningRate: number; readonly steps?: number }
  | {
      readonly scheduler: "Linear" | "CosineDecay";
      readonly initialLearningRate: number;
      readonly endLearningRate: number;
      readonly steps: number;
    };

export type LearningRate = number | readonly ScheduleSpec[];

function piece(s: ScheduleSpec, step: number): number {
  if (s.scheduler === "Constant") return s.learningRate;
  const frac = Math.min(step, s.steps) / s.steps;
  const diff = s.initialLearningRate - s.endLearningRate;
  if (s.scheduler === "Linear") return s.endLearningRate + diff * (1 - frac);
  return s.endLearningRate + diff * 0.5 * (1 + Math.cos(Math.PI * frac));
}

/** Checks a schedule; errors name the piece, the key, the value and the rule. */
export function validateSchedule(lr: LearningRate): void {
  if (typeof lr === "number") {
    if (!(lr >= 0) || !Number.isFinite(lr))
      throw new NumericsValueError(`learning_rate ${lr} must be a finite number >= 0`);
    return;
  }
  if (lr.length === 0)
    throw new NumericsValueError("learning_rate: an empty list of schedulers; give at least one");
  lr.forEach((s, i) => {
    const where = `learning_rate[${i}] (${s.scheduler})`;
    const steps = s.steps;
    const last = i === lr.length - 1;
    if (steps === undefined) {
      if (!last) throw new NumericsValueError(`${where}: steps is required for every scheduler but the last`);
    } else if (!Number.isInteger(steps) || steps <= 0) {
      throw new NumericsValueError(`${where}: steps ${steps} must be a whole number > 0`);
    }
    const vals = s.scheduler === "Constant" ? [s.learningRate] : [s.initialLearningRate, s.endLearningRate];
    if (vals.some((v) => !(v >= 0) || !Number.isFinite(v))) {
      throw new NumericsValueError(`${where}: learning rates ${vals.join(", ")} must be finite numbers >= 0`);
    }
  });
}

/** The learning rate at 0-based optimizer step `step`. */
export function learningRateAt(lr: LearningRate, step: number): number {
  if (typeof lr === "number") return lr;
  let start = 0;
  for (let i = 0; i < lr.length; i++) {
    const s = lr[i];
    const len = s.steps ?? Infinity;
    if (step < start + len || i === lr.length - 1) return piece(s, step - start);
    start += len;
  }
  return piece(lr[lr.length - 1], step - start);
}

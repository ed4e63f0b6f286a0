// Learning-rate schedules with the semantics of Model Zoo's schedulers (cerebras.pytorch.optim.lr_scheduler).
// The learning rate is a number (constant) or a schedule: segments that follow each other, each
//   constant:    lr = initial
//   linear:      lr = end + (initial - end) (1 - s / steps)
//   polynomial:  lr = end + (initial - end) (1 - s / steps)^power
//   cosine:      lr = end + (initial - end) (1 + cos(pi s / steps)) / 2          (Model Zoo's CosineDecay)
//   exponential: lr = initial * decayRate^(s / decaySteps)   (floor of the exponent when staircase)
// with s clamped to the segment's length; the last segment runs on past its length (holding its end value).
// Each segment counts s from its own start (Model Zoo's default; SequentialLR milestones are the running sums
// of the segments' steps); with resetSteps false, s is the global step (disable_lr_steps_reset: true).
// `step` is the 0-based optimizer step: the rate the (step+1)-th update uses. Warm-up is a linear segment from
// 0 (or any value) up to the peak. The params-file readers (src/frontends) build these; runs read them here.
import { NumericsValueError } from "../errors.js";

export type ScheduleKind = "constant" | "linear" | "polynomial" | "cosine" | "exponential";

/** One segment of a learning-rate schedule; `steps` null means "until the end of training". */
export interface ScheduleSegment {
  readonly kind: ScheduleKind;
  readonly initial: number;
  readonly end: number;
  readonly steps: number | null;
  /** Exponential: factor per `decaySteps`; polynomial: power. */
  readonly decayRate: number;
  readonly decaySteps: number;
  readonly staircase: boolean;
  readonly power: number;
}

export interface LrSchedule {
  readonly segments: readonly ScheduleSegment[];
  /** Each segment sees its own step count from 0 (Model Zoo's default); false: segments see the global step. */
  readonly resetSteps: boolean;
}

/** A learning rate as a params file gives it: a constant, or a schedule. */
export type LearningRate = number | LrSchedule;

/** The Model Zoo scheduler name of each kind, for messages. */
const SCHEDULER_NAME: Readonly<Record<ScheduleKind, string>> = {
  constant: "Constant",
  linear: "Linear",
  polynomial: "Polynomial",
  cosine: "CosineDecay",
  exponential: "Exponential",
};

/** A segment with the neutral values of the fields its kind does not use (no decay, power 1, no length). */
export function scheduleSegment(
  s: Partial<ScheduleSegment> & Pick<ScheduleSegment, "kind" | "initial">,
): ScheduleSegment {
  return {
    end: s.initial,
    steps: null,
    decayRate: 1,
    decaySteps: s.steps ?? 1,
    staircase: false,
    power: 1,
    ...s,
  };
}

/** A schedule of one constant segment. */
export function constantSchedule(lr: number): LrSchedule {
  return { segments: [scheduleSegment({ kind: "constant", initial: lr })], resetSteps: true };
}

function segmentRate(g: ScheduleSegment, s: number): number {
  const len = g.steps ?? Infinity;
  const t = Math.min(s, len);
  const frac = Number.isFinite(len) ? t / len : 0;
  switch (g.kind) {
    case "constant":
      return g.initial;
    case "linear":
      return g.end + (g.initial - g.end) * (1 - frac);
    case "polynomial":
      return g.end + (g.initial - g.end) * Math.pow(1 - frac, g.power);
    case "cosine":
      return g.end + ((g.initial - g.end) * (1 + Math.cos(Math.PI * frac))) / 2;
    case "exponential": {
      const e = t / g.decaySteps;
      return g.initial * Math.pow(g.decayRate, g.staircase ? Math.floor(e) : e);
    }
  }
}

/** The learning rate at 0-based optimizer step `step`. */
export function learningRateAt(lr: LearningRate, step: number): number {
  if (typeof lr === "number") return lr;
  let start = 0;
  const segs = lr.segments;
  for (let i = 0; i < segs.length; i++) {
    const g = segs[i];
    const len = g.steps ?? Infinity;
    if (step < start + len || i === segs.length - 1) {
      return segmentRate(g, lr.resetSteps ? step - start : step);
    }
    start += len;
  }
  return segmentRate(segs[segs.length - 1], step - start);
}

const finiteNonNegative = (v: number) => v >= 0 && Number.isFinite(v);

/** Checks a learning rate; errors name the segment (as learning_rate[i]), the key, the value and the rule. */
export function validateSchedule(lr: LearningRate): void {
  if (typeof lr === "number") {
    if (!finiteNonNegative(lr))
      throw new NumericsValueError(`learning_rate ${lr} must be a finite number >= 0`);
    return;
  }
  const segs = lr.segments;
  if (segs.length === 0)
    throw new NumericsValueError("learning_rate: an empty list of schedulers; give at least one");
  segs.forEach((s, i) => {
    const where = `learning_rate[${i}] (${SCHEDULER_NAME[s.kind]})`;
    if (s.steps === null) {
      if (i < segs.length - 1)
        throw new NumericsValueError(`${where}: steps is required for every scheduler but the last`);
    } else if (!Number.isInteger(s.steps) || s.steps <= 0) {
      throw new NumericsValueError(`${where}: steps ${s.steps} must be a whole number > 0`);
    }
    if (!finiteNonNegative(s.initial) || !finiteNonNegative(s.end)) {
      throw new NumericsValueError(
        `${where}: learning rates ${s.initial}, ${s.end} must be finite numbers >= 0`,
      );
    }
    if (s.kind === "exponential" && !(s.decaySteps > 0 && finiteNonNegative(s.decayRate))) {
      throw new NumericsValueError(
        `${where}: decay_steps ${s.decaySteps} must be > 0 and decay_rate ${s.decayRate} a finite number >= 0`,
      );
    }
  });
}

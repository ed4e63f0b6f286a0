// The learning rate at an optimizer step, from a params file's schedule (see frontends RunConfig):
//   constant:    initial
//   linear:      end + (initial - end) (1 - s / steps)
//   polynomial:  end + (initial - end) (1 - s / steps)^power
//   cosine:      end + (initial - end) (1 + cos(pi s / steps)) / 2
//   exponential: initial * decayRate^(s / decaySteps)   (floor of the exponent when staircase)
// with s clamped to the segment's length. Segments follow each other; the last one runs on past its length.
// Each segment counts s from its own start (Model Zoo's default); with resetSteps false, s is the global step
// (Model Zoo's disable_lr_steps_reset: true). `step` is 0-based: the rate the (step+1)-th update uses.
import type { LrSchedule, ScheduleSegment } from "../frontends/index.js";

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

export function learningRate(schedule: LrSchedule, step: number): number {
  let start = 0;
  const segs = schedule.segments;
  for (let i = 0; i < segs.length; i++) {
    const g = segs[i];
    const len = g.steps ?? Infinity;
    if (step < start + len || i === segs.length - 1) {
      return segmentRate(g, schedule.resetSteps ? step - start : step);
    }
    start += len;
  }
  return segmentRate(segs[segs.length - 1], step - start);
}

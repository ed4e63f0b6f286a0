// Optimizers over named parameters, with state that can be saved and restored (a checkpoint holds it).
// Update rules as PyTorch writes them (torch.optim, Model Zoo's AdamW with correct_bias):
//   SGD:   g += wd p;  b = momentum b + g (b = g at the first step);  p -= lr (nesterov ? g + momentum b : b)
//   Adam:  g += wd p (L2, coupled);  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//          p -= lr * mhat / (sqrt(vhat) + eps), mhat = m / (1 - b1^t), vhat = v / (1 - b2^t) (bias correction)
//   AdamW: p -= lr wd p (decoupled, before the Adam step), then the Adam step without the L2 term
// Weight decay applies only to parameters declared with decay (matrices and embeddings, not biases and norm
// gains). Gradients may arrive multiplied by a loss scale: `gradScale` undoes it before anything else, and
// clipping by global norm (clip.ts) happens on the unscaled gradients.
import { NumericsValueError, ShapeError } from "../errors.js";
import { nativeKernels } from "../gemm.js";
import type { Tensor } from "../tensor.js";

/** A parameter the optimizer updates, by its full name. */
export interface OptimParam {
  readonly name: string;
  readonly value: Tensor;
  readonly decay: boolean;
  /** Multiplies the learning rate for this parameter, weight decay included (a parameter group's lr); 1. */
  readonly lrScale?: number;
}

export type OptimizerKind = "SGD" | "Adam" | "AdamW";

export interface OptimizerConfig {
  readonly kind: OptimizerKind;
  /** L2 (SGD, Adam) or decoupled (AdamW) weight decay. Model Zoo: weight_decay_rate / weight_decay. */
  readonly weightDecay?: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Adam/AdamW bias correction (Model Zoo correct_bias, default true). */
  readonly correctBias?: boolean;
}

/** Serializable optimizer state: the step count and named buffers (e.g. "exp_avg/<param>"). */
export interface OptimizerState {
  readonly kind: OptimizerKind;
  readonly step: number;
  readonly buffers: Readonly<Record<string, Float32Array>>;
}

export interface StepOptions {
  readonly lr: number;
  /** Multiplies every gradient first (1 / loss scale); default 1. */
  readonly gradScale?: number;
}

export class Optimizer {
  readonly config: Required<OptimizerConfig>;
  private stepCount = 0;
  private readonly buffers = new Map<string, Float32Array>();

  constructor(config: OptimizerConfig) {
    const c: Required<OptimizerConfig> = {
      kind: config.kind,
      weightDecay: config.weightDecay ?? 0,
      momentum: config.momentum ?? 0,
      nesterov: config.nesterov ?? false,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      eps: config.eps ?? 1e-8,
      correctBias: config.correctBias ?? true,
    };
    if (!["SGD", "Adam", "AdamW"].includes(c.kind)) {
      throw new NumericsValueError(`optimizer "${c.kind}" is not supported; use SGD, Adam or AdamW`);
    }
    const check = (key: string, v: number, lo: number, hi: number, hiOpen = true) => {
      if (!(v >= lo && (hiOpen ? v < hi : v <= hi))) {
        throw new NumericsValueError(`optimizer ${key} ${v} must be in [${lo}, ${hi}${hiOpen ? ")" : "]"}`);
      }
    };
    check("weight_decay", c.weightDecay, 0, Infinity);
    check("momentum", c.momentum, 0, 1);
    check("beta1", c.beta1, 0, 1);
    check("beta2", c.beta2, 0, 1);
    check("eps", c.eps, 0, Infinity);
    this.config = c;
  }

  /** Optimizer steps taken so far. */
  get steps(): number {
    return this.stepCount;
  }

  private buffer(key: string, n: number): Float32Array {
    let b = this.buffers.get(key);
    if (!b) {
      b = new Float32Array(n);
      this.buffers.set(key, b);
    }
    return b;
  }

  /** One update of every parameter that has a gradient (parameters without one are left as they are). */
  step(params: readonly OptimParam[], grads: ReadonlyMap<string, Tensor>, o: StepOptions): void {
    const c = this.config;
    const gs = o.gradScale ?? 1;
    this.stepCount++;
    const t = this.stepCount;
    const bc1 = c.correctBias ? 1 - Math.pow(c.beta1, t) : 1;
    const bc2 = c.correctBias ? 1 - Math.pow(c.beta2, t) : 1;
    for (const p of params) {
      const g = grads.get(p.name);
      if (!g) continue;
      const w = p.value.data;
      const gd = g.data;
      if (gd.length !== w.length) {
        throw new ShapeError(
          `optimizer: gradient of "${p.name}" has ${gd.length} elements, the parameter ${w.length}`,
        );
      }
      const wd = p.decay ? c.weightDecay : 0;
      const lr = o.lr * (p.lrScale ?? 1);
      const n = w.length;
      if (c.kind === "SGD") {
        const mom = c.momentum;
        const buf = mom > 0 ? this.buffer(`momentum_buffer/${p.name}`, n) : null;
        for (let i = 0; i < n; i++) {
          let gi = gd[i] * gs + wd * w[i];
          if (buf) {
            buf[i] = t === 1 ? gi : mom * buf[i] + gi;
            gi = c.nesterov ? gi + mom * buf[i] : buf[i];
          }
          w[i] -= lr * gi;
        }
        continue;
      }
      const m = this.buffer(`exp_avg/${p.name}`, n);
      const v = this.buffer(`exp_avg_sq/${p.name}`, n);
      const b1 = c.beta1,
        b2 = c.beta2,
        eps = c.eps;
      const decoupled = c.kind === "AdamW";
      const shrink = decoupled ? 1 - lr * wd : 1;
      const l2 = decoupled ? 0 : wd;
      const stepSize = lr / bc1;
      const sqrtBc2 = Math.sqrt(bc2);
      const nk = nativeKernels();
      if (nk) {
        nk.adamStep(w, gd, m, v, gs, l2, shrink, b1, b2, eps, stepSize, sqrtBc2);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const wi = w[i] * shrink;
        const gi = gd[i] * gs + l2 * w[i];
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
        w[i] = wi - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
  }

  /** A copy of the state, for a checkpoint. */
  state(): OptimizerState {
    const buffers: Record<string, Float32Array> = {};
    for (const [k, b] of this.buffers) buffers[k] = b.slice();
    return { kind: this.config.kind, step: this.stepCount, buffers };
  }

  /** Restores a state saved by `state()` (copied in). */
  loadState(s: OptimizerState): void {
    if (s.kind !== this.config.kind) {
      throw new NumericsValueError(`optimizer state is for ${s.kind}, this optimizer is ${this.config.kind}`);
    }
    if (!Number.isInteger(s.step) || s.step < 0)
      throw new NumericsValueError(`optimizer state step ${s.step} is invalid`);
    this.buffers.clear();
    for (const [k, b] of Object.entries(s.buffers)) this.buffers.set(k, Float32Array.from(b));
    this.stepCount = s.step;
  }
}

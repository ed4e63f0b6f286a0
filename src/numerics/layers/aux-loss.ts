// Losses that span layers. The mixture of experts' load-balancing loss (Model Zoo's LoadBalancingLoss) is
//   LB = coef * E^2 * mean over rows b and experts e of ( Pbar[b,e] * Mbar[b,e] ),
// where for each MoE layer l, P_l[b,e] is row b's mean routing probability of expert e and M_l[b,e] the
// fraction of its tokens routed to e (both over the tokens whose loss counts), and Pbar, Mbar average them
// over the layers. It couples every MoE layer, so no layer can compute it alone: each adds its P_l and M_l in
// its forward, the executor adds `loss()` to the pass's loss after the last forward, and each layer's backward
// reads dLB/dP_l = coef * E / (rows * L) * Mbar[b,e] from `routingGrad()` (M is a count: it has no gradient).
//
// The mean over rows is over the step's global batch, so the shares of shards and micro-batches (each a set of
// whole rows) add up to the whole batch's loss, as the heads' losses do.
import { NumericsValueError } from "../errors.js";

export class AuxLosses {
  private probs: Float64Array | null = null;
  private routed: Float64Array | null = null;
  private layers = 0;
  private experts = 0;
  private coef = 0;
  private grad: Float64Array | null = null;

  /**
   * One MoE layer's statistics for this batch: `probs` and `routed` are [rows * experts], row-major. All the
   * layers of a model must agree on the expert count and the coefficient.
   */
  addLoadBalance(probs: Float64Array, routed: Float64Array, experts: number, coef: number): void {
    if (!this.probs) {
      this.probs = new Float64Array(probs.length);
      this.routed = new Float64Array(routed.length);
      this.experts = experts;
      this.coef = coef;
    }
    if (probs.length !== this.probs.length || experts !== this.experts || coef !== this.coef) {
      throw new NumericsValueError(
        `the mixture-of-experts layers of one model must share the expert count and the load-balancing ` +
          `coefficient (saw ${this.experts} experts at ${this.coef} and ${experts} at ${coef})`,
      );
    }
    for (let i = 0; i < probs.length; i++) {
      this.probs[i] += probs[i];
      this.routed![i] += routed[i];
    }
    this.layers++;
  }

  /** This batch's share of the load-balancing loss (0 when no layer added statistics). */
  loss(globalRows: number): number {
    if (!this.probs || this.layers === 0) return 0;
    const L = this.layers;
    let s = 0;
    for (let i = 0; i < this.probs.length; i++) s += (this.probs[i] / L) * (this.routed![i] / L);
    return (this.coef * this.experts * s) / globalRows;
  }

  /** dLB / dP_l[b,e] for every layer l ([rows * experts]), or null when there is no load-balancing loss. */
  routingGrad(globalRows: number): Float64Array | null {
    if (!this.probs || this.layers === 0 || this.coef === 0) return null;
    if (!this.grad) {
      const L = this.layers;
      const f = (this.coef * this.experts) / (globalRows * L);
      this.grad = Float64Array.from(this.routed!, (m) => (f * m) / L);
    }
    return this.grad;
  }
}

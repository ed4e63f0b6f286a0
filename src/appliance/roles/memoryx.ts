// MemoryX: holds the weights and the optimizer state, streams each layer's weights out when SwarmX asks,
// receives the reduced weight gradients layer by layer, and applies the optimizer at the step boundary.
// Checkpoints are taken from its snapshot.
import type { Transport } from "../transport.js";
import { ADDRESS, bindRole } from "./protocol.js";
import type { WeightStore } from "./weight-store.js";
import { fromWire, toWire } from "./wire.js";

export class MemoryX {
  /** Bytes of weights streamed out and of gradients received, for the run's report. */
  bytesOut = 0;
  bytesIn = 0;

  constructor(
    t: Transport,
    readonly store: WeightStore,
  ) {
    bindRole(t, ADDRESS.memoryx, {
      "memoryx.weights": ({ layer }) => {
        const p = store.paramsFor(layer);
        for (const v of p.values()) this.bytesOut += v.data.byteLength;
        return toWire(p);
      },
      "memoryx.gradients": ({ layer, grads }) => {
        const g = fromWire(grads);
        for (const v of g.values()) this.bytesIn += v.data.byteLength;
        store.accumulate(layer, g);
      },
      "memoryx.update": (o) => store.update(o),
      "memoryx.snapshot": () => store.snapshot(),
      "memoryx.restore": ({ snapshot, from }) => store.restore(snapshot, from),
    });
  }
}

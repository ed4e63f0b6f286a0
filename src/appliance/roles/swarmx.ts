// SwarmX: between MemoryX and the systems. Broadcast: the first system to ask for a layer's weights (for a
// step, micro-batch and pass) makes SwarmX fetch them from MemoryX once; every system receives the same
// buffers. Reduce: each system's weight gradients of a layer wait until all systems' have arrived, then are
// summed through the tree of src/hw's swarmxTree (fixed order: systems by index, left to right in each node)
// and forwarded to MemoryX; every system's send completes when MemoryX has them.
import { swarmxTree } from "../../hw/index.js";
import type { ClusterSpec, SwarmXTree } from "../../hw/index.js";
import type { Transport } from "../transport.js";
import { ApplianceError } from "../errors.js";
import { ADDRESS, ask, bindRole } from "./protocol.js";
import { swarmxReduce } from "./reduce-tree.js";
import type { WireTensor, WireTensors } from "./wire.js";

interface Pending {
  readonly parts: (WireTensors | undefined)[];
  arrived: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export class SwarmX {
  readonly tree: SwarmXTree;
  readonly fanout: number;
  readonly systems: number;
  private readonly broadcasts = new Map<string, { weights: Promise<WireTensors>; taken: number }>();
  private readonly reductions = new Map<string, Pending>();

  constructor(
    private readonly t: Transport,
    cluster: ClusterSpec,
    systems: number,
  ) {
    this.tree = swarmxTree({ ...cluster, numSystems: systems });
    this.fanout = cluster.swarmx.fanout;
    this.systems = systems;
    bindRole(t, ADDRESS.swarmx, {
      "swarmx.weights": ({ step, micro, pass, layer }) => {
        const key = `${step}/${micro}/${pass}/${layer}`;
        let b = this.broadcasts.get(key);
        if (!b) {
          b = { weights: ask(t, ADDRESS.swarmx, ADDRESS.memoryx, "memoryx.weights", { layer }), taken: 0 };
          this.broadcasts.set(key, b);
        }
        if (++b.taken === this.systems) this.broadcasts.delete(key);
        return b.weights;
      },
      "swarmx.gradients": ({ step, micro, layer, system, grads }) =>
        this.reduce(`${step}/${micro}/${layer}`, layer, system, grads),
    });
  }

  private reduce(key: string, layer: number, system: number, grads: WireTensors): Promise<void> {
    let p = this.reductions.get(key);
    if (!p) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      p = { parts: new Array(this.systems), arrived: 0, done, resolve, reject };
      this.reductions.set(key, p);
    }
    if (p.parts[system] !== undefined)
      throw new ApplianceError(`SwarmX: system ${system} sent the gradients of ${key} twice`);
    p.parts[system] = grads;
    if (++p.arrived === this.systems) {
      this.reductions.delete(key);
      const pending = p;
      const parts = pending.parts as WireTensors[];
      const summed: Record<string, WireTensor> = {};
      for (const name of Object.keys(parts[0])) {
        summed[name] = {
          shape: parts[0][name].shape,
          data: swarmxReduce(
            parts.map((q) => q[name].data),
            this.tree,
            this.fanout,
          ),
        };
      }
      ask(this.t, ADDRESS.swarmx, ADDRESS.memoryx, "memoryx.gradients", { layer, grads: summed }).then(
        () => pending.resolve(),
        (e) => pending.reject(e),
      );
    }
    return p.done;
  }
}

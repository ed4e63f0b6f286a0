// The data the input workers read: a params section's source (src/data) behind a resumable, seeded
// BatchStream, opened the way `run CPU` opens it (same seeds, same order), so both runs see the same batches.
import { dirname, resolve } from "node:path";
import { BatchStream, openSource } from "../data/index.js";
import type { GlobalBatch } from "../data/index.js";
import type { LoadedParams } from "../frontends/index.js";
import type { OpenData } from "./execute.js";

export function openDataFor(loaded: LoadedParams): OpenData {
  return async (cfg, o) => {
    const src = await openSource(cfg, loaded.model, {
      paramsDir: dirname(resolve(loaded.file)),
      seed: loaded.run.seed,
    });
    const stream = new BatchStream(
      src,
      {
        batchSize: cfg.batchSize,
        shuffle: cfg.shuffle,
        seed: cfg.shuffleSeed ?? loaded.run.seed,
        // evaluation reads its data once, as run CPU does
        repeat: cfg === loaded.run.eval ? false : cfg.repeat,
      },
      o.position,
    );
    return {
      description: src.description,
      ...(src.evalIgnoreLabels && { evalIgnoreLabels: src.evalIgnoreLabels }),
      get position() {
        return stream.position;
      },
      next: () => stream.next(),
      read: (g, start, end) => stream.read(g as GlobalBatch, start, end),
    };
  };
}

// Resuming is exact in every mode: a run stopped at step K and resumed to N ends with the weights AND the
// optimizer state (every moment buffer, the optimizer's step count) of a run that went to N without
// stopping, bit for bit. One table of modes, one check: run CPU, run CSX pipelined on 1 system, weight
// streaming on 1, 2 and 4 systems (tiny GPT-2, dropout on, AdamW with warm-up and clipping).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseParams } from "../frontends/index.js";
import { checkpointDifferences, readCheckpoint, runCpu } from "../runtime/index.js";
import { openDataFor } from "./data.js";
import { executeCsx } from "./execute.js";
import { tempAppliance, tinyGptParams } from "./testing.js";

const K = 2;
const N = 4;

describe("a run stopped at step K and resumed to N ends as the uninterrupted run, in every mode", () => {
  const text = tinyGptParams({ maxSteps: N, checkpointSteps: 0 });
  const { dir, paramsFile, mgmt } = tempAppliance(text, 4);

  type Mode = { name: string; run: (modelDir: string, maxSteps: number) => Promise<void> };
  const csx =
    (strategy: "pipeline" | "weight_streaming", systems: number) =>
    async (modelDir: string, maxSteps: number) => {
      const params = parseParams(paramsFile, text, { modelDir, maxSteps });
      const r = await executeCsx(
        {
          params,
          settings: { mode: "train", globalBatch: 8, optimizer: "adamw", executionStrategy: strategy },
          mode: "train",
          compileDir: join(dir, "compile"),
          numCsx: systems,
          workersPerCsx: 0,
          labels: {},
          priority: "p2",
          mountDirs: [],
          openData: openDataFor(params),
          management: mgmt,
        },
        () => {},
      );
      expect(r.step).toBe(maxSteps);
    };
  const modes: Mode[] = [
    {
      name: "run CPU",
      run: async (modelDir, maxSteps) => {
        await runCpu({
          params: parseParams(paramsFile, text, { modelDir, maxSteps }),
          mode: "train",
          console: { line: () => {} },
        });
      },
    },
    { name: "run CSX pipelined on 1 system", run: csx("pipeline", 1) },
    { name: "run CSX weight streaming on 1 system", run: csx("weight_streaming", 1) },
    { name: "run CSX weight streaming on 2 systems", run: csx("weight_streaming", 2) },
    { name: "run CSX weight streaming on 4 systems", run: csx("weight_streaming", 4) },
  ];

  for (const [i, m] of modes.entries()) {
    it(`${m.name}: stopped at ${K}, resumed to ${N}`, async () => {
      const full = join(dir, `${i}-full`);
      const resumed = join(dir, `${i}-resumed`);
      await m.run(full, N);
      await m.run(resumed, K);
      expect(readCheckpoint(join(resumed, `checkpoint_${K}.mdl`)).optimizer!.step).toBe(K);
      await m.run(resumed, N);
      const last = readCheckpoint(join(resumed, `checkpoint_${N}.mdl`));
      expect(last.optimizer!.step).toBe(N);
      expect(Object.keys(last.optimizer!.buffers).length).toBeGreaterThan(0);
      expect(
        checkpointDifferences(join(full, `checkpoint_${N}.mdl`), join(resumed, `checkpoint_${N}.mdl`)),
      ).toEqual([]);
    });
  }
});

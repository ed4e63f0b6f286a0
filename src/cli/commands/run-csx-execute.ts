// `wsc run CSX` without --validate_only/--compile_only: submit the run to the appliance and execute it here
// (management, compile job, queue, execute job on `--num_csx` systems). Flags as run.py CSX takes them.
import { dirname, resolve } from "node:path";
import { executeCsx } from "../../appliance/execute.js";
import type { OpenData } from "../../appliance/execute.js";
import { parseLabels } from "../../appliance/management/index.js";
import type { RunSettings, ExecutionMode } from "../../compiler/index.js";
import { BatchStream, openSource } from "../../data/index.js";
import type { GlobalBatch } from "../../data/index.js";
import type { LoadedParams } from "../../frontends/index.js";
import { WscError } from "../../util/errors.js";

export interface CsxExecuteFlags {
  mode: "train" | "eval" | "train_and_eval" | "eval_all";
  num_csx?: number;
  num_workers_per_csx?: number;
  model_dir: string;
  compile_dir: string;
  checkpoint_path?: string;
  job_labels?: string[];
  job_priority?: string;
  max_steps?: number;
  eval_steps?: number;
  mount_dirs?: string[];
  execution_strategy?: ExecutionMode;
  system?: string;
  cluster?: string;
}

/** The data of a section as the input workers read it: src/data's source behind a resumable BatchStream. */
function openDataFor(loaded: LoadedParams): OpenData {
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
        repeat: cfg.repeat,
      },
      o.position,
    );
    return {
      description: src.description,
      get position() {
        return stream.position;
      },
      next: () => stream.next(),
      read: (g, start, end) => stream.read(g as GlobalBatch, start, end),
    };
  };
}

export async function executeCsxFromFlags(
  loaded: LoadedParams,
  settings: RunSettings,
  f: CsxExecuteFlags,
): Promise<void> {
  if (f.mode === "eval_all")
    throw new WscError(
      "--mode eval_all is not executed by this appliance yet: use --mode eval with --checkpoint_path",
    );
  if (f.cluster !== undefined || f.system !== undefined)
    throw new WscError(
      "--cluster and --system describe what-if hardware for --compile_only and --validate_only; an executed run " +
        "uses the cluster of $WSC_HOME (put a cluster file at $WSC_HOME/cluster.yaml to change it)",
    );
  const say = (line: string) => process.stdout.write(line + "\n");
  await executeCsx(
    {
      params: loaded,
      settings,
      mode: f.mode,
      modelDir: f.model_dir,
      compileDir: f.compile_dir,
      numCsx: f.num_csx ?? 1,
      workersPerCsx: f.num_workers_per_csx ?? 0,
      checkpointPath: f.checkpoint_path,
      labels: parseLabels(f.job_labels ?? []),
      priority: f.job_priority ?? "p2",
      maxSteps: f.max_steps,
      evalSteps: f.eval_steps,
      executionStrategy: f.execution_strategy,
      mountDirs: f.mount_dirs ?? [],
      openData: openDataFor(loaded),
      command: process.argv.slice(2).join(" "),
    },
    say,
  );
}

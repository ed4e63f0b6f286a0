// `wsc run CSX` without --validate_only/--compile_only: submit the run to the appliance and execute it here
// (management, compile job, queue, execute job on `--num_csx` systems). Flags as run.py CSX takes them.
import { openDataFor } from "../../appliance/data.js";
import { executeCsx } from "../../appliance/execute.js";
import { parseLabels } from "../../appliance/management/index.js";
import type { ExecutionMode, RunSettings } from "../../compiler/index.js";
import type { LoadedParams } from "../../frontends/index.js";
import { WscError } from "../../util/errors.js";

/** The flags an executed run reads besides the shared run.py ones (see run-flags.ts). */
export interface CsxExecuteFlags {
  mode: "train" | "eval" | "train_and_eval" | "eval_all";
  num_csx?: number;
  num_workers_per_csx?: number;
  compile_dir: string;
  job_labels?: string[];
  job_priority?: string;
  mount_dirs?: string[];
  execution_strategy?: ExecutionMode;
  system?: string;
  cluster?: string;
}

/** Executes `loaded` (the params file with the command line's overrides) on the appliance. */
export async function executeCsxFromFlags(
  loaded: LoadedParams,
  settings: RunSettings,
  f: CsxExecuteFlags,
): Promise<void> {
  if (f.mode === "eval_all")
    throw new WscError(
      "--mode eval_all is not executed by this appliance yet: evaluate one checkpoint with --mode eval --checkpoint_path",
    );
  if (f.cluster !== undefined || f.system !== undefined)
    throw new WscError(
      "--cluster and --system describe what-if hardware for --compile_only and --validate_only; an executed run " +
        "uses the cluster of $WSC_HOME (put a cluster file at $WSC_HOME/cluster.yaml to change it)",
    );
  await executeCsx(
    {
      params: loaded,
      settings,
      mode: f.mode,
      compileDir: f.compile_dir,
      numCsx: f.num_csx ?? 1,
      workersPerCsx: f.num_workers_per_csx ?? 0,
      labels: parseLabels(f.job_labels ?? []),
      priority: f.job_priority ?? "p2",
      executionStrategy: f.execution_strategy,
      mountDirs: f.mount_dirs ?? [],
      openData: openDataFor(loaded),
      command: process.argv.slice(2).join(" "),
    },
    (line) => process.stdout.write(line + "\n"),
  );
}

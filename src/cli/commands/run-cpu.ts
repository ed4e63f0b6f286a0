// `wsc run CPU`: train and/or evaluate a params file on the host, as `run.py CPU` does: Model Zoo log lines,
// checkpoints, evaluation and model_dir. A progress bar on a terminal; plain log lines otherwise.
import { Option } from "commander";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { loadParams } from "../../frontends/index.js";
import { runCpu } from "../../runtime/index.js";
import type { RunConsole, RunMode } from "../../runtime/index.js";
import { intOption } from "../options.js";

interface CpuFlags {
  params: string;
  mode: RunMode;
  model_dir?: string;
  checkpoint_path?: string;
  max_steps?: number;
  eval_steps?: number;
  model?: string;
}

/** Plain lines, or a progress bar with the log lines printed above it. */
export function runConsole(tty: boolean): RunConsole {
  const out = (t: string) => process.stdout.write(`${t}\n`);
  if (!tty) return { line: out };
  let bar: cliProgress.SingleBar | null = null;
  return {
    line(t) {
      if (!bar) return out(t);
      process.stdout.write("\r\x1b[K");
      out(t);
      bar.render();
    },
    progress(step, total, loss) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: "train |{bar}| step {value}/{total} | loss {loss} | {eta_formatted} left",
            stream: process.stdout,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, step, { loss: loss.toFixed(4) });
      } else bar.update(step, { loss: loss.toFixed(4) });
    },
    done() {
      bar?.stop();
      bar = null;
    },
  };
}

export function registerRunCpu(run: Command): void {
  run
    .command("CPU")
    .alias("cpu")
    .description("train and/or evaluate on the host: the reference run a cluster run is compared with")
    .requiredOption("-p, --params <file>", "Model Zoo params YAML (old or 2.3+ layout)")
    .addOption(
      new Option("-m, --mode <mode>", "what to run")
        .choices(["train", "eval", "train_and_eval"])
        .makeOptionMandatory(),
    )
    .option("-o, --model_dir <dir>", "output folder (default: the params file's model_dir, else ./model_dir)")
    .option("--checkpoint_path <file>", "initialise from this checkpoint instead of model_dir's latest")
    .option("--max_steps <n>", "training steps (overrides the params file)", intOption(1, 1e15))
    .option("--eval_steps <n>", "evaluation batches (overrides the params file)", intOption(1, 1e15))
    .option(
      "--model <family>",
      "model family when the file does not name one: gpt2, gpt3, gptj, llama, bert, fc_mnist",
    )
    .action(async (f: CpuFlags) => {
      const params = loadParams(f.params, {
        model: f.model,
        maxSteps: f.max_steps,
        evalSteps: f.eval_steps,
        modelDir: f.model_dir,
        checkpointPath: f.checkpoint_path,
      });
      await runCpu({ params, mode: f.mode, console: runConsole(Boolean(process.stdout.isTTY)) });
    });
}

// `wsc run CPU`: train and/or evaluate a params file on the host, as `run.py CPU` does: Model Zoo log lines,
// checkpoints, evaluation and model_dir. A progress bar on a terminal; plain log lines otherwise.
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { runCpu } from "../../runtime/index.js";
import type { RunConsole, RunMode } from "../../runtime/index.js";
import { addRunPyOptions, loadRunParams } from "./run-flags.js";
import type { RunPyFlags } from "./run-flags.js";

interface CpuFlags extends RunPyFlags {
  mode: RunMode;
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
  const cpu = run
    .command("CPU")
    .alias("cpu")
    .description("train and/or evaluate on the host: the reference run a cluster run is compared with");
  addRunPyOptions(cpu, ["train", "eval", "train_and_eval"]).action(async (f: CpuFlags) => {
    const params = loadRunParams(f);
    await runCpu({ params, mode: f.mode, console: runConsole(Boolean(process.stdout.isTTY)) });
  });
}

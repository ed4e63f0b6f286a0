// The flags several commands share are one definition: `--model` names the params reader's families in
// `wsc model`, `run CPU` and `run CSX` alike, and a usage error (a value out of range, an unknown option) is
// bad input: exit 2, commander's one-line message, no stack trace. A path that cannot be written is a clear
// error too.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/cli/main.js";
import { FAMILY_NAMES } from "../src/frontends/index.js";
import { WSC, wsc } from "./helpers.js";

const STACK = /\n\s+at .*:\d+:\d+/;

describe("shared flags", () => {
  it("--model lists the same family names in model, run CPU and run CSX", () => {
    const names = Object.keys(FAMILY_NAMES).join(", ");
    const program = buildProgram();
    for (const cmd of [["model"], ["run", "CPU"], ["run", "CSX"]]) {
      const sub = cmd.reduce((c, name) => c.commands.find((s) => s.name() === name)!, program);
      const help = sub.helpInformation().replace(/\s+/g, " ");
      expect(help, cmd.join(" ")).toContain(
        `--model <family> model family when the params file does not name one: ${names}`,
      );
    }
  });

  it("a usage error exits 2 with commander's message and no stack trace", () => {
    const r = wsc(["run", "CPU", "-p", "configs/tiny/mlp.yaml", "-m", "train", "--max_steps", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--max_steps <n>' argument '0' is invalid");
    expect(r.stderr).not.toMatch(STACK);
    const u = wsc(["model", "-p", "configs/tiny/mlp.yaml", "--no-such-flag"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown option '--no-such-flag'");
  });

  it("an unwritable model_dir for --compile_only names the folder, the reason and the flag", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-flags-"));
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = wsc([
      "run",
      "CSX",
      "-p",
      "configs/tiny/mlp.yaml",
      "-m",
      "train",
      "--compile_only",
      "-c",
      join(dir, "cache"),
      "-o",
      join(file, "out"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write the compile report to model_dir ${join(file, "out")}: ENOTDIR`);
    expect(r.stderr).toContain("give a writable folder with -o/--model_dir");
    expect(r.stderr).not.toMatch(STACK);
  });

  it("an unwritable --png is an error naming the path and the flag, not a stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-flags-"));
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = wsc(["fabric", "run", "gemm", "--size", "2x2", "--png", join(file, "x.png")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `wsc: error: cannot write ${join(file, "x.png")}: ENOTDIR; give a writable path with --png\n`,
    );
  });
});

describe("counts and paths are read strictly", () => {
  it.each(["0x10", " 3", "1e2", "3.0", "+4", "99999999999999999999"])(
    "--max_steps %j is refused: decimal digits only",
    (v) => {
      const r = wsc(["run", "CPU", "-p", "configs/tiny/mlp.yaml", "-m", "train", "--max_steps", v]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `${JSON.stringify(v)} must be an integer in 1..1000000000000, in decimal digits`,
      );
      expect(r.stderr).not.toMatch(STACK);
    },
  );

  it.each([["-o"], ["--checkpoint_path"], ["-p"]])(
    "%s '' is refused, not read as the current folder",
    (flag) => {
      const args = ["run", "CPU", "-p", "configs/tiny/mlp.yaml", "-m", "train", flag, ""];
      const r = wsc(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /argument '' is invalid\. "" is not a path: give the .* \(an empty value is often an unset shell variable\)/,
      );
    },
  );
});

describe("a reader that goes away", () => {
  it("ends the command quietly with status 141, as a SIGPIPE does", () => {
    // `wsc ctl get cluster | head -c 1`: the reader closes after one byte; ten tries, as the race is timing
    for (let i = 0; i < 10; i++) {
      const r = spawnSync(
        "bash",
        ["-o", "pipefail", "-c", `"${process.execPath}" "${WSC}" ctl get cluster | head -c 1 >/dev/null`],
        {
          encoding: "utf8",
          env: { ...process.env, WSC_HOME: mkdtempSync(join(tmpdir(), "wsc-pipe-")) },
        },
      );
      expect(r.stderr).toBe("");
      expect([0, 141]).toContain(r.status);
    }
  });
});

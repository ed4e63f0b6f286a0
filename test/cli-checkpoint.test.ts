// A damaged checkpoint through the CLI: `run CPU` (and `run CSX`, before compiling) exits 2 with the file, the tensor and the way out (the
// previous good checkpoint) and no stack trace; a checkpoint path that is not a regular file does not hang.
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, wsc } from "./helpers.js";

describe("run CPU on a damaged checkpoint", () => {
  const dir = mkdtempSync(join(tmpdir(), "wsc-cli-ckpt-"));
  const params = join(dir, "mlp.yaml");
  writeFileSync(
    params,
    readFileSync(join(ROOT, "configs/tiny/mlp.yaml"), "utf8").replace(
      "checkpoint_steps: 50",
      "checkpoint_steps: 1",
    ),
  );
  const md = join(dir, "md");
  const run = (...extra: string[]) => wsc(["run", "CPU", "-p", params, "-m", "train", "-o", md, ...extra]);

  it("a bit flip in the latest checkpoint: exit 2 naming the file and tensor, pointing at the previous one", () => {
    const first = run("--max_steps", "2");
    expect(first.code, first.stderr).toBe(0);
    const latest = join(md, "checkpoint_2.mdl");
    const b = readFileSync(latest);
    b[b.length - 5] ^= 0x01; // inside the last tensor
    writeFileSync(latest, b);
    const r = run("--max_steps", "4");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^wsc: error: ${latest}: tensor '[^']+' fails its CRC-32C check \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\); ` +
          `the file is damaged; resume from ${join(md, "checkpoint_1.mdl")} with --checkpoint_path, or delete the damaged file\\n$`,
      ),
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // run CSX reads the same way, before it submits a compile job
    const home = mkdtempSync(join(tmpdir(), "wsc-home-"));
    const csx = wsc(
      ["run", "CSX", "-p", params, "-m", "train", "-o", join(dir, "csx"), "--checkpoint_path", latest],
      { env: { WSC_HOME: home } },
    );
    expect(csx.code).toBe(2);
    expect(csx.stderr).toContain(`wsc: error: ${latest}: tensor '`);
    expect(csx.stderr).not.toMatch(/\n\s+at /);
    expect(csx.stdout).not.toContain("Compiling the model");
    const ok = run("--max_steps", "4", "--checkpoint_path", join(md, "checkpoint_1.mdl"));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`Loaded checkpoint ${join(md, "checkpoint_1.mdl")} (step 1)`);
  });

  it("--checkpoint_path linked to /dev/zero: exit 2 at once, no hang and no bad_alloc", () => {
    const link = join(dir, "zero.mdl");
    symlinkSync("/dev/zero", link);
    const t0 = Date.now();
    const r = wsc([
      "run",
      "CPU",
      "-p",
      params,
      "-m",
      "train",
      "-o",
      join(dir, "z"),
      "--checkpoint_path",
      link,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`wsc: error: ${link}: it is a character device, not a regular file;`);
    expect(r.stderr).not.toMatch(/\n\s+at |bad_alloc/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

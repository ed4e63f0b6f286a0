// The README's tour, read as a user reads it: every command exists (its --help exits 0 with the flags the line
// uses), and every command that writes a model_dir names its own with -o, so running the tour top to bottom
// never resumes one step from another's checkpoint.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, wsc } from "./helpers.js";

function tourCommands(): string[][] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const tour = readme.slice(readme.indexOf("## A tour"));
  const block = /```sh\n([\s\S]*?)```/.exec(tour)![1];
  return block
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim())
    .filter((l) => l.startsWith("npx wsc "))
    .map((l) => l.split(/\s+/).slice(2));
}

describe("the README's tour", () => {
  const commands = tourCommands();
  it("has the commands a new user tries", () => {
    expect(commands.length).toBeGreaterThanOrEqual(8);
  });
  it("gives every run its own model_dir", () => {
    const runs = commands.filter((c) => c[0] === "run" && !c.includes("--validate_only"));
    expect(runs.length).toBeGreaterThanOrEqual(4);
    const dirs = runs.map((c) => {
      const i = c.findIndex((a) => a === "-o" || a === "--model_dir");
      expect(i, c.join(" ")).toBeGreaterThan(0);
      return c[i + 1];
    });
    expect(new Set(dirs).size).toBe(dirs.length);
  });
  it("uses only commands and flags that exist", () => {
    for (const c of commands) {
      const path = c.filter((a, i) => i < 2 && !a.startsWith("-") && (i === 0 || /^[A-Za-z]/.test(a)));
      const sub = ["ctl", "fabric", "run"].includes(path[0]) ? path : path.slice(0, 1);
      const help = wsc([...sub, "--help"]);
      expect(help.code, c.join(" ")).toBe(0);
      for (const flag of c.filter((a) => a.startsWith("-")))
        expect(help.stdout, `${c.join(" ")}: ${flag}`).toContain(flag);
    }
  });
});

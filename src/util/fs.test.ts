import { existsSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDirs } from "./fs.js";

const tmp = () => mkdtempSync(join(tmpdir(), "wsc-fs-"));
const code = (f: () => void): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
};

describe("makeDirs", () => {
  it("creates the missing parents and accepts a folder that exists", () => {
    const d = join(tmp(), "a", "b", "c");
    makeDirs(d);
    expect(statSync(d).isDirectory()).toBe(true);
    makeDirs(d);
    makeDirs(join(d, ".."));
  });
  it("a file in the way fails with ENOTDIR or EEXIST", () => {
    const dir = tmp();
    writeFileSync(join(dir, "f"), "");
    expect(code(() => makeDirs(join(dir, "f", "x")))).toBe("ENOTDIR");
    expect(code(() => makeDirs(join(dir, "f")))).toBe("EEXIST");
  });
  it("a dangling symbolic link fails instead of spinning", () => {
    const dir = tmp();
    symlinkSync(join(dir, "nowhere"), join(dir, "link"));
    expect(code(() => makeDirs(join(dir, "link", "out")))).toBe("EEXIST");
    expect(existsSync(join(dir, "nowhere"))).toBe(false);
  });
  it.runIf(existsSync("/proc/self"))("a path under /proc fails instead of spinning", () => {
    expect(code(() => makeDirs("/proc/wsc-no-such/x"))).toBeDefined();
  });
});

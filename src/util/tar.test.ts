// The ustar writer against the system's tar: it lists and extracts what was written, byte for byte.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tarGz } from "./tar.js";

describe("tarGz", () => {
  it("writes an archive GNU tar lists and extracts byte for byte, long names included", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-tar-"));
    const long = `${"a".repeat(80)}/${"b".repeat(90)}/file.log`;
    const binary = new Uint8Array(1500).map((_, i) => (i * 7) & 255);
    const file = join(dir, "x.tar.gz");
    writeFileSync(
      file,
      tarGz([
        { name: "job/events.log", data: "line one\nline two\n", mtimeMs: 1_700_000_000_000 },
        { name: long, data: binary },
        { name: "empty.txt", data: "" },
      ]),
    );
    const list = spawnSync("tar", ["-tzvf", file], { encoding: "utf8" });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/job\/events\.log/);
    expect(list.stdout).toContain(long);
    const out = join(dir, "out");
    spawnSync("mkdir", [out]);
    const x = spawnSync("tar", ["-xzf", file, "-C", out], { encoding: "utf8" });
    expect(x.stderr).toBe("");
    expect(readFileSync(join(out, "job/events.log"), "utf8")).toBe("line one\nline two\n");
    expect(new Uint8Array(readFileSync(join(out, long)))).toEqual(binary);
    expect(readFileSync(join(out, "empty.txt"), "utf8")).toBe("");
  });
});

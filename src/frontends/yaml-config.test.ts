// Hostile YAML: every case is a clear ConfigError (or WscError) naming the problem, found without expanding
// or allocating what the file asks for.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, WscError, printable } from "../util/errors.js";
import { MAX_ALIAS_COUNT, MAX_CONFIG_BYTES, parseYaml, readConfigFile } from "./yaml-config.js";
import { loadParams, parseParams } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "wsc-yaml-"));

describe("YAML that would expand, repeat or hide", () => {
  it("an alias without an anchor names the alias and its line", () => {
    expect(() => parseYaml("f.yaml", "a: 1\nb:\n  c: *nope\n")).toThrow(
      /f\.yaml:3: \(top level\): YAML alias \*nope has no anchor &nope before it/,
    );
  });

  it("a billion-laughs file stops at the alias limit", () => {
    const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    expect(() => parseYaml("f.yaml", lines.join("\n"))).toThrow(
      new RegExp(`YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes`),
    );
  });

  it("a few anchors still load", () => {
    expect(parseYaml("f.yaml", "a: &x {b: 1}\nc: *x\n").data).toEqual({ a: { b: 1 }, c: { b: 1 } });
  });

  it("a repeated key is found in one pass and named with its second line", () => {
    const text = "t:\n" + Array.from({ length: 40_000 }, (_, i) => `  k${i % 20_000}: ${i}\n`).join("");
    const t0 = performance.now();
    expect(() => parseYaml("f.yaml", text)).toThrow(
      /f\.yaml:20002: .*the key "k0" appears twice in one mapping/,
    );
    // quadratic checking took 12.6 s on this input; linear takes well under one
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it("40,000 unknown keys are counted, twenty listed", () => {
    const text =
      "model:\n  hidden_size: 64\n  vocab_size: 100\n  num_hidden_layers: 1\n  num_heads: 1\n  filter_size: 8\n" +
      Array.from({ length: 40_000 }, (_, i) => `  zz${i}: ${i}\n`).join("");
    let e: unknown;
    try {
      parseParams("f.yaml", text, { model: "gpt2" });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConfigError);
    const msg = (e as Error).message;
    expect(msg).toMatch(/^f\.yaml: 4000\d problems/);
    expect(msg).toMatch(/\.\.\. and 39,9\d\d more; fix these first$/);
    expect(msg.split("\n").length).toBe(22);
  });

  it("control characters of a key are printed escaped", () => {
    const text = 'model:\n  "hid\\u001b[31mden": 3\n';
    let msg = "";
    try {
      parseParams("f.yaml", text, { model: "gpt2" });
    } catch (x) {
      msg = (x as Error).message;
    }
    expect(msg).toContain("model.hid\\u001b[31mden: unknown key");
    expect(msg).not.toContain("\u001b");
    expect(printable("a\rb\tc\nd\u0000")).toBe("a\\u000db\tc\nd\\u0000");
  });
});

describe("config files must be regular files of bounded size", () => {
  it.each([
    ["/dev/zero", /it is a character device, not a regular file; --params takes a YAML file/],
    ["/dev/urandom", /it is a character device/],
    [tmpdir(), /it is a directory, not a regular file/],
    [join(dir, "missing.yaml"), /ENOENT \(no such file; check the --params path\)/],
  ])("%s is refused", (file, message) => {
    expect(() => loadParams(file)).toThrow(message);
  });

  it("a file over the limit is refused without parsing it", () => {
    const big = join(dir, "big.yaml");
    writeFileSync(big, "a: 1\n" + "#".repeat(MAX_CONFIG_BYTES) + "\n");
    expect(() => readConfigFile(big, "params file", "--params")).toThrow(WscError);
    expect(() => readConfigFile(big, "params file", "--params")).toThrow(/more than the 4 MiB allowed/);
  });
});

// The layering of docs/structure.md (and DESIGN.md), enforced: every file under src/ belongs to a layer (its
// first folder), and no file imports from a higher layer. Static imports, re-exports, `import type` and
// dynamic `import()` (also in type positions) all count; the TypeScript scanner finds them, so comments and
// strings that merely look like imports do not.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";

/** Low to high. A layer may import from itself and from the layers before it, never from one after it. */
const LAYERS = [
  "util",
  "hw",
  "fabric",
  "kernels",
  "numerics",
  "model",
  "frontends",
  "data",
  "runtime",
  "compiler",
  "perf",
  "appliance",
  "web",
  "cli",
] as const;

const SRC = join(ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The layer of a path under src/, or undefined for a path outside src/. */
function layerOf(path: string): string | undefined {
  const rel = relative(SRC, path);
  if (rel.startsWith("..") || rel === "") return undefined;
  return rel.split(sep)[0];
}

/** Every module specifier a file imports, re-exports or loads dynamically. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The violations of the layering in the files given (path under src/ and text), one line each. */
function layeringViolations(files: readonly { path: string; text: string }[]): string[] {
  const rank = new Map<string, number>(LAYERS.map((l, i) => [l, i]));
  const out: string[] = [];
  for (const { path: file, text } of files) {
    const name = relative(ROOT, file);
    const own = layerOf(file)!;
    if (!rank.has(own)) {
      out.push(`${name}: folder src/${own} is not a layer; add it to LAYERS (and docs/structure.md)`);
      continue;
    }
    for (const spec of importsOf(text)) {
      if (!spec.startsWith(".")) continue; // a package, not a layer
      const target = layerOf(resolve(dirname(file), spec));
      if (target === undefined) {
        // outside src/: only the package manifest (for the version); never tests, benchmarks or scripts
        if (!spec.endsWith("/package.json")) out.push(`${name}: imports '${spec}', outside src/`);
      } else if (!rank.has(target)) {
        out.push(`${name}: imports '${spec}' from src/${target}, which is not a layer`);
      } else if (rank.get(target)! > rank.get(own)!) {
        out.push(`${name}: imports '${spec}' (layer ${own} must not import the higher layer ${target})`);
      }
    }
  }
  return out;
}

describe("the layers of src/", () => {
  it("a lower layer never imports a higher one, not even a type", () => {
    const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, "utf8") }));
    expect(layeringViolations(files)).toEqual([]);
  });

  it("names the file, the import and both layers of a violation, and a folder that is no layer", () => {
    const at = (p: string) => join(SRC, ...p.split("/"));
    const v = layeringViolations([
      { path: at("numerics/x.ts"), text: `import type { RunConfig } from "../frontends/index.js";` },
      { path: at("hw/y.ts"), text: `export { z } from "../util/z.js";` },
      { path: at("extras/w.ts"), text: `` },
    ]);
    expect(v).toEqual([
      "src/numerics/x.ts: imports '../frontends/index.js' (layer numerics must not import the higher layer frontends)",
      "src/extras/w.ts: folder src/extras is not a layer; add it to LAYERS (and docs/structure.md)",
    ]);
  });

  it("every import form is seen: static, re-export, type-only, side-effect and dynamic", () => {
    const text = [
      `import { a } from "./a.js";`,
      `import type { B } from "../b/index.js";`,
      `export { c } from "./c.js";`,
      `import "./d.js";`,
      `const e = await import("../e/e.js");`,
      `type F = typeof import("../f/f.js");`,
      `// import { g } from "../g/g.js";`,
      `const h = "import('../h/h.js')";`,
    ].join("\n");
    expect(importsOf(text).sort()).toEqual(
      ["./a.js", "../b/index.js", "./c.js", "./d.js", "../e/e.js", "../f/f.js"].sort(),
    );
  });
});

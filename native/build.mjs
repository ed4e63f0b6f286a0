// Builds the OpenBLAS GEMM addon (native/build/Release/wsc_blas.node) at `npm install` / `npm ci`.
//
// This script never fails the install: when OpenBLAS, the compiler or node-gyp is missing, it prints one
// warning line and exits 0, and the host numerics use their pure-TypeScript GEMM instead. The full build log
// goes to native/build.log. Run it again by hand with `npm run build:native`.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const logFile = join(here, "build.log");
const addon = join(here, "build", "Release", "wsc_blas.node");
const fallback = "the host numerics will use the pure-TypeScript GEMM (slower)";

function warn(reason) {
  console.warn(`wsc: OpenBLAS GEMM addon not built: ${reason}; ${fallback}.`);
  process.exit(0);
}

if (process.env.WSC_NO_BLAS_BUILD === "1") warn("WSC_NO_BLAS_BUILD=1");

function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
    join(dirname(process.execPath), "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  return candidates.find((p) => p && existsSync(p));
}

const gyp = findNodeGyp();
if (!gyp) warn("node-gyp not found (it ships with npm)");

// Node's own headers: npm passes --nodedir through npm_config_nodedir; otherwise use the headers installed
// beside this Node (Debian and the official tarballs ship them), so the build needs no download.
const args = [gyp, "rebuild"];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
const run = spawnSync(process.execPath, args, { cwd: here, encoding: "utf8", env: process.env });
const log = `${run.stdout ?? ""}\n${run.stderr ?? ""}\n${run.error ? String(run.error) : ""}`;
writeFileSync(logFile, log);
if (run.status !== 0 || !existsSync(addon)) {
  if (/cblas\.h|-lopenblas|openblas/i.test(log))
    warn("OpenBLAS not found (Debian: apt-get install libopenblas-dev)");
  if (
    /(g\+\+|c\+\+|cc|make): (command )?not found|No such file or directory: '[^']*(g\+\+|c\+\+|cc|make)'|ENOENT/i.test(
      log,
    )
  )
    warn("no C++ compiler or make (Debian: apt-get install g++ make)");
  if (/network connectivity|headers\.tar\.gz/i.test(log)) warn("Node headers not found and not downloadable");
  warn(`node-gyp failed (see ${logFile})`);
}

// The library must also load at run time (libopenblas.so.0 present, ABI matches this Node).
const probe = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(addon)}).config()`], {
  encoding: "utf8",
});
if (probe.status !== 0) {
  writeFileSync(logFile, `${log}\n--- load check ---\n${probe.stderr}`);
  rmSync(addon, { force: true });
  warn(`the built addon does not load (see ${logFile})`);
}

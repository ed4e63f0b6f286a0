// The compile hash and the compile cache. The hash covers everything the compile depends on: the model IR,
// the run settings, the hardware of the cluster, the compiler's parameters and the time model's identity. A
// compile whose hash names an artifact in the compile directory is not redone.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WscError, errnoCode } from "../util/errors.js";
import { CompileError } from "./errors.js";
import { COMPILER_PARAMS } from "./memory.js";
import type { CompileArtifact, CompileInput } from "./types.js";

/** Version of the artifact layout; a change makes older cache entries misses. */
export const ARTIFACT_FORMAT = 1;

/** JSON with object keys sorted, so equal inputs give equal text whatever order their keys were built in. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

/**
 * `cs_<digits>`: the first 8 bytes of a SHA-256 over the compile's inputs, as an unsigned decimal (the shape
 * of the real compiler's hashes, e.g. cs_2599085507768189065).
 */
export function compileHash(input: CompileInput, timeModelId: string): string {
  const { model, run, cluster } = input;
  const text = canonicalJson({
    format: ARTIFACT_FORMAT,
    model: { family: model.family, seqLen: model.seqLen, dtype: model.computeDtype, layers: model.layers },
    run,
    hardware: {
      system: cluster.system,
      numSystems: cluster.numSystems,
      memoryx: cluster.memoryx,
      swarmx: cluster.swarmx,
    },
    compiler: COMPILER_PARAMS,
    timeModel: timeModelId,
  });
  const digest = createHash("sha256").update(text).digest();
  return `cs_${digest.readBigUInt64BE(0).toString()}`;
}

/** Where an artifact with this hash lives under the compile directory. */
export function artifactPath(compileDir: string, hash: string): string {
  return join(compileDir, hash, "artifact.json");
}

/** The cached artifact for `hash`, or null. A corrupt entry is an error naming the file and the fix. */
export function readCachedArtifact(compileDir: string, hash: string): CompileArtifact | null {
  const p = artifactPath(compileDir, hash);
  if (!existsSync(p)) return null;
  try {
    const a = JSON.parse(readFileSync(p, "utf8")) as CompileArtifact;
    if (a.hash !== hash || a.format !== ARTIFACT_FORMAT) return null;
    return a;
  } catch (e) {
    throw new WscError(
      `the cached compile ${p} cannot be read (${(e as Error).message}); delete that folder to compile anew`,
    );
  }
}

/** Write the artifact atomically (temporary file, then rename) so an interrupted write leaves no half file. */
export function writeArtifact(compileDir: string, a: CompileArtifact): string {
  const p = artifactPath(compileDir, a.hash);
  const tmp = `${p}.tmp-${process.pid}`;
  try {
    mkdirSync(join(compileDir, a.hash), { recursive: true });
    writeFileSync(tmp, JSON.stringify(a, null, 1) + "\n");
    renameSync(tmp, p);
  } catch (e) {
    throw new CompileError(
      "artifact",
      `cannot write the compile artifact under compile_dir ${compileDir}: ${errnoCode(e)}; give a writable folder with -c/--compile_dir`,
    );
  }
  return p;
}

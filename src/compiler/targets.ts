// Compile targets: what receives a compile artifact. The appliance's CS-X systems execute it; the null target
// takes it and executes nothing, so `--compile_only` and compile tests pay for the compile alone.
import type { CompileArtifact } from "./types.js";

export interface CompileTarget {
  readonly name: string;
  /** Take the artifact for execution; returns what was loaded (for reports). */
  load(artifact: CompileArtifact): { readonly hash: string; readonly executed: boolean };
}

/** Accepts any artifact and runs nothing. */
export const NULL_TARGET: CompileTarget = {
  name: "null",
  load: (a) => ({ hash: a.hash, executed: false }),
};

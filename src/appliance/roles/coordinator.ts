// The coordinator: runs the compiler for compile jobs, through the compile cache (an artifact whose hash is
// already under the compile directory is reused without compiling).
import { compileCached } from "../../compiler/index.js";
import type { CompileArtifact } from "../../compiler/index.js";
import { perfTimeModel } from "../../perf/index.js";
import type { Transport } from "../transport.js";
import { ADDRESS, bindRole } from "./protocol.js";

export interface CompileReply {
  readonly artifact: CompileArtifact;
  readonly cached: boolean;
  readonly path: string;
  /** Wall seconds this machine spent compiling (0 on a cache hit but the lookup). */
  readonly seconds: number;
}

export class Coordinator {
  compiles = 0;
  cacheHits = 0;

  constructor(t: Transport) {
    bindRole(t, ADDRESS.coordinator, {
      "coordinator.compile": ({ input, compileDir }) => {
        const t0 = performance.now();
        const r = compileCached(input, compileDir, { time: perfTimeModel() });
        if (r.cached) this.cacheHits++;
        else this.compiles++;
        return { ...r, seconds: (performance.now() - t0) / 1000 };
      },
    });
  }
}

// Errors of the compiler: each names the layer, the figure that does not fit, the limit and what to change.
import { WscError } from "../util/errors.js";

/** The model cannot be compiled for the wafer as asked (a forced mode that cannot work, a layer too large). */
export class CompileError extends WscError {
  /** The pass that stopped: "validate", "kernel-matching", "mode-selection", ... */
  readonly pass: string;
  constructor(pass: string, message: string) {
    super(message, 2);
    this.pass = pass;
  }
}

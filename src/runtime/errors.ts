// Errors of a run: a checkpoint that does not fit the model, a model_dir that cannot be written, a loss that
// became NaN. Exit code 1 (a failed run), not 2 (bad input), unless the cause is what the user gave.
import { WscError } from "../util/errors.js";

export class RuntimeError extends WscError {
  constructor(message: string, exitCode = 1) {
    super(message, exitCode);
  }
}

// Errors of the appliance's roles: a run that cannot go on. Exit status 1 (a failed run, not bad input) unless
// the error is about what the user asked for.
import { WscError } from "../util/errors.js";

export class ApplianceError extends WscError {
  constructor(message: string, exitCode = 1) {
    super(message, exitCode);
  }
}

// Errors of the input pipeline: bad or missing data, named with the file, the key and the fix.
import { WscError } from "../util/errors.js";

/** Data that cannot be read as the params file says (missing folder, wrong shape, ids out of range...). */
export class DataError extends WscError {}

// The data files of a folder: the names a reader takes, sorted, with a clear error for a folder that is not one.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../util/errors.js";
import { DataError } from "./errors.js";

/** The files of `dir` whose names `match` accepts, sorted by name; `pattern` names them in errors ("*.h5"). */
export function dataFilesIn(dir: string, pattern: string, match: (name: string) => boolean): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory())
      throw new DataError(`data_dir ${dir} is a file; it must be a folder of ${pattern} files`);
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`cannot read data_dir ${dir}: ${errnoCode(e)}`);
  }
  return names
    .filter(match)
    .sort()
    .map((n) => join(dir, n));
}

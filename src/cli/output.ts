// Output formats shared by commands that print records: a table for people, JSON or YAML for programs.
import { writeFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { stringify } from "yaml";
import { WscError, errnoCode } from "../util/errors.js";

export type OutputFormat = "table" | "json" | "yaml";

export function parseOutputFormat(value: string): OutputFormat {
  const v = value.toLowerCase();
  if (v !== "table" && v !== "json" && v !== "yaml")
    throw new InvalidArgumentError(`"${value}" is not an output format: use table, json or yaml.`);
  return v;
}

/** Writes a file the user named with `flag`; a path that cannot be written is an error naming both. */
export async function writeOutput(
  path: string,
  flag: string,
  write: (path: string) => void | Promise<void>,
): Promise<void> {
  try {
    await write(path);
  } catch (e) {
    throw new WscError(`cannot write ${path}: ${errnoCode(e)}; give a writable path with ${flag}`);
  }
}

/** Writes `data` to a file the user named with `flag` (see writeOutput). */
export function writeOutputFile(path: string, flag: string, data: string | Uint8Array): Promise<void> {
  return writeOutput(path, flag, (p) => writeFileSync(p, data));
}

/** JSON (indented) or YAML text of a value, ending in a newline. */
export function formatData(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(value, null, 2) + "\n" : stringify(value);
}

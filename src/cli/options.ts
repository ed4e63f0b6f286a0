// Options shared by several commands, and parsers for option values; each parser names the allowed values in
// its error.
import { InvalidArgumentError, Option } from "commander";
import { FAMILY_NAMES } from "../frontends/index.js";
import type { SystemKind } from "../hw/index.js";

/** The help of `-p/--params`, for every command that reads a params file. */
export const PARAMS_HELP = "Model Zoo params YAML (old or 2.3+ layout)";

/** `--model`: the family when the params file does not name one; the names are the params reader's. */
export function modelFamilyOption(): Option {
  return new Option(
    "--model <family>",
    `model family when the params file does not name one: ${Object.keys(FAMILY_NAMES).join(", ")}`,
  );
}

export function parseSystemKind(value: string): SystemKind {
  const v = value.toLowerCase();
  if (v !== "cs2" && v !== "cs3")
    throw new InvalidArgumentError(`"${value}" is not a system type: use cs2 or cs3.`);
  return v;
}

/** An integer option within [min, max]. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`"${value}" must be an integer in ${min}..${max}.`);
    }
    return n;
  };
}

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

/**
 * An integer option within [min, max], written in decimal digits only: `0x10`, `1e3`, ` 3` and `3.0` are
 * refused (JavaScript's Number() would read them as 16, 1000 and 3), as run.py's argparse `type=int` does.
 */
export function intOption(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = /^-?[0-9]+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${JSON.stringify(value)} must be an integer in ${min}..${max}, in decimal digits.`,
      );
    }
    return n;
  };
}

/** A probability option: a decimal number in (0, 1). */
export function probabilityOption(value: string): number {
  const p = /^(0(\.[0-9]+)?|\.[0-9]+)$/.test(value) ? Number(value) : NaN;
  if (!(p > 0 && p < 1))
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} must be a decimal number between 0 and 1, such as 0.15.`,
    );
  return p;
}

/**
 * A file or folder option: an empty value (`-o ""`, often an unset shell variable) is refused rather than
 * read as the current folder, and so is one holding a NUL byte (no path can).
 */
export function pathOption(what: string): (value: string) => string {
  return (value: string) => {
    if (value === "" || value.includes("\0"))
      throw new InvalidArgumentError(
        `${JSON.stringify(value)} is not a path: give the ${what}${value === "" ? " (an empty value is often an unset shell variable)" : ""}.`,
      );
    return value;
  };
}

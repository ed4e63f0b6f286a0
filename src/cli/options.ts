// Parsers for command-line option values; each names the allowed values in its error.
import { InvalidArgumentError } from "commander";
import type { SystemKind } from "../hw/index.js";

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

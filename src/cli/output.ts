// Output formats shared by commands that print records: a table for people, JSON or YAML for programs.
import { InvalidArgumentError } from "commander";
import { stringify } from "yaml";

export type OutputFormat = "table" | "json" | "yaml";

export function parseOutputFormat(value: string): OutputFormat {
  const v = value.toLowerCase();
  if (v !== "table" && v !== "json" && v !== "yaml")
    throw new InvalidArgumentError(`"${value}" is not an output format: use table, json or yaml.`);
  return v;
}

/** JSON (indented) or YAML text of a value, ending in a newline. */
export function formatData(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(value, null, 2) + "\n" : stringify(value);
}

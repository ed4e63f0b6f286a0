// Plain-text tables for terminal output: columns padded to their widest cell, numbers right-aligned.

export interface TableOptions {
  /** Column indexes to right-align (numbers). */
  right?: readonly number[];
  /** Spaces between columns. */
  gap?: number;
}

export function table(
  header: readonly string[] | null,
  rows: readonly (readonly string[])[],
  o: TableOptions = {},
): string {
  const all = header ? [header, ...rows] : rows;
  const n = Math.max(...all.map((r) => r.length));
  const widths = Array.from({ length: n }, (_, c) => Math.max(...all.map((r) => [...(r[c] ?? "")].length)));
  const gap = " ".repeat(o.gap ?? 2);
  const right = new Set(o.right ?? []);
  const fmt = (r: readonly string[]) =>
    r
      .map((cell, c) => {
        const pad = " ".repeat(widths[c] - [...cell].length);
        return right.has(c) ? pad + cell : c === r.length - 1 ? cell : cell + pad;
      })
      .join(gap)
      .trimEnd();
  return all.map(fmt).join("\n");
}

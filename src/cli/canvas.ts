// A character canvas for drawing diagrams in the terminal with box-drawing characters.

export class Canvas {
  private rows: string[][] = [];

  put(x: number, y: number, text: string): void {
    while (this.rows.length <= y) this.rows.push([]);
    const row = this.rows[y];
    const chars = [...text];
    for (let i = 0; i < chars.length; i++) {
      while (row.length <= x + i) row.push(" ");
      row[x + i] = chars[i];
    }
  }

  get(x: number, y: number): string {
    return this.rows[y]?.[x] ?? " ";
  }

  /** A box with its top-left corner at (x, y), `w` columns wide, holding `lines` of text. Returns its height. */
  box(x: number, y: number, w: number, lines: readonly string[]): number {
    this.put(x, y, "┌" + "─".repeat(w - 2) + "┐");
    lines.forEach((l, i) => {
      const text = [...l].slice(0, w - 4).join("");
      this.put(x, y + 1 + i, "│ " + text + " ".repeat(w - 4 - [...text].length) + " │");
    });
    const h = lines.length + 2;
    this.put(x, y + h - 1, "└" + "─".repeat(w - 2) + "┘");
    return h;
  }

  vline(x: number, y0: number, y1: number, ch = "│"): void {
    for (let y = y0; y <= y1; y++) this.put(x, y, ch);
  }

  toString(): string {
    return this.rows.map((r) => r.join("").trimEnd()).join("\n");
  }
}

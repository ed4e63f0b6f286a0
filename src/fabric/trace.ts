// Traces of a fabric run in the Chrome trace-event format (open in Perfetto or chrome://tracing): one track
// per PE (process = row, thread = column), a span per task and per vector operation. Time unit: 1 "µs" in
// the viewer is one cycle.
import { createWriteStream } from "node:fs";
import type { FabricTracer } from "./fabric.js";

export class ChromeTracer implements FabricTracer {
  private readonly events: string[] = [];
  dropped = 0;
  constructor(readonly limit = 1_000_000) {}

  span(x: number, y: number, name: string, start: number, end: number): void {
    if (this.events.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.events.push(`{"name":"${name}","ph":"X","ts":${start},"dur":${end - start},"pid":${y},"tid":${x}}`);
  }

  get count(): number {
    return this.events.length;
  }

  /** Write the trace file; resolves when it is on disk. */
  write(path: string, meta: Readonly<Record<string, unknown>>): Promise<void> {
    return new Promise((resolve, reject) => {
      const out = createWriteStream(path);
      out.on("error", reject); // an unwritable path rejects; the end callback alone would not say so
      out.on("finish", () => resolve());
      out.write(
        `{"displayTimeUnit":"ns","otherData":${JSON.stringify({ ...meta, timeUnit: "1 us = 1 cycle", dropped: this.dropped })},"traceEvents":[\n`,
      );
      for (let i = 0; i < this.events.length; i++)
        out.write(this.events[i] + (i + 1 < this.events.length ? ",\n" : "\n"));
      out.end("]}\n");
    });
  }
}

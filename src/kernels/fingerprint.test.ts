// The simulator keeps every cycle and value of the runs its first version recorded: cycles, event counters,
// per-PE busy cycles, the values copied back and the span of every task and vector operation (see
// fingerprint.ts). A faster simulator must reproduce them exactly, traced or not.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fingerprint, fingerprintCases } from "./fingerprint.js";
import type { Fingerprint } from "./fingerprint.js";

const recorded = JSON.parse(
  readFileSync(new URL("./fixtures/fabric-fingerprints.json", import.meta.url), "utf8"),
) as Record<string, Fingerprint>;

describe("runs reproduce the recorded fingerprints cycle for cycle", () => {
  const cases = fingerprintCases();
  it("every case has a recorded fingerprint", () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(recorded).sort());
  });
  for (const c of cases)
    it(c.name, () => {
      const want = recorded[c.name];
      expect(fingerprint(c)).toEqual(want);
      expect(fingerprint(c, false)).toEqual({ ...want, spans: 0, trace: 0 });
    });
});

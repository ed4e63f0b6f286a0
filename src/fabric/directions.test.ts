import { describe, expect, it } from "vitest";
import { EAST, NORTH, RAMP, SOUTH, WEST, directionCode } from "./directions.js";

describe("direction names", () => {
  it("hardware and CSL names map to their links in any letter case", () => {
    expect(["RAMP", "N", "S", "E", "W"].map(directionCode)).toEqual([RAMP, NORTH, SOUTH, EAST, WEST]);
    expect(["north", "South", "eAsT", "west", "ramp"].map(directionCode)).toEqual([
      NORTH,
      SOUTH,
      EAST,
      WEST,
      RAMP,
    ]);
  });

  it("any other name, an object's property names included, is no link (-1)", () => {
    for (const name of ["UP", "", "constructor", "toString", "__proto__", "NORTHEAST"])
      expect(directionCode(name)).toBe(-1);
  });
});

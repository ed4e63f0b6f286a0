// The five links of a PE's router and the bit masks routes are stored as. Codes follow src/hw LINKS order.
import { LINKS } from "../hw/index.js";
import type { Link } from "../hw/index.js";

export const RAMP = 0;
export const NORTH = 1;
export const SOUTH = 2;
export const EAST = 3;
export const WEST = 4;
export const NUM_LINKS = LINKS.length;

/** The link names a route may use: the hardware's (RAMP, N, S, E, W) or CSL's (NORTH, SOUTH, EAST, WEST). */
export type Direction = Link | "NORTH" | "SOUTH" | "EAST" | "WEST";

const BY_NAME = new Map<string, number>([
  ["RAMP", RAMP],
  ["N", NORTH],
  ["S", SOUTH],
  ["E", EAST],
  ["W", WEST],
  ["NORTH", NORTH],
  ["SOUTH", SOUTH],
  ["EAST", EAST],
  ["WEST", WEST],
]);

export const DIRECTION_NAMES = ["RAMP", "NORTH", "SOUTH", "EAST", "WEST"] as const;

/** The link code of a direction name, or -1. */
export function directionCode(name: string): number {
  return BY_NAME.get(name) ?? BY_NAME.get(name.toUpperCase()) ?? -1;
}

/** The link a wavelet leaving on `d` arrives on at the neighbour. */
export const OPPOSITE = [RAMP, SOUTH, NORTH, WEST, EAST];

/** Column and row offsets of each link's neighbour (RAMP: the PE itself). North is row - 1. */
export const DX = [0, 0, 0, 1, -1];
export const DY = [0, -1, 1, 0, 0];

/** The link codes set in each 5-bit mask, precomputed for the router's inner loop. */
export const LINKS_OF_MASK: readonly (readonly number[])[] = Array.from({ length: 1 << NUM_LINKS }, (_, m) =>
  [0, 1, 2, 3, 4].filter((d) => m & (1 << d)),
);

export function maskNames(mask: number): string {
  const names = LINKS_OF_MASK[mask].map((d) => DIRECTION_NAMES[d]);
  return names.length ? `{${names.join(", ")}}` : "{}";
}

// Job and workflow ids as the real cluster spells them: `wsjob-` or `wflow-` followed by 22 lowercase
// alphanumerics, drawn from the operating system's cryptographic generator so that ids made by several
// processes at once never collide in practice (36^22 ~ 1.7e34).
import { randomInt } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const SUFFIX_LENGTH = 22;

function suffix(): string {
  let s = "";
  for (let i = 0; i < SUFFIX_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A new job id: `wsjob-` + 22 lowercase alphanumerics. */
export function newJobId(): string {
  return `wsjob-${suffix()}`;
}

/** A new workflow id grouping the compile and execute jobs of one run: `wflow-` + 22 lowercase alphanumerics. */
export function newWorkflowId(): string {
  return `wflow-${suffix()}`;
}

/** Whether `s` has the shape of a job id. */
export function isJobId(s: string): boolean {
  return /^wsjob-[a-z0-9]{22}$/.test(s);
}

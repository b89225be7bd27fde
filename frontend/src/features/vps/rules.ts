/**
 * The server's own rules (src/vpspanel/instances/validation.py), checked live in the forms so the
 * UI never accepts what the API refuses, nor refuses what it accepts.
 */

import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as zxcvbnCommon from "@zxcvbn-ts/language-common";

export const ROOT_PASS_MIN = 12;
export const ROOT_PASS_MAX = 128;
/** The server asks zxcvbn for its top score (validation.py ROOT_PASS_MIN_SCORE). */
export const ROOT_PASS_MIN_SCORE = 4;
const HOSTNAME_MIN = 3;
const HOSTNAME_MAX = 253;
const HOSTNAME_PART = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const zxcvbn = new ZxcvbnFactory({
  dictionary: zxcvbnCommon.dictionary,
  graphs: zxcvbnCommon.adjacencyGraphs,
});

/** zxcvbn's 0-4 score of a password (what the server checks, and the meter shows). */
export function passwordScore(password: string): 0 | 1 | 2 | 3 | 4 {
  return password ? (zxcvbn.check(password.slice(0, ROOT_PASS_MAX)).score as 0 | 1 | 2 | 3 | 4) : 0;
}
// Control, format and surrogate characters (the server's Cc, Cf, Cs categories).
const UNTYPABLE = /[\p{Cc}\p{Cf}\p{Cs}]/u;
const CLASSES: { name: string; pattern: RegExp }[] = [
  { name: "lower case", pattern: /[a-z]/ },
  { name: "upper case", pattern: /[A-Z]/ },
  { name: "digits", pattern: /[0-9]/ },
  { name: "symbols", pattern: /[^A-Za-z0-9]/ },
];

export const LABEL_RULE =
  "Use a hostname like 'web1' or 'web1.example.com': parts of 1-63 letters, digits and '-' separated by dots, starting with a letter, 3-253 characters in all.";

/** The label's problem, or null when the server will accept it (validation.py label_problem). */
export function labelProblem(label: string): string | null {
  if (label.length < HOSTNAME_MIN || label.length > HOSTNAME_MAX) return LABEL_RULE;
  if (!/^[A-Za-z]/.test(label)) return LABEL_RULE;
  return label.split(".").every((part) => HOSTNAME_PART.test(part)) ? null : LABEL_RULE;
}

export type PasswordCheck = { id: string; label: string; met: boolean };

/** The live checklist of the root password rule, item by item. */
export function passwordChecklist(password: string): PasswordCheck[] {
  const classes = CLASSES.filter(({ pattern }) => pattern.test(password)).length;
  return [
    {
      id: "length",
      label: `${ROOT_PASS_MIN} to ${ROOT_PASS_MAX} characters`,
      met: password.length >= ROOT_PASS_MIN && password.length <= ROOT_PASS_MAX,
    },
    {
      id: "classes",
      label: "At least three of: lower case, upper case, digits, symbols",
      met: classes >= 3,
    },
    { id: "typable", label: "No line breaks, tabs or control characters", met: !UNTYPABLE.test(password) },
    { id: "strength", label: "Hard to guess (strength 4 of 4)", met: passwordScore(password) >= ROOT_PASS_MIN_SCORE },
  ];
}

/** The root password's problem (the server's message), or null when it passes. */
export function rootPassProblem(password: string): string | null {
  if (password.length < ROOT_PASS_MIN || password.length > ROOT_PASS_MAX)
    return `Use ${ROOT_PASS_MIN} to ${ROOT_PASS_MAX} characters.`;
  if (UNTYPABLE.test(password)) return "Do not use line breaks, tabs or other control characters.";
  if (CLASSES.filter(({ pattern }) => pattern.test(password)).length < 3)
    return "Use at least three of: lower case, upper case, digits, symbols.";
  if (passwordScore(password) < ROOT_PASS_MIN_SCORE)
    return "This password is too easy to guess. Use a longer password or a few uncommon words.";
  return null;
}

const LOWER = "abcdefghijkmnpqrstuvwxyz";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS = "23456789";
const SYMBOLS = "-_.!@#%+=";
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

function randomIndex(size: number): number {
  // Rejection sampling: no modulo bias.
  const limit = Math.floor(0x1_0000_0000 / size) * size;
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    if (buffer[0] < limit) return buffer[0] % size;
  }
}

/** A 20-character password with every class, from the browser's CSPRNG. */
export function generatePassword(length = 20): string {
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map((set) => set[randomIndex(set.length)]);
  while (chars.length < length) chars.push(ALL[randomIndex(ALL.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomIndex(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join("");
}

/** "ubuntu-fra-1": a hostname from the image and region labels, valid by the label rule. */
export function suggestHostname(image: string | undefined, region: string | undefined): string {
  const slug = (text: string | undefined) =>
    (text ?? "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .split("-")
      .slice(0, 2)
      .join("-");
  let base = [slug(image), slug(region)].filter(Boolean).join("-") || "server";
  if (!/^[a-z]/.test(base)) base = `vps-${base}`;
  base = base.slice(0, 55).replace(/-+$/, "");
  const suffix = (1 + randomIndex(99)).toString();
  return `${base}-${suffix}`;
}

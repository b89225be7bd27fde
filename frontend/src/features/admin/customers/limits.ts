import { z } from "zod";

export const SERVER_LIMIT_MAX = 100_000;

/** A server limit typed in a text box: empty means no limit, otherwise a whole number 0–100000. */
export const serverLimitRule = z
  .string()
  .trim()
  .refine((text) => text === "" || /^\d+$/.test(text), "Enter a whole number (0 or more), or leave it empty for no limit.")
  .refine((text) => text === "" || Number(text) <= SERVER_LIMIT_MAX, `At most ${SERVER_LIMIT_MAX.toLocaleString("en")}.`);

export function limitFromText(text: string): number | null {
  const trimmed = text.trim();
  return trimmed === "" ? null : Number(trimmed);
}

export function limitToText(limit: number | null): string {
  return limit === null ? "" : String(limit);
}

import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { isApiError } from "@/api/http";

/**
 * Puts the server's 422 `fields` messages on the matching inputs. Returns the messages that
 * matched no input (to show above the form).
 */
export function applyServerFieldErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  inputs: readonly Path<T>[],
): string[] {
  if (!isApiError(error)) return [];
  const unmatched: string[] = [];
  for (const { field, message } of error.fields) {
    const input = inputs.find((name) => name === field);
    if (input) setError(input, { type: "server", message }, { shouldFocus: true });
    else unmatched.push(message);
  }
  return unmatched;
}

/** A same-site path to continue to after signing in; anything else becomes `/vps`. */
export function safeNext(next: unknown): string {
  if (typeof next !== "string" || !next.startsWith("/") || next.startsWith("//")) return "/vps";
  if (next.startsWith("/login") || next.startsWith("/register")) return "/vps";
  return next;
}

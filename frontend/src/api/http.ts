/**
 * Wires the generated client (src/client, never edited by hand) to the API's rules: cookies for
 * the session, the CSRF token echoed from its cookie on every state-changing request, the acting
 * organization in X-Organization-Id, and every failure turned into an ApiError.
 */
import { client } from "@/client/client.gen";
import { currentOrganizationId } from "./organization";

export const CSRF_COOKIE = "vpspanel_csrf";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type FieldMessage = { field: string; message: string };

/** What went wrong with a request: HTTP status (0 when the network failed), the API's error
 * code and safe detail, per-field messages for 422, and the wait in seconds for 429. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly fields: FieldMessage[];
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    detail: string;
    fields?: FieldMessage[] | null;
    retryAfter?: number | null;
  }) {
    super(init.detail);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.fields = init.fields ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }

  /** The message for one field ("root_pass", "region"), if the server named it. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((entry) => entry.field === field)?.message;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export function readCookie(name: string): string | null {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(";")) {
    const trimmed = part.trim();
    if (trimmed.startsWith(prefix)) return decodeURIComponent(trimmed.slice(prefix.length));
  }
  return null;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export function toApiError(body: unknown, response: Response | undefined): ApiError {
  if (!response) {
    return new ApiError({
      status: 0,
      code: "network_error",
      detail: "Could not reach the panel. Check your connection and try again.",
    });
  }
  const payload = (typeof body === "object" && body !== null ? body : {}) as {
    error?: unknown;
    detail?: unknown;
    fields?: unknown;
  };
  return new ApiError({
    status: response.status,
    code: typeof payload.error === "string" ? payload.error : `http_${response.status}`,
    detail:
      typeof payload.detail === "string"
        ? payload.detail
        : `The panel answered ${response.status}. Try again.`,
    fields: Array.isArray(payload.fields) ? (payload.fields as FieldMessage[]) : [],
    retryAfter: parseRetryAfter(response.headers.get("Retry-After")),
  });
}

let configured = false;

/** Idempotent: configures the shared generated client once. */
export function configureClient(): void {
  if (configured) return;
  configured = true;
  client.setConfig({ baseUrl: window.location.origin, credentials: "same-origin", throwOnError: true });
  client.interceptors.request.use((request) => {
    if (!SAFE_METHODS.has(request.method.toUpperCase())) {
      const csrf = readCookie(CSRF_COOKIE);
      if (csrf) request.headers.set("X-CSRF-Token", csrf);
    }
    const organization = currentOrganizationId();
    if (organization && !request.headers.has("X-Organization-Id")) {
      request.headers.set("X-Organization-Id", organization);
    }
    return request;
  });
  client.interceptors.error.use((error, response) => toApiError(error, response));
}

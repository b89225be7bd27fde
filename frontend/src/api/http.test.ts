import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { http as mock, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { ApiError, configureClient, parseRetryAfter } from "./http";
import { setCurrentOrganizationId } from "./organization";
import { getMe, rebootInstance } from "@/client/sdk.gen";

const seen: Request[] = [];
const server = setupServer(
  mock.get("*/api/auth/me", ({ request }) => {
    seen.push(request);
    return HttpResponse.json({ error: "unauthenticated", detail: "Sign in." }, { status: 401 });
  }),
  mock.post("*/api/vps/:id/reboot", ({ request }) => {
    seen.push(request);
    return HttpResponse.json(
      { error: "rate_limited", detail: "Slow down.", fields: [] },
      { status: 429, headers: { "Retry-After": "7" } },
    );
  }),
);

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  configureClient();
});
afterEach(() => {
  seen.length = 0;
  document.cookie = "vpspanel_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
  setCurrentOrganizationId(null);
});

describe("the API client", () => {
  it("turns error answers into ApiError with code, detail and Retry-After", async () => {
    const error = await rebootInstance({ path: { instance_id: "x" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", detail: "Slow down.", retryAfter: 7 });
  });

  it("echoes the CSRF cookie on state-changing requests only", async () => {
    document.cookie = "vpspanel_csrf=tok%2Ben";
    await rebootInstance({ path: { instance_id: "x" } }).catch(() => undefined);
    await getMe().catch(() => undefined);
    expect(seen[0].headers.get("X-CSRF-Token")).toBe("tok+en");
    expect(seen[1].headers.get("X-CSRF-Token")).toBeNull();
  });

  it("sends the chosen organization", async () => {
    setCurrentOrganizationId("org-2");
    await getMe().catch(() => undefined);
    expect(seen[0].headers.get("X-Organization-Id")).toBe("org-2");
  });

  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("12")).toBe(12);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60);
    expect(parseRetryAfter(null)).toBeNull();
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiTokenIn, ApiTokenOut, MeOut } from "@/client/types.gen";
import { me, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const RAW = "vpst_Q2FuYXJ5LXRva2VuLXZhbHVlLTEyMzQ1Njc4OTA";
const twoOrganizations: MeOut = {
  ...me,
  organizations: [...me.organizations, { id: "o2", name: "Side Project", role: "member" }],
};

function token(overrides: Partial<ApiTokenOut> = {}): ApiTokenOut {
  return {
    id: "t1",
    name: "ci",
    organization_id: "o1",
    organization_name: "Casey Co",
    prefix: "vpst_Q2FuYXJ5",
    admin: false,
    created_at: new Date(Date.now() - 2 * 3600_000).toISOString(),
    expires_at: null,
    last_used_at: null,
    ...overrides,
  };
}

function useTokens(tokens: ApiTokenOut[], who: MeOut = me) {
  server.use(
    http.get("*/api/auth/me", () => HttpResponse.json(who)),
    http.get("*/api/account/tokens", () => HttpResponse.json({ api_tokens: tokens })),
  );
  return tokens;
}

describe("/account#tokens", () => {
  it("lists tokens with organization, prefix, times and expiry, never the token", async () => {
    useTokens([
      token({ last_used_at: new Date(Date.now() - 5 * 60_000).toISOString() }),
      token({ id: "t2", name: "old", expires_at: "2020-01-01T00:00:00Z", organization_name: "Side Project" }),
    ]);
    renderApp("/account#tokens");
    const list = await screen.findByRole("list", { name: "API tokens" });
    const ci = within(list).getByRole("listitem", { name: "ci" });
    expect(within(ci).getByText("vpst_Q2FuYXJ5…")).toBeInTheDocument();
    expect(within(ci).getByText("Casey Co")).toBeInTheDocument();
    expect(within(ci).getByText("5 min. ago")).toBeInTheDocument();
    expect(within(ci).getByText("2 hr. ago")).toBeInTheDocument();
    expect(within(ci).getAllByText("Never")).toHaveLength(1); // expiry
    const old = within(list).getByRole("listitem", { name: "old" });
    expect(within(old).getByText("Expired")).toBeInTheDocument();
    expect(within(old).getByText("Never")).toBeInTheDocument(); // never used
  });

  it("shows a new token once, with a copy button, in the organization chosen", async () => {
    const tokens = useTokens([], twoOrganizations);
    const bodies: ApiTokenIn[] = [];
    server.use(
      http.post("*/api/account/tokens", async ({ request }) => {
        const body = (await request.json()) as ApiTokenIn;
        bodies.push(body);
        const created = token({ name: body.name, organization_id: "o2", organization_name: "Side Project" });
        tokens.push(created);
        return HttpResponse.json({ api_token: created, token: RAW }, { status: 201 });
      }),
    );
    renderApp("/account#tokens");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "deploy bot");
    await user.selectOptions(screen.getByLabelText("Organization"), "Side Project");
    await user.selectOptions(screen.getByLabelText("Expires after"), "Never");
    // Customers are not offered the admin flag.
    expect(screen.queryByLabelText("Allow the administration API")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Create token" }));
    const shown = await screen.findByRole("region", { name: "New API token" });
    expect(within(shown).getByText(RAW)).toBeInTheDocument();
    expect(within(shown).getByText(/You will not see it again/)).toBeInTheDocument();
    expect(within(shown).getByRole("button", { name: "Copy API token deploy bot" })).toBeInTheDocument();
    expect(bodies).toEqual([{ name: "deploy bot", organization_id: "o2", admin: false }]);
    expect(await screen.findByRole("listitem", { name: "deploy bot" })).toBeInTheDocument();
    await user.click(within(shown).getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByText(RAW)).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Create token" })).toBeInTheDocument();
  });

  it("sends an expiry and, for an administrator, the admin flag", async () => {
    useTokens([], { ...me, user: { ...me.user, role: "admin" } });
    const bodies: ApiTokenIn[] = [];
    server.use(
      http.post("*/api/account/tokens", async ({ request }) => {
        const body = (await request.json()) as ApiTokenIn;
        bodies.push(body);
        return HttpResponse.json({ api_token: token({ admin: true }), token: RAW }, { status: 201 });
      }),
    );
    renderApp("/account#tokens");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "ops");
    await user.selectOptions(screen.getByLabelText("Expires after"), "30 days");
    await user.click(screen.getByLabelText("Allow the administration API"));
    await user.click(screen.getByRole("button", { name: "Create token" }));
    await screen.findByRole("region", { name: "New API token" });
    expect(bodies[0]).toMatchObject({ name: "ops", organization_id: "o1", admin: true });
    const days = (new Date(bodies[0].expires_at!).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it("puts server field errors on their inputs", async () => {
    useTokens([]);
    server.use(
      http.post("*/api/account/tokens", () =>
        HttpResponse.json(
          {
            error: "validation_error",
            detail: "Invalid fields: name.",
            fields: [{ field: "name", message: "must not contain control characters" }],
          },
          { status: 422 },
        ),
      ),
    );
    renderApp("/account#tokens");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "x");
    await user.click(screen.getByRole("button", { name: "Create token" }));
    expect(await screen.findByText("must not contain control characters")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
  });

  it("revokes a token after confirmation", async () => {
    let tokens = useTokens([token()]);
    const revoked: string[] = [];
    server.use(
      http.get("*/api/account/tokens", () => HttpResponse.json({ api_tokens: tokens })),
      http.delete("*/api/account/tokens/:id", ({ params }) => {
        revoked.push(String(params.id));
        tokens = [];
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp("/account#tokens");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Revoke API token ci" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Revoke API token ci?" });
    expect(within(dialog).getByText(/stops working at once/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(revoked).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Revoke API token ci" }));
    await user.click(await screen.findByRole("button", { name: "Revoke token" }));
    await waitFor(() => expect(revoked).toEqual(["t1"]));
    expect(await screen.findByText("No API tokens yet.")).toBeInTheDocument();
  });
});

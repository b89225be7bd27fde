import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setCurrentOrganizationId } from "@/api/organization";
import type { InvitationPreview } from "@/client/types.gen";
import { me, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
beforeEach(() => setCurrentOrganizationId(null));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const preview: InvitationPreview = {
  organization_name: "Acme",
  inviter_name: "Olive",
  email: "casey@example.com",
  role: "member",
  expires_at: "2026-12-08T10:00:00Z",
  account_exists: false,
};
const signedOut = http.get("*/api/auth/me", () =>
  HttpResponse.json({ error: "unauthenticated", detail: "Sign in to continue." }, { status: 401 }),
);
const serversPage = [
  http.get("*/api/vps", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 25 })),
  http.get("*/api/vps/regions", () => HttpResponse.json({ regions: [] })),
  http.get("*/api/vps/plans", () => HttpResponse.json({ plans: [] })),
];

describe("the accept-invitation page", () => {
  it("signs up a newcomer, joins, and opens the organization's servers", async () => {
    let sent: unknown = null;
    let signedIn = false;
    server.use(
      http.get("*/api/invitations/tok", () => HttpResponse.json(preview)),
      http.get("*/api/auth/me", () =>
        signedIn
          ? HttpResponse.json({ ...me, organizations: [...me.organizations, { id: "o9", name: "Acme", role: "member" }] })
          : HttpResponse.json({ error: "unauthenticated", detail: "Sign in to continue." }, { status: 401 }),
      ),
      http.post("*/api/invitations/tok/accept", async ({ request }) => {
        sent = await request.json();
        signedIn = true;
        return HttpResponse.json({ organization: { id: "o9", name: "Acme", role: "member" }, session: null });
      }),
      ...serversPage,
    );
    const user = userEvent.setup();
    const { router } = renderApp("/invite/tok");
    expect(await screen.findByRole("heading", { name: "Join Acme" })).toBeInTheDocument();
    expect(screen.getByText(/Olive invited/)).toHaveTextContent("as a member");
    await user.type(screen.getByLabelText("Name"), "Casey");
    const password = screen.getByLabelText("Password");
    await user.type(password, "a long passphrase");
    await user.click(screen.getByRole("button", { name: "Show password" }));
    expect(password).toHaveAttribute("type", "text");
    await user.click(screen.getByRole("button", { name: "Create account and join" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/vps"));
    expect(sent).toEqual({ name: "Casey", password: "a long passphrase" });
    expect(localStorage.getItem("vpspanel.organization")).toBe("o9");
  });

  it("checks the password length before sending", async () => {
    let calls = 0;
    server.use(
      http.get("*/api/invitations/tok", () => HttpResponse.json(preview)),
      signedOut,
      http.post("*/api/invitations/tok/accept", () => {
        calls += 1;
        return HttpResponse.json({});
      }),
    );
    const user = userEvent.setup();
    renderApp("/invite/tok");
    await user.type(await screen.findByLabelText("Name"), "Casey");
    await user.type(screen.getByLabelText("Password"), "short");
    await user.click(screen.getByRole("button", { name: "Create account and join" }));
    expect(await screen.findByText("At least 10 characters.", { selector: "p[id$=-error]" })).toBeInTheDocument();
    expect(calls).toBe(0);
  });

  it("sends someone with an account to sign in and come back", async () => {
    server.use(
      http.get("*/api/invitations/tok", () => HttpResponse.json({ ...preview, account_exists: true })),
      signedOut,
    );
    renderApp("/invite/tok");
    const link = await screen.findByRole("link", { name: "Sign in to accept" });
    expect(link).toHaveAttribute("href", "/login?next=%2Finvite%2Ftok");
    expect(screen.queryByLabelText("Password")).not.toBeInTheDocument();
  });

  it("signed in with the invited email: Accept joins", async () => {
    let accepted = false;
    server.use(
      http.get("*/api/invitations/tok", () => HttpResponse.json({ ...preview, account_exists: true })),
      http.get("*/api/auth/me", () => HttpResponse.json(me)),
      http.post("*/api/invitations/tok/accept", () => {
        accepted = true;
        return HttpResponse.json({ organization: { id: "o9", name: "Acme", role: "member" }, session: null });
      }),
      ...serversPage,
    );
    const user = userEvent.setup();
    const { router } = renderApp("/invite/tok");
    await user.click(await screen.findByRole("button", { name: "Accept invitation" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/vps"));
    expect(accepted).toBe(true);
    expect(localStorage.getItem("vpspanel.organization")).toBe("o9");
  });

  it("signed in with another email: says so, no Accept", async () => {
    server.use(
      http.get("*/api/invitations/tok", () => HttpResponse.json({ ...preview, email: "other@example.com" })),
      http.get("*/api/auth/me", () => HttpResponse.json(me)),
    );
    renderApp("/invite/tok");
    expect(await screen.findByText("This invitation is for another address")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Accept invitation" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out" })).toBeInTheDocument();
  });

  it("a used or unknown link shows the API's reason", async () => {
    server.use(
      http.get("*/api/invitations/tok", () =>
        HttpResponse.json(
          { error: "invitation_not_found", detail: "This invitation link is not valid: it was already used, revoked, or it has expired." },
          { status: 404 },
        ),
      ),
      signedOut,
    );
    renderApp("/invite/tok");
    expect(await screen.findByRole("heading", { name: "Invitation not valid" })).toBeInTheDocument();
    expect(screen.getByText(/already used, revoked, or it has expired/)).toBeInTheDocument();
  });
});

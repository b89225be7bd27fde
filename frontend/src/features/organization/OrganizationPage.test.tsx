import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setCurrentOrganizationId } from "@/api/organization";
import type { InvitationOut, MemberOut, MeOut } from "@/client/types.gen";
import { me, renderApp, server } from "@/test/app";
import { ONLY_OWNER_TEXT } from "./LeaveOrganization";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
beforeEach(() => setCurrentOrganizationId(null));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const casey: MemberOut = {
  user_id: "u1",
  name: "Casey",
  email: "casey@example.com",
  role: "owner",
  joined_at: "2026-11-01T10:00:00Z",
};
const robin: MemberOut = {
  user_id: "u2",
  name: "Robin",
  email: "robin@example.com",
  role: "member",
  joined_at: "2026-11-20T10:00:00Z",
};
const pending: InvitationOut = {
  id: "inv1",
  email: "sam@example.com",
  role: "member",
  invited_by_name: "Casey",
  created_at: "2026-11-30T10:00:00Z",
  expires_at: "2026-12-07T10:00:00Z",
  expired: false,
};

function handlers({ who = me, members = [casey, robin] }: { who?: MeOut; members?: MemberOut[] } = {}) {
  server.use(
    http.get("*/api/auth/me", () => HttpResponse.json(who)),
    http.get("*/api/organizations/o1/members", () => HttpResponse.json({ members })),
    http.get("*/api/organizations/o1/invitations", () => HttpResponse.json({ invitations: [pending] })),
  );
}

describe("the organization page", () => {
  it("lets an owner invite and shows the link once with a copy button when no email is sent", async () => {
    handlers();
    let sent: unknown = null;
    server.use(
      http.post("*/api/organizations/o1/invitations", async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json(
          {
            invitation: { ...pending, id: "inv2", email: "new@example.com", role: "owner" },
            delivery: "link",
            link: "http://panel.test/invite/tok-123",
          },
          { status: 201 },
        );
      }),
    );
    const user = userEvent.setup();
    renderApp("/organization");
    await user.click(await screen.findByRole("button", { name: "Invite" }));
    const dialog = await screen.findByRole("dialog", { name: "Invite someone" });
    await user.type(within(dialog).getByLabelText("Email"), "new@example.com");
    await user.selectOptions(within(dialog).getByLabelText("Role"), "owner");
    await user.click(within(dialog).getByRole("button", { name: "Send invitation" }));
    expect(await within(dialog).findByTestId("invitation-link")).toHaveTextContent("http://panel.test/invite/tok-123");
    expect(within(dialog).getByRole("button", { name: "Copy invitation link for new@example.com" })).toBeInTheDocument();
    expect(sent).toEqual({ email: "new@example.com", role: "owner" });
  });

  it("says the email was sent, without a link, when the panel emailed it", async () => {
    handlers();
    server.use(
      http.post("*/api/organizations/o1/invitations", () =>
        HttpResponse.json({ invitation: { ...pending, email: "new@example.com" }, delivery: "email", link: null }, { status: 201 }),
      ),
    );
    const user = userEvent.setup();
    renderApp("/organization");
    await user.click(await screen.findByRole("button", { name: "Invite" }));
    const dialog = await screen.findByRole("dialog", { name: "Invite someone" });
    await user.type(within(dialog).getByLabelText("Email"), "new@example.com");
    await user.click(within(dialog).getByRole("button", { name: "Send invitation" }));
    expect(await within(dialog).findByText("Email sent")).toBeInTheDocument();
    expect(within(dialog).queryByTestId("invitation-link")).not.toBeInTheDocument();
  });

  it("shows an already-member refusal on the email field", async () => {
    handlers();
    server.use(
      http.post("*/api/organizations/o1/invitations", () =>
        HttpResponse.json({ error: "already_member", detail: "Someone with this email is already a member." }, { status: 409 }),
      ),
    );
    const user = userEvent.setup();
    renderApp("/organization");
    await user.click(await screen.findByRole("button", { name: "Invite" }));
    const dialog = await screen.findByRole("dialog", { name: "Invite someone" });
    await user.type(within(dialog).getByLabelText("Email"), "robin@example.com");
    await user.click(within(dialog).getByRole("button", { name: "Send invitation" }));
    expect(await within(dialog).findByText("Someone with this email is already a member.")).toBeInTheDocument();
    expect(within(dialog).getByLabelText("Email")).toHaveAttribute("aria-invalid", "true");
  });

  it("changes a role and removes a member after confirming", async () => {
    handlers();
    const calls: string[] = [];
    server.use(
      http.patch("*/api/organizations/o1/members/u2", async ({ request }) => {
        calls.push(`role ${JSON.stringify(await request.json())}`);
        return HttpResponse.json({ ...robin, role: "owner" });
      }),
      http.delete("*/api/organizations/o1/members/u2", () => {
        calls.push("remove");
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const user = userEvent.setup();
    renderApp("/organization");
    const table = await screen.findByRole("table", { name: "Members of Casey Co" });
    await user.selectOptions(within(table).getByLabelText("Role of Robin"), "owner");
    await waitFor(() => expect(calls).toEqual(['role {"role":"owner"}']));
    // No remove button for oneself.
    expect(within(table).queryByRole("button", { name: "Remove Casey" })).not.toBeInTheDocument();
    await user.click(within(table).getByRole("button", { name: "Remove Robin" }));
    const confirm = await screen.findByRole("alertdialog", { name: "Remove Robin?" });
    await user.click(within(confirm).getByRole("button", { name: "Remove Robin" }));
    await waitFor(() => expect(calls).toEqual(['role {"role":"owner"}', "remove"]));
  });

  it("the only owner's role cannot be changed to member", async () => {
    handlers();
    renderApp("/organization");
    const table = await screen.findByRole("table", { name: "Members of Casey Co" });
    const role = within(table).getByLabelText("Role of Casey");
    expect(role).toBeDisabled();
    expect(role).toHaveAttribute("title", expect.stringMatching(/only owner/));
  });

  it("the only owner cannot leave and sees why", async () => {
    handlers();
    renderApp("/organization");
    expect(await screen.findByText(ONLY_OWNER_TEXT)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Leave Casey Co" })).toBeDisabled();
  });

  it("resends an invitation and shows the new link; revokes another", async () => {
    handlers();
    const calls: string[] = [];
    server.use(
      http.post("*/api/organizations/o1/invitations/inv1/resend", () => {
        calls.push("resend");
        return HttpResponse.json({ invitation: pending, delivery: "link", link: "http://panel.test/invite/tok-new" });
      }),
      http.delete("*/api/organizations/o1/invitations/inv1", () => {
        calls.push("revoke");
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const user = userEvent.setup();
    renderApp("/organization");
    await user.click(await screen.findByRole("button", { name: "Resend invitation to sam@example.com" }));
    const dialog = await screen.findByRole("dialog", { name: "Invitation resent" });
    expect(within(dialog).getByTestId("invitation-link")).toHaveTextContent("tok-new");
    await user.click(within(dialog).getByRole("button", { name: "Done" }));
    await user.click(screen.getByRole("button", { name: "Revoke invitation to sam@example.com" }));
    await waitFor(() => expect(calls).toEqual(["resend", "revoke"]));
  });

  it("a member sees the name and Leave, not member management", async () => {
    const member: MeOut = { ...me, organizations: [{ id: "o1", name: "Casey Co", role: "member" }] };
    server.use(http.get("*/api/auth/me", () => HttpResponse.json(member)));
    let left = false;
    server.use(
      http.post("*/api/organizations/o1/leave", () => {
        left = true;
        return new HttpResponse(null, { status: 204 });
      }),
      http.get("*/api/vps", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 25 })),
      http.get("*/api/vps/regions", () => HttpResponse.json({ regions: [] })),
      http.get("*/api/vps/plans", () => HttpResponse.json({ plans: [] })),
    );
    const user = userEvent.setup();
    const { router } = renderApp("/organization");
    expect(await screen.findByRole("heading", { name: /Casey Co/ })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Invite" })).not.toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
    expect(screen.queryByText("Pending invitations")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Leave Casey Co" }));
    const confirm = await screen.findByRole("alertdialog", { name: "Leave Casey Co?" });
    await user.click(within(confirm).getByRole("button", { name: "Leave" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/vps"));
    expect(left).toBe(true);
  });

  it("creates an organization from the switcher and opens its settings", async () => {
    handlers();
    let sent: unknown = null;
    server.use(
      http.post("*/api/organizations", async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ id: "o2", name: "Side Project", role: "owner" }, { status: 201 });
      }),
      http.get("*/api/organizations/o2/members", () => HttpResponse.json({ members: [casey] })),
      http.get("*/api/organizations/o2/invitations", () => HttpResponse.json({ invitations: [] })),
    );
    const user = userEvent.setup();
    const { router } = renderApp("/organization");
    await user.click(await screen.findByRole("button", { name: "Organization: Casey Co" }));
    await user.click(await screen.findByRole("menuitem", { name: "New organization" }));
    const dialog = await screen.findByRole("dialog", { name: "New organization" });
    await user.type(within(dialog).getByLabelText("Name"), "Side Project");
    await user.click(within(dialog).getByRole("button", { name: "Create organization" }));
    await waitFor(() => expect(sent).toEqual({ name: "Side Project" }));
    expect(localStorage.getItem("vpspanel.organization")).toBe("o2");
    expect(router.state.location.pathname).toBe("/organization");
  });

  it("someone in no organization can still create one from the switcher", async () => {
    server.use(http.get("*/api/auth/me", () => HttpResponse.json({ ...me, organizations: [] })));
    const user = userEvent.setup();
    renderApp("/organization");
    expect(await screen.findByRole("heading", { name: "No organization" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Organization: none" }));
    expect(await screen.findByRole("menuitem", { name: "New organization" })).toBeInTheDocument();
  });
});

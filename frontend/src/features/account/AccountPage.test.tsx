import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, me, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const account = http.get("*/api/account", () =>
  HttpResponse.json({ ...me.user, created_at: "2026-11-01T10:00:00Z" }),
);
const fieldError = (field: string, message: string) =>
  HttpResponse.json(
    { error: "validation_error", detail: "Some fields are not valid.", fields: [{ field, message }] },
    { status: 422 },
  );

describe("account page", () => {
  it("opens the section named by the hash and lists every section", async () => {
    server.use(...baseHandlers, account);
    renderApp("/account#security");
    const tabs = await screen.findByRole("tablist", { name: "Account sections" });
    expect(within(tabs).getAllByRole("tab").map((tab) => tab.textContent?.trim())).toEqual([
      "Profile",
      "Password",
      "Sessions",
      "SSH keys",
      "API tokens",
    ]);
    expect(await screen.findByRole("tab", { name: "Password" })).toHaveAttribute("aria-selected", "true");
  });

  it("puts the server's reason for a refused new password on that input", async () => {
    let sent: unknown = null;
    server.use(
      ...baseHandlers,
      http.post("*/api/account/password", async ({ request }) => {
        sent = await request.json();
        return fieldError("new_password", "This password is in a list of commonly used passwords.");
      }),
    );
    renderApp("/account#security");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Current password"), "old password here");
    await user.type(screen.getByLabelText("New password"), "password123");
    await user.type(screen.getByLabelText("Repeat new password"), "password123");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    const input = screen.getByLabelText("New password");
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText(/commonly used passwords/)).toBeInTheDocument();
    expect(sent).toEqual({ current_password: "old password here", new_password: "password123" });
  });

  it("checks that the new password was typed twice the same", async () => {
    server.use(...baseHandlers);
    renderApp("/account#security");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Current password"), "old password here");
    await user.type(screen.getByLabelText("New password"), "violet stapler orbit");
    await user.type(screen.getByLabelText("Repeat new password"), "violet stapler orbiT");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect(await screen.findByText("The two new passwords differ.")).toBeInTheDocument();
  });

  it("asks for the current password to change the email, and shows a wrong one on it", async () => {
    server.use(
      ...baseHandlers,
      account,
      http.patch("*/api/account", () => fieldError("current_password", "The current password is not correct.")),
    );
    renderApp("/account#profile");
    const user = userEvent.setup();
    const email = await screen.findByLabelText("Email");
    expect(screen.queryByLabelText("Current password")).not.toBeInTheDocument();
    await user.clear(email);
    await user.type(email, "casey@new.example");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    const current = await screen.findByLabelText("Current password");
    await waitFor(() => expect(current).toHaveAttribute("aria-invalid", "true"));
    await user.type(current, "a wrong one!");
    await user.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByText("The current password is not correct.")).toBeInTheDocument();
  });

  it("lists sessions with this one marked and signs another out", async () => {
    let sessions = [
      { id: "s1", created_at: "2026-11-30T10:00:00Z", last_used_at: null, expires_at: "2026-12-07T10:00:00Z", user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", current: true },
      { id: "s2", created_at: "2026-11-29T10:00:00Z", last_used_at: "2026-11-30T09:00:00Z", expires_at: "2026-12-06T10:00:00Z", user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1", current: false },
    ];
    const revoked: string[] = [];
    server.use(
      ...baseHandlers,
      http.get("*/api/account/sessions", () => HttpResponse.json(sessions)),
      http.delete("*/api/account/sessions/:id", ({ params }) => {
        revoked.push(String(params.id));
        sessions = sessions.filter((session) => session.id !== params.id);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp("/account#sessions");
    const list = await screen.findByRole("list", { name: "Sessions" });
    const rows = within(list).getAllByRole("listitem");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Firefox on Linux");
    expect(rows[0]).toHaveTextContent("This session");
    expect(within(rows[0]).queryByRole("button")).not.toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(within(rows[1]).getByRole("button", { name: /Sign out Safari on iOS/ }));
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(1));
    expect(revoked).toEqual(["s2"]);
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CustomerOrganizationOut, CustomerUserOut, PanelSettingsOut } from "@/client/types.gen";
import { baseHandlers, me, renderApp, server } from "@/test/app";

const admin = [
  http.get("*/api/auth/me", () => HttpResponse.json({ ...me, user: { ...me.user, id: "admin-1", role: "admin" } })),
  ...baseHandlers,
];

function customer(n: number, overrides: Partial<CustomerUserOut> = {}): CustomerUserOut {
  return {
    id: `u${n}`,
    email: `user${n}@example.com`,
    name: `User ${n}`,
    role: "customer",
    active: true,
    created_at: "2026-11-01T10:00:00Z",
    server_count: n,
    organizations: [{ id: `o${n}`, name: `Org ${n}`, role: "owner", server_count: n, server_limit: null }],
    ...overrides,
  };
}

function organization(n: number, overrides: Partial<CustomerOrganizationOut> = {}): CustomerOrganizationOut {
  return {
    id: `o${n}`,
    name: `Org ${n}`,
    created_at: "2026-11-01T10:00:00Z",
    member_count: 1,
    server_count: 2,
    server_limit: null,
    ...overrides,
  };
}

function handlers(users: CustomerUserOut[], organizations: CustomerOrganizationOut[], settings: PanelSettingsOut) {
  return [
    ...admin,
    http.get("*/api/admin/users", ({ request }) => {
      const query = new URL(request.url).searchParams;
      const q = query.get("q") ?? "";
      const found = users.filter((user) => user.email.includes(q) || user.name.includes(q));
      return HttpResponse.json({ users: found, total: q ? found.length : 60, page: Number(query.get("page")), per_page: 25 });
    }),
    http.get("*/api/admin/organizations", ({ request }) => {
      const page = Number(new URL(request.url).searchParams.get("page"));
      return HttpResponse.json({ organizations, total: organizations.length, page, per_page: 25 });
    }),
    http.get("*/api/admin/settings", () => HttpResponse.json(settings)),
  ];
}

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("admin customers", () => {
  it("searches and pages users, and suspends one after confirmation", async () => {
    const users = [customer(1), customer(2), customer(3, { id: "admin-1", email: "me@example.com", role: "admin" })];
    const patches: unknown[] = [];
    server.use(
      ...handlers(users, [organization(1)], { registration: "open", default_server_limit: null }),
      http.patch("*/api/admin/users/:id", async ({ params, request }) => {
        const body = (await request.json()) as { active: boolean };
        patches.push({ id: params.id, ...body });
        const changed = users.find((user) => user.id === params.id)!;
        changed.active = body.active;
        return HttpResponse.json({ user: changed });
      }),
    );
    renderApp("/admin#customers");
    const user = userEvent.setup();

    expect(await screen.findByText("Page 1 of 3 · 60 users")).toBeInTheDocument();
    const usersTable = screen.getByRole("table", { name: /Users/ });
    expect(within(usersTable).getByRole("button", { name: "Suspend me@example.com" })).toBeDisabled();

    await user.type(screen.getByLabelText("Email or name"), "user2");
    await user.click(within(screen.getAllByRole("search")[0]).getByRole("button", { name: "Search" }));
    expect(await screen.findByText("Page 1 of 1 · 1 user")).toBeInTheDocument();

    const table = screen.getByRole("table", { name: /Users/ });
    await user.click(within(table).getByRole("button", { name: "Suspend user2@example.com" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Suspend user2@example.com?" });
    await user.click(within(dialog).getByRole("button", { name: "Suspend" }));

    await waitFor(() => expect(patches).toEqual([{ id: "u2", active: false }]));
    expect(await within(table).findByText("Suspended")).toBeInTheDocument();
    expect(within(table).getByRole("button", { name: "Unsuspend user2@example.com" })).toBeInTheDocument();
  });

  it("shows the API's reason when a suspension is refused", async () => {
    server.use(
      ...handlers([customer(1)], [], { registration: "open", default_server_limit: null }),
      http.patch("*/api/admin/users/:id", () =>
        HttpResponse.json({ error: "cannot_suspend_self", detail: "You cannot suspend your own account." }, { status: 409 }),
      ),
    );
    renderApp("/admin#customers");
    const user = userEvent.setup();
    const table = await screen.findByRole("table", { name: /Users/ });
    await user.click(within(table).getByRole("button", { name: "Suspend user1@example.com" }));
    const dialog = await screen.findByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Suspend" }));
    expect(await within(dialog).findByText("You cannot suspend your own account.")).toBeInTheDocument();
    expect(screen.getByText("No organizations yet")).toBeInTheDocument();
  });

  it("validates and saves an organization's server limit", async () => {
    const organizations = [organization(1, { server_count: 3, server_limit: 3 })];
    const sent: unknown[] = [];
    server.use(
      ...handlers([customer(1)], organizations, { registration: "open", default_server_limit: null }),
      http.patch("*/api/admin/organizations/:id", async ({ request }) => {
        const body = (await request.json()) as { server_limit: number | null };
        sent.push(body);
        organizations[0] = { ...organizations[0], server_limit: body.server_limit };
        return HttpResponse.json({ organization: organizations[0] });
      }),
    );
    renderApp("/admin#customers");
    const user = userEvent.setup();
    const table = await screen.findByRole("table", { name: /Organizations/ });
    expect(within(table).getByText("3 of 3")).toBeInTheDocument();
    expect(within(table).getByText("At limit")).toBeInTheDocument();

    await user.click(within(table).getByRole("button", { name: "Edit limit of Org 1" }));
    const dialog = await screen.findByRole("dialog", { name: "Server limit of Org 1" });
    const input = within(dialog).getByLabelText("Server limit");
    await user.clear(input);
    await user.type(input, "-2");
    await user.click(within(dialog).getByRole("button", { name: "Save limit" }));
    expect(await within(dialog).findByText(/Enter a whole number/)).toBeInTheDocument();
    expect(sent).toEqual([]);

    await user.clear(input);
    await user.type(input, "10");
    await user.click(within(dialog).getByRole("button", { name: "Save limit" }));
    await waitFor(() => expect(sent).toEqual([{ server_limit: 10 }]));
    expect(await within(table).findByText("3 of 10")).toBeInTheDocument();

    await user.click(within(table).getByRole("button", { name: "Edit limit of Org 1" }));
    const again = await screen.findByRole("dialog");
    await user.clear(within(again).getByLabelText("Server limit"));
    await user.click(within(again).getByRole("button", { name: "Save limit" }));
    await waitFor(() => expect(sent).toEqual([{ server_limit: 10 }, { server_limit: null }]));
    expect(await within(table).findByText("3 (no limit)")).toBeInTheDocument();
  });

  it("saves the registration mode and default server limit", async () => {
    const sent: unknown[] = [];
    server.use(
      ...handlers([customer(1)], [organization(1)], { registration: "open", default_server_limit: null }),
      http.patch("*/api/admin/settings", async ({ request }) => {
        const body = (await request.json()) as PanelSettingsOut;
        sent.push(body);
        return HttpResponse.json(body);
      }),
    );
    renderApp("/admin#customers");
    const user = userEvent.setup();
    const save = await screen.findByRole("button", { name: "Save sign-up settings" });
    expect(save).toBeDisabled();

    await user.click(screen.getByRole("radio", { name: /Invitation only/ }));
    await user.type(screen.getByLabelText("Default server limit for new organizations"), "5");
    await user.click(save);

    await waitFor(() => expect(sent).toEqual([{ registration: "invite_only", default_server_limit: 5 }]));
    expect(await screen.findByText("Sign-up settings saved.")).toBeInTheDocument();
  });

  it("says why the users could not be loaded", async () => {
    server.use(
      // Before the others: the first handler that matches answers.
      http.get("*/api/admin/users", () =>
        HttpResponse.json({ error: "rate_limited", detail: "Too many requests." }, { status: 429, headers: { "Retry-After": "7" } }),
      ),
      ...handlers([], [], { registration: "open", default_server_limit: null }),
    );
    renderApp("/admin#customers");
    expect(await screen.findByText("Could not load the users")).toBeInTheDocument();
    expect(screen.getByText("Too many requests. Try again in 7 s.")).toBeInTheDocument();
  });
});

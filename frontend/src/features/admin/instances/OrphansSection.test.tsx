import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OrphanOut } from "@/client/types.gen";
import { baseHandlers, me, renderApp, server } from "@/test/app";

const admin = [
  http.get("*/api/auth/me", () => HttpResponse.json({ ...me, user: { ...me.user, role: "admin" } })),
  ...baseHandlers,
  http.get("*/api/admin/providers", () => HttpResponse.json({ providers: [] })),
  http.get("*/api/admin/instances", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 50 })),
];

function orphan(n: number, overrides: Partial<OrphanOut> = {}): OrphanOut {
  return {
    id: `orphan-${n}`,
    provider_account_id: "prov-l",
    provider_account_name: "Linode main",
    provider_server_id: `6100000${n}`,
    label: `stray-${n}`,
    created_at_provider: "2026-11-30T10:00:00Z",
    tag: `vpspanel:0000000${n}-aaaa-4bbb-8ccc-dddddddddddd`,
    first_seen_at: "2026-12-01T09:00:00Z",
    last_seen_at: "2026-12-01T09:00:00Z",
    state: "open",
    state_changed_at: "2026-12-01T09:00:00Z",
    ...overrides,
  };
}

/** A fake of the routes: the list shows the asked state, or what is still open or being deleted. */
function orphansApi(rows: OrphanOut[], calls: string[]) {
  const find = (id: unknown) => rows.find((row) => row.id === id)!;
  return [
    http.get("*/api/admin/orphans", ({ request }) => {
      calls.push(`GET ${new URL(request.url).search}`);
      const asked = new URL(request.url).searchParams.get("state");
      const shown = rows.filter((row) =>
        asked ? row.state === asked : row.state === "open" || row.state === "deleting",
      );
      return HttpResponse.json({ orphans: shown, total: shown.length, page: 1, per_page: 20 });
    }),
    http.post("*/api/admin/orphans/:id/delete", ({ params }) => {
      calls.push(`delete ${String(params.id)}`);
      find(params.id).state = "deleted";
      return HttpResponse.json({ orphan: find(params.id) });
    }),
    http.post("*/api/admin/orphans/:id/ignore", ({ params }) => {
      calls.push(`ignore ${String(params.id)}`);
      find(params.id).state = "ignored";
      return HttpResponse.json({ orphan: find(params.id) });
    }),
    http.post("*/api/admin/orphans/:id/unignore", ({ params }) => {
      calls.push(`unignore ${String(params.id)}`);
      find(params.id).state = "open";
      return HttpResponse.json({ orphan: find(params.id) });
    }),
  ];
}

const table = () => screen.findByRole("table", { name: "Servers at the provider without an owner" });

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("servers at the provider without an owner", () => {
  it("shows a skeleton, then the account, server id, label and dates of each", async () => {
    const calls: string[] = [];
    server.use(...orphansApi([orphan(1), orphan(2, { provider_account_name: "DO backup" })], calls), ...admin);
    renderApp("/admin#instances");
    expect(await screen.findByRole("status", { name: "Loading servers without an owner" })).toBeInTheDocument();
    const rows = within(await table()).getAllByRole("row");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent("stray-1");
    expect(rows[1]).toHaveTextContent("Linode main");
    expect(rows[1]).toHaveTextContent("61000001");
    expect(rows[2]).toHaveTextContent("DO backup");
    expect(within(rows[1]).getAllByRole("time")).toHaveLength(2);
    // The phone layout lists the same servers.
    expect(within(screen.getByRole("list", { name: "Servers without an owner" })).getAllByRole("listitem")).toHaveLength(2);
    expect(calls[0]).not.toContain("state=");
  });

  it("says so when every tagged server has an owner", async () => {
    server.use(...orphansApi([], []), ...admin);
    renderApp("/admin#instances");
    expect(await screen.findByText("Every tagged server has an owner.")).toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "Servers at the provider without an owner" })).toBeNull();
  });

  it("deletes only after a confirmation naming the server", async () => {
    const calls: string[] = [];
    server.use(...orphansApi([orphan(1), orphan(2)], calls), ...admin);
    renderApp("/admin#instances");
    const user = userEvent.setup();
    const row = within(await table()).getByRole("rowheader", { name: /stray-1/ }).closest("tr")!;

    await user.click(within(row).getByRole("button", { name: "Delete stray-1" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Delete stray-1?" });
    expect(dialog).toHaveTextContent("Server 61000001 in Linode main is deleted at the provider");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.filter((call) => call.startsWith("delete"))).toEqual([]);

    await user.click(within(row).getByRole("button", { name: "Delete stray-1" }));
    await user.click(within(await screen.findByRole("alertdialog")).getByRole("button", { name: "Delete server" }));
    expect(await screen.findByText("stray-1 was deleted at the provider.")).toBeInTheDocument();
    await waitFor(() => expect(within(screen.getByRole("table", { name: /without an owner/ })).getAllByRole("row")).toHaveLength(2));
    expect(calls.filter((call) => call.startsWith("delete"))).toEqual(["delete orphan-1"]);
  });

  it("keeps the dialog open with the reason when the provider cannot be reached", async () => {
    server.use(
      http.post("*/api/admin/orphans/:id/delete", () =>
        HttpResponse.json(
          { error: "provider_unavailable", detail: "The cloud provider is not responding. Please try again shortly." },
          { status: 503 },
        ),
      ),
      ...orphansApi([orphan(1)], []),
      ...admin,
    );
    renderApp("/admin#instances");
    const user = userEvent.setup();
    await user.click(within(await table()).getByRole("button", { name: "Delete stray-1" }));
    const dialog = await screen.findByRole("alertdialog");
    await user.click(within(dialog).getByRole("button", { name: "Delete server" }));
    expect(await within(dialog).findByText("The cloud provider is not responding. Please try again shortly.")).toBeInTheDocument();
  });

  it("ignores a server, and Undo brings it back", async () => {
    const calls: string[] = [];
    server.use(...orphansApi([orphan(1)], calls), ...admin);
    renderApp("/admin#instances");
    const user = userEvent.setup();
    await user.click(within(await table()).getByRole("button", { name: "Ignore stray-1" }));
    expect(await screen.findByText("stray-1 is ignored.")).toBeInTheDocument();
    expect(await screen.findByText("Every tagged server has an owner.")).toBeInTheDocument();

    // A plain click: sonner's toast captures the pointer on pointerdown, which jsdom lacks.
    fireEvent.click(screen.getByRole("button", { name: "Undo" }));
    expect(await table()).toHaveTextContent("stray-1");
    expect(calls.filter((call) => !call.startsWith("GET"))).toEqual(["ignore orphan-1", "unignore orphan-1"]);
  });

  it("shows the ignored servers on request and un-ignores one", async () => {
    const calls: string[] = [];
    server.use(...orphansApi([orphan(1), orphan(2, { state: "ignored" })], calls), ...admin);
    renderApp("/admin#instances");
    const user = userEvent.setup();
    expect(await table()).not.toHaveTextContent("stray-2");
    const toggle = screen.getByRole("button", { name: "Show ignored" });
    expect(toggle).toHaveAttribute("aria-pressed", "false");

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    const ignored = await screen.findByRole("table", { name: "Ignored servers at the provider without an owner" });
    const rows = within(ignored).getAllByRole("row");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent("stray-2");
    expect(within(ignored).queryByRole("button", { name: "Ignore stray-2" })).toBeNull();
    expect(within(ignored).getByRole("button", { name: "Delete stray-2" })).toBeInTheDocument();
    expect(calls.at(-1)).toContain("state=ignored");

    await user.click(within(ignored).getByRole("button", { name: "Un-ignore stray-2" }));
    expect(await screen.findByText("stray-2 is back on the list of servers without an owner.")).toBeInTheDocument();
    expect(await screen.findByText("No server is ignored.")).toBeInTheDocument();
    expect(calls.filter((call) => !call.startsWith("GET"))).toEqual(["unignore orphan-2"]);

    // Back to the open list: the un-ignored server is on it again.
    await user.click(toggle);
    const open = await table();
    await waitFor(() => expect(within(open).getAllByRole("row")).toHaveLength(3));
    expect(open).toHaveTextContent("stray-2");
  });

  it("offers another delete for one whose delete was not confirmed", async () => {
    server.use(...orphansApi([orphan(1, { state: "deleting" })], []), ...admin);
    renderApp("/admin#instances");
    const found = await table();
    expect(found).toHaveTextContent("Delete sent, not confirmed");
    expect(within(found).getByRole("button", { name: "Delete stray-1" })).toHaveTextContent("Delete again");
    expect(within(found).queryByRole("button", { name: "Ignore stray-1" })).toBeNull();
  });

  it("shows the safe detail and a Retry that loads the list", async () => {
    let fail = true;
    server.use(
      http.get("*/api/admin/orphans", () =>
        fail
          ? HttpResponse.json({ error: "database_busy", detail: "The panel is busy. Try again." }, { status: 503 })
          : HttpResponse.json({ orphans: [orphan(3)], total: 1, page: 1, per_page: 20 }),
      ),
      ...admin,
    );
    renderApp("/admin#instances");
    const user = userEvent.setup();
    const problem = await screen.findByText("Could not load the servers without an owner");
    expect(screen.getByText("The panel is busy. Try again.")).toBeInTheDocument();
    fail = false;
    await user.click(within(problem.closest("[role=alert]") as HTMLElement).getByRole("button", { name: "Retry" }));
    expect(await table()).toHaveTextContent("stray-3");
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AdminInstanceOut } from "@/client/types.gen";
import { baseHandlers, instance, me, renderApp, server } from "@/test/app";

const admin = [
  http.get("*/api/auth/me", () => HttpResponse.json({ ...me, user: { ...me.user, role: "admin" } })),
  ...baseHandlers,
];
const providers = http.get("*/api/admin/providers", () =>
  HttpResponse.json({
    providers: [
      { id: "prov-l", name: "Linode main", type: "linode", active: true, configuration: {} },
      { id: "prov-d", name: "DO backup", type: "digitalocean", active: true, configuration: {} },
    ],
  }),
);

function adminInstance(n: number, overrides: Partial<AdminInstanceOut> = {}): AdminInstanceOut {
  return {
    ...instance({ id: `i${n}`, label: `web-${n}` }),
    provider_status: null, provider_error: null, last_operation: null,
    provider_id: "prov-l", provider_type: "linode", provider_instance_id: `${1000 + n}`,
    organization: { id: "o1", name: "Casey Co" }, user: { id: "u1", email: "casey@example.com" },
    ...overrides,
  };
}

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("admin instances", () => {
  it("opens filtered by the provider in the URL, pages through 50 at a time and filters by status", async () => {
    const asked: URLSearchParams[] = [];
    server.use(
      ...admin,
      providers,
      http.get("*/api/admin/instances", ({ request }) => {
        const query = new URL(request.url).searchParams;
        asked.push(query);
        const page = Number(query.get("page"));
        return HttpResponse.json({
          instances: [adminInstance(page)],
          total: query.get("status") ? 1 : 120,
          page,
          per_page: Number(query.get("per_page")),
        });
      }),
    );
    renderApp("/admin?provider=prov-d#instances");
    const user = userEvent.setup();
    expect(await screen.findByText("Page 1 of 3 · 120 servers")).toBeInTheDocument();
    expect(asked[0].get("provider_id")).toBe("prov-d");
    expect(asked[0].get("per_page")).toBe("50");
    expect(screen.getByLabelText("Provider")).toHaveValue("prov-d");

    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Page 2 of 3 · 120 servers")).toBeInTheDocument();
    expect(screen.getByRole("rowheader", { name: /web-2/ })).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText("Status"), "failed");
    expect(await screen.findByText("Page 1 of 1 · 1 server")).toBeInTheDocument();
    const last = asked[asked.length - 1];
    expect([last.get("status"), last.get("page"), last.get("provider_id")]).toEqual(["failed", "1", "prov-d"]);

    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(asked[asked.length - 1].get("provider_id")).toBeNull());
  });

  it("shows a failed server's reason, and the provider's in its details", async () => {
    const failed = adminInstance(7, {
      status: "failed",
      allowed_actions: ["delete"],
      error: "The cloud could not create the server. Try again later.",
    });
    server.use(
      ...admin,
      providers,
      http.get("*/api/admin/instances", () => HttpResponse.json({ instances: [failed], total: 1, page: 1, per_page: 50 })),
      http.get("*/api/admin/instances/:id", () =>
        HttpResponse.json({
          instance: {
            ...failed,
            provider_error: "503 Service Unavailable: injected fault",
            last_operation: { id: "op1", type: "instance.create", status: "failed", error: failed.error },
          },
        }),
      ),
      http.get("*/api/admin/instances/:id/events", () => HttpResponse.json({ events: [] })),
    );
    renderApp("/admin#instances");
    const user = userEvent.setup();
    const row = (await screen.findByRole("rowheader", { name: /web-7/ })).closest("tr")!;
    expect(row).toHaveTextContent("Failed");
    expect(row).toHaveTextContent("The cloud could not create the server. Try again later.");
    expect(row).toHaveTextContent("Linode main");
    await user.click(within(row).getByRole("button", { name: "Details for web-7" }));
    const dialog = await screen.findByRole("dialog", { name: "web-7" });
    expect(await within(dialog).findByText("Provider said: 503 Service Unavailable: injected fault")).toBeInTheDocument();
    expect(dialog).toHaveTextContent("instance.create · failed");
  });

  it("shows the server's activity in its details, what was noticed at the provider included", async () => {
    const gone = adminInstance(8, { status: "deleted", allowed_actions: [] });
    const event = (id: string, type: string, status: string, message: string) => ({
      id, type, status, message, created_at: "2026-12-01T09:00:00Z", finished_at: "2026-12-01T09:00:00Z",
    });
    const asked: string[] = [];
    server.use(
      ...admin,
      providers,
      http.get("*/api/admin/instances", () => HttpResponse.json({ instances: [gone], total: 1, page: 1, per_page: 50 })),
      http.get("*/api/admin/instances/:id", () => HttpResponse.json({ instance: gone })),
      http.get("*/api/admin/instances/:id/events", ({ params }) => {
        asked.push(String(params.id));
        return HttpResponse.json({
          events: [
            event("e1", "create", "succeeded", "Server created."),
            event("e2", "observed", "succeeded", "Changed outside the panel, as observed at the provider: status running → stopped."),
            event("e3", "stuck", "failed", "The server stayed rebooting for more than 30 minutes."),
            event("e4", "adopted", "succeeded", "The server was found at the cloud after all and is attached to this entry again."),
            event("e5", "deleted_at_provider", "succeeded", "Deleted at the provider: the server no longer exists there."),
          ],
        });
      }),
    );
    renderApp("/admin#instances");
    const user = userEvent.setup();
    const row = (await screen.findByRole("rowheader", { name: /web-8/ })).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Details for web-8" }));
    const dialog = await screen.findByRole("dialog", { name: "web-8" });
    const activity = await within(dialog).findByRole("list", { name: "Activity" });
    const items = within(activity).getAllByRole("listitem");
    // Newest first.
    expect(items.map((item) => item.getAttribute("data-event-type"))).toEqual([
      "deleted_at_provider", "adopted", "stuck", "observed", "create",
    ]);
    expect(items[3]).toHaveTextContent("Changed outside the panel: Changed outside the panel, as observed at the provider: status running → stopped.");
    expect(items[2]).toHaveTextContent("Failed: The server stayed rebooting");
    expect(items[1]).toHaveTextContent("Found again: The server was found at the cloud");
    expect(items[0]).toHaveTextContent("Deleted outside the panel: Deleted at the provider");
    expect(asked).toEqual(["i8"]);
  });

  it("keeps the last page on screen with the safe detail when the API answers 503", async () => {
    let fail = false;
    server.use(
      ...admin,
      providers,
      http.get("*/api/admin/instances", () =>
        fail
          ? HttpResponse.json({ error: "database_busy", detail: "The panel is busy. Try again." }, { status: 503 })
          : HttpResponse.json({ instances: [adminInstance(1)], total: 1, page: 1, per_page: 50 }),
      ),
    );
    const { queryClient } = renderApp("/admin#instances");
    await screen.findByRole("rowheader", { name: /web-1/ });
    fail = true;
    await queryClient.refetchQueries({ queryKey: [{ _id: "adminListInstances" }] });
    expect(await screen.findByText("The panel is busy. Try again.")).toBeInTheDocument();
    expect(screen.getByRole("rowheader", { name: /web-1/ })).toBeInTheDocument();
  });
});

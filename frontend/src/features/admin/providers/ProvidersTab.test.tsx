import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MeOut, ProviderOut } from "@/client/types.gen";
import { me, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const DAY = 24 * 3600 * 1000;
const admin: MeOut = { ...me, user: { ...me.user, role: "admin", email: "admin@example.com", name: "Admin" } };

function provider(overrides: Partial<ProviderOut> = {}): ProviderOut {
  return {
    id: "p1",
    name: "Primary Linode Account",
    type: "linode",
    configuration: {},
    active: true,
    api_base_url: null,
    cloud_account_id: "acct-1",
    api_key_hint: "…abcd",
    key_rotated_at: null,
    key_expires_at: null,
    key_expiring_soon: false,
    status: { ok: true, checked_at: new Date(Date.now() - 3 * 60_000).toISOString(), error: null, since: null, failures: 0, next_attempt_at: null },
    server_limit: null,
    created_at: "2026-11-01T10:00:00Z",
    updated_at: "2026-11-01T10:00:00Z",
    ...overrides,
  };
}

/** Serves these accounts; the returned list is what later reads get (handlers may change it). */
function useProviders(...providers: ProviderOut[]): ProviderOut[] {
  server.use(
    http.get("*/api/auth/me", () => HttpResponse.json(admin)),
    http.get("*/api/admin/providers", () => HttpResponse.json({ providers })),
  );
  return providers;
}

function region(id: string, label: string) {
  return { id, label, country: "us", base_price_monthly: "5.00", base_price_hourly: "0.0075", price_monthly: "7.00", price_hourly: "0.0105" };
}

/** An admin plan of account p1, on sale everywhere it lists. */
function plan(overrides: Record<string, unknown> = {}) {
  return {
    id: "p-1", provider_id: "p1", provider: { id: "p1", name: "Primary Linode Account", type: "linode" },
    name: "Standard 1GB", provider_plan_id: "g6-nanode-1", base_price: "5.00", base_price_hourly: "0.0075",
    markup_price: "2.00", price_monthly: "7.00", price_hourly: "0.0105",
    specifications: { vcpus: 1, memory: 1024, disk: 25, transfer: 1000, regions: ["us-east"] },
    regions: [region("us-east", "Newark, NJ")],
    active: true, on_sale: true, not_on_sale_reason: null, blocked_regions: [],
    created_at: "2026-11-30T10:00:00Z", updated_at: "2026-11-30T10:00:00Z",
    ...overrides,
  };
}

async function card(name: string) {
  return screen.findByRole("article", { name });
}

describe("/admin#providers", () => {
  it("badges an account that keeps failing, with its reason and next try", async () => {
    useProviders(
      provider(),
      provider({
        id: "p2",
        name: "Down account",
        status: {
          ok: false,
          checked_at: new Date(Date.now() - 60_000).toISOString(),
          error: "The cloud provider is not reachable right now. (api.example.test:443 answered 503)",
          since: new Date(Date.now() - 20 * 60_000).toISOString(),
          failures: 4,
          next_attempt_at: new Date(Date.now() + 5 * 60_000).toISOString(),
        },
      }),
    );
    renderApp("/admin#providers");
    const down = await card("Down account");
    expect(within(down).getByText("Backing off")).toBeInTheDocument();
    expect(within(down).getByText(/^Error: The cloud provider is not reachable right now\. \(api\.example\.test:443 answered 503\)/)).toBeInTheDocument();
    expect(within(down).getByText(/4 failures in a row · next try in [45] min/)).toBeInTheDocument();
    const healthy = await card("Primary Linode Account");
    expect(within(healthy).queryByText("Backing off")).not.toBeInTheDocument();
    expect(within(healthy).queryByText("Failing")).not.toBeInTheDocument();
  });

  it("shows each account's status, key, custom base URL and configuration", async () => {
    useProviders(
      provider({
        api_base_url: "http://127.0.0.1:8000/_sim/linode/v4",
        configuration: { default: true, allowed_regions: ["us-east", "eu-central"], backup_enabled: true, private_ip_enabled: true },
      }),
      provider({
        id: "p2",
        name: "DO spare",
        type: "digitalocean",
        api_base_url: "https://api.digitalocean.com/v2",
        configuration: { ipv6_enabled: true },
        server_limit: { limit: 10, used: 10, checked_at: new Date(Date.now() - 3_600_000).toISOString() },
        status: {
          ok: false,
          checked_at: new Date(Date.now() - 3_600_000).toISOString(),
          error: "The provider rejected the API key.",
          since: null,
          failures: 1,
          next_attempt_at: null,
        },
      }),
    );
    renderApp("/admin#providers");
    const linode = await card("Primary Linode Account");
    expect(within(linode).getByText(/^Connected · checked 3 min\. ago$/)).toBeInTheDocument();
    expect(within(linode).getByText("Key …abcd")).toBeInTheDocument();
    expect(within(linode).getByText("http://127.0.0.1:8000/_sim/linode/v4")).toBeInTheDocument();
    const chips = within(within(linode).getByRole("list", { name: "Configuration of Primary Linode Account" }))
      .getAllByRole("listitem")
      .map((item) => item.textContent);
    expect(chips).toEqual(["Default", "2 regions", "Backups", "Private IP"]);

    const spare = await card("DO spare");
    expect(within(spare).getByText(/^Error: The provider rejected the API key\. · checked 1 hr\. ago$/)).toBeInTheDocument();
    // The official address is not worth a line.
    expect(within(spare).queryByText(/api\.digitalocean\.com/)).not.toBeInTheDocument();
    const spareChips = within(spare).getAllByRole("listitem").map((item) => item.textContent);
    expect(spareChips).toEqual(["All regions", "IPv6"]);
    expect(within(spare).getByText("10 of 10 servers in use at the provider: full, new deploys here will fail")).toBeInTheDocument();
    expect(within(linode).queryByText(/servers in use/)).not.toBeInTheDocument();
  });

  it("colours the key expiry: amber under 14 days, red once expired", async () => {
    const now = Date.now();
    useProviders(
      provider({ id: "a", name: "Soon", key_expires_at: new Date(now + 5 * DAY + 3_600_000).toISOString() }),
      provider({ id: "b", name: "Gone", key_expires_at: new Date(now - 2 * DAY).toISOString() }),
      provider({ id: "c", name: "Later", key_expires_at: new Date(now + 60 * DAY).toISOString() }),
    );
    renderApp("/admin#providers");
    const soon = within(await card("Soon")).getByText("Key expires in 5 days");
    expect(soon).toHaveClass("text-warning-foreground");
    const gone = within(await card("Gone")).getByText(/^Key expired 2 days ago$/);
    expect(gone).toHaveClass("text-destructive-foreground");
    const later = within(await card("Later")).getByText(/^Key expires /);
    expect(later).not.toHaveClass("text-warning-foreground");
    expect(later).not.toHaveClass("text-destructive-foreground");
  });

  it("adds a provider: a rejected key lands on the key field, an outage says nothing was saved, then configure", async () => {
    const created = provider({ id: "new1", name: "DO production", type: "digitalocean", api_key_hint: "…9876" });
    let listed: ProviderOut[] = [];
    const attempts: unknown[] = [];
    let patched: unknown = null;
    let regionsQuery: URLSearchParams | null = null;
    server.use(
      http.get("*/api/auth/me", () => HttpResponse.json(admin)),
      http.get("*/api/admin/providers", () => HttpResponse.json({ providers: listed })),
      http.post("*/api/admin/providers", async ({ request }) => {
        attempts.push(await request.json());
        if (attempts.length === 1)
          return HttpResponse.json(
            {
              error: "invalid_credentials",
              detail: "The provider rejected this API key.",
              fields: [{ field: "api_key", message: "The provider rejected this API key." }],
            },
            { status: 422 },
          );
        if (attempts.length === 2)
          return HttpResponse.json(
            { error: "provider_unavailable", detail: "The provider is unavailable right now." },
            { status: 503 },
          );
        listed = [created];
        return HttpResponse.json({ provider: created }, { status: 201 });
      }),
      http.get("*/api/admin/upstream/regions", ({ request }) => {
        regionsQuery = new URL(request.url).searchParams;
        return HttpResponse.json({
          provider_id: "new1",
          fetched_at: "2026-12-01T00:00:00Z",
          regions: [
            { id: "nyc1", label: "New York 1", country: "us", available: true },
            { id: "fra1", label: "Frankfurt 1", country: "de", available: true },
            { id: "sgp1", label: "Singapore 1", country: "sg", available: false },
          ],
        });
      }),
      http.patch("*/api/admin/providers/new1", async ({ request }) => {
        patched = await request.json();
        listed = [{ ...created, configuration: (patched as { configuration: ProviderOut["configuration"] }).configuration }];
        return HttpResponse.json({ provider: listed[0] });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    expect(await screen.findByRole("heading", { name: "Connect your first cloud account" })).toBeInTheDocument();
    await user.click(screen.getAllByRole("button", { name: "Add provider" })[0]);
    const dialog = await screen.findByRole("dialog", { name: "Add a provider account" });

    await user.click(within(dialog).getByRole("button", { name: "Connect" }));
    expect(await within(dialog).findByText("Name the account.")).toBeInTheDocument();

    await user.click(within(dialog).getByRole("radio", { name: /DigitalOcean/ }));
    await user.type(within(dialog).getByLabelText("Name"), "DO production");
    const key = within(dialog).getByLabelText("API key");
    await user.type(key, "invalid-token-123");
    await user.click(within(dialog).getByRole("button", { name: "Connect" }));
    expect(await within(dialog).findByText("The provider rejected this API key.")).toBeInTheDocument();
    expect(key).toHaveAttribute("aria-invalid", "true");
    expect(key).toHaveAccessibleDescription("The provider rejected this API key.");
    expect(attempts[0]).toEqual({
      type: "digitalocean",
      name: "DO production",
      api_key: "invalid-token-123",
      api_base_url: null,
      key_expires_at: null,
    });

    await user.clear(key);
    await user.type(key, "good-token-1234");
    await user.click(within(dialog).getByRole("button", { name: "Connect" }));
    const outage = await within(dialog).findByRole("alert");
    expect(outage).toHaveTextContent("Couldn't reach DigitalOcean: nothing was saved");
    expect(outage).toHaveTextContent("The provider is unavailable right now.");

    await user.click(within(dialog).getByRole("button", { name: "Connect" }));
    const configure = await screen.findByRole("dialog", { name: "Configure DO production" });
    // Only the options a DigitalOcean account has.
    expect(within(configure).getByRole("switch", { name: "IPv6" })).toBeInTheDocument();
    expect(within(configure).getByRole("switch", { name: "VPC" })).toBeInTheDocument();
    expect(within(configure).queryByRole("switch", { name: "Private IP" })).not.toBeInTheDocument();

    await user.click(within(configure).getByRole("radio", { name: /Only the regions I choose/ }));
    await user.click(await within(configure).findByRole("checkbox", { name: /Frankfurt 1/ }));
    await user.click(within(configure).getByRole("checkbox", { name: /New York 1/ }));
    expect(regionsQuery!.get("provider")).toBe("digitalocean");
    expect(regionsQuery!.get("providerId")).toBe("new1");
    await user.click(within(configure).getByRole("switch", { name: "IPv6" }));
    await user.click(within(configure).getByRole("button", { name: "Save configuration" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(patched).toEqual({
      configuration: {
        default: false,
        allowed_regions: ["nyc1", "fra1"],
        backup_enabled: false,
        ipv6_enabled: true,
        vpc_enabled: false,
      },
    });
    const added = await card("DO production");
    expect(within(added).getByText("2 regions")).toBeInTheDocument();
  });

  it("a URL the server refuses opens Advanced and lands on the base URL field", async () => {
    useProviders();
    server.use(
      http.post("*/api/admin/providers", () =>
        HttpResponse.json(
          {
            error: "invalid_api_base_url",
            detail: "Nothing answers at this address.",
            fields: [{ field: "api_base_url", message: "Nothing answers at this address." }],
          },
          { status: 422 },
        ),
      ),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click((await screen.findAllByRole("button", { name: "Add provider" }))[0]);
    const dialog = await screen.findByRole("dialog", { name: "Add a provider account" });
    await user.type(within(dialog).getByLabelText("Name"), "Sim");
    await user.type(within(dialog).getByLabelText("API key"), "demo-linode-2");
    await user.click(within(dialog).getByRole("button", { name: "Advanced" }));
    await user.type(within(dialog).getByLabelText("API base URL (optional)"), "http://127.0.0.1:1/v4");
    await user.click(within(dialog).getByRole("button", { name: "Advanced" }));
    await user.click(within(dialog).getByRole("button", { name: "Connect" }));
    const url = await within(dialog).findByLabelText("API base URL (optional)");
    await waitFor(() => expect(url).toBeVisible());
    expect(url).toHaveAccessibleDescription("Nothing answers at this address.");
  });

  it("delete of an account in use says why and links to its servers", async () => {
    useProviders(provider());
    server.use(
      http.delete("*/api/admin/providers/p1", () =>
        HttpResponse.json(
          {
            error: "provider_in_use",
            detail: "This provider account still has servers. Delete them or deactivate the account.",
          },
          { status: 409 },
        ),
      ),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "More actions for Primary Linode Account" }));
    await user.click(await screen.findByRole("menuitem", { name: "Delete" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Delete Primary Linode Account?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete Primary Linode Account" }));
    expect(await within(dialog).findByText(/still has servers\. Delete them or deactivate the account\./)).toBeInTheDocument();
    const link = within(dialog).getByRole("link", { name: "Show the servers of Primary Linode Account" });
    expect(link).toHaveAttribute("href", "/admin?provider=p1#instances");
    await user.click(link);
    await waitFor(() => expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument());
  });

  it("test shows latency, account and scopes, and warns about a read-only key", async () => {
    useProviders(provider());
    server.use(
      http.post("*/api/admin/providers/p1/test", () =>
        HttpResponse.json({
          ok: true,
          latency_ms: 42,
          account: { id: "acct-1", email: "ops@example.com", name: null, status: "active" },
          permissions: { read: true, write: false, scopes: ["linodes:read_only", "account:read_only"], missing: [] },
          error: null,
        }),
      ),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    const linode = await card("Primary Linode Account");
    await user.click(within(linode).getByRole("button", { name: "Test Primary Linode Account" }));
    expect(await within(linode).findByText(/Test passed · 42 ms/)).toBeInTheDocument();
    expect(within(linode).getByText("ops@example.com · #acct-1")).toBeInTheDocument();
    expect(within(linode).getByText("linodes:read_only")).toBeInTheDocument();
    expect(within(linode).getByText("Read-only key: deploys will fail. Rotate to a key with write access.")).toBeInTheDocument();
  });

  it("a new base URL asks for the key again and sends both", async () => {
    let sent: unknown = null;
    useProviders(provider({ api_base_url: "http://127.0.0.1:8000/_sim/linode/v4" }));
    server.use(
      http.get("*/api/admin/upstream/regions", () =>
        HttpResponse.json({ provider_id: "p1", fetched_at: "2026-12-01T00:00:00Z", regions: [] }),
      ),
      http.patch("*/api/admin/providers/p1", async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ provider: provider() });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "Edit Primary Linode Account" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Primary Linode Account" });
    expect(within(dialog).queryByLabelText("API key for the new address")).not.toBeInTheDocument();
    await user.clear(within(dialog).getByLabelText("API base URL"));
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    expect(await within(dialog).findByText("Paste the API key again for the new address.")).toBeInTheDocument();
    expect(sent).toBeNull();
    await user.type(within(dialog).getByLabelText("API key for the new address"), "real-linode-key-1");
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    await waitFor(() =>
      expect(sent).toEqual({
        name: "Primary Linode Account",
        active: true,
        configuration: { default: false, backup_enabled: false, private_ip_enabled: false },
        api_base_url: null,
        api_key: "real-linode-key-1",
      }),
    );
  });

  it("deactivate sends active=false and the card says Inactive", async () => {
    let sent: unknown = null;
    const listed = useProviders(provider());
    server.use(
      http.patch("*/api/admin/providers/p1", async ({ request }) => {
        sent = await request.json();
        listed[0] = provider({ active: false });
        return HttpResponse.json({ provider: listed[0] });
      }),
    );
    server.use(
      http.get("*/api/admin/plans", () =>
        HttpResponse.json({
          plans: [
            plan({ id: "a", regions: [region("us-east", "Newark, NJ")] }),
            plan({ id: "b", regions: [region("us-east", "Newark, NJ")] }),
            plan({ id: "c", on_sale: false, active: false }),
            plan({ id: "d", provider: { id: "p2", name: "Other", type: "linode" } }),
          ],
        }),
      ),
      http.get("*/api/admin/instances", ({ request }) => {
        expect(new URL(request.url).searchParams.get("provider_id")).toBe("p1");
        const instance = (status: string) => ({ id: status, status });
        return HttpResponse.json({
          instances: [instance("running"), instance("stopped"), instance("deleted")],
          page: 1,
          per_page: 200,
          total: 3,
        });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    const linode = await card("Primary Linode Account");
    expect(within(linode).getByText("Active")).toBeInTheDocument();
    await user.click(within(linode).getByRole("button", { name: "More actions for Primary Linode Account" }));
    await user.click(await screen.findByRole("menuitem", { name: "Deactivate" }));
    const confirm = await screen.findByRole("alertdialog", { name: "Deactivate Primary Linode Account?" });
    await waitFor(() =>
      expect(confirm).toHaveTextContent(
        "Its 2 plans on sale leave the store: customers can no longer buy them. 2 servers on this account keep running",
      ),
    );
    expect(sent).toBeNull();
    await user.click(within(confirm).getByRole("button", { name: "Deactivate" }));
    expect(await within(linode).findByText("Inactive")).toBeInTheDocument();
    expect(sent).toEqual({ active: false });
  });

  it("cancelling the deactivation sends nothing", async () => {
    let sent: unknown = null;
    useProviders(provider());
    server.use(
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [] })),
      http.get("*/api/admin/instances", () => HttpResponse.json({ instances: [], page: 1, per_page: 200, total: 0 })),
      http.patch("*/api/admin/providers/p1", async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ provider: provider({ active: false }) });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    const linode = await card("Primary Linode Account");
    await user.click(within(linode).getByRole("button", { name: "More actions for Primary Linode Account" }));
    await user.click(await screen.findByRole("menuitem", { name: "Deactivate" }));
    const confirm = await screen.findByRole("alertdialog", { name: "Deactivate Primary Linode Account?" });
    await user.click(within(confirm).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument());
    expect(sent).toBeNull();
    expect(within(linode).getByText("Active")).toBeInTheDocument();
  });

  it("switching Active off in Edit warns with the counts before saving", async () => {
    const sent: unknown[] = [];
    useProviders(provider());
    server.use(
      http.get("*/api/admin/upstream/regions", () =>
        HttpResponse.json({ provider_id: "p1", fetched_at: "2026-12-01T00:00:00Z", regions: [] }),
      ),
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [plan()] })),
      http.get("*/api/admin/instances", () =>
        HttpResponse.json({ instances: [{ id: "i1", status: "running" }], page: 1, per_page: 200, total: 1 }),
      ),
      http.patch("*/api/admin/providers/p1", async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ provider: provider({ active: false }) });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "Edit Primary Linode Account" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Primary Linode Account" });
    await user.click(within(dialog).getByRole("switch", { name: "Active" }));
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    const warning = await within(dialog).findByRole("alert");
    await waitFor(() =>
      expect(warning).toHaveTextContent("Its 1 plan on sale leaves the store: customers can no longer buy it. 1 server on this account keeps running"),
    );
    expect(sent).toEqual([]);
    await user.click(within(dialog).getByRole("button", { name: "Deactivate and save" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ active: false });
  });

  it("narrowing the allowed regions lists the plans that lose regions and saves only when confirmed", async () => {
    const sent: unknown[] = [];
    useProviders(provider({ configuration: { default: false, allowed_regions: null } }));
    server.use(
      http.get("*/api/admin/upstream/regions", () =>
        HttpResponse.json({
          provider_id: "p1",
          fetched_at: "2026-12-01T00:00:00Z",
          regions: [
            { id: "us-east", label: "Newark, NJ", country: "us", available: true },
            { id: "ca-central", label: "Toronto, CA", country: "ca", available: true },
            { id: "eu-west", label: "London, UK", country: "gb", available: true },
          ],
        }),
      ),
      http.get("*/api/admin/plans", () =>
        HttpResponse.json({
          plans: [
            plan({ name: "Standard 1GB", regions: [region("us-east", "Newark, NJ"), region("ca-central", "Toronto, CA")] }),
            plan({ id: "p-2", name: "Euro 2GB", regions: [region("eu-west", "London, UK"), region("us-east", "Newark, NJ")] }),
            plan({ id: "p-3", name: "London only", regions: [region("eu-west", "London, UK")] }),
          ],
        }),
      ),
      http.patch("*/api/admin/providers/p1", async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json({ provider: provider() });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "Edit Primary Linode Account" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Primary Linode Account" });
    await user.click(within(dialog).getByRole("radio", { name: /Only the regions I choose/ }));
    await user.click(await within(dialog).findByRole("checkbox", { name: /London, UK/ }));
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    const warning = await within(dialog).findByRole("alert");
    expect(warning).toHaveTextContent("Plans will lose regions");
    expect(warning).toHaveTextContent("Standard 1GB: Newark, NJ, Toronto, CA — taken off sale");
    expect(warning).toHaveTextContent("Euro 2GB: Newark, NJ");
    expect(warning).not.toHaveTextContent("Euro 2GB: Newark, NJ —");
    expect(warning).not.toHaveTextContent("London only");
    expect(sent).toEqual([]);
    await user.click(within(dialog).getByRole("button", { name: "Save anyway" }));
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({ configuration: { allowed_regions: ["eu-west"] } });
  });

  it("rotating to another cloud account's key asks first, then sends allow_account_change", async () => {
    const sent: unknown[] = [];
    const listed = useProviders(provider());
    server.use(
      http.post("*/api/admin/providers/p1/api-key", async ({ request }) => {
        sent.push(await request.json());
        if (sent.length === 1) {
          // The API's wording, written for API users.
          const message =
            'This key belongs to a different cloud account than the current one (or the provider did not say which): to switch accounts anyway, send "allow_account_change": true.';
          return HttpResponse.json(
            { error: "different_account", detail: message, fields: [{ field: "api_key", message }] },
            { status: 422 },
          );
        }
        listed[0] = provider({ api_key_hint: "…wxyz", key_rotated_at: new Date().toISOString() });
        return HttpResponse.json({ provider: listed[0] });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "Rotate key of Primary Linode Account" }));
    const dialog = await screen.findByRole("dialog", { name: "Rotate the key of Primary Linode Account" });
    // The current key's hint stays on one line, parentheses included.
    expect(within(dialog).getByText("(…abcd)")).toHaveClass("whitespace-nowrap");
    const key = within(dialog).getByLabelText("New API key");
    await user.type(key, "other-account-wxyz");
    await user.click(within(dialog).getByRole("button", { name: "Replace key" }));
    expect(await within(dialog).findByText(/belongs to a different cloud account/)).toBeInTheDocument();
    expect(key).toHaveAttribute("aria-invalid", "true");
    expect(key).toHaveAccessibleDescription(
      'This key belongs to a different cloud account than the current one. To switch to that account, tick "Use this key anyway" below and try again.',
    );
    expect(dialog).not.toHaveTextContent("allow_account_change");
    expect(sent[0]).toEqual({ api_key: "other-account-wxyz", expires_at: null });
    await user.click(within(dialog).getByRole("checkbox", { name: /Use this key anyway/ }));
    await user.click(within(dialog).getByRole("button", { name: "Replace key" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(sent[1]).toEqual({ api_key: "other-account-wxyz", expires_at: null, allow_account_change: true });
    expect(within(await card("Primary Linode Account")).getByText("Key …wxyz")).toBeInTheDocument();
  });

  it("a key of another cloud account while servers run there is refused without a switch offer", async () => {
    useProviders(provider());
    const message =
      "This key belongs to a different cloud account than the current one (or the provider did not say which): its 2 server(s) would no longer be reachable. Use a key of the same account.";
    server.use(
      http.post("*/api/admin/providers/p1/api-key", () =>
        HttpResponse.json(
          { error: "different_account", detail: message, fields: [{ field: "api_key", message }] },
          { status: 422 },
        ),
      ),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "Rotate key of Primary Linode Account" }));
    const dialog = await screen.findByRole("dialog", { name: "Rotate the key of Primary Linode Account" });
    const key = within(dialog).getByLabelText("New API key");
    await user.type(key, "other-account-wxyz");
    await user.click(within(dialog).getByRole("button", { name: "Replace key" }));
    await waitFor(() => expect(key).toHaveAccessibleDescription(message));
    expect(within(dialog).queryByRole("checkbox", { name: /Use this key anyway/ })).not.toBeInTheDocument();
  });

  it("closing a dialog puts focus back on the button that opened it", async () => {
    useProviders(provider());
    server.use(
      http.get("*/api/admin/upstream/regions", () =>
        HttpResponse.json({ provider_id: "p1", fetched_at: "2026-12-01T00:00:00Z", regions: [] }),
      ),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    const rotate = within(await card("Primary Linode Account")).getByRole("button", { name: "Rotate key of Primary Linode Account" });
    await user.click(rotate);
    expect(await screen.findByRole("dialog", { name: "Rotate the key of Primary Linode Account" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(rotate).toHaveFocus();
  });

  it("a second default account is refused on the Default switch", async () => {
    useProviders(provider());
    const detail = "Primary Linode Account is already the default Linode account. Unset its default first.";
    server.use(
      http.get("*/api/admin/upstream/regions", () =>
        HttpResponse.json({ provider_id: "p1", fetched_at: "2026-12-01T00:00:00Z", regions: [] }),
      ),
      http.patch("*/api/admin/providers/p1", () =>
        HttpResponse.json({ error: "default_provider_exists", detail }, { status: 409 }),
      ),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    await user.click(within(await card("Primary Linode Account")).getByRole("button", { name: "Edit Primary Linode Account" }));
    const dialog = await screen.findByRole("dialog", { name: "Edit Primary Linode Account" });
    const defaultSwitch = within(dialog).getByRole("switch", { name: "Default Linode account" });
    await user.click(defaultSwitch);
    await user.click(within(dialog).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(defaultSwitch).toHaveAccessibleDescription(expect.stringContaining(detail)));
    expect(dialog).toBeInTheDocument();
  });

  it("a failed load says so and retries", async () => {
    let calls = 0;
    server.use(
      http.get("*/api/auth/me", () => HttpResponse.json(admin)),
      http.get("*/api/admin/providers", () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({ error: "service_busy", detail: "The database is busy. Try again." }, { status: 503 })
          : HttpResponse.json({ providers: [provider()] });
      }),
    );
    renderApp("/admin#providers");
    const user = userEvent.setup();
    expect(await screen.findByText("Could not load the provider accounts")).toBeInTheDocument();
    expect(screen.getByText("The database is busy. Try again.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Retry" }));
    expect(await card("Primary Linode Account")).toBeInTheDocument();
  });
});

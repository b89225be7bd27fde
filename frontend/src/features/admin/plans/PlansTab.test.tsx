import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, me, renderApp, server } from "@/test/app";

// The first matching handler answers: the admin's /me comes before the customer's.
const admin = [
  http.get("*/api/auth/me", () => HttpResponse.json({ ...me, user: { ...me.user, role: "admin" } })),
  ...baseHandlers,
];

const provider = {
  id: "prov-1", name: "Linode main", type: "linode", active: true, api_base_url: null, api_key_hint: "…abcd",
  cloud_account_id: null, configuration: { allowed_regions: ["us-east", "br-gru", "ap-south"] },
  created_at: "2026-11-30T10:00:00Z", updated_at: "2026-11-30T10:00:00Z", key_expires_at: null,
  key_expiring_soon: false, key_rotated_at: null, status: { ok: true, checked_at: null, error: null, since: null, failures: 0, next_attempt_at: null },
};

function plan(overrides: Record<string, unknown> = {}) {
  return {
    id: "plan-1", provider_id: "prov-1", provider: { id: "prov-1", name: "Linode main", type: "linode" },
    name: "Standard 2GB", provider_plan_id: "g6-standard-1", base_price: "12.00", base_price_hourly: "0.018",
    markup_price: "2.00", price_monthly: "14.00", price_hourly: "0.021",
    specifications: { vcpus: 1, memory: 2048, disk: 50, transfer: 2000, regions: ["us-east"] },
    regions: [{ id: "us-east", label: "Newark, NJ", country: "us", base_price_monthly: "12.00",
      base_price_hourly: "0.018", price_monthly: "14.00", price_hourly: "0.021" }],
    active: true, on_sale: true, not_on_sale_reason: null, blocked_regions: [],
    created_at: "2026-11-30T10:00:00Z", updated_at: "2026-11-30T10:00:00Z",
    ...overrides,
  };
}

const upstream = [
  http.get("*/api/admin/providers", () => HttpResponse.json({ providers: [provider] })),
  http.get("*/api/admin/upstream/plans", () =>
    HttpResponse.json({
      provider_id: "prov-1", fetched_at: "2026-11-30T10:00:00Z", stale: false,
      plans: [
        { id: "g6-nanode-1", label: "Nanode 1GB", class: "nanode", vcpus: 1, memory_mb: 1024, disk_gb: 25,
          transfer_gb: 1000, price_monthly: "5.00", price_hourly: "0.0075", region_prices: {}, regions: null },
        { id: "g6-standard-1", label: "Linode 2GB", class: "standard", vcpus: 1, memory_mb: 2048, disk_gb: 50,
          transfer_gb: 2000, price_monthly: "12.00", price_hourly: "0.018",
          region_prices: { "br-gru": { monthly: "14.40", hourly: "0.0216" } },
          regions: ["us-east", "br-gru", "eu-west"] },
      ],
    }),
  ),
  http.get("*/api/admin/upstream/regions", () =>
    HttpResponse.json({
      provider_id: "prov-1", fetched_at: "2026-11-30T10:00:00Z", stale: false,
      regions: [
        { id: "us-east", label: "Newark, NJ", country: "us", available: true },
        { id: "br-gru", label: "São Paulo, BR", country: "br", available: true },
        { id: "eu-west", label: "London, UK", country: "gb", available: true },
        { id: "ap-south", label: "Singapore, SG", country: "sg", available: true },
        { id: "us-west", label: "Fremont, CA", country: "us", available: false },
      ],
    }),
  ),
];

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("admin VPS plans", () => {
  it("adds a plan step by step: ineligible regions disabled with the reason, exact prices per region", async () => {
    let sent: Record<string, unknown> | undefined;
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [] })),
      http.post("*/api/admin/plans", async ({ request }) => {
        sent = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ plan: plan({ name: sent.name }) }, { status: 201 });
      }),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    expect(await screen.findByText("No plans yet")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Add VPS plan" }));
    const wizard = await screen.findByRole("dialog", { name: "Add VPS plan" });

    await user.click(within(wizard).getByRole("radio", { name: /Linode main/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.type(await within(wizard).findByLabelText("Search upstream plans"), "standard");
    expect(within(wizard).queryByRole("radio", { name: /Nanode/ })).not.toBeInTheDocument();
    await user.click(within(wizard).getByRole("radio", { name: /Linode 2GB/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));

    const london = await within(wizard).findByRole("checkbox", { name: /London/ });
    expect(london).toBeDisabled();
    expect(london).toHaveAccessibleDescription("Outside this provider's allowed regions");
    expect(within(wizard).getByRole("checkbox", { name: /Singapore/ })).toHaveAccessibleDescription("This plan is not offered here");
    expect(within(wizard).getByRole("checkbox", { name: /Fremont/ })).toHaveAccessibleDescription("Unavailable at the provider right now");
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    expect(within(wizard).getByText("Choose at least one region.")).toBeInTheDocument();
    await user.click(within(wizard).getByRole("checkbox", { name: /Newark/ }));
    await user.click(within(wizard).getByRole("checkbox", { name: /São Paulo/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));

    expect(within(wizard).getByLabelText("Plan name")).toHaveValue("Linode 2GB");
    const markup = within(wizard).getByLabelText("Markup per month (USD)");
    await user.clear(markup);
    await user.type(markup, "0.30");
    // São Paulo has its own base price: 14.40 + 0.30, computed from the strings.
    expect(within(wizard).getByTestId("customer-price-br-gru")).toHaveTextContent("$14.70/mo");
    expect(within(wizard).getByTestId("customer-price-us-east")).toHaveTextContent("$12.30/mo");
    await user.clear(markup);
    await user.type(markup, "1.005");
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    expect(markup).toHaveAttribute("aria-invalid", "true");
    await user.clear(markup);
    await user.type(markup, "2.10");
    await user.click(within(wizard).getByRole("button", { name: "Next" }));

    expect(within(wizard).getByText("Step 5 of 5: Review")).toBeInTheDocument();
    expect(within(wizard).getByTestId("customer-price-br-gru")).toHaveTextContent("$16.50/mo");
    await user.click(within(wizard).getByRole("button", { name: "Create plan" }));
    await waitFor(() => expect(sent).toBeDefined());
    expect(sent).toEqual({
      provider_id: "prov-1", provider_plan_id: "g6-standard-1", name: "Linode 2GB", markup_price: "2.10",
      regions: ["us-east", "br-gru"],
    });
  });

  it("selects an upstream plan by clicking anywhere on its row", async () => {
    server.use(...admin, ...upstream, http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [] })));
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add VPS plan" }));
    const wizard = await screen.findByRole("dialog", { name: "Add VPS plan" });
    await user.click(within(wizard).getByRole("radio", { name: /Linode main/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    const radio = await within(wizard).findByRole("radio", { name: /Linode 2GB/ });
    await user.click(within(wizard).getByText("Linode 2GB"));
    expect(radio).toBeChecked();
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    expect(await within(wizard).findByRole("checkbox", { name: /Newark/ })).toBeInTheDocument();
  });

  it("says what is wrong with a markup as it is typed, on the field", async () => {
    server.use(...admin, ...upstream, http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [] })));
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add VPS plan" }));
    const wizard = await screen.findByRole("dialog", { name: "Add VPS plan" });
    await user.click(within(wizard).getByRole("radio", { name: /Linode main/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.click(await within(wizard).findByRole("radio", { name: /Linode 2GB/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.click(await within(wizard).findByRole("checkbox", { name: /Newark/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));

    const markup = within(wizard).getByLabelText("Markup per month (USD)");
    for (const [typed, message] of [
      ["-20", "A markup cannot be negative."],
      ["abc", "Enter an amount in digits, like 2.00."],
      ["1.005", "Use at most two decimals, like 2.50."],
      ["123456789", "Use at most 8 digits before the decimal point."],
    ]) {
      await user.clear(markup);
      await user.type(markup, typed);
      // Said on the field as it is typed, not only on Next.
      expect(markup).toHaveAttribute("aria-invalid", "true");
      expect(markup).toHaveAccessibleDescription(expect.stringContaining(message));
    }
    await user.clear(markup);
    await user.type(markup, "2.5");
    expect(markup).not.toHaveAttribute("aria-invalid", "true");
    expect(within(wizard).getByTestId("customer-price-us-east")).toHaveTextContent("$14.50/mo");
  });

  it("puts a server's 422 field message on the markup input, back on its step", async () => {
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [] })),
      http.post("*/api/admin/plans", () =>
        HttpResponse.json(
          { error: "validation_error", detail: "Invalid input.", fields: [{ field: "markup_price", message: "Too large." }] },
          { status: 422 },
        ),
      ),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add VPS plan" }));
    const wizard = await screen.findByRole("dialog", { name: "Add VPS plan" });
    await user.click(within(wizard).getByRole("radio", { name: /Linode main/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.click(await within(wizard).findByRole("radio", { name: /Nanode/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.click(await within(wizard).findByRole("checkbox", { name: /Newark/ }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.click(within(wizard).getByRole("button", { name: "Next" }));
    await user.click(within(wizard).getByRole("button", { name: "Create plan" }));
    const markup = await within(wizard).findByLabelText("Markup per month (USD)");
    expect(markup).toHaveAttribute("aria-invalid", "true");
    expect(markup).toHaveAccessibleDescription("Too large.");
  });

  it("offers deactivation when deleting a plan that servers use (409 plan_in_use)", async () => {
    let patched: unknown;
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [plan()] })),
      http.delete("*/api/admin/plans/:id", () =>
        HttpResponse.json({ error: "plan_in_use", detail: "Servers use this plan. Deactivate it instead." }, { status: 409 }),
      ),
      http.patch("*/api/admin/plans/:id", async ({ request }) => {
        patched = await request.json();
        return HttpResponse.json({ plan: plan({ active: false }) });
      }),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    const row = (await screen.findByRole("rowheader", { name: /Standard 2GB/ })).closest("tr")!;
    expect(row).toHaveTextContent("$14.00/mo");
    await user.click(within(row).getByRole("button", { name: "Actions for Standard 2GB" }));
    await user.click(await screen.findByRole("menuitem", { name: "Delete" }));
    await user.click(await screen.findByRole("button", { name: "Delete plan" }));
    expect(await screen.findByRole("alertdialog", { name: "Standard 2GB is in use" })).toHaveTextContent(
      "Servers use this plan. Deactivate it instead.",
    );
    await user.click(screen.getByRole("button", { name: "Deactivate instead" }));
    await waitFor(() => expect(patched).toEqual({ active: false }));
  });

  it("sorts and filters the table", async () => {
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () =>
        HttpResponse.json({
          plans: [
            plan(),
            plan({ id: "plan-2", name: "Big 8GB", price_monthly: "60.00", active: false }),
            plan({ id: "plan-3", name: "Tiny", price_monthly: "7.00" }),
          ],
        }),
      ),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    await screen.findByRole("rowheader", { name: /Standard 2GB/ });
    const names = () => screen.getAllByRole("rowheader").map((cell) => cell.textContent?.split("g6")[0]);
    expect(names()).toEqual(["Big 8GB", "Standard 2GB", "Tiny"]);
    await user.click(screen.getByRole("button", { name: "Customer price" }));
    expect(names()).toEqual(["Tiny", "Standard 2GB", "Big 8GB"]);
    await user.click(screen.getByRole("button", { name: "Customer price" }));
    expect(names()).toEqual(["Big 8GB", "Standard 2GB", "Tiny"]);
    await user.selectOptions(screen.getByLabelText("Status"), "inactive");
    expect(names()).toEqual(["Big 8GB"]);
  });

  it("sorts by disk and transfer, and clears filters that match nothing", async () => {
    const specs = (disk: number, transfer: number) => ({ vcpus: 1, memory: 2048, disk, transfer, regions: ["us-east"] });
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () =>
        HttpResponse.json({
          plans: [
            plan({ id: "plan-1", name: "A", specifications: specs(80, 1000) }),
            plan({ id: "plan-2", name: "B", specifications: specs(25, 4000) }),
            plan({ id: "plan-3", name: "C", specifications: specs(50, 2000) }),
          ],
        }),
      ),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    await screen.findByRole("rowheader", { name: /^A/ });
    const names = () => screen.getAllByRole("rowheader").map((cell) => cell.textContent?.split("g6")[0]);
    await user.click(screen.getByRole("button", { name: "Disk" }));
    expect(names()).toEqual(["B", "C", "A"]);
    await user.click(screen.getByRole("button", { name: "Transfer" }));
    expect(names()).toEqual(["A", "C", "B"]);
    await user.click(screen.getByRole("button", { name: "Transfer" }));
    expect(names()).toEqual(["B", "C", "A"]);

    expect(screen.queryByRole("button", { name: "Clear filters" })).not.toBeInTheDocument();
    await user.type(screen.getByLabelText("Search"), "nothing like this");
    await user.selectOptions(screen.getByLabelText("Status"), "inactive");
    expect(screen.queryAllByRole("rowheader")).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(names()).toHaveLength(3);
    expect(screen.getByLabelText("Search")).toHaveValue("");
    expect(screen.getByLabelText("Status")).toHaveValue("all");
  });

  it("lists the price changes of a refresh", async () => {
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [plan()] })),
      http.post("*/api/admin/plans/refresh-prices", () =>
        HttpResponse.json({
          plans_checked: 1,
          changes: [{ plan_id: "plan-1", plan_name: "Standard 2GB", region: null, period: "monthly", old: "12.00", new: "13.50" }],
          missing_upstream: [],
          failures: [],
        }),
      ),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    await screen.findByRole("rowheader", { name: /Standard 2GB/ });
    await user.click(screen.getByRole("button", { name: "Refresh prices" }));
    const result = await screen.findByRole("dialog", { name: "Prices refreshed" });
    expect(result).toHaveTextContent("1 plan checked, 1 price changed.");
    expect(within(result).getByRole("row", { name: /Standard 2GB/ })).toHaveTextContent("$12.00/mo$13.50/mo");
  });

  it("shows an active plan customers cannot buy as not on sale, with the reason and its blocked regions", async () => {
    const region = (id: string, label: string) => ({
      id, label, country: "us", base_price_monthly: "12.00", base_price_hourly: "0.018", price_monthly: "14.00", price_hourly: "0.021",
    });
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () =>
        HttpResponse.json({
          plans: [
            plan({
              regions: [region("ca-central", "Toronto, CA"), region("us-east", "Newark, NJ"), region("us-west", "Fremont, CA")],
              on_sale: false,
              not_on_sale_reason: "None of its regions is allowed by the provider account.",
              blocked_regions: ["ca-central", "us-east", "us-west"],
            }),
            plan({
              id: "plan-2", name: "Partly blocked",
              regions: [region("us-east", "Newark, NJ"), region("eu-west", "London, UK")],
              blocked_regions: ["eu-west"],
            }),
          ],
        }),
      ),
    );
    renderApp("/admin#vps-plans");
    const blocked = (await screen.findByRole("rowheader", { name: /Standard 2GB/ })).closest("tr")!;
    expect(blocked).toHaveTextContent("Not on sale");
    expect(blocked).toHaveTextContent("None of its regions is allowed by the provider account.");
    expect(blocked).not.toHaveTextContent("Active");
    expect(blocked).toHaveTextContent("Not allowed by the provider account: Toronto, CA +2");
    const partly = screen.getByRole("rowheader", { name: /Partly blocked/ }).closest("tr")!;
    expect(partly).toHaveTextContent("Active");
    expect(partly).toHaveTextContent(/^.*Newark, NJNot allowed by the provider account: London, UK/);
  });

  it("lets the admin untick a region the provider account no longer allows", async () => {
    let patched: unknown;
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () =>
        HttpResponse.json({
          plans: [
            plan({
              regions: [
                { id: "us-east", label: "Newark, NJ", country: "us", base_price_monthly: "12.00",
                  base_price_hourly: "0.018", price_monthly: "14.00", price_hourly: "0.021" },
                { id: "eu-west", label: "London, UK", country: "gb", base_price_monthly: "12.00",
                  base_price_hourly: "0.018", price_monthly: "14.00", price_hourly: "0.021" },
              ],
              blocked_regions: ["eu-west"],
            }),
          ],
        }),
      ),
      http.patch("*/api/admin/plans/:id", async ({ request }) => {
        patched = await request.json();
        return HttpResponse.json({ plan: plan() });
      }),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    const row = (await screen.findByRole("rowheader", { name: /Standard 2GB/ })).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Actions for Standard 2GB" }));
    await user.click(await screen.findByRole("menuitem", { name: "Edit" }));
    const editor = await screen.findByRole("dialog", { name: "Edit Standard 2GB" });
    const london = await within(editor).findByRole("checkbox", { name: /London/ });
    expect(london).toBeChecked();
    expect(london).toBeEnabled();
    expect(london).toHaveAccessibleDescription("Outside this provider's allowed regions: not sold here. Untick to remove it.");
    await user.click(london);
    expect(london).not.toBeChecked();
    // Once removed it cannot be ticked again: the API would refuse it.
    expect(london).toBeDisabled();
    expect(within(editor).getByRole("checkbox", { name: /São Paulo/ })).toBeEnabled();
    await user.click(within(editor).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(patched).toEqual({ name: "Standard 2GB", markup_price: "2.00", regions: ["us-east"] }));
  });

  it("edits markup and regions, showing the new customer price before saving", async () => {
    let patched: unknown;
    server.use(
      ...admin,
      ...upstream,
      http.get("*/api/admin/plans", () => HttpResponse.json({ plans: [plan()] })),
      http.patch("*/api/admin/plans/:id", async ({ request }) => {
        patched = await request.json();
        return HttpResponse.json({ plan: plan() });
      }),
    );
    renderApp("/admin#vps-plans");
    const user = userEvent.setup();
    const row = (await screen.findByRole("rowheader", { name: /Standard 2GB/ })).closest("tr")!;
    await user.click(within(row).getByRole("button", { name: "Actions for Standard 2GB" }));
    await user.click(await screen.findByRole("menuitem", { name: "Edit" }));
    const editor = await screen.findByRole("dialog", { name: "Edit Standard 2GB" });
    await user.click(await within(editor).findByRole("checkbox", { name: /São Paulo/ }));
    const markup = within(editor).getByLabelText("Markup per month (USD)");
    await user.clear(markup);
    await user.type(markup, "3.10");
    expect(within(editor).getByTestId("customer-price-br-gru")).toHaveTextContent("$17.50/mo");
    expect(within(editor).getByTestId("customer-price-us-east")).toHaveTextContent("$15.10/mo");
    await user.click(within(editor).getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(patched).toEqual({ name: "Standard 2GB", markup_price: "3.10", regions: ["us-east", "br-gru"] }),
    );
  });
});

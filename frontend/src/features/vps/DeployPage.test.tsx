import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, instance, renderApp, server } from "@/test/app";

const catalog = [
  http.get("*/api/vps", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 20 })),
  http.get("*/api/vps/regions", () =>
    HttpResponse.json({
      regions: [
        { id: "frankfurt-de", label: "Frankfurt, DE", country: "de" },
        { id: "new-york-us", label: "New York, US", country: "us" },
      ],
    }),
  ),
  http.get("*/api/vps/plans", ({ request }) => {
    const region = new URL(request.url).searchParams.get("region");
    const small = {
      id: "p1", name: "Standard 1GB", vcpus: 1, memory_mb: 1024, disk_gb: 25, transfer_gb: 1000,
      price_monthly: "7.00", price_hourly: "0.01042", regions: ["frankfurt-de", "new-york-us"],
    };
    const big = {
      id: "p2", name: "Standard 4GB", vcpus: 2, memory_mb: 4096, disk_gb: 80, transfer_gb: 4000,
      price_monthly: "26.10", price_hourly: "0.03884", regions: ["frankfurt-de"],
    };
    return HttpResponse.json({ plans: region === "frankfurt-de" ? [big, small] : [small] });
  }),
];

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function fillDeploy(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole("radio", { name: /Frankfurt/ }));
  await user.click(await screen.findByRole("radio", { name: /Standard 4GB/ }));
  await user.click(await screen.findByRole("radio", { name: "Debian" }));
  await user.type(screen.getByLabelText("Root password"), "Tq7!vRw2#pLz-9");
}

describe("deploy page", () => {
  it("is shown when there are no servers; prices come from the decimal strings", async () => {
    server.use(...baseHandlers, ...catalog);
    renderApp("/vps");
    expect(await screen.findByRole("heading", { name: "Deploy your first server" })).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(await screen.findByRole("radio", { name: /Frankfurt/ }));
    const plan = await screen.findByRole("radio", { name: /Standard 4GB/ });
    expect(plan.closest("label")).toHaveTextContent("$26.10/mo");
    expect(plan.closest("label")).toHaveTextContent("$0.03884/hr");
    // Sorted by price: the cheaper plan first.
    const names = screen.getAllByRole("radio", { name: /Standard/ }).map((radio) => radio.closest("label")?.textContent);
    expect(names[0]).toContain("Standard 1GB");
  });

  it("changing region clears a plan not offered there and says so", async () => {
    server.use(...baseHandlers, ...catalog);
    renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("radio", { name: /Frankfurt/ }));
    await user.click(await screen.findByRole("radio", { name: /Standard 4GB/ }));
    await user.click(screen.getByRole("radio", { name: /New York/ }));
    expect(await screen.findAllByText(/not offered in New York, US/)).not.toHaveLength(0);
    await waitFor(() => expect(screen.queryByRole("radio", { name: /Standard 4GB/ })).not.toBeInTheDocument());
    expect(screen.getByRole("radio", { name: /Standard 1GB/ })).not.toBeChecked();
  });

  it("validates the hostname and password live by the server's rules", async () => {
    server.use(...baseHandlers, ...catalog);
    renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    const hostname = await screen.findByLabelText("Hostname");
    await user.clear(hostname);
    await user.type(hostname, "1bad_name");
    expect(hostname).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText(/parts of 1-63 letters/)).toBeInTheDocument();
    const rules = screen.getByRole("list", { name: "Password rules" });
    await user.type(screen.getByLabelText("Root password"), "abcdefghijk");
    expect(within(rules).getByText(/12 to 128 characters/).parentElement).toHaveTextContent("(not met)");
    await user.type(screen.getByLabelText("Root password"), "L9");
    expect(within(rules).getAllByText(/\(met\)/)).toHaveLength(3); // all but "hard to guess"
    await user.clear(screen.getByLabelText("Root password"));
    await user.type(screen.getByLabelText("Root password"), "Tq7!vRw2#pLz");
    expect(within(rules).getAllByText(/\(met\)/)).toHaveLength(4);
  });

  it("puts server field errors on their inputs", async () => {
    server.use(
      ...baseHandlers,
      ...catalog,
      http.post("*/api/vps", () =>
        HttpResponse.json(
          {
            error: "validation_error",
            detail: "Invalid fields: root_pass.",
            fields: [{ field: "root_pass", message: "The provider found this password too weak." }],
          },
          { status: 422 },
        ),
      ),
    );
    renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    await fillDeploy(user);
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(await screen.findByText("The provider found this password too weak.")).toBeInTheDocument();
    expect(screen.getByLabelText("Root password")).toHaveAttribute("aria-invalid", "true");
  });

  it("reuses the Idempotency-Key when retrying the same attempt, and lands on the new server", async () => {
    const keys: (string | null)[] = [];
    const bodies: unknown[] = [];
    server.use(
      ...baseHandlers,
      ...catalog,
      http.post("*/api/vps", async ({ request }) => {
        keys.push(request.headers.get("Idempotency-Key"));
        bodies.push(await request.json());
        if (keys.length === 1) return HttpResponse.error();
        return HttpResponse.json(
          { instance: instance({ id: "new1", label: "web-9", status: "pending", is_transitional: true, allowed_actions: [] }) },
          { status: 201 },
        );
      }),
      http.get("*/api/vps/new1", () =>
        HttpResponse.json({ instance: instance({ id: "new1", label: "web-9", status: "provisioning", is_transitional: true, allowed_actions: [] }) }),
      ),
    );
    const { router } = renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    await fillDeploy(user);
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(await screen.findByText(/Pressing Deploy again is safe/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/vps/new1"));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(bodies[0]).toMatchObject({ type: "p2", region: "frankfurt-de", image: "img-debian12", root_pass: "Tq7!vRw2#pLz-9" });
    expect(await screen.findByRole("heading", { name: "web-9" })).toBeInTheDocument();
  });

  it("installs the saved keys the customer ticks, and names a saved key the server refuses", async () => {
    const bodies: unknown[] = [];
    server.use(
      http.get("*/api/account/ssh-keys", () =>
        HttpResponse.json({
          ssh_keys: [
            { id: "k1", name: "laptop", public_key: "ssh-ed25519 AAAA", fingerprint: "SHA256:laptopprint", created_at: "2026-11-30T10:00:00Z" },
            { id: "k2", name: "desk", public_key: "ssh-ed25519 BBBB", fingerprint: "SHA256:deskprint", created_at: "2026-11-30T10:00:00Z" },
          ],
        }),
      ),
      ...baseHandlers,
      ...catalog,
      http.post("*/api/vps", async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(
          {
            error: "validation_error",
            detail: "Invalid fields: ssh_key_ids[0].",
            fields: [{ field: "ssh_key_ids[0]", message: "You have no saved SSH key with this id." }],
          },
          { status: 422 },
        );
      }),
    );
    renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    await fillDeploy(user);
    const saved = screen.getByRole("group", { name: "Saved SSH keys" });
    expect(within(saved).getByText("SHA256:deskprint")).toBeInTheDocument();
    await user.click(within(saved).getByRole("checkbox", { name: /desk/ }));
    await user.click(screen.getByRole("button", { name: "Deploy" }));
    expect(await screen.findByText("Saved key 1: You have no saved SSH key with this id.")).toBeInTheDocument();
    expect(bodies[0]).toMatchObject({ ssh_key_ids: ["k2"], ssh_keys: [] });
  });

  it("points to the account page when no key is saved", async () => {
    server.use(...baseHandlers, ...catalog);
    renderApp("/vps?deploy=true");
    const link = await screen.findByRole("link", { name: "Save keys on your account" });
    expect(link).toHaveAttribute("href", "/account#ssh-keys");
  });

  it("a 503 on refreshing the regions keeps them, and the choice, on screen with the safe detail", async () => {
    let fail = false;
    server.use(...baseHandlers, ...catalog);
    server.use(
      http.get("*/api/vps/regions", () =>
        fail
          ? HttpResponse.json({ error: "database_busy", detail: "The panel is busy. Try again." }, { status: 503 })
          : HttpResponse.json({ regions: [{ id: "frankfurt-de", label: "Frankfurt, DE", country: "de" }] }),
      ),
    );
    const { queryClient } = renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("radio", { name: /Frankfurt/ }));
    fail = true;
    await queryClient.refetchQueries({ queryKey: [{ _id: "listRegions" }] });
    expect(await screen.findByText("The panel is busy. Try again.")).toBeInTheDocument();
    expect(screen.getByText("Could not load the regions")).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /Frankfurt/ })).toBeChecked();
  });
});

describe("deploy image picker", () => {
  it("choosing a distribution picks its newest version, compared as numbers", async () => {
    const image = (id: string, distribution: string, version: string) => ({ id, distribution, version, label: `${distribution} ${version}` });
    server.use(
      http.get("*/api/vps/images", () =>
        HttpResponse.json({
          images: [
            image("u2004", "Ubuntu", "20.04"),
            image("u2404", "Ubuntu", "24.04"),
            image("u2204", "Ubuntu", "22.04"),
            image("d9", "Debian", "9"),
            image("d11", "Debian", "11"),
            image("d12", "Debian", "12"),
          ],
        }),
      ),
      ...baseHandlers,
      ...catalog,
    );
    renderApp("/vps?deploy=true");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("radio", { name: /Frankfurt/ }));
    await user.click(await screen.findByRole("radio", { name: /Standard 4GB/ }));
    await user.click(await screen.findByRole("radio", { name: "Ubuntu" }));
    expect(screen.getByLabelText("Ubuntu version")).toHaveValue("u2404");
    expect(within(screen.getByRole("complementary", { name: "Summary" })).getByText("Ubuntu 24.04")).toBeInTheDocument();
    await user.click(screen.getByRole("radio", { name: "Debian" }));
    expect(screen.getByLabelText("Debian version")).toHaveValue("d12");
    expect(within(screen.getByRole("complementary", { name: "Summary" })).getByText("Debian 12")).toBeInTheDocument();
  });
});

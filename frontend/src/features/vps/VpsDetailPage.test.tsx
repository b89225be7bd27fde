import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, instance, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("/vps/:id", () => {
  it("shows only the power buttons allowed_actions lists, named with the server", async () => {
    server.use(...baseHandlers, http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })));
    renderApp("/vps/i1");
    expect(await screen.findByRole("heading", { name: "web-01" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reboot web-01" })).toBeEnabled();
    expect(screen.getByRole("button", { name: "Shut down web-01" })).toBeEnabled();
    expect(screen.queryByRole("button", { name: "Boot web-01" })).not.toBeInTheDocument();
  });

  it("keeps not-allowed menu actions visible but disabled, with the reason", async () => {
    const stopped = instance({ status: "stopped", allowed_actions: ["boot", "rebuild", "resize", "delete"] });
    server.use(...baseHandlers, http.get("*/api/vps/i1", () => HttpResponse.json({ instance: stopped })));
    renderApp("/vps");
    server.use(
      http.get("*/api/vps", () => HttpResponse.json({ instances: [stopped], total: 1, page: 1, per_page: 20 })),
    );
    const user = userEvent.setup();
    const menus = await screen.findAllByRole("button", { name: "Actions for web-01" });
    await user.click(menus[0]);
    const reboot = await screen.findByRole("menuitem", { name: /Reboot/ });
    expect(reboot).toHaveAttribute("data-disabled");
    expect(within(reboot).getByText("Only a running server can reboot.")).toBeInTheDocument();
    expect(screen.getByRole("menuitem", { name: /Boot/ })).not.toHaveAttribute("data-disabled");
  });

  it("polls every 2 s while transitional and slows down once the server settles", async () => {
    let calls = 0;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => {
        calls += 1;
        const settled = calls >= 2;
        return HttpResponse.json({
          instance: instance(
            settled
              ? {}
              : { status: "provisioning", is_transitional: true, progress: 40, allowed_actions: [], ip_address: null },
          ),
        });
      }),
    );
    renderApp("/vps/i1");
    expect(await screen.findByText(/Provisioning/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar")).toBeInTheDocument();
    await waitFor(() => expect(calls).toBe(2), { timeout: 4000 });
    expect(await screen.findAllByText("web-01 is running.")).not.toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect(calls).toBe(2);
  });

  it("a 409 on reboot shows the reason in the dialog and refetches", async () => {
    let reads = 0;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => {
        reads += 1;
        return HttpResponse.json({ instance: instance() });
      }),
      http.post("*/api/vps/i1/reboot", () =>
        HttpResponse.json(
          { error: "invalid_state", detail: "You cannot reboot a server that is rebooting." },
          { status: 409 },
        ),
      ),
    );
    renderApp("/vps/i1");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Reboot web-01" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Reboot web-01?" });
    await user.click(within(dialog).getByRole("button", { name: "Reboot" }));
    expect(await within(dialog).findByText(/You cannot reboot a server that is rebooting\. Try again when/)).toBeInTheDocument();
    await waitFor(() => expect(reads).toBeGreaterThan(1));
  });

  it("a 502 on refresh keeps the last data on screen", async () => {
    let first = true;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => {
        if (first) {
          first = false;
          return HttpResponse.json({ instance: instance() });
        }
        return HttpResponse.json({ error: "provider_unavailable", detail: "Try again shortly." }, { status: 502 });
      }),
    );
    const { queryClient } = renderApp("/vps/i1");
    expect(await screen.findByRole("heading", { name: "web-01" })).toBeInTheDocument();
    await queryClient.refetchQueries();
    expect(screen.getByRole("heading", { name: "web-01" })).toBeInTheDocument();
    expect(screen.getByText("203.0.113.7")).toBeInTheDocument();
  });

  it("a 503 on a background poll keeps the server on screen and shows the safe detail", async () => {
    let fail = false;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () =>
        fail
          ? HttpResponse.json({ error: "database_busy", detail: "The panel is busy. Try again." }, { status: 503 })
          : HttpResponse.json({ instance: instance() }),
      ),
    );
    const { queryClient } = renderApp("/vps/i1");
    expect(await screen.findByRole("heading", { name: "web-01" })).toBeInTheDocument();
    fail = true;
    await queryClient.refetchQueries({ queryKey: [{ _id: "getInstance" }] });
    expect(await screen.findByText("The panel is busy. Try again.")).toBeInTheDocument();
    expect(screen.getByText("Could not refresh this server")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "web-01" })).toBeInTheDocument();
    expect(screen.getByText("203.0.113.7")).toBeInTheDocument();
  });

  it("another organization's server is simply not found", async () => {
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i9", () => HttpResponse.json({ error: "not_found", detail: "Not found." }, { status: 404 })),
    );
    renderApp("/vps/i9");
    expect(await screen.findByRole("heading", { name: "Server not found" })).toBeInTheDocument();
  });

  it("a server deleted outside the panel says so, offers no action and stays on screen", async () => {
    const gone = instance({ status: "deleted", allowed_actions: [] });
    server.use(
      http.get("*/api/vps", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 20 })),
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: gone })),
      http.get("*/api/vps/i1/events", () =>
        HttpResponse.json({
          events: [
            {
              id: "e1", type: "create", status: "succeeded", message: "Server created.",
              created_at: "2026-11-30T10:00:00Z", finished_at: "2026-11-30T10:01:00Z",
            },
            {
              id: "e2", type: "deleted_at_provider", status: "succeeded",
              message: "Deleted at the provider: the server no longer exists there.",
              created_at: "2026-12-01T09:00:00Z", finished_at: "2026-12-01T09:00:00Z",
            },
          ],
        }),
      ),
      ...baseHandlers,
    );
    const { router } = renderApp("/vps/i1");
    const banner = (await screen.findByText("This server was deleted outside the panel")).closest("[role=alert]")!;
    expect(banner).toHaveTextContent("This server was deleted outside the panel");
    expect(banner.textContent).not.toMatch(/linode|digitalocean|digital ocean/i);
    expect(screen.getByRole("heading", { name: "web-01" })).toBeInTheDocument();
    for (const name of ["Reboot web-01", "Shut down web-01", "Boot web-01", "Actions for web-01"])
      expect(screen.queryByRole("button", { name })).not.toBeInTheDocument();
    // No address to connect to: it may already be someone else's.
    expect(screen.queryByText("ssh root@203.0.113.7")).not.toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/vps/i1");

    const user = userEvent.setup();
    await user.click(screen.getByRole("tab", { name: "Activity" }));
    const items = within(await screen.findByRole("list", { name: "Activity" })).getAllByRole("listitem");
    // Newest first: the delete noticed at the provider, then the create.
    expect(items[0]).toHaveTextContent("Deleted outside the panel: Deleted at the provider");
    expect(items[0].querySelector("svg.lucide-trash-2")).not.toBeNull();
    expect(items[0]).not.toHaveTextContent("Done:");
    expect(router.state.location.pathname).toBe("/vps/i1");
  });

  it("a server the customer deleted goes back to the list", async () => {
    server.use(
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance({ status: "deleted", allowed_actions: [] }) })),
      http.get("*/api/vps/i1/events", () =>
        HttpResponse.json({
          events: [
            {
              id: "e1", type: "delete", status: "succeeded", message: "Server deleted.",
              created_at: "2026-12-01T09:00:00Z", finished_at: "2026-12-01T09:00:30Z",
            },
          ],
        }),
      ),
      http.get("*/api/vps", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 20 })),
      ...baseHandlers,
    );
    const { router } = renderApp("/vps/i1");
    expect(await screen.findByText("web-01 was deleted.")).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.pathname).toBe("/vps"));
    expect(screen.queryByText("This server was deleted outside the panel")).not.toBeInTheDocument();
  });

  it("delete is confirmed by typing the label", async () => {
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
      http.delete("*/api/vps/i1", () =>
        HttpResponse.json(
          { instance: instance({ status: "deleting", is_transitional: true, allowed_actions: [] }) },
          { status: 202 },
        ),
      ),
    );
    renderApp("/vps/i1?action=delete");
    const user = userEvent.setup();
    const dialog = await screen.findByRole("dialog", { name: "Delete web-01" });
    const confirm = within(dialog).getByRole("button", { name: "Delete web-01" });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText(/to confirm/), "web-01");
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    expect(await screen.findByText(/Deleting/, { selector: "span" })).toBeInTheDocument();
  });

  it("rebuild asks for no password where the server keeps its credentials, and sends none", async () => {
    let sent: unknown = null;
    const keeps = instance({ capabilities: { rebuild_sets_credentials: false } });
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: keeps })),
      http.post("*/api/vps/i1/rebuild", async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json(
          { instance: instance({ status: "rebuilding", is_transitional: true, allowed_actions: [] }) },
          { status: 202 },
        );
      }),
    );
    renderApp("/vps/i1?action=rebuild");
    const user = userEvent.setup();
    const dialog = await screen.findByRole("dialog", { name: "Rebuild web-01" });
    expect(within(dialog).queryByLabelText(/root password/i)).not.toBeInTheDocument();
    expect(within(dialog).getByText(/keeps its current root password/)).toBeInTheDocument();
    await user.selectOptions(await within(dialog).findByLabelText("Image"), "img-debian12");
    await user.type(within(dialog).getByLabelText(/to confirm/), "web-01");
    await user.click(within(dialog).getByRole("button", { name: "Rebuild web-01" }));
    await waitFor(() => expect(sent).toEqual({ image: "img-debian12" }));
  });

  it("rebuild sends the saved keys ticked, to install instead of the server's", async () => {
    const sent: unknown[] = [];
    server.use(
      http.get("*/api/account/ssh-keys", () =>
        HttpResponse.json({
          ssh_keys: [{ id: "k1", name: "laptop", public_key: "ssh-ed25519 AAAA", fingerprint: "SHA256:lap", created_at: "2026-11-30T10:00:00Z" }],
        }),
      ),
      ...baseHandlers,
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
      http.post("*/api/vps/i1/rebuild", async ({ request }) => {
        sent.push(await request.json());
        return HttpResponse.json(
          { instance: instance({ status: "rebuilding", is_transitional: true, allowed_actions: [] }) },
          { status: 202 },
        );
      }),
    );
    renderApp("/vps/i1?action=rebuild");
    const user = userEvent.setup();
    const dialog = await screen.findByRole("dialog", { name: "Rebuild web-01" });
    await user.selectOptions(await within(dialog).findByLabelText("Image"), "img-debian12");
    await user.type(within(dialog).getByLabelText("New root password"), "Tq7!vRw2#pLz-9");
    await user.click(await within(dialog).findByRole("checkbox", { name: /laptop/ }));
    await user.type(within(dialog).getByLabelText(/to confirm/), "web-01");
    await user.click(within(dialog).getByRole("button", { name: "Rebuild web-01" }));
    await waitFor(() => expect(sent).toEqual([{ image: "img-debian12", root_pass: "Tq7!vRw2#pLz-9", ssh_key_ids: ["k1"] }]));
  });
});

describe("/vps/:id dialogs return focus to what opened them", () => {
  const running = () =>
    server.use(...baseHandlers, http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })));

  it.each(["Rebuild", "Resize", "Delete"])("%s from the ⋮ menu: Escape returns focus to the ⋮ button", async (item) => {
    running();
    server.use(http.get("*/api/vps/i1/resize-plans", () => HttpResponse.json({ plans: [] })));
    renderApp("/vps/i1");
    const user = userEvent.setup();
    const menu = await screen.findByRole("button", { name: "Actions for web-01" });
    await user.click(menu);
    await user.click(await screen.findByRole("menuitem", { name: item }));
    expect(await screen.findByRole("dialog", { name: `${item} web-01` })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toBe(menu));
  });

  it.each(["Reboot", "Shut down"])("%s from its power button: Escape returns focus to the button", async (verb) => {
    running();
    renderApp("/vps/i1");
    const user = userEvent.setup();
    const button = await screen.findByRole("button", { name: `${verb} web-01` });
    await user.click(button);
    expect(await screen.findByRole("alertdialog", { name: `${verb} web-01?` })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toBe(button));
  });

  it("Reboot from the server list's row menu: Escape returns focus to that row's ⋮ button", async () => {
    server.use(
      ...baseHandlers,
      http.get("*/api/vps", () => HttpResponse.json({ instances: [instance()], total: 1, page: 1, per_page: 20 })),
    );
    renderApp("/vps");
    const user = userEvent.setup();
    const menu = (await screen.findAllByRole("button", { name: "Actions for web-01" }))[0];
    await user.click(menu);
    await user.click(await screen.findByRole("menuitem", { name: /Reboot/ }));
    expect(await screen.findByRole("alertdialog", { name: "Reboot web-01?" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toBe(menu));
  });

  it("a failed server's Delete button gets focus back after Escape", async () => {
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () =>
        HttpResponse.json({ instance: instance({ status: "failed", error: "Boom.", allowed_actions: ["rebuild", "delete"] }) }),
      ),
    );
    renderApp("/vps/i1");
    const user = userEvent.setup();
    const button = await screen.findByRole("button", { name: "Delete" });
    await user.click(button);
    expect(await screen.findByRole("dialog", { name: "Delete web-01" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    await waitFor(() => expect(document.activeElement).toBe(button));
  });

  it("a failed server's page says no metrics were recorded, not that they will appear", async () => {
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () =>
        HttpResponse.json({ instance: instance({ status: "failed", error: "Boom.", allowed_actions: ["delete"] }) }),
      ),
    );
    renderApp("/vps/i1");
    expect((await screen.findAllByText("No metrics were recorded for this server.")).length).toBeGreaterThan(0);
    expect(screen.queryByText(/Metrics will appear/)).not.toBeInTheDocument();
  });
});

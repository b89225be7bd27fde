import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SshKeyOut } from "@/client/types.gen";
import { instance, me, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP71BkG4a7ZCR5AUhtgitpPEpM0sdYeoaf+6RD8hjKZf me@laptop";

function sshKey(overrides: Partial<SshKeyOut> = {}): SshKeyOut {
  return {
    id: "k1",
    name: "laptop",
    public_key: KEY,
    fingerprint: "SHA256:3+gX0Yl3J7vFhA2kQ8XoNn0d0b7cP0m3aJ8c8Qv0kYk",
    created_at: new Date(Date.now() - 3 * 60_000).toISOString(),
    ...overrides,
  };
}

/** Serves a list the handlers below may change. */
function useKeys(keys: SshKeyOut[]) {
  server.use(
    http.get("*/api/auth/me", () => HttpResponse.json(me)),
    http.get("*/api/account/ssh-keys", () => HttpResponse.json({ ssh_keys: keys })),
  );
  return keys;
}

describe("/account#ssh-keys", () => {
  it("lists saved keys with their fingerprints", async () => {
    useKeys([sshKey(), sshKey({ id: "k2", name: "desk", fingerprint: "SHA256:desk", public_key: "ssh-rsa AAAA" })]);
    renderApp("/account#ssh-keys");
    const list = await screen.findByRole("list", { name: "Saved SSH keys" });
    const laptop = within(list).getByRole("listitem", { name: "laptop" });
    expect(within(laptop).getByText(sshKey().fingerprint)).toBeInTheDocument();
    expect(within(laptop).getByText(/ssh-ed25519 · added/)).toBeInTheDocument();
    expect(within(list).getByRole("listitem", { name: "desk" })).toBeInTheDocument();
  });

  it("says when there is none", async () => {
    useKeys([]);
    renderApp("/account#ssh-keys");
    expect(await screen.findByText("No saved keys yet.")).toBeInTheDocument();
  });

  it("saves a pasted key and lists it", async () => {
    const keys = useKeys([]);
    const bodies: unknown[] = [];
    server.use(
      http.post("*/api/account/ssh-keys", async ({ request }) => {
        const body = (await request.json()) as { name: string; public_key: string };
        bodies.push(body);
        const saved = sshKey({ name: body.name });
        keys.push(saved);
        return HttpResponse.json({ ssh_key: saved }, { status: 201 });
      }),
    );
    renderApp("/account#ssh-keys");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "laptop");
    await user.type(screen.getByLabelText("Public key"), `  ${KEY}  `);
    await user.click(screen.getByRole("button", { name: "Save key" }));
    expect(await screen.findByRole("listitem", { name: "laptop" })).toBeInTheDocument();
    expect(bodies).toEqual([{ name: "laptop", public_key: KEY }]);
    expect(screen.getByLabelText("Name")).toHaveValue("");
  });

  it("checks the key in place before sending it", async () => {
    useKeys([]);
    renderApp("/account#ssh-keys");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "laptop");
    await user.type(screen.getByLabelText("Public key"), "-----BEGIN OPENSSH PRIVATE KEY-----");
    await user.click(screen.getByRole("button", { name: "Save key" }));
    expect(await screen.findByText("That is a private key: paste the .pub file.")).toBeInTheDocument();
    expect(screen.getByLabelText("Public key")).toHaveAttribute("aria-invalid", "true");
  });

  it("puts the server's refusal on the key field (a key saved before)", async () => {
    useKeys([sshKey()]);
    server.use(
      http.post("*/api/account/ssh-keys", () =>
        HttpResponse.json(
          { error: "ssh_key_exists", detail: "You have already saved this SSH key (SHA256:abc)." },
          { status: 409 },
        ),
      ),
    );
    renderApp("/account#ssh-keys");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "again");
    await user.type(screen.getByLabelText("Public key"), KEY);
    await user.click(screen.getByRole("button", { name: "Save key" }));
    expect(await screen.findByText("You have already saved this SSH key (SHA256:abc).")).toBeInTheDocument();
    expect(screen.getByLabelText("Public key")).toHaveAttribute("aria-invalid", "true");
  });

  it("deletes a key after confirmation", async () => {
    let keys = useKeys([sshKey()]);
    const deleted: string[] = [];
    server.use(
      http.get("*/api/account/ssh-keys", () => HttpResponse.json({ ssh_keys: keys })),
      http.delete("*/api/account/ssh-keys/:id", ({ params }) => {
        deleted.push(String(params.id));
        keys = [];
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp("/account#ssh-keys");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Delete SSH key laptop" }));
    const dialog = await screen.findByRole("alertdialog", { name: "Delete SSH key laptop?" });
    expect(within(dialog).getByText(/Servers that already have the key keep it/)).toBeInTheDocument();
    expect(deleted).toEqual([]);
    await user.click(within(dialog).getByRole("button", { name: "Delete key" }));
    await waitFor(() => expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument());
    expect(deleted).toEqual(["k1"]);
    expect(await screen.findByText("No saved keys yet.")).toBeInTheDocument();
  });

  it("is reached from the user menu", async () => {
    useKeys([]);
    server.use(http.get("*/api/vps", () => HttpResponse.json({ instances: [instance()], total: 1, page: 1, per_page: 20 })));
    const { router } = renderApp("/vps");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Account: Casey" }));
    await user.click(await screen.findByRole("menuitem", { name: "Account" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/account"));
    await user.click(await screen.findByRole("tab", { name: "SSH keys" }));
    await waitFor(() => expect(router.state.location.hash).toBe("ssh-keys"));
    expect(await screen.findByRole("heading", { name: "SSH keys" })).toBeInTheDocument();
  });
});

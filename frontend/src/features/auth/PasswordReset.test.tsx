import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, me, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("forgotten password", () => {
  it("sign-in links to it, and asking says a link was sent if the account exists", async () => {
    let asked: unknown = null;
    server.use(
      http.post("*/api/auth/password-reset", async ({ request }) => {
        asked = await request.json();
        return HttpResponse.json({ detail: "If an account exists…" }, { status: 202 });
      }),
    );
    renderApp("/login");
    const user = userEvent.setup();
    await user.click(await screen.findByRole("link", { name: "Forgot password?" }));
    await user.type(await screen.findByLabelText("Email"), "casey@example.com");
    await user.click(screen.getByRole("button", { name: "Send reset link" }));
    expect(await screen.findByText(/If an account exists for casey@example.com, we sent it a link/)).toBeInTheDocument();
    expect(asked).toEqual({ email: "casey@example.com" });
  });

  it("sets the new password with the token from the link, showing refusals on the input", async () => {
    const sent: unknown[] = [];
    server.use(
      http.post("*/api/auth/password-reset/confirm", async ({ request }) => {
        const body = (await request.json()) as { password: string };
        sent.push(body);
        if (body.password === "password123") {
          return HttpResponse.json(
            {
              error: "validation_error",
              detail: "Some fields are not valid.",
              fields: [{ field: "password", message: "This password is in a list of commonly used passwords." }],
            },
            { status: 422 },
          );
        }
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp("/reset-password#token=tok-123");
    const user = userEvent.setup();
    const input = await screen.findByLabelText("New password");
    expect(input).toHaveAttribute("type", "password");
    await user.click(screen.getByRole("button", { name: "Show password" }));
    expect(input).toHaveAttribute("type", "text");
    await user.type(input, "password123");
    await user.click(screen.getByRole("button", { name: "Set password" }));
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByText(/commonly used passwords/)).toBeInTheDocument();
    await user.clear(input);
    await user.type(input, "violet stapler orbit");
    await user.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByText(/Your new password is set/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/login");
    expect(sent).toEqual([
      { token: "tok-123", password: "password123" },
      { token: "tok-123", password: "violet stapler orbit" },
    ]);
  });

  it("says what to do when the link has no token or a used one", async () => {
    server.use(
      http.post("*/api/auth/password-reset/confirm", () =>
        HttpResponse.json({ error: "invalid_token", detail: "This reset link is not valid." }, { status: 400 }),
      ),
    );
    const { unmount } = renderApp("/reset-password");
    expect(await screen.findByText(/has no reset token/)).toBeInTheDocument();
    unmount();
    renderApp("/reset-password?token=used");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("New password"), "violet stapler orbit");
    await user.click(screen.getByRole("button", { name: "Set password" }));
    expect(await screen.findByText("This reset link is not valid.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Ask for a new link" })).toBeInTheDocument();
  });
});

describe("registration", () => {
  it("signs in with the registration's own answer (no second sign-in request)", async () => {
    const calls: string[] = [];
    server.use(
      ...baseHandlers,
      http.get("*/api/vps", () => HttpResponse.json({ instances: [], total: 0, page: 1, per_page: 20 })),
      http.get("*/api/vps/regions", () => HttpResponse.json({ regions: [] })),
      http.get("*/api/vps/plans", () => HttpResponse.json({ plans: [] })),
      http.post("*/api/auth/login", () => {
        calls.push("login");
        return HttpResponse.json({}, { status: 500 });
      }),
      http.post("*/api/auth/register", () => {
        calls.push("register");
        return HttpResponse.json(
          {
            user: me.user,
            organization: me.organizations[0],
            access_token: "t",
            token_type: "bearer",
            expires_at: "2026-12-08T10:00:00Z",
          },
          { status: 201 },
        );
      }),
    );
    const { router } = renderApp("/register");
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Name"), "Casey");
    await user.type(screen.getByLabelText("Email"), "casey@example.com");
    await user.type(screen.getByLabelText("Password"), "violet stapler orbit");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/vps"));
    expect(calls).toEqual(["register"]);
  });
});

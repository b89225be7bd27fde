import { screen, within } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, instance, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("activity timeline", () => {
  it("keeps the last events on screen with the safe detail when a poll answers 503", async () => {
    let fail = false;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
    );
    server.use(
      http.get("*/api/vps/:id/events", () =>
        fail
          ? HttpResponse.json({ error: "database_busy", detail: "The panel is busy. Try again." }, { status: 503 })
          : HttpResponse.json({
              events: [
                {
                  id: "e1", type: "create", status: "succeeded", message: "Server created.",
                  created_at: "2026-11-30T10:00:00Z", finished_at: "2026-11-30T10:01:00Z",
                },
              ],
            }),
      ),
    );
    const { queryClient } = renderApp("/vps/i1?tab=activity");
    const list = await screen.findByRole("list", { name: "Activity" });
    expect(within(list).getByText("Server created.")).toBeInTheDocument();
    fail = true;
    await queryClient.refetchQueries({ queryKey: [{ _id: "listInstanceEvents" }] });
    expect(await screen.findByText("The panel is busy. Try again.")).toBeInTheDocument();
    expect(screen.getByText("Could not load the activity")).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Activity" })).getByText("Server created.")).toBeInTheDocument();
  });
  it("shows what is in progress first, then the newest, an operation dated by its end", async () => {
    server.use(...baseHandlers);
    server.use(
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
      http.get("*/api/vps/:id/events", () =>
        HttpResponse.json({
          events: [
            {
              id: "e1", type: "create", status: "succeeded", message: "The server is running.",
              created_at: "2026-11-30T10:00:00Z", finished_at: "2026-11-30T10:05:00Z",
            },
            {
              id: "e2", type: "observed", status: "succeeded", message: "Changed outside the panel.",
              created_at: "2026-11-30T10:01:00Z", finished_at: "2026-11-30T10:01:00Z",
            },
            {
              id: "e3", type: "reboot", status: "running", message: "Rebooting.",
              created_at: "2026-11-30T09:59:00Z", finished_at: null,
            },
          ],
        }),
      ),
    );
    renderApp("/vps/i1?tab=activity");
    const list = await screen.findByRole("list", { name: "Activity" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => item.getAttribute("data-event-type"))).toEqual(["reboot", "create", "observed"]);
  });
});

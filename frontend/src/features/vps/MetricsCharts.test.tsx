import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseHandlers, instance, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe("metrics charts", () => {
  it("keeps the last charts on screen with the safe detail when a refresh answers 503", async () => {
    let fail = false;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
    );
    server.use(
      http.get("*/api/vps/:id/metrics", () =>
        fail
          ? HttpResponse.json({ error: "provider_unavailable", detail: "The cloud is not answering. Try again shortly." }, { status: 503 })
          : HttpResponse.json({
              metrics: { cpu: [[1764496800, 12.5]], network_in: [[1764496800, 1000]], network_out: [[1764496800, 2000]] },
            }),
      ),
    );
    const { queryClient } = renderApp("/vps/i1");
    expect(await screen.findByRole("table", { name: "CPU of web-01" })).toBeInTheDocument();
    fail = true;
    await queryClient.refetchQueries({ queryKey: [{ _id: "getInstanceMetrics" }] });
    expect(await screen.findByText("The cloud is not answering. Try again shortly.")).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "CPU of web-01" })).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Network of web-01" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });

  it("with no charts yet, a failure shows the safe detail and Retry loads them", async () => {
    let fail = true;
    server.use(
      ...baseHandlers,
      http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
    );
    server.use(
      http.get("*/api/vps/:id/metrics", () =>
        fail
          ? HttpResponse.json({ error: "provider_unavailable", detail: "The cloud is not answering. Try again shortly." }, { status: 503 })
          : HttpResponse.json({ metrics: { cpu: [[1764496800, 12.5]], network_in: [], network_out: [] } }),
      ),
    );
    renderApp("/vps/i1");
    expect(await screen.findByText("The cloud is not answering. Try again shortly.")).toBeInTheDocument();
    fail = false;
    await userEvent.setup().click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("table", { name: "CPU of web-01" })).toBeInTheDocument();
    expect(screen.queryByText("The cloud is not answering. Try again shortly.")).not.toBeInTheDocument();
  });
});

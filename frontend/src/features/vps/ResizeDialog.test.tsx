import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { delay, http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ResizePlanOut } from "@/client/types.gen";
import { baseHandlers, instance, renderApp, server } from "@/test/app";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function resizePlan(overrides: Partial<ResizePlanOut> = {}): ResizePlanOut {
  return {
    id: "p2",
    name: "Standard 2GB",
    vcpus: 1,
    memory_mb: 2048,
    disk_gb: 50,
    transfer_gb: 2000,
    price_monthly: "14.00",
    price_hourly: "0.021",
    price_difference_monthly: "7.00",
    ...overrides,
  };
}

/** The server, its resize plans (from `answer`), and a catalogue the dialog must not consult. */
function handlers(answer: () => Response | Promise<Response>) {
  const catalogue = { calls: 0 };
  server.use(
    ...baseHandlers,
    http.get("*/api/vps/i1", () => HttpResponse.json({ instance: instance() })),
    http.get("*/api/vps/i1/resize-plans", answer),
    http.get("*/api/vps/plans", () => {
      catalogue.calls += 1;
      return HttpResponse.json({ plans: [] });
    }),
  );
  return catalogue;
}

async function openDialog() {
  renderApp("/vps/i1?action=resize");
  return screen.findByRole("dialog", { name: "Resize web-01" });
}

describe("the resize dialog", () => {
  it("offers exactly the plans the API allows, with the price difference from decimal strings", async () => {
    const catalogue = handlers(() =>
      HttpResponse.json({
        plans: [
          resizePlan(),
          // Beyond a float's precision: shown digit for digit only if never turned into a number.
          resizePlan({
            id: "p3",
            name: "Huge",
            memory_mb: 524288,
            price_monthly: "12345678901234567.89",
            price_difference_monthly: "12345678901234560.89",
          }),
          resizePlan({ id: "p4", name: "Bargain", price_monthly: "4.50", price_difference_monthly: "-2.50" }),
          resizePlan({ id: "p5", name: "Level", price_monthly: "7.00", price_difference_monthly: "0.00" }),
        ],
      }),
    );
    const dialog = await openDialog();
    const group = await within(dialog).findByRole("radiogroup", { name: "New plan" });
    const options = within(group).getAllByRole("radio");
    expect(options).toHaveLength(4);
    const huge = within(group).getByText("Huge").closest("label")!;
    expect(huge).toHaveTextContent("$12,345,678,901,234,567.89/mo");
    expect(huge).toHaveTextContent("+$12,345,678,901,234,560.89/mo");
    expect(huge).toHaveTextContent("512 GB RAM");
    expect(within(group).getByText("Standard 2GB").closest("label")).toHaveTextContent("+$7.00/mo");
    expect(within(group).getByText("Bargain").closest("label")).toHaveTextContent("$2.50/mo less");
    expect(within(group).getByText("Level").closest("label")).toHaveTextContent("Same price");
    expect(catalogue.calls).toBe(0);
  });

  it("shows a loading state shaped like the plans, then the plans", async () => {
    handlers(async () => {
      await delay(300);
      return HttpResponse.json({ plans: [resizePlan()] });
    });
    const dialog = await openDialog();
    expect(within(dialog).getByRole("status", { name: "Loading plans" })).toBeInTheDocument();
    expect(await within(dialog).findByRole("radio", { name: /Standard 2GB/ })).toBeInTheDocument();
    expect(within(dialog).queryByRole("status", { name: "Loading plans" })).not.toBeInTheDocument();
  });

  it("with no larger plan in the region, shows only the explanation and a Close button", async () => {
    handlers(() => HttpResponse.json({ plans: [] }));
    const user = userEvent.setup();
    const dialog = await openDialog();
    expect(await within(dialog).findByText(/No larger plan is available in this region \(Frankfurt, DE\)/)).toBeInTheDocument();
    expect(within(dialog).queryByRole("radiogroup")).not.toBeInTheDocument();
    expect(within(dialog).queryByLabelText(/to confirm/)).not.toBeInTheDocument();
    expect(within(dialog).queryByRole("button", { name: "Resize web-01" })).not.toBeInTheDocument();
    expect(within(dialog).queryByRole("button", { name: "Cancel" })).not.toBeInTheDocument();
    const close = within(dialog).getAllByRole("button", { name: "Close" });
    await user.click(close[0]);
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
  });

  it("a failed load shows the reason and retries", async () => {
    let calls = 0;
    handlers(() => {
      calls += 1;
      return calls === 1
        ? HttpResponse.json({ error: "service_busy", detail: "The service is busy." }, { status: 503 })
        : HttpResponse.json({ plans: [resizePlan()] });
    });
    const user = userEvent.setup();
    const dialog = await openDialog();
    expect(await within(dialog).findByText("Could not load the plans")).toBeInTheDocument();
    expect(within(dialog).getByText("The service is busy.")).toBeInTheDocument();
    await user.click(within(dialog).getByRole("button", { name: "Retry" }));
    expect(await within(dialog).findByRole("radio", { name: /Standard 2GB/ })).toBeInTheDocument();
  });

  it("sends the chosen plan id and shows a refusal on the plan", async () => {
    let sent: unknown = null;
    handlers(() => HttpResponse.json({ plans: [resizePlan()] }));
    server.use(
      http.post("*/api/vps/i1/resize", async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json(
          {
            error: "validation_error",
            detail: "Invalid fields: type.",
            fields: [{ field: "type", message: "Choose a larger plan offered in this server's region." }],
          },
          { status: 422 },
        );
      }),
    );
    const user = userEvent.setup();
    const dialog = await openDialog();
    await user.click(await within(dialog).findByRole("radio", { name: /Standard 2GB/ }));
    await user.type(within(dialog).getByLabelText(/to confirm/), "web-01");
    await user.click(within(dialog).getByRole("button", { name: "Resize web-01" }));
    await waitFor(() => expect(sent).toEqual({ type: "p2" }));
    expect(await within(dialog).findByText("Choose a larger plan offered in this server's region.")).toBeInTheDocument();
  });
});

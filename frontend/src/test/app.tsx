/** Renders the real app (routes, query client, API client) at a path, against MSW handlers. */
import { QueryClientProvider } from "@tanstack/react-query";
import { createMemoryHistory, RouterProvider } from "@tanstack/react-router";
import { render } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { Toaster } from "sonner";
import { configureClient } from "@/api/http";
import { createQueryClient } from "@/api/queryClient";
import type { InstanceOut, MeOut } from "@/client/types.gen";
import { createAppRouter } from "@/router";

export const server = setupServer();

export const me: MeOut = {
  user: { id: "u1", email: "casey@example.com", name: "Casey", role: "customer" } as MeOut["user"],
  organizations: [{ id: "o1", name: "Casey Co", role: "owner" }],
};

export function instance(overrides: Partial<InstanceOut> = {}): InstanceOut {
  return {
    id: "i1",
    label: "web-01",
    status: "running",
    ip_address: "203.0.113.7",
    ipv6: "2001:db8::7",
    region: { id: "frankfurt-de", label: "Frankfurt, DE" },
    plan: { id: "p1", name: "Standard 1GB" },
    image: "img-debian12",
    is_transitional: false,
    allowed_actions: ["shutdown", "reboot", "rebuild", "resize", "delete"],
    capabilities: { rebuild_sets_credentials: true },
    progress: null,
    status_detail: null,
    error: null,
    created_at: "2026-11-30T10:00:00Z",
    updated_at: "2026-11-30T10:00:00Z",
    ...overrides,
  };
}

/** Handlers every signed-in page needs. */
export const baseHandlers = [
  http.get("*/api/auth/me", () => HttpResponse.json(me)),
  http.get("*/api/vps/:id/metrics", () =>
    HttpResponse.json({ metrics: { cpu: [], network_in: [], network_out: [] } }),
  ),
  http.get("*/api/vps/:id/events", () => HttpResponse.json({ events: [] })),
  http.get("*/api/account/ssh-keys", () => HttpResponse.json({ ssh_keys: [] })),
  http.get("*/api/admin/orphans", () => HttpResponse.json({ orphans: [], total: 0, page: 1, per_page: 20 })),
  http.get("*/api/vps/images", () =>
    HttpResponse.json({
      images: [{ id: "img-debian12", label: "Debian 12", distribution: "Debian", version: "12" }],
    }),
  ),
];

export function renderApp(path: string) {
  configureClient();
  const queryClient = createQueryClient();
  queryClient.setDefaultOptions({
    queries: { ...queryClient.getDefaultOptions().queries, retry: false },
  });
  const router = createAppRouter(queryClient, createMemoryHistory({ initialEntries: [path] }));
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      <Toaster />
    </QueryClientProvider>,
  );
  return { ...view, router, queryClient };
}

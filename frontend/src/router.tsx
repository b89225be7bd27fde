/**
 * Routes (TanStack Router, code-based; docs/decisions/ui-router.md says why). Sign-in pages stand
 * alone; every other page sits in AppLayout, which loads /api/auth/me.
 */
import type { QueryClient } from "@tanstack/react-query";
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
  type RouterHistory,
  useParams,
} from "@tanstack/react-router";
import { AccountPage } from "@/features/account/AccountPage";
import { AdminPage } from "@/features/admin/AdminPage";
import { LoginPage } from "@/features/auth/LoginPage";
import { RegisterPage } from "@/features/auth/RegisterPage";
import { AppLayout } from "@/features/shell/AppLayout";
import { NotAllowed, NotFound } from "@/features/shell/NotFound";
import { useMe } from "@/features/shell/useMe";
import { VpsDetailPage } from "@/features/vps/VpsDetailPage";
import { VpsListPage } from "@/features/vps/VpsListPage";

type RouterContext = { queryClient: QueryClient };

const nextSearch = (search: Record<string, unknown>): { next?: string } =>
  typeof search.next === "string" ? { next: search.next } : {};

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: () => (
    <main className="px-4">
      <NotFound />
    </main>
  ),
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: nextSearch,
  component: LoginPage,
});

const registerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/register",
  validateSearch: nextSearch,
  component: RegisterPage,
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  component: AppLayout,
});

const homeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/vps" });
  },
});

/** `deploy`: show the deploy page; `again`: prefill it from that (failed) server. */
export type VpsListSearch = { deploy?: boolean; page?: number; again?: string };

const vpsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/vps",
  validateSearch: (search: Record<string, unknown>): VpsListSearch => ({
    ...(search.deploy !== undefined && search.deploy !== false ? { deploy: true } : {}),
    ...(typeof search.page === "number" && search.page > 1 ? { page: search.page } : {}),
    ...(typeof search.again === "string" ? { again: search.again } : {}),
  }),
  component: VpsListPage,
});

export type VpsDetailSearch = { tab?: "overview" | "activity"; action?: string };

const vpsDetailRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/vps/$instanceId",
  validateSearch: (search: Record<string, unknown>): VpsDetailSearch => ({
    ...(search.tab === "activity" || search.tab === "overview" ? { tab: search.tab } : {}),
    ...(typeof search.action === "string" ? { action: search.action } : {}),
  }),
  component: function VpsDetailRoute() {
    const { instanceId } = useParams({ from: "/app/vps/$instanceId" });
    return <VpsDetailPage instanceId={instanceId} />;
  },
});

const adminRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/admin",
  component: function AdminRoute() {
    const me = useMe();
    return me.data?.user.role === "admin" ? <AdminPage /> : <NotAllowed />;
  },
});

const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/account",
  component: AccountPage,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  registerRoute,
  appRoute.addChildren([homeRoute, vpsRoute, vpsDetailRoute, adminRoute, accountRoute]),
]);

export function createAppRouter(queryClient: QueryClient, history?: RouterHistory) {
  return createRouter({
    routeTree,
    history,
    context: { queryClient },
    defaultPreload: "intent",
    scrollRestoration: true,
  });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}

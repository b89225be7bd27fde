import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { isApiError } from "./http";

let redirectingToLogin = false;

/** Sends the browser to /login?next=<here> once, however many requests answered 401. */
export function redirectToLogin(): void {
  if (redirectingToLogin) return;
  const { pathname, search, hash } = window.location;
  if (pathname === "/login" || pathname === "/register") return;
  redirectingToLogin = true;
  const next = encodeURIComponent(pathname + search + hash);
  window.location.assign(`/login?next=${next}`);
}

/** For tests: forget that a redirect already happened. */
export function resetLoginRedirect(): void {
  redirectingToLogin = false;
}

/** Requests that may be retried: network failures and the provider being briefly away. */
function shouldRetry(failureCount: number, error: unknown): boolean {
  if (!isApiError(error)) return failureCount < 2;
  return (error.status === 0 || error.status === 502 || error.status === 503) && failureCount < 2;
}

export function createQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (!isApiError(error)) return;
        if (error.status === 401 && !query.meta?.allowUnauthenticated) redirectToLogin();
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (!isApiError(error)) return;
        if (error.status === 401) redirectToLogin();
        // Someone else changed the thing: show the fresh state under the reason.
        if (error.status === 409) void queryClient.invalidateQueries();
        if (error.status === 429) {
          const wait = error.retryAfter;
          toast.error(wait ? `Too many requests. Try again in ${wait} s.` : error.detail);
        }
      },
    }),
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        staleTime: 10_000,
        refetchOnWindowFocus: true,
        // 502/503 keep the last data on screen: TanStack Query keeps `data` on a failed refetch.
      },
      mutations: { retry: false },
    },
  });
  return queryClient;
}

declare module "@tanstack/react-query" {
  interface Register {
    queryMeta: { allowUnauthenticated?: boolean };
    defaultError: Error;
  }
}

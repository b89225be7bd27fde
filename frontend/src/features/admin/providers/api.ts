/** Queries and cache updates of the admin's provider accounts. */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { isApiError } from "@/api/http";
import {
  adminListProvidersOptions,
  adminListProvidersQueryKey,
  adminUpstreamRegionsOptions,
} from "@/client/@tanstack/react-query.gen";
import type { ProviderOut, ProvidersOut } from "@/client/types.gen";
import { isProviderType } from "./format";

export function useProviders() {
  return useQuery({ ...adminListProvidersOptions(), placeholderData: (previous) => previous });
}

/** The regions the account itself offers upstream (what `allowed_regions` may name). */
export function useUpstreamRegions(provider: Pick<ProviderOut, "id" | "type">, enabled: boolean) {
  return useQuery({
    ...adminUpstreamRegionsOptions({
      query: { provider: isProviderType(provider.type) ? provider.type : null, providerId: provider.id },
    }),
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** Queries that show provider accounts (their names, active flag and plans): refreshed after
 * every change to one. */
const PROVIDER_VIEWS = ["adminListProviders", "adminListPlans", "adminUpstreamRegions", "adminUpstreamPlans"];

/** Puts a changed account (a 200/201 body) into the list at once, then refreshes what shows it. */
export function writeProvider(queryClient: QueryClient, provider: ProviderOut): void {
  queryClient.setQueryData<ProvidersOut>(adminListProvidersQueryKey(), (list) => {
    if (!list) return list;
    const known = list.providers.some((row) => row.id === provider.id);
    return {
      providers: known
        ? list.providers.map((row) => (row.id === provider.id ? provider : row))
        : [...list.providers, provider],
    };
  });
  void refreshProviderViews(queryClient);
}

export function removeProvider(queryClient: QueryClient, providerId: string): void {
  queryClient.setQueryData<ProvidersOut>(adminListProvidersQueryKey(), (list) =>
    list ? { providers: list.providers.filter((row) => row.id !== providerId) } : list,
  );
  void refreshProviderViews(queryClient);
}

function refreshProviderViews(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (query) => {
      const head = query.queryKey[0] as { _id?: unknown } | undefined;
      return typeof head?._id === "string" && PROVIDER_VIEWS.includes(head._id);
    },
  });
}

/** A failed request as one sentence for an admin: the API's safe detail, the wait of a 429. */
export function errorText(error: unknown): string {
  if (!isApiError(error)) return "Something went wrong. Try again.";
  if (error.status === 429)
    return error.retryAfter ? `Too many requests. Try again in ${error.retryAfter} s.` : error.detail;
  return error.detail;
}

/** The provider could not be reached (or answered with a failure): nothing was changed. */
export function isProviderOutage(error: unknown): boolean {
  return isApiError(error) && (error.status === 502 || error.status === 503);
}

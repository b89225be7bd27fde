/** Admin plan queries and mutations; every change refreshes the plan list. */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import {
  adminListPlansOptions,
  adminListProvidersOptions,
  adminUpstreamPlansOptions,
  adminUpstreamRegionsOptions,
} from "@/client/@tanstack/react-query.gen";

export function usePlans() {
  return useQuery(adminListPlansOptions());
}

export function useProviders() {
  return useQuery(adminListProvidersOptions());
}

export function useUpstreamPlans(providerId: string | undefined) {
  return useQuery({
    ...adminUpstreamPlansOptions({ query: { providerId } }),
    enabled: Boolean(providerId),
    staleTime: 5 * 60_000,
  });
}

export function useUpstreamRegions(providerId: string | undefined) {
  return useQuery({
    ...adminUpstreamRegionsOptions({ query: { providerId } }),
    enabled: Boolean(providerId),
    staleTime: 5 * 60_000,
  });
}

export function invalidatePlans(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: [{ _id: "adminListPlans" }] });
}

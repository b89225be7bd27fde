/** Queries and cache updates of the customer's servers, with the polling rules of the UI guide. */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import * as React from "react";
import { toast } from "sonner";
import {
  getInstanceOptions,
  getInstanceQueryKey,
  listInstancesOptions,
} from "@/client/@tanstack/react-query.gen";
import type { InstanceList, InstanceOut } from "@/client/types.gen";
import { statusLook } from "./status";

export const DETAIL_POLL_MS = 2_000;
export const LIST_POLL_MS = 3_000;
export const IDLE_POLL_MS = 30_000;
export const PER_PAGE = 20;

const LIST_KEY = [{ _id: "listInstances" }];

/** The list page: every 3 s while any row is transitional, else every 30 s; not in background tabs. */
export function useInstanceList(page: number) {
  return useQuery({
    ...listInstancesOptions({ query: { page, per_page: PER_PAGE } }),
    refetchInterval: (query) =>
      query.state.data?.instances.some((instance) => instance.is_transitional) ? LIST_POLL_MS : IDLE_POLL_MS,
    refetchIntervalInBackground: false,
    placeholderData: (previous) => previous,
  });
}

/** One server: every 2 s while transitional, else every 30 s; not in background tabs. */
export function useInstance(instanceId: string) {
  return useQuery({
    ...getInstanceOptions({ path: { instance_id: instanceId } }),
    refetchInterval: (query) => (query.state.data?.instance.is_transitional ? DETAIL_POLL_MS : IDLE_POLL_MS),
    refetchIntervalInBackground: false,
    retry: (count, error) => !("status" in error && error.status === 404) && count < 2,
  });
}

/** Writes a server (a 201/202 body) into the detail cache and every cached list page at once. */
export function writeInstance(queryClient: QueryClient, instance: InstanceOut): void {
  queryClient.setQueryData(getInstanceQueryKey({ path: { instance_id: instance.id } }), { instance });
  queryClient.setQueriesData<InstanceList>({ queryKey: LIST_KEY }, (list) =>
    list
      ? { ...list, instances: list.instances.map((row) => (row.id === instance.id ? instance : row)) }
      : list,
  );
}

export function invalidateInstanceLists(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: LIST_KEY });
}

/**
 * Announces servers that settle (transitional -> stable) with a toast and a screen-reader
 * message. Returns the text for an aria-live region.
 */
export function useSettleAnnouncements(instances: readonly InstanceOut[] | undefined): string {
  const previous = React.useRef(new Map<string, boolean>());
  const [message, setMessage] = React.useState("");
  React.useEffect(() => {
    if (!instances) return;
    const settled: string[] = [];
    for (const instance of instances) {
      const wasTransitional = previous.current.get(instance.id);
      if (wasTransitional && !instance.is_transitional) {
        const text =
          instance.status === "failed"
            ? `${instance.label} failed${instance.error ? `: ${instance.error}` : "."}`
            : `${instance.label} is ${statusLook(instance.status).label.toLowerCase()}.`;
        settled.push(text);
        if (instance.status === "failed") toast.error(text);
        else toast.success(text);
      }
      previous.current.set(instance.id, instance.is_transitional);
    }
    if (settled.length) setMessage(settled.join(" "));
  }, [instances]);
  return message;
}

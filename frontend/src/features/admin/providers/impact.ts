/** What a change to a provider account does to the plans customers can buy, computed from the
 * admin plan list (`on_sale`, `blocked_regions`) before the change is saved. */
import { useQuery } from "@tanstack/react-query";
import { adminListInstancesOptions, adminListPlansOptions } from "@/client/@tanstack/react-query.gen";
import type { PlanOut } from "@/client/types.gen";

export type PlanRegionLoss = {
  plan: PlanOut;
  /** Labels of the regions customers can buy it in today that the new allowed regions drop. */
  losing: string[];
  /** No region is left: customers can no longer buy the plan at all. */
  offSale: boolean;
};

/** The account's on-sale plans that would stop being sold in some region if its allowed regions
 * became `allowed` (null: every region). */
export function plansLosingRegions(plans: PlanOut[], providerId: string, allowed: string[] | null): PlanRegionLoss[] {
  if (allowed === null) return [];
  const kept = new Set(allowed);
  const losses: PlanRegionLoss[] = [];
  for (const plan of plans) {
    if (plan.provider?.id !== providerId || !plan.on_sale) continue;
    const sold = plan.regions.filter((region) => !plan.blocked_regions.includes(region.id));
    const losing = sold.filter((region) => !kept.has(region.id)).map((region) => region.label);
    if (losing.length) losses.push({ plan, losing, offSale: losing.length === sold.length });
  }
  return losses;
}

/** The account's plans customers can buy now: deactivating the account takes them off sale. */
export function plansOnSale(plans: PlanOut[], providerId: string): PlanOut[] {
  return plans.filter((plan) => plan.provider?.id === providerId && plan.on_sale);
}

export function useAdminPlans(enabled: boolean) {
  return useQuery({ ...adminListPlansOptions(), enabled });
}

/** How many servers of the account are not deleted, read from the admin server list (deleted
 * servers stay listed, so they are counted out; `atLeast` when there are more than one page). */
export function useLiveServerCount(providerId: string, enabled: boolean) {
  return useQuery({
    ...adminListInstancesOptions({ query: { provider_id: providerId, per_page: 200 } }),
    enabled,
    select: (data) => ({
      count: data.instances.filter((instance) => instance.status !== "deleted").length,
      atLeast: data.total > data.instances.length,
    }),
  });
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

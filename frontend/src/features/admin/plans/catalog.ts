/** Plan pricing and region eligibility for the admin plan pages, from the API's decimal strings. */
import type { ProviderOut, UpstreamPlan, UpstreamRegion } from "@/client/types.gen";
import { add, fromUnits, toUnits } from "@/lib/money";

export const MARKUP_PATTERN = /^\d{1,8}(\.\d{1,2})?$/;

/** A markup the API accepts: a non-negative amount with at most two decimals. */
export function isMarkup(value: string): boolean {
  return MARKUP_PATTERN.test(value.trim());
}

export function allowedRegions(provider: ProviderOut | undefined): string[] | null {
  const allowed = provider?.configuration?.allowed_regions;
  return Array.isArray(allowed) && allowed.length > 0 ? (allowed as string[]) : null;
}

/** Why a region cannot carry this plan, or null when it can. */
export function ineligibleReason(
  region: UpstreamRegion,
  plan: UpstreamPlan | undefined,
  provider: ProviderOut | undefined,
): string | null {
  if (!region.available) return "Unavailable at the provider right now";
  if (plan && plan.regions !== null && plan.regions !== undefined && !plan.regions.includes(region.id))
    return "This plan is not offered here";
  const allowed = allowedRegions(provider);
  if (allowed && !allowed.includes(region.id)) return "Outside this provider's allowed regions";
  return null;
}

/** The provider's monthly price of `plan` in `regionId` (its own price where it differs). */
export function basePriceIn(plan: UpstreamPlan, regionId: string): string {
  return plan.region_prices[regionId]?.monthly ?? plan.price_monthly;
}

export type RegionQuote = { regionId: string; base: string; customer: string; margin: string; marginPercent: string };

/** Customer price (base + markup) and margin, as amount and share of the customer price. */
export function quote(base: string, markup: string, regionId = ""): RegionQuote {
  const customer = add(base, markup);
  const customerUnits = toUnits(customer, 2);
  const markupUnits = toUnits(markup, 2);
  // Tenths of a percent, rounded half up, in integers only.
  const permille = customerUnits === 0n ? 0n : (markupUnits * 2000n + customerUnits) / (2n * customerUnits);
  return {
    regionId,
    base: fromUnits(toUnits(base, 2), 2).replace(/,/g, ""),
    customer,
    margin: fromUnits(markupUnits, 2).replace(/,/g, ""),
    marginPercent: `${fromUnits(permille, 1)}%`,
  };
}

export function formatMemory(memoryMb: number): string {
  return memoryMb >= 1024 && memoryMb % 1024 === 0 ? `${memoryMb / 1024} GB` : `${memoryMb} MB`;
}

export function formatTransfer(transferGb: number): string {
  return transferGb >= 1000 && transferGb % 1000 === 0 ? `${transferGb / 1000} TB` : `${transferGb} GB`;
}

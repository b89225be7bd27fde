/** Plan pricing and region eligibility for the admin plan pages, from the API's decimal strings. */
import type { ProviderOut, UpstreamPlan, UpstreamRegion } from "@/client/types.gen";
import { z } from "zod";
import { add, fromUnits, toUnits } from "@/lib/money";

/** A markup the API accepts (catalog/schemas.py `Markup`): a decimal ≥ 0, 10 digits, 2 of them decimals. */
export const markupSchema = z
  .string()
  .trim()
  .min(1, "Enter a markup, like 2.00.")
  .refine((value) => !value.startsWith("-"), "A markup cannot be negative.")
  .regex(/^\d+(\.\d+)?$/, "Enter an amount in digits, like 2.00.")
  .regex(/^\d+(\.\d{1,2})?$/, "Use at most two decimals, like 2.50.")
  .regex(/^\d{1,8}(\.|$)/, "Use at most 8 digits before the decimal point.");

/** Why the API would refuse this markup (the first reason), or null when it is fine. */
export function markupProblem(value: string): string | null {
  const result = markupSchema.safeParse(value);
  return result.success ? null : (result.error.issues[0]?.message ?? "Enter an amount like 2.00.");
}

export function isMarkup(value: string): boolean {
  return markupProblem(value) === null;
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

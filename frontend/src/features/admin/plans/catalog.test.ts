import { describe, expect, it } from "vitest";
import type { ProviderOut, UpstreamPlan, UpstreamRegion } from "@/client/types.gen";
import { basePriceIn, ineligibleReason, isMarkup, quote } from "./catalog";

const plan = {
  id: "g6-standard-1", label: "Linode 2GB", class: "standard", vcpus: 1, memory_mb: 2048,
  disk_gb: 50, transfer_gb: 2000, price_monthly: "12.00", price_hourly: "0.018",
  region_prices: { "br-gru": { monthly: "14.40", hourly: "0.0216" } }, regions: ["us-east", "br-gru"],
} as UpstreamPlan;
const region = (id: string, available = true): UpstreamRegion => ({ id, label: id, country: "us", available });
const provider = { configuration: { allowed_regions: ["us-east"] } } as unknown as ProviderOut;

describe("plan catalog rules", () => {
  it("adds markup to the region's own base price without floats", () => {
    // 0.1 + 0.2 style sums that floats get wrong stay exact.
    expect(quote("0.10", "0.20").customer).toBe("0.30");
    expect(quote(basePriceIn(plan, "br-gru"), "2.00")).toMatchObject({ customer: "16.40", margin: "2.00", marginPercent: "12.2%" });
    expect(quote(basePriceIn(plan, "us-east"), "2.00").customer).toBe("14.00");
    expect(quote("99999999.99", "0.01").customer).toBe("100000000.00");
  });

  it("names why a region cannot carry the plan", () => {
    expect(ineligibleReason(region("eu-west"), plan, undefined)).toBe("This plan is not offered here");
    expect(ineligibleReason(region("br-gru"), plan, provider)).toBe("Outside this provider's allowed regions");
    expect(ineligibleReason(region("us-east", false), plan, provider)).toBe("Unavailable at the provider right now");
    expect(ineligibleReason(region("us-east"), plan, provider)).toBeNull();
  });

  it("accepts markups with at most two decimals", () => {
    expect(isMarkup("2")).toBe(true);
    expect(isMarkup("2.50")).toBe(true);
    expect(isMarkup("2.505")).toBe(false);
    expect(isMarkup("-1")).toBe(false);
    expect(isMarkup("1e3")).toBe(false);
  });
});

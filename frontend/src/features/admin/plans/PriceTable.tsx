import type { UpstreamPlan, UpstreamRegion } from "@/client/types.gen";
import { formatMonthly } from "@/lib/money";
import { basePriceIn, isMarkup, quote } from "./catalog";

/** Per selected region: the provider's base price, what the customer pays and our margin. */
export function PriceTable({
  plan,
  regions,
  selected,
  markup,
}: {
  plan: UpstreamPlan;
  regions: UpstreamRegion[];
  selected: string[];
  markup: string;
}) {
  const valid = isMarkup(markup);
  const labels = new Map(regions.map((region) => [region.id, region.label]));
  return (
    <div className="relative overflow-x-auto rounded-md border border-border">
      <table className="w-full text-sm">
        <caption className="sr-only">Customer price and margin per region</caption>
        <thead className="bg-muted/50 text-left text-muted-foreground">
          <tr>
            <th scope="col" className="px-2 py-2 sm:px-3 font-medium">Region</th>
            <th scope="col" className="px-2 py-2 sm:px-3 text-right font-medium">Base</th>
            <th scope="col" className="px-2 py-2 sm:px-3 text-right font-medium">Customer price</th>
            <th scope="col" className="px-2 py-2 sm:px-3 text-right font-medium">Margin</th>
          </tr>
        </thead>
        <tbody>
          {selected.map((regionId) => {
            const base = basePriceIn(plan, regionId);
            const priced = valid ? quote(base, markup.trim(), regionId) : null;
            return (
              <tr key={regionId} className="border-t border-border">
                <th scope="row" className="px-2 py-2 sm:px-3 text-left font-normal">{labels.get(regionId) ?? regionId}</th>
                <td className="px-2 py-2 sm:px-3 text-right tabular-nums">{formatMonthly(base)}</td>
                <td className="px-2 py-2 sm:px-3 text-right font-medium tabular-nums" data-testid={`customer-price-${regionId}`}>
                  {priced ? `${formatMonthly(priced.customer)}/mo` : "—"}
                </td>
                <td className="px-2 py-2 sm:px-3 text-right tabular-nums">
                  {priced ? `${formatMonthly(priced.margin)} (${priced.marginPercent})` : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

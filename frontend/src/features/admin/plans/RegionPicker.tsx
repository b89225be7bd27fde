import type { ProviderOut, UpstreamPlan, UpstreamRegion } from "@/client/types.gen";
import { formatMonthly } from "@/lib/money";
import { cn } from "@/lib/utils";
import { basePriceIn, ineligibleReason } from "./catalog";

/** Checkboxes for the regions of a provider; the ones that cannot carry the plan stay visible,
 * disabled, with the reason (read by screen readers with the checkbox). */
export function RegionPicker({
  regions,
  plan,
  provider,
  selected,
  onChange,
  error,
}: {
  regions: UpstreamRegion[];
  plan: UpstreamPlan | undefined;
  provider: ProviderOut | undefined;
  selected: string[];
  onChange: (next: string[]) => void;
  error?: string;
}) {
  const rows = regions
    .map((region) => ({ region, reason: ineligibleReason(region, plan, provider) }))
    .sort((a, b) => Number(a.reason !== null) - Number(b.reason !== null) || a.region.label.localeCompare(b.region.label));
  const toggle = (id: string, on: boolean) =>
    onChange(on ? [...selected, id] : selected.filter((value) => value !== id));
  return (
    <fieldset className="grid gap-2" aria-describedby={error ? "plan-regions-error" : undefined}>
      <legend className="mb-1 text-sm font-medium">Regions</legend>
      <ul className="grid gap-2 sm:grid-cols-2">
        {rows.map(({ region, reason }) => {
          const id = `plan-region-${region.id}`;
          const checked = selected.includes(region.id);
          // A region the plan already has but can no longer carry (e.g. the account's allowed
          // regions were narrowed) stays untickable so the admin can remove it; the API accepts
          // removals, only additions must be eligible.
          const locked = reason !== null && !checked;
          return (
            <li key={region.id}>
              <label
                htmlFor={id}
                className={cn(
                  "flex items-start gap-3 rounded-md border border-border p-3 text-sm has-[:checked]:border-primary has-[:checked]:bg-primary/5 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60",
                  locked ? "cursor-not-allowed bg-muted/40" : "cursor-pointer",
                )}
              >
                <input
                  id={id}
                  type="checkbox"
                  className="mt-0.5 size-4 accent-primary"
                  checked={checked}
                  disabled={locked}
                  aria-describedby={reason ? `${id}-reason` : undefined}
                  onChange={(event) => toggle(region.id, event.target.checked)}
                />
                <span className="grid gap-0.5">
                  <span className="font-medium">{region.label}</span>
                  <span className="font-mono text-xs text-muted-foreground">{region.id}</span>
                  {reason ? (
                    <span id={`${id}-reason`} className={cn("text-xs", checked ? "text-warning-foreground" : "text-muted-foreground")}>
                      {checked ? `${reason}: not sold here. Untick to remove it.` : reason}
                    </span>
                  ) : (
                    plan && (
                      <span className="text-xs text-muted-foreground">
                        Base {formatMonthly(basePriceIn(plan, region.id))}/mo
                      </span>
                    )
                  )}
                </span>
              </label>
            </li>
          );
        })}
      </ul>
      {error && (
        <p id="plan-regions-error" className="text-sm text-destructive-foreground">
          {error}
        </p>
      )}
    </fieldset>
  );
}

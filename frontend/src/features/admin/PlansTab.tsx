import { nativeSelectClass } from "@/components/ui/native-select";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, ArrowDown, ArrowUp, ArrowUpDown, Boxes, MoreHorizontal, Plus, RefreshCw, X } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import { adminRefreshPlanPricesMutation, adminUpdatePlanMutation } from "@/client/@tanstack/react-query.gen";
import type { PlanOut, PriceRefreshOut } from "@/client/types.gen";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { compare, formatMonthly } from "@/lib/money";
import { AddPlanWizard } from "./plans/AddPlanWizard";
import { invalidatePlans, usePlans, useProviders } from "./plans/api";
import { formatMemory, formatTransfer } from "./plans/catalog";
import { DeletePlanDialog, EditPlanDialog, RefreshResultDialog } from "./plans/PlanDialogs";
import { QueryProblem } from "@/components/query-problem";

type SortKey = "name" | "provider" | "vcpus" | "memory" | "disk" | "transfer" | "base" | "markup" | "price" | "status";
const SORTERS: Record<SortKey, (a: PlanOut, b: PlanOut) => number> = {
  name: (a, b) => a.name.localeCompare(b.name),
  provider: (a, b) => (a.provider?.name ?? "").localeCompare(b.provider?.name ?? ""),
  vcpus: (a, b) => a.specifications.vcpus - b.specifications.vcpus,
  memory: (a, b) => a.specifications.memory - b.specifications.memory,
  disk: (a, b) => a.specifications.disk - b.specifications.disk,
  transfer: (a, b) => a.specifications.transfer - b.specifications.transfer,
  base: (a, b) => compare(a.base_price, b.base_price),
  markup: (a, b) => compare(a.markup_price, b.markup_price),
  price: (a, b) => compare(a.price_monthly, b.price_monthly),
  status: (a, b) => saleRank(a) - saleRank(b),
};

/** On sale first, then active but not on sale, then inactive. */
function saleRank(plan: PlanOut): number {
  return plan.on_sale ? 0 : plan.active ? 1 : 2;
}

/** The plan's state for the admin: "Active" only when customers can really buy it; an active plan
 * they cannot buy (account inactive, every region blocked) says why. */
function PlanStatus({ plan }: { plan: PlanOut }) {
  if (!plan.active) return <Badge variant="secondary">Inactive</Badge>;
  if (plan.on_sale) return <Badge variant="success">Active</Badge>;
  return (
    <span className="grid justify-items-start gap-1">
      <Badge variant="warning">Not on sale</Badge>
      <span className="max-w-56 text-xs text-muted-foreground">{plan.not_on_sale_reason}</span>
    </span>
  );
}

/** The regions customers can buy the plan in; the ones the provider account no longer allows are
 * listed apart, so a plan never looks sold where it is not. `full` lists every name (phone cards). */
function PlanRegions({ plan, full = false }: { plan: PlanOut; full?: boolean }) {
  const blocked = new Set(plan.blocked_regions);
  const sold = plan.regions.filter((region) => !blocked.has(region.id)).map((region) => region.label);
  const notAllowed = plan.regions.filter((region) => blocked.has(region.id)).map((region) => region.label);
  const short = (labels: string[]) => (full || labels.length <= 2 ? labels.join(", ") : `${labels[0]} +${labels.length - 1}`);
  return (
    <span className="grid gap-0.5">
      <span title={sold.join(", ")}>{sold.length ? short(sold) : "None"}</span>
      {notAllowed.length > 0 && (
        <span className="text-xs text-warning-foreground" title={notAllowed.join(", ")}>
          Not allowed by the provider account: {short(notAllowed)}
        </span>
      )}
    </span>
  );
}

type Dialogs =
  | { kind: "add" }
  | { kind: "edit"; plan: PlanOut }
  | { kind: "delete"; plan: PlanOut }
  | { kind: "refreshed"; result: PriceRefreshOut }
  | null;

/** /admin#vps-plans: the plans customers buy, their upstream plan, prices and state. */
export function PlansTab() {
  const queryClient = useQueryClient();
  const plans = usePlans();
  const providers = useProviders();
  const [dialog, setDialog] = React.useState<Dialogs>(null);
  const [search, setSearch] = React.useState("");
  const [status, setStatus] = React.useState<"all" | "active" | "inactive">("all");
  const [providerFilter, setProviderFilter] = React.useState("");
  const filtered = Boolean(search.trim() || status !== "all" || providerFilter);
  const clearFilters = () => {
    setSearch("");
    setStatus("all");
    setProviderFilter("");
  };
  const [sort, setSort] = React.useState<{ key: SortKey; descending: boolean }>({ key: "name", descending: false });

  const refresh = useMutation({
    ...adminRefreshPlanPricesMutation(),
    onSuccess: async (result) => {
      await invalidatePlans(queryClient);
      setDialog({ kind: "refreshed", result });
    },
    onError: (error) => {
      if (isApiError(error) && error.status !== 429) toast.error(error.detail);
    },
  });
  const setActive = useMutation({
    ...adminUpdatePlanMutation(),
    onSuccess: async (data) => {
      toast.success(`${data.plan.name} is now ${data.plan.active ? "active" : "inactive"}.`);
      await invalidatePlans(queryClient);
    },
    onError: (error) => {
      if (isApiError(error) && error.status !== 429) toast.error(error.detail);
    },
  });

  const providerList = providers.data?.providers ?? [];
  const rows = (plans.data?.plans ?? [])
    .filter((plan) => status === "all" || (status === "active") === plan.active)
    .filter((plan) => !providerFilter || plan.provider?.id === providerFilter)
    .filter((plan) => {
      const wanted = search.trim().toLowerCase();
      return !wanted || `${plan.name} ${plan.provider_plan_id} ${plan.provider?.name ?? ""}`.toLowerCase().includes(wanted);
    })
    .sort((a, b) => (sort.descending ? -1 : 1) * SORTERS[sort.key](a, b));

  const header = (key: SortKey, label: string, alignRight = false) => {
    const active = sort.key === key;
    const Icon = active ? (sort.descending ? ArrowDown : ArrowUp) : ArrowUpDown;
    return (
      <th
        scope="col"
        aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}
        className={alignRight ? "px-3 py-2 text-right font-medium" : "px-3 py-2 font-medium"}
      >
        <button
          type="button"
          className="inline-flex items-center gap-1 whitespace-nowrap rounded-sm outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/60"
          onClick={() => setSort({ key, descending: active ? !sort.descending : false })}
        >
          {label}
          <Icon className="size-3.5" aria-hidden />
        </button>
      </th>
    );
  };

  const actions = (plan: PlanOut) => (
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button variant="ghost" size="icon" className="size-8" aria-label={`Actions for ${plan.name}`}>
            <MoreHorizontal aria-hidden />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="end">
          <DropdownMenuItem onSelect={() => setDialog({ kind: "edit", plan })}>Edit</DropdownMenuItem>
          <DropdownMenuItem
            disabled={!plan.active && !plan.provider}
            onSelect={() => setActive.mutate({ path: { plan_id: plan.id }, body: { active: !plan.active } })}
          >
            {plan.active ? "Deactivate" : "Activate"}
          </DropdownMenuItem>
          <DropdownMenuSeparator />
          <DropdownMenuItem className="text-destructive-foreground" onSelect={() => setDialog({ kind: "delete", plan })}>
            Delete
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
  );

  const noProviders = providers.data && providerList.filter((provider) => provider.active).length === 0;

  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-4" aria-labelledby="plans-heading">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 id="plans-heading" className="text-lg font-semibold">VPS plans</h2>
          <p className="text-sm text-muted-foreground">What customers can buy: an upstream plan, the regions it is sold in and your markup.</p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" onClick={() => refresh.mutate({})} disabled={refresh.isPending || !plans.data?.plans.length}>
            <RefreshCw className={refresh.isPending ? "animate-spin motion-reduce:animate-none" : undefined} aria-hidden />
            {refresh.isPending ? "Refreshing…" : "Refresh prices"}
          </Button>
          <Button onClick={() => setDialog({ kind: "add" })} disabled={Boolean(noProviders)}>
            <Plus aria-hidden />
            Add VPS plan
          </Button>
        </div>
      </div>

      <div className="flex flex-wrap items-end gap-3">
        <div className="grid min-w-48 flex-1 gap-1 sm:max-w-xs">
          <label htmlFor="plans-search" className="text-xs font-medium text-muted-foreground">Search</label>
          <Input id="plans-search" placeholder="Name or upstream plan" value={search} onChange={(event) => setSearch(event.target.value)} />
        </div>
        <div className="grid gap-1">
          <label htmlFor="plans-status" className="text-xs font-medium text-muted-foreground">Status</label>
          <select
            id="plans-status"
            className={nativeSelectClass}
            value={status}
            onChange={(event) => setStatus(event.target.value as typeof status)}
          >
            <option value="all">All</option>
            <option value="active">Active</option>
            <option value="inactive">Inactive</option>
          </select>
        </div>
        <div className="grid gap-1">
          <label htmlFor="plans-provider" className="text-xs font-medium text-muted-foreground">Provider</label>
          <select
            id="plans-provider"
            className={nativeSelectClass}
            value={providerFilter}
            onChange={(event) => setProviderFilter(event.target.value)}
          >
            <option value="">All providers</option>
            {providerList.map((provider) => (
              <option key={provider.id} value={provider.id}>{provider.name}</option>
            ))}
          </select>
        </div>
        {filtered && (
          <Button variant="ghost" size="sm" onClick={clearFilters}>
            <X aria-hidden />
            Clear filters
          </Button>
        )}
      </div>

      {noProviders && (
        <Alert>
          <AlertCircle aria-hidden />
          <AlertTitle>No active provider</AlertTitle>
          <AlertDescription>Connect a provider before creating plans (Providers tab).</AlertDescription>
        </Alert>
      )}
      <QueryProblem query={plans} title="Could not load the plans" />

      {plans.isPending ? (
        <div className="grid gap-2" role="status" aria-busy="true" aria-label="Loading plans">
          {Array.from({ length: 3 }, (_, index) => (
            <Skeleton key={index} className="h-12" />
          ))}
        </div>
      ) : plans.data && plans.data.plans.length === 0 ? (
        <div className="grid justify-items-center gap-2 rounded-lg border border-dashed border-border p-8 text-center">
          <Boxes className="size-8 text-muted-foreground" aria-hidden />
          <p className="font-medium">No plans yet</p>
          <p className="text-sm text-muted-foreground">Add a VPS plan to let customers deploy servers.</p>
        </div>
      ) : (
        plans.data && (
          <>
          <ul className="grid gap-3 md:hidden" aria-label="VPS plans">
            {rows.map((plan) => (
              <li key={plan.id} className="grid gap-2 rounded-lg border border-border bg-card p-4 text-sm">
                <div className="flex items-start justify-between gap-2">
                  <div className="grid min-w-0 gap-1">
                    <span className="font-medium">{plan.name}</span>
                    <span className="font-mono text-xs text-muted-foreground">{plan.provider_plan_id}</span>
                  </div>
                  <div className="flex items-center gap-1">
                    <PlanStatus plan={plan} />
                    {actions(plan)}
                  </div>
                </div>
                <p>
                  {plan.specifications.vcpus} vCPU · {formatMemory(plan.specifications.memory)} · {plan.specifications.disk} GB ·{" "}
                  {formatTransfer(plan.specifications.transfer)}
                </p>
                <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 [&>dd]:min-w-0">
                  <dt className="text-muted-foreground">Provider</dt>
                  <dd>{plan.provider?.name ?? "Removed"}</dd>
                  <dt className="text-muted-foreground">Regions</dt>
                  <dd><PlanRegions plan={plan} full /></dd>
                  <dt className="text-muted-foreground">Price</dt>
                  <dd className="tabular-nums">
                    <span className="font-medium">{formatMonthly(plan.price_monthly)}/mo</span> = {formatMonthly(plan.base_price)} base +{" "}
                    {formatMonthly(plan.markup_price)} markup
                  </dd>
                </dl>
              </li>
            ))}
            {rows.length === 0 && <li className="p-4 text-center text-sm text-muted-foreground">No plan matches these filters.</li>}
          </ul>
          <div className="relative hidden overflow-x-auto rounded-lg border border-border md:block">
            <table className="w-full min-w-[64rem] text-sm">
              <caption className="sr-only">VPS plans, {rows.length} shown</caption>
              <thead className="bg-muted/50 text-left text-muted-foreground">
                <tr>
                  {header("name", "Name")}
                  {header("provider", "Provider")}
                  <th scope="col" className="px-3 py-2 font-medium">Regions</th>
                  {header("vcpus", "vCPU", true)}
                  {header("memory", "RAM", true)}
                  {header("disk", "Disk", true)}
                  {header("transfer", "Transfer", true)}
                  {header("base", "Base", true)}
                  {header("markup", "Markup", true)}
                  {header("price", "Customer price", true)}
                  {header("status", "Status")}
                  <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {rows.map((plan) => (
                  <tr key={plan.id} className="border-t border-border">
                    <th scope="row" className="min-w-40 px-3 py-2 text-left font-medium">
                      {plan.name}
                      <div className="font-mono text-xs font-normal text-muted-foreground">{plan.provider_plan_id}</div>
                    </th>
                    <td className="px-3 py-2">{plan.provider?.name ?? <span className="text-muted-foreground">Removed</span>}</td>
                    <td className="px-3 py-2">
                      <PlanRegions plan={plan} />
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{plan.specifications.vcpus}</td>
                    <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{formatMemory(plan.specifications.memory)}</td>
                    <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{plan.specifications.disk} GB</td>
                    <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{formatTransfer(plan.specifications.transfer)}</td>
                    <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{formatMonthly(plan.base_price)}</td>
                    <td className="px-3 py-2 text-right tabular-nums whitespace-nowrap">{formatMonthly(plan.markup_price)}</td>
                    <td className="px-3 py-2 text-right font-medium tabular-nums whitespace-nowrap">{formatMonthly(plan.price_monthly)}/mo</td>
                    <td className="px-3 py-2">
                      <PlanStatus plan={plan} />
                    </td>
                    <td className="px-2 py-2 text-right">
                      {actions(plan)}
                    </td>
                  </tr>
                ))}
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={12} className="px-3 py-6 text-center text-muted-foreground">No plan matches these filters.</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
          </>
        )
      )}

      <AddPlanWizard open={dialog?.kind === "add"} onOpenChange={(open) => setDialog(open ? { kind: "add" } : null)} providers={providerList} />
      {dialog?.kind === "edit" && (
        <EditPlanDialog
          plan={dialog.plan}
          provider={providerList.find((provider) => provider.id === dialog.plan.provider?.id)}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === "delete" && <DeletePlanDialog plan={dialog.plan} onClose={() => setDialog(null)} />}
      {dialog?.kind === "refreshed" && (
        <RefreshResultDialog result={dialog.result} plans={plans.data?.plans ?? []} providers={providerList} onClose={() => setDialog(null)} />
      )}
    </section>
  );
}

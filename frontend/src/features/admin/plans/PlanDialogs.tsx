import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import { adminDeletePlanMutation, adminUpdatePlanMutation } from "@/client/@tanstack/react-query.gen";
import type { PlanOut, PriceRefreshOut, ProviderOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { formatHourly, formatMonthly } from "@/lib/money";
import { invalidatePlans, useUpstreamPlans, useUpstreamRegions } from "./api";
import { markupProblem } from "./catalog";
import { PriceTable } from "./PriceTable";
import { RegionPicker } from "./RegionPicker";
import { QueryProblem } from "@/components/query-problem";

type EditErrors = Partial<Record<"name" | "markup" | "regions" | "root", string>>;

/** Edit a plan's name, markup and regions, with the live customer price per region. */
export function EditPlanDialog({
  plan,
  provider,
  onClose,
}: {
  plan: PlanOut;
  provider: ProviderOut | undefined;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = React.useState(plan.name);
  const [markup, setMarkup] = React.useState(plan.markup_price);
  const [regions, setRegions] = React.useState(plan.regions.map((region) => region.id));
  const [errors, setErrors] = React.useState<EditErrors>({});
  const providerId = plan.provider?.id;
  const upstreamPlans = useUpstreamPlans(providerId);
  const upstreamRegions = useUpstreamRegions(providerId);
  const upstream = upstreamPlans.data?.plans.find((item) => item.id === plan.provider_plan_id);

  const update = useMutation({
    ...adminUpdatePlanMutation(),
    onSuccess: async (data) => {
      toast.success(`Plan ${data.plan.name} saved.`);
      await invalidatePlans(queryClient);
      onClose();
    },
    onError: (error) => {
      if (!isApiError(error)) return setErrors({ root: "Something went wrong. Try again." });
      const next: EditErrors = {};
      for (const { field, message } of error.fields) {
        const key = field.split(".")[0];
        if (key === "name") next.name = message;
        else if (key === "markup_price") next.markup = message;
        else if (key === "regions") next.regions = message;
        else next.root = message;
      }
      if (!error.fields.length) next.root = error.detail;
      setErrors(next);
    },
  });

  const save = () => {
    const found: EditErrors = {};
    if (!name.trim()) found.name = "Give the plan a name customers will see.";
    const markupError = markupProblem(markup);
    if (markupError) found.markup = markupError;
    if (regions.length === 0) found.regions = "Choose at least one region.";
    setErrors(found);
    if (Object.keys(found).length) return;
    const regionsChanged = regions.join() !== plan.regions.map((region) => region.id).join();
    update.mutate({
      path: { plan_id: plan.id },
      body: { name: name.trim(), markup_price: markup.trim(), ...(regionsChanged ? { regions } : {}) },
    });
  };

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-w-3xl">
        <DialogHeader>
          <DialogTitle>Edit {plan.name}</DialogTitle>
          <DialogDescription>
            {plan.provider ? `${plan.provider.name} · ${plan.provider_plan_id}` : "Its provider account was removed."}
          </DialogDescription>
        </DialogHeader>
        {errors.root && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertTitle>Not saved</AlertTitle>
            <AlertDescription>{errors.root}</AlertDescription>
          </Alert>
        )}
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField id="edit-plan-name" label="Plan name" error={errors.name}>
            <Input value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
          </FormField>
          <FormField id="edit-plan-markup" label="Markup per month (USD)" error={markupProblem(markup) ?? errors.markup}>
            <Input
              inputMode="decimal"
              value={markup}
              onChange={(event) => {
                setMarkup(event.target.value);
                setErrors((current) => ({ ...current, markup: undefined }));
              }}
            />
          </FormField>
        </div>
        {providerId ? (
          <>
            <QueryProblem query={upstreamRegions} title="Could not load the provider's regions" />
            <QueryProblem query={upstreamPlans} title="Could not load the provider's plans" />
            {upstreamRegions.isPending || upstreamPlans.isPending ? (
              <Skeleton className="h-32" />
            ) : (
              <RegionPicker
                regions={upstreamRegions.data?.regions ?? []}
                plan={upstream}
                provider={provider}
                selected={regions}
                onChange={setRegions}
                error={errors.regions}
              />
            )}
            {upstream && regions.length > 0 && (
              <PriceTable plan={upstream} regions={upstreamRegions.data?.regions ?? []} selected={regions} markup={markup} />
            )}
          </>
        ) : (
          <p className="text-sm text-muted-foreground">Regions cannot change: the plan's provider account was removed.</p>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={save} disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save"}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

/** Confirms a delete; a plan servers still use (409 plan_in_use) is offered deactivation instead. */
export function DeletePlanDialog({ plan, onClose }: { plan: PlanOut; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [inUse, setInUse] = React.useState<string | null>(null);
  const [problem, setProblem] = React.useState<string | null>(null);
  const remove = useMutation({
    ...adminDeletePlanMutation(),
    onSuccess: async () => {
      toast.success(`Plan ${plan.name} deleted.`);
      await invalidatePlans(queryClient);
      onClose();
    },
    onError: (error) => {
      if (isApiError(error) && error.code === "plan_in_use") setInUse(error.detail);
      else setProblem(isApiError(error) ? error.detail : "Something went wrong. Try again.");
    },
  });
  const deactivate = useMutation({
    ...adminUpdatePlanMutation(),
    onSuccess: async () => {
      toast.success(`Plan ${plan.name} deactivated: customers can no longer buy it.`);
      await invalidatePlans(queryClient);
      onClose();
    },
    onError: (error) => setProblem(isApiError(error) ? error.detail : "Something went wrong. Try again."),
  });

  return (
    <AlertDialog open onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogTitle>{inUse ? `${plan.name} is in use` : `Delete ${plan.name}?`}</AlertDialogTitle>
        <AlertDialogDescription>
          {inUse
            ? `${inUse} Deactivating stops new sales; the servers on it keep running.`
            : "Customers will no longer see this plan. This cannot be undone."}
        </AlertDialogDescription>
        {problem && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{problem}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          {inUse ? (
            plan.active ? (
              <Button
                onClick={() => deactivate.mutate({ path: { plan_id: plan.id }, body: { active: false } })}
                disabled={deactivate.isPending}
              >
                Deactivate instead
              </Button>
            ) : null
          ) : (
            <Button variant="destructive" onClick={() => remove.mutate({ path: { plan_id: plan.id } })} disabled={remove.isPending}>
              Delete plan
            </Button>
          )}
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/** What a price refresh changed, which plans vanished upstream and which providers failed. */
export function RefreshResultDialog({
  result,
  plans,
  providers,
  onClose,
}: {
  result: PriceRefreshOut;
  plans: PlanOut[];
  providers: ProviderOut[];
  onClose: () => void;
}) {
  const planName = (id: string) => plans.find((plan) => plan.id === id)?.name ?? id;
  const providerName = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;
  const money = (period: string, amount: string) => (period === "hourly" ? `${formatHourly(amount)}/hr` : `${formatMonthly(amount)}/mo`);
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>Prices refreshed</DialogTitle>
          <DialogDescription>
            {result.plans_checked} plan{result.plans_checked === 1 ? "" : "s"} checked,{" "}
            {result.changes.length === 0 ? "no price changed." : `${result.changes.length} price${result.changes.length === 1 ? "" : "s"} changed.`}
          </DialogDescription>
        </DialogHeader>
        {result.changes.length > 0 && (
          <div className="relative overflow-x-auto rounded-md border border-border">
            <table className="w-full text-sm">
              <caption className="sr-only">Price changes</caption>
              <thead className="bg-muted/50 text-left text-muted-foreground">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">Plan</th>
                  <th scope="col" className="px-3 py-2 font-medium">Region</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Old base</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">New base</th>
                </tr>
              </thead>
              <tbody>
                {result.changes.map((change, index) => (
                  <tr key={index} className="border-t border-border">
                    <td className="px-3 py-2">{change.plan_name}</td>
                    <td className="px-3 py-2">{change.region ?? "All regions"}</td>
                    <td className="px-3 py-2 text-right tabular-nums">{money(change.period, change.old)}</td>
                    <td className="px-3 py-2 text-right font-medium tabular-nums">{money(change.period, change.new)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {result.missing_upstream.length > 0 && (
          <Alert variant="warning">
            <AlertCircle aria-hidden />
            <AlertTitle>No longer offered upstream</AlertTitle>
            <AlertDescription>{result.missing_upstream.map(planName).join(", ")} — consider deactivating.</AlertDescription>
          </Alert>
        )}
        {result.failures.map((failure) => (
          <Alert key={failure.provider_id} variant="destructive">
            <AlertCircle aria-hidden />
            <AlertTitle>{providerName(failure.provider_id)} not refreshed</AlertTitle>
            <AlertDescription>{failure.error}</AlertDescription>
          </Alert>
        ))}
        <DialogFooter>
          <Button onClick={onClose}>Close</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

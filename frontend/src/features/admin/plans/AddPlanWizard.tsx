import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Check, Search } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import { adminCreatePlanMutation } from "@/client/@tanstack/react-query.gen";
import type { ProviderOut, UpstreamPlan } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { formatHourly, formatMonthly } from "@/lib/money";
import { cn } from "@/lib/utils";
import { invalidatePlans, useUpstreamPlans, useUpstreamRegions } from "./api";
import { formatMemory, formatTransfer, ineligibleReason, markupProblem } from "./catalog";
import { PriceTable } from "./PriceTable";
import { RegionPicker } from "./RegionPicker";
import { QueryProblem } from "@/components/query-problem";

const STEPS = ["Provider", "Upstream plan", "Regions", "Name and markup", "Review"] as const;
type Errors = Partial<Record<"provider" | "plan" | "regions" | "name" | "markup" | "root", string>>;
// The step where each server field is entered, to go back to it on a 422.
const FIELD_STEPS: Record<string, { key: keyof Errors; step: number }> = {
  provider_id: { key: "provider", step: 0 },
  provider_plan_id: { key: "plan", step: 1 },
  regions: { key: "regions", step: 2 },
  name: { key: "name", step: 3 },
  markup_price: { key: "markup", step: 3 },
};

/** "Add VPS plan" in five steps: provider → upstream plan → regions → markup → review. */
export function AddPlanWizard({
  open,
  onOpenChange,
  providers,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  providers: ProviderOut[];
}) {
  const queryClient = useQueryClient();
  const [step, setStep] = React.useState(0);
  const [providerId, setProviderId] = React.useState<string>();
  const [planId, setPlanId] = React.useState<string>();
  const [regions, setRegions] = React.useState<string[]>([]);
  const [name, setName] = React.useState("");
  const [markup, setMarkup] = React.useState("2.00");
  const [search, setSearch] = React.useState("");
  const [errors, setErrors] = React.useState<Errors>({});

  const active = providers.filter((provider) => provider.active);
  const provider = providers.find((item) => item.id === providerId);
  const upstreamPlans = useUpstreamPlans(providerId);
  const upstreamRegions = useUpstreamRegions(providerId);
  const plan = upstreamPlans.data?.plans.find((item) => item.id === planId);

  const reset = () => {
    setStep(0);
    setProviderId(undefined);
    setPlanId(undefined);
    setRegions([]);
    setName("");
    setMarkup("2.00");
    setSearch("");
    setErrors({});
  };

  const create = useMutation({
    ...adminCreatePlanMutation(),
    onSuccess: async (data) => {
      toast.success(`Plan ${data.plan.name} created.`);
      await invalidatePlans(queryClient);
      onOpenChange(false);
      reset();
    },
    onError: (error) => {
      if (!isApiError(error)) return setErrors({ root: "Something went wrong. Try again." });
      const next: Errors = {};
      let back = STEPS.length - 1;
      for (const { field, message } of error.fields) {
        const target = FIELD_STEPS[field.split(".")[0]];
        if (target) {
          next[target.key] = message;
          back = Math.min(back, target.step);
        } else next.root = message;
      }
      if (!error.fields.length) next.root = error.retryAfter ? `${error.detail} Try again in ${error.retryAfter} s.` : error.detail;
      setErrors(next);
      setStep(back);
    },
  });

  const choosePlan = (chosen: UpstreamPlan) => {
    setPlanId(chosen.id);
    // Keep only regions that can carry the new plan; suggest its name until the admin types one.
    const eligible = (upstreamRegions.data?.regions ?? []).filter((region) => !ineligibleReason(region, chosen, provider));
    setRegions((current) => current.filter((id) => eligible.some((region) => region.id === id)));
    if (!name || name === plan?.label) setName(chosen.label);
  };

  const validate = (at: number): Errors => {
    if (at === 0 && !providerId) return { provider: "Choose a provider account." };
    if (at === 1 && !plan) return { plan: "Choose the upstream plan to sell." };
    if (at === 2 && regions.length === 0) return { regions: "Choose at least one region." };
    if (at === 3) {
      const found: Errors = {};
      if (!name.trim()) found.name = "Give the plan a name customers will see.";
      const markupError = markupProblem(markup);
    if (markupError) found.markup = markupError;
      return found;
    }
    return {};
  };

  const next = () => {
    const found = validate(step);
    setErrors(found);
    if (Object.keys(found).length === 0) setStep(step + 1);
  };

  const submit = () => {
    if (!provider || !plan) return;
    create.mutate({
      body: { provider_id: provider.id, provider_plan_id: plan.id, name: name.trim(), markup_price: markup.trim(), regions },
    });
  };

  const filteredPlans = (upstreamPlans.data?.plans ?? []).filter((item) =>
    `${item.label} ${item.id} ${item.class}`.toLowerCase().includes(search.trim().toLowerCase()),
  );

  return (
    <Dialog
      open={open}
      onOpenChange={(value) => {
        onOpenChange(value);
        if (!value) reset();
      }}
    >
      <DialogContent className="max-w-3xl">
        <DialogHeader>
          <DialogTitle>Add VPS plan</DialogTitle>
          <DialogDescription>
            Step {step + 1} of {STEPS.length}: {STEPS[step]}
          </DialogDescription>
        </DialogHeader>
        <ol className="flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Steps">
          {STEPS.map((label, index) => (
            <li
              key={label}
              aria-current={index === step ? "step" : undefined}
              className={cn("flex items-center gap-1", index === step ? "font-semibold text-foreground" : "text-muted-foreground")}
            >
              <span
                className={cn(
                  "grid size-5 place-items-center rounded-full border text-[0.7rem]",
                  index < step ? "border-primary bg-primary text-primary-foreground" : "border-border",
                )}
              >
                {index < step ? <Check className="size-3" aria-hidden /> : index + 1}
              </span>
              {label}
            </li>
          ))}
        </ol>

        {errors.root && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertTitle>The plan was not created</AlertTitle>
            <AlertDescription>{errors.root}</AlertDescription>
          </Alert>
        )}

        {step === 0 && (
          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">Provider account</legend>
            {active.length === 0 && <p className="text-sm text-muted-foreground">Connect a provider before creating plans.</p>}
            {active.map((item) => (
              <label
                key={item.id}
                className="flex cursor-pointer items-center gap-3 rounded-md border border-border p-3 text-sm has-[:checked]:border-primary has-[:checked]:bg-primary/5 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60"
              >
                <input
                  type="radio"
                  name="plan-provider"
                  className="size-4 accent-primary"
                  checked={providerId === item.id}
                  onChange={() => {
                    setProviderId(item.id);
                    setPlanId(undefined);
                    setRegions([]);
                  }}
                />
                <span className="font-medium">{item.name}</span>
                <span className="text-muted-foreground">{item.type === "digitalocean" ? "DigitalOcean" : "Linode"}</span>
              </label>
            ))}
            {errors.provider && <p className="text-sm text-destructive-foreground">{errors.provider}</p>}
          </fieldset>
        )}

        {step === 1 && (
          <div className="grid gap-3">
            <div className="relative">
              <Search className="pointer-events-none absolute left-2.5 top-2.5 size-4 text-muted-foreground" aria-hidden />
              <Input
                aria-label="Search upstream plans"
                placeholder="Search by name, id or class"
                className="pl-8"
                value={search}
                onChange={(event) => setSearch(event.target.value)}
              />
            </div>
            <QueryProblem query={upstreamPlans} title="Could not load the provider's plans" />
            {upstreamPlans.isPending ? (
              <Skeleton className="h-40" />
            ) : (
              <div className="relative max-h-80 overflow-auto rounded-md border border-border">
                <table className="w-full text-sm">
                  <caption className="sr-only">Upstream plans</caption>
                  <thead className="sticky top-0 bg-muted text-left text-muted-foreground">
                    <tr>
                      <th scope="col" className="px-3 py-2 font-medium"><span className="sr-only">Choose</span></th>
                      <th scope="col" className="px-3 py-2 font-medium">Plan</th>
                      <th scope="col" className="px-3 py-2 text-right font-medium">vCPU</th>
                      <th scope="col" className="px-3 py-2 text-right font-medium">RAM</th>
                      <th scope="col" className="px-3 py-2 text-right font-medium">Disk</th>
                      <th scope="col" className="px-3 py-2 text-right font-medium">Transfer</th>
                      <th scope="col" className="px-3 py-2 text-right font-medium">Base price</th>
                    </tr>
                  </thead>
                  <tbody>
                    {filteredPlans.map((item) => (
                      // The whole row picks the plan for a pointer; the keyboard uses the radio.
                      <tr
                        key={item.id}
                        onClick={(event) => {
                          if (!(event.target instanceof HTMLInputElement) && planId !== item.id) choosePlan(item);
                        }}
                        className={cn("cursor-pointer border-t border-border hover:bg-muted/50", planId === item.id && "bg-primary/5 hover:bg-primary/5")}
                      >
                        <td className="px-3 py-2">
                          <input
                            type="radio"
                            name="upstream-plan"
                            className="size-4 accent-primary"
                            aria-label={`${item.label} (${item.id})`}
                            checked={planId === item.id}
                            onChange={() => choosePlan(item)}
                          />
                        </td>
                        <td className="px-3 py-2">
                          <div className="font-medium">{item.label}</div>
                          <div className="font-mono text-xs text-muted-foreground">{item.id} · {item.class}</div>
                        </td>
                        <td className="px-3 py-2 text-right tabular-nums">{item.vcpus}</td>
                        <td className="px-3 py-2 text-right tabular-nums">{formatMemory(item.memory_mb)}</td>
                        <td className="px-3 py-2 text-right tabular-nums">{item.disk_gb} GB</td>
                        <td className="px-3 py-2 text-right tabular-nums">{formatTransfer(item.transfer_gb)}</td>
                        <td className="px-3 py-2 text-right tabular-nums">
                          {formatMonthly(item.price_monthly)}/mo
                          <div className="text-xs text-muted-foreground">{formatHourly(item.price_hourly)}/hr</div>
                        </td>
                      </tr>
                    ))}
                    {filteredPlans.length === 0 && (
                      <tr>
                        <td colSpan={7} className="px-3 py-6 text-center text-muted-foreground">No plan matches “{search}”.</td>
                      </tr>
                    )}
                  </tbody>
                </table>
              </div>
            )}
            {errors.plan && <p className="text-sm text-destructive-foreground">{errors.plan}</p>}
          </div>
        )}

        {step === 2 && (
          <div className="grid gap-3">
            <QueryProblem query={upstreamRegions} title="Could not load the provider's regions" />
            {upstreamRegions.isPending ? (
              <Skeleton className="h-40" />
            ) : (
              <RegionPicker
                regions={upstreamRegions.data?.regions ?? []}
                plan={plan}
                provider={provider}
                selected={regions}
                onChange={setRegions}
                error={errors.regions}
              />
            )}
          </div>
        )}

        {step === 3 && plan && (
          <div className="grid gap-4">
            <div className="grid gap-4 sm:grid-cols-2">
              <FormField id="plan-name" label="Plan name" error={errors.name} description="What customers see.">
                <Input value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
              </FormField>
              <FormField id="plan-markup" label="Markup per month (USD)" error={markupProblem(markup) ?? errors.markup} description="Added to the provider's price in every region.">
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
            <PriceTable plan={plan} regions={upstreamRegions.data?.regions ?? []} selected={regions} markup={markup} />
          </div>
        )}

        {step === 4 && plan && provider && (
          <div className="grid gap-4">
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="text-muted-foreground">Name</dt>
              <dd className="font-medium">{name.trim()}</dd>
              <dt className="text-muted-foreground">Provider</dt>
              <dd>{provider.name}</dd>
              <dt className="text-muted-foreground">Upstream plan</dt>
              <dd>
                {plan.label} <span className="font-mono text-xs text-muted-foreground">({plan.id})</span>
              </dd>
              <dt className="text-muted-foreground">Specs</dt>
              <dd>
                {plan.vcpus} vCPU · {formatMemory(plan.memory_mb)} RAM · {plan.disk_gb} GB disk · {formatTransfer(plan.transfer_gb)} transfer
              </dd>
              <dt className="text-muted-foreground">Markup</dt>
              <dd>{formatMonthly(markup.trim())}/mo</dd>
            </dl>
            <PriceTable plan={plan} regions={upstreamRegions.data?.regions ?? []} selected={regions} markup={markup} />
          </div>
        )}

        <DialogFooter>
          {step > 0 && (
            <Button variant="outline" onClick={() => setStep(step - 1)} disabled={create.isPending}>
              Back
            </Button>
          )}
          {step < STEPS.length - 1 ? (
            <Button onClick={next}>Next</Button>
          ) : (
            <Button onClick={submit} disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create plan"}
            </Button>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

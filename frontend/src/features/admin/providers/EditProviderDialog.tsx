import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Info, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { adminListPlansOptions, adminUpdateProviderMutation } from "@/client/@tanstack/react-query.gen";
import type { ProviderOut, ProviderUpdateIn } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors } from "@/lib/forms";
import { errorText, isProviderOutage, writeProvider } from "./api";
import {
  type ConfigDraft,
  type ConfigErrors,
  ConfigureFields,
  configErrorsFrom,
  configurationFrom,
  draftFrom,
  draftProblems,
} from "./ConfigureFields";
import { DeactivationImpact } from "./DeactivateProviderDialog";
import { type PlanRegionLoss, plansLosingRegions } from "./impact";
import { accountNameRule, AccountChangeConsent, ApiKeyInput, baseUrlRule, differentAccountProblem, returnFocusTo } from "./fields";
import { DEFAULT_BASE_URLS, isProviderType, typeName } from "./format";
import { SwitchField } from "./SwitchField";

const editSchema = z.object({ name: accountNameRule, api_base_url: baseUrlRule, api_key: z.string() });
type EditValues = z.infer<typeof editSchema>;
const EDIT_INPUTS = ["name", "api_base_url", "api_key"] as const;

/** The address a stored or typed base URL means ("" = the official API), to tell a real move. */
function effectiveUrl(type: string, url: string | null): string {
  const trimmed = (url ?? "").trim().replace(/\/+$/, "");
  return isProviderType(type) && trimmed === DEFAULT_BASE_URLS[type] ? "" : trimmed;
}

/** Name, active, configuration and base URL. A new base URL needs the key again: the stored key
 * is only ever sent to the address it was entered for. */
export function EditProviderDialog({
  provider,
  open,
  onOpenChange,
  returnFocusRef,
}: {
  provider: ProviderOut;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  returnFocusRef?: React.RefObject<HTMLElement | null>;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-w-2xl" onCloseAutoFocus={returnFocusTo(returnFocusRef)}>
        <DialogHeader>
          <DialogTitle>Edit {provider.name}</DialogTitle>
          <DialogDescription>
            {typeName(provider.type)} account. Changes apply to servers deployed from now on.
          </DialogDescription>
        </DialogHeader>
        {open && <EditForm provider={provider} onDone={() => onOpenChange(false)} />}
      </DialogContent>
    </Dialog>
  );
}

function EditForm({ provider, onDone }: { provider: ProviderOut; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [active, setActive] = React.useState(provider.active);
  const [draft, setDraft] = React.useState<ConfigDraft>(() => draftFrom(provider));
  const [configErrors, setConfigErrors] = React.useState<ConfigErrors>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const [otherAccount, setOtherAccount] = React.useState<{ asked: boolean; allowed: boolean }>({ asked: false, allowed: false });
  const form = useForm<EditValues>({
    resolver: zodResolver(editSchema),
    defaultValues: { name: provider.name, api_base_url: provider.api_base_url ?? "", api_key: "" },
  });
  // Set when the change takes plans off sale (fewer allowed regions, or deactivation): the warning
  // is shown and the next submit of the same change saves it.
  const [impact, setImpact] = React.useState<{ losses: PlanRegionLoss[]; deactivating: boolean } | null>(null);
  React.useEffect(() => setImpact(null), [draft, active]);
  const update = useMutation({ ...adminUpdateProviderMutation() });
  const moves = effectiveUrl(provider.type, form.watch("api_base_url")) !== effectiveUrl(provider.type, provider.api_base_url);

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    const problems = draftProblems(draft);
    setConfigErrors(problems);
    if (moves && values.api_key.trim().length < 8) {
      form.setError("api_key", { type: "required", message: "Paste the API key again for the new address." }, { shouldFocus: true });
      return;
    }
    if (Object.keys(problems).length) return;
    const body: ProviderUpdateIn = { name: values.name, active, configuration: configurationFrom(draft, provider.type) };
    if (impact === null) {
      const found = await impactOf(body);
      if (found.losses.length || found.deactivating) {
        setImpact(found);
        return;
      }
    }
    if (moves) {
      body.api_base_url = values.api_base_url.trim() || null;
      body.api_key = values.api_key.trim();
      if (otherAccount.allowed) body.allow_account_change = true;
    }
    try {
      const data = await update.mutateAsync({ path: { provider_id: provider.id }, body });
      writeProvider(queryClient, data.provider);
      toast.success(`${data.provider.name} is saved.`);
      onDone();
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (isProviderOutage(error)) {
        setFormError(`Couldn't reach the provider at the new address: nothing was changed. ${error.detail}`);
        return;
      }
      if (error.code === "different_account") {
        const { message, canSwitch } = differentAccountProblem(error.detail);
        setOtherAccount({ asked: canSwitch, allowed: false });
        form.setError("api_key", { type: "server", message }, { shouldFocus: true });
        return;
      }
      const found = configErrorsFrom(error.fields, error.code, error.detail);
      setConfigErrors(found);
      const unmatched = applyServerFieldErrors(error, form.setError, EDIT_INPUTS).filter(
        (message) => !Object.values(found).includes(message),
      );
      if (unmatched.length || (!error.fields.length && !Object.keys(found).length))
        setFormError(unmatched[0] ?? errorText(error));
    }
  });

  /** What saving `body` takes off sale, from the admin plan list (read only when regions narrow). */
  async function impactOf(body: ProviderUpdateIn): Promise<{ losses: PlanRegionLoss[]; deactivating: boolean }> {
    const deactivating = provider.active && body.active === false;
    const stored = provider.configuration?.allowed_regions;
    const before = Array.isArray(stored) ? (stored as string[]) : null;
    const after = body.configuration?.allowed_regions ?? null;
    const narrows = after !== null && (before === null || before.some((region) => !after.includes(region)));
    if (!narrows || deactivating) return { losses: [], deactivating };
    try {
      const plans = await queryClient.fetchQuery(adminListPlansOptions());
      return { losses: plansLosingRegions(plans.plans, provider.id, after), deactivating };
    } catch {
      // The plan list is advisory here: without it the save goes ahead like before.
      return { losses: [], deactivating };
    }
  }

  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <FormField id="edit-provider-name" label="Name" error={errors.name?.message}>
        <Input autoComplete="off" {...form.register("name")} />
      </FormField>
      <SwitchField
        id="edit-provider-active"
        label="Active"
        description="An inactive account sells nothing: its plans are hidden from customers. Its servers keep running."
        checked={active}
        onCheckedChange={setActive}
      />
      <FormField
        id="edit-provider-base-url"
        label="API base URL"
        error={errors.api_base_url?.message}
        description={`Empty means the official API (${isProviderType(provider.type) ? DEFAULT_BASE_URLS[provider.type] : "default"}).`}
      >
        <Input type="url" inputMode="url" spellCheck={false} autoComplete="off" className="font-mono" {...form.register("api_base_url")} />
      </FormField>
      {moves && (
        <div className="grid gap-3 rounded-lg border border-border bg-muted/40 p-3">
          <p className="flex gap-2 text-sm">
            <Info aria-hidden className="mt-0.5 size-4 shrink-0" />
            The stored key is only ever sent to the address it was entered for. Paste the key again; it is checked at the new
            address before anything is saved.
          </p>
          <FormField id="edit-provider-api-key" label="API key for the new address" error={errors.api_key?.message}>
            <ApiKeyInput {...form.register("api_key")} />
          </FormField>
          {otherAccount.asked && (
            <AccountChangeConsent
              id="edit-provider-account-change"
              checked={otherAccount.allowed}
              onChange={(allowed) => setOtherAccount({ asked: true, allowed })}
            />
          )}
        </div>
      )}
      <ConfigureFields provider={provider} value={draft} onChange={setDraft} errors={configErrors} idPrefix="edit-config" />
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      {impact && (
        <Alert variant="warning" role="alert">
          <AlertCircle aria-hidden />
          <AlertTitle>{impact.deactivating ? "Deactivate this account?" : "Plans will lose regions"}</AlertTitle>
          <AlertDescription>
            {impact.deactivating ? (
              <p>
                <DeactivationImpact provider={provider} enabled />
              </p>
            ) : (
              <>
                <p>Customers can no longer buy these plans in the regions you removed:</p>
                <ul className="list-disc pl-5">
                  {impact.losses.map(({ plan, losing, offSale }) => (
                    <li key={plan.id}>
                      <span className="font-medium">{plan.name}</span>: {losing.join(", ")}
                      {offSale && " — taken off sale: none of its regions is left"}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <p>Save again to confirm.</p>
          </AlertDescription>
        </Alert>
      )}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" variant={impact ? "destructive" : "default"} disabled={isSubmitting}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          {impact ? (impact.deactivating ? "Deactivate and save" : "Save anyway") : "Save changes"}
        </Button>
      </DialogFooter>
    </form>
  );
}

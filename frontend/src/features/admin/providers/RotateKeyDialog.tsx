import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { adminRotateProviderApiKeyMutation } from "@/client/@tanstack/react-query.gen";
import type { ProviderOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors } from "@/lib/forms";
import { errorText, isProviderOutage, writeProvider } from "./api";
import {
  AccountChangeConsent,
  ApiKeyInput,
  apiKeyRule,
  differentAccountProblem,
  expiryDateRule,
  expiryToIso,
  KeyHint,
  localDate,
  returnFocusTo,
} from "./fields";
import { typeName } from "./format";

const rotateSchema = z.object({ api_key: apiKeyRule, expires_on: expiryDateRule });
type RotateValues = z.infer<typeof rotateSchema>;

/** A new key, checked at the provider before it replaces the old one. */
export function RotateKeyDialog({
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
      <DialogContent onCloseAutoFocus={returnFocusTo(returnFocusRef)}>
        <DialogHeader>
          <DialogTitle>Rotate the key of {provider.name}</DialogTitle>
          <DialogDescription>
            The new key is checked with {typeName(provider.type)} first. The current key <KeyHint hint={provider.api_key_hint} parenthesised /> keeps
            working until the new one is saved.
          </DialogDescription>
        </DialogHeader>
        {open && <RotateForm provider={provider} onDone={() => onOpenChange(false)} />}
      </DialogContent>
    </Dialog>
  );
}

function RotateForm({ provider, onDone }: { provider: ProviderOut; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const [otherAccount, setOtherAccount] = React.useState<{ asked: boolean; allowed: boolean }>({ asked: false, allowed: false });
  const form = useForm<RotateValues>({ resolver: zodResolver(rotateSchema), defaultValues: { api_key: "", expires_on: "" } });
  const rotate = useMutation({ ...adminRotateProviderApiKeyMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const data = await rotate.mutateAsync({
        path: { provider_id: provider.id },
        body: {
          api_key: values.api_key,
          expires_at: expiryToIso(values.expires_on),
          ...(otherAccount.allowed ? { allow_account_change: true } : {}),
        },
      });
      writeProvider(queryClient, data.provider);
      toast.success(`The key of ${data.provider.name} is replaced.`);
      onDone();
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (isProviderOutage(error)) {
        setFormError(`Couldn't reach ${typeName(provider.type)}: the key was not changed. ${error.detail}`);
        return;
      }
      if (error.code === "different_account") {
        const { message, canSwitch } = differentAccountProblem(error.detail);
        setOtherAccount({ asked: canSwitch, allowed: false });
        form.setError("api_key", { type: "server", message }, { shouldFocus: true });
        return;
      }
      const expiry = error.fieldMessage("expires_at");
      if (expiry) form.setError("expires_on", { type: "server", message: expiry });
      const unmatched = applyServerFieldErrors(error, form.setError, ["api_key"]).filter((message) => message !== expiry);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? errorText(error));
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <FormField id="rotate-api-key" label="New API key" error={errors.api_key?.message}>
        <ApiKeyInput autoFocus {...form.register("api_key")} />
      </FormField>
      {otherAccount.asked && (
        <AccountChangeConsent
          id="rotate-account-change"
          checked={otherAccount.allowed}
          onChange={(allowed) => setOtherAccount({ asked: true, allowed })}
        />
      )}
      <FormField
        id="rotate-expires-on"
        label="Expires on (optional)"
        error={errors.expires_on?.message}
        description="The card turns amber 14 days before and red once it has expired."
      >
        <Input type="date" min={localDate(new Date())} {...form.register("expires_on")} />
      </FormField>
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          {isSubmitting ? "Checking the key…" : "Replace key"}
        </Button>
      </DialogFooter>
    </form>
  );
}

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, CheckCircle2, ChevronDown, Loader2, WifiOff } from "lucide-react";
import * as React from "react";
import { Controller, useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { adminCreateProviderMutation, adminUpdateProviderMutation } from "@/client/@tanstack/react-query.gen";
import type { ProviderOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors } from "@/lib/forms";
import { cn } from "@/lib/utils";
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
import {
  accountNameRule,
  ApiKeyInput,
  apiKeyRule,
  baseUrlRule,
  expiryDateRule,
  expiryToIso,
  localDate,
  returnFocusTo,
} from "./fields";
import { DEFAULT_BASE_URLS, PROVIDER_TYPES, TYPE_NAMES } from "./format";
import { ProviderLogo } from "./ProviderLogo";

const connectSchema = z.object({
  type: z.enum(["linode", "digitalocean"], { message: "Choose the provider." }),
  name: accountNameRule,
  api_key: apiKeyRule,
  api_base_url: baseUrlRule,
  key_expires_on: expiryDateRule,
});
type ConnectValues = z.infer<typeof connectSchema>;
// The server's field names; `key_expires_at` is the date input.
const CONNECT_INPUTS = ["type", "name", "api_key", "api_base_url"] as const;

/** "Add provider" in two steps: connect (the key is verified before anything is saved), then
 * configure the saved account (regions from its own catalog, the options of its type). */
export function AddProviderDialog({
  open,
  onOpenChange,
  returnFocusRef,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  returnFocusRef?: React.RefObject<HTMLElement | null>;
}) {
  const [created, setCreated] = React.useState<ProviderOut | null>(null);
  React.useEffect(() => {
    if (!open) setCreated(null);
  }, [open]);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent className="max-w-2xl" onCloseAutoFocus={returnFocusTo(returnFocusRef)}>
        <DialogHeader>
          <DialogTitle>{created ? `Configure ${created.name}` : "Add a provider account"}</DialogTitle>
          <DialogDescription>
            {created
              ? "The account is connected and saved. Choose where its plans may sell and what new servers get."
              : "Connect a cloud account with an API key. The key is checked with the provider before anything is saved."}
          </DialogDescription>
        </DialogHeader>
        <Steps current={created ? 2 : 1} />
        {created ? (
          <ConfigureStep provider={created} onDone={() => onOpenChange(false)} />
        ) : (
          <ConnectStep onCancel={() => onOpenChange(false)} onConnected={setCreated} />
        )}
      </DialogContent>
    </Dialog>
  );
}

function Steps({ current }: { current: 1 | 2 }) {
  const steps = ["Connect", "Configure"];
  return (
    <ol aria-label="Steps" className="flex items-center gap-2 text-sm">
      {steps.map((title, index) => {
        const number = index + 1;
        const state = number < current ? "done" : number === current ? "current" : "next";
        return (
          <li key={title} aria-current={state === "current" ? "step" : undefined} className="flex items-center gap-2">
            {index > 0 && <span aria-hidden className="h-px w-6 bg-border" />}
            <span
              className={cn(
                "flex size-6 items-center justify-center rounded-full border text-xs font-semibold",
                state === "current" && "border-primary bg-primary text-primary-foreground",
                state === "done" && "border-success bg-success/15 text-success-foreground",
                state === "next" && "border-border text-muted-foreground",
              )}
            >
              {state === "done" ? <CheckCircle2 aria-hidden className="size-4" /> : number}
            </span>
            <span className={cn(state === "next" ? "text-muted-foreground" : "font-medium")}>
              {title}
              {state === "done" && <span className="sr-only"> (done)</span>}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function ConnectStep({ onCancel, onConnected }: { onCancel: () => void; onConnected: (provider: ProviderOut) => void }) {
  const queryClient = useQueryClient();
  const [advanced, setAdvanced] = React.useState(false);
  const [formError, setFormError] = React.useState<{ title: string; text: string; outage: boolean } | null>(null);
  const form = useForm<ConnectValues>({
    resolver: zodResolver(connectSchema),
    defaultValues: { type: "linode", name: "", api_key: "", api_base_url: "", key_expires_on: "" },
  });
  const create = useMutation({ ...adminCreateProviderMutation() });
  const type = form.watch("type");

  const onSubmit = form.handleSubmit(
    async (values) => {
      setFormError(null);
      try {
        const data = await create.mutateAsync({
          body: {
            type: values.type,
            name: values.name,
            api_key: values.api_key,
            api_base_url: values.api_base_url || null,
            key_expires_at: expiryToIso(values.key_expires_on),
          },
        });
        writeProvider(queryClient, data.provider);
        toast.success(`${data.provider.name} is connected.`);
        onConnected(data.provider);
      } catch (error) {
        if (!isApiError(error)) throw error;
        if (isProviderOutage(error)) {
          setFormError({
            title: `Couldn't reach ${TYPE_NAMES[values.type]}: nothing was saved`,
            text: `${error.detail} Check the address and try again in a moment.`,
            outage: true,
          });
          return;
        }
        const unmatched = applyServerFieldErrors(error, form.setError, CONNECT_INPUTS);
        const expiry = error.fieldMessage("key_expires_at");
        if (expiry) form.setError("key_expires_on", { type: "server", message: expiry });
        if (error.fieldMessage("api_base_url") || expiry) setAdvanced(true);
        const leftover = unmatched.filter((message) => message !== expiry);
        if (leftover.length || !error.fields.length)
          setFormError({ title: "The account was not added", text: leftover[0] ?? errorText(error), outage: false });
      }
    },
    (errors) => {
      if (errors.api_base_url || errors.key_expires_on) setAdvanced(true);
    },
  );

  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      {formError && (
        <Alert variant="destructive">
          {formError.outage ? <WifiOff aria-hidden /> : <AlertCircle aria-hidden />}
          <AlertTitle>{formError.title}</AlertTitle>
          <AlertDescription>{formError.text}</AlertDescription>
        </Alert>
      )}
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Provider</legend>
        <Controller
          control={form.control}
          name="type"
          render={({ field }) => (
            <div className="grid gap-2 sm:grid-cols-2">
              {PROVIDER_TYPES.map((option) => (
                <label
                  key={option}
                  className="flex cursor-pointer items-center gap-3 rounded-lg border border-border p-3 text-sm transition-colors hover:border-primary/60 has-[input:checked]:border-primary has-[input:checked]:bg-primary/5 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/60"
                >
                  <input
                    type="radio"
                    name={field.name}
                    value={option}
                    checked={field.value === option}
                    onChange={() => field.onChange(option)}
                    onBlur={field.onBlur}
                    className="sr-only"
                  />
                  <ProviderLogo type={option} className="size-8" />
                  <span className="grid">
                    <span className="font-medium">{TYPE_NAMES[option]}</span>
                    <span className="text-xs text-muted-foreground">{option === "linode" ? "API v4" : "API v2"}</span>
                  </span>
                </label>
              ))}
            </div>
          )}
        />
      </fieldset>
      <FormField id="provider-name" label="Name" error={errors.name?.message} description="Shown to admins only, e.g. “Linode production”.">
        <Input autoComplete="off" {...form.register("name")} />
      </FormField>
      <FormField
        id="provider-api-key"
        label="API key"
        error={errors.api_key?.message}
        description={
          type === "linode"
            ? "A personal access token with read/write access to Linodes."
            : "A personal access token with read and write scope."
        }
      >
        <ApiKeyInput {...form.register("api_key")} />
      </FormField>
      <div className="grid gap-3">
        <button
          type="button"
          aria-expanded={advanced}
          aria-controls="provider-advanced"
          onClick={() => setAdvanced((value) => !value)}
          className="inline-flex w-fit items-center gap-1 rounded-sm text-sm font-medium text-primary outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/60"
        >
          <ChevronDown aria-hidden className={cn("size-4 transition-transform", advanced && "rotate-180")} />
          Advanced
        </button>
        <div id="provider-advanced" hidden={!advanced} className="grid gap-4 rounded-lg border border-border p-3">
          <FormField
            id="provider-base-url"
            label="API base URL (optional)"
            error={errors.api_base_url?.message}
            description={`Leave empty for the official API (${DEFAULT_BASE_URLS[type]}). For a simulator, sandbox or proxy.`}
          >
            <Input type="url" inputMode="url" spellCheck={false} autoComplete="off" className="font-mono" {...form.register("api_base_url")} />
          </FormField>
          <FormField
            id="provider-key-expiry"
            label="Key expires on (optional)"
            error={errors.key_expires_on?.message}
            description="The card warns 14 days before."
          >
            <Input type="date" min={localDate(new Date())} {...form.register("key_expires_on")} />
          </FormField>
        </div>
      </div>
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          {isSubmitting ? "Checking the key…" : "Connect"}
        </Button>
      </DialogFooter>
    </form>
  );
}

function ConfigureStep({ provider, onDone }: { provider: ProviderOut; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = React.useState<ConfigDraft>(() => draftFrom(provider));
  const [errors, setErrors] = React.useState<ConfigErrors>({});
  const [formError, setFormError] = React.useState<string | null>(null);
  const update = useMutation({ ...adminUpdateProviderMutation() });

  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const problems = draftProblems(draft);
    setErrors(problems);
    if (Object.keys(problems).length) return;
    try {
      const data = await update.mutateAsync({
        path: { provider_id: provider.id },
        body: { configuration: configurationFrom(draft, provider.type) },
      });
      writeProvider(queryClient, data.provider);
      toast.success(`${data.provider.name} is configured.`);
      onDone();
    } catch (error) {
      if (!isApiError(error)) throw error;
      const found = configErrorsFrom(error.fields, error.code, error.detail);
      setErrors(found);
      if (!Object.keys(found).length) setFormError(errorText(error));
    }
  };

  return (
    <form onSubmit={(event) => void save(event)} noValidate className="grid gap-4">
      <ConfigureFields provider={provider} value={draft} onChange={setDraft} errors={errors} idPrefix="add-config" />
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <DialogFooter>
        <Button type="button" variant="outline" onClick={onDone}>
          Skip for now
        </Button>
        <Button type="submit" disabled={update.isPending}>
          {update.isPending && <Loader2 className="animate-spin" aria-hidden />}
          Save configuration
        </Button>
      </DialogFooter>
    </form>
  );
}

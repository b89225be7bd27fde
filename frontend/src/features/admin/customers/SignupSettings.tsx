import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { adminGetSettingsOptions, adminGetSettingsQueryKey, adminUpdateSettingsMutation } from "@/client/@tanstack/react-query.gen";
import type { PanelSettingsOut, RegistrationMode } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { applyServerFieldErrors } from "@/lib/forms";
import { errorText } from "../providers/api";
import { limitFromText, limitToText, serverLimitRule } from "./limits";

const MODES: { value: RegistrationMode; label: string; hint: string }[] = [
  { value: "open", label: "Open", hint: "Anyone can create an account." },
  { value: "invite_only", label: "Invitation only", hint: "Only people invited to an organization can sign up." },
  { value: "closed", label: "Closed", hint: "Nobody can sign up; create accounts with the command line." },
];

const settingsSchema = z.object({
  registration: z.enum(["open", "invite_only", "closed"]),
  default_server_limit: serverLimitRule,
});
type SettingsValues = z.infer<typeof settingsSchema>;

/** Who may register, and the server limit new organizations start with. */
export function SignupSettings() {
  const settings = useQuery(adminGetSettingsOptions());
  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-3" aria-labelledby="customers-settings-heading">
      <div>
        <h3 id="customers-settings-heading" className="text-base font-semibold">Sign-up</h3>
        <p className="text-sm text-muted-foreground">Who may create an account, and the limit new organizations get.</p>
      </div>
      <QueryProblem query={settings} title="Could not load the settings" />
      {settings.isPending ? (
        <Skeleton className="h-40" role="status" aria-busy="true" aria-label="Loading settings" />
      ) : (
        settings.data && <SettingsForm current={settings.data} />
      )}
    </section>
  );
}

function SettingsForm({ current }: { current: PanelSettingsOut }) {
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<SettingsValues>({
    resolver: zodResolver(settingsSchema),
    defaultValues: { registration: current.registration, default_server_limit: limitToText(current.default_server_limit) },
  });
  const update = useMutation({ ...adminUpdateSettingsMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const saved = await update.mutateAsync({
        body: { registration: values.registration, default_server_limit: limitFromText(values.default_server_limit) },
      });
      queryClient.setQueryData(adminGetSettingsQueryKey(), saved);
      form.reset({ registration: saved.registration, default_server_limit: limitToText(saved.default_server_limit) });
      toast.success("Sign-up settings saved.");
    } catch (error) {
      const unmatched = applyServerFieldErrors(error, form.setError, ["registration", "default_server_limit"]);
      if (unmatched.length || !Object.keys(form.formState.errors).length) setFormError(unmatched[0] ?? errorText(error));
    }
  });

  const { errors, isSubmitting, isDirty } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate className="grid max-w-xl gap-4 rounded-lg border border-border bg-card p-4">
      <fieldset className="grid gap-2">
        <legend className="mb-2 text-sm font-medium">Registration</legend>
        {MODES.map((mode) => (
          <label key={mode.value} className="flex items-start gap-2 text-sm">
            <input type="radio" value={mode.value} className="mt-1 size-4 accent-primary" {...form.register("registration")} />
            <span className="grid">
              <span className="font-medium">{mode.label}</span>
              <span className="text-muted-foreground">{mode.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <FormField
        id="settings-default-server-limit"
        label="Default server limit for new organizations"
        error={errors.default_server_limit?.message}
        description="Leave empty for no limit. Organizations that exist keep their own limit."
      >
        <Input inputMode="numeric" autoComplete="off" className="max-w-40" {...form.register("default_server_limit")} />
      </FormField>
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <div>
        <Button type="submit" disabled={isSubmitting || !isDirty}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          Save sign-up settings
        </Button>
      </div>
    </form>
  );
}

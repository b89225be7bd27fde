import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { adminListOrganizationsQueryKey, adminListUsersQueryKey, adminUpdateOrganizationMutation } from "@/client/@tanstack/react-query.gen";
import type { CustomerOrganizationOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors } from "@/lib/forms";
import { errorText } from "../providers/api";
import { limitFromText, limitToText, serverLimitRule } from "./limits";

const limitSchema = z.object({ server_limit: serverLimitRule });
type LimitValues = z.infer<typeof limitSchema>;

/** Set or remove an organization's server limit. */
export function LimitDialog({ organization, onClose }: { organization: CustomerOrganizationOut; onClose: () => void }) {
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Server limit of {organization.name}</DialogTitle>
          <DialogDescription>
            It has {organization.server_count} server{organization.server_count === 1 ? "" : "s"} now. Servers it already
            has are kept; deploys beyond the limit are refused.
          </DialogDescription>
        </DialogHeader>
        <LimitForm organization={organization} onDone={onClose} />
      </DialogContent>
    </Dialog>
  );
}

function LimitForm({ organization, onDone }: { organization: CustomerOrganizationOut; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<LimitValues>({
    resolver: zodResolver(limitSchema),
    defaultValues: { server_limit: limitToText(organization.server_limit) },
  });
  const update = useMutation({ ...adminUpdateOrganizationMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const data = await update.mutateAsync({
        path: { organization_id: organization.id },
        body: { server_limit: limitFromText(values.server_limit) },
      });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: [adminListOrganizationsQueryKey()[0]] }),
        queryClient.invalidateQueries({ queryKey: [adminListUsersQueryKey()[0]] }),
      ]);
      const limit = data.organization.server_limit;
      toast.success(limit === null ? `${organization.name} has no server limit.` : `${organization.name} may have ${limit} servers.`);
      onDone();
    } catch (error) {
      const unmatched = applyServerFieldErrors(error, form.setError, ["server_limit"]);
      if (unmatched.length || !form.formState.errors.server_limit) setFormError(unmatched[0] ?? errorText(error));
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <FormField
        id="organization-server-limit"
        label="Server limit"
        error={errors.server_limit?.message}
        description="Leave empty for no limit."
      >
        <Input inputMode="numeric" autoFocus autoComplete="off" {...form.register("server_limit")} />
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
          Save limit
        </Button>
      </DialogFooter>
    </form>
  );
}

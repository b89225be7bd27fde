import { nativeSelectClass } from "@/components/ui/native-select";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { createInvitationMutation } from "@/client/@tanstack/react-query.gen";
import type { InvitationSent } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors } from "@/lib/forms";
import { refreshOrganizationViews } from "./api";
import { InvitationDelivered } from "./InvitationDelivered";

const schema = z.object({
  email: z.string().trim().min(1, "Enter an email address.").email("Enter a valid email address."),
  role: z.enum(["member", "owner"]),
});
type Values = z.infer<typeof schema>;

/** Invite by email: the answer is either "email sent" or the link, shown once with a copy button. */
export function InviteDialog({
  organizationId,
  open,
  onOpenChange,
}: {
  organizationId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const invite = useMutation({ ...createInvitationMutation() });
  const [sent, setSent] = React.useState<InvitationSent | null>(null);
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "", role: "member" } });

  React.useEffect(() => {
    if (open) {
      setSent(null);
      setFormError(null);
      form.reset({ email: "", role: "member" });
    }
  }, [open, form]);

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const answer = await invite.mutateAsync({ path: { organization_id: organizationId }, body: values });
      setSent(answer);
      void refreshOrganizationViews(queryClient);
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (error.code === "already_member") {
        form.setError("email", { type: "server", message: error.detail }, { shouldFocus: true });
        return;
      }
      const unmatched = applyServerFieldErrors(error, form.setError, ["email", "role"]);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Invite someone</DialogTitle>
          <DialogDescription>
            They join with the role you choose. Members see and manage servers; owners also manage members and
            invitations.
          </DialogDescription>
        </DialogHeader>
        {sent ? (
          <>
            <InvitationDelivered sent={sent} />
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={onSubmit} noValidate className="grid gap-4">
            {formError && (
              <Alert variant="destructive">
                <AlertCircle aria-hidden />
                <AlertDescription>{formError}</AlertDescription>
              </Alert>
            )}
            <FormField id="invite-email" label="Email" error={errors.email?.message}>
              <Input type="email" autoComplete="off" autoFocus {...form.register("email")} />
            </FormField>
            <FormField id="invite-role" label="Role" error={errors.role?.message}>
              <select className={nativeSelectClass} {...form.register("role")}>
                <option value="member">Member</option>
                <option value="owner">Owner</option>
              </select>
            </FormField>
            <DialogFooter>
              <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
                Cancel
              </Button>
              <Button type="submit" disabled={isSubmitting}>
                {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
                Send invitation
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}


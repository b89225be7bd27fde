import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { changeMyPasswordMutation, listMySessionsQueryKey } from "@/client/@tanstack/react-query.gen";
import { FormField } from "@/components/form-field";
import { PasswordInput } from "@/components/password-input";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { applyServerFieldErrors } from "@/lib/forms";
import { NEW_PASSWORD_HINT, newPassword } from "./password-rules";

const schema = z
  .object({
    current_password: z.string().min(1, "Enter your current password."),
    new_password: newPassword,
    confirm: z.string(),
  })
  .refine((values) => values.new_password === values.confirm, {
    path: ["confirm"],
    message: "The two new passwords differ.",
  });
type Values = z.infer<typeof schema>;
const INPUTS = ["current_password", "new_password"] as const;

/** Change the password; the server signs every other session out. */
export function SecuritySection() {
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { current_password: "", new_password: "", confirm: "" },
  });
  const change = useMutation({ ...changeMyPasswordMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      await change.mutateAsync({
        body: { current_password: values.current_password, new_password: values.new_password },
      });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: listMySessionsQueryKey() });
      toast.success("Password changed. Your other sessions were signed out.");
    } catch (error) {
      if (!isApiError(error)) throw error;
      const unmatched = applyServerFieldErrors(error, form.setError, INPUTS);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <Card className="max-w-xl">
      <CardHeader>
        <CardTitle>Change password</CardTitle>
        <CardDescription>Every other place you are signed in will be signed out; this one stays.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          {formError && (
            <Alert variant="destructive">
              <AlertCircle aria-hidden />
              <AlertDescription>{formError}</AlertDescription>
            </Alert>
          )}
          <FormField id="current-password" label="Current password" error={errors.current_password?.message}>
            <PasswordInput autoComplete="current-password" {...form.register("current_password")} />
          </FormField>
          <FormField
            id="new-password"
            label="New password"
            error={errors.new_password?.message}
            description={NEW_PASSWORD_HINT}
          >
            <PasswordInput autoComplete="new-password" {...form.register("new_password")} />
          </FormField>
          <FormField id="confirm-password" label="Repeat new password" error={errors.confirm?.message}>
            <PasswordInput autoComplete="new-password" {...form.register("confirm")} />
          </FormField>
          <div>
            <Button type="submit" disabled={isSubmitting}>
              {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
              Change password
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

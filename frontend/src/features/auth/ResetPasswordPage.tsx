import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { Link, useLocation } from "@tanstack/react-router";
import { AlertCircle, CheckCircle2, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { passwordResetConfirmMutation } from "@/client/@tanstack/react-query.gen";
import { FormField } from "@/components/form-field";
import { PasswordInput } from "@/components/password-input";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { applyServerFieldErrors } from "@/lib/forms";
import { NEW_PASSWORD_HINT, newPassword } from "@/features/account/password-rules";
import { AuthLayout } from "./AuthLayout";

const schema = z.object({ password: newPassword });
type Values = z.infer<typeof schema>;

/** The emailed link's token: `#token=…` (kept out of server logs) or `?token=…`. */
function tokenFrom(hash: string, searchStr: string): string | null {
  const fromHash = new URLSearchParams(hash.replace(/^#/, "")).get("token");
  return fromHash || new URLSearchParams(searchStr).get("token");
}

export function ResetPasswordPage() {
  const location = useLocation();
  const token = tokenFrom(location.hash, location.searchStr);
  const [done, setDone] = React.useState(false);
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { password: "" } });
  const confirm = useMutation({ ...passwordResetConfirmMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      await confirm.mutateAsync({ body: { token: token ?? "", password: values.password } });
      setDone(true);
    } catch (error) {
      if (!isApiError(error)) throw error;
      const unmatched = applyServerFieldErrors(error, form.setError, ["password"]);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  if (done) {
    return (
      <AuthLayout title="Password set">
        <div className="grid gap-4" role="status">
          <Alert>
            <CheckCircle2 aria-hidden />
            <AlertDescription>Your new password is set and every session was signed out. Sign in with it.</AlertDescription>
          </Alert>
          <Button asChild>
            <Link to="/login">Sign in</Link>
          </Button>
        </div>
      </AuthLayout>
    );
  }
  if (!token) {
    return (
      <AuthLayout title="Set a new password">
        <div className="grid gap-4">
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>This address has no reset token. Open the link from the email again, or ask for a new one.</AlertDescription>
          </Alert>
          <Link to="/forgot-password" className="text-center text-sm font-medium text-primary underline-offset-4 hover:underline">
            Ask for a new link
          </Link>
        </div>
      </AuthLayout>
    );
  }
  const { errors, isSubmitting } = form.formState;
  return (
    <AuthLayout title="Set a new password">
      <form onSubmit={onSubmit} noValidate className="grid gap-4">
        {formError && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{formError}</AlertDescription>
          </Alert>
        )}
        <FormField id="password" label="New password" error={errors.password?.message} description={NEW_PASSWORD_HINT}>
          <PasswordInput autoComplete="new-password" autoFocus {...form.register("password")} />
        </FormField>
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          Set password
        </Button>
        <div className="flex justify-between text-sm font-medium">
          <Link to="/forgot-password" className="text-primary underline-offset-4 hover:underline">
            Ask for a new link
          </Link>
          <Link to="/login" className="text-primary underline-offset-4 hover:underline">
            Sign in
          </Link>
        </div>
      </form>
    </AuthLayout>
  );
}

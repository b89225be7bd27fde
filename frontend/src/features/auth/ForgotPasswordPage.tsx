import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { AlertCircle, Loader2, MailCheck } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { passwordResetMutation } from "@/client/@tanstack/react-query.gen";
import { FormField } from "@/components/form-field";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors } from "@/lib/forms";
import { useCountdown } from "@/lib/use-countdown";
import { AuthLayout } from "./AuthLayout";

const schema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").email("Enter a valid email address."),
});
type Values = z.infer<typeof schema>;

/** Ask for a reset link. The answer is the same whether or not the account exists. */
export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = React.useState<string | null>(null);
  const [formError, setFormError] = React.useState<string | null>(null);
  const [wait, startWait] = useCountdown();
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "" } });
  const reset = useMutation({ ...passwordResetMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      await reset.mutateAsync({ body: values });
      setSentTo(values.email);
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (error.status === 429) {
        startWait(error.retryAfter ?? 60);
        setFormError("Too many requests.");
        return;
      }
      const unmatched = applyServerFieldErrors(error, form.setError, ["email"]);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <AuthLayout title="Forgot your password?">
      {sentTo ? (
        <div className="grid gap-4" role="status">
          <Alert>
            <MailCheck aria-hidden />
            <AlertDescription>
              If an account exists for {sentTo}, we sent it a link to set a new password. The link works once, for one
              hour.
            </AlertDescription>
          </Alert>
          <Link to="/login" className="text-center text-sm font-medium text-primary underline-offset-4 hover:underline">
            Back to sign in
          </Link>
        </div>
      ) : (
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <p className="text-sm text-muted-foreground">Enter the email you sign in with and we will send you a link.</p>
          {formError && (
            <Alert variant="destructive">
              <AlertCircle aria-hidden />
              <AlertDescription>
                {formError}
                {wait > 0 && ` Try again in ${wait} s.`}
              </AlertDescription>
            </Alert>
          )}
          <FormField id="email" label="Email" error={errors.email?.message}>
            <Input type="email" autoComplete="username" autoFocus {...form.register("email")} />
          </FormField>
          <Button type="submit" disabled={isSubmitting || wait > 0}>
            {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
            Send reset link
          </Button>
          <Link to="/login" className="text-center text-sm font-medium text-primary underline-offset-4 hover:underline">
            Back to sign in
          </Link>
        </form>
      )}
    </AuthLayout>
  );
}

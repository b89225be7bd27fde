import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { loginMutation } from "@/client/@tanstack/react-query.gen";
import { FormField } from "@/components/form-field";
import { PasswordInput } from "@/components/password-input";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors, safeNext } from "@/lib/forms";
import { useCountdown } from "@/lib/use-countdown";
import { AuthLayout } from "./AuthLayout";

const schema = z.object({
  email: z.string().trim().min(1, "Enter your email address.").email("Enter a valid email address."),
  password: z.string().min(1, "Enter your password."),
});
type Values = z.infer<typeof schema>;

export function LoginPage() {
  const search = useSearch({ strict: false }) as { next?: string };
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const [wait, startWait] = useCountdown();
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "", password: "" } });
  const login = useMutation({ ...loginMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      await login.mutateAsync({ body: values });
      queryClient.clear();
      await navigate({ to: safeNext(search.next) });
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (error.status === 401) {
        setFormError("Email or password is incorrect.");
        form.setFocus("password");
      } else if (error.status === 429) {
        startWait(error.retryAfter ?? 30);
        setFormError("Too many sign-in attempts.");
      } else {
        const unmatched = applyServerFieldErrors(error, form.setError, ["email", "password"]);
        setFormError(unmatched[0] ?? (error.fields.length ? null : error.detail));
      }
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <AuthLayout title="Sign in">
      <form onSubmit={onSubmit} noValidate className="grid gap-4">
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
        <FormField id="password" label="Password" error={errors.password?.message}>
          <PasswordInput autoComplete="current-password" {...form.register("password")} />
        </FormField>
        <Link to="/forgot-password" className="-mt-2 justify-self-end text-sm text-primary underline-offset-4 hover:underline">
          Forgot password?
        </Link>
        <Button type="submit" disabled={isSubmitting || wait > 0}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          {wait > 0 ? `Sign in (wait ${wait} s)` : "Sign in"}
        </Button>
        <p className="text-center text-sm text-muted-foreground">
          No account?{" "}
          <Link to="/register" search={search.next ? { next: search.next } : {}} className="font-medium text-primary underline-offset-4 hover:underline">
            Create one
          </Link>
        </p>
      </form>
    </AuthLayout>
  );
}

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { registerMutation } from "@/client/@tanstack/react-query.gen";
import { FormField } from "@/components/form-field";
import { PasswordInput } from "@/components/password-input";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { applyServerFieldErrors, safeNext } from "@/lib/forms";
import { NEW_PASSWORD_HINT, newPassword } from "@/features/account/password-rules";
import { AuthLayout } from "./AuthLayout";

/** The account rules of API_CONTRACT.md; the server also refuses common passwords and ones
 * containing the email, on the `password` field. */
export const registerSchema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(100, "At most 100 characters."),
  email: z.string().trim().min(1, "Enter your email address.").email("Enter a valid email address."),
  password: newPassword,
  organization_name: z.string().trim().max(100, "At most 100 characters."),
});
type Values = z.infer<typeof registerSchema>;
const INPUTS = ["name", "email", "password", "organization_name"] as const;

export function RegisterPage() {
  const search = useSearch({ strict: false }) as { next?: string };
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(registerSchema),
    defaultValues: { name: "", email: "", password: "", organization_name: "" },
  });
  const register = useMutation({ ...registerMutation() });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      await register.mutateAsync({
        body: { ...values, organization_name: values.organization_name || null },
      });
      // Registration answers signed in (session cookies set): no second sign-in.
      queryClient.clear();
      await navigate({ to: safeNext(search.next) });
    } catch (error) {
      if (!isApiError(error)) throw error;
      const unmatched = applyServerFieldErrors(error, form.setError, INPUTS);
      if (error.code === "email_taken" || error.status === 409) {
        form.setError("email", { type: "server", message: error.detail }, { shouldFocus: true });
      } else if (unmatched.length || !error.fields.length) {
        setFormError(unmatched[0] ?? error.detail);
      }
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <AuthLayout title="Create your account">
      <form onSubmit={onSubmit} noValidate className="grid gap-4">
        {formError && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{formError}</AlertDescription>
          </Alert>
        )}
        <FormField id="name" label="Name" error={errors.name?.message}>
          <Input autoComplete="name" autoFocus {...form.register("name")} />
        </FormField>
        <FormField id="email" label="Email" error={errors.email?.message}>
          <Input type="email" autoComplete="email" {...form.register("email")} />
        </FormField>
        <FormField
          id="password"
          label="Password"
          error={errors.password?.message}
          description={NEW_PASSWORD_HINT}
        >
          <PasswordInput autoComplete="new-password" {...form.register("password")} />
        </FormField>
        <FormField
          id="organization_name"
          label="Organization (optional)"
          error={errors.organization_name?.message}
        >
          <Input autoComplete="organization" {...form.register("organization_name")} />
        </FormField>
        <Button type="submit" disabled={isSubmitting}>
          {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
          Create account
        </Button>
        <p className="text-center text-sm text-muted-foreground">
          Already have an account?{" "}
          <Link to="/login" className="font-medium text-primary underline-offset-4 hover:underline">
            Sign in
          </Link>
        </p>
      </form>
    </AuthLayout>
  );
}

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { getAccountOptions, updateMyAccountMutation } from "@/client/@tanstack/react-query.gen";
import { FormField } from "@/components/form-field";
import { PasswordInput } from "@/components/password-input";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { applyServerFieldErrors } from "@/lib/forms";

const schema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(100, "At most 100 characters."),
  email: z.string().trim().min(1, "Enter your email address.").email("Enter a valid email address."),
  current_password: z.string().max(256, "At most 256 characters."),
});
type Values = z.infer<typeof schema>;
const INPUTS = ["name", "email", "current_password"] as const;

/** Name and sign-in email; a new email needs the current password. */
export function ProfileSection() {
  const account = useQuery(getAccountOptions());
  if (account.isPending) return <Skeleton className="h-64 w-full max-w-xl" />;
  const problem = <QueryProblem query={account} title="Could not load your account" />;
  if (!account.data) return problem;
  // A failed refresh keeps the form (and what is typed in it), with the reason above it.
  return (
    <div className="grid max-w-xl gap-4">
      {problem}
      <ProfileForm name={account.data.name} email={account.data.email} />
    </div>
  );
}

function ProfileForm({ name, email }: { name: string; email: string }) {
  const queryClient = useQueryClient();
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name, email, current_password: "" },
  });
  const update = useMutation({ ...updateMyAccountMutation() });
  const emailChanged = form.watch("email").trim().toLowerCase() !== email;

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    if (emailChanged && !values.current_password) {
      form.setError("current_password", { message: "Enter your current password to change your email." }, { shouldFocus: true });
      return;
    }
    try {
      const saved = await update.mutateAsync({
        body: {
          name: values.name,
          ...(emailChanged ? { email: values.email, current_password: values.current_password } : {}),
        },
      });
      form.reset({ name: saved.name, email: saved.email, current_password: "" });
      await queryClient.invalidateQueries();
      toast.success("Profile saved.");
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (error.code === "email_taken") {
        form.setError("email", { type: "server", message: error.detail }, { shouldFocus: true });
        return;
      }
      const unmatched = applyServerFieldErrors(error, form.setError, INPUTS);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <Card className="max-w-xl">
      <CardHeader>
        <CardTitle>Profile</CardTitle>
        <CardDescription>Your name as others see it, and the email you sign in with.</CardDescription>
      </CardHeader>
      <CardContent>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          {formError && (
            <Alert variant="destructive">
              <AlertCircle aria-hidden />
              <AlertDescription>{formError}</AlertDescription>
            </Alert>
          )}
          <FormField id="profile-name" label="Name" error={errors.name?.message}>
            <Input autoComplete="name" {...form.register("name")} />
          </FormField>
          <FormField id="profile-email" label="Email" error={errors.email?.message}>
            <Input type="email" autoComplete="email" {...form.register("email")} />
          </FormField>
          {emailChanged && (
            <FormField
              id="profile-current-password"
              label="Current password"
              error={errors.current_password?.message}
              description="Needed to change the email you sign in with."
            >
              <PasswordInput autoComplete="current-password" {...form.register("current_password")} />
            </FormField>
          )}
          <div>
            <Button type="submit" disabled={isSubmitting}>
              {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
              Save profile
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}

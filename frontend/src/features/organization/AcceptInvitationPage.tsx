import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { AlertCircle, Loader2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { isApiError } from "@/api/http";
import { setCurrentOrganizationId } from "@/api/organization";
import {
  acceptInvitationMutation,
  getMeOptions,
  logoutMutation,
  previewInvitationOptions,
} from "@/client/@tanstack/react-query.gen";
import type { InvitationPreview, MeOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { QueryProblem } from "@/components/query-problem";
import { PasswordInput } from "@/components/password-input";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button, buttonVariants } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { applyServerFieldErrors } from "@/lib/forms";
import { absoluteTime } from "@/lib/time";
import { AuthLayout } from "@/features/auth/AuthLayout";
import { registerSchema } from "@/features/auth/RegisterPage";

/** `/invite/:token`: what the invitation is for, then Accept (signed in with the invited email),
 * a sign-up form (no account yet), or "Sign in to accept" (an account exists). */
export function AcceptInvitationPage({ token }: { token: string }) {
  const preview = useQuery({ ...previewInvitationOptions({ path: { token } }), retry: false, staleTime: Infinity });
  const me = useQuery({ ...getMeOptions(), retry: false, meta: { allowUnauthenticated: true } });

  // A link that is gone stays gone: no Retry. Any other failure (502, 503, 429) can be retried,
  // and once the invitation is on screen a failed refresh keeps it there.
  if (!preview.data && isApiError(preview.error) && preview.error.status === 404) {
    return (
      <AuthLayout title="Invitation not valid">
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{preview.error.detail}</AlertDescription>
        </Alert>
        <Link to="/login" className={`${buttonVariants({ variant: "outline" })} mt-4 w-full`}>
          Go to sign in
        </Link>
      </AuthLayout>
    );
  }
  if (!preview.data && preview.isError) {
    return (
      <AuthLayout title="Invitation">
        <QueryProblem query={preview} title="Could not load the invitation" />
      </AuthLayout>
    );
  }
  if (!preview.data || me.isPending) {
    return (
      <AuthLayout title="Invitation">
        <div className="grid gap-3" aria-busy="true">
          <Skeleton className="h-5 w-3/4" />
          <Skeleton className="h-9 w-full" />
        </div>
      </AuthLayout>
    );
  }
  const invitation = preview.data;
  return (
    <AuthLayout title={`Join ${invitation.organization_name}`}>
      <div className="grid gap-4">
        <QueryProblem query={preview} title="Could not refresh the invitation" />
        <p className="text-sm text-muted-foreground">
          {invitation.inviter_name ?? "An owner"} invited <span className="font-medium text-foreground">{invitation.email}</span>{" "}
          to join <span className="font-medium text-foreground">{invitation.organization_name}</span> as{" "}
          {invitation.role === "owner" ? "an owner" : "a member"}. The invitation expires{" "}
          {absoluteTime(invitation.expires_at)}.
        </p>
        <AcceptChoice token={token} invitation={invitation} me={me.data} />
      </div>
    </AuthLayout>
  );
}

function AcceptChoice({ token, invitation, me }: { token: string; invitation: InvitationPreview; me?: MeOut }) {
  if (me) {
    if (me.user.email === invitation.email) return <AcceptButton token={token} />;
    return <WrongAccount me={me} invitation={invitation} />;
  }
  if (invitation.account_exists) {
    return (
      <Link
        to="/login"
        search={{ next: `/invite/${token}` }}
        className={`${buttonVariants()} w-full`}
      >
        Sign in to accept
      </Link>
    );
  }
  return <SignUpAndAccept token={token} />;
}

/** After joining: act in the organization joined and open its servers. */
function useJoined() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return async (organizationId: string) => {
    setCurrentOrganizationId(organizationId);
    queryClient.clear();
    await navigate({ to: "/vps" });
  };
}

function AcceptButton({ token }: { token: string }) {
  const accept = useMutation({ ...acceptInvitationMutation() });
  const joined = useJoined();
  const [error, setError] = React.useState<string | null>(null);
  const onAccept = async () => {
    setError(null);
    try {
      const answer = await accept.mutateAsync({ path: { token }, body: {} });
      await joined(answer.organization.id);
    } catch (failure) {
      setError(isApiError(failure) ? failure.detail : "Something went wrong. Try again.");
    }
  };
  return (
    <div className="grid gap-3">
      {error && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      <Button onClick={() => void onAccept()} disabled={accept.isPending}>
        {accept.isPending && <Loader2 className="animate-spin" aria-hidden />}
        Accept invitation
      </Button>
    </div>
  );
}

function WrongAccount({ me, invitation }: { me: MeOut; invitation: InvitationPreview }) {
  const logout = useMutation({ ...logoutMutation() });
  const queryClient = useQueryClient();
  const signOut = async () => {
    try {
      await logout.mutateAsync({});
    } finally {
      queryClient.clear();
      setCurrentOrganizationId(null);
    }
  };
  return (
    <div className="grid gap-3">
      <Alert variant="destructive">
        <AlertCircle aria-hidden />
        <AlertTitle>This invitation is for another address</AlertTitle>
        <AlertDescription>
          You are signed in as {me.user.email}, but the invitation is for {invitation.email}. Sign out, then continue
          with the invited address.
        </AlertDescription>
      </Alert>
      <Button variant="outline" onClick={() => void signOut()} disabled={logout.isPending}>
        Sign out
      </Button>
    </div>
  );
}

const signUpSchema = registerSchema.pick({ name: true, password: true });
type SignUpValues = z.infer<typeof signUpSchema>;

function SignUpAndAccept({ token }: { token: string }) {
  const accept = useMutation({ ...acceptInvitationMutation() });
  const joined = useJoined();
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<SignUpValues>({ resolver: zodResolver(signUpSchema), defaultValues: { name: "", password: "" } });
  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const answer = await accept.mutateAsync({ path: { token }, body: values });
      await joined(answer.organization.id);
    } catch (error) {
      if (!isApiError(error)) throw error;
      const unmatched = applyServerFieldErrors(error, form.setError, ["name", "password"]);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });
  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <p className="text-sm">Create your account to accept.</p>
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <FormField id="name" label="Name" error={errors.name?.message}>
        <Input autoComplete="name" autoFocus {...form.register("name")} />
      </FormField>
      <FormField id="password" label="Password" error={errors.password?.message} description="At least 10 characters.">
        <PasswordInput autoComplete="new-password" {...form.register("password")} />
      </FormField>
      <Button type="submit" disabled={isSubmitting}>
        {isSubmitting && <Loader2 className="animate-spin" aria-hidden />}
        Create account and join
      </Button>
    </form>
  );
}

import { nativeSelectClass } from "@/components/ui/native-select";
import { cn } from "@/lib/utils";
import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, AlertTriangle, KeySquare, Loader2, Plus, Trash2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import {
  createApiTokenMutation,
  listApiTokensOptions,
  listApiTokensQueryKey,
  revokeApiTokenMutation,
} from "@/client/@tanstack/react-query.gen";
import type { ApiTokenCreated, ApiTokenIn, ApiTokenOut } from "@/client/types.gen";
import { CopyButton } from "@/components/copy-button";
import { FormField } from "@/components/form-field";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useMe } from "@/features/shell/useMe";
import { applyServerFieldErrors } from "@/lib/forms";
import { absoluteTime, relativeTime } from "@/lib/time";

const DAY_MS = 24 * 3600 * 1000;
/** Lifetimes offered for a new token, in days ("" = never expires). */
const EXPIRY_CHOICES = [
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "", label: "Never" },
] as const;

const tokenSchema = z.object({
  name: z.string().trim().min(1, "Give the token a name, like “ci deploys”.").max(100, "Use at most 100 characters."),
  organization_id: z.string().min(1, "Choose an organization."),
  expires_in_days: z.string(),
  admin: z.boolean(),
});
type TokenValues = z.infer<typeof tokenSchema>;
const TOKEN_INPUTS = ["name", "organization_id", "admin"] as const;


/** `/account#tokens`: personal API tokens. A new token is shown once, with a copy button. */
export function ApiTokensSection() {
  const tokens = useQuery(listApiTokensOptions());
  const [created, setCreated] = React.useState<ApiTokenCreated | null>(null);
  const [revoking, setRevoking] = React.useState<ApiTokenOut | null>(null);

  return (
    <section id="tokens" aria-labelledby="tokens-title" className="scroll-mt-20">
      <Card>
        <CardHeader>
          <CardTitle id="tokens-title">API tokens</CardTitle>
          <CardDescription>
            For scripts and tools: send a token as <code>Authorization: Bearer &lt;token&gt;</code>. Each token acts in one of your
            organizations, as you.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid min-w-0 gap-6 [overflow-wrap:anywhere]">
          {created ? <NewToken created={created} onDone={() => setCreated(null)} /> : <CreateTokenForm onCreated={setCreated} />}
          <div className="grid gap-2">
            <h3 className="text-sm font-medium">Your tokens</h3>
            <QueryProblem query={tokens} title="Could not load your API tokens" />
            {tokens.isPending ? (
              <Skeleton className="h-14" />
            ) : tokens.data && tokens.data.api_tokens.length === 0 ? (
              <p className="text-sm text-muted-foreground">No API tokens yet.</p>
            ) : (
              <ul aria-label="API tokens" className="grid divide-y divide-border rounded-lg border border-border">
                {tokens.data?.api_tokens.map((token) => (
                  <TokenRow key={token.id} token={token} onRevoke={() => setRevoking(token)} />
                ))}
              </ul>
            )}
          </div>
        </CardContent>
      </Card>
      <RevokeTokenDialog token={revoking} onClose={() => setRevoking(null)} />
    </section>
  );
}

function When({ iso, never }: { iso: string | null; never: string }) {
  if (!iso) return <>{never}</>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

function TokenRow({ token, onRevoke }: { token: ApiTokenOut; onRevoke: () => void }) {
  const expired = token.expires_at !== null && new Date(token.expires_at).getTime() <= Date.now();
  return (
    <li aria-label={token.name} className="flex items-start gap-3 p-3">
      <KeySquare className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden />
      <div className="grid min-w-0 flex-1 gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <span className="truncate font-medium">{token.name}</span>
          <code className="rounded bg-muted px-1.5 py-0.5 text-xs">{token.prefix}…</code>
          {token.admin && <Badge variant="warning">Admin</Badge>}
          {expired && <Badge variant="destructive">Expired</Badge>}
        </div>
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs text-muted-foreground sm:grid-cols-[auto_1fr_auto_1fr]">
          <dt>Organization</dt>
          <dd className="truncate text-foreground">{token.organization_name}</dd>
          <dt>Created</dt>
          <dd>
            <When iso={token.created_at} never="—" />
          </dd>
          <dt>Last used</dt>
          <dd>
            <When iso={token.last_used_at} never="Never" />
          </dd>
          <dt>Expires</dt>
          <dd>{token.expires_at ? absoluteTime(token.expires_at) : "Never"}</dd>
        </dl>
      </div>
      <Button type="button" variant="ghost" size="sm" onClick={onRevoke} aria-label={`Revoke API token ${token.name}`}>
        <Trash2 aria-hidden />
        <span className="hidden sm:inline">Revoke</span>
      </Button>
    </li>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (created: ApiTokenCreated) => void }) {
  const queryClient = useQueryClient();
  const me = useMe();
  const organizations = me.data?.organizations ?? [];
  const isAdmin = me.data?.user.role === "admin";
  const create = useMutation({ ...createApiTokenMutation() });
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<TokenValues>({
    resolver: zodResolver(tokenSchema),
    defaultValues: { name: "", organization_id: "", expires_in_days: "90", admin: false },
  });
  const firstOrganization = organizations[0]?.id ?? "";
  React.useEffect(() => {
    if (firstOrganization && !form.getValues("organization_id")) form.setValue("organization_id", firstOrganization);
  }, [firstOrganization, form]);

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    const body: ApiTokenIn = { name: values.name.trim(), organization_id: values.organization_id, admin: isAdmin && values.admin };
    if (values.expires_in_days) body.expires_at = new Date(Date.now() + Number(values.expires_in_days) * DAY_MS).toISOString();
    try {
      const data = await create.mutateAsync({ body });
      await queryClient.invalidateQueries({ queryKey: listApiTokensQueryKey() });
      form.reset({ name: "", organization_id: values.organization_id, expires_in_days: values.expires_in_days, admin: false });
      onCreated(data);
    } catch (error) {
      if (!isApiError(error)) throw error;
      const unmatched = applyServerFieldErrors(error, form.setError, TOKEN_INPUTS);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Create an API token" className="grid gap-4 rounded-lg border border-border bg-muted/30 p-4">
      <h3 className="text-sm font-medium">Create a token</h3>
      <FormField id="token-name" label="Name" error={errors.name?.message}>
        <Input autoComplete="off" placeholder="ci deploys" className="max-w-sm" {...form.register("name")} />
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField
          id="token-organization"
          label="Organization"
          error={errors.organization_id?.message}
          description="The token acts in this organization only."
        >
          <select className={cn(nativeSelectClass, "w-full max-w-sm px-3")} {...form.register("organization_id")}>
            {organizations.map((organization) => (
              <option key={organization.id} value={organization.id}>
                {organization.name}
              </option>
            ))}
          </select>
        </FormField>
        <FormField id="token-expiry" label="Expires after" error={errors.expires_in_days?.message}>
          <select className={cn(nativeSelectClass, "w-full max-w-sm px-3")} {...form.register("expires_in_days")}>
            {EXPIRY_CHOICES.map((choice) => (
              <option key={choice.label} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </FormField>
      </div>
      {isAdmin && (
        <div className="grid gap-1">
          <label className="flex items-center gap-2 text-sm font-medium">
            <input type="checkbox" className="size-4 accent-[var(--color-primary)]" {...form.register("admin")} />
            Allow the administration API
          </label>
          <p className="text-xs text-muted-foreground">
            Without this, the token is refused on every admin route, even though you are an administrator.
          </p>
          {errors.admin?.message && <p className="text-sm text-destructive-foreground">{errors.admin.message}</p>}
        </div>
      )}
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <Button type="submit" className="justify-self-start" disabled={isSubmitting || !organizations.length}>
        {isSubmitting ? <Loader2 className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
        Create token
      </Button>
    </form>
  );
}

/** The new token, shown this once. */
function NewToken({ created, onDone }: { created: ApiTokenCreated; onDone: () => void }) {
  const done = React.useRef<HTMLButtonElement>(null);
  React.useEffect(() => done.current?.focus(), []);
  return (
    <Alert variant="warning" role="region" aria-label="New API token">
      <AlertTriangle aria-hidden />
      <AlertTitle>Copy your new token {created.api_token.name} now</AlertTitle>
      <AlertDescription className="grid gap-3">
        <p>You will not see it again: only a fingerprint of it is kept. If you lose it, revoke it and create another.</p>
        <div className="flex items-center gap-1 rounded-md border border-border bg-background p-1 pl-3">
          <code data-testid="new-api-token" className="min-w-0 flex-1 break-all font-mono text-xs text-foreground">
            {created.token}
          </code>
          <CopyButton value={created.token} label={`Copy API token ${created.api_token.name}`} />
        </div>
        <Button ref={done} type="button" variant="outline" size="sm" className="justify-self-start" onClick={onDone}>
          I have copied it
        </Button>
      </AlertDescription>
    </Alert>
  );
}

function RevokeTokenDialog({ token, onClose }: { token: ApiTokenOut | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({ ...revokeApiTokenMutation() });
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => setError(null), [token]);

  const confirm = async () => {
    if (!token) return;
    try {
      await revoke.mutateAsync({ path: { token_id: token.id } });
      await queryClient.invalidateQueries({ queryKey: listApiTokensQueryKey() });
      toast.success(`API token ${token.name} is revoked.`);
      onClose();
    } catch (failure) {
      setError(isApiError(failure) ? failure.detail : "Something went wrong.");
    }
  };

  return (
    <AlertDialog open={token !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogTitle>Revoke API token {token?.name}?</AlertDialogTitle>
        <AlertDialogDescription>
          It stops working at once: scripts that use it get “401 Unauthorized”. This cannot be undone.
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" onClick={() => void confirm()} disabled={revoke.isPending}>
            {revoke.isPending && <Loader2 className="animate-spin" aria-hidden />}
            Revoke token
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

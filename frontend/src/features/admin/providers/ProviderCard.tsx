import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  AlertTriangle,
  CheckCircle2,
  EllipsisVertical,
  KeyRound,
  Link2,
  Loader2,
  Pencil,
  Plug,
  Power,
  PowerOff,
  Server as ServerIcon,
  Trash2,
  X,
  XCircle,
} from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import {
  adminListProvidersQueryKey,
  adminTestProviderMutation,
  adminUpdateProviderMutation,
} from "@/client/@tanstack/react-query.gen";
import type { ProviderOut, ProviderTestOut } from "@/client/types.gen";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { absoluteTime } from "@/lib/time";
import { cn } from "@/lib/utils";
import { errorText, writeProvider } from "./api";
import { DeactivateProviderDialog } from "./DeactivateProviderDialog";
import { DeleteProviderDialog } from "./DeleteProviderDialog";
import { EditProviderDialog } from "./EditProviderDialog";
import { accountHealth, checkStatus, configurationChips, customBaseUrl, keyAge, keyExpiry, serverLimit, type Tone, typeName } from "./format";
import { ProviderLogo } from "./ProviderLogo";
import { RotateKeyDialog } from "./RotateKeyDialog";

const DOT: Record<Tone, string> = {
  ok: "bg-success",
  warning: "bg-warning",
  error: "bg-destructive",
  neutral: "bg-muted-foreground",
};
const TEXT: Record<Tone, string> = {
  ok: "text-foreground",
  warning: "text-warning-foreground",
  error: "text-destructive-foreground",
  neutral: "text-muted-foreground",
};

type Open = "edit" | "rotate" | "delete" | "deactivate" | null;

/** One provider account: health, key, address and configuration at a glance, and its actions. */
export function ProviderCard({ provider, tick }: { provider: ProviderOut; tick: number }) {
  // `tick` re-renders the card as time passes; data fetched since the last tick is newer than it.
  const now = Math.max(tick, Date.now());
  const queryClient = useQueryClient();
  const [open, setOpen] = React.useState<Open>(null);
  const [result, setResult] = React.useState<ProviderTestOut | { failed: string } | null>(null);
  const test = useMutation({
    ...adminTestProviderMutation(),
    // The check is recorded on the account: the card's status line follows it.
    onSettled: () => queryClient.invalidateQueries({ queryKey: adminListProvidersQueryKey() }),
  });
  const update = useMutation({ ...adminUpdateProviderMutation() });
  const editButton = React.useRef<HTMLButtonElement>(null);
  const rotateButton = React.useRef<HTMLButtonElement>(null);
  const menuButton = React.useRef<HTMLButtonElement>(null);
  const titleId = `provider-${provider.id}-title`;
  const status = checkStatus(provider.status, now);
  const health = accountHealth(provider.status, now);
  const expiry = keyExpiry(provider.key_expires_at, now);
  const baseUrl = customBaseUrl(provider);
  const limit = serverLimit(provider.server_limit);

  const runTest = async () => {
    setResult(null);
    try {
      setResult(await test.mutateAsync({ path: { provider_id: provider.id } }));
    } catch (error) {
      setResult({ failed: errorText(error) });
    }
  };

  const setActive = async (active: boolean) => {
    try {
      const data = await update.mutateAsync({ path: { provider_id: provider.id }, body: { active } });
      writeProvider(queryClient, data.provider);
      toast.success(
        active
          ? `${provider.name} is active: its plans are offered again.`
          : `${provider.name} is deactivated: its plans are hidden from customers.`,
      );
    } catch (error) {
      toast.error(errorText(error));
    }
  };

  return (
    <Card className="flex flex-col" aria-labelledby={titleId} role="article">
      <div className="flex items-start gap-3 p-5 pb-3">
        <ProviderLogo type={provider.type} />
        <div className="min-w-0 flex-1">
          <h3 id={titleId} className="break-words text-base font-semibold">
            {provider.name}
          </h3>
          <p className="mt-0.5 flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
            {typeName(provider.type)}
            <Badge variant={provider.active ? "success" : "secondary"}>{provider.active ? "Active" : "Inactive"}</Badge>
            {health && (
              <Badge variant="destructive" data-health={health.label}>
                <AlertTriangle aria-hidden />
                {health.label}
              </Badge>
            )}
          </p>
        </div>
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button ref={menuButton} variant="ghost" size="icon" className="-mr-2 -mt-1 size-8 shrink-0" aria-label={`More actions for ${provider.name}`}>
              <EllipsisVertical aria-hidden />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            <DropdownMenuItem
              disabled={update.isPending}
              // Deactivating takes every plan of the account off sale: asked first, with counts.
              onSelect={() => (provider.active ? setOpen("deactivate") : void setActive(true))}
            >
              {provider.active ? <PowerOff aria-hidden /> : <Power aria-hidden />}
              {provider.active ? "Deactivate" : "Activate"}
            </DropdownMenuItem>
            <DropdownMenuSeparator />
            <DropdownMenuItem onSelect={() => setOpen("delete")} className="text-destructive-foreground focus:text-destructive-foreground">
              <Trash2 aria-hidden />
              Delete
            </DropdownMenuItem>
          </DropdownMenuContent>
        </DropdownMenu>
      </div>

      <dl className="grid flex-1 content-start gap-2 px-5 text-sm">
        <div>
          <dt className="sr-only">Status</dt>
          <dd className={cn("flex items-start gap-2 break-words", TEXT[status.tone])}>
            <span aria-hidden className={cn("mt-1.5 size-2 shrink-0 rounded-full", DOT[status.tone])} />
            <span className="min-w-0" title={provider.status.checked_at ? absoluteTime(provider.status.checked_at) : undefined}>
              {status.text}
              {health?.detail && <span className="block text-muted-foreground">{health.detail}</span>}
            </span>
          </dd>
        </div>
        <div>
          <dt className="sr-only">API key</dt>
          <dd className="flex items-start gap-2">
            <KeyRound aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
            <span className="min-w-0">
              <span className="whitespace-nowrap font-mono">Key {provider.api_key_hint}</span>
              <span className="text-muted-foreground"> · {keyAge(provider, now)}</span>
              {expiry && (
                <span
                  className={cn("mt-0.5 flex items-center gap-1", TEXT[expiry.tone], expiry.tone !== "neutral" && "font-medium")}
                  title={expiry.title}
                  data-expiry={expiry.tone}
                >
                  {expiry.tone === "error" && <XCircle aria-hidden className="size-4" />}
                  {expiry.tone === "warning" && <AlertTriangle aria-hidden className="size-4" />}
                  {expiry.text}
                </span>
              )}
            </span>
          </dd>
        </div>
        {limit && (
          <div>
            <dt className="sr-only">Server limit</dt>
            <dd
              className={cn("flex items-start gap-2", TEXT[limit.tone], limit.tone !== "neutral" && "font-medium")}
              data-server-limit={limit.tone}
            >
              <ServerIcon aria-hidden className="mt-0.5 size-4 shrink-0" />
              <span className="min-w-0">{limit.text}</span>
            </dd>
          </div>
        )}
        {baseUrl && (
          <div>
            <dt className="sr-only">API base URL</dt>
            <dd className="flex items-start gap-2">
              <Link2 aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
              <span className="min-w-0 break-all font-mono text-xs leading-5">{baseUrl}</span>
            </dd>
          </div>
        )}
        <div>
          <dt className="sr-only">Configuration</dt>
          <dd>
            <ul className="flex flex-wrap gap-1.5 pt-1" aria-label={`Configuration of ${provider.name}`}>
              {configurationChips(provider).map((chip) => (
                <li key={chip}>
                  <Badge variant={chip === "Default" ? "default" : "outline"}>{chip}</Badge>
                </li>
              ))}
            </ul>
          </dd>
        </div>
      </dl>

      <div aria-live="polite" className="px-5 empty:hidden">
        {result && <TestResult provider={provider} result={result} onDismiss={() => setResult(null)} />}
      </div>

      <div className="mt-4 flex flex-wrap items-center gap-2 border-t border-border px-5 py-3">
        <Button variant="outline" size="sm" onClick={() => void runTest()} disabled={test.isPending} aria-label={`Test ${provider.name}`}>
          {test.isPending ? <Loader2 className="animate-spin" aria-hidden /> : <Plug aria-hidden />}
          {test.isPending ? "Testing…" : "Test"}
        </Button>
        <Button ref={editButton} variant="outline" size="sm" onClick={() => setOpen("edit")} aria-label={`Edit ${provider.name}`}>
          <Pencil aria-hidden />
          Edit
        </Button>
        <Button ref={rotateButton} variant="outline" size="sm" onClick={() => setOpen("rotate")} aria-label={`Rotate key of ${provider.name}`}>
          <KeyRound aria-hidden />
          Rotate key
        </Button>
      </div>

      <EditProviderDialog
        provider={provider}
        open={open === "edit"}
        onOpenChange={(next) => setOpen(next ? "edit" : null)}
        returnFocusRef={editButton}
      />
      <RotateKeyDialog
        provider={provider}
        open={open === "rotate"}
        onOpenChange={(next) => setOpen(next ? "rotate" : null)}
        returnFocusRef={rotateButton}
      />
      <DeactivateProviderDialog
        provider={provider}
        open={open === "deactivate"}
        onOpenChange={(next) => setOpen(next ? "deactivate" : null)}
        onConfirm={() => void setActive(false).then(() => setOpen(null))}
        pending={update.isPending}
        returnFocusRef={menuButton}
      />
      <DeleteProviderDialog
        provider={provider}
        open={open === "delete"}
        onOpenChange={(next) => setOpen(next ? "delete" : null)}
        returnFocusRef={menuButton}
      />
    </Card>
  );
}

function TestResult({
  provider,
  result,
  onDismiss,
}: {
  provider: ProviderOut;
  result: ProviderTestOut | { failed: string };
  onDismiss: () => void;
}) {
  const dismiss = (
    <Button variant="ghost" size="icon" className="size-7 shrink-0" onClick={onDismiss} aria-label={`Hide the test result of ${provider.name}`}>
      <X aria-hidden />
    </Button>
  );
  if ("failed" in result) {
    return (
      <div className="mt-3 flex items-start gap-2 rounded-lg border border-destructive/40 bg-destructive/5 p-3 text-sm text-destructive-foreground">
        <XCircle aria-hidden className="mt-0.5 size-4 shrink-0" />
        <p className="flex-1">Could not run the test: {result.failed}</p>
        {dismiss}
      </div>
    );
  }
  const account = "email" in result.account || "name" in result.account ? result.account : null;
  const accountText = account
    ? [account.email, account.name && account.name !== account.email ? account.name : null, account.id ? `#${account.id}` : null]
        .filter(Boolean)
        .join(" · ")
    : null;
  const { permissions } = result;
  return (
    <div
      className={cn(
        "mt-3 grid gap-2 rounded-lg border p-3 text-sm",
        result.ok ? "border-success/40 bg-success/5" : "border-destructive/40 bg-destructive/5",
      )}
    >
      <div className="flex items-start gap-2">
        {result.ok ? (
          <CheckCircle2 aria-hidden className="mt-0.5 size-4 shrink-0 text-success-foreground" />
        ) : (
          <XCircle aria-hidden className="mt-0.5 size-4 shrink-0 text-destructive-foreground" />
        )}
        <p className={cn("flex-1 font-medium", result.ok ? "text-success-foreground" : "text-destructive-foreground")}>
          {result.ok ? "Test passed" : "Test failed"} · {result.latency_ms} ms
          {result.error && <span className="block font-normal">{result.error}</span>}
        </p>
        {dismiss}
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
        {accountText && (
          <>
            <dt className="text-muted-foreground">Account</dt>
            <dd className="min-w-0 break-words">{accountText}</dd>
          </>
        )}
        <dt className="text-muted-foreground">Access</dt>
        <dd>
          {permissions.read ? "Read" : "No read"}
          {" · "}
          {permissions.write === true ? "Write" : permissions.write === false ? "Read-only" : "Write not reported"}
        </dd>
        {permissions.scopes.length > 0 && (
          <>
            <dt className="text-muted-foreground">Scopes</dt>
            <dd>
              <ul className="flex flex-wrap gap-1" aria-label="Scopes">
                {permissions.scopes.map((scope) => (
                  <li key={scope} className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">
                    {scope}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {permissions.missing.length > 0 && (
          <>
            <dt className="text-muted-foreground">Missing</dt>
            <dd className="text-destructive-foreground">{permissions.missing.join(", ")}</dd>
          </>
        )}
      </dl>
      {permissions.write === false && (
        <Alert variant="warning">
          <AlertTriangle aria-hidden />
          <AlertDescription>Read-only key: deploys will fail. Rotate to a key with write access.</AlertDescription>
        </Alert>
      )}
    </div>
  );
}

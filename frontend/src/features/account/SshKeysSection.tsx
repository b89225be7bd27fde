import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, KeyRound, Loader2, Plus, Trash2 } from "lucide-react";
import * as React from "react";
import { useForm } from "react-hook-form";
import { toast } from "sonner";
import { z } from "zod";
import { isApiError } from "@/api/http";
import {
  createSshKeyMutation,
  deleteSshKeyMutation,
  listSshKeysQueryKey,
  listSshKeysOptions,
} from "@/client/@tanstack/react-query.gen";
import type { SshKeyOut } from "@/client/types.gen";
import { FormField } from "@/components/form-field";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { applyServerFieldErrors } from "@/lib/forms";
import { absoluteTime, relativeTime } from "@/lib/time";
import { parseSshKey } from "@/features/vps/sshKey";

const keySchema = z.object({
  name: z.string().trim().min(1, "Give the key a name, like “laptop”.").max(100, "Use at most 100 characters."),
  public_key: z.string().superRefine((value, context) => {
    const parsed = parseSshKey(value);
    if (!parsed.ok) context.addIssue({ code: "custom", message: parsed.problem });
  }),
});
type KeyValues = z.infer<typeof keySchema>;
const KEY_INPUTS = ["name", "public_key"] as const;

/** `/account#ssh-keys`: the public keys the user saved to install on servers they deploy. */
export function SshKeysSection() {
  const keys = useQuery(listSshKeysOptions());
  const [deleting, setDeleting] = React.useState<SshKeyOut | null>(null);

  return (
    <section id="ssh-keys" aria-labelledby="ssh-keys-title" className="scroll-mt-20">
      <Card>
        <CardHeader>
          <CardTitle id="ssh-keys-title">SSH keys</CardTitle>
          <CardDescription>
            Public keys you can install on a server when you deploy or rebuild it, to sign in as root without the password.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid min-w-0 gap-6 [overflow-wrap:anywhere]">
          <AddKeyForm />
          <div className="grid gap-2">
            <h3 className="text-sm font-medium">Saved keys</h3>
            <QueryProblem query={keys} title="Could not load your SSH keys" />
            {keys.isPending ? (
              <Skeleton className="h-14" />
            ) : keys.data && keys.data.ssh_keys.length === 0 ? (
              <p className="text-sm text-muted-foreground">No saved keys yet.</p>
            ) : (
              <ul aria-label="Saved SSH keys" className="grid divide-y divide-border rounded-lg border border-border">
                {keys.data?.ssh_keys.map((key) => (
                  <li key={key.id} aria-label={key.name} className="flex items-start gap-3 p-3">
                    <KeyRound className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden />
                    <div className="grid min-w-0 flex-1 gap-0.5">
                      <span className="truncate font-medium">{key.name}</span>
                      <span className="break-all font-mono text-xs text-muted-foreground">{key.fingerprint}</span>
                      <span className="text-xs text-muted-foreground">
                        {key.public_key.split(" ")[0]} · added <time dateTime={key.created_at} title={absoluteTime(key.created_at)}>{relativeTime(key.created_at)}</time>
                      </span>
                    </div>
                    <Button type="button" variant="ghost" size="icon" aria-label={`Delete SSH key ${key.name}`} onClick={() => setDeleting(key)}>
                      <Trash2 aria-hidden />
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </CardContent>
      </Card>
      <DeleteKeyDialog sshKey={deleting} onClose={() => setDeleting(null)} />
    </section>
  );
}

function AddKeyForm() {
  const queryClient = useQueryClient();
  const create = useMutation({ ...createSshKeyMutation() });
  const [formError, setFormError] = React.useState<string | null>(null);
  const form = useForm<KeyValues>({ resolver: zodResolver(keySchema), defaultValues: { name: "", public_key: "" } });

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const data = await create.mutateAsync({ body: { name: values.name.trim(), public_key: values.public_key.trim() } });
      await queryClient.invalidateQueries({ queryKey: listSshKeysQueryKey() });
      form.reset();
      toast.success(`SSH key ${data.ssh_key.name} is saved.`);
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (error.code === "ssh_key_exists") {
        form.setError("public_key", { type: "server", message: error.detail }, { shouldFocus: true });
        return;
      }
      const unmatched = applyServerFieldErrors(error, form.setError, KEY_INPUTS);
      if (unmatched.length || !error.fields.length) setFormError(unmatched[0] ?? error.detail);
    }
  });

  const { errors, isSubmitting } = form.formState;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Add an SSH key" className="grid gap-4 rounded-lg border border-border bg-muted/30 p-4">
      <h3 className="text-sm font-medium">Add a key</h3>
      <FormField id="ssh-key-name" label="Name" error={errors.name?.message}>
        <Input autoComplete="off" placeholder="laptop" className="max-w-sm" {...form.register("name")} />
      </FormField>
      <FormField
        id="ssh-key-public-key"
        label="Public key"
        error={errors.public_key?.message}
        description={
          <>
            The contents of your <code>.pub</code> file, e.g. <code>~/.ssh/id_ed25519.pub</code>.
          </>
        }
      >
        <textarea
          rows={3}
          spellCheck={false}
          placeholder="ssh-ed25519 AAAA… you@laptop"
          className="min-h-20 w-full resize-y rounded-md border border-input bg-background px-3 py-2 font-mono text-xs outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 aria-invalid:border-destructive"
          {...form.register("public_key")}
        />
      </FormField>
      {formError && (
        <Alert variant="destructive">
          <AlertCircle aria-hidden />
          <AlertDescription>{formError}</AlertDescription>
        </Alert>
      )}
      <Button type="submit" className="justify-self-start" disabled={isSubmitting}>
        {isSubmitting ? <Loader2 className="animate-spin" aria-hidden /> : <Plus aria-hidden />}
        Save key
      </Button>
    </form>
  );
}

function DeleteKeyDialog({ sshKey, onClose }: { sshKey: SshKeyOut | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({ ...deleteSshKeyMutation() });
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => setError(null), [sshKey]);

  const confirm = async () => {
    if (!sshKey) return;
    try {
      await remove.mutateAsync({ path: { key_id: sshKey.id } });
      await queryClient.invalidateQueries({ queryKey: listSshKeysQueryKey() });
      toast.success(`SSH key ${sshKey.name} is deleted.`);
      onClose();
    } catch (failure) {
      setError(isApiError(failure) ? failure.detail : "Something went wrong.");
    }
  };

  return (
    <AlertDialog open={sshKey !== null} onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogTitle>Delete SSH key {sshKey?.name}?</AlertDialogTitle>
        <AlertDialogDescription>
          You can no longer pick it when you deploy. Servers that already have the key keep it.
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" onClick={() => void confirm()} disabled={remove.isPending}>
            {remove.isPending && <Loader2 className="animate-spin" aria-hidden />}
            Delete key
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

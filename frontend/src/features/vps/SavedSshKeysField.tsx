import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { listSshKeysOptions } from "@/client/@tanstack/react-query.gen";
import { QueryProblem } from "@/components/query-problem";
import { Skeleton } from "@/components/ui/skeleton";

/** Checkboxes for the user's saved SSH keys (`ssh_key_ids`), with a way to save more.
 * `id`: the fieldset's id (focused on a server error); `description`: what ticking means here. */
export function SavedSshKeysField({
  id = "deploy-sshKeyIds",
  selected,
  onChange,
  serverError,
  description,
}: {
  id?: string;
  selected: string[];
  onChange: (ids: string[]) => void;
  serverError?: string;
  description?: string;
}) {
  const keys = useQuery(listSshKeysOptions());
  const toggle = (id: string, checked: boolean) =>
    onChange(checked ? [...selected, id] : selected.filter((entry) => entry !== id));

  return (
    <fieldset className="grid gap-2" id={id} tabIndex={-1}>
      <legend className="mb-1 text-sm font-medium">Saved SSH keys</legend>
      {description && <p className="text-xs text-muted-foreground">{description}</p>}
      <QueryProblem query={keys} title="Could not load your saved SSH keys" />
      {keys.isPending ? (
        <Skeleton className="h-9" />
      ) : keys.data && keys.data.ssh_keys.length === 0 ? (
        <p className="text-xs text-muted-foreground">
          You have no saved keys.{" "}
          <Link to="/account" hash="ssh-keys" className="font-medium text-foreground underline underline-offset-4">
            Save keys on your account
          </Link>{" "}
          to pick them here.
        </p>
      ) : (
        <div className="grid gap-1">
          {keys.data?.ssh_keys.map((key) => (
            <label key={key.id} className="flex cursor-pointer items-start gap-2 rounded-md border border-border p-2 text-sm has-[input:checked]:border-primary has-[input:checked]:bg-primary/5">
              <input
                type="checkbox"
                checked={selected.includes(key.id)}
                onChange={(event) => toggle(key.id, event.target.checked)}
                className="mt-0.5 size-4 accent-[var(--color-primary)]"
              />
              <span className="grid min-w-0 gap-0.5">
                <span className="font-medium">{key.name}</span>
                <span className="break-all font-mono text-xs text-muted-foreground">{key.fingerprint}</span>
              </span>
            </label>
          ))}
        </div>
      )}
      {serverError && <p className="text-sm text-destructive-foreground">{serverError}</p>}
    </fieldset>
  );
}

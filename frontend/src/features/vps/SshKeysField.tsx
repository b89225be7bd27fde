import { KeyRound, Plus, Trash2 } from "lucide-react";
import * as React from "react";
import { Button } from "@/components/ui/button";
import { fingerprint, parseSshKey } from "./sshKey";

/** An add/remove list of public keys, each checked in place (type, comment, fingerprint). */
export function SshKeysField({
  keys,
  onChange,
  serverError,
}: {
  keys: string[];
  onChange: (keys: string[]) => void;
  serverError?: string;
}) {
  return (
    <fieldset className="grid gap-2">
      <legend className="mb-1 text-sm font-medium">SSH keys (optional)</legend>
      <p className="text-xs text-muted-foreground">
        Paste a public key (the <code>.pub</code> file) to sign in as root without the password.
      </p>
      {keys.map((key, index) => (
        <SshKeyRow
          key={index}
          index={index}
          value={key}
          onChange={(value) => onChange(keys.map((entry, i) => (i === index ? value : entry)))}
          onRemove={() => onChange(keys.filter((_, i) => i !== index))}
        />
      ))}
      {serverError && <p className="text-sm text-destructive-foreground">{serverError}</p>}
      <Button type="button" variant="outline" size="sm" className="justify-self-start" onClick={() => onChange([...keys, ""])}>
        <Plus aria-hidden />
        Add SSH key
      </Button>
    </fieldset>
  );
}

function SshKeyRow({
  index,
  value,
  onChange,
  onRemove,
}: {
  index: number;
  value: string;
  onChange: (value: string) => void;
  onRemove: () => void;
}) {
  const parsed = React.useMemo(() => parseSshKey(value), [value]);
  const [print, setPrint] = React.useState<string | null>(null);
  React.useEffect(() => {
    let current = true;
    setPrint(null);
    if (parsed.ok) void fingerprint(parsed.blob).then((text) => current && setPrint(text));
    return () => {
      current = false;
    };
  }, [parsed]);
  const id = `ssh-key-${index}`;
  const invalid = value.trim() !== "" && !parsed.ok;
  return (
    <div className="grid gap-1 rounded-md border border-border p-2">
      <div className="flex items-start gap-2">
        <label htmlFor={id} className="sr-only">
          SSH key {index + 1}
        </label>
        <textarea
          id={id}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          rows={2}
          spellCheck={false}
          placeholder="ssh-ed25519 AAAA… you@laptop"
          aria-invalid={invalid || undefined}
          aria-describedby={`${id}-status`}
          className="min-h-14 w-full resize-y rounded-md border border-input bg-background px-2 py-1 font-mono text-xs outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 aria-invalid:border-destructive"
        />
        <Button type="button" variant="ghost" size="icon" onClick={onRemove} aria-label={`Remove SSH key ${index + 1}`}>
          <Trash2 aria-hidden />
        </Button>
      </div>
      <p id={`${id}-status`} className="text-xs" aria-live="polite">
        {value.trim() === "" ? (
          <span className="text-muted-foreground">Empty keys are ignored.</span>
        ) : parsed.ok ? (
          <span className="inline-flex flex-wrap items-center gap-1 text-success-foreground">
            <KeyRound className="size-3.5" aria-hidden />
            {parsed.type}
            {parsed.comment && ` · ${parsed.comment}`}
            {print && <span className="font-mono text-muted-foreground"> · {print}</span>}
          </span>
        ) : (
          <span className="text-destructive-foreground">{parsed.problem}</span>
        )}
      </p>
    </div>
  );
}

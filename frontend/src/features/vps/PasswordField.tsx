import { Check, Sparkles, X } from "lucide-react";
import { CopyButton } from "@/components/copy-button";
import { PasswordInput } from "@/components/password-input";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { generatePassword, passwordChecklist, passwordScore } from "./rules";

const STRENGTH = ["Very weak", "Weak", "Fair", "Good", "Strong"] as const;
const STRENGTH_COLOUR = ["bg-destructive", "bg-destructive", "bg-warning", "bg-primary", "bg-success"] as const;

/**
 * The root password: show/hide, Generate, Copy, a strength meter and the live checklist of the
 * server's exact rule. `id` is the input's id (the label points at it).
 */
export function RootPasswordField({
  id,
  value,
  onChange,
  error,
  label = "Root password",
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  label?: string;
}) {
  const checklist = passwordChecklist(value);
  const strength = passwordScore(value);
  const describedBy = `${id}-rules ${id}-note${error ? ` ${id}-error` : ""}`;
  return (
    <div className="grid gap-2">
      <div className="flex items-center justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        <div className="flex items-center gap-1">
          <Button type="button" variant="outline" size="sm" onClick={() => onChange(generatePassword())}>
            <Sparkles aria-hidden />
            Generate
          </Button>
          {value && <CopyButton value={value} label="Copy root password" />}
        </div>
      </div>
      <PasswordInput
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoComplete="new-password"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        spellCheck={false}
      />
      <div className="flex items-center gap-2" aria-hidden={!value}>
        <div className="grid h-1.5 flex-1 grid-cols-4 gap-1">
          {[1, 2, 3, 4].map((step) => (
            <span key={step} className={cn("rounded-full", strength >= step ? STRENGTH_COLOUR[strength] : "bg-muted")} />
          ))}
        </div>
        <span className="w-14 text-right text-xs text-muted-foreground">{value ? STRENGTH[strength] : ""}</span>
      </div>
      <ul id={`${id}-rules`} className="grid gap-1 text-xs" aria-label="Password rules">
        {checklist.map((item) => (
          <li key={item.id} className={cn("flex items-center gap-1.5", item.met ? "text-success-foreground" : "text-muted-foreground")}>
            {item.met ? <Check className="size-3.5" aria-hidden /> : <X className="size-3.5" aria-hidden />}
            <span>
              {item.label}
              <span className="sr-only">{item.met ? " (met)" : " (not met)"}</span>
            </span>
          </li>
        ))}
      </ul>
      {error && (
        <p id={`${id}-error`} className="text-sm text-destructive-foreground">
          {error}
        </p>
      )}
      <p id={`${id}-note`} className="text-xs text-muted-foreground">
        We never store this password: save it now.
      </p>
    </div>
  );
}

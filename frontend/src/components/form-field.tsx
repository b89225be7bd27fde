import * as React from "react";
import { Label } from "@/components/ui/label";

/**
 * A labelled control with its description and error. The child receives `id`,
 * `aria-invalid` and `aria-describedby` so screen readers read the error with the input.
 */
export function FormField({
  id,
  label,
  error,
  description,
  children,
}: {
  id: string;
  label: React.ReactNode;
  error?: string;
  description?: React.ReactNode;
  children: React.ReactElement<Record<string, unknown>>;
}) {
  const described = [description ? `${id}-description` : null, error ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="grid gap-2">
      <Label htmlFor={id}>{label}</Label>
      {React.cloneElement(children, {
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": described || undefined,
      })}
      {description && !error && (
        <p id={`${id}-description`} className="text-xs text-muted-foreground">
          {description}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-sm text-destructive-foreground">
          {error}
        </p>
      )}
    </div>
  );
}

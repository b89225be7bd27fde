import { Eye, EyeOff } from "lucide-react";
import * as React from "react";
import { z } from "zod";
import { Input } from "@/components/ui/input";
import { cn } from "@/lib/utils";

/** The API's key rule: 8 to 500 characters once trimmed. */
export const apiKeyRule = z
  .string()
  .trim()
  .min(8, "Paste the API key (at least 8 characters).")
  .max(500, "At most 500 characters.");

/** The API's name rule: 1 to 100 characters once trimmed. */
export const accountNameRule = z.string().trim().min(1, "Name the account.").max(100, "At most 100 characters.");

/** Empty (the official API) or an http(s) address; the server checks the rest and says why. */
export const baseUrlRule = z
  .string()
  .trim()
  .max(500, "At most 500 characters.")
  .refine((value) => value === "" || /^https?:\/\/[^\s/]+/i.test(value), "Enter an address starting with https://.");

/** A date input's value ("2027-01-31"), or empty; today or later. */
export const expiryDateRule = z
  .string()
  .refine((value) => value === "" || value >= localDate(new Date()), "Choose today or a later date.");

/** "YYYY-MM-DD" of a moment in the browser's time zone. */
export function localDate(moment: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}

/** A chosen expiry day as the API's time: the end of that day where the admin is. */
export function expiryToIso(date: string): string | null {
  return date ? new Date(`${date}T23:59:59`).toISOString() : null;
}

/** A secret input with a real show/hide button; never autofilled or spell-checked. */
export function ApiKeyInput({ className, ...props }: Omit<React.ComponentProps<"input">, "type">) {
  const [visible, setVisible] = React.useState(false);
  return (
    <div className="relative">
      <Input
        type={visible ? "text" : "password"}
        autoComplete="off"
        spellCheck={false}
        autoCapitalize="off"
        className={cn("pr-10 font-mono", className)}
        {...props}
      />
      <button
        type="button"
        onClick={() => setVisible((value) => !value)}
        aria-label={visible ? "Hide API key" : "Show API key"}
        aria-pressed={visible}
        className="absolute inset-y-0 right-0 flex w-9 items-center justify-center rounded-r-md text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/60"
      >
        {visible ? <EyeOff className="size-4" aria-hidden /> : <Eye className="size-4" aria-hidden />}
      </button>
    </div>
  );
}

/** The API key hint ("…abcd") kept on one line, parentheses included. */
export function KeyHint({ hint, parenthesised = false }: { hint: string; parenthesised?: boolean }) {
  return <span className="whitespace-nowrap font-mono">{parenthesised ? `(${hint})` : hint}</span>;
}

export const ACCOUNT_CHANGE_LABEL =
  "Use this key anyway: switch to its cloud account. Servers and plans of the old account will no longer be found there.";

/** A 422 `different_account` for the admin. The API's detail tells API users to send
 * `allow_account_change`, which only works while the account has no servers; here the checkbox
 * below the key is that control, so the message points at it. With servers the switch is refused
 * anyway: the API's own explanation is kept and no checkbox is offered. */
export function differentAccountProblem(detail: string): { message: string; canSwitch: boolean } {
  if (!detail.includes("allow_account_change")) return { message: detail, canSwitch: false };
  return {
    message:
      "This key belongs to a different cloud account than the current one. To switch to that account, tick \"Use this key anyway\" below and try again.",
    canSwitch: true,
  };
}

/** Shown after a 422 `different_account`: the admin may knowingly move the account to the
 * key's cloud account (the API allows it only while no server is live there). */
export function AccountChangeConsent({
  id,
  checked,
  onChange,
}: {
  id: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label htmlFor={id} className="flex cursor-pointer items-start gap-2 text-sm">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(event) => onChange(event.target.checked)}
        className="mt-0.5 size-4 shrink-0 accent-[var(--primary)] outline-none focus-visible:ring-[3px] focus-visible:ring-ring/60"
      />
      <span>{ACCOUNT_CHANGE_LABEL}</span>
    </label>
  );
}

/** Radix returns focus to a dialog's own trigger; these dialogs are opened from buttons (or a
 * menu item that is gone by then), so focus goes back to the given element instead of the page. */
export function returnFocusTo(target: React.RefObject<HTMLElement | null> | undefined) {
  return (event: Event) => {
    if (!target?.current) return;
    event.preventDefault();
    target.current.focus();
  };
}

/** A native `<select>` in the look of the inputs. Native, not a Radix select: it is the most
 * reliable control on phones and with screen readers, and forms register it like an input. */
export const nativeSelectClass =
  "h-9 max-w-full rounded-md border border-input bg-background px-2 text-sm outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:opacity-60 aria-invalid:border-destructive";

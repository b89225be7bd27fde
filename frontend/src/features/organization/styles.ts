/** A native select in the look of the inputs (as on the admin instances filters). */
export const selectClass =
  "h-9 max-w-full rounded-md border border-input bg-background px-2 text-sm outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:opacity-60";

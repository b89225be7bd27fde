import { Progress as Primitive } from "radix-ui";
import * as React from "react";
import { cn } from "@/lib/utils";

/** Determinate when `value` is a number, indeterminate (moving bar) when null. */
export function Progress({
  className,
  value,
  ...props
}: React.ComponentProps<typeof Primitive.Root> & { value: number | null }) {
  return (
    <Primitive.Root
      value={value}
      className={cn("relative h-1.5 w-full overflow-hidden rounded-full bg-primary/15", className)}
      {...props}
    >
      <Primitive.Indicator
        className={cn(
          "h-full bg-primary transition-all",
          value === null && "w-1/3 animate-[progress-slide_1.4s_ease-in-out_infinite]",
        )}
        style={value === null ? undefined : { width: `${Math.max(2, Math.min(100, value))}%` }}
      />
    </Primitive.Root>
  );
}

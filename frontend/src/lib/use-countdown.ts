import * as React from "react";

/** Seconds left of a wait (a 429's Retry-After), ticking down to 0 once a second. */
export function useCountdown(): [number, (seconds: number | null) => void] {
  const [left, setLeft] = React.useState(0);
  React.useEffect(() => {
    if (left <= 0) return;
    const timer = window.setTimeout(() => setLeft((value) => value - 1), 1000);
    return () => window.clearTimeout(timer);
  }, [left]);
  const start = React.useCallback((seconds: number | null) => setLeft(seconds ?? 0), []);
  return [left, start];
}

// Placeholder: the Plans section of /admin is built in its own change.
export function PlansTab() {
  return <p className="text-sm text-muted-foreground">Coming in this release.</p>;
}

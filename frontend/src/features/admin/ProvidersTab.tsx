// Placeholder: the Providers section of /admin is built in its own change.
export function ProvidersTab() {
  return <p className="text-sm text-muted-foreground">Coming in this release.</p>;
}

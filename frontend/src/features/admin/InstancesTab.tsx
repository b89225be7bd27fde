// Placeholder: the Instances section of /admin is built in its own change.
export function InstancesTab() {
  return <p className="text-sm text-muted-foreground">Coming in this release.</p>;
}

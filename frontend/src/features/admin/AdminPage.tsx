// Owned by the admin pages work: /admin#providers, #vps-plans, #instances.
export function AdminPage() {
  return (
    <div className="grid gap-2">
      <h1 className="text-2xl font-semibold">Admin</h1>
      <p className="text-sm text-muted-foreground">Providers, VPS plans and instances.</p>
    </div>
  );
}

export function VpsListPage() {
  return (
    <div className="grid gap-2">
      <h1 className="text-2xl font-semibold">Servers</h1>
    </div>
  );
}

export function VpsDetailPage({ instanceId }: { instanceId: string }) {
  return (
    <div className="grid gap-2">
      <h1 className="text-2xl font-semibold">Server {instanceId}</h1>
    </div>
  );
}

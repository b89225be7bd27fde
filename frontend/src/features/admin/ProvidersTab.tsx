import { Cloud, Plus } from "lucide-react";
import * as React from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { AddProviderDialog } from "./providers/AddProviderDialog";
import { useProviders } from "./providers/api";
import { ProviderCard } from "./providers/ProviderCard";
import { QueryProblem } from "@/components/query-problem";

/** Relative times ("checked 3 min ago") stay true while the page is open. */
function useNow(intervalMs = 30_000): number {
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** `/admin#providers`: a card per provider account, and "Add provider". */
export function ProvidersTab() {
  const providers = useProviders();
  const [adding, setAdding] = React.useState(false);
  const addButton = React.useRef<HTMLButtonElement>(null);
  const now = useNow();
  const list = providers.data?.providers;

  return (
    <section aria-labelledby="providers-heading" className="grid grid-cols-1 gap-4 pt-2">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="providers-heading" className="text-lg font-semibold">
            Provider accounts
          </h2>
          <p className="text-sm text-muted-foreground">The cloud accounts servers are deployed on. Customers never see them.</p>
        </div>
        <Button ref={addButton} onClick={() => setAdding(true)}>
          <Plus aria-hidden />
          Add provider
        </Button>
      </div>

      <QueryProblem query={providers} title="Could not load the provider accounts" />

      {!list && providers.isPending && <CardsSkeleton />}

      {list && list.length === 0 && (
        <div className="grid justify-items-center gap-3 rounded-xl border border-dashed border-border px-6 py-12 text-center">
          <Cloud aria-hidden className="size-10 text-muted-foreground" />
          <h3 className="text-base font-semibold">Connect your first cloud account</h3>
          <p className="max-w-md text-sm text-muted-foreground">
            Add a Linode or DigitalOcean account with an API key. Then create VPS plans on it for your customers to buy.
          </p>
          <Button onClick={() => setAdding(true)}>
            <Plus aria-hidden />
            Add provider
          </Button>
        </div>
      )}

      {list && list.length > 0 && (
        <ul className="grid grid-cols-1 gap-4 lg:grid-cols-2" aria-label="Provider accounts">
          {list.map((provider) => (
            <li key={provider.id} className="grid min-w-0 grid-cols-1">
              <ProviderCard provider={provider} tick={now} />
            </li>
          ))}
        </ul>
      )}

      <AddProviderDialog open={adding} onOpenChange={setAdding} returnFocusRef={addButton} />
    </section>
  );
}

function CardsSkeleton() {
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2" aria-busy="true" aria-label="Loading provider accounts">
      {[0, 1].map((index) => (
        <Card key={index} className="grid gap-3 p-5">
          <div className="flex items-center gap-3">
            <Skeleton className="size-10 rounded-full" />
            <div className="grid flex-1 gap-2">
              <Skeleton className="h-4 w-2/5" />
              <Skeleton className="h-3 w-1/5" />
            </div>
            <Skeleton className="h-5 w-14 rounded-full" />
          </div>
          <Skeleton className="h-4 w-3/5" />
          <Skeleton className="h-4 w-1/2" />
          <div className="flex gap-1.5">
            <Skeleton className="h-5 w-20 rounded-full" />
            <Skeleton className="h-5 w-16 rounded-full" />
          </div>
          <div className="flex gap-2 border-t border-border pt-3">
            <Skeleton className="h-8 w-16" />
            <Skeleton className="h-8 w-16" />
            <Skeleton className="h-8 w-24" />
          </div>
        </Card>
      ))}
    </div>
  );
}

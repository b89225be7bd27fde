import { useQuery } from "@tanstack/react-query";
import { AlertCircle } from "lucide-react";
import { isApiError } from "@/api/http";
import { adminGetInstanceOptions, adminInstanceEventsOptions } from "@/client/@tanstack/react-query.gen";
import type { AdminInstanceOut } from "@/client/types.gen";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { EventTimeline } from "@/features/vps/ActivityTimeline";
import { StatusBadge } from "@/features/vps/status";
import { absoluteTime } from "@/lib/time";

/** One server as an admin sees it: the customer's reason and the provider's own, and its
 * activity as the customer reads it (changes and deletes noticed at the provider included). */
export function InstanceDetailsDialog({
  summary,
  providerName,
  onClose,
}: {
  summary: AdminInstanceOut;
  providerName: string;
  onClose: () => void;
}) {
  const details = useQuery(adminGetInstanceOptions({ path: { instance_id: summary.id } }));
  const events = useQuery(adminInstanceEventsOptions({ path: { instance_id: summary.id } }));
  // The list row until the fresh read arrives (and if it fails).
  const instance = details.data?.instance ?? summary;
  const operation = instance.last_operation;
  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent className="max-w-2xl">
        <DialogHeader>
          <DialogTitle>{instance.label}</DialogTitle>
          <DialogDescription>
            {instance.organization.name} · {providerName}
          </DialogDescription>
        </DialogHeader>
        {details.isError && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{isApiError(details.error) ? details.error.detail : "Could not load the details."}</AlertDescription>
          </Alert>
        )}
        {(instance.error || instance.provider_error) && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertTitle>Why it failed</AlertTitle>
            <AlertDescription className="grid gap-1">
              {instance.error && <p>Customer sees: {instance.error}</p>}
              {instance.provider_error && <p>Provider said: {instance.provider_error}</p>}
            </AlertDescription>
          </Alert>
        )}
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm [&>dd]:min-w-0 [&>dd]:break-words">
          <dt className="text-muted-foreground">Status</dt>
          <dd>
            <StatusBadge instance={instance} />
            {instance.provider_status && (
              <span className="ml-2 text-xs text-muted-foreground">provider: {instance.provider_status}</span>
            )}
          </dd>
          <dt className="text-muted-foreground">Provider</dt>
          <dd>
            {providerName}
            {instance.provider_instance_id && (
              <span className="ml-1 font-mono text-xs text-muted-foreground">#{instance.provider_instance_id}</span>
            )}
          </dd>
          <dt className="text-muted-foreground">Organization</dt>
          <dd>{instance.organization.name}</dd>
          <dt className="text-muted-foreground">User</dt>
          <dd>{instance.user?.email ?? "—"}</dd>
          <dt className="text-muted-foreground">Plan</dt>
          <dd>{instance.plan.name ?? "—"}</dd>
          <dt className="text-muted-foreground">Region</dt>
          <dd>{instance.region.label}</dd>
          <dt className="text-muted-foreground">Image</dt>
          <dd className="font-mono text-xs">{instance.image}</dd>
          <dt className="text-muted-foreground">IPv4</dt>
          <dd className="font-mono text-xs">{instance.ip_address ?? "—"}</dd>
          <dt className="text-muted-foreground">Created</dt>
          <dd>{absoluteTime(instance.created_at)}</dd>
          <dt className="text-muted-foreground">Last operation</dt>
          <dd>
            {details.isPending && !details.data ? (
              <Skeleton className="h-4 w-40" />
            ) : operation ? (
              <>
                {operation.type} · {operation.status}
                {operation.error && <span className="block text-xs text-muted-foreground">{operation.error}</span>}
              </>
            ) : (
              "—"
            )}
          </dd>
        </dl>
        <section className="grid gap-2" aria-labelledby="instance-activity-heading">
          <h3 id="instance-activity-heading" className="text-sm font-semibold">
            Activity
          </h3>
          <EventTimeline events={events} />
        </section>
      </DialogContent>
    </Dialog>
  );
}

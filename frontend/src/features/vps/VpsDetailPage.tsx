import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { AlertCircle, ArrowLeft, Info, RotateCcw } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import { listImagesOptions, listInstanceEventsOptions } from "@/client/@tanstack/react-query.gen";
import type { InstanceOut } from "@/client/types.gen";
import { CopyButton } from "@/components/copy-button";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { NotFound } from "@/features/shell/NotFound";
import { absoluteTime, relativeTime } from "@/lib/time";
import { ActionDialogs, type DialogAction } from "./ActionDialogs";
import { ActivityTimeline } from "./ActivityTimeline";
import { InstanceActionMenu, PowerButtons, returnFocus } from "./actions";
import { invalidateInstanceLists, useInstance, useSettleAnnouncements } from "./api";
import { MetricsCharts } from "./MetricsCharts";
import { StatusBadge } from "./status";
import { QueryProblem } from "@/components/query-problem";

const DIALOGS: readonly string[] = ["rebuild", "resize", "delete"];

export function VpsDetailPage({ instanceId }: { instanceId: string }) {
  const query = useInstance(instanceId);
  const search = useSearch({ from: "/app/vps/$instanceId" });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const instance = query.data?.instance;
  const announcement = useSettleAnnouncements(instance ? [instance] : undefined);
  const deleted = instance?.status === "deleted";
  // After a dialog closes, focus returns to the button that opened it, else to the ⋮ menu (a
  // menu item or a link from the server list opened it).
  const menuTrigger = React.useRef<HTMLButtonElement>(null);
  const opener = React.useRef<HTMLElement | null>(null);
  const returnFocusAfterDialog = (event: Event) => {
    const target = opener.current?.isConnected ? opener.current : menuTrigger.current;
    opener.current = null;
    returnFocus(event, target);
  };
  // Who deleted it: the customer (here or elsewhere), or someone outside the panel, which the
  // worker records as a `deleted_at_provider` event. The same query as the Activity tab's.
  const events = useQuery({
    ...listInstanceEventsOptions({ path: { instance_id: instanceId } }),
    enabled: deleted,
  });
  const deletedOutside = deleted && Boolean(events.data?.events.some((event) => event.type === "deleted_at_provider"));
  const decided = deleted && !events.isPending;

  // A server the customer deleted returns to the list; one deleted outside the panel stays,
  // saying so, or its disappearance would be a mystery.
  React.useEffect(() => {
    if (!decided || deletedOutside || !instance) return;
    toast.success(`${instance.label} was deleted.`);
    void invalidateInstanceLists(queryClient);
    void navigate({ to: "/vps" });
  }, [decided, deletedOutside, instance, navigate, queryClient]);

  if (!instance) {
    if (query.isError && isApiError(query.error) && query.error.status === 404)
      return <NotFound title="Server not found">It may have been deleted, or it belongs to another organization.</NotFound>;
    if (query.isError) return <QueryProblem query={query} title="Could not load this server" />;
    return <DetailSkeleton />;
  }
  if (deleted && !deletedOutside) return <DetailSkeleton />; // on its way back to the list

  const tab = search.tab ?? "overview";
  const dialog = DIALOGS.includes(search.action ?? "") ? (search.action as DialogAction) : null;
  const setSearch = (next: { tab?: "overview" | "activity"; action?: string }) =>
    void navigate({ to: "/vps/$instanceId", params: { instanceId }, search: next, replace: true });

  return (
    <div className="grid gap-6">
      <div className="sr-only" aria-live="polite" role="status">
        {announcement}
      </div>
      <Link to="/vps" className="inline-flex w-fit items-center gap-1 rounded-sm text-sm text-muted-foreground outline-none hover:text-foreground focus-visible:ring-[3px] focus-visible:ring-ring/60">
        <ArrowLeft className="size-4" aria-hidden />
        Servers
      </Link>
      <header className="grid gap-3">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold break-all">{instance.label}</h1>
            <StatusBadge instance={instance} />
          </div>
          {!deleted && (
            <div className="flex flex-wrap items-center gap-2">
              <PowerButtons instance={instance} />
              <InstanceActionMenu instance={instance} only={["rebuild", "resize", "delete"]} triggerRef={menuTrigger} />
            </div>
          )}
        </div>
        {instance.is_transitional && (
          <Progress value={instance.progress} aria-label={`Progress of ${instance.label}`} />
        )}
        {instance.status !== "failed" && instance.status_detail && (
          <Alert variant="warning">
            <AlertCircle aria-hidden />
            <AlertDescription>{instance.status_detail}</AlertDescription>
          </Alert>
        )}
        {instance.status === "failed" && (
          <FailedPanel
            instance={instance}
            onAction={(action, button) => {
              opener.current = button;
              setSearch({ tab, action });
            }}
          />
        )}
        {deletedOutside && <DeletedOutsidePanel instance={instance} />}
        {/* A failed background poll (502/503): the last known state stays, with the reason. */}
        <QueryProblem query={query} title="Could not refresh this server" />
      </header>
      <Tabs value={tab} onValueChange={(value) => setSearch({ tab: value as "overview" | "activity" })}>
        <TabsList>
          <TabsTrigger value="overview">Overview</TabsTrigger>
          <TabsTrigger value="activity">Activity</TabsTrigger>
        </TabsList>
        <TabsContent value="overview" className="grid gap-6">
          {deleted ? (
            // Its addresses may already belong to someone else, and it has no metrics left.
            <div className="grid gap-4 md:grid-cols-2">
              <DetailsCard instance={instance} />
            </div>
          ) : (
            <>
              <div className="grid gap-4 md:grid-cols-2">
                <AccessCard instance={instance} />
                <DetailsCard instance={instance} />
              </div>
              <MetricsCharts
                instanceId={instance.id}
                label={instance.label}
                emptyMessage={
                  instance.status === "failed"
                    ? "No metrics were recorded for this server."
                    : "Metrics will appear a few minutes after the server starts."
                }
              />
            </>
          )}
        </TabsContent>
        <TabsContent value="activity">
          <ActivityTimeline instanceId={instance.id} transitional={instance.is_transitional} />
        </TabsContent>
      </Tabs>
      {!deleted && (
        <ActionDialogs
          instance={instance}
          action={dialog}
          onClose={() => setSearch({ tab: search.tab })}
          onCloseAutoFocus={returnFocusAfterDialog}
        />
      )}
    </div>
  );
}

function FailedPanel({
  instance,
  onAction,
}: {
  instance: InstanceOut;
  onAction: (action: DialogAction, button: HTMLElement) => void;
}) {
  return (
    <Alert variant="destructive">
      <AlertCircle aria-hidden />
      <AlertTitle>This server failed</AlertTitle>
      <AlertDescription>
        <p>{instance.error ?? "The last action did not complete."}</p>
        <div className="mt-3 flex flex-wrap gap-2">
          <Link
            to="/vps"
            search={{ deploy: true, again: instance.id }}
            className={buttonVariants({ size: "sm" })}
          >
            <RotateCcw aria-hidden />
            Deploy again with the same settings
          </Link>
          {instance.allowed_actions.includes("rebuild") && (
            <Button size="sm" variant="outline" onClick={(event) => onAction("rebuild", event.currentTarget)}>
              Rebuild
            </Button>
          )}
          {instance.allowed_actions.includes("delete") && (
            <Button size="sm" variant="outline" onClick={(event) => onAction("delete", event.currentTarget)}>
              Delete
            </Button>
          )}
        </div>
      </AlertDescription>
    </Alert>
  );
}

/** A server deleted outside the panel (noticed by the worker): nothing can be done with it any
 * more. Neutral words: the customer may have done it themselves, at the cloud's own console. */
function DeletedOutsidePanel({ instance }: { instance: InstanceOut }) {
  return (
    <Alert>
      <Info aria-hidden />
      <AlertTitle>This server was deleted outside the panel</AlertTitle>
      <AlertDescription>
        <p>
          It no longer exists at the cloud, so there is nothing left to manage here. The Activity tab shows when this
          was noticed.
        </p>
        <div className="mt-3 flex flex-wrap gap-2">
          <Link to="/vps" search={{ deploy: true, again: instance.id }} className={buttonVariants({ size: "sm", variant: "outline" })}>
            <RotateCcw aria-hidden />
            Deploy again with the same settings
          </Link>
        </div>
      </AlertDescription>
    </Alert>
  );
}

function Row({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{term}</dt>
      <dd className="min-w-0">{children}</dd>
    </>
  );
}

function Copyable({ value, label }: { value: string; label: string }) {
  return (
    <span className="inline-flex max-w-full items-center gap-1 font-mono text-sm">
      <span className="truncate">{value}</span>
      <CopyButton value={value} label={label} />
    </span>
  );
}

function AccessCard({ instance }: { instance: InstanceOut }) {
  const waiting = <span className="text-muted-foreground">{instance.is_transitional ? "Waiting for an IP…" : "—"}</span>;
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-base">Access</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-[auto_1fr] items-center gap-x-4 gap-y-2 text-sm">
          <Row term="IPv4">
            {instance.ip_address ? <Copyable value={instance.ip_address} label={`Copy IPv4 address of ${instance.label}`} /> : waiting}
          </Row>
          <Row term="IPv6">
            {instance.ipv6 ? <Copyable value={instance.ipv6} label={`Copy IPv6 address of ${instance.label}`} /> : waiting}
          </Row>
          <Row term="SSH">
            {instance.ip_address ? (
              <Copyable value={`ssh root@${instance.ip_address}`} label={`Copy SSH command for ${instance.label}`} />
            ) : (
              waiting
            )}
          </Row>
        </dl>
      </CardContent>
    </Card>
  );
}

function DetailsCard({ instance }: { instance: InstanceOut }) {
  const images = useQuery({
    ...listImagesOptions({ query: { plan: instance.plan.id ?? "" } }),
    enabled: Boolean(instance.plan.id),
    staleTime: 5 * 60_000,
  });
  const image = images.data?.images.find((candidate) => candidate.id === instance.image);
  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-base">Details</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 text-sm">
          <Row term="Plan">{instance.plan.name ?? "—"}</Row>
          <Row term="Region">{instance.region.label}</Row>
          <Row term="Image">{image?.label ?? (images.isPending ? "…" : "—")}</Row>
          <Row term="Created">
            <time dateTime={instance.created_at} title={absoluteTime(instance.created_at)}>
              {relativeTime(instance.created_at)}
            </time>
          </Row>
          <Row term="ID">
            <span className="font-mono text-xs break-all">{instance.id}</span>
          </Row>
        </dl>
      </CardContent>
    </Card>
  );
}

function DetailSkeleton() {
  return (
    <div className="grid gap-6" aria-busy="true" aria-label="Loading server">
      <Skeleton className="h-4 w-20" />
      <div className="flex items-center gap-3">
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-5 w-20 rounded-full" />
      </div>
      <Skeleton className="h-9 w-48" />
      <div className="grid gap-4 md:grid-cols-2">
        <Skeleton className="h-40" />
        <Skeleton className="h-40" />
      </div>
      <Skeleton className="h-64" />
    </div>
  );
}

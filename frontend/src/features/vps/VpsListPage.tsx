import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { ChevronLeft, ChevronRight, Plus, Server } from "lucide-react";
import type { InstanceOut } from "@/client/types.gen";
import { CopyButton } from "@/components/copy-button";
import { Button, buttonVariants } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime, relativeTime } from "@/lib/time";
import { useInstance, useInstanceList, useSettleAnnouncements } from "./api";
import { InstanceActionMenu } from "./actions";
import { DeployPage } from "./DeployPage";
import { StatusBadge } from "./status";
import { QueryProblem } from "@/components/query-problem";

/** /vps: the organization's servers, or the deploy page (`?deploy`, or when there are none). */
export function VpsListPage() {
  const search = useSearch({ from: "/app/vps" });
  const navigate = useNavigate();
  const page = search.page ?? 1;
  const list = useInstanceList(page);
  const announcement = useSettleAnnouncements(list.data?.instances);

  if (search.deploy) return search.again ? <DeployAgain instanceId={search.again} /> : <DeployPage />;
  if (list.data && list.data.total === 0) return <DeployPage firstServer />;

  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / list.data.per_page)) : 1;
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Servers</h1>
        <Link to="/vps" search={{ deploy: true }} className={buttonVariants()}>
          <Plus aria-hidden />
          Deploy a server
        </Link>
      </div>
      <div className="sr-only" aria-live="polite" role="status">
        {announcement}
      </div>
      <QueryProblem query={list} title="Could not load your servers" />
      {!list.data && list.isPending && <ListSkeleton />}
      {list.data && (
        <>
          <InstanceTable instances={list.data.instances} />
          <InstanceCards instances={list.data.instances} />
          {pages > 1 && (
            <nav aria-label="Pages" className="flex items-center justify-end gap-2 text-sm">
              <Button
                variant="outline"
                size="sm"
                disabled={page <= 1}
                onClick={() => void navigate({ to: "/vps", search: page > 2 ? { page: page - 1 } : {} })}
              >
                <ChevronLeft aria-hidden />
                Previous
              </Button>
              <span>
                Page {page} of {pages} · {list.data.total} servers
              </span>
              <Button
                variant="outline"
                size="sm"
                disabled={page >= pages}
                onClick={() => void navigate({ to: "/vps", search: { page: page + 1 } })}
              >
                Next
                <ChevronRight aria-hidden />
              </Button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}

function ServerLink({ instance }: { instance: InstanceOut }) {
  return (
    <Link
      to="/vps/$instanceId"
      params={{ instanceId: instance.id }}
      className="rounded-sm font-medium text-foreground underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/60"
    >
      {instance.label}
    </Link>
  );
}

function Ip({ instance }: { instance: InstanceOut }) {
  if (!instance.ip_address)
    return <span className="text-muted-foreground">{instance.is_transitional ? "Waiting for an IP…" : "—"}</span>;
  return (
    <span className="inline-flex items-center gap-1 font-mono text-sm">
      {instance.ip_address}
      <CopyButton value={instance.ip_address} label={`Copy IPv4 address of ${instance.label}`} />
    </span>
  );
}

function InstanceTable({ instances }: { instances: InstanceOut[] }) {
  return (
    <div className="hidden overflow-x-auto rounded-lg border border-border md:block">
      <table className="w-full text-sm">
        <caption className="sr-only">Your servers</caption>
        <thead className="bg-muted/50 text-left text-muted-foreground">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium">Label</th>
            <th scope="col" className="px-4 py-2 font-medium">Status</th>
            <th scope="col" className="px-4 py-2 font-medium">IPv4</th>
            <th scope="col" className="px-4 py-2 font-medium">Region</th>
            <th scope="col" className="px-4 py-2 font-medium">Plan</th>
            <th scope="col" className="px-4 py-2 font-medium">Created</th>
            <th scope="col" className="px-4 py-2 font-medium"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {instances.map((instance) => (
            <tr key={instance.id} className="border-t border-border">
              <td className="px-4 py-2"><ServerLink instance={instance} /></td>
              <td className="px-4 py-2">
                <StatusBadge instance={instance} />
                {instance.status === "failed" && instance.error && (
                  <p className="mt-1 max-w-64 text-xs text-destructive-foreground">{instance.error}</p>
                )}
              </td>
              <td className="px-4 py-2"><Ip instance={instance} /></td>
              <td className="px-4 py-2">{instance.region.label}</td>
              <td className="px-4 py-2">{instance.plan.name ?? "—"}</td>
              <td className="px-4 py-2">
                <time dateTime={instance.created_at} title={absoluteTime(instance.created_at)}>
                  {relativeTime(instance.created_at)}
                </time>
              </td>
              <td className="px-2 py-2 text-right"><InstanceActionMenu instance={instance} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InstanceCards({ instances }: { instances: InstanceOut[] }) {
  return (
    <ul className="grid gap-3 md:hidden" aria-label="Your servers">
      {instances.map((instance) => (
        <li key={instance.id} className="rounded-lg border border-border bg-card p-4">
          <div className="flex items-start justify-between gap-2">
            <div className="grid gap-1">
              <ServerLink instance={instance} />
              <StatusBadge instance={instance} className="justify-self-start" />
            </div>
            <InstanceActionMenu instance={instance} />
          </div>
          {instance.status === "failed" && instance.error && (
            <p className="mt-2 text-xs text-destructive-foreground">{instance.error}</p>
          )}
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="text-muted-foreground">IPv4</dt>
            <dd><Ip instance={instance} /></dd>
            <dt className="text-muted-foreground">Region</dt>
            <dd>{instance.region.label}</dd>
            <dt className="text-muted-foreground">Plan</dt>
            <dd>{instance.plan.name ?? "—"}</dd>
          </dl>
        </li>
      ))}
    </ul>
  );
}

function ListSkeleton() {
  return (
    <div className="grid gap-2" aria-busy="true" aria-label="Loading servers">
      {Array.from({ length: 3 }, (_, index) => (
        <div key={index} className="flex items-center gap-4 rounded-lg border border-border p-4">
          <Server className="size-5 text-muted-foreground" aria-hidden />
          <Skeleton className="h-4 w-32" />
          <Skeleton className="h-5 w-20 rounded-full" />
          <Skeleton className="hidden h-4 w-28 md:block" />
          <Skeleton className="hidden h-4 w-24 md:block" />
        </div>
      ))}
    </div>
  );
}

/** The deploy page prefilled from a failed server (the password is entered again). */
function DeployAgain({ instanceId }: { instanceId: string }) {
  const previous = useInstance(instanceId);
  if (previous.isPending) return <ListSkeleton />;
  const instance = previous.data?.instance;
  return (
    <DeployPage
      prefill={
        instance && {
          region: instance.region.id,
          plan: instance.plan.id ?? undefined,
          image: instance.image,
          label: instance.label,
        }
      }
    />
  );
}

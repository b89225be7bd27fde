import { nativeSelectClass } from "@/components/ui/native-select";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useLocation } from "@tanstack/react-router";
import { ChevronLeft, ChevronRight, Server, X } from "lucide-react";
import * as React from "react";
import { adminListInstancesOptions, adminListProvidersOptions } from "@/client/@tanstack/react-query.gen";
import type { AdminInstanceOut, InstanceStatus } from "@/client/types.gen";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { StatusBadge, statusLook } from "@/features/vps/status";
import { absoluteTime, relativeTime } from "@/lib/time";
import { InstanceDetailsDialog } from "./instances/InstanceDetailsDialog";
import { OrphansSection } from "./instances/OrphansSection";
import { QueryProblem } from "@/components/query-problem";

export const ADMIN_PER_PAGE = 50;
const STATUSES: InstanceStatus[] = [
  "pending", "provisioning", "running", "stopped", "starting", "stopping", "rebooting",
  "rebuilding", "resizing", "deleting", "deleted", "failed", "maintenance", "suspended", "unknown",
];

type Filters = { status: string; provider: string; organization: string };

/** /admin#instances: every server across organizations; `?provider=<id>` opens it filtered. */
export function InstancesTab() {
  const urlProvider = useLocation({
    select: (location) => (location.search as Record<string, unknown>).provider,
  });
  const [filters, setFilters] = React.useState<Filters>({
    status: "",
    provider: typeof urlProvider === "string" ? urlProvider : "",
    organization: "",
  });
  const [page, setPage] = React.useState(1);
  const [details, setDetails] = React.useState<AdminInstanceOut | null>(null);
  // Organizations met on any page, for the organization filter (there is no admin list of them).
  const [organizations, setOrganizations] = React.useState(new Map<string, string>());

  React.useEffect(() => {
    if (typeof urlProvider === "string") {
      setFilters((current) => ({ ...current, provider: urlProvider }));
      setPage(1);
    }
  }, [urlProvider]);

  const providers = useQuery(adminListProvidersOptions());
  const list = useQuery({
    ...adminListInstancesOptions({
      query: {
        page,
        per_page: ADMIN_PER_PAGE,
        ...(filters.status ? { status: filters.status as InstanceStatus } : {}),
        ...(filters.provider ? { provider_id: filters.provider } : {}),
        ...(filters.organization ? { organization_id: filters.organization } : {}),
      },
    }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.instances.some((row) => row.is_transitional) ? 3_000 : 30_000),
  });

  React.useEffect(() => {
    const seen = list.data?.instances ?? [];
    if (seen.some((row) => !organizations.has(row.organization.id))) {
      setOrganizations((current) => {
        const next = new Map(current);
        for (const row of seen) next.set(row.organization.id, row.organization.name);
        return next;
      });
    }
  }, [list.data, organizations]);

  const providerNames = new Map((providers.data?.providers ?? []).map((provider) => [provider.id, provider.name]));
  const providerLabel = (row: AdminInstanceOut) =>
    (row.provider_id && providerNames.get(row.provider_id)) ?? row.provider_type ?? "—";
  const change = (patch: Partial<Filters>) => {
    setFilters((current) => ({ ...current, ...patch }));
    setPage(1);
  };
  const filtered = Boolean(filters.status || filters.provider || filters.organization);
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / list.data.per_page)) : 1;

  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-4" aria-labelledby="instances-heading">
      <div>
        <h2 id="instances-heading" className="text-lg font-semibold">Instances</h2>
        <p className="text-sm text-muted-foreground">Every server across organizations, newest first.</p>
      </div>

      <div className="flex flex-wrap items-end gap-3">
        <div className="grid gap-1">
          <label htmlFor="instances-status" className="text-xs font-medium text-muted-foreground">Status</label>
          <select id="instances-status" className={nativeSelectClass} value={filters.status} onChange={(event) => change({ status: event.target.value })}>
            <option value="">All statuses</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>{statusLook(status).label}</option>
            ))}
          </select>
        </div>
        <div className="grid gap-1">
          <label htmlFor="instances-provider" className="text-xs font-medium text-muted-foreground">Provider</label>
          <select id="instances-provider" className={nativeSelectClass} value={filters.provider} onChange={(event) => change({ provider: event.target.value })}>
            <option value="">All providers</option>
            {(providers.data?.providers ?? []).map((provider) => (
              <option key={provider.id} value={provider.id}>{provider.name}</option>
            ))}
            {filters.provider && !providerNames.has(filters.provider) && (
              <option value={filters.provider}>Provider {filters.provider.slice(0, 8)}</option>
            )}
          </select>
        </div>
        <div className="grid gap-1">
          <label htmlFor="instances-organization" className="text-xs font-medium text-muted-foreground">Organization</label>
          <select
            id="instances-organization"
            className={nativeSelectClass}
            value={filters.organization}
            onChange={(event) => change({ organization: event.target.value })}
          >
            <option value="">All organizations</option>
            {[...organizations].sort((a, b) => a[1].localeCompare(b[1])).map(([id, name]) => (
              <option key={id} value={id}>{name}</option>
            ))}
          </select>
        </div>
        {filtered && (
          <Button variant="ghost" size="sm" onClick={() => change({ status: "", provider: "", organization: "" })}>
            <X aria-hidden />
            Clear filters
          </Button>
        )}
      </div>

      <QueryProblem query={list} title="Could not load the servers" />

      {list.isPending ? (
        <div className="grid gap-2" role="status" aria-busy="true" aria-label="Loading servers">
          {Array.from({ length: 4 }, (_, index) => (
            <Skeleton key={index} className="h-12" />
          ))}
        </div>
      ) : list.data && list.data.instances.length === 0 ? (
        <div className="grid justify-items-center gap-2 rounded-lg border border-dashed border-border p-8 text-center">
          <Server className="size-8 text-muted-foreground" aria-hidden />
          <p className="font-medium">{filtered ? "No server matches these filters" : "No servers yet"}</p>
          <p className="text-sm text-muted-foreground">
            {filtered ? "Clear a filter to see more." : "Servers appear here when customers deploy them."}
          </p>
        </div>
      ) : (
        list.data && (
          <>
            <ul className="grid gap-3 md:hidden" aria-label="Servers across organizations">
              {list.data.instances.map((row) => (
                <li key={row.id} className="grid gap-2 rounded-lg border border-border bg-card p-4 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <div className="grid min-w-0 gap-1">
                      <span className="font-medium">{row.label}</span>
                      <StatusBadge instance={row} className="justify-self-start" />
                    </div>
                    <Button variant="outline" size="sm" aria-label={`Details for ${row.label}`} onClick={() => setDetails(row)}>
                      Details
                    </Button>
                  </div>
                  {row.status === "failed" && row.error && <p className="text-xs text-destructive-foreground">{row.error}</p>}
                  <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 [&>dd]:min-w-0 [&>dd]:break-words">
                    <dt className="text-muted-foreground">Provider</dt>
                    <dd>{providerLabel(row)}</dd>
                    <dt className="text-muted-foreground">Organization</dt>
                    <dd>{row.organization.name}</dd>
                    <dt className="text-muted-foreground">User</dt>
                    <dd className="break-all">{row.user?.email ?? "—"}</dd>
                    <dt className="text-muted-foreground">Plan</dt>
                    <dd>{row.plan.name ?? "—"} · {row.region.label}</dd>
                    <dt className="text-muted-foreground">Created</dt>
                    <dd>
                      <time dateTime={row.created_at} title={absoluteTime(row.created_at)}>
                        {relativeTime(row.created_at)}
                      </time>
                    </dd>
                  </dl>
                </li>
              ))}
            </ul>
            <div className="relative hidden overflow-x-auto rounded-lg border border-border md:block">
              <table className="w-full min-w-[56rem] text-sm">
                <caption className="sr-only">Servers across organizations, page {list.data.page}</caption>
                <thead className="bg-muted/50 text-left text-muted-foreground">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">Server</th>
                    <th scope="col" className="px-3 py-2 font-medium">Status</th>
                    <th scope="col" className="px-3 py-2 font-medium">Provider</th>
                    <th scope="col" className="px-3 py-2 font-medium">Organization</th>
                    <th scope="col" className="px-3 py-2 font-medium">User</th>
                    <th scope="col" className="px-3 py-2 font-medium">Plan · region</th>
                    <th scope="col" className="px-3 py-2 font-medium">Created</th>
                    <th scope="col" className="px-3 py-2"><span className="sr-only">Details</span></th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.instances.map((row) => (
                    <tr key={row.id} className="border-t border-border align-top">
                      <th scope="row" className="px-3 py-2 text-left font-medium whitespace-nowrap">
                        {row.label}
                        <div className="font-mono text-xs font-normal text-muted-foreground">{row.ip_address ?? ""}</div>
                      </th>
                      <td className="px-3 py-2">
                        <StatusBadge instance={row} />
                        {row.status === "failed" && row.error && (
                          <p className="mt-1 max-w-64 text-xs text-destructive-foreground">{row.error}</p>
                        )}
                      </td>
                      <td className="px-3 py-2">{providerLabel(row)}</td>
                      <td className="px-3 py-2">{row.organization.name}</td>
                      <td className="px-3 py-2 break-all">{row.user?.email ?? "—"}</td>
                      <td className="px-3 py-2">
                        {row.plan.name ?? "—"}
                        <div className="text-xs text-muted-foreground">{row.region.label}</div>
                      </td>
                      <td className="px-3 py-2 whitespace-nowrap">
                        <time dateTime={row.created_at} title={absoluteTime(row.created_at)}>
                          {relativeTime(row.created_at)}
                        </time>
                      </td>
                      <td className="px-2 py-2 text-right">
                        <Button variant="outline" size="sm" aria-label={`Details for ${row.label}`} onClick={() => setDetails(row)}>
                          Details
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav aria-label="Pages" className="flex items-center justify-end gap-2 text-sm">
              <Button variant="outline" size="sm" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                <ChevronLeft aria-hidden />
                {/* Arrows only on a phone, so the pages stay on one line at 390 px. */}
                <span className="sr-only sm:not-sr-only">Previous</span>
              </Button>
              <span className="whitespace-nowrap">
                Page {list.data.page} of {pages} · {list.data.total} server{list.data.total === 1 ? "" : "s"}
              </span>
              <Button variant="outline" size="sm" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                <span className="sr-only sm:not-sr-only">Next</span>
                <ChevronRight aria-hidden />
              </Button>
            </nav>
          </>
        )
      )}
      <OrphansSection />
      {details && (
        <InstanceDetailsDialog
          summary={details}
          providerName={providerLabel(details)}
          onClose={() => setDetails(null)}
        />
      )}
    </section>
  );
}

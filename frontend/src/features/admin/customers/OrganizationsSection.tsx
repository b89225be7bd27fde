import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Building2 } from "lucide-react";
import * as React from "react";
import { adminListOrganizationsOptions } from "@/client/@tanstack/react-query.gen";
import type { CustomerOrganizationOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { absoluteTime, relativeTime } from "@/lib/time";
import { LimitDialog } from "./LimitDialog";
import { CUSTOMERS_PER_PAGE, EmptyState, LoadingRows, Pager, SearchForm, serverUsage } from "./shared";

function Usage({ organization }: { organization: CustomerOrganizationOut }) {
  const full = organization.server_limit !== null && organization.server_count >= organization.server_limit;
  return (
    <span className="flex flex-wrap items-center gap-1">
      {serverUsage(organization.server_count, organization.server_limit)}
      {full && <Badge variant="warning">At limit</Badge>}
    </span>
  );
}

/** Organizations: search by name, page, members and servers against the limit, edit the limit. */
export function OrganizationsSection() {
  const [search, setSearch] = React.useState("");
  const [page, setPage] = React.useState(1);
  const [editing, setEditing] = React.useState<CustomerOrganizationOut | null>(null);
  const list = useQuery({
    ...adminListOrganizationsOptions({ query: { page, per_page: CUSTOMERS_PER_PAGE, ...(search ? { q: search } : {}) } }),
    placeholderData: keepPreviousData,
  });

  const edit = (organization: CustomerOrganizationOut) => (
    <Button variant="outline" size="sm" aria-label={`Edit limit of ${organization.name}`} onClick={() => setEditing(organization)}>
      Edit limit
    </Button>
  );

  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-3" aria-labelledby="customers-organizations-heading">
      <div>
        <h3 id="customers-organizations-heading" className="text-base font-semibold">Organizations</h3>
        <p className="text-sm text-muted-foreground">Servers are counted per organization; deleted servers do not count.</p>
      </div>
      <SearchForm
        id="customers-organization-search"
        label="Organization name"
        placeholder="e.g. Casey"
        onSearch={(text) => {
          setSearch(text);
          setPage(1);
        }}
      />
      <QueryProblem query={list} title="Could not load the organizations" />
      {list.isPending ? (
        <LoadingRows label="Loading organizations" />
      ) : list.data && list.data.organizations.length === 0 ? (
        <EmptyState
          icon={<Building2 className="size-8 text-muted-foreground" aria-hidden />}
          title={search ? "No organization matches this search" : "No organizations yet"}
          text={search ? "Try part of the name." : "Each new account creates one."}
        />
      ) : (
        list.data && (
          <>
            <ul className="grid gap-3 md:hidden" aria-label="Organizations">
              {list.data.organizations.map((organization) => (
                <li key={organization.id} className="grid gap-2 rounded-lg border border-border bg-card p-4 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <span className="min-w-0 font-medium break-words">{organization.name}</span>
                    {edit(organization)}
                  </div>
                  <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 [&>dd]:min-w-0">
                    <dt className="text-muted-foreground">Servers</dt>
                    <dd><Usage organization={organization} /></dd>
                    <dt className="text-muted-foreground">Members</dt>
                    <dd>{organization.member_count}</dd>
                    <dt className="text-muted-foreground">Created</dt>
                    <dd>
                      <time dateTime={organization.created_at} title={absoluteTime(organization.created_at)}>
                        {relativeTime(organization.created_at)}
                      </time>
                    </dd>
                  </dl>
                </li>
              ))}
            </ul>
            <div className="hidden overflow-x-auto rounded-lg border border-border md:block">
              <table className="w-full min-w-[40rem] text-sm">
                <caption className="sr-only">Organizations, page {list.data.page}</caption>
                <thead className="bg-muted/50 text-left text-muted-foreground">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">Organization</th>
                    <th scope="col" className="px-3 py-2 font-medium">Servers (of limit)</th>
                    <th scope="col" className="px-3 py-2 font-medium">Members</th>
                    <th scope="col" className="px-3 py-2 font-medium">Created</th>
                    <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.organizations.map((organization) => (
                    <tr key={organization.id} className="border-t border-border align-top">
                      <th scope="row" className="px-3 py-2 text-left font-medium break-words">{organization.name}</th>
                      <td className="px-3 py-2"><Usage organization={organization} /></td>
                      <td className="px-3 py-2">{organization.member_count}</td>
                      <td className="px-3 py-2 whitespace-nowrap">
                        <time dateTime={organization.created_at} title={absoluteTime(organization.created_at)}>
                          {relativeTime(organization.created_at)}
                        </time>
                      </td>
                      <td className="px-2 py-2 text-right">{edit(organization)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              page={list.data.page}
              perPage={list.data.per_page}
              total={list.data.total}
              noun={["organization", "organizations"]}
              onPage={setPage}
            />
          </>
        )
      )}
      {editing && <LimitDialog organization={editing} onClose={() => setEditing(null)} />}
    </section>
  );
}

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Users } from "lucide-react";
import * as React from "react";
import { adminListUsersOptions } from "@/client/@tanstack/react-query.gen";
import type { CustomerUserOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useMe } from "@/features/shell/useMe";
import { absoluteTime, relativeTime } from "@/lib/time";
import { CUSTOMERS_PER_PAGE, EmptyState, LoadingRows, Pager, SearchForm } from "./shared";
import { SuspendDialog } from "./SuspendDialog";

function UserBadges({ user }: { user: CustomerUserOut }) {
  return (
    <span className="flex flex-wrap gap-1">
      {user.role === "admin" && <Badge variant="default">Admin</Badge>}
      {user.active ? <Badge variant="success">Active</Badge> : <Badge variant="destructive">Suspended</Badge>}
    </span>
  );
}

function Organizations({ user }: { user: CustomerUserOut }) {
  if (!user.organizations.length) return <span className="text-muted-foreground">None</span>;
  return (
    <ul className="grid gap-0.5">
      {user.organizations.map((org) => (
        <li key={org.id} className="break-words">
          {org.name} <span className="text-xs text-muted-foreground">({org.role})</span>
        </li>
      ))}
    </ul>
  );
}

/** Users: search by email or name, page, suspend and unsuspend (not yourself). */
export function UsersSection() {
  const [search, setSearch] = React.useState("");
  const [page, setPage] = React.useState(1);
  const [acting, setActing] = React.useState<CustomerUserOut | null>(null);
  const me = useMe();
  const list = useQuery({
    ...adminListUsersOptions({ query: { page, per_page: CUSTOMERS_PER_PAGE, ...(search ? { q: search } : {}) } }),
    placeholderData: keepPreviousData,
  });

  const action = (user: CustomerUserOut) => {
    const self = user.id === me.data?.user.id;
    return (
      <Button
        variant="outline"
        size="sm"
        disabled={self && user.active}
        title={self && user.active ? "You cannot suspend your own account." : undefined}
        aria-label={`${user.active ? "Suspend" : "Unsuspend"} ${user.email}`}
        onClick={() => setActing(user)}
      >
        {user.active ? "Suspend" : "Unsuspend"}
      </Button>
    );
  };

  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-3" aria-labelledby="customers-users-heading">
      <div>
        <h3 id="customers-users-heading" className="text-base font-semibold">Users</h3>
        <p className="text-sm text-muted-foreground">Everyone with an account, newest first.</p>
      </div>
      <SearchForm
        id="customers-user-search"
        label="Email or name"
        placeholder="e.g. casey@"
        onSearch={(text) => {
          setSearch(text);
          setPage(1);
        }}
      />
      <QueryProblem query={list} title="Could not load the users" />
      {list.isPending ? (
        <LoadingRows label="Loading users" />
      ) : list.data && list.data.users.length === 0 ? (
        <EmptyState
          icon={<Users className="size-8 text-muted-foreground" aria-hidden />}
          title={search ? "No user matches this search" : "No users yet"}
          text={search ? "Try part of an email address or a name." : "Users appear here when they register."}
        />
      ) : (
        list.data && (
          <>
            <ul className="grid gap-3 md:hidden" aria-label="Users">
              {list.data.users.map((user) => (
                <li key={user.id} className="grid gap-2 rounded-lg border border-border bg-card p-4 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <div className="grid min-w-0 gap-1">
                      <span className="font-medium break-all">{user.email}</span>
                      <span className="text-muted-foreground">{user.name}</span>
                      <UserBadges user={user} />
                    </div>
                    {action(user)}
                  </div>
                  <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 [&>dd]:min-w-0">
                    <dt className="text-muted-foreground">Organizations</dt>
                    <dd><Organizations user={user} /></dd>
                    <dt className="text-muted-foreground">Servers</dt>
                    <dd>{user.server_count}</dd>
                    <dt className="text-muted-foreground">Joined</dt>
                    <dd>
                      <time dateTime={user.created_at} title={absoluteTime(user.created_at)}>{relativeTime(user.created_at)}</time>
                    </dd>
                  </dl>
                </li>
              ))}
            </ul>
            <div className="hidden overflow-x-auto rounded-lg border border-border md:block">
              <table className="w-full min-w-[48rem] text-sm">
                <caption className="sr-only">Users, page {list.data.page}</caption>
                <thead className="bg-muted/50 text-left text-muted-foreground">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">User</th>
                    <th scope="col" className="px-3 py-2 font-medium">State</th>
                    <th scope="col" className="px-3 py-2 font-medium">Organizations</th>
                    <th scope="col" className="px-3 py-2 font-medium">Servers</th>
                    <th scope="col" className="px-3 py-2 font-medium">Joined</th>
                    <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.users.map((user) => (
                    <tr key={user.id} className="border-t border-border align-top">
                      <th scope="row" className="px-3 py-2 text-left font-medium break-all">
                        {user.email}
                        <div className="text-xs font-normal text-muted-foreground">{user.name}</div>
                      </th>
                      <td className="px-3 py-2"><UserBadges user={user} /></td>
                      <td className="px-3 py-2"><Organizations user={user} /></td>
                      <td className="px-3 py-2">{user.server_count}</td>
                      <td className="px-3 py-2 whitespace-nowrap">
                        <time dateTime={user.created_at} title={absoluteTime(user.created_at)}>{relativeTime(user.created_at)}</time>
                      </td>
                      <td className="px-2 py-2 text-right">{action(user)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager page={list.data.page} perPage={list.data.per_page} total={list.data.total} noun={["user", "users"]} onPage={setPage} />
          </>
        )
      )}
      {acting && <SuspendDialog user={acting} onClose={() => setActing(null)} />}
    </section>
  );
}

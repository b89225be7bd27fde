import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertCircle, ChevronLeft, ChevronRight, Eye, EyeOff, Loader2, ShieldCheck, Trash2 } from "lucide-react";
import * as React from "react";
import { toast } from "sonner";
import {
  adminDeleteOrphanMutation,
  adminIgnoreOrphanMutation,
  adminListOrphansOptions,
  adminListOrphansQueryKey,
  adminUnignoreOrphanMutation,
} from "@/client/@tanstack/react-query.gen";
import type { OrphanOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Alert, AlertDescription } from "@/components/ui/alert";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime, relativeTime } from "@/lib/time";
import { errorText } from "../providers/api";

export const ORPHANS_PER_PAGE = 20;

function When({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={iso} title={absoluteTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

function useRefreshOrphans() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: [adminListOrphansQueryKey()[0]] });
}

/** The admin instances page's list of servers that carry this panel's tag at a provider but
 * that no server record owns (found by the worker's sweeps): delete each, or ignore it. "Show
 * ignored" lists the ignored ones instead, each of which can be put back (un-ignored). */
export function OrphansSection() {
  const [page, setPage] = React.useState(1);
  const [showIgnored, setShowIgnored] = React.useState(false);
  const [deleting, setDeleting] = React.useState<OrphanOut | null>(null);
  const refresh = useRefreshOrphans();
  const list = useQuery({
    // Without a state: the open ones and deletes whose outcome is not known yet.
    ...adminListOrphansOptions({
      query: showIgnored
        ? { state: "ignored", page, per_page: ORPHANS_PER_PAGE }
        : { page, per_page: ORPHANS_PER_PAGE },
    }),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  const ignore = useMutation({ ...adminIgnoreOrphanMutation() });
  const unignore = useMutation({ ...adminUnignoreOrphanMutation() });

  const onIgnore = async (orphan: OrphanOut) => {
    try {
      await ignore.mutateAsync({ path: { orphan_id: orphan.id } });
      await refresh();
      toast.success(`${orphan.label} is ignored.`, {
        action: {
          label: "Undo",
          onClick: () => {
            void unignore
              .mutateAsync({ path: { orphan_id: orphan.id } })
              .then(refresh)
              .catch((failure: unknown) => toast.error(errorText(failure)));
          },
        },
      });
    } catch (failure) {
      toast.error(errorText(failure));
    }
  };

  const onUnignore = async (orphan: OrphanOut) => {
    try {
      await unignore.mutateAsync({ path: { orphan_id: orphan.id } });
      await refresh();
      toast.success(`${orphan.label} is back on the list of servers without an owner.`);
    } catch (failure) {
      toast.error(errorText(failure));
    }
  };

  const toggleIgnored = () => {
    setShowIgnored(!showIgnored);
    setPage(1);
  };

  const rows = list.data?.orphans ?? [];
  const listName = showIgnored ? "Ignored servers without an owner" : "Servers without an owner";
  const pages = list.data ? Math.max(1, Math.ceil(list.data.total / list.data.per_page)) : 1;
  const actions = (orphan: OrphanOut) => (
    <div className="flex flex-wrap items-center justify-end gap-2">
      {orphan.state === "deleting" ? (
        <span className="text-xs text-muted-foreground">Delete sent, not confirmed</span>
      ) : orphan.state === "ignored" ? (
        <Button
          variant="outline"
          size="sm"
          aria-label={`Un-ignore ${orphan.label}`}
          disabled={unignore.isPending && unignore.variables?.path.orphan_id === orphan.id}
          onClick={() => void onUnignore(orphan)}
        >
          <Eye aria-hidden />
          Un-ignore
        </Button>
      ) : (
        <Button
          variant="outline"
          size="sm"
          aria-label={`Ignore ${orphan.label}`}
          disabled={ignore.isPending && ignore.variables?.path.orphan_id === orphan.id}
          onClick={() => void onIgnore(orphan)}
        >
          <EyeOff aria-hidden />
          Ignore
        </Button>
      )}
      <Button variant="destructive" size="sm" aria-label={`Delete ${orphan.label}`} onClick={() => setDeleting(orphan)}>
        <Trash2 aria-hidden />
        {orphan.state === "deleting" ? "Delete again" : "Delete"}
      </Button>
    </div>
  );

  return (
    <section className="grid min-w-0 grid-cols-[minmax(0,1fr)] gap-3" aria-labelledby="orphans-heading">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 flex-1 basis-64">
          <h3 id="orphans-heading" className="text-base font-semibold">Servers at the provider without an owner</h3>
          <p className="text-sm text-muted-foreground">
            They carry this panel's tag, but no server here owns them: the provider may still bill for them. Delete
            them, or ignore the ones kept on purpose.
          </p>
        </div>
        <Button variant="outline" size="sm" aria-pressed={showIgnored} onClick={toggleIgnored}>
          {showIgnored ? <EyeOff aria-hidden /> : <Eye aria-hidden />}
          Show ignored
        </Button>
      </div>
      {showIgnored && (
        <p className="text-sm font-medium" aria-live="polite">
          Showing ignored servers. They stay at the provider until deleted.
        </p>
      )}

      <QueryProblem query={list} title="Could not load the servers without an owner" />

      {list.isPending ? (
        <div className="grid gap-2" role="status" aria-busy="true" aria-label="Loading servers without an owner">
          {Array.from({ length: 2 }, (_, index) => (
            <Skeleton key={index} className="h-12" />
          ))}
        </div>
      ) : list.data && rows.length === 0 && showIgnored ? (
        <div className="flex items-center gap-3 rounded-lg border border-dashed border-border p-4 text-sm">
          <EyeOff className="size-5 shrink-0 text-muted-foreground" aria-hidden />
          <p className="font-medium">No server is ignored.</p>
        </div>
      ) : list.data && rows.length === 0 ? (
        <div className="flex items-center gap-3 rounded-lg border border-dashed border-border p-4 text-sm">
          <ShieldCheck className="size-5 shrink-0 text-muted-foreground" aria-hidden />
          <p>
            <span className="font-medium">Every tagged server has an owner.</span>{" "}
            <span className="text-muted-foreground">The worker checks each provider account every few minutes.</span>
          </p>
        </div>
      ) : (
        list.data && (
          <>
            <ul className="grid gap-3 md:hidden" aria-label={listName}>
              {rows.map((orphan) => (
                <li key={orphan.id} className="grid gap-2 rounded-lg border border-border bg-card p-4 text-sm">
                  <span className="font-medium break-all">{orphan.label}</span>
                  <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 [&>dd]:min-w-0 [&>dd]:break-words">
                    <dt className="text-muted-foreground">Account</dt>
                    <dd>{orphan.provider_account_name}</dd>
                    <dt className="text-muted-foreground">Server id</dt>
                    <dd className="font-mono text-xs break-all">{orphan.provider_server_id}</dd>
                    <dt className="text-muted-foreground">Created</dt>
                    <dd><When iso={orphan.created_at_provider} /></dd>
                    <dt className="text-muted-foreground">First seen</dt>
                    <dd><When iso={orphan.first_seen_at} /></dd>
                  </dl>
                  {actions(orphan)}
                </li>
              ))}
            </ul>
            <div className="relative hidden overflow-x-auto rounded-lg border border-border md:block">
              <table className="w-full min-w-[48rem] text-sm">
                <caption className="sr-only">
                  {showIgnored ? "Ignored servers at the provider without an owner" : "Servers at the provider without an owner"}
                </caption>
                <thead className="bg-muted/50 text-left text-muted-foreground">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">Label</th>
                    <th scope="col" className="px-3 py-2 font-medium">Account</th>
                    <th scope="col" className="px-3 py-2 font-medium">Server id</th>
                    <th scope="col" className="px-3 py-2 font-medium">Created</th>
                    <th scope="col" className="px-3 py-2 font-medium">First seen</th>
                    <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((orphan) => (
                    <tr key={orphan.id} className="border-t border-border align-middle">
                      <th scope="row" className="px-3 py-2 text-left font-medium break-all">
                        {orphan.label}
                        <div className="font-mono text-xs font-normal text-muted-foreground">{orphan.tag}</div>
                      </th>
                      <td className="px-3 py-2">{orphan.provider_account_name}</td>
                      <td className="px-3 py-2 font-mono text-xs">{orphan.provider_server_id}</td>
                      <td className="px-3 py-2 whitespace-nowrap"><When iso={orphan.created_at_provider} /></td>
                      <td className="px-3 py-2 whitespace-nowrap"><When iso={orphan.first_seen_at} /></td>
                      <td className="px-2 py-2">{actions(orphan)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {pages > 1 && (
              <nav aria-label="Pages of servers without an owner" className="flex flex-wrap items-center justify-end gap-2 text-sm">
                <Button variant="outline" size="sm" disabled={page <= 1} onClick={() => setPage(page - 1)}>
                  <ChevronLeft aria-hidden />
                  Previous
                </Button>
                <span>
                  Page {list.data.page} of {pages} · {list.data.total} servers
                </span>
                <Button variant="outline" size="sm" disabled={page >= pages} onClick={() => setPage(page + 1)}>
                  Next
                  <ChevronRight aria-hidden />
                </Button>
              </nav>
            )}
          </>
        )
      )}
      {deleting && <DeleteOrphanDialog orphan={deleting} onClose={() => setDeleting(null)} />}
    </section>
  );
}

/** Confirmed delete at the provider: it cannot be undone, so the dialog names the server. */
function DeleteOrphanDialog({ orphan, onClose }: { orphan: OrphanOut; onClose: () => void }) {
  const refresh = useRefreshOrphans();
  const remove = useMutation({ ...adminDeleteOrphanMutation() });
  const [error, setError] = React.useState<string | null>(null);

  const confirm = async () => {
    setError(null);
    try {
      await remove.mutateAsync({ path: { orphan_id: orphan.id } });
      await refresh();
      toast.success(`${orphan.label} was deleted at the provider.`);
      onClose();
    } catch (failure) {
      setError(errorText(failure));
      await refresh();
    }
  };

  return (
    <AlertDialog open onOpenChange={(open) => !open && onClose()}>
      <AlertDialogContent>
        <AlertDialogTitle>Delete {orphan.label}?</AlertDialogTitle>
        <AlertDialogDescription>
          Server {orphan.provider_server_id} in {orphan.provider_account_name} is deleted at the provider with
          everything on its disks. This cannot be undone.
        </AlertDialogDescription>
        {error && (
          <Alert variant="destructive">
            <AlertCircle aria-hidden />
            <AlertDescription>{error}</AlertDescription>
          </Alert>
        )}
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button variant="destructive" disabled={remove.isPending} onClick={() => void confirm()}>
            {remove.isPending && <Loader2 className="animate-spin" aria-hidden />}
            Delete server
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

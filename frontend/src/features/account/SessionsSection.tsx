import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, LogOut, MonitorSmartphone } from "lucide-react";
import { toast } from "sonner";
import { isApiError } from "@/api/http";
import {
  listMySessionsOptions,
  listMySessionsQueryKey,
  revokeMySessionMutation,
} from "@/client/@tanstack/react-query.gen";
import type { SessionOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime, relativeTime } from "@/lib/time";

/** A short name for a User-Agent string: "Firefox on Linux", or the string itself. */
export function describeAgent(agent: string | null | undefined): string {
  if (!agent) return "Unknown client";
  const browser = /Edg\//.test(agent) ? "Edge"
      : /Firefox\//.test(agent) ? "Firefox"
        : /Chrome\//.test(agent) ? "Chrome"
          : /Safari\//.test(agent) ? "Safari"
            : null;
  const system = /Android/.test(agent) ? "Android"
    : /iPhone|iPad/.test(agent) ? "iOS"
      : /Windows/.test(agent) ? "Windows"
        : /Mac OS X/.test(agent) ? "macOS"
          : /Linux/.test(agent) ? "Linux"
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? (agent.length > 60 ? `${agent.slice(0, 57)}…` : agent);
}

/** Where the account is signed in, with this one marked; any other can be signed out. */
export function SessionsSection() {
  const sessions = useQuery(listMySessionsOptions());
  return (
    <Card className="max-w-3xl">
      <CardHeader>
        <CardTitle>Sessions</CardTitle>
        <CardDescription>Browsers and scripts signed in to your account. Sign out any you do not recognise.</CardDescription>
      </CardHeader>
      <CardContent>
        {/* Above the list, not instead: a failed refresh keeps the sessions already shown. */}
        <QueryProblem query={sessions} title="Could not load your sessions" />
        {sessions.isPending ? (
          <Skeleton className="h-24 w-full" />
        ) : !sessions.data ? null : (
          <ul aria-label="Sessions" className="divide-y divide-border">
            {sessions.data.map((session) => (
              <SessionRow key={session.id} session={session} />
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}

function SessionRow({ session }: { session: SessionOut }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({ ...revokeMySessionMutation() });
  const name = describeAgent(session.user_agent);
  const signOut = async () => {
    try {
      await revoke.mutateAsync({ path: { session_id: session.id } });
      toast.success(`Signed out ${name}.`);
    } catch (error) {
      if (!isApiError(error)) throw error;
      toast.error(error.detail);
    } finally {
      await queryClient.invalidateQueries({ queryKey: listMySessionsQueryKey() });
    }
  };
  return (
    <li className="flex flex-wrap items-center gap-3 py-3">
      <MonitorSmartphone aria-hidden className="size-5 shrink-0 text-muted-foreground" />
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2 font-medium">
          <span className="truncate" title={session.user_agent ?? undefined}>{name}</span>
          {session.current && <Badge variant="success">This session</Badge>}
        </div>
        <div className="text-xs text-muted-foreground">
          Signed in <time dateTime={session.created_at} title={absoluteTime(session.created_at)}>{relativeTime(session.created_at)}</time>
          {session.last_used_at && (
            <>
              {" · "}last used{" "}
              <time dateTime={session.last_used_at} title={absoluteTime(session.last_used_at)}>
                {relativeTime(session.last_used_at)}
              </time>
            </>
          )}
        </div>
      </div>
      {!session.current && (
        <Button
          variant="outline"
          size="sm"
          disabled={revoke.isPending}
          onClick={() => void signOut()}
          aria-label={`Sign out ${name}, signed in ${relativeTime(session.created_at)}`}
        >
          {revoke.isPending ? <Loader2 className="animate-spin" aria-hidden /> : <LogOut aria-hidden />}
          Sign out
        </Button>
      )}
    </li>
  );
}

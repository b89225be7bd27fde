import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import {
  CircleCheck,
  CircleHelp,
  CircleX,
  Eye,
  Link2,
  Loader2,
  TimerOff,
  Trash2,
  type LucideIcon,
} from "lucide-react";
import { listInstanceEventsOptions } from "@/client/@tanstack/react-query.gen";
import type { EventList, EventOut } from "@/client/types.gen";
import { QueryProblem } from "@/components/query-problem";
import { Skeleton } from "@/components/ui/skeleton";
import { absoluteTime, duration, relativeTime } from "@/lib/time";
import { cn } from "@/lib/utils";

/** The customer's view of the server's events (see `EventTimeline`). */
export function ActivityTimeline({ instanceId, transitional }: { instanceId: string; transitional: boolean }) {
  const events = useQuery({
    ...listInstanceEventsOptions({ path: { instance_id: instanceId } }),
    refetchInterval: transitional ? 3_000 : 30_000,
    refetchIntervalInBackground: false,
  });
  return <EventTimeline events={events} />;
}

type Tone = "done" | "running" | "failed" | "noticed";

/** How an event is shown: its icon, colour and the words a screen reader hears first. Events
 * the panel noticed by itself (a change or a delete made outside the panel, a server found
 * again) are not the customer's actions: they get their own icon and a neutral colour. */
export function eventLook(event: EventOut): { Icon: LucideIcon; tone: Tone; spoken: string } {
  const running = !event.finished_at && event.status !== "failed" && event.status !== "succeeded";
  switch (event.type) {
    case "observed":
      return { Icon: Eye, tone: "noticed", spoken: "Changed outside the panel: " };
    case "deleted_at_provider":
      return { Icon: Trash2, tone: "noticed", spoken: "Deleted outside the panel: " };
    case "adopted":
      return { Icon: Link2, tone: "done", spoken: "Found again: " };
    case "stuck":
      return { Icon: TimerOff, tone: "failed", spoken: "Failed: " };
    case "status_unknown":
      return { Icon: CircleHelp, tone: "noticed", spoken: "State unknown: " };
  }
  if (event.status === "failed") return { Icon: CircleX, tone: "failed", spoken: "Failed: " };
  if (running) return { Icon: Loader2, tone: "running", spoken: "In progress: " };
  return { Icon: CircleCheck, tone: "done", spoken: "Done: " };
}

const ICON_CLASS: Record<Tone, string> = {
  done: "text-success-foreground",
  running: "animate-spin text-primary",
  failed: "text-destructive-foreground",
  noticed: "text-muted-foreground",
};

/** When an event last moved: in progress is now; else when it finished, or happened. */
function lastMoment(event: EventOut): number {
  if (eventLook(event).tone === "running") return Number.POSITIVE_INFINITY;
  return Date.parse(event.finished_at ?? event.created_at);
}

/** Newest first, what is in progress on top. An operation's event is dated by its end: a create
 * that started first but finished last ("The server is running.") comes before the steps it
 * went through. Events that moved at the same moment keep the API's order, newest first. */
export function newestFirst(events: EventOut[]): EventOut[] {
  return [...events].reverse().sort((a, b) => lastMoment(b) - lastMoment(a));
}

/** A server's events, newest first (`newestFirst`): icon by kind and status, relative time,
 * duration, failures in red. Shared by the customer's Activity tab and the admin's server
 * details. */
export function EventTimeline({ events }: { events: UseQueryResult<EventList, unknown> }) {
  if (events.isPending)
    return (
      <div className="grid gap-3" aria-busy="true">
        {[0, 1, 2].map((index) => (
          <Skeleton key={index} className="h-12" />
        ))}
      </div>
    );
  // A failed poll keeps the last events on screen, with the reason above them.
  const problem = <QueryProblem query={events} title="Could not load the activity" />;
  if (!events.data) return problem;
  if (!events.data.events.length)
    return (
      <div className="grid gap-3">
        {problem}
        <p className="text-sm text-muted-foreground">No activity yet.</p>
      </div>
    );
  return (
    <div className="grid gap-3">
      {problem}
      <ol className="grid gap-0" aria-label="Activity">
        {newestFirst(events.data.events).map((event) => {
          const { Icon, tone, spoken } = eventLook(event);
          const failed = tone === "failed";
          const running = tone === "running";
          return (
            <li
              key={event.id}
              data-event-type={event.type}
              className={cn(
                "relative grid grid-cols-[auto_1fr] gap-3 border-l-2 border-border py-3 pl-4",
                running && "border-primary bg-primary/5",
                failed && "border-destructive",
              )}
            >
              <Icon className={cn("mt-0.5 size-4", ICON_CLASS[tone])} aria-hidden />
              <div className="grid gap-0.5">
                <p className={cn("text-sm", failed && "text-destructive-foreground")}>
                  <span className="sr-only">{spoken}</span>
                  {event.message}
                </p>
                <p className="text-xs text-muted-foreground">
                  <time dateTime={event.created_at} title={absoluteTime(event.created_at)}>
                    {relativeTime(event.created_at)}
                  </time>
                  {event.finished_at && event.finished_at !== event.created_at && (
                    <> · took {duration(event.created_at, event.finished_at)}</>
                  )}
                  {running && " · in progress"}
                </p>
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
